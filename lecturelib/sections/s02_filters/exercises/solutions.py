"""Notebook 02's exercises: reference answers, blank answers and the checks' predicates."""

from __future__ import annotations

import torch


def _blank(*args, **kwargs):
    """An untouched function stub: its body is ``...``, so it returns None."""


def reference_to_image(kernel):
    """q1: a (kh, kw) kernel min-max scaled to [0, 1]."""
    lo, hi = kernel.min(), kernel.max()
    return (kernel - lo) / (hi - lo)


BLANKS = {"q1": {"to_image": _blank}, "q2": {"smoother_layer": ...}}


def reference(question: str) -> dict:
    """The names a check reads, answered."""
    answers = {
        "q1": {"to_image": reference_to_image},
        "q2": {"smoother_layer": "conv1"},  # neighbour correlation 0.27 vs 0.19
    }
    return dict(answers[question])


def q1_ok(to_image) -> bool:
    """The student's ``to_image`` min-max scales kernels of several shapes."""
    try:
        gen = torch.Generator().manual_seed(2)
        for shape in ((5, 5), (3, 3), (11, 11)):
            kernel = torch.randn(shape, generator=gen) * 0.1 + 0.02
            got = torch.as_tensor(to_image(kernel))
            want = reference_to_image(kernel)
            if got.shape != want.shape or not torch.allclose(
                got.float(), want, atol=1e-6
            ):
                return False
        return True
    except Exception:  # noqa: BLE001 - a student's answer may raise anything: "not yet"
        return False


def q2_ok(smoother_layer) -> bool:
    """conv1: its trained filters are the smoother (more image-like) ones."""
    return isinstance(smoother_layer, str) and smoother_layer.strip().lower() == "conv1"
