"""A Lab run: build the model a :class:`LabConfig` describes and train it in the background.

The run trains in its own thread, one optimizer step at a time, so whoever started it (a
web page, a notebook) stays free to read its curves, inspect its model or stop it. Each step

.. math::

    \\theta \\leftarrow \\mathrm{AdamW}\\Big(\\theta,\\
        \\mathrm{clip}_{1}\\big(\\nabla_\\theta \\tfrac{\\mathcal{L}(B_s)}{n(B_s)}\\big),\\ \\eta_s\\Big)

takes batch :math:`B_s` of the run's seed, clips the gradient to global norm 1 and follows
the learning-rate schedule :math:`\\eta_s`. With ``optimizer="muon"`` the blocks' matrices
step by Muon instead (:func:`~annotated.make_optimizer`), at
:math:`\\eta_s \\cdot \\eta_{Muon} / \\eta_{max}` (the group's ``lr_scale``): one schedule
moves both rates, as in :func:`~annotated.train`. Steps hold the run's lock; a reader that
takes the lock (:meth:`LabRun.snapshot`) sees the model between two steps, never halfway
through one.
:meth:`LabRun.stop` ends training after the current step and keeps what was trained; a loss
that turns NaN or infinite ends it as *diverged*, which is a result worth showing, not a
crash.

PyTorch runs on one thread (``torch.set_num_threads(1)``, which is process-wide): a small
model gains little from a second thread, and two users training at once then get a core
each instead of fighting over both.
"""

from __future__ import annotations

import contextlib
import copy
import math
import threading
import time
from typing import Any

import torch
from torch import nn

from annotated.gpt import GPT
from annotated.lab.config import LabConfig
from annotated.lab.curves import Curves
from annotated.lab.data import LabData, make_data
from annotated.lab.priority import READERS, Gate
from annotated.lab.stats import LayerStats, StatsRecorder
from annotated.model import EncoderDecoder
from annotated.tasks.language_model.evaluation import SplitLoss
from annotated.training.adamw import adamw
from annotated.training.muon import make_optimizer
from annotated.training.schedules import rate, warmup_cosine

CURVE_POINTS = 25  # validation and layer statistics this many times per run (and at step 1)
MAX_SECONDS = 900.0  # a run stops by itself after this long: the CPU is shared
CLIP_NORM = 1.0
_BUILD_LOCK = threading.Lock()  # seeding the global RNG and initialising is one atomic act


def build_model(config: LabConfig, vocab_size: int) -> nn.Module:
    """The model of ``config``, initialised from ``config.seed``.

    The global random generator is seeded and restored around the initialisation, under a
    lock, so two runs built at once each get their own seed's weights.

    Examples
    --------
    >>> import torch
    >>> from annotated.lab import LabConfig
    >>> from annotated.lab.run import build_model
    >>> a = build_model(LabConfig(task="copy", seed=1), 13)
    >>> b = build_model(LabConfig(task="copy", seed=1), 13)
    >>> type(a).__name__, all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))
    ('EncoderDecoder', True)
    """
    model_config = config.model_config(vocab_size)
    with _BUILD_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)
        if config.family == "gpt":
            return GPT(model_config)  # type: ignore[arg-type]
        return EncoderDecoder.from_config(model_config)  # type: ignore[arg-type]


def learning_rate(config: LabConfig, step: int) -> float:
    """:math:`\\eta_s` of ``config``'s schedule at optimizer step ``step`` (1-based).

    Examples
    --------
    >>> from annotated.lab import LabConfig
    >>> from annotated.lab.run import learning_rate
    >>> c = LabConfig(lr=1.0, max_steps=100, warmup=10, schedule="noam")
    >>> learning_rate(c, 10), learning_rate(c, 40)               # peak, then 1/sqrt(s)
    (1.0, 0.5)
    >>> from dataclasses import replace
    >>> learning_rate(replace(c, schedule="constant"), 5)        # linear warmup, then flat
    0.5
    """
    lr, warmup, total = config.lr, config.warmup, config.max_steps
    if config.schedule == "warmup_cosine":
        return warmup_cosine(step, max_lr=lr, min_lr=lr / 10, warmup=warmup, total=total)
    if config.schedule == "noam":
        w = max(warmup, 1)
        return lr * rate(step, config.d_model, 1.0, w) / rate(w, config.d_model, 1.0, w)
    return lr * min(1.0, step / warmup) if warmup else lr


