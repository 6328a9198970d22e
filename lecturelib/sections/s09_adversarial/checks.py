"""Notebook 09, slides 76-83: the exercises' checks (no answers: they measure LeNet's
response to random perturbations, or run the student's sphere test on networks and
directions drawn here against the section's own ``sphere_test``)."""

from __future__ import annotations

import functools

import torch
from torch import nn

from lecturelib.core.data import load_mnist, one_per_class
from lecturelib.core.models import load_lenet
from lecturelib.sections.s09_adversarial.compute import adversarial_attack, sphere_test
from lecturelib.tooling.exercise_helpers import close, tiny_images, within
from lecturelib.tooling.exercises import Question

__all__ = ["QUESTIONS", "random_flip_share"]


@functools.lru_cache(maxsize=4)
def random_flip_share(multiple: float = 10.0, n: int = 100) -> float:
    """Share of random points at ``multiple``·‖δ‖ from LeNet's ten test digits (one per
    class) that change its label, δ the margin attack's perturbation (15 steps, lr 0.1)."""
    model = load_lenet()
    images = one_per_class(*load_mnist("test"))
    adversarial, _ = adversarial_attack(
        model, images, torch.arange(10), steps=15, lr=0.1, loss="margin"
    )
    radius = multiple * (adversarial - images).flatten(1).norm(dim=1)
    counts = sphere_test(
        model, images, radius, n=n, generator=torch.Generator().manual_seed(0)
    )
    return counts.sum().item() / (n * len(images))


def _q1(q1_share) -> str | None:
    return within(q1_share, random_flip_share(10.0), abs_=0.15)


def _q1_reveal(q1_share) -> str:
    return (
        f"Measured {random_flip_share(10.0):.2f} at 10‖δ‖ (at 2‖δ‖: "
        f"{random_flip_share(2.0):.2f}, at 20‖δ‖: {random_flip_share(20.0):.2f}). A random "
        "direction of 784 dimensions has only about 1/√784 = 1/28 of its length along the "
        "adversarial one: it must be tens of times longer to cross the same boundary."
    )


def _small_net(seed: int, size: int) -> nn.Module:
    """A seeded one-hidden-layer network on (N, 3, size, size) images, 5 classes: its
    label changes with the direction (a random tiny convnet answers one class almost
    everywhere, which would let a wrong sphere test pass)."""
    gen = torch.Generator().manual_seed(seed)
    net = nn.Sequential(
        nn.Flatten(), nn.Linear(3 * size * size, 16), nn.ReLU(), nn.Linear(16, 5)
    )
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.3)
    return net.eval()


def _sphere_case(seed: int):
    """A seeded network, one image, a radius (a third of the points flip) and raw Gaussian
    directions; the expected flags from ``sphere_test`` run one direction at a time on
    the same draws."""
    size = 6 + seed % 5
    model = _small_net(seed, size)
    x = tiny_images(1, seed=seed + 1, size=size)[0]
    radius = x.norm()
    n = 48
    gen = torch.Generator().manual_seed(seed + 3)
    directions = torch.stack([torch.randn(x.shape, generator=gen) for _ in range(n)])
    gen = torch.Generator().manual_seed(seed + 3)  # the same draws, for the library
    flags = [
        sphere_test(model, x[None], radius, n=1, generator=gen)[0] for _ in range(n)
    ]
    return (model, x, float(radius), directions), torch.stack(flags).bool()


def _q2(sphere_flips) -> str | None:
    for seed in (3, 8, 14):
        (model, x, radius, directions), expected = _sphere_case(seed)
        got = sphere_flips(model, x.clone(), radius, directions.clone())
        if isinstance(got, torch.Tensor) and got.dtype == torch.bool:
            got = got.float()
        verdict = close(got, expected.float(), rtol=0, atol=0)
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
                "A share in [0, 1]. At 2‖δ‖ (the lecture's control, run on three digits above) "
                "random points almost never flip the label."
            ),
            (
                "Near x the network is almost linear: a point x + r·u flips when r times u's "
                "component along the gradient reaches the distance to the boundary."
            ),
            (
                "How long is the component of a random unit vector of dimension D along a fixed "
                "direction, typically? Here D = 28 × 28."
            ),
        ),
    ),
    "q2": Question(
        names=("sphere_flips",),
        kind="code",
        check=_q2,
        hints=(
            (
                "First the label to keep: the model's prediction on x itself (a batch of one, "
                "x[None])."
            ),
            (
                "Each direction must become a point at distance exactly `radius` from x: divide "
                "it by its own norm (over all of its C·H·W entries) first."
            ),
            (
                "Classify all the points in one batch, x + radius·u for every unit u, and "
                "compare their argmax with x's label: a (n,) tensor of booleans."
            ),
        ),
    ),
}
