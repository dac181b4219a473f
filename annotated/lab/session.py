"""One person's Lab: the runs they trained and kept, and which one is current.

Every browser session of the app holds its own :class:`LabSession` (in a ``gr.State``),
never a module-level one, so two people training at once see only their own runs. A session
trains one run at a time -- the CPU is shared -- and keeps at most :data:`MAX_RUNS`, the
oldest finished run making room for the newest:

.. math::

    |\\mathrm{runs}| \\le \\mathrm{MAX\\_RUNS}, \\qquad |\\{r : r \\text{ training}\\}| \\le 1 .
"""

from __future__ import annotations

from typing import Any

from annotated.lab.config import LabConfig
from annotated.lab.run import LabRun

MAX_RUNS = 6


class LabSession:
    """The runs of one person, in the order they were started.

    An empty session holds no thread and no lock, so a ``gr.State`` can copy it.

    Examples
    --------
    >>> from annotated.lab import LabConfig, LabSession
    >>> session = LabSession()
    >>> run = session.train(LabConfig(task="copy", max_steps=3, batch_size=4, warmup=0))
    >>> run.name, run.wait(60), session.names()
    ('run 1', True, ['run 1'])
    >>> session.table()[0][:3]
    ['run 1', 'finished', 3]
    """

    def __init__(self) -> None:
        self.runs: dict[str, LabRun] = {}
        self.started = 0

    def __deepcopy__(self, memo: dict[int, Any]) -> LabSession:
        """A new, empty session (a ``gr.State`` copies its initial value for each visitor)."""
        if self.runs:
            raise TypeError("a session with runs is not copied: it holds training threads")
        return LabSession()

    @property
    def current(self) -> LabRun | None:
        """The run started last, if any."""
        return next(reversed(self.runs.values()), None)

    def training(self) -> LabRun | None:
        """The run that is training now, if any."""
        return next((r for r in self.runs.values() if r.training), None)

    def train(self, config: LabConfig, data: Any = None) -> LabRun:
        """Build and start a run of ``config`` (checked first) named ``run <k>``.

        Raises
        ------
        LabConfigError
            ``config`` cannot be trained (the message says why).
        RuntimeError
            Another run of this session is still training.
        """
        busy = self.training()
        if busy is not None:
            raise RuntimeError(f"{busy.name} is still training: stop it first")
        run = LabRun(config, name=f"run {self.started + 1}", data=data)
        self.started += 1
        self.runs[run.name] = run
        while len(self.runs) > MAX_RUNS:  # forget the oldest run that is not training
            oldest = next(n for n, r in self.runs.items() if not r.training)
            del self.runs[oldest]
        return run.start()

    def get(self, name: str | None = None) -> LabRun:
        """The run called ``name`` (default: the current one); a ``KeyError`` says what exists."""
        run = self.current if not name else self.runs.get(name)
        if run is None:
            have = ", ".join(self.runs) or "none yet"
            raise KeyError(
                f"no run {name!r} in this session (runs: {have})"
                if name
                else "no run yet: press Train"
            )
        return run

    def names(self) -> list[str]:
        """The runs' names, oldest first."""
        return list(self.runs)

    @staticmethod
    def colour(name: str) -> int:
        """The colour (``C0`` to ``C9``) of run ``name`` in every plot that compares runs.

        It comes from the run's number, not its place in a comparison, so a run keeps its
        colour whichever runs it is compared with, and the :data:`MAX_RUNS` runs a session
        keeps never share one.

        Examples
        --------
        >>> from annotated.lab import LabSession
        >>> LabSession.colour("run 1"), LabSession.colour("run 12")
        (0, 1)
        """
        return (int(name.removeprefix("run ")) - 1) % 10

    def forget(self, name: str) -> None:
        """Drop run ``name`` (stopping it first if it trains)."""
        run = self.get(name)
        run.stop()
        del self.runs[name]

    def stop(self) -> LabRun | None:
        """Stop the run that is training, if any, and return it."""
        run = self.training()
        if run is not None:
            run.stop()
        return run

    def close(self) -> None:
        """Stop every run (the session is going away)."""
        for run in self.runs.values():
            run.stop()

    def table(self, names: list[str] | None = None) -> list[list[Any]]:
        """One row per run (``names``, or all): name, status, step, losses, speed, config.

        The losses are per token, which a character run and a BPE run do not share; the
        validation loss in bits per character (Shakespeare runs) compares them.
        """
        rows = []
        for name in names if names is not None else self.names():
            run = self.get(name)
            s, c = run.summary(), run.config
            rows.append([
                name, s["status"], s["step"], s["train_loss"], s["val_loss"], s["val_bpc"],
                s["tokens_per_s"], run.parameters, c.task, c.N, c.d_model, c.h, c.norm, c.layout,
                c.activation, c.positions, c.share_embeddings, c.qk_norm, c.zero_init,
                c.logit_softcap, c.batch_size, c.max_len, tokenizer_label(c), optimizer_label(c),
                c.lr, c.schedule, c.warmup, c.seed,
            ])  # fmt: skip
        return rows


def tokenizer_label(config: LabConfig) -> str:
    """What a run's tokens are, for the table: ``char``, ``bpe 1024`` or the task's ``symbols``.

    Examples
    --------
    >>> from annotated.lab import LabConfig
    >>> from annotated.lab.session import tokenizer_label
    >>> tokenizer_label(LabConfig(tokenizer="bpe", bpe_vocab=512)), tokenizer_label(LabConfig())
    ('bpe 512', 'char')
    >>> tokenizer_label(LabConfig(task="sort", tokenizer="bpe"))   # the tasks ignore it
    'symbols'
    """
    if config.family != "gpt":
        return "symbols"
    return f"bpe {config.bpe_vocab}" if config.subwords else "char"


def optimizer_label(config: LabConfig) -> str:
    """The run's optimizer, for the table: ``adamw``, or ``muon`` with Muon's peak rate.

    Examples
    --------
    >>> from annotated.lab import LabConfig
    >>> from annotated.lab.session import optimizer_label
    >>> optimizer_label(LabConfig()), optimizer_label(LabConfig(optimizer="muon", muon_lr=0.05))
    ('adamw', 'muon 0.05')
    """
    return f"muon {config.muon_lr:g}" if config.optimizer == "muon" else "adamw"


TABLE_COLUMNS = [
    "run", "status", "step", "train loss/token", "val loss/token", "val bits/char", "tokens/s",
    "parameters", "task", "depth", "width", "heads", "norm", "layout", "activation",
    "positions", "tied", "qk norm", "zero init", "soft-cap", "batch", "max len", "tokenizer",
    "optimizer", "lr", "schedule", "warmup", "seed",
]  # fmt: skip
