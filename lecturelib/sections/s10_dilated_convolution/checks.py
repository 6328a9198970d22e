"""Notebook 10, slides 84-89: the exercises' checks (no answers: they measure which pixels
feed a unit with autograd through real dilated convolutions, or run the student's
receptive-field rule on stacks drawn here against the section's own ``receptive_field``)."""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

from lecturelib.sections.s10_dilated_convolution.compute import receptive_field
from lecturelib.tooling.exercise_helpers import number, within
from lecturelib.tooling.exercises import Question

__all__ = ["QUESTIONS", "feeding_share"]


@functools.lru_cache(maxsize=4)
def feeding_share(dilations: tuple[int, ...] = (2, 3)) -> float:
    """Share of the pixels in the span of one output unit's receptive field that feed
    it, for stacked 3×3 convolutions with ``dilations`` (stride 1, no padding), measured
    with autograd (weights of 1: no cancellation; no global random state used)."""
    span = 1 + 2 * sum(dilations)
    x = torch.ones(1, 1, span, span, requires_grad=True)
    y = x
    for d in dilations:
        y = F.conv2d(y, torch.ones(1, 1, 3, 3), dilation=d)
    (grad,) = torch.autograd.grad(y.sum(), x)  # y is a single unit
    return (grad != 0).float().mean().item()


def _q1(q1_share) -> str | None:
    return within(q1_share, feeding_share((2, 3)), abs_=0.06)


def _q1_reveal(q1_share) -> str:
    return (
        f"Measured {feeding_share((2, 3)):.2f} of the 11×11 span (dilations 2, 2: "
        f"{feeding_share((2, 2)):.2f}; 1, 2: {feeding_share((1, 2)):.2f}). Offsets −3, 0, 3 "
        "plus −2, 0, 2 reach 9 of the 11 positions per axis (not ±4): mixing dilations "
        "without a common factor nearly removes the gridding."
    )


_STACKS = (
    [(3, 1, 2), (3, 1, 3)],
    [(5, 2, 1), (3, 1, 2), (3, 2, 4)],
    [(3, 2, 1), (2, 2, 1), (3, 1, 3), (4, 3, 2)],
    [(7, 1, 1), (3, 2, 2), (3, 1, 5), (2, 1, 1), (3, 1, 2)],
)


def _q2(rf_size) -> str | None:
    for layers in _STACKS:  # strides and dilations the notebook never stacks
        expected = receptive_field(layers)[-1].size
        got = rf_size([tuple(layer) for layer in layers])
        if number(got) is None:
            return f"Your function returned {type(got).__name__}, not a number."
        if number(got) != expected:
            return (
                "A number, but not the receptive field on a test stack (with strides)."
            )
    return None


QUESTIONS = {
    "q1": Question(
        names=("q1_share",),
        kind="predict",
        check=_q1,
        reveal=_q1_reveal,
        hints=(
            (
                "Work on one axis first: which offsets from the centre can the two layers' "
                "taps add up to? The 2D answer is the 1D share squared."
            ),
            (
                "The first layer reads offsets −2, 0, 2; each of those units reads offsets "
                "−3, 0, 3 around it. List the nine sums."
            ),
            "The span is 1 + 2·(2 + 3) = 11 per axis: which of −5 … 5 is never reached?",
        ),
    ),
    "q2": Question(
        names=("rf_size",),
        kind="code",
        check=_q2,
        hints=(
            (
                "One layer with kernel k and dilation d widens the field by (k − 1)·d steps, "
                "but measured in what unit? After a stride-2 layer, neighbouring units are 2 "
                "input pixels apart."
            ),
            (
                "Keep two numbers while walking up the stack: the field's size r and the jump "
                "j (input pixels between neighbouring units), both 1 at the input."
            ),
            "Each layer: r grows by (k − 1)·d·j with the jump *before* the layer, then j ← j·s.",
        ),
    ),
}
