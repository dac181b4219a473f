"""
=================================
The full model and all its shapes
=================================

:func:`annotated.make_model` builds the paper's encoder-decoder from a
:class:`annotated.TransformerConfig`. This example traces one forward pass through a
two-layer model with :func:`annotated.trace_shapes`, then counts where the paper's base
model keeps its parameters.
"""

# %%
# One forward pass, every shape
# -----------------------------
# The paper's widths (:math:`d_{model} = 512`, :math:`d_{ff} = 2048`, :math:`h = 8`) with
# two layers instead of six, so the table stays short. The source has 10 tokens and the
# target 9; the batch holds 2 sentences.
import torch

from annotated import (
    EncoderDecoder,
    TransformerConfig,
    make_model,
    padding_mask,
    target_mask,
    trace_shapes,
)

torch.manual_seed(0)
model = make_model(src_vocab=11, tgt_vocab=11, N=2).eval()
src = torch.randint(1, 11, (2, 10))  # (batch, src_len)
tgt = torch.randint(1, 11, (2, 9))  # (batch, tgt_len)
trace = trace_shapes(model, src, tgt, padding_mask(src), target_mask(tgt))
print(trace.table())

# %%
# The config behind the model
# ---------------------------
# Every model carries the frozen config it was built from; the presets are the paper's
# Table 3 rows and a CPU size. :meth:`annotated.EncoderDecoder.from_config` builds from one.
base = TransformerConfig.base(src_vocab=37000, tgt_vocab=37000, share_embeddings=True)
print(base)
print("d_k =", base.d_k)
small = EncoderDecoder.from_config(TransformerConfig.cpu_small(11, 11))
print("cpu_small parameters:", sum(p.numel() for p in small.parameters()))

# %%
# Where the parameters are
# ------------------------
# The base model with the paper's shared 37,000-token vocabulary (embeddings and output
# projection tied, section 3.4).
import matplotlib.pyplot as plt

paper = EncoderDecoder.from_config(base)
groups = {
    "embeddings (shared)": paper.src_embed,
    "encoder": paper.encoder,
    "decoder": paper.decoder,
    "generator bias": paper.generator,
}
seen: set[int] = set()
counts = {}
for name, module in groups.items():
    fresh = [p for p in module.parameters() if id(p) not in seen]
    seen.update(id(p) for p in fresh)
    counts[name] = sum(p.numel() for p in fresh)
total = sum(p.numel() for p in paper.parameters())
for name, n in counts.items():
    print(f"{name:20s} {n / 1e6:6.2f} M")
print(f"{'total':20s} {total / 1e6:6.2f} M  (the paper's Table 3 reports 65 M for base)")

fig, ax = plt.subplots(figsize=(7, 3))
ax.barh(list(counts), [n / 1e6 for n in counts.values()], color="#2563eb")
ax.set_xlabel("parameters (millions)")
ax.set_title(f"The base model: {total / 1e6:.1f} M parameters")
ax.invert_yaxis()
fig.tight_layout()

# %%
# Conclusion
# ----------
# Token indices ``(batch, seq)`` become ``(batch, seq, d_model)`` vectors, keep that shape
# through every layer, and leave the generator as ``(batch, tgt_len, vocab)``
# log-probabilities. The decoder, with its extra cross-attention, is the largest part.
