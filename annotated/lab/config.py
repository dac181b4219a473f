"""What a Lab run trains: one model, one task, one training recipe, checked before it starts.

A :class:`LabConfig` names every choice a learner can flip -- the model's size and variant
switches, the task, the training recipe -- and :meth:`LabConfig.problems` explains, in
words, every combination that cannot be built, *before* any training starts. The task picks
the family: copy, sorting and addition train the encoder-decoder
(:class:`~annotated.TransformerConfig`), Shakespeare the decoder-only
(:class:`~annotated.GPTConfig`). Both get :math:`d_{ff} = 4 d_{model}` and no dropout, so a
comparison between two runs changes only what the learner changed.

Shakespeare reads characters or, with ``tokenizer="bpe"``, subwords: a byte-level BPE of
``bpe_vocab`` tokens trained on the training split, the same one ``annotated train
shakespeare --tokenizer bpe`` builds. The tasks read their own symbols and ignore both fields,
as they ignore ``max_len``.

Shakespeare's GPT also takes the training tricks of the ladder (issue #16, after
modded-nanogpt), each off by default so that a run can add them one at a time: QK-norm,
zero-initialised residual projections, a tanh logit soft-cap (:class:`~annotated.GPTConfig`),
an untied head (``share_embeddings=False``), the ``"relu2"`` activation, and Muon for the
blocks' matrices (:func:`~annotated.make_optimizer`). The encoder-decoder has none of the
first three nor a Muon split, so :meth:`LabConfig.problems` refuses them for the tasks, with
the reason, rather than train a run whose label claims a switch it does not have.

The head width is the constraint most choices run into; its rules are the models' own
(:func:`~annotated.config.width_problems`), and the Lab adds the nearest widths that obey them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from annotated.config import CHOICES, TransformerConfig, width_problems
from annotated.gpt_config import GPTConfig
from annotated.tasks import TASKS, get_task
from annotated.tokenizers.subword import MIN_VOCAB

LANGUAGE_TASK = "shakespeare"
TASK_CHOICES = (*TASKS, LANGUAGE_TASK)
SCHEDULES = ("constant", "warmup_cosine", "noam")
TOKENIZERS = ("char", "bpe")
OPTIMIZERS = ("adamw", "muon")
FORMAT = "annotated-lab-config/1"
RENAMED = {"steps": "max_steps", "seq_len": "max_len"}  # older exports' names, for the error

# (low, high) of every numeric field: what the Lab's sliders allow, and the API checks
LIMITS: dict[str, tuple[float, float]] = {
    "N": (1, 12),
    "d_model": (64, 512),
    "h": (2, 16),
    "max_steps": (1, 5000),
    "batch_size": (1, 256),
    "max_len": (8, 256),
    "lr": (1e-5, 1.0),
    "warmup": (0, 5000),
    "seed": (0, 2**31 - 1),
    "bpe_vocab": (MIN_VOCAB, 4096),
    "logit_softcap": (0.0, 100.0),
    "muon_lr": (1e-5, 1.0),
}
WORDS = {
    "N": "depth (layers)",
    "d_model": "width (d_model)",
    "h": "heads",
    "max_steps": "steps (max_steps)",
    "batch_size": "batch size",
    "max_len": "context length (max_len)",
    "lr": "learning rate",
    "warmup": "warmup steps",
    "seed": "seed",
    "bpe_vocab": "BPE vocabulary (bpe_vocab)",
    "logit_softcap": "logit soft-cap (logit_softcap, 0: off)",
    "muon_lr": "Muon's learning rate (muon_lr)",
}
GPT_ONLY = ("qk_norm", "zero_init", "logit_softcap", "optimizer")  # switches the tasks lack
WHOLE = {"N", "d_model", "h", "max_steps", "batch_size", "max_len", "warmup", "seed", "bpe_vocab"}


class LabConfigError(ValueError):
    """A configuration that cannot be trained; the message explains every problem found."""


@dataclass(frozen=True)
class LabConfig:
    """One Lab run: the model, the task and the training recipe.

    Parameters
    ----------
    task : {"copy", "sort", "add", "shakespeare"}
        The synthetic tasks train an encoder-decoder; ``"shakespeare"`` trains a GPT on
        characters or subwords (``tokenizer``).
    N : int
        :math:`N`, layers (in the encoder and in the decoder for the tasks), 1--12.
    d_model : int
        :math:`d_{model}`, the width, 64--512; :math:`d_{ff} = 4 d_{model}`.
    h : int
        :math:`h`, attention heads, 2--16; must divide ``d_model``.
    norm, layout, activation, positions : str
        The variant switches of :class:`~annotated.TransformerConfig`.
    share_embeddings : bool
        Share the token embedding with the output projection (the GPT's ``share_embeddings``, the
        encoder-decoder's ``share_embeddings``); off, the head is a matrix of its own (the
        ladder's untied head).
    max_steps : int
        Optimizer steps to train.
    batch_size : int
        Sequences per step.
    max_len : int
        :math:`T`, tokens per training window (Shakespeare only: each task's inputs set
        their own lengths, 1 to 10 digits or two 3-digit numbers).
    lr : float
        Peak learning rate :math:`\\eta_{max}`.
    schedule : {"constant", "warmup_cosine", "noam"}
        How the rate moves: flat after warmup, a half cosine to :math:`\\eta_{max}/10`, or the
        paper's inverse square root (scaled to peak at ``lr``).
    warmup : int
        Linear warmup steps (not longer than the run).
    seed : int
        Seeds the initial weights and the batches: the same config trains the same run.
    tokenizer : {"char", "bpe"}
        Shakespeare only: one token per character, or a byte-level BPE trained on the
        training split (:func:`~annotated.tasks.language_model.tokenizer.build_tokenizer`).
    bpe_vocab : int
        Shakespeare with ``tokenizer="bpe"`` only: the BPE's vocabulary size :math:`V`,
        259--4096 (3 special tokens, 256 bytes, then merges).
    qk_norm : bool
        Shakespeare only: each head's query and key normalised to unit RMS before the scores
        (the GPT's ``qk_norm``).
    zero_init : bool
        Shakespeare only: attention's :math:`W^O` and the feed-forward :math:`W_2` start at 0,
        so every block starts as the identity (the GPT's ``zero_init``).
    logit_softcap : float
        Shakespeare only: the bound :math:`c` of :math:`c \\tanh(z / c)` on every logit
        :math:`z`, 0--100 (0: off; modded-nanogpt uses 15 or 30).
    optimizer : {"adamw", "muon"}
        AdamW for every parameter, or (Shakespeare only) Muon for the 2-D weights of the
        blocks and AdamW for the rest (:func:`~annotated.make_optimizer`).
    muon_lr : float
        With ``optimizer="muon"``: Muon's peak rate :math:`\\eta_{Muon}`; the schedule moves
        it with ``lr``, :math:`\\eta^{Muon}_s = \\eta_s\\, \\eta_{Muon} / \\eta_{max}`.

    Examples
    --------
    >>> from annotated.lab import LabConfig
    >>> config = LabConfig(task="copy", N=1, d_model=64, h=2)
    >>> config.family, config.problems()
    ('encoder-decoder', [])
    >>> bad = LabConfig(d_model=100, h=3)
    >>> print(bad.problems()[0])
    d_model (100) must be divisible by h (3): each head gets d_model / h features; try width 99 or 102
    >>> LabConfig.from_dict(config.to_dict()) == config
    True
    """

    task: str = LANGUAGE_TASK
    N: int = 2
    d_model: int = 64
    h: int = 4
    norm: str = "layer"
    layout: str = "pre"
    activation: str = "gelu"
    positions: str = "learned"
    share_embeddings: bool = True
    max_steps: int = 200
    batch_size: int = 16
    max_len: int = 64
    lr: float = 3e-3
    schedule: str = "warmup_cosine"
    warmup: int = 20
    seed: int = 0
    tokenizer: str = "char"
    bpe_vocab: int = 1024
    qk_norm: bool = False
    zero_init: bool = False
    logit_softcap: float = 0.0
    optimizer: str = "adamw"
    muon_lr: float = 0.02

    @property
    def family(self) -> str:
        """``"gpt"`` for Shakespeare, ``"encoder-decoder"`` for the synthetic tasks."""
        return "gpt" if self.task == LANGUAGE_TASK else "encoder-decoder"

    @property
    def subwords(self) -> bool:
        """Whether the run reads BPE subwords (Shakespeare with ``tokenizer="bpe"``)."""
        return self.family == "gpt" and self.tokenizer == "bpe"

    @property
    def d_k(self) -> int:
        """The head width :math:`d_k = d_{model} / h` (rounded down)."""
        return self.d_model // self.h

    def problems(self) -> list[str]:
        """Every reason this config cannot be trained, explained; empty when it can."""
        out = [p for p in (_range_problem(self, name) for name in LIMITS) if p]
        for name, allowed in (
            ("task", TASK_CHOICES),
            ("schedule", SCHEDULES),
            ("tokenizer", TOKENIZERS),
            ("optimizer", OPTIMIZERS),
            *CHOICES.items(),
        ):
            value = getattr(self, name)
            if value not in allowed:
                out.append(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
        for name in ("share_embeddings", "qk_norm", "zero_init"):
            if not isinstance(getattr(self, name), bool):
                out.append(f"{name} must be true or false; got {getattr(self, name)!r}")
        if out:  # the combinations below assume every field is in range
            return out
        width = width_problems(self.d_model, self.h, self.positions)
        near = _nearest_widths(self) if width else []
        if near:
            width[-1] += f"; try width {' or '.join(map(str, near))}"
        out += width
        if self.warmup > self.max_steps:
            out.append(
                f"warmup ({self.warmup} steps) is longer than the run ({self.max_steps} steps): "
                "the rate would never reach its peak"
            )
        on = [name for name in GPT_ONLY if self._switched_on(name)]
        if on and self.family != "gpt":
            one = len(on) == 1
            out.append(
                f"{_listed([_switch_words(n) for n in on])} {'applies' if one else 'apply'} to "
                f"Shakespeare's GPT only: {self.task} trains the encoder-decoder, which has no "
                f"such switch; turn {'it' if one else 'them'} off or pick shakespeare"
            )
        return out

    def _switched_on(self, name: str) -> bool:
        """Whether the ladder switch ``name`` is on (``optimizer``: Muon chosen)."""
        value = getattr(self, name)
        return value == "muon" if name == "optimizer" else bool(value)

    def check(self) -> LabConfig:
        """This config, or a :class:`LabConfigError` listing every problem.

        Examples
        --------
        >>> from annotated.lab import LabConfig
        >>> LabConfig(d_model=72, h=8, positions="rope").check()
        Traceback (most recent call last):
        ...
        annotated.lab.config.LabConfigError: RoPE rotates feature pairs, ...
        """
        found = self.problems()
        if found:
            raise LabConfigError("; ".join(found))
        return self

    def model_config(self, vocab_size: int) -> TransformerConfig | GPTConfig:
        """The model's own config for a vocabulary of ``vocab_size`` tokens (checked first).

        Examples
        --------
        >>> from annotated.lab import LabConfig
        >>> LabConfig(task="sort").model_config(13).N
        2
        >>> LabConfig(max_len=32).model_config(65).max_len
        32
        """
        self.check()
        switches = {k: getattr(self, k) for k in ("norm", "layout", "activation", "positions")}
        if self.family == "gpt":
            tricks = {k: getattr(self, k) for k in ("qk_norm", "zero_init", "logit_softcap")}
            return GPTConfig(
                vocab_size,
                max_len=self.max_len,
                N=self.N,
                h=self.h,
                d_model=self.d_model,
                dropout=0.0,
                bias=False,
                share_embeddings=self.share_embeddings,
                **switches,
                **tricks,
            )
        task = get_task(self.task)
        return task.config(
            N=self.N,
            d_model=self.d_model,
            d_ff=4 * self.d_model,
            h=self.h,
            dropout=0.0,
            share_embeddings=self.share_embeddings,
            **switches,
        )

    def trained_length(self) -> int:
        """The longest sequence the model is given: ``max_len``, or the task's own
        (:attr:`~annotated.tasks.seq2seq.data.Task.max_len`).

        Examples
        --------
        >>> from annotated.lab import LabConfig
        >>> LabConfig(max_len=48).trained_length(), LabConfig(task="copy").trained_length()
        (48, 12)
        """
        return self.max_len if self.family == "gpt" else get_task(self.task).max_len

    def label(self) -> str:
        """A short description for legends: family, size and the switches (the ladder's only
        when on).

        Examples
        --------
        >>> from annotated.lab import LabConfig
        >>> LabConfig().label()
        'shakespeare N2 d64 h4 layer/pre gelu learned tied'
        >>> LabConfig(tokenizer="bpe", bpe_vocab=512).label()
        'shakespeare N2 d64 h4 layer/pre gelu learned tied bpe512'
        >>> LabConfig(qk_norm=True, logit_softcap=15, optimizer="muon").label()
        'shakespeare N2 d64 h4 layer/pre gelu learned tied qk-norm softcap15 muon0.02'
        """
        tied = "tied" if self.share_embeddings else "untied"
        return (
            f"{self.task} N{self.N} d{self.d_model} h{self.h} "
            f"{self.norm}/{self.layout} {self.activation} {self.positions} {tied}"
        ) + "".join(
            f" {part}"
            for part, on in (
                (f"bpe{self.bpe_vocab}", self.subwords),
                ("qk-norm", self.qk_norm),
                ("zero-init", self.zero_init),
                (f"softcap{self.logit_softcap:g}", self.logit_softcap),
                (f"muon{self.muon_lr:g}", self.optimizer == "muon"),
            )
            if on
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> LabConfig:
        """Rebuild a config from :meth:`to_dict`'s output; unknown keys are an error, missing
        ones take their defaults (an export from before a field existed loads unchanged).

        Examples
        --------
        >>> from annotated.lab import LabConfig
        >>> LabConfig.from_dict({"steps": 100})
        Traceback (most recent call last):
        ...
        annotated.lab.config.LabConfigError: unknown Lab config fields: steps (now max_steps)
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            named = (f"{k} (now {RENAMED[k]})" if k in RENAMED else k for k in unknown)
            raise LabConfigError(f"unknown Lab config fields: {', '.join(named)}")
        return replace(cls(), **values)

    def to_json(self) -> str:
        """The config as a JSON document tagged with its format."""
        return json.dumps({"format": FORMAT, "config": self.to_dict()}, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str) -> LabConfig:
        """Read :meth:`to_json`'s output (or a bare config object); invalid text is explained.

        Examples
        --------
        >>> from annotated.lab import LabConfig
        >>> LabConfig.from_json(LabConfig(seed=3).to_json()).seed
        3
        >>> LabConfig.from_json("[1, 2]")
        Traceback (most recent call last):
        ...
        annotated.lab.config.LabConfigError: a Lab config is a JSON object, got list
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise LabConfigError(f"not JSON: {error}") from None
        if isinstance(data, dict) and "config" in data:
            if data.get("format") != FORMAT:
                raise LabConfigError(f"unknown format {data.get('format')!r}; expected {FORMAT}")
            data = data["config"]
        if not isinstance(data, dict):
            raise LabConfigError(f"a Lab config is a JSON object, got {type(data).__name__}")
        return cls.from_dict(data)


def _range_problem(config: LabConfig, name: str) -> str | None:
    """Why field ``name`` is out of range or of the wrong kind, or ``None``."""
    value = getattr(config, name)
    low, high = LIMITS[name]
    whole = name in WHOLE
    numeric = isinstance(value, int | float) and not isinstance(value, bool) and value == value
    if numeric and (not whole or value == int(value)) and low <= value <= high:
        return None
    kind = "a whole number" if whole else "a number"
    return f"{WORDS[name]} must be {kind} from {low:g} to {high:g}; got {value!r}"


def _switch_words(name: str) -> str:
    """How ``problems`` names ladder switch ``name``."""
    return "optimizer muon" if name == "optimizer" else name


def _listed(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)


def _nearest_widths(config: LabConfig) -> list[int]:
    """The nearest widths below and above ``config.d_model`` (within :data:`LIMITS`) that its
    heads and positions can build."""
    low, high = (int(x) for x in LIMITS["d_model"])
    d, h, positions = config.d_model, config.h, config.positions
    below = (w for w in range(d - 1, low - 1, -1) if not width_problems(w, h, positions))
    above = (w for w in range(d + 1, high + 1) if not width_problems(w, h, positions))
    return [w for w in (next(below, None), next(above, None)) if w is not None]
