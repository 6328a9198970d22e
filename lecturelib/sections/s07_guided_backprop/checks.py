"""Notebook 07, slides 46-58: the exercises' checks (no answers: they measure, or run the
student's function on cases drawn here, against the section's own ``backprop_view``)."""

from __future__ import annotations

import functools

import torch
from torch import nn

from lecturelib.core.data import load_mnist, one_per_class
from lecturelib.core.models import load_lenet
from lecturelib.sections.s07_guided_backprop.compute import backprop_view
from lecturelib.tooling.exercise_helpers import close, within
from lecturelib.tooling.exercises import Question

__all__ = ["QUESTIONS", "class_cosine"]


@functools.cache
def class_cosine(rule: str = "guided") -> float:
    """Mean cosine similarity, over LeNet's ten digits (one per class), between the
    ``rule`` maps of the most and of the least likely class."""
    model = load_lenet()
    images = one_per_class(*load_mnist("test"))
    with torch.no_grad():
        logits = model(images)
    top = backprop_view(model, images, logits.argmax(1), rule=rule).flatten(1)
    low = backprop_view(model, images, logits.argmin(1), rule=rule).flatten(1)
    return torch.nn.functional.cosine_similarity(top, low).mean().item()


def _q1(q1_cosine) -> str | None:
    return within(q1_cosine, class_cosine("guided"), abs_=0.15)


def _q1_reveal(q1_cosine) -> str:
    return (
        f"Measured {class_cosine('guided'):.2f} (the plain gradient: "
        f"{class_cosine('gradient'):.2f}): the guided map hardly depends on the class."
    )


def _mlp_case(seed: int):
    gen = torch.Generator().manual_seed(seed)
    d, h, k = 3 + seed % 4, 7 + seed % 5, 4
    w1, b1 = torch.randn(h, d, generator=gen), torch.randn(h, generator=gen)
    w2, x = torch.randn(k, h, generator=gen), torch.randn(d, generator=gen)
    target = seed % k
    net = nn.Sequential(
        nn.Flatten(), nn.Linear(d, h), nn.ReLU(), nn.Linear(h, k, bias=False)
    )
    with torch.no_grad():
        net[1].weight.copy_(w1), net[1].bias.copy_(b1), net[3].weight.copy_(w2)
    expected = backprop_view(net, x.view(1, 1, 1, d), target, rule="guided").view(d)
    return (w1, b1, w2, x, target), expected


def _q2(guided_mlp) -> str | None:
    for seed in (11, 23, 37):  # shapes and weights the notebook never shows
        args, expected = _mlp_case(seed)
        verdict = close(
            guided_mlp(*(a.clone() if torch.is_tensor(a) else a for a in args)),
            expected,
        )
        if verdict is not None:
            return verdict
    return None


QUESTIONS = {
    "q1": Question(
        names=("q1_cosine",),
        kind="predict",
        check=_q1,
        reveal=_q1_reveal,
        hints=(
            "A cosine of 1 means the same map for both classes, 0 unrelated maps, −1 opposite.",
            (
                "The target class only enters through the last layer's row; every ReLU on the way "
                "down then drops negative signals. How much of the class's signal survives that?"
            ),
            "Think of the sanity checks above: randomising the top layers barely changed the guided map.",
        ),
    ),
    "q2": Question(
        names=("guided_mlp",),
        kind="code",
        check=_q2,
        hints=(
            "Go backwards: the gradient of logit `target` w.r.t. the hidden layer's output is a row of w2.",
            (
                "At the ReLU, guided back-propagation keeps a signal only where the forward input "
                "s = w1 @ x + b1 was positive AND the signal itself is positive."
            ),
            "Then through the first linear layer: multiply by w1 transposed. The result has x's shape.",
        ),
    ),
}
