"""Notebook 07, slides 46-58: the sanity checks' cascades and the deletion/insertion curves of every map, computed once and then read from the result cache."""

from __future__ import annotations

from torch import Tensor, nn

from lecturelib.explain.faithfulness import (
    METHODS,
    Curve,
    compute_faithfulness,
)
from lecturelib.explain.sanity import Cascade, compute_cascades
from lecturelib.tooling.cache import cached

__all__ = ["ORDERS", "RULES", "faithfulness_curves", "sanity_cascades"]

RULES = ("gradient", "deconv", "guided")
ORDERS = (*METHODS, "random")  # every map of notebooks 05-07, and the random order


def sanity_cascades(
    model: nn.Module, images: Tensor, *, steps: int
) -> dict[str, Cascade]:
    """:func:`compute_cascades` of the gradient, deconvolution and guided
    back-propagation, ``steps`` randomised states, through the result cache."""
    return cached(compute_cascades, model, images, list(RULES), steps=steps)


def faithfulness_curves(
    model: nn.Module, images: Tensor, target, orders=ORDERS, **options
) -> dict[str, tuple[Curve, Curve]]:
    """:func:`compute_faithfulness` (``options`` as its: on the photos,
    :func:`~lecturelib.explain.faithfulness.curve_options` of the settings) through the
    result cache."""
    return cached(compute_faithfulness, model, images, target, list(orders), **options)
