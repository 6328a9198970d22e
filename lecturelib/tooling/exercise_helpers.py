"""Shared pieces of the reference answers: a tiny seeded convnet and a safe call."""

from __future__ import annotations

import torch
from torch import nn


def tiny_cnn(seed: int = 0, relu=nn.ReLU) -> nn.Sequential:
    """A seeded 3-channel convnet with 5 outputs, in eval mode (for coding checks)."""
    gen = torch.Generator().manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1),
        relu(),
        nn.Conv2d(4, 4, 3, padding=1),
        relu(),
        nn.AdaptiveAvgPool2d(2),
        nn.Flatten(),
        nn.Linear(16, 5),
    )
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    return model.eval()


def tiny_images(n: int = 2, seed: int = 1) -> torch.Tensor:
    """(n, 3, 8, 8) seeded normal images."""
    return torch.randn(n, 3, 8, 8, generator=torch.Generator().manual_seed(seed))


def safe_close(fn, args, expected: torch.Tensor, *, rtol=1e-4, atol=1e-6) -> bool:
    """True when ``fn(*args)`` is a tensor close to ``expected``; never raises."""
    try:
        got = fn(*args)
        if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
            return False
        return bool(
            torch.allclose(got.detach().float(), expected, rtol=rtol, atol=atol)
        )
    except Exception:  # noqa: BLE001 (a student's unfinished code may raise anything)
        return False


def same_answer(answer, expected) -> bool:
    """``answer == expected`` for numbers and words (case, spaces ignored); never raises."""
    try:
        if isinstance(expected, str):
            return isinstance(answer, str) and answer.strip().lower() == expected
        if isinstance(answer, bool) or not isinstance(answer, (int, float)):
            return False
        return abs(answer - expected) < 1e-9
    except Exception:  # noqa: BLE001 (an unfinished answer may raise anything)
        return False
