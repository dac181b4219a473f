"""
=====================================
Zero-initialised residual projections
=====================================

Each block adds to the residual stream through two projections, attention's :math:`W^O`
and the feed-forward :math:`W_2`. GPT-2 starts them small, at :math:`0.02/\\sqrt{2N}`;
``zero_init=True`` in :class:`annotated.GPTConfig` starts them at exactly 0, as
modded-nanogpt does. With the pre-norm layout every block is then the identity,

.. math::

    a = h + \\mathrm{Attn}(\\mathrm{Norm}(h))\\, W^O = h, \\qquad
    \\mathrm{Block}_l(h) = a + \\phi(\\mathrm{Norm}(a)\\, W_1)\\, W_2 = h,

so at step 0 the :class:`annotated.GPT` is a bigram model, its embeddings and head alone.
The gradient :math:`\\partial L / \\partial W^O = u^\\top \\delta` is not zero, so training
grows each block out of the identity. This example checks both and trains the two
initialisations side by side on a small text.
"""

# %%
# At step 0, the blocks do nothing
# --------------------------------
# The logits of the zero-initialised model equal those of the same model with its blocks
# removed; GPT-2's initialisation gives different logits.
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F
from torch import nn

from annotated import GPT, GPTConfig

torch.set_num_threads(1)
text = "to be, or not to be, that is the question: whether 'tis nobler in the mind to suffer "
vocab = sorted(set(text))
data = torch.tensor([vocab.index(c) for c in text])  # (len,)
config = GPTConfig(vocab_size=len(vocab), max_len=32, N=2, h=2, d_model=32, bias=False)


def without_blocks(model: GPT, x: torch.Tensor) -> torch.Tensor:
    """The logits of ``model`` with its blocks taken out (restored afterwards)."""
    blocks, model.blocks = model.blocks, nn.ModuleList()
    try:
        return model(x)
    finally:
        model.blocks = blocks


x = data[None, :32]  # (batch, seq)
torch.manual_seed(0)
zero = GPT(GPTConfig.from_dict(config.to_dict() | {"zero_init": True}))
torch.manual_seed(0)
gpt2 = GPT(config)
with torch.no_grad():
    assert torch.equal(zero(x), without_blocks(zero, x))
    assert not torch.allclose(gpt2(x), without_blocks(gpt2, x))
print("zero_init: logits with blocks == logits without; GPT-2 init: they differ")

# %%
# Training grows the blocks out of the identity
# ---------------------------------------------
# Both models train with the same AdamW steps on the same windows; the norm of each block's
# :math:`W^O` is recorded at every step. It starts at 0 and is not 0 after one step.


def train(model: GPT, steps: int = 150) -> tuple[list[float], list[float]]:
    """Loss and the mean Frobenius norm of W^O over the blocks, before each step."""
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.0)
    windows = torch.Generator().manual_seed(1)
    losses, norms = [], []
    for _ in range(steps):
        start = torch.randint(len(data) - 33, (8,), generator=windows)
        batch = torch.stack([data[s : s + 33] for s in start.tolist()])  # (8, 33)
        loss = F.cross_entropy(model(batch[:, :-1]).flatten(0, 1), batch[:, 1:].flatten())
        norms.append(sum(b.self_attn.w_o.weight.norm().item() for b in model.blocks) / 2)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return losses, norms


zero_loss, zero_norm = train(zero)
gpt2_loss, gpt2_norm = train(gpt2)
assert zero_norm[0] == 0.0 < zero_norm[1]
assert zero_loss[-1] < 0.5 * math.log(len(vocab))  # it learnt, starting from the identity

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6))
left.plot(zero_loss, label="zero_init")
left.plot(gpt2_loss, label="GPT-2 init")
left.axhline(math.log(len(vocab)), color="grey", linestyle=":", label="log V (uniform)")
left.set_xlabel("step")
left.set_ylabel("training loss")
left.legend()
right.plot(zero_norm, label="zero_init")
right.plot(gpt2_norm, label="GPT-2 init")
right.set_xlabel("step")
right.set_ylabel(r"mean $\|W^O\|_F$ over blocks")
right.legend()
fig.suptitle("Blocks that start as the identity still learn")
fig.tight_layout()
print(f"loss after 150 steps: zero_init {zero_loss[-1]:.3f}, GPT-2 init {gpt2_loss[-1]:.3f}")

# %%
# Conclusion
# ----------
# A zero-initialised block costs nothing at step 0 and contributes only what the gradient
# asks of it. On this toy text both initialisations learn; whether zero-initialisation
# trains faster at a real scale is for a measured run to say, as modded-nanogpt's did.
