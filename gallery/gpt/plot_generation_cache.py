"""
=================================
Generation with a key/value cache
=================================

Generating :math:`n` tokens without a cache runs the model over the whole context at every
step. With a :class:`annotated.KVCache` per layer, each step runs only the new token and
reuses the keys and values of the ones before. This example generates with and without the
cache using :func:`annotated.generate`, checks that the tokens are identical, times both,
and streams tokens one at a time with :func:`annotated.generate_stream`.
"""

# %%
# The same tokens, faster
# -----------------------
# An untrained model is enough to measure speed: 4 layers, :math:`d_{model} = 128`, a
# context of 256 tokens. Both runs sample with the same seed.
import time

import torch

from annotated import GPT, GPTConfig, generate

torch.manual_seed(0)
model = GPT(GPTConfig(vocab_size=65, max_len=256, N=4, h=4, d_model=128))
prompt = torch.randint(65, (1, 16))  # (batch, seq)

timings, outputs = {}, {}
for use_cache in (True, False):
    start = time.perf_counter()
    outputs[use_cache] = generate(
        model,
        prompt,
        max_new_tokens=192,
        top_k=10,
        generator=torch.Generator().manual_seed(1),
        use_cache=use_cache,
    )
    timings[use_cache] = time.perf_counter() - start
print("identical tokens:", torch.equal(outputs[True], outputs[False]))
print(
    f"with cache {timings[True]:.2f} s, without {timings[False]:.2f} s, "
    f"speed-up x{timings[False] / timings[True]:.1f}"
)

# %%
# What one step costs
# -------------------
# :func:`annotated.next_token_logits` gives the logits of the next token; with a cache
# (``model.make_cache()``) it runs only the tokens the cache has not seen. Time one step at
# growing context lengths.
import matplotlib.pyplot as plt

from annotated import next_token_logits

lengths = [16, 64, 128, 192, 255]
with_cache, without_cache = [], []
for t in lengths:
    context = torch.randint(65, (1, t))
    cache = model.make_cache()
    next_token_logits(model, context[:, :-1], cache)  # fill the cache with t - 1 tokens
    start = time.perf_counter()
    cached = next_token_logits(model, context, cache)  # runs 1 token
    with_cache.append(time.perf_counter() - start)
    start = time.perf_counter()
    full = next_token_logits(model, context)  # runs t tokens
    without_cache.append(time.perf_counter() - start)
    torch.testing.assert_close(cached, full, atol=1e-4, rtol=1e-4)

fig, ax = plt.subplots(figsize=(6.5, 3.6))
ax.plot(lengths, [1e3 * s for s in without_cache], marker="o", label="re-run the context")
ax.plot(lengths, [1e3 * s for s in with_cache], marker="o", label="with the cache")
ax.set_xlabel("context length")
ax.set_ylabel("one step (ms)")
ax.set_title("The cost of one generated token")
ax.legend()
fig.tight_layout()

# %%
# Streaming
# ---------
# :func:`annotated.generate_stream` yields each new token as soon as it is drawn, which is
# how a demo shows text appearing as it is written.
from annotated import generate_stream

stream = generate_stream(model, prompt, max_new_tokens=8, temperature=0)
print("streamed:", [int(token) for token in stream])

# %%
# Conclusion
# ----------
# The cache makes each step cost one token's work instead of the whole context's, with the
# same result. Past ``max_len`` the model must condition on the last ``max_len``
# tokens only, and :func:`annotated.generate` then re-encodes the window at every step (see
# its documentation for why rolling the cache would not give the same tokens).
