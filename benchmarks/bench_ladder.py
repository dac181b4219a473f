"""The ladder: nanoGPT's CPU recipe, then one modern training trick after another, each measured.

modded-nanogpt cut GPT-2's training time step by step, each change kept only if it helped.
This is the same exercise at nanoGPT's CPU size (4 layers, 4 heads, d_model 128, block 64,
batch 12, 2,000 steps) on ``../shared/data/tinyshakespeare.txt``. Rung 0 is nanoGPT's recipe
(``bench_shakespeare.NANOGPT``); every later rung adds one change to the rung before it:

=====================  ====================================================================
rung                   what it adds
=====================  ====================================================================
``nanogpt``            nanoGPT's recipe: LayerNorm, GELU, learned positions, AdamW lr 1e-3
``+rope/rms/swiglu``   RoPE, RMSNorm, SwiGLU (the feed-forward keeps the parameter count)
``+lr 2e-3``           twice the peak learning rate (min_lr 2e-4)
``+muon``              Muon (lr 0.02) for the blocks' matrices, AdamW for the rest
``+qk-norm``           queries and keys divided by their RMS before RoPE
``+relu2``             ReLU squared instead of SwiGLU
``+zero-init``         :math:`W^O` and :math:`W_2` start at zero
``+untied head``       a head of its own instead of the token embedding (+V d_model weights)
``+soft-cap 15``       logits :math:`15 \\tanh(z / 15)`
``+600-step schedule`` the same recipe with its warmup-cosine schedule fitted to 600 steps
``+400-step schedule`` and to 400
``+bf16 & compile``    the forward passes in bfloat16 autocast and compiled (``--dtype bf16
                       --compile``: the loop's fastest honest setting, ``bench_step_speed.py``)
=====================  ====================================================================

The last two rungs are modded-nanogpt's own last move: once a recipe learns faster, train it
for fewer steps, so the learning rate decays while the loss is still falling. Their losses
are at 600 and 400 steps (the last rung's too: it keeps the 400-step schedule), so only the 2,000-step rungs count for the loss goal; for the time
to 1.88 every rung counts.

Each rung is trained over three seeds (the seed draws the initial weights and the batches; the
data order of a seed is the same for every rung). Every 100 steps the validation loss is
measured on the *whole* validation split (``eval_split``: every token predicted once), and the
figures per rung are the medians over the seeds of

- the validation loss at 2,000 steps;
- the training seconds (optimizer steps only, evaluations excluded) until the first
  evaluation at or below 1.88, nanoGPT's published figure (to the resolution of the 100-step
  evaluations). A rung that never gets there within its 2,000 steps has no time; the nanoGPT
  recipe is one of them (its whole-split median is 1.8975 at 2,000 steps over seeds 0-2), so its time is
  reported as a *lower bound*: its whole 2,000-step training time. A rung's ratio to it is
  then an upper bound of the true ratio.

Two worker processes of one thread each take the runs in order, seed by seed, the baseline
first in each seed, so the machine is always running two of them; the load average is
recorded beside each run. A shared machine's load drifts over a run of an hour, so the
runs' own seconds are not the figure that compares rungs: ``--speed`` measures each rung's
step time in one process with the rungs *alternating* (blocks of steps of the real training
loop, rung after rung, repeated), and a rung's time to 1.88 is its steps to 1.88 times its
median step time; the run's own seconds are kept beside it.
Results are merged into ``benchmarks/results/ladder.json`` as they arrive, so an interrupted
benchmark continues where it stopped (``--fresh`` starts again).

Run: ``python benchmarks/bench_ladder.py [--only nanogpt +muon ...] [--seeds 0 1 2]``;
``--steps 200`` is a smoke test (its results are not saved).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import multiprocessing
import statistics
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
from bench_shakespeare import MODERN, NANOGPT, learning_curve
from machine import load_average, merge_run, save_result
from tiny_shakespeare import ROOT, add_options, ready

from annotated import GPT, TrainState, train
from annotated.tasks.language_model.corpus import Corpus
from annotated.tasks.language_model.data import lm_batch, lm_loss
from annotated.tasks.language_model.options import LanguageModelOptions
from annotated.tasks.language_model.run import run_shakespeare

RESULTS = ROOT / "benchmarks" / "results" / "ladder.json"
TARGET = 1.88  # nanoGPT's published validation loss
GOAL_TIME_RATIO = 1 / 3
GOAL_LOSS = 1.60
SEEDS = (0, 1, 2)
EVAL_INTERVAL = 100

# each rung: what it adds to the rung before it
RUNGS: dict[str, dict[str, Any]] = {
    "nanogpt": {},
    "+rope/rms/swiglu": MODERN,
    "+lr 2e-3": {"lr": 2e-3, "min_lr": 2e-4},
    "+muon": {"optimizer": "muon", "muon_lr": 0.02},
    "+qk-norm": {"qk_norm": True},
    "+relu2": {"activation": "relu2"},
    "+zero-init": {"zero_init": True},
    "+untied head": {"share_embeddings": False},
    "+soft-cap 15": {"logit_softcap": 15.0},
    "+600-step schedule": {"max_steps": 600},
    "+400-step schedule": {"max_steps": 400},
    "+bf16 & compile": {"dtype": "bf16", "compile": True},
}


def recipe(rung: str) -> dict[str, Any]:
    """The options of ``rung``: nanoGPT's, with the changes of every rung up to this one."""
    options = dict(NANOGPT)
    for name, changes in RUNGS.items():
        options |= changes
        if name == rung:
            return options
    raise KeyError(rung)


