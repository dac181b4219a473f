"""
==========================================
Break it: remove the decoder's causal mask
==========================================

During training the decoder sees the whole target sentence at once (teacher forcing) and
predicts every next token in parallel. Only the causal mask of
:func:`annotated.target_mask` stops position :math:`t` from reading token :math:`t+1`,
which is exactly the answer it is asked for. Remove the mask and see: the training loss
collapses, and the model cannot generate anything.
"""

# %%
# A sorting task
# --------------
# The source is 9 random digits, the target the same digits sorted, both after a start
# token. Tokens: 0 = padding, 1 = start, 2..11 = the digits.
import torch
import torch.nn.functional as F

from annotated import make_model, padding_mask, target_mask

vocab, length, batch, steps, lr = 12, 10, 48, 200, 2e-3


def sort_batch(generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``(src, tgt)``, each ``(batch, length)``, starting with the start token 1."""
    digits = torch.randint(2, vocab, (batch, length - 1), generator=generator)
    start = torch.ones(batch, 1, dtype=torch.long)
    return torch.cat([start, digits], 1), torch.cat([start, digits.sort(1).values], 1)


def loss_on(model, src, tgt, causal: bool) -> torch.Tensor:
    """Teacher-forced loss: predict ``tgt[:, 1:]`` from ``tgt[:, :-1]``."""
    tgt_in, tgt_out = tgt[:, :-1], tgt[:, 1:]
    # the honest mask hides the future; the broken one only hides padding
    tgt_mask = target_mask(tgt_in) if causal else padding_mask(tgt_in)
    hidden = model(src, tgt_in, padding_mask(src), tgt_mask)
    return F.nll_loss(model.generator(hidden).reshape(-1, vocab), tgt_out.reshape(-1))


# %%
# Train twice: with and without the mask
# --------------------------------------
# Same model size, same data, same seed. For the model trained without the mask we also
# record its loss *with* the mask, on the same batch: the situation it will be in when it
# generates, where the future does not exist yet.
def train(causal: bool) -> tuple[torch.nn.Module, list[float], list[float]]:
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(0)
    model = make_model(vocab, vocab, N=1, d_model=64, d_ff=128, h=4, dropout=0.0)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses, honest = [], []
    for _ in range(steps):
        src, tgt = sort_batch(generator)
        loss = loss_on(model, src, tgt, causal)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if not causal:  # the same batch, the future hidden
            with torch.no_grad():
                honest.append(loss_on(model, src, tgt, causal=True).item())
    return model.eval(), losses, honest


masked_model, masked_loss, _ = train(causal=True)
cheater, cheater_loss, cheater_honest_loss = train(causal=False)
print(f"final training loss: with mask {masked_loss[-1]:.3f}, without {cheater_loss[-1]:.3f}")
print(f"the unmasked model's loss when the future is hidden: {cheater_honest_loss[-1]:.3f}")

# %%
# Generation
# ----------
# Greedy decoding writes one token at a time and feeds it back: the future is never there
# to be read. Exact match is the share of sorted outputs that are entirely right.


def greedy(model, src: torch.Tensor) -> torch.Tensor:
    memory = model.encode(src, padding_mask(src))
    out = src[:, :1]  # the start token
    for _ in range(length - 1):
        hidden = model.decode(memory, padding_mask(src), out, target_mask(out))
        next_token = model.generator(hidden[:, -1]).argmax(-1, keepdim=True)
        out = torch.cat([out, next_token], 1)
    return out


src, tgt = sort_batch(torch.Generator().manual_seed(1))
with torch.no_grad():
    results = {
        name: greedy(m, src) for name, m in [("with mask", masked_model), ("without mask", cheater)]
    }
for name, out in results.items():
    exact = (out == tgt).all(1).float().mean().item()
    print(f"{name:13s} exact match {100 * exact:5.1f}%   e.g. {(out[0, 1:] - 2).tolist()}")
print(f"{'target':13s}                     {(tgt[0, 1:] - 2).tolist()}")

# %%
# The curves
# ----------
# The unmasked model's training loss falls like the honest one's, or faster, yet its loss on
# the real problem climbs: it learned to copy the next target token from its input, a
# shortcut that disappears as soon as it has to produce that token itself.
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7.5, 3.8))
ax.plot(masked_loss, label="trained with the causal mask")
ax.plot(cheater_loss, label="trained without it (training loss)")
ax.plot(cheater_honest_loss, label="trained without it, evaluated with it")
ax.set_yscale("log")
ax.set_xlabel("step")
ax.set_ylabel("cross-entropy")
ax.set_title("Without the causal mask the decoder reads the answer")
ax.legend()
fig.tight_layout()

# %%
# Conclusion
# ----------
# A training loss near zero proves nothing if the model can see the labels. The causal mask
# makes training match generation: at every position, only the tokens that generation will
# have produced by then are visible.
