"""
===========
The encoder
===========

The encoder is a stack of :math:`N` identical :class:`annotated.EncoderLayer`: each lets
every source position attend to every real (non-padding) position, then transforms each
position on its own. This example builds an :class:`annotated.Encoder` from its parts,
traces its shapes, and checks two properties: padding changes nothing, and without
positions the encoder cannot tell word order.
"""

# %%
# Built from its parts
# --------------------
# The same recipe as :func:`annotated.make_model`: a layer made of a self-attention and a
# feed-forward network, cloned :math:`N` times.
import torch

from annotated import (
    Embeddings,
    Encoder,
    EncoderLayer,
    LayerNorm,
    MultiHeadedAttention,
    PositionwiseFeedForward,
    padding_mask,
    record_attention,
    trace_shapes,
)

torch.manual_seed(0)
d_model, vocab = 32, 20
layer = EncoderLayer(
    d_model,
    MultiHeadedAttention(4, d_model, 0.0),
    PositionwiseFeedForward(d_model, 64, 0.0),
    dropout=0.0,
)
encoder = Encoder(layer, N=2, norm=LayerNorm(d_model)).eval()
embed = Embeddings(d_model, vocab)

src = torch.tensor([[4, 7, 9, 3, 5, 8], [6, 2, 9, 0, 0, 0]])  # (batch, src_len); 0 = padding
x = embed(src)  # (batch, src_len, d_model)
mask = padding_mask(src)  # (batch, 1, src_len)

# %%
# Shapes, layer by layer
# ----------------------
# :func:`annotated.trace_shapes` records every module call. Every layer maps
# ``(batch, src_len, d_model)`` to itself, which is what lets them stack.
trace = trace_shapes(encoder, x, mask)
print(trace.table())

# %%
# Padding is invisible
# --------------------
# The mask hides the padded keys, so what the real tokens compute cannot depend on what the
# padding positions hold. Replace the padding with other tokens: the real outputs stay.
with torch.no_grad():
    out = encoder(x, mask)
    other = src.clone()
    other[1, 3:] = torch.tensor([11, 12, 13])
    out_other = encoder(embed(other), mask)
torch.testing.assert_close(out[1, :3], out_other[1, :3])
print("real positions unchanged when the padding changes")

# %%
# Where each position looks
# -------------------------
# The weights of the first layer's four heads for the padded sentence. The three padded key
# columns get exactly zero weight.
import matplotlib.pyplot as plt

with torch.no_grad(), record_attention(encoder):
    encoder(x, mask)
weights = encoder.layers[0].self_attn.attn  # (batch, h, src_len, src_len)
fig, axes = plt.subplots(1, 4, figsize=(10, 2.8))
for head, ax in enumerate(axes):
    ax.imshow(weights[1, head], cmap="viridis", vmin=0, vmax=1)
    ax.set_title(f"layer 0, head {head}")
    ax.set_xlabel("key")
axes[0].set_ylabel("query")
fig.tight_layout()
print("weight on padded keys:", weights[1, :, :, 3:].abs().max().item())

# %%
# Without positions, order is invisible
# -------------------------------------
# Nothing in the encoder itself knows about order; only the positional encoding added to
# the embeddings does. Without it, permuting the source permutes the outputs and nothing
# else: the encoder is permutation-equivariant.
permutation = torch.tensor([5, 0, 3, 1, 4, 2])
with torch.no_grad():
    plain = encoder(x[:1], None)
    shuffled = encoder(x[:1, permutation], None)
torch.testing.assert_close(shuffled, plain[:, permutation])
print("encoder(x[perm]) == encoder(x)[perm]")

# %%
# Conclusion
# ----------
# The encoder turns ``(batch, src_len)`` tokens into a *memory* of the same length, one
# ``d_model`` vector per source position, that the decoder reads through cross-attention.
