"""Notebook 05, slides 34-37: the deletion and insertion curves, computed once and then read from the result cache.

The key holds the images, the model's weights and the settings' values (steps, stride…),
never the device nor the settings profile's name: a cache filled on a GPU serves a CPU
run with the same values (``LECTURELIB_SETTINGS=lecture``).
"""

from __future__ import annotations

from torch import Tensor, nn

from lecturelib.core.settings import Settings
from lecturelib.explain.faithfulness import Curve, compute_faithfulness
from lecturelib.tooling.cache import cached

__all__ = ["ORDERS", "faithfulness_curves", "photo_curves"]

ORDERS = ("occlusion", "gradient", "smoothgrad", "guided", "deconv", "random")


def faithfulness_curves(
    model: nn.Module, images: Tensor, target, orders=ORDERS, **options
) -> dict[str, tuple[Curve, Curve]]:
    """:func:`compute_faithfulness` (``options`` as its) through the result cache."""
    return cached(compute_faithfulness, model, images, target, list(orders), **options)


def photo_curves(
    model: nn.Module, photos: Tensor, target, settings: Settings, orders=ORDERS
) -> dict[str, tuple[Curve, Curve]]:
    """The notebook's curves on ImageNet photos, with ``settings``' ``auc_steps``,
    ``auc_n`` and ``auc_stride`` (32×32 masks)."""
    return faithfulness_curves(
        model,
        photos,
        target,
        orders,
        steps=settings.auc_steps,
        n=settings.auc_n,
        size=32,
        stride=settings.auc_stride,
    )
