"""Find the workbook's notebooks and execute one top to bottom, as JupyterLab would.

Shared by ``make precompute`` (:mod:`lecturelib.precompute`), ``make html``
(``tools/build_html.py``), ``make bench`` (``benchmarks/run_all.py``) and the browser
test, so that they all pick the same notebooks in the same order.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Sequence
from pathlib import Path

__all__ = ["NOTEBOOKS", "execute_notebook", "notebook_paths", "quiet_kernel_shutdowns"]

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def notebook_paths(
    only: str | Sequence[str] = (), folder: Path | None = None
) -> list[Path]:
    """The numbered notebooks (``NN_name.ipynb``) of ``folder``, in lecture order.

    Args:
        only: name prefixes (``"05,06"`` or ``["05", "06"]``); empty: all of them.
        folder: default ``notebooks/`` of this checkout.
    Raises:
        ValueError: a prefix matches no notebook (the message lists the valid ones).
    """
    folder = NOTEBOOKS if folder is None else Path(folder)
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if isinstance(only, str):
        only = only.split(",")
    prefixes = [p.strip() for p in only if p.strip()]
    for prefix in prefixes:
        if not any(p.name.startswith(prefix) for p in paths):
            valid = ", ".join(p.stem for p in paths) or f"none in {folder}"
            raise ValueError(f"notebook {prefix!r} not found; valid: {valid}")
    return [
        p for p in paths if not prefixes or any(p.name.startswith(x) for x in prefixes)
    ]


def execute_notebook(
    path: Path,
    *,
    timeout: int = 600,
    env: dict | None = None,
    extra_cells: Sequence[str] = (),
):
    """Run ``path`` top to bottom in its own folder (kernel ``python3``), as nbval does.

    Args:
        timeout: seconds per cell.
        env: variables set for the kernel (and restored afterwards).
        extra_cells: code run after the notebook's own cells, in the same kernel.
    Returns:
        ``(executed notebook, seconds, error message or None)``; on an error the
        notebook holds the outputs up to the failing cell.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import (
        CellExecutionError,
        CellTimeoutError,
        DeadKernelError,
    )

    nb = nbformat.read(path, as_version=4)
    nb.cells.extend(nbformat.v4.new_code_cell(code) for code in extra_cells)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(Path(path).parent)}},
        store_widget_state=True,
    )
    saved = dict(os.environ)
    os.environ.update(env or {})
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    start, error = time.perf_counter(), None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
        error = _short_error(err)
    except Exception as err:  # noqa: BLE001 - a kernel that did not start, etc.
        error = f"{type(err).__name__}: {_short_error(err)}"
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return nb, time.perf_counter() - start, error


def quiet_kernel_shutdowns() -> None:
    """Silence tornado's reports of ZMQ streams closed by a finished kernel.

    Executing several notebooks in one process leaves callbacks of each shut-down
    kernel's sockets; they log harmless tracebacks ("Socket operation on
    non-socket", "Got events for closed stream"). For command-line tools only.
    """
    import logging

    for name in ("tornado.general", "tornado.application"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _short_error(err: Exception) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(err))
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return (lines[-1] if lines else type(err).__name__)[:300]
