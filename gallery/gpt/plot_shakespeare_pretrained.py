"""
=====================================
The shipped Shakespeare character GPT
=====================================

The package ships a small character-level :class:`annotated.GPT` trained on Tiny
Shakespeare. We load it with :func:`annotated.pretrained.load`, read its card, generate a
short seeded sample with :func:`annotated.generate`, and look at the distribution it gives
for the next character,

.. math::

    p(x_{t+1} \\mid x_{\\le t}) = \\mathrm{softmax}(z_t),

after a prompt.
"""

# %%
# Loading the model
# -----------------
# :func:`annotated.pretrained.load` returns the model in eval mode, its card and the
# character tokenizer it was trained with. The card's ``val_loss`` is the mean cross-entropy
# over the whole validation split, in nats per character.
from annotated.pretrained import load

shakespeare = load("shakespeare")
model, tokenizer, card = shakespeare.model, shakespeare.tokenizer, shakespeare.card
config = card["config"]
print(
    f"{config['N']} layers, d_model={config['d_model']}, {config['h']} heads, "
    f"context {config['max_len']} characters, vocabulary {config['vocab_size']}"
)
print("validation loss (nats/char):", card["metrics"].get("val_loss"))

# %%
# A seeded sample
# ---------------
# :func:`annotated.generate` continues the prompt one character at a time, sampling each
# from the softmax at temperature 0.8 and keeping the 20 most likely characters. The seeded
# ``torch.Generator`` makes the sample the same on every build.
import torch

from annotated import generate

prompt = "ROMEO:\n"
ids = torch.tensor([tokenizer.encode(prompt)])  # (1, prompt_len)
seed = torch.Generator().manual_seed(1337)
with torch.no_grad():
    out = generate(model, ids, 200, temperature=0.8, top_k=20, generator=seed)
print(tokenizer.decode(out[0]))

# %%
# The next character
# ------------------
# One forward pass gives the logits :math:`z_t` at every position; the last position's
# softmax is the model's distribution over the next character. After ``"To be or not to "``
# a model that has learnt English spreads its mass over the letters that can start a word.
import matplotlib.pyplot as plt

context = "To be or not to "
with torch.no_grad():
    logits = model(torch.tensor([tokenizer.encode(context)]))  # (1, seq, vocab)
probs = logits[0, -1].softmax(-1)  # (vocab,)
top = probs.topk(12)
labels = [repr(tokenizer.decode([i]))[1:-1] or "?" for i in top.indices.tolist()]

fig, ax = plt.subplots(figsize=(7, 3))
ax.bar(range(len(labels)), top.values.tolist(), color="#2563eb")
ax.set_xticks(range(len(labels)), labels)
ax.set_ylabel("probability")
ax.set_title(f"next character after {context!r}")
fig.tight_layout()
for label, p in zip(labels, top.values.tolist(), strict=True):
    print(f"{label!r}: {p:.3f}")
print(f"the 12 most likely characters hold {top.values.sum():.1%} of the mass")

# %%
# Conclusion
# ----------
# The sample is seeded, so it reads the same on every build; the bars are the model's own
# probabilities, which sum to one over the whole vocabulary. The loss on the card is the
# average of :math:`-\log p` of the true next character over the validation text.
