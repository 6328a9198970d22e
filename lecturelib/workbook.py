"""What every notebook's first cell calls: :func:`setup_notebook`.

The set-up cell of all ten notebooks is the same three lines::

    %matplotlib inline
    from lecturelib.workbook import setup_notebook
    device = setup_notebook(seed=0)
"""

from __future__ import annotations

import torch

from lecturelib.core.device import get_device, seed_everything
from lecturelib.core.plot import presentation
from lecturelib.core.threads import setup_threads
from lecturelib.tooling.cache import cache_dir

__all__ = ["setup_notebook"]


def setup_notebook(seed: int = 0) -> torch.device:
    """The first code cell of every notebook: seed, pick the device, style the plots,
    size the thread pools to the CPU budget (:mod:`lecturelib.core.threads`).

    The plots are sized for a laptop, or for a projector when ``LECTURELIB_PRESENT=1``
    (:func:`lecturelib.core.plot.presentation`).
    """
    seed_everything(seed)
    present = presentation()
    device = get_device()
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(
        f"lecturelib: torch {torch.__version__}, device {device} ({name}), seed {seed}"
    )
    print(f"{setup_threads()} (LECTURELIB_THREADS to change)")

    if present:
        print("presentation mode: figures sized for a projector (LECTURELIB_PRESENT=1)")
    folder = cache_dir()
    print(
        f"result cache: {folder} (LECTURELIB_CACHE=off to recompute everything)"
        if folder is not None
        else "result cache: off (LECTURELIB_CACHE=off)"
    )
    return device
