"""Notebook 03's exercises: reference answers, blank answers and the checks' predicates."""

from __future__ import annotations

import torch

from lecturelib.core.hooks import compute_activations, hook_count
from lecturelib.core.models import LeNet


def _blank(*args, **kwargs):
    """An untouched function stub: its body is ``...``, so it returns None."""


def reference_record(model, module, images):
    """q1: the output of ``module`` when ``model`` runs on ``images``, by a forward hook."""
    seen = {}

    def keep(mod, inputs, output):
        seen["out"] = output.detach().clone()

    handle = module.register_forward_hook(keep)
    try:
        with torch.no_grad():
            model(images)
    finally:
        handle.remove()
    return seen["out"]


BLANKS = {"q1": {"record": _blank}, "q2": {"more_selective": ...}}


def reference(question: str) -> dict:
    """The names a check reads, answered."""
    answers = {
        "q1": {"record": reference_record},
        "q2": {"more_selective": "relu3"},  # purity 0.58 (relu1) vs 0.78 (relu3)
    }
    return dict(answers[question])


def q1_ok(record) -> bool:
    """``record(model, module, images)`` gives compute_activations' output, no hook left."""
    try:
        torch.manual_seed(3)
        model = LeNet().eval()
        images = torch.rand(4, 1, 28, 28, generator=torch.Generator().manual_seed(3))
        for name in ("conv1", "relu3"):
            want = compute_activations(model, images, name)[name]
            got = record(model, getattr(model, name), images)
            if not isinstance(got, torch.Tensor) or got.shape != want.shape:
                return False
            if not torch.allclose(got.detach(), want, atol=1e-6):
                return False
        return hook_count(model) == 0
    except Exception:  # noqa: BLE001 - a student's answer may raise anything: "not yet"
        return False


def q2_ok(more_selective) -> bool:
    """relu3: its units' top digits share a class more often than relu1's."""
    return isinstance(more_selective, str) and more_selective.strip().lower() == "relu3"
