"""What every notebook's first cells call: :func:`check_version`, :func:`setup_notebook`.

The first code cell installs lecturelib when it is missing and otherwise calls
``check_version("X.Y.Z")``; the set-up cell after it is the same three lines in all ten::

    %matplotlib inline
    from lecturelib.workbook import setup_notebook
    device = setup_notebook(seed=0)
"""

from __future__ import annotations

import re
import warnings

import torch

import lecturelib
from lecturelib.core.device import get_device, seed_everything
from lecturelib.core.plot import presentation
from lecturelib.core.threads import setup_threads
from lecturelib.tooling.cache import cache_dir

__all__ = ["check_version", "install_line", "setup_notebook"]


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


# ------------------------------------------------------------------ the version check
# Each notebook's install cell (before the set-up cell) calls check_version("X.Y.Z").
_WARNED: set[tuple[str, str]] = set()


def _release(version: str, name: str) -> tuple[int, int, int]:
    match = re.match(r"(\d+)\.(\d+)\.(\d+)", str(version))
    if match is None:
        raise ValueError(f"{name} should read 'X.Y.Z' (e.g. '0.2.0'); got {version!r}")
    return tuple(int(part) for part in match.groups())


def install_line(version: str) -> str:
    """The one line that installs lecturelib ``version`` from its release tag."""
    _release(version, "version")
    url = f"git+{lecturelib.REPOSITORY}.git@v{version}"
    return f'%pip install -U "lecturelib @ {url}"'


def check_version(expected: str, installed: str | None = None) -> bool:
    """Whether the installed lecturelib fits a notebook written for ``expected``.

    Too old (an earlier release) or too new (a later major or minor release) warns
    once per kernel, naming the version the notebook needs and the line installing it;
    a patch release newer than ``expected`` fits. ``installed`` defaults to
    ``lecturelib.__version__``.
    """
    installed = lecturelib.__version__ if installed is None else installed
    want, have = _release(expected, "expected"), _release(installed, "installed")
    if have >= want and have[:2] == want[:2]:
        return True
    if (expected, installed) not in _WARNED:
        _WARNED.add((expected, installed))
        age = "an older" if have < want else "a newer"
        warnings.warn(
            f"This notebook was written for lecturelib {expected}; {age} one, "
            f"{installed}, is installed. Install {expected} with\n"
            f"    {install_line(expected)}\n"
            "then restart the kernel (Colab: Runtime > Restart session).",
            UserWarning,
            stacklevel=2,
        )
    return False
