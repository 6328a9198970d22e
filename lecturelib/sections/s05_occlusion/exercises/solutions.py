"""Notebook 05's exercises (reference answers, blanks, predicates)."""

from __future__ import annotations

import torch
from torch import nn

from lecturelib.sections.s05_occlusion.compute import occlusion_sensitivity


def _blank(*args, **kwargs):
    """An untouched function stub: its body is ``...``, so it returns None."""


def reference_occlusion_map(model, x, target, size, stride):
    """q2: the drop of ``target``'s logit for each position of a zero square, by a loop."""
    _, _, height, width = x.shape
    rows = range(0, height - size + 1, stride)
    cols = range(0, width - size + 1, stride)
    heat = torch.zeros(len(rows), len(cols))
    with torch.no_grad():
        clean = model(x)[0, target]
        for i, top in enumerate(rows):
            for j, left in enumerate(cols):
                occluded = x.clone()
                occluded[..., top : top + size, left : left + size] = 0.0
                heat[i, j] = clean - model(occluded)[0, target]
    return heat


BLANKS = {"q1": {"n_forward_passes": ...}, "q2": {"occlusion_map": _blank}}


def reference(question: str) -> dict:
    """The names a check reads, answered."""
    answers = {
        "q1": {"n_forward_passes": 9409},  # 97 × 97 positions (+ the clean image)
        "q2": {"occlusion_map": reference_occlusion_map},
    }
    return dict(answers[question])


def q1_ok(n_forward_passes) -> bool:
    """97² = 9,409 occluded images (9,410 counting the clean one is accepted too)."""
    return not isinstance(n_forward_passes, bool) and n_forward_passes in (9409, 9410)


def _tiny_classifier() -> nn.Module:
    gen = torch.Generator().manual_seed(5)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2),
        nn.Flatten(), nn.Linear(16, 3),
    )  # fmt: skip
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    return model.eval()


def q2_ok(occlusion_map) -> bool:
    """The student's loop agrees with ``occlusion_sensitivity`` on a tiny classifier."""
    try:
        model = _tiny_classifier()
        x = torch.randn(1, 3, 12, 12, generator=torch.Generator().manual_seed(6))
        for size, stride in ((4, 2), (6, 3)):
            want = occlusion_sensitivity(
                model, x, 1, size=size, stride=stride, method="full", progress=False
            )[0]
            got = torch.as_tensor(occlusion_map(model, x, 1, size, stride))
            if got.shape != want.shape or not torch.allclose(
                got.float(), want, atol=1e-5
            ):
                return False
        return True
    except Exception:  # noqa: BLE001 - a student's answer may raise anything: "not yet"
        return False
