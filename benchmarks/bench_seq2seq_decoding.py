"""Encoder-decoder decoding: sentences/s of greedy and beam search, cached vs uncached.

A model of the translation task's size (N=3, d_model 256, h 4, d_ff 1024, a shared vocabulary
of 8000) decodes a batch of random 15-token sources into up to 25 tokens, greedily and by
batched beam search (beam 4, alpha 0.6, the paper's settings). The cached path keeps the
decoder's self-attention keys and values and projects the memory once; the uncached path
re-runs the decoder on the whole prefix at every step. Both paths run in this one process,
interleaved, so machine load affects them alike; the figure is the ratio of their median
wall times, with a check that both give the same tokens.

Run: ``python benchmarks/bench_seq2seq_decoding.py`` (writes
``benchmarks/results/seq2seq_decoding.json``).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
from machine import load_average, save_result

from annotated import EncoderDecoder, beam_search, greedy_decode, make_model, padding_mask

RESULTS = Path(__file__).parent / "results"
START, END, PAD = 1, 2, 0
SIZE = {"N": 3, "d_model": 256, "h": 4, "d_ff": 1024}


def searches(beam: int, alpha: float) -> dict[str, Callable[..., torch.Tensor]]:
    """Each search as ``f(model, src, max_len, cache) -> tokens``."""

    def greedy(model: EncoderDecoder, src: torch.Tensor, max_len: int, cache: bool) -> torch.Tensor:
        return greedy_decode(model, src, padding_mask(src), max_len, START, END, PAD, cache=cache)

    def beam_search_k(
        model: EncoderDecoder, src: torch.Tensor, max_len: int, cache: bool
    ) -> torch.Tensor:
        mask = padding_mask(src)
        beams = beam_search(
            model, src, mask, max_len, START, END, beam_size=beam, alpha=alpha, cache=cache
        )
        return beams.sequences

    return {"greedy": greedy, f"beam{beam}": beam_search_k}


def measure(
    search: Callable[..., torch.Tensor],
    model: EncoderDecoder,
    src: torch.Tensor,
    max_len: int,
    repeats: int,
) -> dict:
    """Median wall times of both paths, alternating run by run, and whether tokens agree."""
    search(model, src[:2], 4, True)  # warm-up both paths
    search(model, src[:2], 4, False)
    times: dict[str, list[float]] = {"cached": [], "uncached": []}
    outputs: dict[str, torch.Tensor] = {}
    for _ in range(repeats):  # alternating: load hits both paths alike
        for name, cache in (("cached", True), ("uncached", False)):
            start = time.perf_counter()
            outputs[name] = search(model, src, max_len, cache)
            times[name].append(time.perf_counter() - start)
    median = {name: statistics.median(t) for name, t in times.items()}
    return {
        "seconds": times,
        "median_seconds": median,
        "sentences_per_second": {k: src.size(0) / v for k, v in median.items()},
        "speedup": median["uncached"] / median["cached"],
        "identical_tokens": torch.equal(outputs["cached"], outputs["uncached"]),
        "output_tokens": outputs["cached"].size(-1) - 1,
        "load_average": load_average(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=32)
    parser.add_argument("--src-len", type=int, default=15)
    parser.add_argument("--out-len", type=int, default=25, help="output tokens at most")
    parser.add_argument("--vocab", type=int, default=8000)
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--alpha", type=float, default=0.6)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS / "seq2seq_decoding.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = make_model(
        args.vocab, args.vocab, dropout=0.0, share_embeddings=True, max_len=256, **SIZE
    ).eval()
    # random sources of 3 .. vocab - 1, so that PAD, START and END appear only where meant
    src = torch.randint(3, args.vocab, (args.sentences, args.src_len))
    runs = {
        name: measure(search, model, src, args.out_len + 1, args.repeats)
        for name, search in searches(args.beam, args.alpha).items()
    }
    result = {
        "benchmark": "seq2seq_decoding",
        "config": model.config.to_dict() if model.config is not None else {},
        "sentences": args.sentences,
        "src_len": args.src_len,
        "max_output_tokens": args.out_len,
        "beam": args.beam,
        "alpha": args.alpha,
        "threads": args.threads,
        "repeats": args.repeats,
        "by_search": runs,
    }
    save_result(args.out, result)

    print(
        f"seq2seq decoding: {args.sentences} sentences of {args.src_len} tokens, up to "
        f"{args.out_len} out, {args.threads} thread(s), median of {args.repeats}"
    )
    print(
        f"{'search':>7} {'uncached sent/s':>15} {'cached sent/s':>13} {'speed-up':>8} "
        f"{'same':>5} {'out':>4} {'load':>5}"
    )
    for name, run in runs.items():
        rate = run["sentences_per_second"]
        print(
            f"{name:>7} {rate['uncached']:>15.1f} {rate['cached']:>13.1f} "
            f"{run['speedup']:>7.2f}x {run['identical_tokens']!s:>5} {run['output_tokens']:>4} "
            f"{run['load_average']!s:>5}"
        )
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
