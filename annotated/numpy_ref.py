"""The core equations in plain NumPy, as transparent as the math.

No autograd, no modules, no batching tricks: each function is the paper's formula written
with NumPy arrays, so a learner can read it next to the equation and step through it. Tests
hold every function equal to the PyTorch module of the same name.

Shapes follow the package: ``(batch, seq, d_model)`` and ``(batch, heads, seq, d_k)``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.floating]


def softmax(x: Array, axis: int = -1) -> Array:
    """:math:`\\mathrm{softmax}(x)_i = e^{x_i - \\max x} / \\sum_j e^{x_j - \\max x}`.

    Subtracting the maximum changes nothing mathematically and keeps :math:`e^x` finite.

    Examples
    --------
    >>> import numpy as np
    >>> from annotated.numpy_ref import softmax
    >>> softmax(np.array([0.0, np.log(3.0)]))
    array([0.25, 0.75])
    """
    shifted = x - x.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def attention(
    q: Array, k: Array, v: Array, mask: NDArray[np.bool_] | None = None
) -> tuple[Array, Array]:
    """:math:`\\mathrm{softmax}(QK^\\top/\\sqrt{d_k})V`; masked (False) positions get weight 0.

    ``q`` ``(..., seq_q, d_k)``, ``k`` ``(..., seq_k, d_k)``, ``v`` ``(..., seq_k, d_v)``.
    A fully masked row gives zero weights. Returns the output and the weights.

    Examples
    --------
    >>> import numpy as np
    >>> from annotated.numpy_ref import attention
    >>> q = k = v = np.eye(2)[None]                  # (batch, seq, d_k)
    >>> out, p = attention(q, k, v, mask=np.array([[True, False], [True, True]]))
    >>> p[0, 0]
    array([1., 0.])
    """
    d_k = q.shape[-1]
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(d_k)
    if mask is None:
        p = softmax(scores)
    else:
        scores = np.where(mask, scores, -np.inf)
        row_open = mask.any(axis=-1, keepdims=True)
        p = np.where(mask, softmax(np.where(row_open, scores, 0.0)), 0.0)
    return p @ v, p


def multi_head_attention(
    query: Array,
    key: Array,
    value: Array,
    w_q: Array,
    w_k: Array,
    w_v: Array,
    w_o: Array,
    h: int,
    mask: NDArray[np.bool_] | None = None,
) -> Array:
    """:math:`\\mathrm{Concat}(\\mathrm{head}_1..\\mathrm{head}_h) W^O`, no biases.

    ``query`` ``(batch, seq_q, d_model)``; the ``w_*`` are ``(d_model, d_model)`` matrices
    applied as ``x @ w`` (so ``w = linear.weight.T`` of a PyTorch layer); ``mask`` broadcasts
    to ``(batch, heads, seq_q, seq_k)``.

    Examples
    --------
    >>> import numpy as np
    >>> from annotated.numpy_ref import multi_head_attention
    >>> x = np.random.default_rng(0).normal(size=(1, 3, 4))
    >>> eye = np.eye(4)
    >>> multi_head_attention(x, x, x, eye, eye, eye, eye, h=2).shape
    (1, 3, 4)
    """
    batch, _, d_model = query.shape
    d_k = d_model // h

    def split(x: Array) -> Array:  # (batch, seq, d_model) -> (batch, h, seq, d_k)
        return x.reshape(batch, -1, h, d_k).transpose(0, 2, 1, 3)

    heads, _ = attention(split(query @ w_q), split(key @ w_k), split(value @ w_v), mask)
    concat = heads.transpose(0, 2, 1, 3).reshape(batch, -1, d_model)
    return concat @ w_o


def layer_norm(x: Array, gamma: Array, beta: Array, eps: float = 1e-5) -> Array:
    """:math:`\\gamma (x - \\mu)/\\sqrt{\\sigma^2 + \\epsilon} + \\beta` over the last axis (biased variance).

    Examples
    --------
    >>> import numpy as np
    >>> from annotated.numpy_ref import layer_norm
    >>> layer_norm(np.array([1.0, 3.0]), np.ones(2), np.zeros(2), eps=0.0)
    array([-1.,  1.])
    """
    mu = x.mean(axis=-1, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=-1, keepdims=True)
    return gamma * (x - mu) / np.sqrt(var + eps) + beta


def feed_forward(x: Array, w_1: Array, b_1: Array, w_2: Array, b_2: Array) -> Array:
    """:math:`\\max(0, x W_1 + b_1) W_2 + b_2`, applied to each position.

    Examples
    --------
    >>> import numpy as np
    >>> from annotated.numpy_ref import feed_forward
    >>> feed_forward(np.array([[1.0, -1.0]]), np.eye(2), np.zeros(2), np.eye(2), np.zeros(2))
    array([[1., 0.]])
    """
    return np.maximum(0.0, x @ w_1 + b_1) @ w_2 + b_2


def positional_encoding(max_len: int, d_model: int) -> Array:
    """:math:`PE_{(pos,2i)} = \\sin(pos/10000^{2i/d})`, :math:`PE_{(pos,2i+1)} = \\cos(pos/10000^{2i/d})`.

    Examples
    --------
    >>> from annotated.numpy_ref import positional_encoding
    >>> positional_encoding(2, 4).round(4)
    array([[0.    , 1.    , 0.    , 1.    ],
           [0.8415, 0.5403, 0.01  , 1.    ]])
    """
    pe = np.zeros((max_len, d_model))
    for pos in range(max_len):
        for i in range(0, d_model, 2):
            angle = pos / 10000 ** (i / d_model)
            pe[pos, i] = np.sin(angle)
            pe[pos, i + 1] = np.cos(angle)
    return pe
