"""Train a task end to end: evaluation, early stopping, resume, into a run directory.

The run directory's layout and rules are :mod:`annotated.training.run_directory`'s. Every
``eval_interval`` steps the model decodes the validation inputs (held out, see
:mod:`annotated.tasks.seq2seq.data`); when their exact match reaches ``stop_at`` at two evaluations in
a row the run stops, and the reported figure is the exact match on the separate *test* inputs:

.. math::

    \\text{stop at the first } s \\text{ with }
    \\mathrm{EM}_{val}(\\theta_{s - e}) \\ge \\tau \\wedge \\mathrm{EM}_{val}(\\theta_s) \\ge \\tau,
    \\qquad \\text{report } \\mathrm{EM}_{test}(\\theta_s)

Two in a row, because the first evaluation to reach the target is the luckiest of several
noisy ones: stopping there picks a model whose validation score overstates it. The learning
rate decays along a cosine over ``max_steps``, and a run that completes it is the most robust.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping
from functools import partial
from itertools import count
from pathlib import Path
from typing import Any

import torch
from torch import nn

from annotated.model import EncoderDecoder
from annotated.tasks.seq2seq.data import Task
from annotated.tasks.seq2seq.evaluation import exact_match
from annotated.tasks.seq2seq.options import RunOptions
from annotated.tasks.seq2seq.registry import get_task
from annotated.training import (
    Batch,
    LabelSmoothing,
    LossCompute,
    NonFiniteLossError,
    ProgressBar,
    TrainState,
    load_train_state,
    paper_adam,
    pick_device,
    save_checkpoint,
    save_train_state,
    train,
)
from annotated.training.resume import STATE
from annotated.training.run_directory import (
    RunResult,
    check_kept_options,
    check_new_run_directory,
    remove_stale_files,
    saved_options,
    write_results,
)

QUICK_EVAL = 200  # validation inputs decoded first; all of them only if these reach the target
PATIENCE = 2  # evaluations in a row that must reach the target before stopping


def run_task(
    task_name: str,
    out: Path | str,
    *,
    overrides: Mapping[str, Any] | None = None,
    resume: bool = False,
    device: str = "auto",
    command: str = "",
    progress: bool = True,
) -> RunResult:
    """Train (or resume) a task run in ``out``; write the checkpoint, metrics and plots.

    Parameters
    ----------
    task_name : str
        ``"copy"``, ``"sort"`` or ``"add"``.
    out : path
        The run directory; it must be empty or absent unless ``resume``.
    overrides : mapping, optional
        :class:`RunOptions` fields to change from the task's defaults. On ``resume`` the run
        keeps its saved options, and an override that differs from them is an error.
    resume : bool
        Continue the run saved in ``out`` from its last checkpoint.
    device : str
        ``"auto"`` or a device name (see :func:`~annotated.training.pick_device`).
    command : str
        The command line, recorded in the card.
    progress : bool
        Show a progress bar on standard error.
    """
    out, overrides = Path(out), dict(overrides or {})
    if resume:
        options = _resumed_options(task_name, overrides, out)
    else:
        check_new_run_directory(out)
        options = RunOptions.for_task(task_name, **overrides)
    task = get_task(task_name)
    if resume:
        remove_stale_files(out)
    torch.manual_seed(options.seed)
    model = EncoderDecoder.from_config(options.model).to(pick_device(device))
    optimizer = paper_adam(model.parameters())
    state = load_train_state(out / STATE, model, optimizer)[0] if resume else TrainState()
    out.mkdir(parents=True, exist_ok=True)
    bar = ProgressBar(
        options.loop.max_steps, state.optimizer_steps, desc=task.name, disable=not progress
    )
    started = time.perf_counter()
    val = task.held_out(options.val_examples, "val")

    saved: list[int] = []  # the optimizer step of the last checkpoint written

    def save(state: TrainState) -> None:
        saved.append(state.optimizer_steps)
        save_train_state(out / STATE, model, optimizer, state, {"options": options.to_dict()})
        _save_card(
            out, model, task, options, state, dict(state.evals[-1] if state.evals else {}), command
        )

    def should_stop(state: TrainState) -> bool:  # the target held at two evaluations in a row
        recent = state.evals[-PATIENCE:]
        hit = [e["val_exact_match"] >= options.stop_at for e in recent]
        return options.stop_at > 0 and len(hit) == PATIENCE and all(hit)

    criterion = LabelSmoothing(len(task.vocab), task.vocab.pad, options.smoothing)
    device_ = next(model.parameters()).device

    def evaluate(model: EncoderDecoder, state: TrainState) -> dict[str, float]:
        metrics = _evaluate(task, val, options.stop_at, model)
        bar.write(
            f"step {state.optimizer_steps}: validation exact match "
            f"{100 * metrics['val_exact_match']:.1f}% ({metrics['val_examples']:.0f} inputs), "
            f"perplexity {metrics['perplexity']:.3f}"
        )
        return metrics

    try:
        state = train(
            model, partial(_batches, task, options, device_), LossCompute(criterion), optimizer,
            options.schedule, options.loop, state=state, evaluate=evaluate, should_stop=should_stop, save=save,
            on_step=bar,
        )  # fmt: skip
    except NonFiniteLossError as error:
        kept = (
            f"the checkpoint of step {saved[-1]} is kept" if saved else "no checkpoint was written"
        )
        raise NonFiniteLossError(f"{error}; training stopped, {kept} in {out}") from None
    finally:
        bar.close()
    metrics = _finish(out, model, task, options, state, command, started)
    return RunResult(state, metrics, out)


def _finish(
    out: Path,
    model: EncoderDecoder,
    task: Task,
    options: RunOptions,
    state: TrainState,
    command: str,
    started: float,
) -> dict[str, Any]:
    """Test exact match, the final card, ``metrics.json`` and the plots."""
    test = task.held_out(options.test_examples, "test")
    metrics = {
        **(state.evals[-1] if state.evals else {}),
        "test_exact_match": exact_match(model, task, test),
        "test_examples": len(test),
        "optimizer_steps": state.optimizer_steps,
        "train_tokens": state.tokens,
        "seconds_this_session": round(time.perf_counter() - started, 2),
    }
    _save_card(out, model, task, options, state, metrics, command)
    write_results(out, state, metrics)
    return metrics


def _resumed_options(task_name: str, overrides: dict[str, Any], out: Path) -> RunOptions:
    """The options saved in ``out``, checked against the explicit ``overrides``."""
    saved = RunOptions.from_dict(saved_options(out))
    if saved.task != task_name:
        raise ValueError(f"{out} is a {saved.task!r} run, not {task_name!r}")
    check_kept_options(saved.leaves(), overrides)
    return saved


def _batches(task: Task, options: RunOptions, device: torch.device, start: int) -> Iterator[Batch]:
    """Training batches from position ``start`` on, each from its own seeded generator."""
    for index in count(start):
        batch = task.batch(options.seed, index, options.batch_size)
        yield batch.to(device)


def _evaluate(
    task: Task, val: list[str], stop_at: float, model: EncoderDecoder
) -> dict[str, float]:
    """Validation exact match (a quick subset first) and teacher-forced perplexity."""
    quick = val[:QUICK_EVAL]
    em = exact_match(model, task, quick)
    n = len(quick)
    if em >= stop_at > 0 and len(val) > len(quick):
        em, n = exact_match(model, task, val), len(val)
    return {"val_exact_match": em, "val_examples": n, "perplexity": _perplexity(model, task, quick)}


@torch.no_grad()
def _perplexity(model: EncoderDecoder, task: Task, texts: list[str]) -> float:
    """:math:`\\exp` of the mean negative log-likelihood of the right answers."""
    was_training = model.training
    model.eval()
    sources = [task.parse(t) for t in texts]
    batch = Batch(task.source_tensor(sources), task.target_tensor(sources), task.vocab.pad)
    batch = batch.to(next(model.parameters()).device)
    loss, n = LossCompute(LabelSmoothing(len(task.vocab), task.vocab.pad))(model, batch)
    model.train(was_training)
    return math.exp(float(loss) / n)


def _save_card(
    out: Path,
    model: nn.Module,
    task: Task,
    options: RunOptions,
    state: TrainState,
    metrics: dict[str, Any],
    command: str,
) -> None:
    """The checkpoint and its card."""
    save_checkpoint(
        out,
        model,
        vocab=list(task.vocab.tokens),
        task=task.name,
        seed=options.seed,
        steps={k: getattr(state, k) for k in ("steps", "optimizer_steps", "samples", "tokens")},
        metrics=metrics,
        options=options.to_dict(),
        command=command,
    )
