"""Argument checks with messages that name the argument and the allowed range."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence

import torch

__all__ = [
    "check_choice",
    "check_float",
    "check_images",
    "check_int",
    "check_target",
    "close_names",
]


def close_names(name: str, choices: Iterable[str], n: int = 5) -> list[str]:
    """Up to ``n`` entries of ``choices`` that look like ``name``."""
    choices = [str(c) for c in choices]
    close = difflib.get_close_matches(str(name), choices, n=n, cutoff=0.4)
    return close or choices[:n]


def check_choice(name: str, value, choices: Sequence[str]) -> str:
    """``value`` must be one of ``choices`` (a string)."""
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be a string, one of {list(choices)}; got {type(value).__name__}"
        )
    if value not in choices:
        hint = close_names(value, choices, n=3)
        raise ValueError(
            f"unknown {name} {value!r}; choose one of {list(choices)}"
            + (f" (did you mean {', '.join(map(repr, hint))}?)" if hint else "")
        )
    return value


def check_int(
    name: str, value, *, low: int | None = None, high: int | None = None
) -> int:
    """``value`` must be an integer in ``[low, high]`` (either bound may be None)."""
    if isinstance(value, bool) or not isinstance(value, int):
        if (
            isinstance(value, torch.Tensor)
            and value.numel() == 1
            and not value.is_floating_point()
        ):
            value = int(value)
        else:
            raise TypeError(f"{name} must be an integer; got {type(value).__name__}")
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be in {_range(low, high)}; got {value}")
    return value


def check_float(
    name: str, value, *, low: float | None = None, high: float | None = None
) -> float:
    """``value`` must be a real number in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number; got {type(value).__name__}")
    value = float(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be in {_range(low, high)}; got {value}")
    return value


def check_images(
    images,
    *,
    channels: int | None = None,
    name: str = "images",
    min_size: int | None = None,
) -> torch.Tensor:
    """``images`` must be a float tensor (N, C, H, W), with ``channels`` channels if given."""
    if not isinstance(images, torch.Tensor):
        raise TypeError(
            f"{name} must be a torch.Tensor of shape (N, C, H, W); got {type(images).__name__}"
        )
    if images.dim() != 4:
        raise ValueError(
            f"{name} must have 4 dimensions (N, C, H, W); got shape {tuple(images.shape)}"
            + (
                " — add a batch dimension with images.unsqueeze(0)"
                if images.dim() == 3
                else ""
            )
        )
    if not images.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor; got {images.dtype}")
    if channels is not None and images.shape[1] != channels:
        raise ValueError(
            f"{name} must have {channels} channel(s) for this model; got {images.shape[1]} "
            f"(shape {tuple(images.shape)})"
        )
    if min_size is not None and min(images.shape[-2:]) < min_size:
        raise ValueError(
            f"{name} must be at least {min_size}×{min_size}; got {tuple(images.shape[-2:])}"
        )
    return images


def check_target(target, n_outputs: int, n_images: int) -> torch.Tensor:
    """A class index, or one per image, each in ``[0, n_outputs - 1]``; returns (N,) long."""
    if isinstance(target, torch.Tensor):
        t = target.detach().flatten().long().cpu()
    elif isinstance(target, int) and not isinstance(target, bool):
        t = torch.tensor([target])
    elif isinstance(target, (list, tuple)) and all(isinstance(v, int) for v in target):
        t = torch.tensor(list(target), dtype=torch.long)
    else:
        raise TypeError(
            f"target must be an int, a list of ints or a tensor; got {type(target).__name__}"
        )
    if t.numel() == 1:
        t = t.expand(n_images)
    if t.numel() != n_images:
        raise ValueError(
            f"target must have one entry per image ({n_images}); got {t.numel()}"
        )
    if t.numel() and (t.min() < 0 or t.max() >= n_outputs):
        bad = int(t[(t < 0) | (t >= n_outputs)][0])
        raise ValueError(
            f"target must be in [0, {n_outputs - 1}] (the model has {n_outputs} outputs); got {bad}"
        )
    return t.clone()


def _range(low, high) -> str:
    lo = "-∞" if low is None else str(low)
    hi = "∞" if high is None else str(high)
    return f"[{lo}, {hi}]"
