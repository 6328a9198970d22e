"""What the sections' exercise checks share: tiny seeded models, and comparisons that
say what is wrong with an answer without giving the expected value away."""

from __future__ import annotations

import math

import torch
from torch import nn

__all__ = ["close", "number", "tiny_cnn", "tiny_images", "within"]


def tiny_cnn(seed: int = 0, relu=nn.ReLU) -> nn.Sequential:
    """A seeded 3-channel convnet with 5 outputs, in eval mode (for coding checks)."""
    gen = torch.Generator().manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        relu(),
        nn.Conv2d(4, 4, 3, padding=1),
        relu(),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Linear(16, 5),
    )
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    return model.eval()


def tiny_images(n: int = 2, seed: int = 1, size: int = 8) -> torch.Tensor:
    """(n, 3, size, size) seeded normal images."""
    return torch.randn(n, 3, size, size, generator=torch.Generator().manual_seed(seed))


def number(value) -> float | None:
    """``value`` as a finite float, or ``None`` (bools, strings, NaN are not numbers)."""
    if isinstance(value, (bool, str)):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError, RuntimeError):
        return None
    return x if math.isfinite(x) else None


def within(answer, truth: float, *, rel: float = 0.0, abs_: float = 0.0) -> str | None:
    """A prediction's check: ``None`` when ``answer`` is within ``max(abs_, rel·|truth|)``
    of ``truth``; otherwise a diagnostic that does not give ``truth`` away."""
    x = number(answer)
    if x is None:
        return f"Expected a number, got {type(answer).__name__}."
    return None if abs(x - truth) <= max(abs_, rel * abs(truth)) else ""


def close(
    got, expected: torch.Tensor, *, rtol: float = 1e-4, atol: float = 1e-6
) -> str | None:
    """A function's result on a hidden case: ``None`` when it is a tensor close to
    ``expected``; otherwise what is wrong (type, shape, or values), never the values."""
    if not isinstance(got, torch.Tensor):
        return f"Your function returned {type(got).__name__}, not a tensor."
    if tuple(got.shape) != tuple(expected.shape):
        return (
            f"On a test case your function returned shape {tuple(got.shape)}; "
            f"expected {tuple(expected.shape)}."
        )
    got = got.detach().to(torch.float64)
    if not bool(torch.isfinite(got).all()):
        return "Your result holds NaN or inf on a test case."
    if torch.allclose(got, expected.detach().to(torch.float64), rtol=rtol, atol=atol):
        return None
    return "Right shape, wrong values on a test case (drawn with another seed)."
