"""Translation batches from pools of 100 pairs against pools of 2,000: padding and tokens/s.

``annotated train translate`` sorts pools of :data:`~annotated.tasks.translation.data.POOL`
pairs by length before cutting them into token-budget batches. This script measures what the
pool's size does at the recipe's budget (2,500 padded tokens) on the de-en training split:

1. one epoch's batches for each pool size: sentences per batch, and the share of real tokens
   among the padded positions of the sources and the targets
   (:func:`~annotated.tasks.translation.data.fill`);
2. training steps of the recipe's model (two copies of one initialisation, each with its own
   Adam, float32) on each pool size's batches, alternating in this one process: per round, two
   steps on the small pools' batches (they hold about half as many tokens) and one on the large
   pools', the order turning every round. It reports real target tokens per second of each,
   and their ratio round by round (median and range).

Run: ``python benchmarks/bench_translation_batching.py [--rounds 60] [--threads 2]`` (the
corpus must be built: ``annotated data de-en``); writes
``benchmarks/results/translation_batching.json``.
"""

from __future__ import annotations

import argparse
import copy
import statistics
from pathlib import Path
from typing import Any

import torch
from bench_translation_dtype import stepper
from machine import load_average, save_result

from annotated import EncoderDecoder, LabelSmoothing
from annotated.corpora.de_en.store import load_pairs
from annotated.tasks.translation.data import POOL, encode_pairs, epoch_batches, fill, to_batch
from annotated.tasks.translation.options import TranslationOptions
from annotated.tokenizers import SubwordTokenizer
from annotated.training import LossCompute
from annotated.training.batch import Batch

RESULTS = Path(__file__).parent / "results"
SMALL = 100  # the pool before: less than one batch
STEPS_PER_ROUND = {SMALL: 2, POOL: 1}


Ids = list[tuple[list[int], list[int]]]


def epoch_figures(ids: Ids, epochs: dict[int, list[list[int]]]) -> dict[int, Any]:
    """Sentences per batch and the fill of each side, one epoch, per pool size."""
    figures = {}
    for pool, batches in epochs.items():
        source, target = fill(ids, batches)
        figures[pool] = {
            "batches": len(batches),
            "sentences_per_batch": len(ids) / len(batches),
            "fill_source": source,
            "fill_target": target,
        }
        print(
            f"pool {pool}: {len(batches)} batches an epoch, {len(ids) / len(batches):.1f} "
            f"sentences each; real tokens: sources {source:.0%}, targets {target:.0%}"
        )
    return figures


def step_figures(
    ids: Ids, epochs: dict[int, list[list[int]]], tokenizer: SubwordTokenizer, rounds: int
) -> dict[str, Any]:
    """Real target tokens per second of training on each pool size's batches, alternating."""
    options = TranslationOptions().with_vocab_size(tokenizer.vocab_size)
    torch.manual_seed(0)
    first = EncoderDecoder.from_config(options.model)
    criterion = LabelSmoothing(tokenizer.vocab_size, tokenizer.pad, options.smoothing)
    special = {"pad": tokenizer.pad, "start": tokenizer.start, "end": tokenizer.end}
    batches: dict[int, list[Batch]] = {}
    steps = {}
    for pool, indices in epochs.items():
        batches[pool] = [to_batch([ids[i] for i in b], **special) for b in indices]
        model = copy.deepcopy(first)
        steps[pool] = stepper(model, LossCompute(criterion), "fp32", options.schedule)
    made = dict.fromkeys(STEPS_PER_ROUND, 0)
    rates: dict[int, list[float]] = {pool: [] for pool in STEPS_PER_ROUND}
    for r in range(rounds + 1):
        order = list(STEPS_PER_ROUND) if r % 2 else list(reversed(STEPS_PER_ROUND))
        for pool in order:
            seconds = tokens = 0.0
            for _ in range(STEPS_PER_ROUND[pool]):
                batch = batches[pool][made[pool] % len(batches[pool])]
                made[pool] += 1
                seconds += steps[pool](batch, made[pool])[0]
                tokens += int(batch.ntokens)
            if r:  # round 0 warms up
                rates[pool].append(tokens / seconds)
    tokens_per_second = {pool: sum(v) / len(v) for pool, v in rates.items()}
    ratios = [big / small for big, small in zip(rates[POOL], rates[SMALL], strict=True)]
    result = {
        "rounds": rounds,
        "target_tokens_per_second": tokens_per_second,
        "speedup_median": statistics.median(ratios),
        "speedup_range": [min(ratios), max(ratios)],
    }
    print(
        f"{rounds} rounds: pool {SMALL} {tokens_per_second[SMALL]:.0f} target tokens/s, pool "
        f"{POOL} {tokens_per_second[POOL]:.0f}; {result['speedup_median']:.2f}x (rounds "
        f"{min(ratios):.2f}-{max(ratios):.2f})"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    options = TranslationOptions()
    pairs = load_pairs("train")
    tokenizer = SubwordTokenizer.train([t for p in pairs for t in p], options.vocab_size)
    ids = encode_pairs(tokenizer, pairs, options.model.max_len)
    epochs = {
        pool: epoch_batches(ids, options.max_tokens, seed=0, epoch=0, pool=pool)
        for pool in STEPS_PER_ROUND
    }
    result = {
        "threads": args.threads,
        "max_tokens": options.max_tokens,
        "epoch": epoch_figures(ids, epochs),
        "steps": step_figures(ids, epochs, tokenizer, args.rounds),
        "load_average": load_average(),
    }
    save_result(RESULTS / "translation_batching.json", result)


if __name__ == "__main__":
    main()
