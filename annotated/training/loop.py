"""The training loop: micro-batches, gradient accumulation, schedule, evaluation, checkpoints.

Gradient accumulation done right. One optimizer step may take :math:`k` micro-batches
:math:`B_1, \\dots, B_k` (to fit a large batch in a small memory). The update must be the
one a single batch :math:`B = \\bigcup_j B_j` would give, so the summed losses are divided by
the tokens of *all* :math:`k` micro-batches, not each by its own count (the equation is
:func:`train`'s).

Each micro-batch's summed loss is back-propagated as it comes (its gradients add up in
``.grad``), and the sum is divided once the count is known. Averaging per micro-batch
instead would weigh a token of a short micro-batch more than one of a long micro-batch.
The learning-rate schedule and every counter of optimizer steps move once per update.

The loop knows nothing about the model or the data beyond three callables, so the same loop
trains the encoder-decoder on the synthetic tasks and the GPT on Shakespeare:

* ``batches(start)`` yields micro-batches from position ``start`` (resuming needs only it);
* ``loss_fn(model, batch)`` returns the summed loss and its token count;
* ``schedule(s)`` gives the learning rate of optimizer step :math:`s = 1, 2, \\dots`
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Sized
from dataclasses import asdict, dataclass, field, replace
from itertools import islice
from typing import Any, TypeVar

import torch
from torch import nn

from annotated.fields import NonNegative, NonNegativeFloat, Positive, check_bounds
from annotated.training.precision import Dtype, check_dtype
from annotated.training.step import ForwardLoss

B = TypeVar("B", bound=Sized)
M = TypeVar("M", bound=nn.Module)
Metrics = dict[str, float]


class NonFiniteLossError(RuntimeError):
    """The loss or the gradient norm became NaN or infinite; nothing was updated or saved."""


@dataclass
class TrainState:
    """Where a run is: the counters, whether it is done, and its curves.

    A dataclass whose list fields use ``default_factory``, so two states never share one
    history (the original's ``TrainState`` was a mutable default argument).

    Parameters
    ----------
    steps : int
        Micro-batches consumed: the data position a resumed run continues from.
    optimizer_steps : int
        Updates made; the learning-rate schedule's clock.
    samples, tokens : int
        Sequences and target tokens trained on.
    done : bool
        The run has finished (all steps made, or stopped early).
    history : list of dict
        One record per optimizer step: ``step``, ``loss`` (per token), ``lr``, ``tokens_per_s``.
    evals : list of dict
        One record per evaluation: ``step`` and the evaluation's metrics.

    Examples
    --------
    >>> from annotated import TrainState
    >>> a, b = TrainState(), TrainState()
    >>> a.history.append({"loss": 1.0})
    >>> b.history, TrainState.from_dict(a.to_dict()) == a
    ([], True)
    """

    steps: int = 0
    optimizer_steps: int = 0
    samples: int = 0
    tokens: int = 0
    done: bool = False
    history: list[Metrics] = field(default_factory=list)
    evals: list[Metrics] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> TrainState:
        """The inverse of :meth:`to_dict`."""
        return cls(**values)


@dataclass(frozen=True)
class LoopOptions:
    """How long to train, and how often to evaluate and save.

    The fields keep nanoGPT's names, which are also the command line's flags.

    Parameters
    ----------
    max_steps : int
        Optimizer steps to make in total (a resumed run counts the steps already made).
    grad_accum : int
        Micro-batches per optimizer step, :math:`k`.
    grad_clip : float
        Rescale the gradient to at most this global L2 norm; 0 turns clipping off.
    eval_interval : int
        Evaluate every this many optimizer steps (and after the last); 0 = only after the last.
    checkpoint_interval : int
        Save every this many optimizer steps (and after the last); 0 = only at the end.
    dtype : {"fp32", "bf16", "auto"}
        The training forward pass's precision: bf16 runs it under autocast, the matrix
        products in bfloat16 (8-bit mantissa) accumulated in float32, while the weights and
        the optimizer stay float32; auto picks bf16 only where the device multiplies
        bfloat16 natively (:mod:`annotated.training.precision`).
    compile : bool
        Train through ``torch.compile(model)`` (inductor); if compiling fails, a one-line
        warning says why and training goes on eagerly.

    Examples
    --------
    >>> from annotated import LoopOptions
    >>> LoopOptions(max_steps=1000, grad_accum=4).grad_accum
    4
    >>> LoopOptions(max_steps=10, grad_accum=0)
    Traceback (most recent call last):
    ...
    ValueError: grad_accum must be positive, got 0
    """

    max_steps: Positive
    grad_accum: Positive = 1
    grad_clip: NonNegativeFloat = 0.0
    eval_interval: NonNegative = 0
    checkpoint_interval: NonNegative = 0
    dtype: Dtype = "fp32"
    compile: bool = False

    def __post_init__(self) -> None:
        check_bounds(self)
        check_dtype(self.dtype)

    def with_changes(self, **changes: Any) -> LoopOptions:
        """A copy with ``changes``; a run told to evaluate at another interval saves then too.

        Examples
        --------
        >>> from annotated.training.loop import LoopOptions
        >>> LoopOptions(max_steps=100, eval_interval=10, checkpoint_interval=10).with_changes(
        ...     eval_interval=25
        ... ).checkpoint_interval
        25
        """
        if "eval_interval" in changes:
            changes.setdefault("checkpoint_interval", changes["eval_interval"])
        return replace(self, **changes)


def train(
    model: M,
    batches: Callable[[int], Iterable[B]],
    loss_fn: Callable[[M, B], tuple[torch.Tensor, int]],
    optimizer: torch.optim.Optimizer,
    schedule: Callable[[int], float],
    options: LoopOptions,
    *,
    state: TrainState | None = None,
    evaluate: Callable[[M, TrainState], Metrics] | None = None,
    should_stop: Callable[[TrainState], bool] | None = None,
    save: Callable[[TrainState], None] | None = None,
    on_step: Callable[[TrainState], None] | None = None,
) -> TrainState:
    """Train ``model`` until ``options.max_steps`` updates, a stop, or the end of the data.

    Update :math:`s` takes the :math:`k` = ``options.grad_accum`` micro-batches
    :math:`B_1, \\dots, B_k` and gives the optimizer the gradient of their mean token loss,

    .. math::

        g_s = \\nabla_\\theta \\frac{\\sum_{j=1}^{k} \\mathcal{L}(B_j)}{\\sum_{j=1}^{k} n(B_j)}
          = \\frac{\\sum_{j} \\nabla_\\theta \\mathcal{L}(B_j)}{\\sum_{j} n(B_j)},

    clipped to norm ``options.grad_clip`` unless it is 0, with the rate ``schedule(s)``.
    The forward passes run in ``options.dtype``, compiled if ``options.compile``
    (:class:`~annotated.training.step.ForwardLoss`).

    Parameters
    ----------
    model : torch.nn.Module
        Put in train mode for every update.
    batches : callable
        ``batches(start)`` iterates over the micro-batches from position ``start``; a batch
        is anything ``loss_fn`` takes and ``len()`` counts sequences of, e.g. a
        :class:`Batch` of ``(batch, seq)`` token tensors.
    loss_fn : callable
        ``loss_fn(model, batch) -> (summed loss, n_tokens)``.
    optimizer : torch.optim.Optimizer
        Each group's ``lr`` is set before every update to ``schedule(s)`` times the group's
        ``lr_scale`` (1 if it has none): one schedule drives groups of different peak rates,
        e.g. :class:`~annotated.Muon`'s and AdamW's (:func:`~annotated.make_optimizer`).
    schedule : callable
        Learning rate of optimizer step :math:`s \\ge 1`.
    options : LoopOptions
        Steps, accumulation, clipping, evaluation and checkpoint intervals, precision and
        compiling.
    state : TrainState, optional
        A state to resume from (with the model, optimizer and RNG restored by the caller).
    evaluate : callable, optional
        ``evaluate(model, state) -> metrics``, recorded in ``state.evals``.
    should_stop : callable, optional
        ``should_stop(state) -> bool``, asked after each evaluation (the latest is
        ``state.evals[-1]``): stop early.
    save : callable, optional
        ``save(state)`` writes a checkpoint.
    on_step : callable, optional
        Called after every update (a progress bar).

    Returns
    -------
    TrainState
        The final state.

    Raises
    ------
    NonFiniteLossError
        A loss or gradient norm was not finite; the update was skipped and nothing saved.

    Examples
    --------
    >>> import torch
    >>> from annotated import LoopOptions, train
    >>> torch.manual_seed(0)                         # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> model = torch.nn.Linear(1, 1, bias=False)    # learn y = 3 x
    >>> def batches(start):
    ...     while True:
    ...         yield torch.randn(8, 1)
    >>> def loss_fn(model, x):
    ...     return ((model(x) - 3 * x) ** 2).sum(), x.numel()
    >>> opt = torch.optim.SGD(model.parameters())
    >>> state = train(model, batches, loss_fn, opt, lambda s: 0.1, LoopOptions(max_steps=200))
    >>> state.optimizer_steps, round(model.weight.item(), 3)
    (200, 3.0)
    """
    state = TrainState() if state is None else state
    params = [p for p in model.parameters() if p.requires_grad]
    data = iter(batches(state.steps))
    forward = ForwardLoss(model, loss_fn, dtype=options.dtype, compile=options.compile)
    while not state.done and state.optimizer_steps < options.max_steps:
        start = time.perf_counter()
        lr = schedule(state.optimizer_steps + 1)
        for group in optimizer.param_groups:
            group["lr"] = lr * group.get("lr_scale", 1.0)
        model.train()
        optimizer.zero_grad(set_to_none=True)
        chunk = list(islice(data, options.grad_accum))
        if len(chunk) < options.grad_accum:  # the data ran out: a partial accumulation is dropped
            state.done = True
            if save is not None:
                save(state)
            break
        try:
            loss_sum, n_tokens, n_samples = _accumulate(forward, chunk, state)
        except NonFiniteLossError:
            raise
        except Exception as error:  # compiling failed: redo the step eagerly
            if forward.compiled is None:
                raise
            forward.fall_back(error)
            optimizer.zero_grad(set_to_none=True)
            loss_sum, n_tokens, n_samples = _accumulate(forward, chunk, state)
        for p in params:  # divide the summed gradient by the tokens of all k micro-batches
            if p.grad is not None:
                p.grad.div_(n_tokens)
        if options.grad_clip:
            norm = float(torch.nn.utils.clip_grad_norm_(params, options.grad_clip))
            if not math.isfinite(norm):
                raise NonFiniteLossError(
                    f"gradient norm is {norm} at optimizer step {state.optimizer_steps + 1}"
                )
        optimizer.step()
        state.steps += options.grad_accum
        state.optimizer_steps += 1
        state.samples += n_samples
        state.tokens += n_tokens
        seconds = time.perf_counter() - start
        state.history.append(
            {
                "step": state.optimizer_steps,
                "loss": loss_sum / n_tokens,
                "lr": lr,
                "tokens_per_s": n_tokens / seconds,
            }
        )
        if on_step is not None:
            on_step(state)
        _evaluate_and_save(model, options, state, evaluate, should_stop, save)
    return state


def _accumulate(
    forward: ForwardLoss[M, B], chunk: list[B], state: TrainState
) -> tuple[float, int, int]:
    """Back-propagate the summed losses of one step's micro-batches ``chunk``."""
    loss_sum, n_tokens, n_samples = 0.0, 0, 0
    for j, batch in enumerate(chunk):
        loss, n = forward(batch)
        value = float(loss.detach())
        if not math.isfinite(value):
            raise NonFiniteLossError(
                f"loss is {value} at optimizer step {state.optimizer_steps + 1} "
                f"(micro-batch {state.steps + j + 1})"
            )
        loss.backward()
        loss_sum += value
        n_tokens += int(n)
        n_samples += len(batch)
    if n_tokens < 1:
        raise ValueError("an optimizer step's micro-batches hold no target tokens")
    return loss_sum, n_tokens, n_samples


def _evaluate_and_save(
    model: M,
    options: LoopOptions,
    state: TrainState,
    evaluate: Callable[[M, TrainState], Metrics] | None,
    should_stop: Callable[[TrainState], bool] | None,
    save: Callable[[TrainState], None] | None,
) -> None:
    """Evaluate and checkpoint when their intervals (or the last step) come round."""
    step, last = state.optimizer_steps, state.optimizer_steps >= options.max_steps
    every = options.eval_interval
    if evaluate is not None and ((every and step % every == 0) or last):
        metrics = evaluate(model, state)
        state.evals.append({"step": step, **metrics})
        if should_stop is not None and should_stop(state):
            state.done = True
    state.done = state.done or last
    every = options.checkpoint_interval
    if save is not None and ((every and step % every == 0) or state.done):
        save(state)
