"""
====================
Checkpoint averaging
====================

The paper's base models are the mean of their last 5 checkpoints. Late in training the
weights wander around a minimum, pushed by the noise of each mini-batch's gradient; the mean
of a few points of that walk lies nearer its centre than any one of them. This example runs
noisy gradient descent on a two-weight least-squares problem, where the walk can be drawn,
keeps snapshots with :class:`annotated.Snapshots`, and compares their mean
(:func:`annotated.average_weights`) with the last one.
"""

# %%
# A noisy walk around a minimum
# -----------------------------
# The model is :math:`\hat y = w_1 x_1 + w_2 x_2`; the data come from :math:`w^* = (1, -2)`
# with noise. Each step sees a mini-batch of 4 rows at a constant learning rate, so the
# weights never settle: they keep jumping about the least-squares solution.
import tempfile

import matplotlib.pyplot as plt
import torch

from annotated import Snapshots, average_weights

torch.manual_seed(0)
x = torch.randn(512, 2)
y = x @ torch.tensor([1.0, -2.0]) + 0.5 * torch.randn(512)
model = torch.nn.Linear(2, 1, bias=False)
with torch.no_grad():
    model.weight.copy_(torch.tensor([[-1.5, 0.5]]))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
snapshots = Snapshots(tempfile.mkdtemp(), keep=5)


def full_loss(weight: torch.Tensor) -> float:
    """Mean squared error of ``weight`` (1, 2) on all 512 rows."""
    return torch.mean((x @ weight.reshape(2) - y) ** 2).item()


path, saved = [], []
for step in range(1, 401):
    rows = torch.randint(0, 512, (4,))
    loss = torch.mean((model(x[rows]).squeeze(-1) - y[rows]) ** 2)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    path.append(model.weight.detach().reshape(2).clone())
    if step % 20 == 0:
        snapshots.save(model, step)
        saved.append(path[-1])

# %%
# The mean of the last five snapshots
# -----------------------------------
# :meth:`~annotated.Snapshots.average_into` loads the mean of the kept files into the model.
# Its loss on the whole data is below the last snapshot's, and below the average of the
# five snapshots' own losses: averaging the weights removes part of the noise that any one
# snapshot carries.
last = model.weight.detach().clone()
print("kept:", [p.name for p in snapshots.files()])
count = snapshots.average_into(model)
mean = model.weight.detach().clone()
each = [full_loss(w) for w in saved[-count:]]
print(f"last snapshot: loss {full_loss(last):.4f}")
print(f"mean of each snapshot's loss: {sum(each) / count:.4f}")
print(f"loss of the mean of {count} snapshots: {full_loss(mean):.4f}")
assert full_loss(mean) < min(full_loss(last), sum(each) / count)

fig, ax = plt.subplots(figsize=(5.5, 4.2))
walk = torch.stack(path[200:])
ax.plot(walk[:, 0], walk[:, 1], color="0.75", linewidth=0.8, label="weights, steps 201-400")
ends = torch.stack(saved[-count:])
ax.scatter(ends[:, 0], ends[:, 1], color="tab:blue", zorder=3, label="last 5 snapshots")
ax.scatter(*mean.reshape(2), color="tab:red", marker="*", s=160, zorder=4, label="their mean")
best = torch.linalg.lstsq(x, y.unsqueeze(-1)).solution.reshape(2)
ax.scatter(*best, color="black", marker="x", s=80, zorder=4, label="least-squares minimum")
ax.set_xlabel("$w_1$")
ax.set_ylabel("$w_2$")
ax.set_title("noisy descent, and the mean of its snapshots")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# Averaging a state by hand
# -------------------------
# :func:`annotated.average_weights` takes any state dicts with the same names and shapes and
# returns the parameter-wise mean, accumulated in float32 and stored in each tensor's dtype.
states = [{"weight": w.reshape(1, 2)} for w in saved[-count:]]
print(average_weights(states)["weight"], "==", mean)
