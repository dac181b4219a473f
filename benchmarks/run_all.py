"""Every benchmark of the project, into one results file and one summary plot.

Runs each ``bench_*.py`` script in turn (each writes ``benchmarks/results/<name>.json``),
then merges them into ``benchmarks/results.json`` with the machine they ran on and a
*headline* table: one row per figure the issues set a goal for, its value, the goal, and
whether it was met. ``benchmarks/results/summary.png`` plots the headline as value / goal.

Each figure is a ratio measured side by side in the same process where a reference exists
(training steps, KV cache), or a median over repeated runs with its spread otherwise; the
scripts record the load average beside their figures, since these machines are shared.

Run: ``python benchmarks/run_all.py`` (all), ``--only kv_cache gpt_step`` (some), or
``--collect`` (no runs: merge the per-script results already on disk).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from machine import machine

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SUMMARY = HERE / "results.json"
# script name -> its results file; the order runs the quick ones first
SCRIPTS = {
    "kv_cache": "kv_cache.json",
    "gpt_step": "gpt_step.json",
    "training": "training.json",
    "shakespeare": "shakespeare.json",
    "nanogpt_reference": "nanogpt_reference.json",
    "demos": "demos.json",
    "seq2seq_decoding": "seq2seq_decoding.json",
    "translate_latency": "translate_latency.json",
    "lm_tokenizers": "lm_tokenizers.json",
    "translation_control": "translation_control.json",
    "translation_dtype": "translation_dtype.json",
    "translation_batching": "translation_batching.json",
    "dropout": "dropout.json",
    "step_speed": "step_speed.json",
    "ladder": "ladder.json",
}

Row = dict[str, Any]


def row(figure: str, value: float, goal: float, unit: str, higher_is_better: bool) -> Row:
    """One headline figure; ``met`` compares it with its goal in the right direction."""
    met = value >= goal if higher_is_better else value <= goal
    return {
        "figure": figure,
        "value": value,
        "goal": goal,
        "unit": unit,
        "higher_is_better": higher_is_better,
        "met": met,
    }


def kv_cache(r: dict[str, Any]) -> list[Row]:
    return [
        row(
            f"KV cache speed-up, {t} thread(s), identical tokens: {run['identical_tokens']}",
            run["speedup"],
            r["goal_speedup"],
            "x",
            True,
        )
        for t, run in r["by_threads"].items()
    ]


def gpt_step(r: dict[str, Any]) -> list[Row]:
    return [
        row(
            f"GPT step / nn.TransformerEncoder step, {t} thread(s)",
            run["ratio"],
            r["goal_ratio"],
            "ratio",
            False,
        )
        for t, run in r["by_threads"].items()
    ]


def seconds_range(t: dict[str, Any]) -> str:
    """`` (range a-b s)`` when the figure is a median over several runs."""
    low, high = t.get("seconds_range", [t["seconds"]] * 2)
    return f" (range {low:.0f}-{high:.0f} s)" if high > low else ""


def training(r: dict[str, Any]) -> list[Row]:
    rows = [
        row(
            f"annotated train {task}: seconds to {100 * t['target_exact_match']:.0f}%, median of "
            f"{len(t.get('seeds', [0]))} seed(s){seconds_range(t)} (worst {100 * t['test_exact_match']:.1f}%)",
            t["seconds"],
            t["target_seconds"],
            "s",
            False,
        )
        for task, t in r.get("time_to_accuracy", {}).items()
    ]
    for size, s in r.get("step", {}).items():
        rows += [
            row(
                f"encoder-decoder step / nn.Transformer step, {size}, {t} thread(s)",
                run["ratio"],
                1.1,
                "ratio",
                False,
            )
            for t, run in s["by_threads"].items()
        ]
    return rows


def nanogpt_runs(shakespeare_results: dict[str, Any]) -> list[dict[str, Any]]:
    """The runs of annotated's ``nanogpt`` recipe, every seed."""
    runs = shakespeare_results.get("runs", {})
    return [run for name, run in runs.items() if name.split(" seed")[0] == "nanogpt"]


