"""Notebook 02, slides 7-12: the exercises' checks (no answers: they measure LeNet with its
first-layer filters scrambled, or run the student's function on filters drawn here against
torch's own convolution)."""

from __future__ import annotations

import functools

import torch
from torch.nn import functional as F

from lecturelib.core.data import load_mnist
from lecturelib.core.models import load_lenet
from lecturelib.tooling.exercise_helpers import close, within
from lecturelib.tooling.exercises import Question

__all__ = ["QUESTIONS", "scrambled_accuracy"]

SEEDS = (0, 1, 2)


@functools.lru_cache(maxsize=1)
def scrambled_accuracy() -> tuple[float, float]:
    """LeNet's test accuracy as trained, and its mean over ``SEEDS`` when each conv1
    filter's 25 weights are shuffled within the filter (same values, no picture)."""
    model = load_lenet()
    images, labels = load_mnist("test")
    weight = model.conv1.weight.detach().clone()
    flat = weight.flatten(1)

    def accuracy() -> float:
        with torch.no_grad():
            return (model(images).argmax(1) == labels).float().mean().item()

    try:
        trained, scrambled = accuracy(), []
        for seed in SEEDS:
            gen = torch.Generator().manual_seed(seed)
            order = torch.stack(
                [torch.randperm(flat.shape[1], generator=gen) for _ in flat]
            )
            with torch.no_grad():
                model.conv1.weight.copy_(flat.gather(1, order).view_as(weight))
            scrambled.append(accuracy())
    finally:
        with torch.no_grad():
            model.conv1.weight.copy_(weight)
    return trained, sum(scrambled) / len(scrambled)


def _q1(q1_accuracy) -> str | None:
    return within(q1_accuracy, scrambled_accuracy()[1], abs_=0.15)


def _q1_reveal(q1_accuracy) -> str:
    trained, scrambled = scrambled_accuracy()
    return (
        f"Measured {scrambled:.0%} (trained: {trained:.0%}, chance: 10%). The same weights "
        "in another order lose much of the accuracy: what conv1 knows is in the picture "
        "each filter draws (its smooth strokes and edges), not in its values alone."
    )


def _reference(weights: torch.Tensor) -> torch.Tensor:
    """Normalised total variation by torch's convolution with difference kernels."""
    f, c, kh, kw = weights.shape
    kernels = weights.reshape(f * c, 1, kh, kw).double()
    dx = F.conv2d(kernels, torch.tensor([[[[1.0, -1.0]]]], dtype=torch.float64))
    dy = F.conv2d(kernels, torch.tensor([[[[1.0], [-1.0]]]], dtype=torch.float64))
    tv = dx.abs().sum((1, 2, 3)) + dy.abs().sum((1, 2, 3))
    mass = kernels.abs().sum((1, 2, 3))
    ratio = torch.where(mass > 0, tv / mass.clamp_min(1e-300), torch.zeros_like(mass))
    return ratio.reshape(f, c).mean(1)


def _filters_case(seed: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    shape = (3 + seed % 5, 1 + seed % 3, 3 + seed % 3, 4 + seed % 2)
    weights = torch.randn(shape, generator=gen)
    if seed % 2:  # smooth ones too: a cumulative sum of noise
        weights = weights.cumsum(2).cumsum(3)
    weights[0, -1] = 0.0  # a dead kernel: its variation counts as 0
    return weights


def _q2(total_variation) -> str | None:
    for seed in (5, 12, 29):  # shapes and weights the notebook never shows
        weights = _filters_case(seed)
        verdict = close(total_variation(weights.clone()), _reference(weights))
        if verdict is not None:
            return verdict
    return None


QUESTIONS = {
    "q1": Question(
        names=("q1_accuracy",),
        kind="predict",
        check=_q1,
        reveal=_q1_reveal,
        hints=(
            (
                "Shuffling keeps each filter's weights, its mean and its norm: only the "
                "picture is gone. Is the picture what makes a filter useful?"
            ),
            (
                "A shuffled smooth filter looks like the random filters above. What does a "
                "noise filter respond to on a digit, and what did the later layers learn "
                "to expect from conv1?"
            ),
            "The answer is an accuracy in [0, 1]: chance is 0.1 and the trained network's 0.97.",
        ),
    ),
    "q2": Question(
        names=("total_variation",),
        kind="code",
        check=_q2,
        hints=(
            (
                "For one kernel k: the sum of |k[i, j+1] - k[i, j]| over horizontal neighbours "
                "plus the same over vertical neighbours, divided by the sum of |k|."
            ),
            "Slicing does it without loops: w[..., :, 1:] - w[..., :, :-1] and w[..., 1:, :] - w[..., :-1, :].",
            "One ratio per (filter, channel) kernel, then the mean over channels; an all-zero kernel gives 0.",
        ),
    ),
}
