"""``annotated train translate``, ``translate`` and ``eval``: the run, the card, resume, errors."""

from __future__ import annotations

import json
import math
from itertools import pairwise
from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from annotated.cli import main
from annotated.corpora.de_en.store import load_pairs
from annotated.tasks.translation.evaluation import translate
from annotated.tasks.translation.loading import load_translation_model
from annotated.tasks.translation.run import spread
from annotated.training.files import read_safetensors
from annotated.training.progress import ProgressBar

from .conftest import train


def test_run_writes_checkpoint_tokenizer_card_and_scores(run_dir: Path, corpus: Path) -> None:
    assert {"model.safetensors", "model.json", "tokenizer.json", "metrics.json"} <= {
        p.name for p in run_dir.iterdir()
    }
    card = json.loads((run_dir / "model.json").read_text())
    assert card["task"] == "translate" and card["tokenizer"] == "tokenizer.json"
    assert card["command"].startswith("annotated train translate --corpus")
    assert card["options"]["loop"]["max_steps"] == 8
    manifest = json.loads((corpus / "manifest.json").read_text())
    assert card["corpus"]["files"] == manifest["files"]  # the card names the data it scored
    m = card["metrics"]
    test = load_pairs("test", corpus)
    assert m["test_sentences"] == len(test) > 0
    for search in ("greedy", "beam"):
        assert 0 <= m[f"test_bleu_{search}"] <= 100 and 0 <= m[f"test_chrf_{search}"] <= 100
        assert f"test_bleu_{search}_pairs" in m  # per source: the one TSV source here
    assert m["bleu_signature"].startswith("nrefs:1|case:mixed|eff:no|tok:13a")
    assert m["averaged_checkpoints"] == 2 and 0 <= m["test_bleu_beam_last_weights"] <= 100
    evals = json.loads((run_dir / "metrics.json").read_text())["evals"]
    assert [e["step"] for e in evals] == [4, 8]
    assert all(0 < e["val_loss"] < math.log(card["config"]["tgt_vocab"]) + 1 for e in evals)


def test_the_final_model_is_the_mean_of_the_kept_snapshots(run_dir: Path) -> None:
    files = sorted((run_dir / "snapshots").iterdir())
    assert [p.name for p in files] == ["step-000004.safetensors", "step-000008.safetensors"]
    states = [read_safetensors(p)[0] for p in files]
    final = read_safetensors(run_dir / "model.safetensors")[0]
    assert set(final) == set(states[0])
    for name, value in final.items():
        torch.testing.assert_close(value, (states[0][name] + states[1][name]) / 2)


def test_the_model_loads_with_its_own_tokenizer(run_dir: Path) -> None:
    model, tokenizer, _ = load_translation_model(run_dir)
    assert model.config is not None and model.config.share_embeddings
    assert tokenizer.vocab_size == model.config.src_vocab == model.config.tgt_vocab
    assert model.generator.proj.weight is model.tgt_embed[0].lut.weight  # three-way sharing
    assert model.src_embed[0].lut.weight is model.tgt_embed[0].lut.weight


def test_translate_cli_prints_one_line_per_sentence(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sentences = ["Der Hund sieht die Katze.", "Eine Frau mag das Haus."]
    assert main(["translate", str(run_dir), *sentences, "--beam", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    model, tokenizer, _ = load_translation_model(run_dir)
    assert lines == translate(model, tokenizer, sentences, beam=2)


def test_translations_come_back_in_the_order_given(run_dir: Path) -> None:
    model, tokenizer, _ = load_translation_model(run_dir)
    sentences = ["Das Kind sucht einen Mann, der die Katze mag.", "Der Hund.", "Ein Mann sieht"]
    together = translate(model, tokenizer, sentences, batch_size=2)
    assert together == [translate(model, tokenizer, [s])[0] for s in sentences]


def test_eval_prints_bleu_chrf_and_the_signature(
    run_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", str(run_dir)]) == 0
    out = capsys.readouterr().out
    card = json.loads((run_dir / "model.json").read_text())["metrics"]
    assert f"BLEU {card['test_bleu_beam']:.2f}, chrF {card['test_chrf_beam']:.2f} (beam 4" in out
    assert f"BLEU {card['test_bleu_greedy']:.2f}" in out and "tok:13a" in out


def test_an_interrupted_run_resumes_to_the_same_weights(
    corpus: Path, run_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "killed"
    real_call = ProgressBar.__call__

    def crash_at_step_6(self: ProgressBar, state: object) -> None:
        real_call(self, state)  # type: ignore[arg-type]
        if state.optimizer_steps == 6:  # type: ignore[attr-defined]
            raise KeyboardInterrupt  # after the checkpoint of step 4, before that of step 8

    monkeypatch.setattr(ProgressBar, "__call__", crash_at_step_6)
    assert train(corpus, out) == 130
    monkeypatch.setattr(ProgressBar, "__call__", real_call)
    assert json.loads((out / "model.json").read_text())["steps"]["optimizer_steps"] == 4
    assert train(corpus, out, "--resume") == 0
    resumed, whole = load_translation_model(out).model, load_translation_model(run_dir).model
    assert all(
        torch.equal(p, q) for p, q in zip(resumed.parameters(), whole.parameters(), strict=True)
    )


def test_resume_keeps_options_and_corpus(
    corpus: Path, run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert train(corpus, run_dir, "--resume", "--smoothing", "0.2") == 2
    assert "--smoothing 0.2 differs from the run's" in capsys.readouterr().err
    changed = tmp_path / "changed"
    changed.mkdir()
    for name in ("train.tsv", "valid.tsv", "test.tsv", "manifest.json"):
        (changed / name).write_bytes((corpus / name).read_bytes())
    assert train(changed, tmp_path / "run", "--max-steps", "4") == 0
    manifest = json.loads((changed / "manifest.json").read_text())
    manifest["files"]["train.tsv"]["sha256"] = "0" * 64
    (changed / "manifest.json").write_text(json.dumps(manifest))
    capsys.readouterr()
    assert train(changed, tmp_path / "run", "--max-steps", "4", "--resume") == 2
    assert "the corpus changed since this run started" in capsys.readouterr().err
    assert main(["eval", str(tmp_path / "run"), "--corpus", str(changed)]) == 2
    assert "differs from the one this model was scored on" in capsys.readouterr().err


def test_bad_input_is_one_line(
    run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["translate", str(run_dir), "  "]) == 2
    assert "give German sentences" in capsys.readouterr().err
    assert train(tmp_path / "nothing", tmp_path / "run") == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "run `annotated data de-en` to build it" in err
    copy = main(["translate", "copy", "Ein Satz."])
    assert copy == 2 and "not a translation model" in capsys.readouterr().err


@given(st.integers(0, 300), st.integers(1, 50))
def test_the_validation_sample_spans_the_split(length: int, n: int) -> None:
    pairs = [(str(i), str(i)) for i in range(length)]
    sample = spread(pairs, n)
    assert len(sample) == min(n, length)
    indices = [int(de) for de, _ in sample]
    assert indices == sorted(set(indices))  # distinct, in the split's order
    if length >= n > 1:  # evenly spaced (gaps differ by at most one), up to the split's end
        gaps = {b - a for a, b in pairwise(indices)}
        assert max(gaps) - min(gaps) <= 1 and indices[-1] >= length - -(-length // n)
