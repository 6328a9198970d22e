"""Notebook 08, slides 59-75: the exercises' checks (no answers: they measure LeNet's
maximising images, or run the student's gradient of the prior on images drawn here
against autograd through the section's own ``MultiScaleEdgeEnergy``)."""

from __future__ import annotations

import functools

import torch

from lecturelib.core.models import load_lenet
from lecturelib.sections.s08_maximize_response.compute import (
    MultiScaleEdgeEnergy,
    high_frequency_share,
    maximize_response,
)
from lecturelib.tooling.exercise_helpers import close, within
from lecturelib.tooling.exercises import Question

__all__ = ["QUESTIONS", "lenet_share"]


@functools.lru_cache(maxsize=2)
def lenet_share(prior_weight: float = 0.0) -> float:
    """Mean high-frequency share h(x)/‖x − x̄‖² of LeNet's ten digit-maximising images
    (60 Adam steps from seeded N(0, 0.01²) noise, as in the notebook's LeNet cell)."""
    x, _ = maximize_response(
        load_lenet(),
        list(range(10)),
        steps=60,
        size=28,
        prior_weight=prior_weight,
        generator=torch.Generator().manual_seed(0),
        progress=False,
    )
    return high_frequency_share(x).mean().item()


@functools.lru_cache(maxsize=1)
def _white_noise_share() -> float:
    noise = torch.randn(10, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    return high_frequency_share(noise).mean().item()


def _q1(q1_share) -> str | None:
    return within(q1_share, lenet_share(0.0), abs_=0.12)


def _q1_reveal(q1_share) -> str:
    return (
        f"Measured {lenet_share(0.0):.2f} without the prior, {lenet_share(1.0):.3f} with it; "
        f"white noise scores {_white_noise_share():.2f}, a photo about 0.01. The raw "
        "maximiser is far rougher than a photo yet not white noise: close to half of its "
        "energy is edges that the prior removes."
    )


def _one_scale_energy(x: torch.Tensor) -> torch.Tensor:
    """Σ h(x) on images whose smaller side is 6 to 9: the lecture's module (zero padding)
    then sums one scale only (its downscaling leaves 5 pixels or fewer)."""
    return MultiScaleEdgeEnergy(borders="zeros").to(x)(x).sum()


def _q2(edge_energy_grad) -> str | None:
    for seed, shape in ((5, (2, 3, 7, 9)), (17, (1, 2, 8, 13)), (29, (3, 1, 9, 6))):
        x = torch.randn(shape, generator=torch.Generator().manual_seed(seed))
        x64 = x.double().requires_grad_(True)
        (expected,) = torch.autograd.grad(_one_scale_energy(x64), x64)
        verdict = close(edge_energy_grad(x.clone()), expected, rtol=1e-4, atol=1e-5)
        if verdict is not None:
            return verdict
    return None


QUESTIONS = {
    "q1": Question(
        names=("q1_share",),
        kind="predict",
        check=_q1,
        reveal=_q1_reveal,
        hints=(
            (
                "A share: 0 means a perfectly smooth image, 1 that every bit of its energy is "
                "edges at some scale (white noise is close to that end)."
            ),
            (
                "Without the prior, nothing stops the ascent from using any frequency: "
                "whatever raises the logit fastest. What do LeNet's small filters and its "
                "max-pooling respond to?"
            ),
            (
                "The prior-free images of the ImageNet model above were measured the same way; "
                "LeNet's 28×28 images are smaller and its filters fewer."
            ),
        ),
    ),
    "q2": Question(
        names=("edge_energy_grad",),
        kind="code",
        check=_q2,
        hints=(
            (
                "Write the energy as h(x) = ‖A x‖², with A x = x − g ⊛ x (per channel, zero "
                "padding 2). The gradient of ‖A x‖² is 2 Aᵀ A x."
            ),
            (
                "g is symmetric and zero padding keeps the size, so convolving with g is its own "
                "transpose: Aᵀ = A. Filter the residual r = x − g ⊛ x once more."
            ),
            (
                "Each channel on its own: reshape to (N·C, 1, H, W) before F.conv2d(…, padding=2) "
                "and back to x's shape at the end; do not forget the factor 2."
            ),
        ),
    ),
}
