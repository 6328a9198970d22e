"""Notebook 09, slides 76-83: attacks and fooling searches, computed once and then read from the result cache."""

from __future__ import annotations

from torch import Tensor, nn

from lecturelib.sections.s09_adversarial.compute import adversarial_attack
from lecturelib.sections.s09_adversarial.fooling import fooling_search
from lecturelib.tooling.cache import cached

__all__ = ["attack", "fooling_images"]


def attack(model: nn.Module, images: Tensor, **options) -> tuple[Tensor, Tensor]:
    """:func:`adversarial_attack` (``options`` as its) through the result cache."""
    return cached(adversarial_attack, model, images, **options)


def fooling_images(model: nn.Module, target, **options) -> tuple[Tensor, Tensor]:
    """:func:`fooling_search` (``options`` as its) through the result cache; its
    progress bar is not part of the key."""
    return cached(fooling_search, model, target, cache_ignore=("progress",), **options)
