"""Notebook 06, slides 38-45: the exercises' checks (no answers: they measure LeNet's
gradients, or run the student's function on networks and images drawn here against the
section's own ``saliency``)."""

from __future__ import annotations

import functools

import torch

from lecturelib.core.data import load_mnist, one_per_class
from lecturelib.core.models import load_lenet
from lecturelib.sections.s06_saliency.compute import saliency
from lecturelib.tooling.exercise_helpers import close, tiny_cnn, within
from lecturelib.tooling.exercises import Question

__all__ = ["QUESTIONS", "doubled_digits"]


@functools.cache
def doubled_digits() -> dict[str, float]:
    """LeNet's ten test digits (one per class) x and 2x: the mean ratios of the
    gradient's norm and of the class logit, and the mean cosine of the two gradients."""
    model = load_lenet()
    digits = one_per_class(*load_mnist("test"))
    classes = torch.arange(10)
    g1 = saliency(model, digits, classes).flatten(1)
    g2 = saliency(model, 2 * digits, classes).flatten(1)
    with torch.no_grad():
        f1 = model(digits)[classes, classes]
        f2 = model(2 * digits)[classes, classes]
    return {
        "norm": (g2.norm(dim=1) / g1.norm(dim=1)).mean().item(),
        "cosine": torch.nn.functional.cosine_similarity(g1, g2).mean().item(),
        "logit": (f2 / f1).mean().item(),
    }


def _q1(q1_ratio) -> str | None:
    return within(q1_ratio, doubled_digits()["norm"], abs_=0.2)


def _q1_reveal(q1_ratio) -> str:
    m = doubled_digits()
    return (
        f"Measured {m['norm']:.2f} (the two maps' cosine: {m['cosine']:.2f}), while the "
        f"logit grows {m['logit']:.2f}×. A ReLU network is piecewise linear: doubling the "
        "input keeps every ReLU on the same side of 0 (exactly so without biases), so the "
        "local linear map, the gradient, stays the same and the output doubles."
    )


def _case(seed: int):
    gen = torch.Generator().manual_seed(seed)
    n, size = 1 + seed % 3, 6 + seed % 5
    images = torch.randn(n, 3, size, size, generator=gen)
    return images, torch.randint(0, 5, (n,), generator=gen)


def _q2(grad_times_input) -> str | None:
    for seed in (5, 17, 31):  # networks, shapes and classes the notebook never shows
        model = tiny_cnn(seed)
        images, target = _case(seed)
        expected = (saliency(model, images, target) * images).sum(1)
        got = grad_times_input(model, images.clone(), target.clone())
        verdict = close(got, expected, rtol=1e-4, atol=1e-6)
        if verdict is not None:
            return verdict
    return None


QUESTIONS = {
    "q1": Question(
        names=("q1_ratio",),
        kind="predict",
        check=_q1,
        reveal=_q1_reveal,
        hints=(
            (
                "LeNet is convolutions, ReLUs, max-pooling and linear layers. What does a ReLU do to "
                "2s where it did s: does it switch on or off?"
            ),
            (
                "Without biases, every layer satisfies layer(2x) = 2·layer(x). The gradient is the "
                "derivative of that function, taken at 2x instead of x."
            ),
            "LeNet has biases, but they are small next to the activations of a digit.",
        ),
    ),
    "q2": Question(
        names=("grad_times_input",),
        kind="code",
        check=_q2,
        hints=(
            (
                "Start from the gradient of each image's target logit with respect to the images "
                "(one backward pass can give every image's: sum the target logits)."
            ),
            "Multiply it by the image itself, element by element (signed: no absolute value).",
            "Then sum over the channels: the result is (N, H, W).",
        ),
    ),
}
