"""Notebook 05, slides 34-37: the exercises' checks (no answers: they measure LeNet's
occlusion maps, or run the student's function on images drawn here against the
section's own ``occlusion_sensitivity``)."""

from __future__ import annotations

import functools

import torch

from lecturelib.core.data import load_mnist, one_per_class
from lecturelib.core.models import load_lenet
from lecturelib.sections.s05_occlusion.compute import occlusion_sensitivity
from lecturelib.tooling.exercise_helpers import close, tiny_cnn, within
from lecturelib.tooling.exercises import Question

__all__ = ["QUESTIONS", "worst_square_drops"]


@functools.cache
def worst_square_drops(score: str = "softmax") -> tuple[float, ...]:
    """For LeNet's ten test digits (one per class): the drop of the true class's
    ``score`` when the most sensitive 8×8 square (stride 2) is set to 0."""
    model = load_lenet()
    digits = one_per_class(*load_mnist("test"))
    heat = occlusion_sensitivity(
        model, digits, torch.arange(10), size=8, stride=2, score=score,
        method="full", batch_size=121, progress=False,
    )  # fmt: skip
    return tuple(heat.flatten(1).amax(1).tolist())


def _q1(q1_drop) -> str | None:
    drops = worst_square_drops("softmax")
    return within(q1_drop, sum(drops) / len(drops), abs_=0.15)


def _q1_reveal(q1_drop) -> str:
    drops = worst_square_drops("softmax")
    logits = worst_square_drops("logit")
    erased = sum(d > 0.5 for d in drops)
    return (
        f"Measured {sum(drops) / len(drops):.2f}: one 8×8 square (8% of the image) takes the "
        f"probability of the class from about 1 to below 0.5 on {erased} of the 10 digits "
        f"(a logit drop of {min(logits):.1f} to {max(logits):.1f}). A digit's evidence sits "
        "in a few strokes: hide the right one and the class is gone."
    )


def _case(seed: int):
    gen = torch.Generator().manual_seed(seed)
    n, h, w = 1 + seed % 3, 9 + seed % 4, 13 - seed % 3  # non-square images
    size, stride = 2 + seed % 3, 1 + seed % 3
    images = 2 + torch.randn(n, 3, h, w, generator=gen)  # far from 0: the fill matters
    target = torch.randint(0, 5, (n,), generator=gen)
    return images, target, size, stride


def _q2(occlusion_probability) -> str | None:
    for seed in (
        4,
        11,
        21,
    ):  # models, shapes, masks and strides the notebook never shows
        model = tiny_cnn(seed)
        images, target, size, stride = _case(seed)
        expected = torch.cat([
            occlusion_sensitivity(
                model, images[i : i + 1], int(target[i]), size=size, stride=stride,
                fill=float(images[i].mean()), score="softmax", method="full",
                progress=False,
            )
            for i in range(len(images))
        ])  # fmt: skip
        got = occlusion_probability(model, images.clone(), target.clone(), size, stride)
        verdict = close(got, expected, rtol=1e-4, atol=1e-6)
        if verdict is not None:
            return verdict
    return None


QUESTIONS = {
    "q1": Question(
        names=("q1_drop",),
        kind="predict",
        check=_q1,
        reveal=_q1_reveal,
        hints=(
            (
                "LeNet gives each of these digits its class with probability about 1. The map's "
                "largest entry is the square that hurts most: how much of the digit can 8×8 pixels hide?"
            ),
            (
                "The softmax saturates: a logit drop of a few units barely moves a probability near 1, "
                "a drop larger than the gap to the runner-up class collapses it."
            ),
            "Think of the digits whose strokes are few and thin (1, 7): which single stroke decides them?",
        ),
    ),
    "q2": Question(
        names=("occlusion_probability",),
        kind="code",
        check=_q2,
        hints=(
            (
                "The map has ((H − size) // stride + 1) × ((W − size) // stride + 1) entries per image; "
                "H and W differ here, so keep rows and columns apart."
            ),
            (
                "Each image gets its own grey: the mean of that image's own pixels (all channels), "
                "written into every channel of the square."
            ),
            (
                "Score with probabilities: softmax over the classes of the clean image minus that of "
                "each occluded copy, at the image's own target."
            ),
        ),
    ),
}
