"""
===============================
Greedy decoding and beam search
===============================

Greedy decoding takes the most likely token at every step. Beam search keeps the
:math:`k` most likely prefixes instead, ranked by their summed log-probability

.. math::

    s(y_{\\le t}) = \\sum_{i=1}^{t} \\log p(y_i \\mid y_{<i}, x),

so it can recover from a first step that looked best but led nowhere. This example trains a
sorting model briefly (so that it still makes mistakes), then compares
:func:`annotated.greedy_decode` with :func:`annotated.beam_search` at several beam sizes.
"""

# %%
# A half-trained sorting model
# ----------------------------
# 120 optimizer steps of the package's training loop: enough to sort most inputs, not all.
from functools import partial

import torch

from annotated import (
    EncoderDecoder,
    LabelSmoothing,
    LoopOptions,
    LossCompute,
    get_task,
    paper_adam,
    train,
    warmup_cosine,
)

task = get_task("sort")
torch.manual_seed(0)
model = EncoderDecoder.from_config(task.config(**task.model_size))
steps = 120
schedule = partial(
    warmup_cosine,
    max_lr=task.defaults.lr,
    min_lr=task.defaults.lr / 10,
    warmup=task.defaults.warmup,
    total=steps,
)
train(
    model,
    lambda start: (task.batch(0, i, 64) for i in range(start, start + steps)),
    LossCompute(LabelSmoothing(len(task.vocab), task.vocab.pad)),
    paper_adam(model.parameters()),
    schedule,
    LoopOptions(max_steps=steps),
)
model.eval()

# %%
# Beam size 1 is greedy
# ---------------------
# Both functions take a batch of sources ``(batch, src_len)`` with its mask. Beam search
# returns every beam, best first, with its length-penalised log-probability.
from annotated import beam_search, greedy_decode, padding_mask

texts = task.held_out(300)
src = task.source_tensor([task.parse(t) for t in texts])  # (batch, src_len)
mask = padding_mask(src, task.vocab.pad)
max_len = src.size(1) + 2
vocab = task.vocab
greedy = greedy_decode(model, src, mask, max_len, vocab.start, end_symbol=vocab.end, pad=vocab.pad)
one = beam_search(model, src, mask, max_len, vocab.start, vocab.end, beam_size=1, pad=vocab.pad)
print("beam_search(beam_size=1) == greedy_decode:", torch.equal(one.best, greedy))

beams = beam_search(model, src, mask, max_len, vocab.start, vocab.end, beam_size=4, pad=vocab.pad)
print(
    "sequences",
    tuple(beams.sequences.shape),
    "= (batch, beam, len); scores",
    tuple(beams.scores.shape),
)
print("best-first:", bool((beams.scores[:, :-1] >= beams.scores[:, 1:]).all()))

# %%
# Does a wider beam answer better?
# --------------------------------
# Exact match on the 300 held-out inputs, and how often the best beam has a higher
# log-probability than the greedy answer (beam search optimises the model's own score, which
# is not the same thing as being right).
from annotated import exact_match

sizes = [1, 2, 4, 8]
scores = {}
for k in sizes:
    scores[k] = exact_match(model, task, texts, beam=k)
    print(f"beam {k}: exact match {100 * scores[k]:.1f}%")
higher = (beams.scores[:, 0] > one.scores[:, 0] + 1e-6).float().mean().item()
print(f"beam 4 found a more likely answer than greedy for {100 * higher:.1f}% of the inputs")

import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 3.4))
ax.bar([str(k) for k in sizes], [100 * scores[k] for k in sizes], color="#2563eb")
ax.set_xlabel("beam size (1 = greedy)")
ax.set_ylabel("exact match (%)")
ax.set_ylim(0, 100)
ax.set_title(f"Sorting after {steps} training steps")
fig.tight_layout()

# %%
# Conclusion
# ----------
# Beam search is a better search for the sequence the model prefers; it cannot fix a model
# that prefers the wrong sequence. When greedy and beam answers agree in accuracy, as the
# numbers above let you check, the remaining errors are the model's, not the search's.
