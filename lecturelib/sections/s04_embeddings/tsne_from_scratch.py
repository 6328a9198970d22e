"""Notebook 04, slides 28-33: t-SNE written out, to check the algorithm behind ``embed``.

van der Maaten & Hinton (2008), exact (no Barnes-Hut), for a few hundred points:

* :func:`conditional_affinities` — p_{j|i} ∝ exp(-β_i |x_i - x_j|²), with β_i = 1/(2σ_i²)
  found by a binary search so that each row's perplexity 2^H (H in bits) is the target;
* :func:`joint_affinities` — the symmetrised P = (P_cond + P_condᵀ) / 2N;
* :func:`student_t` — w_ij = (1 + |y_i - y_j|²)⁻¹ and Q = W / Σ W;
* :func:`kl_divergence` — KL(P‖Q), differentiable (torch), and :func:`kl_gradient`,
  its closed form 4 Σ_j (p_ij - q_ij) w_ij (y_i - y_j);
* :func:`tsne` — gradient descent with momentum and early exaggeration.

Everything runs in float64 on the CPU: N² pairs, meant for N up to a few thousand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from lecturelib.core.threads import single_thread
from lecturelib.core.validate import check_finite, check_float, check_int

__all__ = [
    "TSNEResult",
    "conditional_affinities",
    "joint_affinities",
    "kl_divergence",
    "kl_gradient",
    "row_perplexity",
    "student_t",
    "tsne",
]


def _points(x, name: str) -> Tensor:
    if isinstance(x, Tensor):
        t = x.detach().cpu().double()
    else:
        t = torch.as_tensor(np.asarray(x, dtype=np.float64))
    if t.dim() != 2 or len(t) < 3:
        raise ValueError(
            f"{name} must be (N, D) with N >= 3; got shape {tuple(t.shape)}"
        )
    return check_finite(name, t)


def _sq_distances(x: Tensor) -> Tensor:
    sq = (x * x).sum(1)
    return (sq[:, None] + sq[None, :] - 2 * x @ x.T).clamp_min(0)


def _gaussian_rows(beta: Tensor, d: Tensor) -> Tensor:
    """exp(-β_i d_ij) normalised per row; below e^-460 (1e-200) a weight is set to 0 (no subnormal
    numbers: they make every later product on P dozens of times slower)."""
    arg = beta[:, None] * d
    p = torch.where(arg < 460, torch.exp(-arg.clamp_max(460)), torch.zeros_like(arg))
    return p / p.sum(1, keepdim=True)


def row_perplexity(p_cond: Tensor) -> Tensor:
    """Each row's perplexity 2^H(P_i), H in bits (= exp of the entropy in nats)."""
    logs = torch.where(p_cond > 0, p_cond.log(), torch.zeros_like(p_cond))
    return torch.exp(-(p_cond * logs).sum(1))


def conditional_affinities(
    x, perplexity: float = 30.0, *, tol: float = 1e-10, max_steps: int = 200
) -> tuple[Tensor, Tensor]:
    """p_{j|i}: a Gaussian around each x_i whose width gives the target perplexity.

    Args:
        x: (N, D) points (tensor or array).
        perplexity: the effective number of neighbours, in [1, N - 1).
        tol: stop when every row's entropy (nats) is within ``tol`` of log(perplexity).
        max_steps: bisection steps at most (each halves the bracket of every row).
    Returns:
        ``(p_cond, beta)``: (N, N) float64, rows summing to 1, zero diagonal; (N,) the
        precisions β_i = 1 / (2σ_i²) found by bisection.
    """
    x = _points(x, "x")
    n = len(x)
    perplexity = check_float("perplexity", perplexity, low=1.0, high=n - 1.0)
    if perplexity >= n - 1:
        raise ValueError(
            f"perplexity must be in [1, {n - 1}) for {n} points; got {perplexity}"
        )
    tol = check_float("tol", tol, low=0.0)
    max_steps = check_int("max_steps", max_steps, low=1)
    d = _sq_distances(x)
    d.fill_diagonal_(float("inf"))
    d = d - d.amin(
        1, keepdim=True
    )  # shift each row: exp() never underflows to all zeros
    target = math.log(perplexity)
    beta = torch.ones(n, dtype=torch.float64)
    lo = torch.zeros(n, dtype=torch.float64)
    hi = torch.full((n,), float("inf"), dtype=torch.float64)
    for _ in range(max_steps):
        p = _gaussian_rows(beta, d)
        entropy = torch.log(row_perplexity(p))
        gap = entropy - target
        if gap.abs().max() < tol:
            break
        too_wide = gap > 0  # entropy too high: narrow the Gaussian (raise β)
        lo = torch.where(too_wide, beta, lo)
        hi = torch.where(too_wide, hi, beta)
        beta = torch.where(hi.isinf(), beta * 2, (lo + hi) / 2)
    return _gaussian_rows(beta, d), beta


