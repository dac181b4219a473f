"""Bits per character: the loss per token for characters, and the same unit for every tokenizer.

.. math::

    \\mathrm{bpc} = \\frac{-\\sum_{t=2}^{n} \\ln p(d_t \\mid d_{<t})}{\\ln 2 \\cdot c}
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from annotated import GPT, GPTConfig, mean_cross_entropy
from annotated.tasks.language_model.evaluation import split_loss
from annotated.tasks.language_model.tokenizer import build_tokenizer
from annotated.tokenizers import TextTokenizer
from tests.tokenizers.ranks_file import write_ranks

PLAY = (
    "ROMEO:\nBut soft, what light through yonder window breaks?\n\n"
    "JULIET:\nO Romeo, Romeo, wherefore art thou Romeo?\n\n"
) * 30


def gpt(vocab_size: int, *, uniform: bool = False, seed: int = 0) -> GPT:
    torch.manual_seed(seed)
    model = GPT(GPTConfig(vocab_size=vocab_size, max_len=16, N=1, h=2, d_model=16))
    if uniform:  # E = 0 and the tied head is E: every logit 0, p = 1/V at every position
        torch.nn.init.zeros_(model.lm_head.weight)
    return model.eval()


@pytest.fixture(scope="module")
def tokenizers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, TextTokenizer]:
    out = {
        "char": build_tokenizer("char", PLAY, PLAY, 0),
        "bpe": build_tokenizer("bpe", PLAY, PLAY, 320),
    }
    if importlib.util.find_spec("tiktoken"):
        ranks = write_ranks(Path(tmp_path_factory.mktemp("ranks")) / "tiny.tiktoken")
        out["tiktoken"] = build_tokenizer(f"tiktoken:{ranks}", PLAY, PLAY, 0)
    return out


@settings(max_examples=10)
@given(seed=st.integers(0, 2**16), length=st.integers(2, 200))
def test_for_characters_bpc_is_the_mean_loss_over_ln_2(
    tokenizers: dict[str, TextTokenizer], seed: int, length: int
) -> None:
    tok = tokenizers["char"]
    ids = tok.encode_tensor(PLAY[seed % 500 : seed % 500 + length])
    model = gpt(tok.vocab_size, seed=seed)
    loss = split_loss(model, tok, ids)
    assert loss.tokens == loss.characters == ids.numel() - 1
    assert math.isclose(loss.bits_per_character, mean_cross_entropy(model, ids) / math.log(2))
    assert math.isclose(loss.mean, mean_cross_entropy(model, ids), rel_tol=1e-15)


@pytest.mark.parametrize("kind", ["char", "bpe", "tiktoken"])
def test_a_uniform_model_pays_log2_v_per_token_whatever_the_tokens(
    tokenizers: dict[str, TextTokenizer], kind: str
) -> None:
    """bpc = log2(V) tokens/characters: the same text costs V and the token count."""
    if kind not in tokenizers:
        pytest.skip("tiktoken is not installed")
    tok, text = tokenizers[kind], PLAY[:700]
    ids = tok.encode_tensor(text)
    loss = split_loss(gpt(tok.vocab_size, uniform=True), tok, ids)
    tokens, characters = ids.numel() - 1, len(text) - len(tok.decode(ids[:1]))
    assert (loss.tokens, loss.characters) == (tokens, characters)
    expected = math.log2(tok.vocab_size) * tokens / characters
    assert math.isclose(loss.bits_per_character, expected, rel_tol=1e-9)
    if kind != "char":  # subwords: fewer tokens than characters, each dearer
        assert tokens < characters and loss.mean > math.log(tokenizers["char"].vocab_size)


def test_bpc_counts_the_characters_of_the_predicted_tokens_only(
    tokenizers: dict[str, TextTokenizer],
) -> None:
    tok = tokenizers["bpe"]
    ids = tok.encode_tensor("ROMEO:\nBut soft")
    loss = split_loss(gpt(tok.vocab_size, uniform=True), tok, ids)
    assert loss.characters == len("ROMEO:\nBut soft") - len(tok.pieces[int(ids[0])])
