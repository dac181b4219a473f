"""
===========================
Learned positional encoding
===========================

Instead of a fixed table, GPT-2 and BERT learn one vector per position,
:math:`P \\in \\mathbb{R}^{L_{max} \\times d_{model}}`, and add it to the embeddings. The
paper found this "nearly identical" to the sinusoids. This example trains a tiny copy model
with :class:`annotated.LearnedPositionalEncoding` and looks at what the table learned.
"""

# %%
# The module
# ----------
# The table starts as small random numbers; positions past ``max_len`` have no vector.
import torch
import torch.nn.functional as F

from annotated import LearnedPositionalEncoding, make_model, padding_mask, target_mask

torch.manual_seed(0)
positions = LearnedPositionalEncoding(d_model=8, dropout=0.0, max_len=16)
print(
    "table:",
    tuple(positions.weight.shape),
    " output:",
    tuple(positions(torch.zeros(2, 5, 8)).shape),
)
try:
    positions(torch.zeros(1, 17, 8))
except ValueError as error:
    print("ValueError:", error)

# %%
# A tiny copy task
# ----------------
# The model reads 11 random digits and writes them back. Copying needs to know which digit
# came where, and the only place the encoder can learn that from is its position table
# (``make_model(..., positions="learned")``).
vocab, length, batch = 12, 12, 64  # 0 = padding, 1 = start, 2..11 = the digits
model = make_model(
    vocab, vocab, N=2, d_model=64, d_ff=128, h=4, dropout=0.0, positions="learned", max_len=length
)
table = model.src_embed[1].weight  # (max_len, d_model): the encoder's learned positions
before = F.normalize(table.detach().clone(), dim=-1)

generator = torch.Generator().manual_seed(0)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
steps = 200
for _ in range(steps):
    src = torch.randint(2, vocab, (batch, length), generator=generator)
    src[:, 0] = 1
    tgt_in, tgt_out = src[:, :-1], src[:, 1:]  # teacher forcing: predict the next token
    hidden = model(src, tgt_in, padding_mask(src), target_mask(tgt_in))
    loss = F.nll_loss(model.generator(hidden).reshape(-1, vocab), tgt_out.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"loss after {steps} steps: {loss.item():.3f}")

# %%
# What the table learned
# ----------------------
# The cosine similarity of every pair of position vectors, before and after training.
# Before, the vectors are random and unrelated. After, a band along the diagonal shows that
# neighbouring positions have been pulled together: the model learned a notion of "near".
import matplotlib.pyplot as plt

after = F.normalize(table.detach(), dim=-1)
fig, axes = plt.subplots(1, 2, figsize=(9, 4))
for ax, (title, vectors) in zip(
    axes, [("before training", before), ("after training", after)], strict=True
):
    image = ax.imshow(vectors @ vectors.T, cmap="RdBu", vmin=-1, vmax=1)
    ax.set_title(title)
    ax.set_xlabel("position")
axes[0].set_ylabel("position")
fig.colorbar(image, ax=axes, label="cosine similarity")

for name, vectors in (("before", before), ("after", after)):
    similarity = vectors @ vectors.T
    near = torch.diagonal(similarity, 1).mean().item()
    far = torch.diagonal(similarity, 5).mean().item()
    print(f"{name:6s}: neighbours {near:+.2f}, five apart {far:+.2f}")

# %%
# Conclusion
# ----------
# A learned table can discover the structure the sinusoids build in, but only for positions
# it was trained on: unlike :class:`annotated.PositionalEncoding`, it cannot extend past
# ``max_len``.