def shakespeare(r: dict[str, Any]) -> list[Row]:
    runs = r.get("runs", {})
    nanogpt = nanogpt_runs(r)
    rows = []
    if nanogpt:
        losses = sorted(run["val_loss"] for run in nanogpt)
        estimates = sorted(run["val_loss_estimate"] for run in nanogpt)
        by_threads: dict[int, list[float]] = {}
        for run in nanogpt:
            by_threads.setdefault(run["threads"], []).append(run["tokens_per_s"])
        speed = ", ".join(
            f"{statistics.median(v):,.0f} tokens/s on {t} thread(s)"
            for t, v in sorted(by_threads.items(), reverse=True)
        )
        rows.append(
            row(
                f"nanoGPT CPU recipe, tiny Shakespeare val loss (whole split), median of "
                f"{len(losses)} seed(s) (range {losses[0]:.4f}-{losses[-1]:.4f}; nanoGPT's "
                f"20-batch estimate: median {statistics.median(estimates):.4f}, range "
                f"{estimates[0]:.4f}-{estimates[-1]:.4f}; {speed})",
                statistics.median(losses),
                1.89,
                "nats",
                False,
            )
        )
    modern = {name: run for name, run in runs.items() if not run["recipe"].startswith("nanogpt")}
    if modern:
        name, best = min(modern.items(), key=lambda item: item[1]["val_loss"])
        rows.append(
            row(f"best modern recipe ({name}) val loss", best["val_loss"], 1.80, "nats", False)
        )
    return rows


def nanogpt_reference(r: dict[str, Any]) -> list[Row]:
    """annotated's median over the plain-PyTorch reference's, on the same recipe and seeds."""
    shakespeare_file = RESULTS / SCRIPTS["shakespeare"]
    if not shakespeare_file.is_file():
        return []
    ours = [run["val_loss"] for run in nanogpt_runs(json.loads(shakespeare_file.read_text()))]
    reference = sorted(run["val_loss"] for run in r["runs"].values())
    if not ours:
        return []
    return [
        row(
            f"nanoGPT recipe: annotated's val loss median ({statistics.median(ours):.4f}, "
            f"{len(ours)} seeds) / a plain-PyTorch reference's ({statistics.median(reference):.4f},"
            f" {len(reference)} seeds, range {reference[0]:.4f}-{reference[-1]:.4f})",
            statistics.median(ours) / statistics.median(reference),
            1.0,
            "ratio",
            False,
        )
    ]


def demos(r: dict[str, Any]) -> list[Row]:
    goals = r["goals"]
    rows = [
        row(
            f"demo /{task} server-side median",
            1e3 * s["median_seconds"],
            goals["server_median_ms"],
            "ms",
            False,
        )
        for task, s in r["server_side"].get("tasks", {}).items()
    ]
    if "shakespeare" in r["server_side"]:
        rows.append(
            row(
                "Shakespeare streaming",
                r["server_side"]["shakespeare"]["chars_per_s"],
                goals["shakespeare_chars_per_s"],
                "chars/s",
                True,
            )
        )
    crowd = r["concurrent"]
    rows.append(
        row(
            f"{crowd['clients']} concurrent clients answered",
            crowd["answered"],
            crowd["clients"],
            "clients",
            True,
        )
    )
    return rows


def seq2seq_decoding(r: dict[str, Any]) -> list[Row]:
    return [
        row(
            f"encoder-decoder {search} with the cache, sentences/s x uncached "
            f"(identical tokens: {run['identical_tokens']})",
            run["speedup"],
            1.0,
            "x",
            True,
        )
        for search, run in r["by_search"].items()
    ]


def translate_latency(r: dict[str, Any]) -> list[Row]:
    return [
        row(
            f"Translate tab, beam 4, 12 words: {name}",
            run["translate"]["median_ms"],
            300,
            "ms",
            False,
        )
        for name, run in r["runs"].items()
    ]


def lm_tokenizers(r: dict[str, Any]) -> list[Row]:
    rows = []
    for corpus, run in r["runs"].items():
        char, bpe = run["models"]["char"], run["models"]["bpe"]
        rows.append(
            row(
                f"BPE-{bpe['vocab_size']} bits/char vs char's, {corpus}",
                bpe["val_bpc"],
                char["val_bpc"],
                "bpc",
                False,
            )
        )
    return rows


def translation_control(r: dict[str, Any]) -> list[Row]:
    bleu, loss = r["val_bleu_greedy"], r["val_loss_nats_per_token"]
    return [
        row(
            f"encoder-decoder step / nn.Transformer step, translation, {r['steps']} steps",
            r["step_time_ratio"],
            1.05,
            "ratio",
            False,
        ),
        row(
            f"greedy BLEU after {r['steps']} steps vs nn.Transformer's (teacher-forced "
            f"validation loss {loss['annotated']:.3f} vs {loss['control']:.3f} nats/token)",
            bleu["annotated"],
            bleu["control"],
            "BLEU",
            True,
        ),
    ]


