"""
=======================================
Translating German: the cross-attention
=======================================

The original Annotated Transformer ends by translating German sentences and drawing the
trained model's attention. This example does the same with the shipped ``translate-de-en``
model: it translates a sentence by beam search (:func:`annotated.translate`), then draws,
with :func:`annotated.attention_maps`, for every head of the last decoder layer, the
cross-attention weights

.. math::

    A_{qk} = \\mathrm{softmax}_k\\left(\\frac{q_q k_k^\\top}{\\sqrt{d_k}}\\right),

one row per English subword the decoder read (``<s>`` and the translation), one column per
German subword of the source (and its ``</s>``). Each row sums to 1: where that head looks
in the German sentence while it predicts the next English subword.
"""

# %%
# The shipped model and its tokenizer
# -----------------------------------
# One byte-level BPE vocabulary serves both languages, so one embedding matrix is shared by
# the source, the target and the output projection (paper, section 3.4).
import matplotlib.pyplot as plt
import torch

from annotated import attention_maps, translate
from annotated.pretrained import load

de_en = load("translate-de-en")
model, tokenizer = de_en.model, de_en.tokenizer
german = "Wählen Sie eine Linienfarbe aus."
print(tokenizer.tokens(german))

# %%
# Greedy decoding and beam search
# -------------------------------
# The card's scores use beam 4 with length penalty 0.6, the paper's settings.
for beam in (1, 4):
    print(f"beam {beam}:", translate(model, tokenizer, [german], beam=beam)[0])

# %%
# Where each head looks
# ---------------------
# The decoder reads ``<s>`` and the translation; the encoder reads the German and ``</s>``.
english = translate(model, tokenizer, [german], beam=4)[0]
src = torch.tensor([[*tokenizer.encode(german), tokenizer.end]])  # (1, src_len)
tgt = torch.tensor([[tokenizer.start, *tokenizer.encode(english)]])  # (1, tgt_len)
names = tokenizer.pieces
maps = attention_maps(model, src, names, target=tgt, pad=tokenizer.pad)
cross = [m for m in maps if m.kind == "cross"][-1]
heads = cross.weights.size(0)
fig, axes = plt.subplots(1, heads, figsize=(3.2 * heads, 3.6), sharey=True)
for number, ax in enumerate(axes, start=1):
    ax.imshow(cross.head(number), cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(len(cross.keys)), cross.keys, rotation=90, fontsize=8)
    ax.set_yticks(range(len(cross.queries)), cross.queries, fontsize=8)
    ax.set_title(f"head {number}")
fig.suptitle(f"{cross.title}: {english!r}")
fig.tight_layout()
print("every row sums to 1:", torch.allclose(cross.weights.sum(-1), torch.ones(heads, tgt.size(1))))

# %%
# The learning curve
# ------------------
# The card keeps the validation BLEU (greedy, on validation sentences spread evenly over
# the split, both sources) of each evaluation of the run that trained the model.
evals = de_en.card["evals"]
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot([e["step"] for e in evals], [e["val_bleu"] for e in evals], marker="o")
ax.set_xlabel("optimizer step")
ax.set_ylabel("validation BLEU (greedy)")
ax.set_title("translate-de-en: training")
fig.tight_layout()