def first_below(target: float, evals: list[dict[str, Any]]) -> int | None:
    """The step of the first evaluation at or below ``target``; ``None`` if none is."""
    return next((e["step"] for e in evals if e["val_loss"] <= target), None)


def run_rung(job: tuple[str, int, Path, int | None]) -> dict[str, Any]:
    """Train ``rung`` under ``seed`` once, in a temporary directory; its figures."""
    rung, seed, corpus, steps = job
    torch.set_num_threads(1)
    overrides = recipe(rung) | {
        "corpus": str(corpus), "seed": seed, "eval_interval": EVAL_INTERVAL, "eval_split": True,
    }  # fmt: skip
    if steps is not None:
        overrides |= {"max_steps": steps, "warmup": min(overrides["warmup"], steps)}
    load_before = load_average()
    with tempfile.TemporaryDirectory() as tmp:
        result = run_shakespeare(Path(tmp) / "run", overrides, progress=False, log=lambda s: None)
    m, state = result.metrics, result.state
    tokens_per_step = overrides["batch_size"] * overrides["max_len"]
    step_seconds = [tokens_per_step / r["tokens_per_s"] for r in state.history]
    evals = [{"step": e["step"], "val_loss": round(e["val_loss"], 4)} for e in state.evals]
    return {
        "rung": rung,
        "seed": seed,
        "options": {k: v for k, v in overrides.items() if k != "corpus"},
        "val_loss": round(m["val_loss"], 4),
        "steps_to_target": (reached := first_below(TARGET, evals)),
        "seconds_to_target": None if reached is None else round(sum(step_seconds[:reached]), 1),
        "training_seconds": round(sum(step_seconds), 1),
        "tokens_per_s": round(m["tokens_per_s"]),
        "parameters": m["parameters"],
        "steps": m["optimizer_steps"],
        "load_before": load_before,
        "load_after": load_average(),
        "threads": torch.get_num_threads(),
        "evals": evals,
        "curve": learning_curve(state.history),
    }


class Trainer:
    """One rung's model and optimizer, trained a block of steps at a time by the real loop."""

    def __init__(self, rung: str, corpus: Path, seed: int = 0) -> None:
        overrides = recipe(rung) | {"corpus": str(corpus), "seed": seed, "eval_interval": 0}
        options = LanguageModelOptions.for_run(overrides)
        self.data = Corpus.load(options)
        self.options = options.with_vocab_size(self.data.tokenizer.vocab_size)
        torch.manual_seed(seed)
        self.model = GPT(self.options.model)
        self.optimizer = self.options.build_optimizer(self.model)
        self.state = TrainState()

    def batches(self, start: int) -> Any:
        o = self.options
        for index in itertools.count(start):
            yield lm_batch(self.data.train, seed=o.seed, index=index, batch_size=o.batch_size,
                           max_len=o.model.max_len)  # fmt: skip

    def block(self, steps: int) -> list[float]:
        """Train ``steps`` more steps; the seconds of each."""
        loop = replace(self.options.loop, max_steps=self.state.steps + steps, checkpoint_interval=0)
        before = len(self.state.history)
        self.state.done = False  # the last block's end was not the run's
        self.state = train(self.model, self.batches, lm_loss, self.optimizer,
                           self.options.schedule(), loop, state=self.state)  # fmt: skip
        per_step = self.options.batch_size * self.options.model.max_len
        return [per_step / r["tokens_per_s"] for r in self.state.history[before:]]