def dropout(r: dict[str, Any]) -> list[Row]:
    step = r["translation_step"]
    ms = step["median_step_ms"]
    return [
        row(
            f"one dropout call (2500 x 1024 bf16, forward + backward), torch / annotated, "
            f"{r['threads']} thread(s)",
            r["one_call"]["speedup"],
            1.0,
            "x",
            True,
        ),
        row(
            f"translation step, torch.nn.Dropout / annotated.Dropout ({ms['torch']:.0f} vs "
            f"{ms['annotated']:.0f} ms, no dropout {ms['off']:.0f} ms; dropout's share "
            f"{step['dropout_share_torch']:.0%} -> {step['dropout_share_annotated']:.0%})",
            step["speedup"],
            1.0,
            "x",
            True,
        ),
    ]


def translation_dtype(r: dict[str, Any]) -> list[Row]:
    return [
        row(
            f"translation step speed, --dtype bf16 / fp32, {run['threads']} thread(s), median of "
            f"{run['steps']} alternating steps (range {run['speedup_range'][0]:.2f}-"
            f"{run['speedup_range'][1]:.2f}; last-{run['last_steps']}-step loss bf16 "
            f"{run['mean_loss_last_steps']['bf16']:.3f} vs fp32 {run['mean_loss_last_steps']['fp32']:.3f})",
            run["speedup_median"],
            1.0,
            "x",
            True,
        )
        for run in r["runs"]
    ]


def translation_batching(r: dict[str, Any]) -> list[Row]:
    epoch, steps = r["epoch"], r["steps"]
    small, large = sorted(epoch, key=int)
    return [
        row(
            f"translation real target tokens/s, pools of {large} / {small} pairs, "
            f"{r['threads']} thread(s), median of {steps['rounds']} alternating rounds (range "
            f"{steps['speedup_range'][0]:.2f}-{steps['speedup_range'][1]:.2f}; target fill "
            f"{epoch[small]['fill_target']:.0%} -> {epoch[large]['fill_target']:.0%})",
            steps["speedup_median"],
            1.0,
            "x",
            True,
        )
    ]


def step_speed(r: dict[str, Any]) -> list[Row]:
    return [
        row(
            f"nanoGPT recipe tokens/s, annotated / plain-PyTorch reference, {t} thread(s), median "
            f"of {len(run['ratio_by_pair'])} alternating pairs (range {run['ratio_range'][0]:.3f}-"
            f"{run['ratio_range'][1]:.3f}; {run['training_flops_per_s']['annotated'] / 1e9:.0f} "
            f"GFLOP/s of a {run['matmul_peak_flops_per_s']['float32'] / 1e9:.0f} GFLOP/s fp32 matmul)",
            run["ratio_median"],
            1.0,
            "ratio",
            True,
        )
        for t, run in r["by_threads"].items()
    ] + step_speed_settings(r)


def flags(setting: dict[str, Any]) -> str:
    """The command-line flags of a step-speed setting, e.g. ``--dtype bf16 --compile``."""
    given = [f"--dtype {setting['dtype']}"] if setting["dtype"] != "fp32" else []
    return " ".join(given + (["--compile"] if setting["compile"] else []))


def step_speed_settings(r: dict[str, Any]) -> list[Row]:
    """The faster settings' ratios (goal: the fastest at 1.5x, the others at least 1.0x) and the
    fastest's loss parity."""
    rows = [
        row(
            f"nanoGPT recipe tokens/s, annotated {flags(r['settings'][name])} / plain-PyTorch "
            f"reference (fp32), {t} thread(s), median of {len(ratio['by_pair'])} pairs (range "
            f"{ratio['range'][0]:.3f}-{ratio['range'][1]:.3f}; "
            f"{run['training_flops_per_s'][name] / 1e9:.0f} GFLOP/s of a "
            f"{run['matmul_peak_flops_per_s']['bfloat16'] / 1e9:.0f} GFLOP/s bf16 matmul; load "
            f"{run['load_average']})",
            ratio["median"],
            1.5 if name == r.get("parity", {}).get("fastest", "compile+bf16") else 1.0,
            "ratio",
            True,
        )
        for t, run in r["by_threads"].items()
        for name, ratio in run.get("ratio_vs_reference", {}).items()
        if name != "annotated"
    ]
    if "parity" in r:
        parity = r["parity"]
        low, high = parity["fp32_range"]
        rows.append(
            row(
                f"validation loss at 2,000 steps, {flags(r['settings'][parity['fastest']])}, median "
                f"over seeds {parity['seeds']}; goal: within fp32's range {low:.4f}-{high:.4f}",
                parity["fastest_median"],
                high,
                "loss",
                False,
            )
        )
    return rows


