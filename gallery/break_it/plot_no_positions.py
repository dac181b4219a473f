"""
==========================
Break it: remove positions
==========================

Attention compares every token with every other by content alone; nothing in it knows
which token came first. Word order reaches the model only through the positional encoding.
This example removes it with ``positions="none"`` in :func:`annotated.make_model` and
shows that the encoder then sees a bag of tokens: a copy task fails, while sorting, whose
answer does not depend on the order of the input, still works.
"""

# %%
# A permutation changes nothing
# -----------------------------
# Without positions the encoder is permutation-equivariant: shuffle the source and its
# outputs are the same vectors, shuffled. No order information survives.
import torch
import torch.nn.functional as F

from annotated import make_model, padding_mask, target_mask

vocab, length, batch, steps, lr = 12, 10, 48, 200, 2e-3  # tokens: 0 pad, 1 start, 2..11 digits

torch.manual_seed(0)
bag = make_model(vocab, vocab, N=1, d_model=64, d_ff=128, h=4, dropout=0.0, positions="none").eval()
src = torch.randint(2, vocab, (1, length))
permutation = torch.randperm(length)
with torch.no_grad():
    memory = bag.encode(src, padding_mask(src))
    shuffled = bag.encode(src[:, permutation], padding_mask(src))
torch.testing.assert_close(shuffled, memory[:, permutation])
print("encode(shuffled source) == shuffled encode(source)")

# %%
# Train copy and sort, with and without positions
# -----------------------------------------------
# Copying needs to know which digit came where. Sorting only needs to know which digits
# there are.


def make_batch(task: str, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    digits = torch.randint(2, vocab, (batch, length - 1), generator=generator)
    target = digits.sort(1).values if task == "sort" else digits
    start = torch.ones(batch, 1, dtype=torch.long)
    return torch.cat([start, digits], 1), torch.cat([start, target], 1)


def greedy(model, src: torch.Tensor) -> torch.Tensor:
    memory = model.encode(src, padding_mask(src))
    out = src[:, :1]
    for _ in range(length - 1):
        hidden = model.decode(memory, padding_mask(src), out, target_mask(out))
        out = torch.cat([out, model.generator(hidden[:, -1]).argmax(-1, keepdim=True)], 1)
    return out


def train(task: str, positions: str) -> tuple[list[float], float]:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = make_model(
        vocab, vocab, N=1, d_model=64, d_ff=128, h=4, dropout=0.0, positions=positions
    )
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        src, tgt = make_batch(task, generator)
        tgt_in, tgt_out = tgt[:, :-1], tgt[:, 1:]
        hidden = model(src, tgt_in, padding_mask(src), target_mask(tgt_in))
        loss = F.nll_loss(model.generator(hidden).reshape(-1, vocab), tgt_out.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    src, tgt = make_batch(task, torch.Generator().manual_seed(1))  # held-out inputs
    with torch.no_grad():
        exact = (greedy(model.eval(), src) == tgt).all(1).float().mean().item()
    return losses, exact


runs = {
    "copy, sinusoidal positions": train("copy", "sinusoidal"),
    "copy, no positions": train("copy", "none"),
    "sort, no positions": train("sort", "none"),
}
for name, (losses, exact) in runs.items():
    print(f"{name:28s} final loss {losses[-1]:.3f}, exact match {100 * exact:5.1f}%")

# %%
# The curves
# ----------
# Without positions the copy model's loss stalls: cross-attention can find *which* digits
# the source holds but not *where*, so at each step it can only guess among them. The
# sorting model, with no positions either, learns.
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7.5, 3.8))
for name, (losses, exact) in runs.items():
    ax.plot(losses, label=f"{name} ({100 * exact:.0f}% exact)")
ax.set_yscale("log")
ax.set_xlabel("step")
ax.set_ylabel("cross-entropy")
ax.set_title("Order-dependent tasks need positions")
ax.legend()
fig.tight_layout()

# %%
# Conclusion
# ----------
# Self-attention is a function of a set. The positional encoding is the only thing that
# makes the Transformer a model of sequences; remove it and the encoder cannot tell
# "3 1 4" from "4 1 3".
