"""
======================================
A decoder-only GPT, trained in seconds
======================================

GPT keeps only the decoder side of the Transformer: a stack of
:class:`annotated.GPTBlock` (causal self-attention and a feed-forward network, no
cross-attention) that predicts every next token of a text at once. This example builds an
:class:`annotated.GPT` from a :class:`annotated.GPTConfig`, traces its shapes, checks that it
is causal, trains it on a toy character-level language, and measures it with
:func:`annotated.perplexity` before letting it write with :func:`annotated.generate`.
"""

# %%
# The model and its shapes
# ------------------------
# Token ids ``(batch, seq)`` in, next-token logits ``(batch, seq, vocab_size)`` out. The
# output projection is the token embedding itself (weight tying).
import string

import torch

from annotated import GPT, GPTBlock, GPTConfig, trace_shapes

chars = "\n" + string.ascii_lowercase  # the vocabulary: newline and 26 letters
config = GPTConfig(vocab_size=len(chars), max_len=32, N=2, h=2, d_model=64)
torch.manual_seed(0)
model = GPT(config)
tokens = torch.randint(len(chars), (4, 16))  # (batch, seq)
trace = trace_shapes(model, tokens)
for record in trace:
    if record.name in ("tok_embed", "embed_positions", "blocks.0", "norm", "lm_head", ""):
        print(f"{record.name or '(model)':16s} {record.module:26s} -> {record.output[0]}")
print("a block is a GPTBlock:", isinstance(model.blocks[0], GPTBlock))
print("tied:", model.lm_head.weight is model.tok_embed.weight)

# %%
# Causal, checked
# ---------------
# The logits at position :math:`t` may depend on tokens :math:`\le t` only. Change the last
# token and every earlier row of logits stays the same.
with torch.no_grad():
    before = model(tokens)
    edited = tokens.clone()
    edited[:, -1] = (edited[:, -1] + 1) % len(chars)
    after = model(edited)
torch.testing.assert_close(after[:, :-1], before[:, :-1])
print("changing the last token leaves the first 15 positions' logits unchanged")

# %%
# A toy language
# --------------
# Lines of 3 to 6 consecutive letters starting anywhere in ``a`` .. ``t``, such as
# ``klmno``. After the first letter of a line everything is predictable except where the
# line ends. The first 90% of the text trains, the last 10% is held out.
generator = torch.Generator().manual_seed(0)


def line() -> str:
    start = int(torch.randint(0, 20, (1,), generator=generator))
    length = int(torch.randint(3, 7, (1,), generator=generator))
    return string.ascii_lowercase[start : start + length] + "\n"


text = "".join(line() for _ in range(3000))
ids = torch.tensor([chars.index(c) for c in text])  # (n,)
split = int(0.9 * len(ids))
train_ids, val_ids = ids[:split], ids[split:]
print(repr(text[:40]), f"... {len(text)} characters")

# %%
# Perplexity before training
# --------------------------
# Perplexity is :math:`\exp` of the mean cross-entropy on the held-out text: an untrained
# model, close to uniform, scores about the vocabulary size.
from annotated import mean_cross_entropy, perplexity

print(
    f"untrained: perplexity {perplexity(model, val_ids):.1f} "
    f"(vocabulary {len(chars)}), cross-entropy {mean_cross_entropy(model, val_ids):.2f} nats"
)

# %%
# Training
# --------
# Random windows of ``max_len`` tokens; the targets are the same windows shifted by one.
import torch.nn.functional as F

optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
block, losses = config.max_len, []
for _ in range(300):
    starts = torch.randint(len(train_ids) - block - 1, (32,), generator=generator)
    x = torch.stack([train_ids[s : s + block] for s in starts])  # (batch, block)
    y = torch.stack([train_ids[s + 1 : s + block + 1] for s in starts])  # next tokens
    loss = F.cross_entropy(model(x).reshape(-1, len(chars)), y.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

print(f"trained:   perplexity {perplexity(model, val_ids):.1f}")

# %%
# Writing
# -------
# Greedy decoding (``temperature=0``) from the prompt ``k``: the model continues the
# alphabet and has learned where lines tend to end.
from annotated import generate

prompt = torch.tensor([[chars.index("k")]])  # (batch, seq)
out = generate(model, prompt, max_new_tokens=30, temperature=0)
print("".join(chars[i] for i in out[0].tolist()).replace("\n", " | "))

import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(7, 3.4))
ax.plot(losses)
ax.set_xlabel("step")
ax.set_ylabel("training cross-entropy (nats)")
ax.set_title("A 2-layer GPT learns the toy language")
fig.tight_layout()

# %%
# Conclusion
# ----------
# A GPT is the Transformer's decoder without cross-attention: embeddings, causal blocks, a
# final norm and a tied output projection. The same :class:`annotated.MultiHeadedAttention`,
# :class:`annotated.SublayerConnection` and feed-forward modules build both models.