def ladder(r: dict[str, Any]) -> list[Row]:
    """The ladder's two goals: its best 2,000-step loss, its fastest time to nanoGPT's 1.88."""
    rungs = r.get("summary", [])
    if not any(x["steps"] == 2000 for x in rungs):
        return []
    full = [x for x in rungs if x["steps"] == 2000]  # the rungs trained for 2,000 steps
    best = min(full, key=lambda x: x["val_loss"])
    rows = [
        row(
            f"ladder: best rung's whole-split val loss at 2,000 steps ({best['rung']}, median of "
            f"seeds {best['seeds']})",
            best["val_loss"],
            r["goal_loss"],
            "nats",
            False,
        )
    ]
    timed = [x for x in rungs if x["time_ratio"] is not None]
    if timed:
        fast = min(timed, key=lambda x: x["time_ratio"])
        bound = " (nanoGPT never reaches it: its 2,000 steps count, an upper bound)"
        rows.append(
            row(
                f"ladder: time to val loss {r['target']}, {fast['rung']} / nanoGPT recipe, steps x "
                f"alternating step time{bound if fast['time_ratio_is_upper_bound'] else ''}",
                fast["time_ratio"],
                r["goal_time_ratio"],
                "ratio",
                False,
            )
        )
    return rows


HEADLINES: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "kv_cache": kv_cache,
    "gpt_step": gpt_step,
    "training": training,
    "shakespeare": shakespeare,
    "nanogpt_reference": nanogpt_reference,
    "demos": demos,
    "seq2seq_decoding": seq2seq_decoding,
    "translate_latency": translate_latency,
    "lm_tokenizers": lm_tokenizers,
    "translation_control": translation_control,
    "translation_dtype": translation_dtype,
    "translation_batching": translation_batching,
    "dropout": dropout,
    "step_speed": step_speed,
    "ladder": ladder,
}


def run(name: str) -> float:
    """Run ``bench_<name>.py``; return its wall time. A failing script stops everything."""
    start = time.perf_counter()
    print(f"=== bench_{name}.py", flush=True)
    subprocess.run([sys.executable, str(HERE / f"bench_{name}.py")], check=True)
    return time.perf_counter() - start


def collect(seconds: dict[str, float]) -> dict[str, Any]:
    """Merge the per-script results into one document with its headline."""
    benchmarks, headline = {}, []
    for name, file in SCRIPTS.items():
        path = RESULTS / file
        if not path.is_file():
            continue
        data = json.loads(path.read_text())
        benchmarks[name] = data
        headline += [{"benchmark": name} | r for r in HEADLINES[name](data)]
    return {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "seconds": seconds,
        "headline": headline,
        "benchmarks": benchmarks,
    }


def _ratio(row: Row) -> float:
    """value / goal; a goal of 0 (a control that scored nothing) draws as twice the goal."""
    if row["goal"] == 0:
        return 2.0 if row["value"] > 0 else 1.0
    return float(row["value"] / row["goal"])


def plot(headline: list[Row], path: Path) -> None:
    """Horizontal bars of value / goal: right of the line is better for 'higher' figures."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 0.6 * len(headline) + 1.2))
    ratios = [_ratio(r) for r in headline]
    colors = ["tab:green" if r["met"] else "tab:red" for r in headline]
    labels = [
        textwrap.fill(f"{r['figure']}  ({r['value']:.4g} {r['unit']}, goal {r['goal']:.3g})", 70)
        for r in headline
    ]
    ax.barh(range(len(headline)), ratios, color=colors)
    ax.axvline(1.0, color="black", linewidth=1)
    ax.set_yticks(range(len(headline)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("value / goal (green: goal met)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(SCRIPTS), help="run these only")
    parser.add_argument("--collect", action="store_true", help="run nothing; merge what exists")
    args = parser.parse_args()
    seconds = {} if args.collect else {name: run(name) for name in args.only or SCRIPTS}
    summary = collect(seconds)
    SUMMARY.write_text(json.dumps(summary, indent=1) + "\n")
    plot(summary["headline"], RESULTS / "summary.png")
    for r in summary["headline"]:
        print(
            f"{'met ' if r['met'] else 'MISS'} {r['value']:>10.3f} {r['unit']:<8} "
            f"goal {r['goal']:<8.3g} {r['figure']}"
        )
    print(f"wrote {SUMMARY} and {RESULTS / 'summary.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
