"""Train a GPT on Shakespeare, by characters or subwords: evaluation, resume, DDP, into a run directory.

The same loop as the synthetic tasks (:func:`~annotated.train`), fed random windows of the
text (:mod:`annotated.tasks.language_model.data`) and optimised by AdamW with the matrices
decayed (:mod:`annotated.training.adamw`), or by Muon for the blocks' matrices
(:mod:`annotated.training.muon`). The run directory's layout and rules are
:mod:`annotated.training.run_directory`'s; the card also lists the tokenizer's characters
or names its file beside the checkpoint (:mod:`annotated.tasks.language_model.tokenizer`),
so the run directory alone generates text.

Every ``eval_interval`` steps the train and validation losses are *estimated* on
``eval_iters`` fixed batches of each split (nanoGPT's ``estimate_loss``; with ``eval_split``
the validation loss is measured on the whole split instead) and a short sample is printed. At the end the validation loss is *measured* on the whole validation split, every
token predicted once (:func:`~annotated.mean_cross_entropy`), and with it the bits per
character that compare across tokenizers
(:func:`~annotated.tasks.language_model.evaluation.split_loss`):

.. math::

    \\mathcal{L}_{val} = -\\frac{1}{n} \\sum_{t=1}^{n} \\log p_\\theta(x_t \\mid x_{t-T}, \\dots, x_{t-1}),
    \\qquad \\mathrm{bpc}_{val} = \\frac{n \\mathcal{L}_{val}}{c \\ln 2}

for :math:`n` predicted tokens spelling :math:`c` characters.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping
from itertools import count
from pathlib import Path
from typing import Any

import torch
from torch import nn

from annotated.gpt import GPT
from annotated.tasks.language_model.corpus import Corpus
from annotated.tasks.language_model.data import LMBatch, lm_batch, lm_loss
from annotated.tasks.language_model.evaluation import estimate_loss, sample_text, split_loss
from annotated.tasks.language_model.options import LanguageModelOptions
from annotated.tasks.language_model.tokenizer import CHAR, load_tokenizer, save_tokenizer
from annotated.tokenizers.char import CharTokenizer
from annotated.tokenizers.protocol import TextTokenizer
from annotated.training.checkpoint import save_checkpoint
from annotated.training.distributed import DistributedContext, unwrap
from annotated.training.loop import TrainState, train
from annotated.training.progress import ProgressBar
from annotated.training.resume import STATE, load_train_state, read_extra, save_train_state
from annotated.training.run_directory import (
    RunResult,
    check_kept_options,
    check_new_run_directory,
    remove_stale_files,
    saved_options,
    write_results,
)

SAMPLE_CHARS, FINAL_SAMPLE_CHARS = 200, 600


def run_shakespeare(
    out: Path | str,
    overrides: Mapping[str, Any] | None = None,
    *,
    resume: bool = False,
    ctx: DistributedContext | None = None,
    command: str = "",
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> RunResult:
    """Train (or resume) a GPT on characters or subwords in ``out``; rank 0 writes everything.

    Parameters
    ----------
    out : path
        The run directory; empty or absent unless ``resume``.
    overrides : mapping, optional
        :class:`~annotated.tasks.language_model.options.LanguageModelOptions` fields (any field's name) to change from the defaults. On ``resume`` the run
        keeps its saved options, and an override that differs from them is an error.
    resume : bool
        Continue the run saved in ``out``.
    ctx : DistributedContext, optional
        From :func:`~annotated.training.distributed.init_distributed`; one CPU process if
        omitted.
    command : str
        The command line, recorded in the card.
    progress : bool
        Show a progress bar on standard error.
    log : callable
        Where the evaluation lines and samples go.
    """
    ctx = ctx or DistributedContext()
    out = Path(out)
    options = _options(out, dict(overrides or {}), resume, check_out=ctx.is_main)
    entry = read_extra(out / STATE).get("tokenizer", CHAR) if resume else None
    corpus = Corpus.load(options, _resumed_tokenizer(entry, out))
    options = options.with_vocab_size(corpus.tokenizer.vocab_size)
    torch.manual_seed(options.seed)
    model = GPT(options.model).to(ctx.device)
    optimizer = options.build_optimizer(model)
    state = TrainState()
    if resume:
        if ctx.is_main:
            remove_stale_files(out)
        state, extra = load_train_state(out / STATE, model, optimizer)
        _check_resume(extra, corpus, ctx, out)
    if ctx.enabled:  # dropout: a different stream on every rank, reproducible from the position
        torch.manual_seed(hash((options.seed, ctx.rank, state.steps)) % 2**63)
    if ctx.is_main:
        out.mkdir(parents=True, exist_ok=True)
        if entry is None:  # a new run: its subword tokenizer's file, beside the checkpoint
            entry = save_tokenizer(corpus.tokenizer, options.tokenizer, out)
    wrapped = ctx.wrap(model)
    bar = ProgressBar(
        options.loop.max_steps, state.optimizer_steps, desc="shakespeare",
        disable=not (progress and ctx.is_main),
    )  # fmt: skip
    say = bar.write if progress else log
    started = time.perf_counter()
    extra = {"options": options.to_dict(), "corpus_sha256": corpus.sha256}
    extra |= {"world_size": ctx.world_size, "tokenizer": entry}
    char = isinstance(corpus.tokenizer, CharTokenizer)
    about = {
        "vocab": corpus.tokenizer.pieces if char else None,  # else the tokenizer file's
        "task": "shakespeare",
        "tokenizer": entry,
        "corpus": {"name": corpus.name, "sha256": corpus.sha256},
        "seed": options.seed,
        "options": options.to_dict(),
        "command": command,
    }  # what the card says besides the steps and metrics

    def batches(start: int) -> Iterator[LMBatch]:
        for index in count(start):
            yield lm_batch(
                corpus.train, seed=options.seed, index=index, batch_size=options.batch_size,
                max_len=options.model.max_len, rank=ctx.rank, world_size=ctx.world_size,
            ).to(ctx.device)  # fmt: skip

    def evaluate(model: nn.Module, state: TrainState) -> dict[str, float]:
        if not ctx.is_main:
            return {}
        m = unwrap(model)
        assert isinstance(m, GPT)
        estimated = {"train": corpus.train} | ({} if options.eval_split else {"val": corpus.val})
        losses = {
            s: estimate_loss(
                m,
                d,
                options.eval_iters,
                options.batch_size,
                options.model.max_len,
                seed=options.seed,
            )
            for s, d in estimated.items()
        }
        if options.eval_split:
            losses["val"] = split_loss(m, corpus.tokenizer, corpus.val.to(ctx.device)).mean
        say(
            f"step {state.optimizer_steps}: train loss {losses['train']:.4f}, "
            f"val loss {losses['val']:.4f}"
        )
        say(_indent(sample_text(m, corpus.tokenizer, SAMPLE_CHARS, seed=options.seed)))
        return {
            "train_loss": losses["train"],
            "val_loss": losses["val"],
            "perplexity": math.exp(losses["val"]),
        }

    def save(state: TrainState) -> None:
        if ctx.is_main:
            save_train_state(out / STATE, model, optimizer, state, extra)
            metrics = dict(state.evals[-1]) if state.evals else {}
            _save_card(out, model, about, state, ctx, metrics)

    def on_step(state: TrainState) -> None:
        if ctx.enabled:  # the figures of the global batch, not of this rank's share
            record = state.history[-1]
            record["loss"] = ctx.mean(record["loss"])
            record["tokens_per_s"] = ctx.mean(record["tokens_per_s"]) * ctx.world_size
        if ctx.is_main:
            bar(state)

    state = train(
        wrapped, batches, lm_loss, optimizer, options.schedule(), options.loop,
        state=state, evaluate=evaluate, save=save, on_step=on_step,
    )  # fmt: skip
    bar.close()
    metrics: dict[str, Any] = {}
    if ctx.is_main:
        say(f"measuring the loss on the whole validation split ({corpus.val.numel():,} tokens)")
        metrics = _final_metrics(model, corpus, options, state, ctx, started)
        _save_card(out, model, about, state, ctx, metrics)
        write_results(out, state, metrics)
    ctx.barrier()
    return RunResult(state, metrics, out)


def _final_metrics(
    model: GPT,
    corpus: Corpus,
    options: LanguageModelOptions,
    state: TrainState,
    ctx: DistributedContext,
    started: float,
) -> dict[str, Any]:
    """The whole-split validation loss and bits per character, throughput, size, a sample."""
    val = split_loss(model, corpus.tokenizer, corpus.val.to(ctx.device), batch_size=64)
    val_loss = val.mean
    per_step = options.batch_size * options.model.max_len * options.loop.grad_accum
    per_step *= ctx.world_size
    seconds = sum(per_step / r["tokens_per_s"] for r in state.history)  # training time only
    tokens = state.tokens * ctx.world_size
    last = state.evals[-1] if state.evals else {}
    return {
        "val_loss": val_loss,
        "val_perplexity": math.exp(val_loss),
        "val_tokens": val.tokens,
        "val_characters": val.characters,
        "val_bpc": val.bits_per_character,
        "val_loss_estimate": last.get("val_loss"),
        "train_loss_estimate": last.get("train_loss"),
        "optimizer_steps": state.optimizer_steps,
        "train_tokens": tokens,
        "tokens_per_s": tokens / seconds if seconds else None,
        "world_size": ctx.world_size,
        "threads": torch.get_num_threads(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "seconds_this_session": round(time.perf_counter() - started, 2),
        "sample": sample_text(model, corpus.tokenizer, FINAL_SAMPLE_CHARS, seed=options.seed),
    }


def _save_card(
    out: Path,
    model: GPT,
    about: dict[str, Any],
    state: TrainState,
    ctx: DistributedContext,
    metrics: dict[str, Any],
) -> None:
    """The checkpoint and its card: ``about`` the run, then its steps and ``metrics``."""
    steps = {k: getattr(state, k) for k in ("steps", "optimizer_steps")}
    steps |= {"tokens": state.tokens * ctx.world_size, "world_size": ctx.world_size}
    save_checkpoint(out, model, **about, steps=steps, metrics=metrics)


def _options(
    out: Path, overrides: dict[str, Any], resume: bool, *, check_out: bool
) -> LanguageModelOptions:
    """The defaults with ``overrides``, or on resume the saved options (which must agree).

    Only rank 0 (``check_out``) checks that a new run's directory is free: it creates it.
    """
    if not resume:
        if check_out:
            check_new_run_directory(out)
        return LanguageModelOptions.for_run(overrides)
    saved = LanguageModelOptions.from_dict(saved_options(out))
    check_kept_options(saved.leaves(), overrides)
    return saved


def _check_resume(
    extra: dict[str, Any], corpus: Corpus, ctx: DistributedContext, out: Path
) -> None:
    """A resumed run must see the same text and the same number of ranks."""
    if extra.get("corpus_sha256") != corpus.sha256:
        raise ValueError(f"{out}: the corpus changed since this run started (SHA-256 differs)")
    if extra.get("world_size", 1) != ctx.world_size:
        raise ValueError(
            f"{out}: the run trained on {extra.get('world_size', 1)} processes, resumed on "
            f"{ctx.world_size}: the global batch would change"
        )


def _resumed_tokenizer(entry: dict[str, Any] | None, out: Path) -> TextTokenizer | None:
    """A resumed run's subword tokenizer, from its file in ``out``.

    ``None`` for a new run, or for characters: those are rebuilt from the corpus, whose
    SHA-256 the resume checks.
    """
    if entry is None or entry.get("kind") == "char":
        return None
    return load_tokenizer({"tokenizer": entry}, out, out / STATE)


def _indent(text: str) -> str:
    """A sample set off from the log lines."""
    return "\n".join("    " + line for line in text.splitlines())
