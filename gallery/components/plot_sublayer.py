"""
==========================================
The residual sublayer: post, pre, sandwich
==========================================

Every attention and feed-forward block of the Transformer sits inside a
:class:`annotated.SublayerConnection`: a residual connection with a normalisation. Where the
norm goes is a choice with three common answers:

.. math::

    \\text{post (the paper):}\\quad & \\mathrm{Norm}(x + \\mathrm{Sublayer}(x)) \\\\
    \\text{pre:}\\quad & x + \\mathrm{Sublayer}(\\mathrm{Norm}(x)) \\\\
    \\text{sandwich:}\\quad & x + \\mathrm{Norm}_2(\\mathrm{Sublayer}(\\mathrm{Norm}_1(x)))

This example checks each formula and follows the residual stream through a deep stack.
"""

# %%
# The three formulas, checked
# ---------------------------
# Dropout is 0 here so the outputs are deterministic. ``res.norm`` is the norm inside the
# connection, and the sandwich layout has a second one, ``res.output_norm``.
import torch

from annotated import PositionwiseFeedForward, SublayerConnection

torch.manual_seed(0)
d_model = 64
x = torch.randn(16, 8, d_model)  # (batch, seq, d_model)
ffn = PositionwiseFeedForward(d_model, 4 * d_model, dropout=0.0)

post = SublayerConnection(d_model, 0.0, layout="post")
pre = SublayerConnection(d_model, 0.0, layout="pre")
sandwich = SublayerConnection(d_model, 0.0, layout="sandwich")
torch.testing.assert_close(post(x, ffn), post.norm(x + ffn(x)))
torch.testing.assert_close(pre(x, ffn), x + ffn(pre.norm(x)))
torch.testing.assert_close(sandwich(x, ffn), x + sandwich.output_norm(ffn(sandwich.norm(x))))
print("post, pre and sandwich match their formulas")

# %%
# The identity path
# -----------------
# If the sublayer outputs zeros, a pre-norm connection is exactly the identity: the input
# reaches the output untouched. A post-norm connection still normalises it.
silent = torch.zeros_like
print("pre  with a silent sublayer returns x:      ", torch.equal(pre(x, silent), x))
print("post with a silent sublayer returns norm(x):", torch.equal(post(x, silent), post.norm(x)))

# %%
# The residual stream through 12 layers
# -------------------------------------
# Stack 12 connections around Xavier-initialised feed-forward networks and measure the
# average length of a position's vector after each layer. Post-norm renormalises after
# every layer, so the length stays at :math:`\sqrt{d_{model}}`; in pre- and sandwich-norm
# each layer *adds* to an unnormalised stream, which grows with depth. That is why those
# stacks end in one more norm, which :func:`annotated.sublayer.final_norm` builds.
import matplotlib.pyplot as plt

depth = 12
fig, ax = plt.subplots(figsize=(7, 3.6))
for layout in ("post", "pre", "sandwich"):
    torch.manual_seed(1)
    stream, lengths = x, []
    for _ in range(depth):
        connection = SublayerConnection(d_model, 0.0, layout=layout)
        block = PositionwiseFeedForward(d_model, 4 * d_model, dropout=0.0)
        for weight in (block.w_1.weight, block.w_2.weight):
            torch.nn.init.xavier_uniform_(weight)
        with torch.no_grad():
            stream = connection(stream, block)
        lengths.append(stream.norm(dim=-1).mean().item())
    ax.plot(range(1, depth + 1), lengths, marker="o", label=layout)
    print(
        f"{layout:8s} length after layer 1: {lengths[0]:5.1f}, after layer {depth}: {lengths[-1]:5.1f}"
    )
ax.axhline(d_model**0.5, color="grey", linestyle=":", label="sqrt(d_model)")
ax.set_xlabel("layer")
ax.set_ylabel("mean length of a position's vector")
ax.set_title("The residual stream: renormalised (post) or accumulated (pre, sandwich)")
ax.legend()
fig.tight_layout()

# %%
# Conclusion
# ----------
# The paper writes post-norm; the original Annotated Transformer's code (and GPT-2 onwards)
# is pre-norm, which leaves an identity path from every layer to the output; this package
# defaults to pre-norm and names all three. The ``layout`` switch of
# :func:`annotated.make_model` chooses.
from annotated import final_norm

print(
    type(final_norm("pre", "layer", d_model)).__name__,
    "ends a pre-norm stack;",
    type(final_norm("post", "layer", d_model)).__name__,
    "ends a post-norm one",
)
