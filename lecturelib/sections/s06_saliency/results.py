"""Notebook 06, slides 38-45: the sanity checks' cascades, computed once and then read from the result cache."""

from __future__ import annotations

from torch import Tensor, nn

from lecturelib.explain.sanity import Cascade, compute_cascades
from lecturelib.tooling.cache import cached

__all__ = ["METHODS", "sanity_cascades"]

METHODS = ("gradient", "smoothgrad")


def sanity_cascades(
    model: nn.Module, images: Tensor, *, steps: int, n: int
) -> dict[str, Cascade]:
    """:func:`compute_cascades` of the gradient and SmoothGrad (``n`` noisy copies),
    ``steps`` randomised states, through the result cache."""
    return cached(compute_cascades, model, images, list(METHODS), steps=steps, n=n)
