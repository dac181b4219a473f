"""annotated's encoder-decoder against ``torch.nn.Transformer``: same size, batches and steps.

The control is PyTorch's own ``nn.Transformer`` in the same shape as the translation
recipe's model: pre-norm layers (``norm_first=True``) with a final LayerNorm on each stack,
ReLU, the same ``d_model``, heads, ``d_ff`` and dropout, sinusoidal positions added to
embeddings scaled by :math:`\\sqrt{d_{model}}`, and one embedding matrix shared by source,
target and the output projection (section 3.4); the parameter counts are printed and must
agree. Every matrix starts Xavier-uniform in both, as the original initialises its model:
``nn.Transformer`` resets only its own layers, so the control's shared embedding is reset
here too (left at ``nn.Embedding``'s :math:`\\mathcal{N}(0, 1)`, scaled by
:math:`\\sqrt{d_{model}} = 16` and tied to the output layer, its first logits have a
standard deviation near 16, against 0.3 with Xavier; the bench records both models'
standard deviation on the first batch). Both models start from the same seed, see the same
token-budget batches of the de-en training split in the same order, with label smoothing,
Adam and the paper's schedule, and their steps alternate in this one process, so machine
load hits both alike. Reported: the median step time of each and their ratio, and after
the same number of steps, the greedy BLEU of each on validation sentences spread over both
sources (as the run's evaluations pick them) and each one's teacher-forced cross-entropy
(nats per target token, no smoothing) on the same sentences.

Run: ``python benchmarks/bench_translation_control.py --steps 800 --threads 2
--val-sentences 300`` (the corpus must be built: ``annotated data de-en``); writes
``benchmarks/results/translation_control.json``.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import torch
from machine import load_average, save_result
from torch import nn

from annotated import EncoderDecoder, LabelSmoothing, paper_adam, rate
from annotated.corpora.de_en.store import load_pairs
from annotated.tasks.translation.data import batches_from, encode_pairs, evaluation_batches
from annotated.tasks.translation.evaluation import cross_entropy, output_limit, translate
from annotated.tasks.translation.options import TranslationOptions
from annotated.tasks.translation.run import spread
from annotated.tasks.translation.scoring import corpus_scores
from annotated.tokenizers import SubwordTokenizer
from annotated.training.batch import Batch

RESULTS = Path(__file__).parent / "results"


class TorchTransformer(nn.Module):
    """``nn.Transformer`` with shared embeddings, sinusoidal positions and a tied output layer."""

    def __init__(self, vocab: int, d_model: int, h: int, d_ff: int, n: int, dropout: float):
        super().__init__()
        self.d_model = d_model
        self.embed = nn.Embedding(vocab, d_model)
        nn.init.xavier_uniform_(self.embed.weight)
        self.core = nn.Transformer(
            d_model, h, n, n, d_ff, dropout, batch_first=True, norm_first=True
        )
        self.proj = nn.Linear(d_model, vocab)
        self.proj.weight = self.embed.weight
        self.dropout = nn.Dropout(dropout)
        position = torch.arange(512).unsqueeze(1)
        freq = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(512, d_model)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(position * freq), torch.cos(position * freq)
        self.register_buffer("pe", pe, persistent=False)

    def embed_tokens(self, x: torch.Tensor) -> torch.Tensor:
        """``(batch, seq)`` ids to ``(batch, seq, d_model)``: scaled embedding plus position."""
        return self.dropout(self.embed(x) * math.sqrt(self.d_model) + self.pe[: x.size(1)])

    def forward(self, src: torch.Tensor, tgt: torch.Tensor, pad: int) -> torch.Tensor:
        """Log-probabilities ``(batch, tgt_len, vocab)`` of the next target token."""
        causal = torch.ones(tgt.size(1), tgt.size(1), dtype=torch.bool).triu(1)  # True: masked
        y = self.core(
            self.embed_tokens(src), self.embed_tokens(tgt), tgt_mask=causal,
            src_key_padding_mask=src == pad, tgt_key_padding_mask=tgt == pad,
            memory_key_padding_mask=src == pad,
        )  # fmt: skip
        return torch.log_softmax(self.proj(y), dim=-1)


@torch.no_grad()
def control_translate(
    model: TorchTransformer, tokenizer: SubwordTokenizer, sentences: list[str]
) -> list[str]:
    """Greedy translations by the control, re-running the decoder on the prefix each step."""
    model.eval()
    out = []
    for sentence in sentences:
        src = torch.tensor([[*tokenizer.encode(sentence), tokenizer.end]])
        ys = [tokenizer.start]
        for _ in range(output_limit(src.size(1), 512) - 1):
            logp = model(src, torch.tensor([ys]), tokenizer.pad)
            ys.append(int(logp[0, -1].argmax()))
            if ys[-1] == tokenizer.end:
                break
        out.append(tokenizer.decode([t for t in ys[1:] if t != tokenizer.end]))
    model.train()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--val-sentences", type=int, default=200)
    parser.add_argument("--vocab-size", type=int, default=4000)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    options = TranslationOptions.for_run({"vocab_size": args.vocab_size, "max_steps": args.steps})
    train_pairs = load_pairs("train")
    val = spread(load_pairs("valid"), args.val_sentences)  # both sources, as the run's
    tokenizer = SubwordTokenizer.train([t for p in train_pairs for t in p], args.vocab_size)
    options = options.with_vocab_size(tokenizer.vocab_size)
    c = options.model
    ids = encode_pairs(tokenizer, train_pairs, c.max_len)
    torch.manual_seed(0)
    ours = EncoderDecoder.from_config(c)
    torch.manual_seed(0)
    control = TorchTransformer(tokenizer.vocab_size, c.d_model, c.h, c.d_ff, c.N, c.dropout)
    counts = {
        n: sum(p.numel() for p in m.parameters())
        for n, m in (("annotated", ours), ("control", control))
    }
    print(f"parameters: {counts}")
    criterion = LabelSmoothing(tokenizer.vocab_size, tokenizer.pad, options.smoothing)

    def step_of(
        model: nn.Module, forward: Callable[[Batch], torch.Tensor]
    ) -> Callable[[Batch, int], float]:
        optimizer = paper_adam(model.parameters())

        def step(batch: Batch, s: int) -> float:
            start = time.perf_counter()
            for group in optimizer.param_groups:
                group["lr"] = rate(s, c.d_model, options.factor, options.warmup)
            logp = forward(batch)
            loss = (
                criterion(logp.reshape(-1, logp.size(-1)), batch.tgt_y.reshape(-1)) / batch.ntokens
            )
            loss.backward()
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            return time.perf_counter() - start

        return step

    forwards: dict[str, Callable[[Batch], torch.Tensor]] = {
        "annotated": lambda b: ours.generator(ours(b.src, b.tgt, b.src_mask, b.tgt_mask)),
        "control": lambda b: control(b.src, b.tgt, tokenizer.pad),
    }
    steps = {
        "annotated": step_of(ours, forwards["annotated"]),
        "control": step_of(control, forwards["control"]),
    }
    times: dict[str, list[float]] = {name: [] for name in steps}
    special = {"pad": tokenizer.pad, "start": tokenizer.start, "end": tokenizer.end}
    batches = batches_from(ids, options.max_tokens, 0, 0, **special)
    for s in range(1, args.steps + 1):
        batch = next(batches)
        if s == 1:  # a row's log-probabilities spread as its logits do (a shift apart)
            with torch.no_grad():
                spread_at_start = {n: float(f(batch).std(-1).mean()) for n, f in forwards.items()}
        order = list(steps) if s % 2 else list(reversed(steps))  # neither always runs first
        for name in order:
            times[name].append(steps[name](batch, s))
        if s % 50 == 0:
            print(
                f"step {s}: "
                + ", ".join(
                    f"{n} {statistics.median(t[-50:]) * 1000:.0f} ms" for n, t in times.items()
                )
            )
    german, english = [de for de, _ in val], [en for _, en in val]
    val_batches = evaluation_batches(
        encode_pairs(tokenizer, val, c.max_len), options.max_tokens, **special
    )
    models = {"annotated": ours, "control": control}
    loss = {n: cross_entropy(models[n], val_batches, forwards[n]) for n in models}
    bleu = {
        "annotated": corpus_scores(translate(ours, tokenizer, german), english).bleu,
        "control": corpus_scores(control_translate(control, tokenizer, german), english).bleu,
    }
    median = {n: statistics.median(t[10:]) for n, t in times.items()}  # after warm-up
    result = {
        "steps": args.steps,
        "threads": args.threads,
        "vocab_size": tokenizer.vocab_size,
        "config": c.to_dict(),
        "parameters": counts,
        "median_step_seconds": median,
        "step_time_ratio": median["annotated"] / median["control"],
        "val_sentences": len(val),
        "val_bleu_greedy": bleu,
        "val_loss_nats_per_token": loss,
        "first_batch_logit_std": spread_at_start,
        "load_average": load_average(),
    }
    print(f"logit standard deviation on the first batch: {spread_at_start}")
    print(
        f"step time annotated / control: {result['step_time_ratio']:.3f} "
        f"({median['annotated'] * 1000:.0f} vs {median['control'] * 1000:.0f} ms); "
        f"after {args.steps} steps, greedy BLEU: annotated {bleu['annotated']:.2f}, "
        f"control {bleu['control']:.2f}; validation loss: annotated {loss['annotated']:.3f}, "
        f"control {loss['control']:.3f} nats/token"
    )
    save_result(RESULTS / "translation_control.json", result)


if __name__ == "__main__":
    main()