def joint_affinities(p_cond: Tensor) -> Tensor:
    """The symmetric P = (P_cond + P_condᵀ) / 2N: sums to 1, p_ij ≥ 1/2N Σ_j p_{j|i}."""
    if (
        not isinstance(p_cond, Tensor)
        or p_cond.dim() != 2
        or p_cond.shape[0] != p_cond.shape[1]
    ):
        raise ValueError("p_cond must be a square (N, N) tensor")
    return (p_cond + p_cond.T) / (2 * len(p_cond))


def student_t(y: Tensor) -> tuple[Tensor, Tensor]:
    """``(q, w)``: w_ij = 1 / (1 + |y_i - y_j|²) (zero diagonal) and q = w / Σ w."""
    w = 1.0 / (1.0 + _sq_distances(y))
    w = w * (1 - torch.eye(len(y), dtype=w.dtype))
    return w / w.sum(), w


def kl_divergence(p: Tensor, y: Tensor) -> Tensor:
    """KL(P‖Q) = Σ p_ij log(p_ij / q_ij), Q the Student-t similarities of ``y``."""
    q, _ = student_t(y)
    mask = p > 0
    return (p[mask] * (p[mask].log() - q[mask].clamp_min(1e-300).log())).sum()


def kl_gradient(p: Tensor, y: Tensor) -> Tensor:
    """∂KL/∂y_i = 4 Σ_j (p_ij - q_ij) w_ij (y_i - y_j), as an (N, d) tensor."""
    q, w = student_t(y)
    m = (p - q) * w
    return 4 * (m.sum(1, keepdim=True) * y - m @ y)


@dataclass
class TSNEResult:
    """What :func:`tsne` returns.

    Attributes:
        points: (N, n_components) float32 array, the embedding.
        kl: KL(P‖Q) after each iteration (with the true P, also while exaggerated).
        p: the (N, N) joint affinities P.
        exaggeration_steps: how many of the iterations used the exaggerated P.
    """

    points: np.ndarray
    kl: list[float]
    p: Tensor
    exaggeration_steps: int


def tsne(
    x,
    *,
    perplexity: float = 30.0,
    n_components: int = 2,
    steps: int = 500,
    learning_rate: float | None = None,
    exaggeration: float = 12.0,
    exaggeration_steps: int = 100,
    momentum: tuple[float, float] = (0.5, 0.8),
    seed: int = 0,
) -> TSNEResult:
    """t-SNE from scratch: gradient descent on KL(P‖Q) with momentum.

    For the first ``exaggeration_steps`` iterations P is multiplied by ``exaggeration``
    (clusters form first, then spread) and the momentum is ``momentum[0]``; then the
    true P and ``momentum[1]``. Each coordinate's step has a gain, as in the authors'
    code: +0.2 while the gradient keeps its direction, ×0.8 when it turns. The start
    is N(0, 1e-4²), seeded.

    Args:
        x: (N, D) points. perplexity: in [1, N - 1). steps: iterations, ≥ 1.
        learning_rate: > 0; None: max(N / exaggeration / 4, 50), scikit-learn's
            ``"auto"`` (Belkina et al., 2019).
        exaggeration: ≥ 1. exaggeration_steps: in [0, steps].
        momentum: (early, late), each in [0, 1). seed: the start's seed.
    Returns:
        :class:`TSNEResult`.
    """
    x = _points(x, "x")
    n_components = check_int("n_components", n_components, low=1, high=3)
    steps = check_int("steps", steps, low=1)
    exaggeration = check_float("exaggeration", exaggeration, low=1.0)
    if learning_rate is None:
        learning_rate = max(len(x) / exaggeration / 4, 50.0)
    learning_rate = check_float("learning_rate", learning_rate, low=0.0)
    if learning_rate == 0:
        raise ValueError("learning_rate must be > 0; got 0")
    exaggeration_steps = check_int(
        "exaggeration_steps", exaggeration_steps, low=0, high=steps
    )
    if not isinstance(momentum, (tuple, list)) or len(momentum) != 2:
        raise ValueError(
            f"momentum must be two numbers (early, late); got {momentum!r}"
        )
    early, late = (check_float("momentum", m, low=0.0, high=1.0) for m in momentum)
    if max(early, late) >= 1:
        raise ValueError(f"momentum must be in [0, 1); got {momentum!r}")
    gen = torch.Generator().manual_seed(check_int("seed", seed, low=0))
    y = 1e-4 * torch.randn(len(x), n_components, generator=gen, dtype=torch.float64)
    velocity, gains = torch.zeros_like(y), torch.ones_like(y)
    history = []
    with single_thread():  # N² ops on a few hundred points: extra threads only spin
        p = joint_affinities(conditional_affinities(x, perplexity)[0])
        for step in range(steps):
            exaggerated = step < exaggeration_steps
            grad = kl_gradient(p * exaggeration if exaggerated else p, y)
            same_way = (grad > 0) != (velocity > 0)  # the gradient pushes on
            gains = torch.where(same_way, gains + 0.2, gains * 0.8).clamp_min(0.01)
            rate = learning_rate * gains
            velocity = (early if exaggerated else late) * velocity - rate * grad
            y = y + velocity
            history.append(kl_divergence(p, y).item())
    return TSNEResult(y.float().numpy(), history, p, exaggeration_steps)
