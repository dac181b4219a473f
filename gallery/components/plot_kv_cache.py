"""
===================
The key/value cache
===================

A decoder generates one token at a time, and the keys and values of the earlier tokens do
not change (the causal mask keeps them from seeing later ones). :class:`annotated.KVCache`
keeps them, so each step projects only the newest token. This example feeds a sequence to
one :class:`annotated.MultiHeadedAttention` layer token by token with a cache, checks that
it gives the same outputs as one causal pass over the whole sequence, and times both.
"""

# %%
# Token by token equals all at once
# ---------------------------------
# The full pass uses the causal mask; the cached pass needs none, since at each step the
# cache holds exactly the tokens the new one may see.
import torch

from annotated import KVCache, MultiHeadedAttention, subsequent_mask

torch.manual_seed(0)
mha = MultiHeadedAttention(h=4, d_model=64, dropout=0.0).eval()
x = torch.randn(1, 12, 64)  # (batch, seq, d_model)

with torch.no_grad():
    full = mha(x, x, x, mask=subsequent_mask(12))  # (batch, seq, d_model)
    cache = KVCache()
    steps = [mha(x[:, t : t + 1], x[:, t : t + 1], x[:, t : t + 1], cache=cache) for t in range(12)]
incremental = torch.cat(steps, dim=1)
torch.testing.assert_close(incremental, full)
print("cached keys:", tuple(cache.keys.shape), " positions:", cache.key_positions.tolist())
print("token-by-token with a cache == one causal pass")

# %%
# What the cache saves
# --------------------
# Without a cache, producing token :math:`t` means running the layer over all :math:`t`
# tokens again; with it, over one. Time one decoding step at growing prefix lengths.
import time

import matplotlib.pyplot as plt


def step_time(fn, *args, repeat: int = 5) -> float:
    """The best of ``repeat`` timings of ``fn(*args)``, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - start)
    return best


def without_cache(prefix: torch.Tensor) -> torch.Tensor:
    """Recompute the layer over the whole prefix to get the newest token's output."""
    t = prefix.size(1)
    return mha(prefix, prefix, prefix, mask=subsequent_mask(t))[:, -1:]


def with_cache(new: torch.Tensor, cache: KVCache) -> torch.Tensor:
    """Project only the newest token; attend to the cached keys and values."""
    return mha(new, new, new, cache=cache)


lengths = [16, 64, 128, 256, 512]
uncached, cached = [], []
with torch.no_grad():
    for t in lengths:
        prefix = torch.randn(1, t, 64)
        uncached.append(step_time(without_cache, prefix))
        warm = KVCache()  # holds the first t - 1 tokens; each timed step appends one more
        head = prefix[:, :-1]
        mha(head, head, head, mask=subsequent_mask(t - 1), cache=warm)
        cached.append(step_time(with_cache, prefix[:, -1:], warm))

fig, ax = plt.subplots(figsize=(6.5, 3.6))
ax.plot(lengths, [1e3 * s for s in uncached], marker="o", label="recompute the prefix")
ax.plot(lengths, [1e3 * s for s in cached], marker="o", label="with KVCache")
ax.set_xlabel("prefix length t")
ax.set_ylabel("one step (ms)")
ax.set_title("One attention layer, one new token")
ax.legend()
fig.tight_layout()
for t, u, c in zip(lengths, uncached, cached, strict=True):
    print(f"t = {t:4d}: {1e3 * u:6.2f} ms without cache, {1e3 * c:6.2f} ms with, x{u / c:.1f}")

# %%
# Conclusion
# ----------
# The cache turns each decoding step from a pass over the whole prefix into a pass over one
# token plus its attention to the cached keys. It must also remember *where* the new token
# is (``cache.seen``): a position scheme has to place it after the prefix, not at 0.
