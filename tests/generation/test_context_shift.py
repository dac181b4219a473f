"""The shifted context: one generation rule past ``max_len``, shared by the CLI, Lab and demo."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from annotated import GPT, GPTConfig, generate, sample_next, save_checkpoint
from annotated.decoding.generate import context_start, shift_start
from annotated.tokenizers import CharTokenizer

from ..gpt.strategies import SEEDS, build, gpt_configs, tokens

CORPUS = "ROMEO:\nBut soft, what light through yonder window breaks?\n"


@given(max_len=st.integers(1, 12), prompt=st.integers(1, 30), steps=st.integers(0, 40))
def test_the_shifted_context_keeps_between_half_and_all_of_max_len(
    max_len: int, prompt: int, steps: int
) -> None:
    start = 0
    for length in range(prompt, prompt + steps + 1):
        moved = shift_start(start, length, max_len)
        assert moved >= start and 0 < length - moved <= max_len  # never more than the model reads
        if moved != start:  # a shift keeps exactly the last max_len // 2 (at least one)
            assert length - moved == max(1, max_len // 2)
        start = moved
        assert context_start(prompt, length, max_len) == start  # the replay agrees


@given(config=gpt_configs(), seed=SEEDS, data=st.data())
def test_shifted_generation_samples_each_token_from_its_own_context(
    config: GPTConfig, seed: int, data: st.DataObject
) -> None:
    """Cached and uncached, each token is the sampler's draw from the model on
    ``tokens[context_start(...):]``, computed here from scratch."""
    model = build(config, seed, torch.float64)
    prompt = tokens(2, data.draw(st.integers(1, config.max_len + 2), label="prompt"), seed)
    n = 2 * config.max_len + 3  # several shifts
    expected, g = prompt, torch.Generator().manual_seed(seed)
    for _ in range(n):
        start = context_start(prompt.size(1), expected.size(1), config.max_len)
        logits = model(expected[:, start:])[:, -1]  # (batch, vocab)
        token = sample_next(logits, temperature=0.9, top_k=5, generator=g)
        expected = torch.cat((expected, token[:, None]), dim=1)
    for use_cache in (True, False):
        g = torch.Generator().manual_seed(seed)
        out = generate(
            model, prompt, n, temperature=0.9, top_k=5, generator=g, use_cache=use_cache,
            context="shift",
        )  # fmt: skip
        assert torch.equal(out, expected), use_cache


def test_an_unknown_context_rule_is_refused() -> None:
    model = GPT(GPTConfig(vocab_size=5, max_len=4, N=1, h=2, d_model=8))
    with pytest.raises(ValueError, match="context must be one of slide, shift"):
        generate(model, torch.zeros(1, 1, dtype=torch.long), 1, context="roll")  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore:.*websockets.*:DeprecationWarning")
def test_the_cli_the_lab_and_the_demo_write_the_same_text_past_the_context(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One seed, prompt and temperature: ``annotated generate``, the Lab's sample and the
    Shakespeare tab write the same 60 characters on a model that reads 16."""
    pytest.importorskip("gradio")
    from annotated.cli import main
    from annotated.demo.models import Models
    from annotated.demo.shakespeare_tab import ShakespeareDemo
    from annotated.lab import sample_text
    from annotated.tasks import LanguageModel

    torch.manual_seed(0)
    tokenizer = CharTokenizer.from_text(CORPUS)
    model = GPT(GPTConfig(tokenizer.vocab_size, max_len=16, N=2, h=2, d_model=16)).eval()
    save_checkpoint(tmp_path, model, vocab=tokenizer.chars, task="shakespeare")
    prompt, length, temperature, seed = "ROMEO:", 60, 1.0, 3

    args = ["--prompt", prompt, "--max-new-tokens", str(length), "--temperature", "1", "--seed"]
    assert main(["generate", str(tmp_path), *args, str(seed)]) == 0
    cli = capsys.readouterr().out.removesuffix("\n")
    lab = sample_text(model, tokenizer, prompt, length, temperature, seed)
    tab = ShakespeareDemo(Models(lambda _: LanguageModel(model, tokenizer, {}), threads=None))
    demo = list(tab.generate(prompt, temperature, 0, 1.0, length, seed))[-1]
    assert len(cli) == len(prompt) + length and cli == lab == demo

    slid = generate(
        model,
        tokenizer.encode_tensor(prompt)[None],
        length,
        temperature=temperature,
        generator=torch.Generator().manual_seed(seed),
    )
    assert tokenizer.decode(slid[0]) != cli  # the rule matters here: sliding writes otherwise
