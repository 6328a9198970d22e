"""Notebook 07, slides 46-58: the sanity checks' cascades, computed once and then read from the result cache."""

from __future__ import annotations

from torch import Tensor, nn

from lecturelib.explain.sanity import Cascade, compute_cascades
from lecturelib.tooling.cache import cached

__all__ = ["RULES", "sanity_cascades"]

RULES = ("gradient", "deconv", "guided")


def sanity_cascades(
    model: nn.Module, images: Tensor, *, steps: int
) -> dict[str, Cascade]:
    """:func:`compute_cascades` of the gradient, deconvolution and guided
    back-propagation, ``steps`` randomised states, through the result cache."""
    return cached(compute_cascades, model, images, list(RULES), steps=steps)
