"""Notebook 01, slides 2-6: the training runs, computed once and then read from the result cache."""

from __future__ import annotations

from torch import Tensor

from lecturelib.sections.s01_hidden_units.compute import Snapshots, compute_snapshots
from lecturelib.tooling.cache import cached

__all__ = ["snapshots"]


def snapshots(dataset: str, **options) -> tuple[Tensor, Tensor, Snapshots]:
    """:func:`compute_snapshots` (``options`` as its: seed, iterations, lr…) through the
    result cache: the first call trains, the next ones (a kernel restart, a pre-computed
    cache) read the run back."""
    return cached(compute_snapshots, dataset, **options)
