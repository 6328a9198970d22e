"""Notebook 05, slides 34-37: the deletion and insertion curves, computed once and then read from the result cache.

The key holds the images, the model's weights and the settings' values (steps, stride…),
never the device nor the settings profile's name: a cache filled on a GPU serves a CPU
run with the same values (``LECTURELIB_SETTINGS=lecture``). Notebook 05 scores occlusion
against the random order only; notebook 07 compares every map with the same functions.
"""

from __future__ import annotations

from torch import Tensor, nn

from lecturelib.explain.faithfulness import Curve, compute_faithfulness
from lecturelib.tooling.cache import cached

__all__ = ["ORDERS", "faithfulness_curves"]

ORDERS = ("occlusion", "random")


def faithfulness_curves(
    model: nn.Module, images: Tensor, target, orders=ORDERS, **options
) -> dict[str, tuple[Curve, Curve]]:
    """:func:`compute_faithfulness` (``options`` as its: on the photos,
    :func:`~lecturelib.explain.faithfulness.curve_options` of the settings) through the
    result cache."""
    return cached(compute_faithfulness, model, images, target, list(orders), **options)
