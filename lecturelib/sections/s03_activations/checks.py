"""Notebook 03, slides 13-23: the exercises' checks (no answers: they measure LeNet's
activations, or run the student's function on networks drawn here against the library's
``compute_activations``, and check that no hook is left, even when the forward raises)."""

from __future__ import annotations

import functools

import torch
from torch import nn

from lecturelib.core.data import load_mnist
from lecturelib.core.hooks import compute_activations, hook_count
from lecturelib.core.models import load_lenet
from lecturelib.tooling.exercise_helpers import close, tiny_cnn, tiny_images, within
from lecturelib.tooling.exercises import Question

__all__ = ["QUESTIONS", "zero_share"]


@functools.lru_cache(maxsize=4)
def zero_share(layer: str = "relu1") -> tuple[float, float]:
    """Share of exactly-zero values in ``layer`` of LeNet for the first test digit (the
    notebook's), and the same share in ``conv1`` (before the max-pool and the ReLU)."""
    digit = load_mnist("test")[0][:1]
    acts = compute_activations(load_lenet(), digit, [layer, "conv1"])
    share = {name: (a <= 0).float().mean().item() for name, a in acts.items()}
    return share[layer], share["conv1"]


def _q1(q1_zeros) -> str | None:
    return within(q1_zeros, zero_share("relu1")[0], abs_=0.1)


def _q1_reveal(q1_zeros) -> str:
    relu1, conv1 = zero_share("relu1")
    return (
        f"Measured {relu1:.0%} of relu1's values are exactly 0 (and {conv1:.0%} of conv1's "
        "outputs are ≤ 0 before the max-pool). The black background does not give black "
        "maps: each filter adds its bias everywhere, and the 3×3 max-pool before the ReLU "
        "keeps the largest of nine responses, so a value is 0 only if all nine are ≤ 0."
    )


class _Raises(nn.Module):
    def forward(self, x):
        raise RuntimeError("this forward pass fails on purpose")


def _expected(
    model: nn.Module, layer: str, images, channel: int, k: int
) -> torch.Tensor:
    out = compute_activations(model, images, layer)[layer][:, channel]
    return out.flatten(1).mean(1).topk(k).indices


def _q2(top_images) -> str | None:
    for seed, layer, channel, k in ((4, "0", 2, 3), (9, "2", 1, 5), (13, "2", 3, 4)):
        model, images = tiny_cnn(seed), tiny_images(12 + seed % 5, seed=seed + 1)
        expected = _expected(model, layer, images, channel, k)
        got = top_images(model, model[int(layer)], images.clone(), channel, k)
        if isinstance(got, torch.Tensor) and got.dtype in (torch.bool, torch.uint8):
            return "Return the images' indices (integers), not a mask."
        verdict = close(got, expected, rtol=0, atol=0)
        if verdict is not None:
            return verdict
        if hook_count(model):
            return "A hook is still on the module after your function returned."
    failing = nn.Sequential(
        *tiny_cnn(21), _Raises()
    )  # the error comes after the hook ran
    try:
        top_images(failing, failing[2], tiny_images(6, seed=22), 0, 2)
    except Exception:  # noqa: BLE001, S110 (the error is the point: the hook must go)
        pass
    if hook_count(failing):
        return "When the forward pass raised, your hook stayed on the module."
    return None


QUESTIONS = {
    "q1": Question(
        names=("q1_zeros",),
        kind="predict",
        check=_q1,
        reveal=_q1_reveal,
        hints=(
            (
                "Most of a digit image is black background. Does a black patch give a "
                "zero after conv1? Think of the bias each filter adds."
            ),
            (
                "relu1 comes after a 3×3 max-pool: a value is zero only when all nine "
                "responses of its window are ≤ 0."
            ),
            "The answer is a share in [0, 1]: 0 if no value is zero, 1 if all are.",
        ),
    ),
    "q2": Question(
        names=("top_images",),
        kind="code",
        check=_q2,
        hints=(
            (
                "Register a forward hook on `module` that keeps its output; run `model(images)`; "
                "remove the hook with `handle.remove()` in a `finally:` block."
            ),
            "An image's score for `channel` is the mean of output[i, channel] over all positions.",
            "torch.topk gives the k largest scores and their indices, largest first.",
        ),
    ),
}
