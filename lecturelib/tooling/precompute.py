"""Pre-compute the notebooks' heavy results before class, so the sliders answer at once.

Every heavy widget of the workbook computes through :mod:`lecturelib.tooling.cache`, keyed by
the model's weights, the image and the slider settings. Running a notebook once
fills the cache with what its cells show; a *sweep* then moves each heavy widget's
sliders over the values an instructor is likely to show (one slider at a time, the
others at their starting values) and stores those results too.

From a shell, in the repository (``make precompute`` does the same)::

    python -m lecturelib.tooling.precompute                 # all ten notebooks, with sweeps
    python -m lecturelib.tooling.precompute 05 06           # only these notebooks
    python -m lecturelib.tooling.precompute --no-sweep      # run the notebooks only
    python -m lecturelib.tooling.precompute --list          # what each notebook would sweep

In a notebook, ``widget.sweep()`` sweeps one widget and
``lecturelib.tooling.sweeps.sweep_all()`` every widget built so far; each widget declares
its sweep with its panel (:mod:`lecturelib.tooling.sweeps`). The cache lives in
``build/cache`` (or ``$LECTURELIB_CACHE``);
the models, photos and settings must be the same in class as when pre-computing
(the same online/offline mode: online, the torchvision models replace the
offline EfficientNet-Lite0, which is a different cache entry).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from lecturelib.tooling.cache import cache_dir
from lecturelib.tooling.notebook_runner import (
    CELL_TIMEOUT,
    execute_notebook,
    notebook_paths,
    quiet_kernel_shutdowns,
)
from lecturelib.tooling.sweeps import sweep_plans

__all__ = ["main", "precompute_notebooks"]


def _cache_files() -> int:
    folder = cache_dir()
    return (
        0 if folder is None or not folder.is_dir() else len(list(folder.rglob("*.pt")))
    )


SWEEP_TIMEOUT = 1800
"""Default seconds for one notebook's sweep cell (every swept setting; about a
minute per notebook on a 2-core CPU with EfficientNet-Lite0, more with VGG)."""

_SWEEP_CELL = (
    "from lecturelib.tooling.panel import sweep_all as _sweep_all\n"
    "print('settings swept:', _sweep_all(progress=False))"
)


def precompute_notebooks(
    names: str | Sequence[str] = (),
    *,
    do_sweep: bool = True,
    timeout: int = CELL_TIMEOUT,
    sweep_timeout: int = SWEEP_TIMEOUT,
    folder: Path | None = None,
) -> list[dict]:
    """Execute notebooks (and their sweeps) so their heavy results land in the cache.

    Args:
        names: notebook name prefixes (default: all ten), e.g. ``["05", "06"]``.
        do_sweep: also sweep every heavy widget's sliders (see :func:`sweep_all`).
        timeout: seconds per notebook cell; a cell that runs longer stops its
            notebook, and ``error`` names the cell and says whether the kernel had
            stalled (idle) or was still working.
        sweep_timeout: seconds for the sweep cell (it visits every setting).
        folder: default the checkout's ``notebooks/``.
    Returns:
        One dict per notebook: ``name``, ``seconds``, ``new_entries`` (cache files
        written), ``swept`` (the sweep cell's report, or ``""``) and ``error``
        (None, or the failing cell's last line; the other notebooks still run).
    """
    if cache_dir() is None:
        raise ValueError(
            "the result cache is off (LECTURELIB_CACHE=off): nothing would be kept; "
            "unset LECTURELIB_CACHE or point it to a folder"
        )
    report = []
    for path in notebook_paths(names, folder):
        before = _cache_files()
        print(f"{path.stem}: running…", flush=True)
        nb, seconds, error = execute_notebook(
            path,
            timeout=timeout,
            extra_cells=[_SWEEP_CELL] if do_sweep else (),
            extra_timeout=sweep_timeout,
        )
        swept = ""
        if do_sweep and error is None:
            texts = [o.get("text", "") for o in nb.cells[-1].outputs if "text" in o]
            swept = "".join(texts).strip().rsplit("\n", 1)[-1]
        row = {
            "name": path.stem,
            "seconds": seconds,
            "new_entries": _cache_files() - before,
            "swept": swept,
            "error": error,
        }
        done = f"FAILED: {error}" if error else swept or "no sweep"
        print(
            f"{path.stem}: {seconds:.0f} s, {row['new_entries']} new cache entries, "
            f"{done}",
            flush=True,
        )
        report.append(row)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lecturelib.tooling.precompute",
        description="Run the notebooks (and sweep their sliders) to fill the result "
        "cache before class.",
    )
    parser.add_argument(
        "notebooks", nargs="*", help="numbers or names, e.g. 05 06 (default: all)"
    )
    parser.add_argument(
        "--no-sweep", action="store_true", help="run the notebooks only"
    )
    parser.add_argument(
        "--list", action="store_true", help="say what each notebook sweeps, then stop"
    )
    parser.add_argument(
        "--timeout",
        type=int,
        default=CELL_TIMEOUT,
        help=f"seconds per notebook cell (default {CELL_TIMEOUT})",
    )
    parser.add_argument(
        "--sweep-timeout",
        type=int,
        default=SWEEP_TIMEOUT,
        help=f"seconds for a notebook's sweep (default {SWEEP_TIMEOUT})",
    )
    args = parser.parse_args(argv)
    try:
        paths = notebook_paths(args.notebooks)
    except ValueError as err:
        parser.error(str(err))
    if args.list:
        plans = sweep_plans()
        for p in paths:
            print(f"{p.stem}: {plans.get(p.stem[:2], 'no sweep')}")
        return 0
    print(f"cache: {cache_dir()}")
    quiet_kernel_shutdowns()
    try:
        rows = precompute_notebooks(
            args.notebooks,
            do_sweep=not args.no_sweep,
            timeout=args.timeout,
            sweep_timeout=args.sweep_timeout,
        )
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    total = sum(r["seconds"] for r in rows)
    entries = sum(r["new_entries"] for r in rows)
    failed = [r["name"] for r in rows if r["error"]]
    print(
        f"done: {len(rows)} notebooks in {total:.0f} s, {entries} new cache entries"
        + (f"; FAILED: {', '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
