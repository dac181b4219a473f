"""LabConfig: impossible combinations are explained before training, and configs round-trip."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotated import GPTConfig, TransformerConfig
from annotated.config import CHOICES
from annotated.lab import LabConfig, LabConfigError
from annotated.lab.config import LIMITS
from annotated.tokenizers.subword import MIN_VOCAB

BASE = LabConfig()


@pytest.mark.parametrize(
    ("changes", "explanation"),
    [
        ({"d_model": 100, "h": 3}, "d_model (100) must be divisible by h (3)"),
        ({"d_model": 100, "h": 3}, "try width 99 or 102"),
        ({"d_model": 72, "h": 8, "positions": "rope"}, "RoPE rotates feature pairs"),
        (
            {"d_model": 72, "h": 8, "positions": "rope"},
            "d_k must be even, got 9; try width 64 or 80",
        ),
        ({"d_model": 65, "h": 5, "positions": "sinusoidal"}, "even d_model, got 65; try width 70"),
        (
            {"warmup": 300, "max_steps": 200},
            "warmup (300 steps) is longer than the run (200 steps)",
        ),
        ({"N": 0}, "depth (layers) must be a whole number from 1 to 12; got 0"),
        ({"N": 2.5}, "depth (layers) must be a whole number"),
        ({"d_model": 1024}, "width (d_model) must be a whole number from 64 to 512"),
        ({"h": 1}, "heads must be a whole number from 2 to 16"),
        ({"lr": 0.0}, "learning rate must be a number from 1e-05 to 1"),
        ({"lr": float("nan")}, "learning rate must be a number"),
        ({"max_steps": True}, "steps (max_steps) must be a whole number"),
        ({"task": "reverse"}, "task must be one of copy, sort, add, shakespeare; got 'reverse'"),
        ({"norm": "batch"}, "norm must be one of layer, rms, none"),
        ({"schedule": "linear"}, "schedule must be one of constant, warmup_cosine, noam"),
        ({"share_embeddings": "yes"}, "share_embeddings must be true or false"),
        ({"tokenizer": "wordpiece"}, "tokenizer must be one of char, bpe; got 'wordpiece'"),
        ({"tokenizer": "tiktoken:gpt2.tiktoken"}, "tokenizer must be one of char, bpe"),
        (
            {"tokenizer": "bpe", "bpe_vocab": 258},
            "BPE vocabulary (bpe_vocab) must be a whole number from 259 to 4096; got 258",
        ),
        ({"bpe_vocab": 4097}, "BPE vocabulary (bpe_vocab) must be a whole number"),
        ({"bpe_vocab": 512.5}, "BPE vocabulary (bpe_vocab) must be a whole number"),
        ({"qk_norm": "yes"}, "qk_norm must be true or false; got 'yes'"),
        ({"zero_init": 1}, "zero_init must be true or false; got 1"),
        ({"logit_softcap": -1.0}, "logit soft-cap (logit_softcap, 0: off) must be a number from"),
        ({"logit_softcap": 101.0}, "must be a number from 0 to 100; got 101.0"),
        ({"optimizer": "sgd"}, "optimizer must be one of adamw, muon; got 'sgd'"),
        ({"muon_lr": 0.0}, "Muon's learning rate (muon_lr) must be a number from 1e-05 to 1"),
        (
            {"task": "copy", "qk_norm": True},
            "qk_norm applies to Shakespeare's GPT only: copy trains the encoder-decoder, which "
            "has no such switch; turn it off or pick shakespeare",
        ),
        (
            {"task": "sort", "zero_init": True, "logit_softcap": 15.0, "optimizer": "muon"},
            "zero_init, logit_softcap and optimizer muon apply to Shakespeare's GPT only: sort",
        ),
    ],
)
def test_problems_are_explained(changes: dict[str, object], explanation: str) -> None:
    config = replace(BASE, **changes)
    assert any(explanation in p for p in config.problems()), config.problems()
    with pytest.raises(LabConfigError) as info:
        config.check()
    assert explanation in str(info.value)


def test_every_problem_is_reported_at_once() -> None:
    config = replace(BASE, N=0, lr=5.0, task="reverse")
    assert len(config.problems()) == 3


def test_the_task_picks_the_family() -> None:
    gpt = replace(BASE, task="shakespeare", share_embeddings=False, positions="alibi")
    model = gpt.model_config(65)
    assert isinstance(model, GPTConfig)
    assert (model.max_len, model.share_embeddings, model.positions, model.d_ff) == (
        64,
        False,
        "alibi",
        256,
    )
    for task in ("copy", "sort", "add"):
        enc_dec = replace(BASE, task=task, N=3).model_config(13 if task != "add" else 14)
        assert isinstance(enc_dec, TransformerConfig)
        assert (enc_dec.N, enc_dec.d_ff, enc_dec.share_embeddings, enc_dec.dropout) == (
            3,
            256,
            True,
            0.0,
        )


# every config the sliders can produce either builds or explains itself
WHOLE = {k: v for k, v in LIMITS.items() if k not in ("lr", "max_steps", "warmup", "seed")}


@given(
    d_model=st.integers(*map(int, WHOLE["d_model"])),
    h=st.integers(*map(int, WHOLE["h"])),
    positions=st.sampled_from(["sinusoidal", "learned", "rope", "alibi", "none"]),
    task=st.sampled_from(["copy", "shakespeare"]),
)
def test_valid_configs_build_and_invalid_ones_say_why(
    d_model: int, h: int, positions: str, task: str
) -> None:
    config = replace(BASE, d_model=d_model, h=h, positions=positions, task=task)
    if config.problems():
        with pytest.raises(LabConfigError):
            config.model_config(13)
        suggested = re.search(r"try width (\d+)(?: or (\d+))?$", config.problems()[-1])
        assert suggested, config.problems()
        for width in filter(None, suggested.groups()):  # each suggestion builds, and is nearest
            assert not replace(config, d_model=int(width)).problems()
            between = range(min(d_model, int(width)) + 1, max(d_model, int(width)))
            assert all(replace(config, d_model=w).problems() for w in between)
    else:
        config.model_config(13)  # the model's own config accepts it: no crash after our check


def test_json_round_trip_and_bad_json() -> None:
    config = replace(BASE, task="sort", positions="rope", lr=1e-3, seed=7)
    assert LabConfig.from_json(config.to_json()) == config
    assert LabConfig.from_json(json.dumps(config.to_dict())) == config  # a bare object too
    with pytest.raises(LabConfigError, match="not JSON"):
        LabConfig.from_json("{")
    with pytest.raises(LabConfigError, match="unknown format"):
        LabConfig.from_json(json.dumps({"format": "other/9", "config": {}}))
    with pytest.raises(LabConfigError, match="unknown Lab config fields: dropout"):
        LabConfig.from_json(json.dumps({"dropout": 0.1}))
    old = json.dumps({"format": "annotated-lab-config/1", "config": {"steps": 9, "seq_len": 8}})
    with pytest.raises(LabConfigError, match=r"seq_len \(now max_len\), steps \(now max_steps\)"):
        LabConfig.from_json(old)  # an export from before the rename names the new keys


def test_the_ladder_switches_reach_the_gpt_config() -> None:
    config = replace(
        BASE, qk_norm=True, zero_init=True, logit_softcap=15.0, share_embeddings=False,
        activation="relu2", optimizer="muon", muon_lr=0.05,
    )  # fmt: skip
    assert config.problems() == []
    model = config.model_config(65)
    assert isinstance(model, GPTConfig)
    assert (model.qk_norm, model.zero_init, model.logit_softcap) == (True, True, 15.0)
    assert (model.share_embeddings, model.activation) == (False, "relu2")
    assert config.label().endswith(" relu2 learned untied qk-norm zero-init softcap15 muon0.05")
    off = BASE.model_config(65)  # the Lab's defaults are the GPT's: every trick off
    assert isinstance(off, GPTConfig)
    assert (off.qk_norm, off.zero_init, off.logit_softcap) == (False, False, 0.0)
    assert "relu2" in CHOICES["activation"]  # the Lab offers the models' own choices
    for task in ("copy", "sort", "add"):  # muon_lr alone switches nothing on: no complaint
        assert replace(BASE, task=task, muon_lr=0.05).problems() == []


def test_the_ladder_switches_round_trip_and_old_exports_load() -> None:
    config = replace(BASE, qk_norm=True, logit_softcap=30.0, optimizer="muon", muon_lr=0.03)
    assert LabConfig.from_json(config.to_json()) == config
    before = json.loads(BASE.to_json())  # an export written before the ladder's fields
    for name in ("qk_norm", "zero_init", "logit_softcap", "optimizer", "muon_lr"):
        del before["config"][name]
    old = LabConfig.from_json(json.dumps(before | {"config": before["config"] | {"seed": 4}}))
    assert old == replace(BASE, seed=4)


def test_trained_length() -> None:
    assert replace(BASE, max_len=128).trained_length() == 128
    assert replace(BASE, task="add").trained_length() == 8  # 7 symbols and </s>


def test_the_tokenizer_fields() -> None:
    assert (BASE.tokenizer, BASE.bpe_vocab, BASE.subwords) == ("char", 1024, False)
    assert LIMITS["bpe_vocab"] == (MIN_VOCAB, 4096)  # 3 specials and 256 bytes at least
    bpe = replace(BASE, tokenizer="bpe", bpe_vocab=int(LIMITS["bpe_vocab"][0]))
    assert bpe.problems() == [] and bpe.subwords and bpe.label().endswith(" bpe259")
    assert LabConfig.from_json(bpe.to_json()) == bpe
    for task in ("copy", "sort", "add"):  # the tasks read their own symbols: like max_len, ignored
        ignored = replace(bpe, task=task)
        assert ignored.problems() == [] and not ignored.subwords
        assert ignored.label() == replace(BASE, task=task).label()
