"""Demos: the answer's latency, Shakespeare's streaming speed, 50 clients at once.

Four measurements of the app on the shipped models:

1. **server side**: the text answer of copy, sort and add (no plot), timed around the
   tab's own function in a process set up like the server (one torch thread, model loaded),
   on held-out inputs (wrong answers are listed). Goal: median under 200 ms.
2. **round trip**: the same requests through ``gradio_client`` to ``annotated demo`` running
   in a subprocess: what a client waits, queue and HTTP included.
3. **Shakespeare streaming**: characters per second of ``/shakespeare``, in process and
   through the client (from the request to the last character). Goal: at least 100.
4. **50 concurrent clients**: 50 clients each send one request at the same moment (copy,
   sort and add in turn); every answer is checked; median/p95/max latency. Twice: with
   ``gradio_client`` (50 of them in this process, each with its own threads, which adds
   their overhead) and with a plain HTTP client on Gradio's REST API.

Run: ``python benchmarks/bench_demos.py`` (writes ``benchmarks/results/demos.json``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import torch
from machine import save_result

from annotated import get_task
from annotated.demo import serving

RESULTS = Path(__file__).parent / "results"
TASKS = ("copy", "sort", "add")
PROMPT = "ROMEO:\n"
SERVER_ENV = {"OMP_NUM_THREADS": "1"}  # one torch thread: the other core is the clients'


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(seconds: list[float]) -> dict[str, float]:
    """Median, p95 and max of ``seconds``, and how many there were."""
    return {
        "median_seconds": statistics.median(seconds),
        "p95_seconds": percentile(seconds, 95),
        "max_seconds": max(seconds),
        "n": len(seconds),
    }


def server_side(inputs: dict[str, list[str]], length: int) -> dict[str, Any]:
    """Time the tabs' functions in this process, models loaded first (as a warm server)."""
    from annotated.demo.models import Models
    from annotated.demo.shakespeare_tab import ShakespeareDemo
    from annotated.demo.task_tab import TaskDemo

    models = Models(threads=1)
    out: dict[str, Any] = {"tasks": {}}
    for name in TASKS:
        demo = TaskDemo(name, models)
        demo.answer(inputs[name][0])  # loads the model
        seconds, wrong = [], []
        for text in inputs[name]:
            start = time.perf_counter()
            answer, _ = demo.answer(text)
            seconds.append(time.perf_counter() - start)
            if answer != get_task(name).answer(text):
                wrong.append([text, answer])
        out["tasks"][name] = summary(seconds) | {"wrong": wrong}
    lm = ShakespeareDemo(models)
    list(lm.generate(PROMPT, length=8))  # loads the model
    runs = []
    for seed in range(3):
        start = time.perf_counter()
        text = list(lm.generate(PROMPT, length=length, seed=seed))[-1]
        runs.append((len(text) - len(PROMPT)) / (time.perf_counter() - start))
    out["shakespeare"] = {"chars_per_s": statistics.median(runs), "runs": runs}
    return out


def client(url: str, workers: int = 8) -> Any:
    from gradio_client import Client

    return Client(
        url, verbose=False, download_files=False, analytics_enabled=False, max_workers=workers
    )


def round_trip(url: str, inputs: dict[str, list[str]], length: int) -> dict[str, Any]:
    """The same requests through the client, one at a time after a warm-up of each endpoint."""
    c = client(url)
    out: dict[str, Any] = {"tasks": {}}
    try:
        for name in TASKS:
            c.predict(inputs[name][0], api_name=f"/{name}")  # warm-up: loads the model
            seconds = []
            for text in inputs[name]:
                start = time.perf_counter()
                c.predict(text, api_name=f"/{name}")
                seconds.append(time.perf_counter() - start)
            out["tasks"][name] = summary(seconds)
        c.predict(PROMPT, 0.8, 0, 1.0, 8, 0, api_name="/shakespeare")  # warm-up
        runs, first, updates = [], [], []
        for seed in range(3):
            start = time.perf_counter()
            job = c.submit(PROMPT, 0.8, 0, 1.0, length, seed, api_name="/shakespeare")
            seen = 0
            for i, _ in enumerate(job):
                if i == 0:
                    first.append(time.perf_counter() - start)
                seen += 1
            text = job.result()
            runs.append((len(text) - len(PROMPT)) / (time.perf_counter() - start))
            updates.append(seen)
        out["shakespeare"] = {
            "chars_per_s": statistics.median(runs),
            "runs": runs,
            "first_update_seconds": statistics.median(first),
            "updates": statistics.median(updates),
        }
    finally:
        c.close()
    return out


