"""
===========
The decoder
===========

Each :class:`annotated.DecoderLayer` has three sublayers: masked self-attention over the
target, cross-attention from the target to the encoder's memory, and a feed-forward
network. The mask makes the decoder *causal*: the output at position :math:`t` depends on
the target tokens up to :math:`t` only, which is what lets training predict every position
at once. This example builds an :class:`annotated.Decoder`, measures its causality, and
turns its output into next-token probabilities with a :class:`annotated.Generator`.
"""

# %%
# Built from its parts
# --------------------
import torch

from annotated import (
    Decoder,
    DecoderLayer,
    Embeddings,
    Generator,
    LayerNorm,
    MultiHeadedAttention,
    PositionalEncoding,
    PositionwiseFeedForward,
    record_attention,
    subsequent_mask,
)

torch.manual_seed(0)
d_model, vocab, tgt_len, src_len = 32, 20, 8, 5
layer = DecoderLayer(
    d_model,
    MultiHeadedAttention(4, d_model, 0.0),
    MultiHeadedAttention(4, d_model, 0.0),
    PositionwiseFeedForward(d_model, 64, 0.0),
    dropout=0.0,
)
decoder = Decoder(layer, N=2, norm=LayerNorm(d_model)).eval()
embed = torch.nn.Sequential(Embeddings(d_model, vocab), PositionalEncoding(d_model, 0.0))
generator = Generator(d_model, vocab)

memory = torch.randn(1, src_len, d_model)  # (batch, src_len, d_model): the encoder's output
tgt = torch.randint(1, vocab, (1, tgt_len))  # (batch, tgt_len)
with torch.no_grad():
    out = decoder(embed(tgt), memory, None, subsequent_mask(tgt_len))  # (batch, tgt_len, d_model)
    log_probs = generator(out)  # (batch, tgt_len, vocab)
print("decoder output", tuple(out.shape), "-> generator", tuple(log_probs.shape))
print(
    "each row is a distribution:", torch.allclose(log_probs.exp().sum(-1), torch.ones(1, tgt_len))
)

# %%
# Causality, measured
# -------------------
# Change the target token at position :math:`j` and measure how much the output at every
# position :math:`i` moves. Only positions :math:`i \ge j` may move.
changes = torch.zeros(tgt_len, tgt_len)
with torch.no_grad():
    for j in range(tgt_len):
        edited = tgt.clone()
        edited[0, j] = (edited[0, j] % (vocab - 1)) + 1  # a different token
        moved = decoder(embed(edited), memory, None, subsequent_mask(tgt_len)) - out
        changes[:, j] = moved[0].norm(dim=-1)
print(
    "largest change above the diagonal (a future token moving the past):",
    changes.triu(1).max().item(),
)

import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
image = axes[0].imshow(changes, cmap="viridis")
axes[0].set_xlabel("changed target position j")
axes[0].set_ylabel("output position i")
axes[0].set_title("|change of output i| when token j changes")
fig.colorbar(image, ax=axes[0])

# %%
# Cross-attention reads the source
# --------------------------------
# In cross-attention the queries come from the target and the keys and values from the
# memory, so its weights are ``(tgt_len, src_len)``.
with torch.no_grad(), record_attention(decoder):
    decoder(embed(tgt), memory, None, subsequent_mask(tgt_len))
cross = decoder.layers[-1].src_attn.attn  # (batch, h, tgt_len, src_len)
print("cross-attention weights:", tuple(cross.shape))
axes[1].imshow(cross[0, 0], cmap="viridis", vmin=0, vmax=1)
axes[1].set_xlabel("source position")
axes[1].set_ylabel("target position")
axes[1].set_title("last layer, head 0: target -> memory")
fig.tight_layout()

# %%
# Conclusion
# ----------
# The decoder is an encoder with a causal mask and one more sublayer that reads the memory.
# The :class:`annotated.Generator` maps each position's vector to log-probabilities over the
# vocabulary: the prediction of the next token.
