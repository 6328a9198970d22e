"""Notebook 01's exercises: reference answers, blank answers and the checks' predicates."""

from __future__ import annotations

import torch

from lecturelib.sections.s01_hidden_units.compute import init_mlp


def _blank(*args, **kwargs):
    """An untouched function stub: its body is ``...``, so it returns None."""


def reference_active_side(w, b, points):
    """q1: True where the unit is active, w·x + b > 0, for each point (N, 2)."""
    return points @ w + b > 0


BLANKS = {
    "q1": {"active_side": _blank},
    "q2": {"permuting_changes_output": ...},
}


def reference(question: str) -> dict:
    """The names a check reads, answered."""
    answers = {
        "q1": {"active_side": reference_active_side},
        "q2": {"permuting_changes_output": False},
    }
    return dict(answers[question])


def q1_ok(active_side) -> bool:
    """The student's ``active_side(w, b, points)`` agrees with the hidden layer of a net."""
    try:
        gen = torch.Generator().manual_seed(1)
        model = init_mlp(20, 2, generator=gen)
        points = torch.rand(200, 2, generator=gen) * 2 - 1
        with torch.no_grad():
            active = model[1](model[0](points)) > 0  # (N, 20): ReLU output positive
            for j in range(20):
                w, b = model[0].weight[j], model[0].bias[j]
                got = active_side(w, b, points)
                got = torch.as_tensor(got).reshape(-1).bool()
                if got.shape != active[:, j].shape or not torch.equal(
                    got, active[:, j]
                ):
                    return False
        return True
    except Exception:  # noqa: BLE001 - a student's answer may raise anything: "not yet"
        return False


def q2_ok(permuting_changes_output) -> bool:
    """Permuting hidden units (rows of layer 0, columns of layer 2) keeps the function."""
    return permuting_changes_output is False