def build_optimizer(config: LabConfig, model: nn.Module) -> torch.optim.Optimizer:
    """AdamW (no weight decay, :math:`\\beta = (0.9, 0.98)`) over ``model``, or with
    ``optimizer="muon"`` Muon for the blocks' matrices and that AdamW for the rest.

    Examples
    --------
    >>> from annotated.lab import LabConfig
    >>> from annotated.lab.run import build_model, build_optimizer
    >>> config = LabConfig(optimizer="muon", lr=1e-3, muon_lr=0.02)
    >>> opt = build_optimizer(config, build_model(config, 65))
    >>> type(opt).__name__, opt.param_groups[0]["muon"], opt.param_groups[0]["lr_scale"]
    ('Muon', True, 20.0)
    """
    if config.optimizer == "muon":
        return make_optimizer(
            model, lr=config.lr, muon_lr=config.muon_lr, weight_decay=0.0, betas=(0.9, 0.98)
        )
    return adamw(model, lr=config.lr, weight_decay=0.0, betas=(0.9, 0.98))


class LabRun:
    """One model trained step by step in a background thread.

    Parameters
    ----------
    config : LabConfig
        Checked first: an impossible config is a :class:`~annotated.lab.LabConfigError`
        before anything is built.
    name : str, optional
        How the run is called in legends and tables (default: the config's label).
    data : LabData, optional
        Where batches come from (default: the config's task).
    gate : Gate, optional
        Readers to give way to between steps (default: every reader of this process,
        :data:`~annotated.lab.priority.READERS`).

    Attributes
    ----------
    model : torch.nn.Module
        The model being trained (read it through :meth:`snapshot` while training).
    curves : Curves
        One row per step.
    stats : list of LayerStats
        Per-layer statistics, recorded at step 1 and :data:`CURVE_POINTS` times per run.
    val_bpc : float or None
        The last validation loss in bits per character (Shakespeare runs, once validated):
        unlike the loss per token, it compares a character run with a BPE run.
    status : str
        ``ready``, ``training``, ``finished``, ``stopped``, ``diverged`` or ``failed``.

    Examples
    --------
    >>> from annotated.lab import LabConfig, LabRun
    >>> run = LabRun(LabConfig(task="copy", N=1, d_model=64, h=2, max_steps=30,
    ...                        batch_size=32, lr=3e-3, warmup=5))
    >>> run.start().wait(120)
    True
    >>> run.status, run.step, len(run.curves)
    ('finished', 30, 30)
    >>> run.curves.train_loss_avg[-1] < run.curves.train_loss[0]
    True
    """

    def __init__(
        self,
        config: LabConfig,
        name: str = "",
        data: LabData | None = None,
        gate: Gate = READERS,
    ) -> None:
        self.config = config.check()
        self.gate = gate
        self.name = name or config.label()
        self.data: LabData = data or make_data(config)
        self.model = build_model(config, len(self.data.tokens))
        self.parameters = sum(p.numel() for p in self.model.parameters())  # tied: once
        self.optimizer = build_optimizer(config, self.model)
        self.curves = Curves()
        self.stats: list[LayerStats] = []
        self.val_bpc: float | None = None
        self.step = 0
        self.status = "ready"
        self.error = ""
        self.record_every = max(1, config.max_steps // CURVE_POINTS)
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._recorder = StatsRecorder(self.model)

    # -- control ---------------------------------------------------------------------------

    def start(self) -> LabRun:
        """Start training in a background thread; returns at once."""
        if self._thread is not None:
            raise RuntimeError(f"run {self.name!r} was started already")
        self.status = "training"
        self._thread = threading.Thread(target=self._main, name=f"lab: {self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Ask training to end after the current step; what was trained is kept."""
        self._stop.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until training has ended (or ``timeout`` seconds); whether it has."""
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.training

    @property
    def training(self) -> bool:
        """Whether the background thread is still training."""
        return self._thread is not None and self._thread.is_alive()

    # -- reading ---------------------------------------------------------------------------

    def snapshot(self) -> nn.Module:
        """A copy of the model between two steps, in eval mode (safe to use while training)."""
        with self._lock:
            return copy.deepcopy(self.model).eval()

    def curves_now(self) -> Curves:
        """A copy of the curves so far (without waiting for the step in progress)."""
        return self.curves.copy()

    def summary(self) -> dict[str, Any]:
        """Where the run is, as plain values: status, step, losses, speed, size."""
        c = self.curves.copy()  # no lock: a summary never waits for a long step
        _, val = c.val_points()
        recent = c.tokens_per_s[-20:]
        return {
            "name": self.name,
            "status": self.status,
            "step": self.step,
            "max_steps": self.config.max_steps,
            "parameters": self.parameters,
            "train_loss": round(c.train_loss_avg[-1], 4) if len(c) else None,
            "val_loss": round(val[-1], 4) if val else None,
            "val_bpc": round(self.val_bpc, 4) if self.val_bpc is not None else None,
            "tokens_per_s": round(sum(recent) / len(recent)) if recent else None,
            "seconds": round(c.seconds[-1], 2) if len(c) else 0.0,
            "error": self.error,
        }

    # -- training --------------------------------------------------------------------------

    def _main(self) -> None:
        torch.set_num_threads(1)
        try:
            self._train()
        except Exception as error:  # shown to the learner as the run's status
            self.status, self.error = "failed", f"{type(error).__name__}: {error}"

    def _train(self) -> None:
        val = self.data.val_batches()
        params = [p for p in self.model.parameters() if p.requires_grad]
        began = time.perf_counter()
        for s in range(self.step + 1, self.config.max_steps + 1):
            if self._stop.is_set() or time.perf_counter() - began > MAX_SECONDS:
                self.status = "stopped"
                self.error = "" if self._stop.is_set() else f"time limit ({MAX_SECONDS:.0f} s)"
                return
            self.gate.wait_idle()  # someone waits for an answer: let them have the interpreter
            with self._lock:
                if not self._one_step(s, params, val, began):
                    return
        self.status = "finished"

    def _one_step(self, s: int, params: list[nn.Parameter], val: list[Any], began: float) -> bool:
        """Optimizer step ``s``; ``False`` if the loss diverged."""
        start = time.perf_counter()
        lr = learning_rate(self.config, s)
        for group in self.optimizer.param_groups:
            group["lr"] = lr * group.get("lr_scale", 1.0)  # Muon's group: eta_Muon / eta_max
        record = s == 1 or s % self.record_every == 0 or s == self.config.max_steps
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        batch = self.data.train_batch(s - 1)
        with self._recorder.recording() if record else contextlib.nullcontext():
            loss_sum, n = self.data.loss(self.model, batch)
        loss = float(loss_sum.detach()) / n
        if not math.isfinite(loss):
            self.status, self.error = "diverged", f"the loss became {loss} at step {s}"
            return False
        (loss_sum / n).backward()
        stats = self._recorder.result(s) if record else None
        torch.nn.utils.clip_grad_norm_(params, CLIP_NORM)
        self.optimizer.step()
        self.step = s
        seconds = time.perf_counter() - start
        self.curves.add(
            s, loss, lr=lr, tokens_per_s=n / seconds, seconds=time.perf_counter() - began
        )
        if stats is not None:
            self.stats.append(stats)
            scored = self.validate(val)
            self.curves.set_val(s, scored.mean)
            if scored.characters:
                self.val_bpc = scored.bits_per_character
        return True

    def validate(self, batches: list[Any]) -> SplitLoss:
        """The model's summed loss on ``batches`` (eval mode, no gradients), its token count,
        and the characters the targets spell (0 if they are not text): ``.mean`` is the loss
        per token, ``.bits_per_character`` the loss per character in bits."""
        total, count, characters = 0.0, 0, 0
        with self._lock, torch.no_grad():
            self.model.eval()
            for batch in batches:
                loss, n = self.data.loss(self.model, batch)
                total, count = total + float(loss), count + n
                characters += self.data.characters(batch) or 0
            self.model.train()
        return SplitLoss(total, max(count, 1), characters)
