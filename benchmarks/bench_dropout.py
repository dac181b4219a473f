"""annotated's Dropout (16-bit masks) against torch.nn.Dropout: alone, and in a translation step.

:class:`annotated.Dropout` draws four 16-bit mask units from one 64-bit random integer where
``torch.nn.Dropout`` draws one random number per unit. This script measures what that buys:

1. one dropout call on a ``(2500, 1024)`` bfloat16 tensor (the feed-forward hidden layer of a
   translation micro-batch), forward and backward, the two kinds alternating;
2. the translation recipe's training step (``annotated train translate``'s model, batches
   and bf16 autocast, three copies of one initialisation, the same batches, steps alternating
   in this one process) with annotated's dropout, with ``torch.nn.Dropout`` in its place, and
   with every dropout off; the last says what share of the step the masks take.

Run: ``python benchmarks/bench_dropout.py [--steps 80] [--threads 2]`` (the corpus must be
built: ``annotated data de-en``); writes ``benchmarks/results/dropout.json``.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from bench_translation_dtype import stepper
from machine import load_average, save_result
from torch import nn

from annotated import Dropout, EncoderDecoder, LabelSmoothing
from annotated.corpora.de_en.store import load_pairs
from annotated.tasks.translation.data import batches_from, encode_pairs
from annotated.tasks.translation.options import TranslationOptions
from annotated.tokenizers import SubwordTokenizer
from annotated.training import LossCompute

RESULTS = Path(__file__).parent / "results"
KINDS = ("annotated", "torch", "off")


def alternate(calls: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Seconds of each call, ``rounds`` times, the order turning every round."""
    times: dict[str, list[float]] = {k: [] for k in calls}
    names = list(calls)
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            times[name].append(calls[name]())
    return times


def timed(f: Callable[[], object]) -> Callable[[], float]:
    """``f`` wrapped to return its wall time."""

    def call() -> float:
        start = time.perf_counter()
        f()
        return time.perf_counter() - start

    return call


def one_call(rounds: int) -> dict[str, Any]:
    """Forward and backward through each dropout on one feed-forward-sized activation."""
    x = torch.randn(2500, 1024, dtype=torch.bfloat16, requires_grad=True)
    drops = {"annotated": Dropout(0.1), "torch": nn.Dropout(0.1)}

    def through(drop: nn.Module) -> Callable[[], float]:
        return timed(lambda: drop(x).sum().backward())

    calls = {k: through(d) for k, d in drops.items()}
    times = alternate(calls, rounds)
    ms = {k: 1000 * statistics.median(v[2:]) for k, v in times.items()}
    result = {"shape": [2500, 1024], "median_ms": ms, "speedup": ms["torch"] / ms["annotated"]}
    print(
        f"one dropout call, (2500, 1024) bf16, forward + backward: torch {ms['torch']:.2f} ms, "
        f"annotated {ms['annotated']:.2f} ms ({result['speedup']:.2f}x)"
    )
    return result


def with_dropout(model: EncoderDecoder, kind: str) -> EncoderDecoder:
    """A copy of ``model`` whose annotated dropouts are torch's (``"torch"``) or off."""
    model = copy.deepcopy(model)
    for parent in model.modules():
        for name, child in parent.named_children():
            if isinstance(child, Dropout) and kind == "torch":
                setattr(parent, name, nn.Dropout(child.p))
            elif isinstance(child, nn.Dropout) and kind == "off":
                child.p = 0.0
    return model


def translation_steps(steps: int) -> dict[str, Any]:
    """The translation model's step with each kind of dropout, alternating on the same batches.

    The recipe trains without dropout since session 18's measurements; this takes its model
    with the paper's dropout 0.1, which is what there is to time.
    """
    pairs = load_pairs("train")
    options = TranslationOptions.for_run({"dropout": 0.1})
    tokenizer = SubwordTokenizer.train([t for p in pairs for t in p], options.vocab_size)
    options = options.with_vocab_size(tokenizer.vocab_size)
    ids = encode_pairs(tokenizer, pairs, options.model.max_len)
    torch.manual_seed(0)
    first = EncoderDecoder.from_config(options.model)
    criterion = LabelSmoothing(tokenizer.vocab_size, tokenizer.pad, options.smoothing)
    steppers = {
        k: stepper(with_dropout(first, k), LossCompute(criterion), "bf16", options.schedule)
        for k in KINDS
    }
    batches = batches_from(
        ids, options.max_tokens, 0, 0, pad=tokenizer.pad, start=tokenizer.start, end=tokenizer.end
    )
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    for s in range(1, steps + 1):
        batch = next(batches)
        for k in KINDS[s % 3 :] + KINDS[: s % 3]:
            times[k].append(steppers[k](batch, s)[0])
    warm = steps // 10
    ms = {k: 1000 * statistics.median(v[warm:]) for k, v in times.items()}
    result = {
        "steps": steps,
        "median_step_ms": ms,
        "speedup": ms["torch"] / ms["annotated"],
        "dropout_share_torch": (ms["torch"] - ms["off"]) / ms["torch"],
        "dropout_share_annotated": (ms["annotated"] - ms["off"]) / ms["annotated"],
    }
    print(
        f"translation step ({steps} alternating): torch dropout {ms['torch']:.0f} ms, annotated "
        f"{ms['annotated']:.0f} ms, no dropout {ms['off']:.0f} ms; annotated {result['speedup']:.2f}x; "
        f"dropout's share of the step: torch's {result['dropout_share_torch']:.0%}, "
        f"annotated's {result['dropout_share_annotated']:.0%}"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=80)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    result = {
        "threads": args.threads,
        "one_call": one_call(rounds=40),
        "translation_step": translation_steps(args.steps),
        "load_average": load_average(),
    }
    save_result(RESULTS / "dropout.json", result)


if __name__ == "__main__":
    main()
