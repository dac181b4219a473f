"""Rotary position embedding, RoPE (Su et al. 2021, "RoFormer").

Each pair of features :math:`(x_{2i}, x_{2i+1})` of a query or key at position :math:`m`
is rotated by the angle :math:`m\\theta_i`:

.. math::

    \\begin{pmatrix} x'_{2i} \\\\ x'_{2i+1} \\end{pmatrix} =
    \\begin{pmatrix} \\cos m\\theta_i & -\\sin m\\theta_i \\\\
                     \\sin m\\theta_i & \\cos m\\theta_i \\end{pmatrix}
    \\begin{pmatrix} x_{2i} \\\\ x_{2i+1} \\end{pmatrix},
    \\qquad \\theta_i = b^{-2i/d_k}, \\; b = 10000

Rotations preserve norms, and the product of two rotations is the rotation by the
difference, so :math:`\\langle R_m q, R_n k \\rangle = \\langle q, R_{n-m} k \\rangle`: the
score depends on the positions only through :math:`m - n`. Nothing is added to the
embeddings and nothing is learned; the values are untouched. Because scores are relative,
a KV cache of rotated keys stays valid when the window slides.
"""

from __future__ import annotations

import torch

from annotated.positional.relative import AttentionPositions


class RotaryEmbedding(AttentionPositions):
    """Rotate queries and keys by their position (RoPE).

    .. math::

        \\begin{pmatrix} x'_{2i} \\\\ x'_{2i+1} \\end{pmatrix} =
        \\begin{pmatrix} \\cos m\\theta_i & -\\sin m\\theta_i \\\\
                         \\sin m\\theta_i & \\cos m\\theta_i \\end{pmatrix}
        \\begin{pmatrix} x_{2i} \\\\ x_{2i+1} \\end{pmatrix},
        \\qquad \\theta_i = b^{-2i/d_k}

    for each feature pair of a query or key ``(batch, heads, seq, d_k)`` at position
    :math:`m`. Since :math:`\\langle R_m q, R_n k \\rangle = \\langle q, R_{n-m} k \\rangle`,
    scores depend on positions only through :math:`m - n`.

    Parameters
    ----------
    d_k : int
        Width of one head (even).
    base : float
        :math:`b` in :math:`\\theta_i = b^{-2i/d_k}`.

    Examples
    --------
    >>> import torch
    >>> from annotated import RotaryEmbedding
    >>> rope = RotaryEmbedding(d_k=8)
    >>> q = torch.randn(1, 2, 5, 8)                  # (batch, heads, seq, d_k)
    >>> r = rope.rotate(q, torch.arange(5))
    >>> torch.allclose(r.norm(dim=-1), q.norm(dim=-1))
    True
    >>> torch.equal(r[..., 0, :], q[..., 0, :])      # position 0: angle 0
    True
    """

    def __init__(self, d_k: int, base: float = 10000.0) -> None:
        super().__init__()
        if d_k % 2:
            raise ValueError(f"RoPE rotates feature pairs, so d_k must be even, got {d_k}")
        self.d_k, self.base = d_k, base

    @property
    def inv_freq(self) -> torch.Tensor:
        """The frequencies :math:`\\theta_i = b^{-2i/d_k}`, ``(d_k/2,)``, in float64.

        Computed, not stored as a buffer, so ``model.half()`` or ``model.float()`` cannot round
        them: at large positions :math:`m`, the angle :math:`m\\theta_i` needs the precision.
        """
        exponents = torch.arange(0, self.d_k, 2, dtype=torch.float64) / self.d_k
        return self.base**-exponents

    def rotate(self, x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """Rotate ``x`` ``(batch, heads, seq, d_k)`` at integer ``positions`` ``(seq,)``.

        The rotation of a pair is the product of complex numbers,

        .. math::

            x'_{2i} + \\mathrm{i}\\, x'_{2i+1}
            = (x_{2i} + \\mathrm{i}\\, x_{2i+1})\\, e^{\\mathrm{i} m\\theta_i},

        so the pairs, adjacent in memory, are read as one complex tensor
        ``(batch, heads, seq, d_k/2)`` and multiplied once: one complex product instead of
        four real products, two sums and a stack of strided halves, and so does its backward.
        bfloat16 and float16 inputs are rotated in float32 (there is no complex bfloat16).
        """
        inv_freq = self.inv_freq.to(x.device)  # (d_k/2,)
        angles = torch.outer(positions.to(x.device, torch.float64), inv_freq)  # (seq, d_k/2)
        work = x if x.dtype in (torch.float32, torch.float64) else x.float()
        pairs = work.unflatten(-1, (-1, 2))  # (batch, heads, seq, d_k/2, 2)
        if pairs.stride(-1) != 1 or any(s % 2 for s in pairs.stride()[:-1]):
            pairs = pairs.contiguous()  # a complex view needs each pair adjacent in memory
        z = torch.view_as_complex(pairs)
        turn = torch.polar(torch.ones_like(angles), angles).to(z.dtype)  # e^{i m theta_i}
        return torch.view_as_real(z * turn).flatten(-2).to(x.dtype)
