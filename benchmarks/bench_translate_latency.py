"""The Translate tab's latency: one 12-word German sentence, beam 4, one torch thread.

The time is taken around the tab's own function, :meth:`TranslateDemo.translate
<annotated.demo.translate_tab.TranslateDemo.translate>` (input checks, subwords, beam search
with the paper's beam 4 and alpha 0.6, the hypotheses table), in a process set up like the
server: one torch thread, the model loaded before the first timed run. No HTTP: the round
trip adds Gradio's queue and the network, which ``bench_demos.py`` measures for the other
tabs. The alignment figure the page draws next (:meth:`TranslateDemo.attention`, which
searches again, then draws) is timed too. Goal: a median of at most 300 ms for the
translation.

A search costs one decoder pass per output token, so a model that stops early looks fast.
The bound is timed as well: the same beam search forced to run to its length limit
(:math:`1.5 |x| + 10` tokens, :func:`~annotated.tasks.translation.evaluation.output_limit`)
by an end token that never comes.

Run: ``python benchmarks/bench_translate_latency.py [RUN_OR_NAME]`` with a translation run
directory or ``translate-de-en`` (the default, the shipped model); each model's figures go
under its name (or ``--label``) in ``benchmarks/results/translate_latency.json``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from machine import load_average, merge_run

from annotated import beam_search, padding_mask
from annotated.demo.models import TRANSLATION, Models, shipped
from annotated.demo.translate_tab import TranslateDemo
from annotated.tasks.translation.evaluation import max_len_of, output_limit
from annotated.tasks.translation.loading import TranslationModel, load_translation_model

RESULTS = Path(__file__).parent / "results"
SENTENCE = "Klicken Sie auf OK, um die neue Linienfarbe für alle Objekte festzulegen."
GOAL_MS = 300.0


def timed(call: Callable[[], Any], repeats: int) -> dict[str, float]:
    """Median, min and max milliseconds of ``repeats`` calls (after one untimed call)."""
    call()
    ms = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        ms.append(1e3 * (time.perf_counter() - start))
    return {"median_ms": statistics.median(ms), "min_ms": min(ms), "max_ms": max(ms)}


def full_length_search(loaded: TranslationModel, beam: int) -> tuple[Callable[[], Any], int]:
    """Beam search over :data:`SENTENCE` that never meets its end token (the longest search),
    and the number of tokens it writes."""
    t = loaded.tokenizer
    src = torch.tensor([[*t.encode(SENTENCE), t.end]])  # (1, src_len)
    limit = output_limit(src.size(1), max_len_of(loaded.model))
    never = -1  # no token has this id

    def search() -> Any:
        return beam_search(loaded.model, src, padding_mask(src, t.pad), limit, t.start, never,
                           beam_size=beam, alpha=0.6, pad=t.pad)  # fmt: skip

    return search, limit - 1  # the limit counts <s>


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "model", nargs="?", default=TRANSLATION, help="a translation run directory, or the "
        f"shipped {TRANSLATION} (default)",
    )  # fmt: skip
    parser.add_argument("--label", help="the model's key in the results (default: MODEL)")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--beam", type=int, default=4)
    parser.add_argument("--out", type=Path, default=RESULTS / "translate_latency.json")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the server: one thread per request
    if args.model == TRANSLATION and not Path(args.model).exists():
        loaded = shipped(TRANSLATION)
    else:
        loaded = load_translation_model(args.model)
    demo = TranslateDemo(Models(lambda name: loaded, threads=1))
    english, rows, _ = demo.translate(SENTENCE, "beam search", args.beam, 0.6)
    load = [load_average()]
    translation = timed(lambda: demo.translate(SENTENCE, "beam search", args.beam, 0.6),
                        args.repeats)  # fmt: skip
    figure = timed(lambda: demo.attention(SENTENCE, "beam search", args.beam, 0.6, 1, 1),
                   args.repeats)  # fmt: skip
    longest, longest_tokens = full_length_search(loaded, args.beam)
    bound = timed(longest, args.repeats)
    load.append(load_average())
    config = loaded.card["config"]
    run = {
        "model": args.model,
        "config": {k: config[k] for k in ("N", "d_model", "d_ff", "h", "src_vocab")},
        "sentence": SENTENCE,
        "words": len(SENTENCE.split()),
        "source_subwords": len(loaded.tokenizer.encode(SENTENCE)),
        "beam": args.beam,
        "alpha": 0.6,
        "repeats": args.repeats,
        "english": english,
        "output_tokens": rows[0][3],
        "translate": translation,
        "alignment_figure": figure,
        "full_length_search": bound | {"output_tokens": longest_tokens},
        "goal_median_ms": GOAL_MS,
        "met": translation["median_ms"] <= GOAL_MS,
        "load_average_1min": load,
    }
    merge_run(args.out, args.label or args.model, run)
    print(f"{args.model}: N={config['N']}, d_model={config['d_model']}, h={config['h']}")
    print(f"{SENTENCE!r} ({run['words']} words, {run['source_subwords']} subwords)")
    print(f"-> {english!r} ({run['output_tokens']} tokens)")
    print(
        f"beam {args.beam}: median {translation['median_ms']:.1f} ms over {args.repeats} runs "
        f"(min {translation['min_ms']:.1f}, max {translation['max_ms']:.1f}; goal <= {GOAL_MS:g})"
    )
    print(f"alignment figure (search again + draw + PNG): median {figure['median_ms']:.1f} ms")
    print(
        f"beam {args.beam} run to the length limit ({longest_tokens} tokens): "
        f"median {bound['median_ms']:.1f} ms"
    )


if __name__ == "__main__":
    main()
