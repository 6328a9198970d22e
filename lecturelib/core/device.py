"""Device choice and seeding, shared by every notebook.

The library never picks a device at import time: a notebook calls
:func:`lecturelib.workbook.setup_notebook` (or :func:`get_device`) once, and every function works on
the device of the tensors it is given.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch

__all__ = [
    "get_device",
    "is_accelerated",
    "make_generator",
    "seed_everything",
]


def get_device() -> torch.device:
    """CUDA when present, else the CPU; ``LECTURELIB_DEVICE`` overrides (e.g. ``cpu``)."""
    wanted = os.environ.get("LECTURELIB_DEVICE", "").strip()
    if wanted:
        try:
            device = torch.device(wanted)
        except RuntimeError as err:
            raise ValueError(
                f"LECTURELIB_DEVICE={wanted!r} is not a torch device "
                "(use 'cpu', 'cuda' or 'cuda:N')"
            ) from err
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"LECTURELIB_DEVICE={wanted!r} asks for CUDA, but none is available"
            )
        return device
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int = 0) -> None:
    """Seed Python's, NumPy's and torch's generators (CUDA's too)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def make_generator(
    seed: int = 0, device: torch.device | str | None = None
) -> torch.Generator:
    """A seeded ``torch.Generator`` on ``device`` (CPU by default)."""
    gen = torch.Generator(device=torch.device(device) if device is not None else "cpu")
    gen.manual_seed(seed)
    return gen


def is_accelerated(device: torch.device | str | None = None) -> bool:
    """True when ``device`` (default: :func:`get_device`) is a GPU.

    Notebooks use the lecture's heavier settings by default when this is true.
    """
    device = torch.device(device) if device is not None else get_device()
    return device.type == "cuda"
