"""Notebook 08, slides 59-75: maximum-response images, computed once and then read from the result cache."""

from __future__ import annotations

from torch import Tensor, nn

from lecturelib.sections.s08_maximize_response.compute import maximize_response
from lecturelib.tooling.cache import cached

__all__ = ["maximized"]


def maximized(model: nn.Module, objective, **options) -> tuple[Tensor, Tensor]:
    """:func:`maximize_response` (``options`` as its: steps, size, prior_weight,
    generator…) through the result cache: ``(images, history)``."""
    return cached(maximize_response, model, objective, **options)
