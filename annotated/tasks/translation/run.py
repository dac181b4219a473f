"""Train the encoder-decoder to translate German into English, into a run directory.

The original Annotated Transformer's real-world example, at laptop scale: the corpus built by
``annotated data de-en`` (:mod:`annotated.corpora.de_en`), one byte-level BPE vocabulary for
both languages trained on the training split (saved as ``tokenizer.json`` beside the
checkpoint), the paper's model with the three-way weight sharing of section 3.4, label
smoothing, the paper's schedule and Adam, and batches of about equal token counts
(:mod:`annotated.tasks.translation.data`). Every ``eval_interval`` steps a validation sample
(spread over the split, so both sources are in it) is translated greedily and scored with
BLEU. Each checkpoint also keeps a weight snapshot in ``snapshots/``; at the end the model
becomes the mean of the last ``average`` of them, as the paper's base models do
(:mod:`annotated.training.averaging`), and the test split is scored with greedy decoding and
with beam search, for the last weights too (``test_bleu_beam_last_weights``), so the card
shows what averaging gave. The run directory's layout and rules are
:mod:`annotated.training.run_directory`'s; ``--resume`` continues a killed run.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import torch

from annotated.corpora.de_en.store import corpus_record, load_by_source, load_pairs, read_manifest
from annotated.model import EncoderDecoder
from annotated.tasks.translation.data import batches_from, encode_pairs, evaluation_batches
from annotated.tasks.translation.evaluation import cross_entropy, score_test_split, translate
from annotated.tasks.translation.options import TranslationOptions
from annotated.tasks.translation.scoring import corpus_scores
from annotated.tokenizers import SubwordTokenizer
from annotated.training import (
    Batch,
    LabelSmoothing,
    LossCompute,
    ProgressBar,
    TrainState,
    load_train_state,
    paper_adam,
    pick_device,
    save_checkpoint,
    save_train_state,
    train,
)
from annotated.training.averaging import Snapshots
from annotated.training.resume import STATE
from annotated.training.run_directory import (
    RunResult,
    check_kept_options,
    check_new_run_directory,
    remove_stale_files,
    saved_options,
    write_results,
)

TOKENIZER = "tokenizer.json"
SNAPSHOTS = "snapshots"


def run_translation(
    out: Path | str,
    overrides: Mapping[str, Any] | None = None,
    *,
    resume: bool = False,
    device: str = "auto",
    command: str = "",
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> RunResult:
    """Train (or resume) a German-to-English model in ``out``.

    Parameters
    ----------
    out : path
        The run directory; empty or absent unless ``resume``.
    overrides : mapping, optional
        :class:`~annotated.tasks.translation.options.TranslationOptions` fields (any field's
        name) to change from the defaults; on ``resume`` they must agree with the saved ones.
    resume : bool
        Continue the run saved in ``out``.
    device : str
        ``"auto"`` or a device name.
    command : str
        The command line, recorded in the card.
    progress : bool
        Show a progress bar on standard error.
    log : callable
        Where the evaluation lines go.
    """
    out = Path(out)
    options = _options(out, dict(overrides or {}), resume)
    root = Path(options.corpus) if options.corpus else None
    corpus = {split: load_pairs(split, root) for split in ("train", "valid")}
    data = corpus_record(read_manifest(root))
    if resume:
        remove_stale_files(out)
        tokenizer = SubwordTokenizer.load(out / TOKENIZER)
    else:
        texts = [text for pair in corpus["train"] for text in pair]
        tokenizer = SubwordTokenizer.train(texts, vocab_size=options.vocab_size)
    options = options.with_vocab_size(tokenizer.vocab_size)
    torch.manual_seed(options.seed)
    target = pick_device(device)
    model = EncoderDecoder.from_config(options.model).to(target)
    optimizer = paper_adam(model.parameters())
    state = TrainState()
    snapshots = Snapshots(out / SNAPSHOTS, options.average)
    if resume:
        state, extra = load_train_state(out / STATE, model, optimizer)
        if extra.get("corpus", {}).get("files") != data["files"]:
            raise ValueError(f"{out}: the corpus changed since this run started (SHA-256 differs)")
    out.mkdir(parents=True, exist_ok=True)
    if not resume:
        tokenizer.save(out / TOKENIZER)
    train_ids = encode_pairs(tokenizer, corpus["train"], options.model.max_len)
    val = spread(corpus["valid"], options.val_sentences)
    special = {"pad": tokenizer.pad, "start": tokenizer.start, "end": tokenizer.end}
    val_batches = [
        batch.to(target)
        for batch in evaluation_batches(
            encode_pairs(tokenizer, val, options.model.max_len), options.max_tokens, **special
        )
    ]
    bar = ProgressBar(
        options.loop.max_steps, state.optimizer_steps, desc="translate", disable=not progress
    )
    say = bar.write if progress else log
    started = time.perf_counter()

    def batches(start: int) -> Iterator[Batch]:
        for batch in batches_from(
            train_ids, options.max_tokens, options.seed, start, pool=options.pool, **special
        ):  # fmt: skip
            yield batch.to(target)

    def evaluate(model: EncoderDecoder, state: TrainState) -> dict[str, float]:
        hypotheses = translate(model, tokenizer, [de for de, _ in val])
        scores = corpus_scores(hypotheses, [en for _, en in val])
        loss = cross_entropy(model, val_batches)
        say(
            f"step {state.optimizer_steps}: validation BLEU {scores.bleu:.2f}, "
            f"chrF {scores.chrf:.2f} (greedy), loss {loss:.3f} nats/token ({len(val)} sentences)"
        )
        return {
            "val_bleu": scores.bleu, "val_chrf": scores.chrf, "val_loss": loss,
            "val_sentences": len(val),
        }  # fmt: skip

    def save(state: TrainState) -> None:
        snapshots.save(model, state.optimizer_steps)
        extra = {"options": options.to_dict(), "corpus": data}
        save_train_state(out / STATE, model, optimizer, state, extra)
        last = dict(state.evals[-1] if state.evals else {})
        _save_card(out, model, options, state, last, data, command)

    criterion = LabelSmoothing(tokenizer.vocab_size, tokenizer.pad, options.smoothing)
    try:
        state = train(
            model, batches, LossCompute(criterion), optimizer, options.schedule, options.loop,
            state=state, evaluate=evaluate, save=save, on_step=bar,
        )  # fmt: skip
    finally:
        bar.close()
    test = load_by_source("test", root)
    sentences = sum(map(len, test.values()))
    say(f"scoring the test split ({sentences:,} sentences), greedy and beam {options.beam}")
    last = {}
    if options.average > 1:
        last = score_test_split(model, tokenizer, test, beam=options.beam, alpha=options.alpha)
    averaged = snapshots.average_into(model)
    say(f"averaged the last {averaged} checkpoints; scoring them")
    metrics = _final_metrics(model, tokenizer, options, test, state, started)
    metrics |= {"averaged_checkpoints": averaged}
    metrics |= {f"{k}_last_weights": v for k, v in last.items() if k.startswith("test_bleu")}
    _save_card(out, model, options, state, metrics, data, command)
    write_results(out, state, metrics)
    return RunResult(state, metrics, out)


def spread(pairs: list[tuple[str, str]], n: int) -> list[tuple[str, str]]:
    """``n`` pairs evenly spaced through ``pairs``, so the sample covers every source.

    The split files list the sources one after the other; the first ``n`` pairs would
    all be Ding's.

    >>> from annotated.tasks.translation.run import spread
    >>> spread([(str(i), str(i)) for i in range(10)], 3)
    [('0', '0'), ('3', '3'), ('6', '6')]
    """
    k = min(n, len(pairs))
    return [pairs[i * len(pairs) // k] for i in range(k)]


def _final_metrics(
    model: EncoderDecoder,
    tokenizer: SubwordTokenizer,
    options: TranslationOptions,
    test: Mapping[str, list[tuple[str, str]]],
    state: TrainState,
    started: float,
) -> dict[str, Any]:
    """The last evaluation, the test scores, and how much training went in."""
    last = state.evals[-1] if state.evals else {}
    return {
        **last,
        **score_test_split(model, tokenizer, test, beam=options.beam, alpha=options.alpha),
        "optimizer_steps": state.optimizer_steps,
        "train_tokens": state.tokens,
        "parameters": sum(p.numel() for p in model.parameters()),
        "seconds_this_session": round(time.perf_counter() - started, 2),
    }


def _save_card(
    out: Path,
    model: EncoderDecoder,
    options: TranslationOptions,
    state: TrainState,
    metrics: dict[str, Any],
    corpus: dict[str, Any],
    command: str,
) -> None:
    """The checkpoint and its card; the tokenizer is ``tokenizer.json`` beside it."""
    save_checkpoint(
        out,
        model,
        vocab=None,
        task="translate",
        tokenizer=TOKENIZER,
        seed=options.seed,
        steps={k: getattr(state, k) for k in ("steps", "optimizer_steps", "samples", "tokens")},
        metrics=metrics,
        options=options.to_dict(),
        corpus=corpus,
        command=command,
    )


def _options(out: Path, overrides: dict[str, Any], resume: bool) -> TranslationOptions:
    """The defaults with ``overrides``, or on resume the saved options (which must agree)."""
    if not resume:
        check_new_run_directory(out)
        return TranslationOptions.for_run(overrides)
    saved = TranslationOptions.from_dict(saved_options(out))
    check_kept_options(saved.leaves(), overrides)
    return saved
