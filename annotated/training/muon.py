"""Muon (Jordan et al. 2024): momentum whose update for each hidden matrix is orthogonalised.

For a weight matrix :math:`W \\in \\mathbb{R}^{r \\times c}` inside the blocks, Muon keeps
a momentum buffer of the gradients and steps along its nearest semi-orthogonal matrix,

.. math::

    m_s &= \\mu\\, m_{s-1} + g_s, \\qquad u_s = g_s + \\mu\\, m_s \\quad \\text{(Nesterov)} \\\\
    W_s &= W_{s-1} (1 - \\eta_s \\lambda)
        - \\eta_s \\sqrt{\\max(1, r / c)}\\ \\mathrm{NS}(u_s),
        \\qquad \\mathrm{NS}(u) \\approx U V^\\top \\text{ for } u = U \\Sigma V^\\top.

*Why.* A gradient matrix of a Transformer is nearly low-rank: a few directions dominate and
an update along it mostly re-learns them. Replacing :math:`\\Sigma` by the identity gives
every direction of the update the same size, so the rare directions learn as fast as the
common ones; the step's spectral norm is about :math:`\\eta` (times the shape factor
below) whatever the gradient's scale.
:func:`newton_schulz` computes :math:`U V^\\top` approximately in five matrix polynomials,
cheap enough to do every step. The factor :math:`\\sqrt{\\max(1, r/c)}` gives a tall matrix
(more outputs than inputs, e.g. SwiGLU's :math:`W_1`) an update of the same root-mean-square
entry as a square one.

Orthogonalising only makes sense for a matrix that maps one hidden space into another. The
token embedding is a lookup table whose rows move independently (a row's gradient is zero
unless its token occurs), the output head is read one row per token the same way, and
vectors (norm gains, biases) have no singular vectors: all of them keep AdamW, in the same
optimizer (:func:`make_optimizer`), as modded-nanogpt does.

References: K. Jordan et al., "Muon: an optimizer for hidden layers in neural networks" (2024),
and the modded-nanogpt speedrun; J. Bernstein & L. Newhouse, "Old optimizer, new norm" (2024).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import torch
from torch import nn

from annotated.training.adamw import decay_groups
from annotated.training.precision import has_native_bf16

# the quintic's coefficients: a large slope at 0 (a = 3.4445) pulls small singular values up
# fast, at the price of not converging to exactly 1 (modded-nanogpt's tuning)
NS_COEFFICIENTS = (3.4445, -4.7750, 2.0315)


def newton_schulz(
    G: torch.Tensor, steps: int = 5, eps: float = 1e-7, dtype: torch.dtype | None = None
) -> torch.Tensor:
    """The semi-orthogonal factor :math:`U V^\\top` of ``G``, by a quintic Newton-Schulz iteration.

    .. math::

        X_0 = \\frac{G}{\\lVert G \\rVert_F + \\epsilon}, \\qquad
        A_k = X_k X_k^\\top, \\qquad
        X_{k+1} = a X_k + (b A_k + c A_k^2) X_k

    with :math:`(a, b, c) = (3.4445, -4.7750, 2.0315)`. Each step is an *odd* matrix
    polynomial, :math:`X \\mapsto p(X) = a X + b X X^\\top X + c (X X^\\top)^2 X`, and for
    :math:`X = U \\Sigma V^\\top` it is :math:`U\\, p(\\Sigma)\\, V^\\top`: the singular vectors
    stay and each singular value :math:`\\sigma` becomes :math:`p(\\sigma)`, a scalar
    :math:`p(\\sigma) = a\\sigma + b\\sigma^3 + c\\sigma^5`. Dividing by the Frobenius norm
    puts every :math:`\\sigma` in :math:`[0, 1]` (it bounds the largest); there five steps
    of :math:`p` push every :math:`\\sigma \\ge 0.002` into :math:`[0.68, 1.21]` -- an
    approximation of :math:`U V^\\top`, the nearest semi-orthogonal matrix to :math:`G`, in
    fifteen matrix products and without a singular value decomposition. The coefficients
    trade exactness (a cubic would converge to 1) for speed: the slope :math:`a` lifts a
    small :math:`\\sigma` 3.4 times per step. A matrix with more rows than columns is
    transposed first, so that :math:`A` is the smaller Gram matrix.

    A stack of matrices of one shape is orthogonalised at once (batched products, one call
    for all the layers' matrices of that shape), and the products can run in bfloat16: the
    iteration only has to land each :math:`\\sigma` somewhere in a wide band, which an 8-bit
    mantissa does (the band widens to about :math:`[0.65, 1.24]`, tested), and on a CPU with
    ``avx512_bf16`` batched bfloat16 products run faster than float32 ones.

    Parameters
    ----------
    G : torch.Tensor
        ``(..., rows, cols)``, a gradient or momentum matrix, or a stack of them.
    steps : int
        Iterations of the quintic.
    eps : float
        :math:`\\epsilon`, so that a zero matrix stays zero.
    dtype : torch.dtype, optional
        The dtype of the products (``torch.bfloat16`` for speed); ``None`` keeps ``G``'s.

    Returns
    -------
    torch.Tensor
        ``(..., rows, cols)`` in ``G``'s dtype, with ``G``'s singular vectors and singular
        values near 1.

    Examples
    --------
    >>> import torch
    >>> from annotated import newton_schulz
    >>> G = torch.randn(16, 4, generator=torch.Generator().manual_seed(0))
    >>> O = newton_schulz(G)
    >>> O.shape                                       # (rows, cols)
    torch.Size([16, 4])
    >>> s = torch.linalg.svdvals(O)
    >>> bool(((s > 0.68) & (s < 1.21)).all())         # O^T O is near the identity
    True
    >>> stack = torch.stack([G, 2 * G])               # (2, 16, 4): one call for both
    >>> torch.allclose(newton_schulz(stack)[1], O, atol=1e-6)
    True
    """
    if G.dim() < 2:
        raise ValueError(
            f"newton_schulz takes a (..., rows, cols) matrix, got shape {tuple(G.shape)}"
        )
    a, b, c = NS_COEFFICIENTS
    X = (G / (torch.linalg.matrix_norm(G, keepdim=True) + eps)).to(dtype or G.dtype)
    tall = X.size(-2) > X.size(-1)
    if tall:
        X = X.mT  # (cols, rows): A is (cols, cols), the smaller side
    X = X.reshape(-1, *X.shape[-2:])  # (stack, short, long): one batched product for all
    for _ in range(steps):
        A = X @ X.mT
        B = torch.baddbmm(A, A, A, beta=b, alpha=c)  # b A + c A^2 in one call
        X = torch.baddbmm(X, B, X, beta=a)  # a X + B X
    X = X.reshape(G.mT.shape if tall else G.shape)
    return (X.mT if tall else X).to(G.dtype)


class Muon(torch.optim.Optimizer):
    """Muon for the parameter groups flagged ``muon=True``, AdamW for those with ``muon=False``.

    A Muon group's matrices :math:`W \\in \\mathbb{R}^{r \\times c}` step along the
    orthogonalised Nesterov momentum (the module's equations); an AdamW group's parameters
    take the standard bias-corrected AdamW step with decoupled decay,

    .. math::

        W_s &= W_{s-1}(1 - \\eta_s\\lambda) - \\eta_s \\sqrt{\\max(1, r/c)}\\,
            \\mathrm{NS}(g_s + \\mu m_s), \\qquad m_s = \\mu m_{s-1} + g_s \\\\
        \\theta_s &= \\theta_{s-1}(1 - \\eta_s\\lambda) - \\eta_s
            \\frac{\\hat m_s}{\\sqrt{\\hat v_s} + \\epsilon}, \\qquad
            \\hat m_s = \\frac{m_s}{1 - \\beta_1^s}, \\quad \\hat v_s = \\frac{v_s}{1 - \\beta_2^s}

    (the second line is :class:`torch.optim.AdamW`'s, step for step). Each group has its own
    ``lr``; :func:`~annotated.train` sets it to the schedule's rate times the group's
    ``lr_scale``, so one schedule drives both rates. The state (momenta, moments, step
    counts) saves and loads with :meth:`state_dict` like any optimizer's.

    Parameters
    ----------
    params : iterable of dict
        Parameter groups, each with a ``muon`` flag; a Muon group holds 2-D tensors only.
    lr : float
        The default :math:`\\eta` of a group that sets none.
    momentum : float
        Muon's :math:`\\mu`.
    betas : tuple of float
        AdamW's :math:`(\\beta_1, \\beta_2)`.
    eps : float
        AdamW's :math:`\\epsilon`.
    weight_decay : float
        The default :math:`\\lambda` of a group that sets none.
    ns_steps : int
        Newton-Schulz iterations per Muon update.
    ns_dtype : str, optional
        The dtype of Newton-Schulz's products: ``"bfloat16"`` (as Jordan et al.; faster on
        hardware that multiplies it natively), ``None`` for the parameters' own, or
        ``"auto"``, bfloat16 where the parameters' device multiplies it natively and their
        own dtype elsewhere (:func:`~annotated.training.precision.has_native_bf16`). The
        matrices of one shape are orthogonalised together, one batched call per shape.

    Examples
    --------
    >>> import torch
    >>> from annotated import Muon
    >>> W, b = torch.nn.Parameter(torch.eye(2)), torch.nn.Parameter(torch.zeros(2))
    >>> groups = [{"params": [W], "muon": True}, {"params": [b], "muon": False}]
    >>> opt = Muon(groups, lr=0.1, ns_dtype=None)     # float32 products: the exact figure
    >>> W.grad, b.grad = torch.tensor([[1.0, 0.0], [0.0, 0.0]]), torch.ones(2)
    >>> opt.step()

    ``W`` moves along the gradient's one direction by :math:`\\eta\\, p^5(1) \\approx 0.07`
    (:func:`newton_schulz`), the bias by AdamW's first step, :math:`\\eta` against the sign:

    >>> W.data, b.data
    (tensor([[0.9304, 0.0000],
            [0.0000, 1.0000]]), tensor([-0.1000, -0.1000]))
    """

    def __init__(
        self,
        params: Iterable[dict[str, Any]],
        lr: float = 0.02,
        momentum: float = 0.95,
        betas: tuple[float, float] = (0.9, 0.99),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        ns_steps: int = 5,
        ns_dtype: str | None = "auto",
    ) -> None:
        defaults = {
            "lr": lr, "momentum": momentum, "betas": betas, "eps": eps,
            "weight_decay": weight_decay, "ns_steps": ns_steps, "ns_dtype": ns_dtype,
        }  # fmt: skip
        super().__init__(params, defaults)
        for group in self.param_groups:
            if "muon" not in group:
                raise ValueError("every Muon parameter group needs muon=True or muon=False")
            if group["muon"] and any(p.dim() != 2 for p in group["params"]):
                raise ValueError("a muon=True parameter group may hold only 2-D matrices")

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        """One update of every parameter that has a gradient (``closure`` re-evaluates the loss)."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if group["muon"]:
                for shape in dict.fromkeys(p.shape for p in params):
                    self._muon([p for p in params if p.shape == shape], group)
            else:
                for p in params:
                    self._adamw(p, p.grad, self.state[p], group)
        return loss

    def _muon(self, params: list[torch.Tensor], group: dict[str, Any]) -> None:
        """:math:`W \\leftarrow W(1 - \\eta\\lambda) - \\eta\\sqrt{\\max(1, r/c)}\\,\\mathrm{NS}(g + \\mu m)` for matrices of one shape."""
        lr, mu = group["lr"], group["momentum"]
        looks = []
        for p in params:
            assert p.grad is not None
            m = self.state[p].setdefault("momentum_buffer", torch.zeros_like(p))
            m.mul_(mu).add_(p.grad)
            looks.append(p.grad.add(m, alpha=mu))  # Nesterov: look one momentum step ahead
        name = group.get("ns_dtype")  # absent from optimizers saved before it existed: float32
        if name == "auto":
            name = "bfloat16" if has_native_bf16(params[0].device.type) else None
        dtype = getattr(torch, name) if name else None
        updates = newton_schulz(torch.stack(looks), group["ns_steps"], dtype=dtype)
        rows, cols = params[0].shape
        torch._foreach_mul_(params, 1 - lr * group["weight_decay"])
        torch._foreach_add_(params, updates.unbind(0), alpha=-lr * max(1.0, rows / cols) ** 0.5)

    @staticmethod
    def _adamw(p: torch.Tensor, g: torch.Tensor, state: dict[str, Any], group: dict) -> None:
        """:math:`\\theta \\leftarrow \\theta(1 - \\eta\\lambda) - \\eta\\,\\hat m / (\\sqrt{\\hat v} + \\epsilon)`."""
        lr, (beta1, beta2) = group["lr"], group["betas"]
        if not state:
            state.update(step=0, exp_avg=torch.zeros_like(p), exp_avg_sq=torch.zeros_like(p))
        state["step"] += 1
        m, v, s = state["exp_avg"], state["exp_avg_sq"], state["step"]
        m.lerp_(g, 1 - beta1)
        v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
        p.mul_(1 - lr * group["weight_decay"])
        denom = (v.sqrt() / (1 - beta2**s) ** 0.5).add_(group["eps"])
        p.addcdiv_(m, denom, value=-lr / (1 - beta1**s))


def make_optimizer(
    model: nn.Module,
    *,
    lr: float,
    muon_lr: float,
    weight_decay: float,
    momentum: float = 0.95,
    betas: tuple[float, float] = (0.9, 0.99),
    eps: float = 1e-8,
) -> Muon:
    """A :class:`Muon` for a GPT: the blocks' matrices by Muon, everything else by AdamW.

    The 2-D weights inside ``model.blocks`` (attention's :math:`W^Q, W^K, W^V, W^O`, the
    feed-forward's matrices) form the Muon group; the token embedding :math:`E`, the output
    head (once when tied to :math:`E`) and every vector go to AdamW, the matrices decayed and
    the vectors not (:func:`~annotated.training.adamw.decay_groups`). The Muon group
    carries ``lr_scale`` :math:`= \\eta_{Muon} / \\eta`, so that the loop's schedule, which
    sets each group's rate to :math:`\\eta_s \\cdot` ``lr_scale``, warms up and decays both
    rates together:

    .. math::

        \\eta^{Muon}_s = \\eta_s \\frac{\\eta_{Muon}}{\\eta}, \\qquad \\eta^{AdamW}_s = \\eta_s.

    Parameters
    ----------
    model : torch.nn.Module
        A model whose hidden layers are ``model.blocks`` (a :class:`~annotated.GPT`).
    lr : float
        :math:`\\eta`, AdamW's peak rate (the schedule's).
    muon_lr : float
        :math:`\\eta_{Muon}`, Muon's peak rate.
    weight_decay : float
        :math:`\\lambda` for every matrix, Muon's and AdamW's.
    momentum : float
        Muon's :math:`\\mu`.
    betas : tuple of float
        AdamW's :math:`(\\beta_1, \\beta_2)`.
    eps : float
        AdamW's :math:`\\epsilon`.

    Returns
    -------
    Muon
        Groups: the Muon matrices, then AdamW's matrices, then AdamW's vectors.

    Examples
    --------
    >>> from annotated import GPT, GPTConfig, make_optimizer
    >>> config = GPTConfig(vocab_size=10, max_len=8, N=1, h=2, d_model=8, positions="rope")
    >>> opt = make_optimizer(GPT(config), lr=1e-3, muon_lr=0.02, weight_decay=0.1)
    >>> [(g["muon"], len(g["params"]), g.get("lr_scale", 1.0)) for g in opt.param_groups]
    [(True, 6, 20.0), (False, 1, 1.0), (False, 12, 1.0)]

    Six matrices (:math:`W^Q, W^K, W^V, W^O, W_1, W_2`) by Muon; the tied :math:`E` alone,
    then the biases and norm gains, by AdamW.
    """
    blocks = model.get_submodule("blocks")
    hidden = [p for p in blocks.parameters() if p.requires_grad and p.dim() == 2]
    inside = {id(p) for p in hidden}
    rest = [p for p in model.parameters() if p.requires_grad and id(p) not in inside]
    muon = {"params": hidden, "muon": True, "lr": muon_lr, "lr_scale": muon_lr / lr}
    adam = [g | {"muon": False} for g in decay_groups(rest, weight_decay)]
    groups = [g for g in (muon, *adam) if g["params"]]
    return Muon(groups, lr=lr, momentum=momentum, betas=betas, eps=eps, weight_decay=weight_decay)