def step_speed(corpus: Path, rungs: list[str], pairs: int, block: int) -> dict[str, Any]:
    """Each rung's step time, the rungs alternating in blocks of ``block`` steps, ``pairs`` times.

    The ratio to the baseline is taken round by round (the baseline's block of the same round),
    so a load that drifts between rounds cancels; the figure is the median over the rounds.
    """
    torch.set_num_threads(1)
    trainers = {rung: Trainer(rung, corpus) for rung in ["nanogpt", *rungs] if rung}
    for t in trainers.values():
        t.block(5)  # warm-up: allocations, the first optimizer state
    rounds: dict[str, list[float]] = {rung: [] for rung in trainers}
    for _ in range(pairs):
        for rung, t in trainers.items():
            rounds[rung].append(statistics.median(t.block(block)))
    base = rounds["nanogpt"]
    result: dict[str, Any] = {"pairs": pairs, "block": block, "load_after": load_average()}
    for rung, times in rounds.items():
        ratios = [x / b for x, b in zip(times, base, strict=True)]
        result[rung] = {
            "step_ms": round(1e3 * statistics.median(times), 2),
            "ratio_to_nanogpt": round(statistics.median(ratios), 3),
            "ratio_range": [round(min(ratios), 3), round(max(ratios), 3)],
        }
    return result


def median_or_none(values: list[float | None]) -> float | None:
    """The median, a ``None`` counting as never (infinite); ``None`` if the median is never."""
    if not values:
        return None
    m = statistics.median(math.inf if v is None else v for v in values)
    return None if m == math.inf else m


def summary(runs: dict[str, dict[str, Any]], speed: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per rung: medians over its seeds, and its time to the target against nanoGPT's.

    The time is the rung's steps to the target times its alternating step time (``speed``);
    nanoGPT's recipe, if it does not reach the target, counts its 2,000 steps (a lower bound,
    so the ratio is an upper bound).
    """
    by_rung = {r: [run for run in runs.values() if run["rung"] == r] for r in RUNGS}
    base_steps = median_or_none([first_below(TARGET, r["evals"]) for r in by_rung["nanogpt"]])
    bound = base_steps is None
    if bound and by_rung["nanogpt"]:
        base_steps = by_rung["nanogpt"][0]["steps"]
    rows = []
    for rung, done in by_rung.items():
        if not done:
            continue
        steps = median_or_none([first_below(TARGET, r["evals"]) for r in done])
        ms = speed.get(rung, {}).get("step_ms")
        ratio = speed.get(rung, {}).get("ratio_to_nanogpt")
        time_ratio = steps / base_steps * ratio if steps and base_steps and ratio else None
        rows.append({
            "rung": rung,
            "seeds": sorted(r["seed"] for r in done),
            "steps": done[0]["steps"],
            "val_loss": round(statistics.median(r["val_loss"] for r in done), 4),
            "val_loss_range": [min(r["val_loss"] for r in done), max(r["val_loss"] for r in done)],
            "steps_to_target": steps,
            "step_ms": ms,
            "step_ratio": ratio,
            "seconds_to_target": None if steps is None or ms is None else round(steps * ms / 1e3, 1),
            "run_seconds_to_target": median_or_none([r["seconds_to_target"] for r in done]),
            "time_ratio": None if time_ratio is None else round(time_ratio, 3),
            "time_ratio_is_upper_bound": time_ratio is not None and bound,
            "parameters": done[0]["parameters"],
        })  # fmt: skip
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The summary as a fixed-width table."""
    base = next((r["parameters"] for r in rows if r["rung"] == "nanogpt"), 0)
    lines = [
        f"{'rung':<18} {'val loss':>8} {'range':>15} {'steps':>5} {'ms/step':>7} "
        f"{'s to 1.88':>9} {'ratio':>7} {'params':>17}"
    ]

    def show(x: float | None, spec: str) -> str:
        return "-" if x is None else format(x, spec)

    for r in rows:
        lo, hi = r["val_loss_range"]
        ratio = show(r["time_ratio"], ".3f") + ("*" if r["time_ratio_is_upper_bound"] else "")
        params = f"{r['parameters']:,}" + (f" ({r['parameters'] / base - 1:+.1%})" if base else "")
        lines.append(
            f"{r['rung']:<18} {r['val_loss']:>8.4f} {lo:>7.4f}-{hi:.4f} "
            f"{show(r['steps_to_target'], '.0f'):>5} {show(r['step_ms'], '.1f'):>7} "
            f"{show(r['seconds_to_target'], '.1f'):>9} {ratio:>7} {params:>17}"
        )
    return "\n".join(lines)


