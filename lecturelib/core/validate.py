"""Argument checks with messages that name the argument and the allowed range."""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Sequence

import numpy as np
import torch

__all__ = [
    "check_choice",
    "check_finite",
    "check_float",
    "check_images",
    "check_int",
    "close_names",
    "resolve_target",
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
    if not math.isfinite(value):
        raise ValueError(
            f"{name} must be a finite number in {_range(low, high)}; got {value}"
        )
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
    check_finite(name, images)
    return images


def check_finite(name: str, values: torch.Tensor) -> torch.Tensor:
    """``values`` must hold no NaN and no infinity (they would give a silent NaN map)."""
    bad = ~torch.isfinite(values.detach())
    if bad.any():
        raise ValueError(
            f"{name} must be finite; it contains NaN or infinite values "
            f"({int(bad.sum())} of {values.numel()})"
        )
    return values


def resolve_target(outputs: torch.Tensor, target) -> torch.Tensor:
    """The class to explain for each row of ``outputs`` (N, K): (N,) long on its device.

    The package's one reading of ``target``: ``None`` is each row's predicted class
    (``outputs.argmax(1)``); otherwise a class index for every row, or one index per row
    (a sequence or an integer tensor), each in ``[0, K - 1]``. Float and bool tensors
    are refused (a float is not a class index).
    """
    if not isinstance(outputs, torch.Tensor) or outputs.dim() != 2:
        shape = tuple(outputs.shape) if isinstance(outputs, torch.Tensor) else outputs
        raise ValueError(f"model must return (N, classes) scores; got {shape}")
    n_images, n_outputs = outputs.shape
    if target is None:
        return outputs.detach().argmax(1)
    if isinstance(target, torch.Tensor):
        if (
            target.is_floating_point()
            or target.is_complex()
            or target.dtype == torch.bool
        ):
            raise TypeError(
                f"target must hold integer class indices; got {target.dtype}"
            )
        t = target.detach().flatten().long().cpu()
    elif _is_int(target):
        t = torch.tensor([int(target)])
    elif isinstance(target, (list, tuple)) and all(map(_is_int, target)):
        t = torch.tensor([int(v) for v in target], dtype=torch.long)
    else:
        raise TypeError(
            "target must be None, an int, a list of ints or an integer tensor; "
            f"got {type(target).__name__}"
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
    return t.to(outputs.device).clone()


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _range(low, high) -> str:
    lo = "-∞" if low is None else str(low)
    hi = "∞" if high is None else str(high)
    return f"[{lo}, {hi}]"
