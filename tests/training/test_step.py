"""The loop's precision and compiling: bf16 autocast, torch.compile, the fallback, the flags."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import replace
from itertools import count
from typing import Any

import pytest
import torch

from annotated import GPT, GPTConfig, LoopOptions, train
from annotated.cli import build_parser
from annotated.tasks.language_model.data import LMBatch, lm_batch, lm_loss
from annotated.tasks.language_model.options import LanguageModelOptions
from annotated.tasks.seq2seq.options import RunOptions
from annotated.tasks.translation.options import TranslationOptions
from annotated.training import step as step_module
from annotated.training.adamw import adamw

# a repeating pattern with some noise: a tiny model learns it in a few dozen steps
TEXT = (torch.arange(2000) * 7 % 13 + (torch.arange(2000) % 5 == 0)).long()
# inductor's own code calls torch.jit.script_method, deprecated in this torch
# and bf16 on a CPU without bfloat16 instructions warns that it is emulated (test_precision.py)
pytestmark = [
    pytest.mark.filterwarnings("ignore:`torch.jit.script_method`:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:this cpu has no bfloat16:RuntimeWarning"),
]
CONFIG = GPTConfig(vocab_size=14, max_len=16, N=1, h=2, d_model=32)


def batches(start: int) -> Iterator[LMBatch]:
    for index in count(start):
        yield lm_batch(TEXT, seed=0, index=index, batch_size=8, max_len=16)


def losses(steps: int, **options: Any) -> list[float]:
    """The per-step training losses of the tiny GPT, seeded alike whatever the options."""
    torch.manual_seed(0)
    model = GPT(CONFIG)
    optimizer = adamw(model, lr=3e-3, weight_decay=0.1)
    state = train(
        model, batches, lm_loss, optimizer, lambda s: 3e-3, LoopOptions(max_steps=steps, **options)
    )
    assert all(p.dtype == torch.float32 for p in model.parameters())  # weights stay fp32
    return [r["loss"] for r in state.history]


def test_bf16_training_learns_and_follows_fp32() -> None:
    fp32, bf16 = losses(40), losses(40, dtype="bf16")
    assert bf16 != fp32  # the products did run in bfloat16
    assert sum(bf16[-5:]) / 5 < 0.7 * bf16[0]  # it learns
    assert max(abs(a - b) for a, b in zip(fp32, bf16, strict=True)) < 0.05


@pytest.mark.slow  # about 20 s: inductor compiles the forward and backward
def test_compiled_training_gives_eager_losses() -> None:
    eager, compiled = losses(6), losses(6, compile=True)
    assert compiled == pytest.approx(eager, rel=1e-4)


def test_the_gpt_compiles_in_one_graph() -> None:
    """The token-range check is skipped while tracing, so nothing splits the graph."""
    torch._dynamo.reset()
    explained = torch._dynamo.explain(GPT(CONFIG))(TEXT[:32].view(2, 16))
    assert explained.graph_count == 1 and explained.graph_break_count == 0


def test_a_failed_compile_warns_once_and_trains_eagerly(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(model: torch.nn.Module) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("no C compiler found\nsecond line")

        return call

    eager = losses(3)
    monkeypatch.setattr(step_module.torch, "compile", broken)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fallen = losses(3, compile=True)
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert messages == [
        "torch.compile failed (RuntimeError: no C compiler found); training eagerly"
    ]
    assert fallen == eager


def test_an_error_of_the_model_itself_is_still_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eager training after the fallback meets the same error and raises it."""
    torch.manual_seed(0)
    model = GPT(CONFIG)
    bad = [LMBatch(TEXT[:16].view(1, 16) + 100, TEXT[1:17].view(1, 16))]
    with (
        pytest.warns(RuntimeWarning, match=r"torch\.compile failed"),
        pytest.raises(ValueError, match=r"token index 1\d\d is out of range"),
    ):
        train(
            model, lambda s: iter(bad), lm_loss, adamw(model, lr=1e-3, weight_decay=0.0),
            lambda s: 1e-3, LoopOptions(max_steps=1, compile=True),
        )  # fmt: skip


def test_an_unknown_dtype_is_refused() -> None:
    with pytest.raises(
        ValueError, match=r"dtype must be one of \('fp32', 'bf16', 'auto'\), got 'fp16'"
    ):
        LoopOptions(max_steps=1, dtype="fp16")  # type: ignore[arg-type]


@pytest.mark.parametrize("task", ["copy", "sort", "add", "shakespeare", "translate"])
def test_every_task_takes_the_flags(task: str) -> None:
    parser = build_parser()
    args = vars(parser.parse_args(["train", task, "--dtype", "bf16", "--compile"]))
    assert (args["dtype"], args["compile"]) == ("bf16", True)
    args = vars(parser.parse_args(["train", task, "--no-compile"]))
    assert (args["dtype"], args["compile"]) == (None, False)  # None: the run's default
    with pytest.raises(SystemExit):
        parser.parse_args(["train", task, "--dtype", "fp16"])


@pytest.mark.parametrize(
    "options",
    [RunOptions.for_task("copy"), LanguageModelOptions.for_run({}), TranslationOptions()],
    ids=["seq2seq", "language model", "translation"],
)
def test_options_saved_before_the_fields_existed_still_load(options: Any) -> None:
    old = options.to_dict()
    for name in ("dtype", "compile"):
        del old["loop"][name]
    loaded = type(options).from_dict(old)
    assert (loaded.loop.dtype, loaded.loop.compile) == ("fp32", False)  # what old runs used
    assert loaded == replace(options, loop=replace(options.loop, dtype="fp32", compile=False))
