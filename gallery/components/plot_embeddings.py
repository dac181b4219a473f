"""
==========
Embeddings
==========

:class:`annotated.Embeddings` looks up a learned vector for each token and multiplies it by
:math:`\\sqrt{d_{model}}`:

.. math::

    \\mathrm{Embed}(x) = E_{x} \\sqrt{d_{model}}

The paper does not say why. This example measures the usual explanation: after Xavier
initialisation the rows of :math:`E` are tiny, and the scaling brings them to the size of
the positional encodings they are added to.
"""

# %%
# A lookup, then a scale
# ----------------------
# Token indices ``(batch, seq)`` become vectors ``(batch, seq, d_model)``; each is a row of
# the table ``lut.weight`` times :math:`\sqrt{d_{model}}`.
import math

import torch

from annotated import Embeddings, PositionalEncoding, make_model

torch.manual_seed(0)
emb = Embeddings(d_model=16, vocab=10)
tokens = torch.tensor([[1, 2, 3], [3, 2, 1]])  # (batch, seq)
vectors = emb(tokens)  # (batch, seq, d_model)
print(tuple(tokens.shape), "->", tuple(vectors.shape))
torch.testing.assert_close(vectors[0, 0], emb.lut.weight[1] * math.sqrt(16))
print("Embed(x) = lut.weight[x] * sqrt(d_model)")

# %%
# Token and position on the same scale
# ------------------------------------
# Take the paper's base model (:math:`d_{model} = 512`) as :func:`annotated.make_model`
# initialises it, and compare the entries of the embedded tokens with the entries of the
# sinusoidal :class:`annotated.PositionalEncoding` that is added to them.
model = make_model(src_vocab=1000, tgt_vocab=1000)
d_model = model.config.d_model
table = model.src_embed[0].lut.weight.detach()  # (vocab, d_model), Xavier-initialised
scaled = model.src_embed[0](torch.arange(1000).unsqueeze(0)).detach().flatten()
positions = PositionalEncoding(d_model, dropout=0.0)(torch.zeros(1, 100, d_model)).flatten()
print(f"raw rows:        std {table.std():.3f}")
print(f"scaled by sqrt:  std {scaled.std():.3f}")
print(f"positions:       std {positions.std():.3f}  (entries in [-1, 1])")

# %%
# The scaling at a glance
# -----------------------
# Without the factor, the sum "token + position" would be almost all position.
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 3.4))
bins = torch.linspace(-1.6, 1.6, 81).tolist()
ax.hist(table.flatten().tolist(), bins=bins, alpha=0.6, density=True, label="E (raw rows)")
ax.hist(scaled.tolist(), bins=bins, alpha=0.6, density=True, label="E * sqrt(d_model)")
ax.hist(positions.tolist(), bins=bins, alpha=0.6, density=True, label="positional encoding")
ax.set_xlabel("entry value")
ax.set_ylabel("density")
ax.set_title("Embedding entries before and after the sqrt(d_model) scaling")
ax.legend()
fig.tight_layout()

# %%
# Conclusion
# ----------
# The :math:`\sqrt{d_{model}}` factor is a scale match: Xavier-initialised rows have entries
# of order :math:`1/\sqrt{d_{model}}`, the factor lifts them to order one, and then tokens
# and positions contribute comparably to their sum.
ratio = scaled.std() / table.std()
print(f"std ratio {ratio:.1f} = sqrt({d_model}) = {math.sqrt(d_model):.1f}")