def http_answer(url: str, name: str, text: str) -> str:
    """One answer through Gradio's REST API (``POST /gradio_api/call/NAME``, then its events)."""
    import httpx

    with httpx.Client(timeout=120) as http:
        call = f"{url}gradio_api/call/{name}"
        event_id = http.post(call, json={"data": [text, 1]}).json()["event_id"]  # text, beam
        event = ""
        with http.stream("GET", f"{call}/{event_id}") as response:
            for line in response.iter_lines():
                if line.startswith("event:"):
                    event = line.split(":", 1)[1].strip()
                elif line.startswith("data:") and event == "complete":
                    return str(json.loads(line.split(":", 1)[1])[0])
                elif event == "error":
                    raise RuntimeError(f"/{name} {text!r}: {line}")
    raise RuntimeError(f"/{name} {text!r}: no answer")


def concurrent_clients(url: str, inputs: dict[str, list[str]], n: int, kind: str) -> dict[str, Any]:
    """``n`` clients, one request each, all sent at the same moment.

    ``kind`` is ``gradio_client`` (one ``Client`` each: its own threads and event stream) or
    ``http`` (a plain HTTP client each, on the REST API: what the server itself takes).
    """
    requests = [
        (TASKS[i % 3], inputs[TASKS[i % 3]][i // 3 % len(inputs[TASKS[i % 3]])]) for i in range(n)
    ]
    clients = [client(url, workers=2) for _ in range(n)] if kind == "gradio_client" else []
    barrier = threading.Barrier(n)

    def one(i: int) -> tuple[float, bool]:
        name, text = requests[i]
        barrier.wait()
        start = time.perf_counter()
        if clients:
            answer = clients[i].predict(text, api_name=f"/{name}")[0]
        else:
            answer = http_answer(url, name, text)
        return time.perf_counter() - start, answer == get_task(name).answer(text)

    try:
        with concurrent.futures.ThreadPoolExecutor(n) as pool:
            start = time.perf_counter()
            results = list(pool.map(one, range(n)))
            wall = time.perf_counter() - start
    finally:
        for c in clients:
            c.close()
    return {
        "kind": kind,
        "clients": n,
        "answered": len(results),
        "right": sum(ok for _, ok in results),
        "wall_s": wall,
        **summary([s for s, _ in results]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=50, help="held-out inputs per task")
    parser.add_argument("--length", type=int, default=500, help="Shakespeare characters")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--out", type=Path, default=RESULTS / "demos.json")
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the server: the other core is the server's
    inputs = {name: get_task(name).held_out(args.inputs) for name in TASKS}
    load = [os.getloadavg()[0]]
    in_process = server_side(inputs, args.length)
    with serving(env=SERVER_ENV) as url:  # annotated demo on a free loopback port
        load.append(os.getloadavg()[0])
        trips = round_trip(url, inputs, args.length)
        load.append(os.getloadavg()[0])
        crowd = concurrent_clients(url, inputs, args.clients, "gradio_client")
        load.append(os.getloadavg()[0])
        http_crowd = concurrent_clients(url, inputs, args.clients, "http")
        load.append(os.getloadavg()[0])
    result = {
        "benchmark": "demos",
        "inputs_per_task": args.inputs,
        "shakespeare_length": args.length,
        "goals": {"server_median_ms": 200, "shakespeare_chars_per_s": 100},
        "server_side": in_process,
        "round_trip": trips,
        "concurrent": crowd,
        "concurrent_http": http_crowd,
        "load_average_1min": load,
    }
    save_result(args.out, result)

    print(f"Demos on the shipped models ({args.inputs} held-out inputs per task, one torch thread)")
    print(f"{'text answer':<14} {'server median':>13} {'p95':>8} {'round trip':>11} {'p95':>8}")
    for name in TASKS:
        s, r = in_process["tasks"][name], trips["tasks"][name]
        print(
            f"{'/' + name:<14} {1e3 * s['median_seconds']:>10.1f} ms {1e3 * s['p95_seconds']:>8.1f} "
            f"{1e3 * r['median_seconds']:>8.1f} ms {1e3 * r['p95_seconds']:>8.1f}"
        )
    print("(goal: server median < 200 ms)")
    for name in TASKS:
        for text, answer in in_process["tasks"][name]["wrong"]:
            print(f"  /{name} answered {text!r} with {answer!r}, wrong")
    s, r = in_process["shakespeare"], trips["shakespeare"]
    print(
        f"/shakespeare: {s['chars_per_s']:.0f} chars/s in the server, {r['chars_per_s']:.0f} "
        f"through the client, first update after {1e3 * r['first_update_seconds']:.0f} ms, "
        f"{r['updates']:.0f} updates for {args.length} characters (goal >= 100 chars/s)"
    )
    for c in (crowd, http_crowd):
        print(
            f"{c['clients']} concurrent {c['kind']} clients: {c['answered']} answered, "
            f"{c['right']} right; latency median {1e3 * c['median_seconds']:.0f} ms, "
            f"p95 {1e3 * c['p95_seconds']:.0f} ms, max {1e3 * c['max_seconds']:.0f} ms "
            f"(all done in {c['wall_s']:.1f} s)"
        )
    print(f"load average (1 min) during the runs: {', '.join(f'{x:.1f}' for x in load)}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