def main() -> int:
    """Run the rungs and seeds asked for (two processes), merge them, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(RUNGS), help="these rungs only")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS), help="seeds")
    parser.add_argument("--processes", type=int, default=2, help="worker processes (1 thread each)")
    parser.add_argument("--steps", type=int, help="fewer steps, for a smoke test (not saved)")
    parser.add_argument("--fresh", action="store_true", help="forget the runs already saved")
    parser.add_argument(
        "--speed", action="store_true", help="measure the step times (alternating) instead"
    )
    parser.add_argument("--pairs", type=int, default=7, help="--speed: rounds of blocks")
    parser.add_argument("--block", type=int, default=20, help="--speed: steps per block")
    add_options(parser)
    args = parser.parse_args()
    if not ready(args):
        return 0
    smoke = args.steps is not None
    if args.fresh and RESULTS.is_file():
        RESULTS.unlink()
    saved = json.loads(RESULTS.read_text()) if RESULTS.is_file() and not smoke else {"runs": {}}
    if args.speed:
        saved["speed"] = step_speed(args.corpus, args.only or list(RUNGS), args.pairs, args.block)
        print(json.dumps(saved["speed"], indent=1))
    else:
        saved["runs"] |= train_rungs(args, skip=set(saved["runs"]), save=not smoke)
    rows = summary(saved["runs"], saved.get("speed", {}))
    if not smoke:
        saved = json.loads(RESULTS.read_text()) | {"speed": saved.get("speed", {})}
        saved |= {"summary": rows, "target": TARGET, "goal_time_ratio": GOAL_TIME_RATIO,
                  "goal_loss": GOAL_LOSS}  # fmt: skip
        save_result(RESULTS, saved)
    print(table(rows))
    print(
        f"goals: time to {TARGET} <= {GOAL_TIME_RATIO:.3f} of nanogpt's (* = upper bound: "
        f"nanogpt never reached {TARGET}), best val loss <= {GOAL_LOSS}  ({RESULTS})"
    )
    return 0


def train_rungs(args: argparse.Namespace, skip: set[str], save: bool) -> dict[str, Any]:
    """Train the rungs and seeds asked for that are not in ``skip``, two processes at a time."""
    jobs = [
        (rung, seed, args.corpus, args.steps)
        for seed in args.seeds
        for rung in args.only or list(RUNGS)
        if f"{rung} seed{seed}" not in skip
    ]
    runs = {}
    with multiprocessing.get_context("spawn").Pool(args.processes) as pool:
        for row in pool.imap(run_rung, jobs):
            key = f"{row['rung']} seed{row['seed']}"
            runs[key] = row
            print(
                f"{key}: val loss {row['val_loss']:.4f}, first <= {TARGET} at step "
                f"{row['steps_to_target']}, {row['tokens_per_s']:,} tokens/s, "
                f"load {row['load_before']}-{row['load_after']}",
                flush=True,
            )
            if save:
                merge_run(RESULTS, key, row)
    return runs


if __name__ == "__main__":
    raise SystemExit(main())
