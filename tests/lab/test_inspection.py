"""Looking inside a run: attention maps, samples, decoding, and the source of its blocks."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from annotated import LayerNorm, Muon, RMSNorm, RotaryEmbedding, SwiGLU, newton_schulz
from annotated.lab import LabConfig, LabRun, chosen_blocks, respond, run_attention, source_of
from tests.lab.helpers import TINY_GPT, TINY_TASK, gpt_data, tiny


def test_attention_maps_are_row_stochastic_with_the_right_shapes() -> None:
    run = LabRun(tiny(TINY_TASK, N=2))
    maps = run_attention(run, "3 1 4")
    assert [m.title for m in maps] == [
        "enc 1 self-attention", "enc 2 self-attention",
        "dec 1 self-attention", "dec 1 cross-attention",
        "dec 2 self-attention", "dec 2 cross-attention",
    ]  # fmt: skip
    for m in maps:
        assert m.weights.shape == (2, len(m.queries), len(m.keys))
        np.testing.assert_allclose(m.weights.sum(-1), 1.0, atol=1e-5)
    assert maps[0].keys == ["3", "1", "4", "</s>"]
    config = tiny(TINY_GPT, N=2)
    gpt = LabRun(config, data=gpt_data(config))
    text = "To be, or not to be, that is the question"  # longer than max_len 16
    maps = run_attention(gpt, text)
    assert [m.weights.shape for m in maps] == [(2, 16, 16)] * 2
    assert "".join(maps[0].keys) == text[-16:]
    assert np.triu(maps[0].weights[0], 1).max() == 0.0  # causal


def test_respond_samples_reproducibly_and_decodes_with_a_verdict() -> None:
    config = tiny(TINY_GPT)
    gpt = LabRun(config, data=gpt_data(config))
    text = respond(gpt, "To be", length=30, temperature=1.0, seed=3)
    assert text.startswith("To be") and len(text) == 35
    assert respond(gpt, "To be", length=30, temperature=1.0, seed=3) == text
    with pytest.raises(ValueError, match="not in the vocabulary"):
        respond(gpt, "Zebra!")
    out = respond(LabRun(TINY_TASK), "3 1 4")
    assert out.startswith("3 1 4 → ") and ("(right)" in out or "(wrong: expected 3 1 4)" in out)
    with pytest.raises(ValueError):
        respond(LabRun(TINY_TASK), "3 14")


@pytest.mark.parametrize(
    ("changes", "block", "cls"),
    [
        ({"norm": "rms"}, "RMSNorm", RMSNorm),
        ({"norm": "layer"}, "LayerNorm", LayerNorm),
        ({"activation": "swiglu"}, "SwiGLU", SwiGLU),
        ({"positions": "rope"}, "RotaryEmbedding", RotaryEmbedding),
        ({"optimizer": "muon"}, "Muon", Muon),
        ({"optimizer": "muon"}, "newton_schulz", newton_schulz),
    ],
)
def test_the_code_shown_is_the_package_source(
    changes: dict[str, str], block: str, cls: type
) -> None:
    config = LabConfig(**changes)  # type: ignore[arg-type]
    assert block in chosen_blocks(config)
    assert source_of(config, block).endswith(inspect.getsource(cls))


def test_only_the_chosen_blocks_are_offered() -> None:
    blocks = chosen_blocks(
        LabConfig(task="copy", norm="none", positions="alibi", activation="relu")
    )
    assert "LayerNorm" not in blocks and "RMSNorm" not in blocks and "GPT" not in blocks
    assert {"EncoderDecoder", "ALiBi", "PositionwiseFeedForward"} <= set(blocks)
    assert "Muon" not in chosen_blocks(LabConfig())  # AdamW's run shows no Muon
