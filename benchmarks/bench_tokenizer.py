"""Subword tokenizer: BPE training time and encode throughput on tiny Shakespeare (~1 MB).

Trains the byte-level BPE of :class:`annotated.tokenizers.SubwordTokenizer` with a vocabulary
of 4,000 on the whole file (whitespace kept, as a language model needs), then encodes the
file line by line (what a translation batch does), as one batch (``encode_batch``, parallel in
Rust) and as one string. Figures are medians over repeats, with the load average beside them;
the Rust backend's thread count is ``RAYON_NUM_THREADS`` (default: every core).

Run: ``python benchmarks/bench_tokenizer.py`` (writes ``benchmarks/results/tokenizer.json``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from machine import load_average, save_result
from tiny_shakespeare import DATA

from annotated.tokenizers import SubwordTokenizer

RESULTS = Path(__file__).parent / "results"


def timed(work: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    """Wall times of ``repeats`` calls of ``work``, and its last result."""
    seconds, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = work()
        seconds.append(time.perf_counter() - start)
    return seconds, out


def throughput(name: str, work: Callable[[], Any], chars: int, repeats: int) -> dict[str, Any]:
    """Median seconds and characters per second of one way of encoding the corpus."""
    work()  # warm-up
    seconds, _ = timed(work, repeats)
    median = statistics.median(seconds)
    print(f"  encode {name:<12} {median:8.3f} s  {chars / median:>12,.0f} chars/s")
    return {"seconds": seconds, "median_seconds": median, "chars_per_s": chars / median}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DATA, help=f"the text file ({DATA})")
    parser.add_argument("--vocab-size", type=int, default=4000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=RESULTS / "tokenizer.json")
    args = parser.parse_args()
    if not args.corpus.is_file():
        print(f"skipped: {args.corpus} is absent (nanoGPT's tiny-Shakespeare file; not committed)")
        return
    text = args.corpus.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    print(f"{args.corpus.name}: {len(text):,} characters, {len(lines):,} lines")

    load_before = load_average()
    train_seconds, tok = timed(
        lambda: SubwordTokenizer.train(lines, args.vocab_size, collapse_whitespace=False),
        args.repeats,
    )
    train_median = statistics.median(train_seconds)
    print(f"  train V={args.vocab_size:,}: {train_median:.3f} s (median of {args.repeats})")

    ids = tok.encode(text)
    encode = {
        "per_line": throughput(
            "per line", lambda: [tok.encode(s) for s in lines], len(text), args.repeats
        ),
        "batch": throughput("batch", lambda: tok.encode_batch(lines), len(text), args.repeats),
        "whole_text": throughput("whole text", lambda: tok.encode(text), len(text), args.repeats),
    }
    result = {
        "benchmark": "tokenizer",
        "corpus": str(args.corpus),
        "characters": len(text),
        "bytes": len(text.encode("utf-8")),
        "lines": len(lines),
        "vocab_size_asked": args.vocab_size,
        "vocab_size": tok.vocab_size,
        "repeats": args.repeats,
        "rayon_threads": os.environ.get("RAYON_NUM_THREADS", "default (all cores)"),
        "train_seconds": train_seconds,
        "train_median_seconds": train_median,
        "tokens": len(ids),
        "chars_per_token": len(text) / len(ids),
        "round_trip": tok.decode(ids) == tok.normalize(text),
        "encode": encode,
        "load_average": [load_before, load_average()],
    }
    save_result(args.out, result)
    print(
        f"  {len(ids):,} tokens ({result['chars_per_token']:.2f} chars/token), "
        f"round trip exact: {result['round_trip']}, load {load_before} -> {load_average()}"
    )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
