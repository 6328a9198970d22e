"""Find the workbook's notebooks and execute one top to bottom, as JupyterLab would.

Shared by ``make precompute`` (:mod:`lecturelib.tooling.precompute`), ``make site``
and ``make slides`` (``tools/build_site.py``, ``tools/build_slides.py``), ``make bench``
(``benchmarks/run_all.py``) and the browser test, so that they all pick the same
notebooks in the same order.
"""

from __future__ import annotations

import datetime
import functools
import logging
import os
import re
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from queue import Empty

import nbformat
import psutil
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.channels import AsyncZMQSocketChannel
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from traitlets import Type

__all__ = [
    "CELL_TIMEOUT",
    "NOTEBOOKS",
    "execute_notebook",
    "first_line",
    "notebook_paths",
    "quiet_kernel_shutdowns",
    "timeout_message",
]

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


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


CELL_TIMEOUT = 300
"""Default seconds per cell. The slowest cell of the workbook takes well under a
minute on a 2-core CPU; a cell that takes 5 minutes has stalled (or the machine is
far too slow), and its notebook and cell are reported instead of waiting an hour."""


def execute_notebook(
    path: Path,
    *,
    timeout: int = CELL_TIMEOUT,
    env: dict | None = None,
    extra_cells: Sequence[str] = (),
    extra_timeout: int | None = None,
    on_timeout: Callable[[int], object] | None = None,
):
    """Run ``path`` top to bottom in its own folder (kernel ``python3``), as nbval does.

    Args:
        timeout: seconds per cell. A cell that runs longer stops the notebook with
            ``"<notebook>: cell <i> (`<first line>`) did not finish within <t> s; ..."``
            (``i`` counts every cell from 0, markdown too) and says whether the
            kernel was working or idle meanwhile (idle: a stalled kernel).
        env: variables set for the kernel (and restored afterwards).
        extra_cells: code run after the notebook's own cells, in the same kernel.
        extra_timeout: seconds per extra cell (default ``timeout``).
        on_timeout: called with the kernel's process id when a cell times out,
            before the kernel is stopped (diagnostics, e.g. dumping its stacks).
    Returns:
        ``(executed notebook, seconds, error message or None)``; on an error the
        notebook holds the outputs up to the failing cell.
    """

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    own = len(nb.cells)
    nb.cells.extend(nbformat.v4.new_code_cell(code) for code in extra_cells)
    limits = [timeout] * own + [extra_timeout or timeout] * (len(nb.cells) - own)
    client = _client_class()(
        nb,
        timeout=timeout,
        timeout_func=lambda cell: limits[_index_of(nb, cell)],
        kernel_name="python3",
        allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=True,
        extra_arguments=QUIET_KERNEL,
    )
    client.label, client.on_timeout = path.stem, on_timeout
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


#: The kernel's own logs, silenced: at shutdown (which interrupts it first) they print
#: "KeyboardInterrupt caught in kernel", "Got events for closed stream" and ZMQ
#: tracebacks to the runner's terminal, harmless but read as failures. What matters
#: reaches the runner anyway: cell errors as outputs, a dead kernel as DeadKernelError.
QUIET_KERNEL = [
    "--IPKernelApp.log_level=CRITICAL",
    "--IPKernelApp.exec_lines=__import__('logging').getLogger('tornado').setLevel(50)",
]


def _index_of(nb, cell) -> int:
    """Position of ``cell`` (the object itself, not an equal copy) in ``nb.cells``."""
    return next(i for i, c in enumerate(nb.cells) if c is cell)


def first_line(source: str) -> str:
    """The first non-blank line of a cell's source, shortened to 80 characters."""
    lines = [ln.strip() for ln in source.splitlines() if ln.strip()]
    text = lines[0] if lines else "(empty)"
    return text if len(text) <= 80 else text[:77] + "..."


def timeout_message(
    label: str,
    index: int,
    source: str,
    timeout: float,
    cpu: float | None = None,
    seen: Sequence[str] = (),
) -> str:
    """One line naming the notebook and cell that ran past ``timeout`` seconds.

    ``cpu``: CPU seconds the kernel used meanwhile (None: unknown); ``seen``: the
    kernel's messages about this cell so far (``"status:busy"``, ``"stream"``, ...).
    """
    head = (
        f"{label}: cell {index} (`{first_line(source)}`) did not finish "
        f"within {timeout:g} s"
    )
    if cpu is None:
        return head
    if cpu >= 0.05 * timeout:
        return (
            f"{head}; the kernel was working ({cpu:.0f} s of CPU): a slow cell, "
            "allow more time per cell (timeout; make CELL_TIMEOUT=<s>)"
        )
    started = "status:busy" in seen
    told = (
        "it had started the cell, then sent nothing more"
        if started
        else "it never acknowledged the cell (no 'busy' status)"
    )
    return f"{head}; the kernel was idle ({cpu:.1f} s of CPU): stalled, {told}"


TRANSPORT = "ipc" if os.name == "posix" else "tcp"
"""How the runner talks to its kernels. Over ``tcp``, jupyter_client picks free ports
(bind to port 0, close) and the kernel binds them a second later: kernels started at
the same moment by other processes (several runners, nbval, JupyterLab) can take a
port in between, and the kernel dies with "Address already in use". ``ipc``: Unix
socket files with a unique name in the temporary folder, removed afterwards."""

POLL_SLICE: float | None = 1.0
"""Seconds the runner waits on a kernel socket before it looks at the socket again.

With pyzmq's asyncio sockets, a reply that arrives when the event loop misses its
wake-up (ZeroMQ signals readiness on an edge-triggered descriptor) sits unread
until the wait's timeout, whose last non-blocking poll finds it: the kernel is idle,
the client waits a whole cell timeout (``tools/stall_rounds.py`` counts these, see
``benchmarks/results/stalls.md``). Waiting in slices of ``POLL_SLICE`` seconds
bounds such a delay to one slice. ``None``: one wait per timeout (nbclient's own)."""


LATE_MESSAGES: list[tuple[str, str, float]] = []
"""``(channel, msg_type, seconds)`` of the last messages (at most 100) that sat unread
for more than half a second until a slice's last poll found them: each one would
have kept the runner waiting for a whole timeout without the slices."""


def _note_late(channel: str, msg: dict) -> None:
    sent = msg.get("header", {}).get("date")
    if sent is None or not hasattr(sent, "timestamp"):
        return
    waited = time.time() - sent.timestamp()
    if waited > 0.5:
        LATE_MESSAGES.append((channel, msg.get("msg_type", "?"), round(waited, 2)))
        del LATE_MESSAGES[:-100]


@functools.cache
def _stamp() -> str:
    """Now, as nbclient writes its stamps (ISO 8601 strings: the nbformat schema)."""
    return datetime.datetime.now(datetime.timezone.utc).isoformat()


def _kernel_client_class():
    """``AsyncKernelClient`` whose shell and IOPub waits poll in ``POLL_SLICE`` slices."""

    class _SlicedChannel(AsyncZMQSocketChannel):
        name = "shell"

        async def get_msg(self, timeout: float | None = None):
            if POLL_SLICE is None or (timeout is not None and timeout <= POLL_SLICE):
                return await super().get_msg(timeout)
            deadline = None if timeout is None else time.monotonic() + timeout
            while True:
                left = None if deadline is None else deadline - time.monotonic()
                step = POLL_SLICE if left is None else max(0.0, min(POLL_SLICE, left))
                start = time.monotonic()
                try:
                    msg = await super().get_msg(step)
                except Empty:
                    if left is not None and left <= POLL_SLICE:
                        raise
                    continue
                if time.monotonic() - start >= step > 0:  # found by the last poll
                    _note_late(self.name, msg)
                return msg

    class _IOPubChannel(_SlicedChannel):
        name = "iopub"

    class _KernelClient(AsyncKernelClient):
        shell_channel_class = Type(_SlicedChannel)
        iopub_channel_class = Type(_IOPubChannel)

    return _KernelClient


@functools.cache
def _client_class():
    """``NotebookClient`` that names the notebook and cell of a timeout (made lazily:
    nbclient is imported only when a notebook runs)."""

    class _Client(NotebookClient):
        label = "notebook"
        on_timeout = None

        def create_kernel_manager(self):
            km = super().create_kernel_manager()
            km.client_factory = _kernel_client_class()
            if TRANSPORT == "ipc":  # socket files of its own: no port to race for
                km.transport = "ipc"
                km.ip = os.path.join(
                    tempfile.gettempdir(), f"lecturelib-kernel-{uuid.uuid4().hex[:12]}"
                )
            return km

        def _kernel_cpu(self) -> float | None:
            """CPU seconds used so far by the kernel process and its children."""
            try:
                proc = psutil.Process(self.km.provisioner.process.pid)
                total = sum(proc.cpu_times()[:2])
                for child in proc.children(recursive=True):
                    total += sum(child.cpu_times()[:2])
                return total
            except Exception:  # noqa: BLE001 - diagnostics only
                return None

        async def async_execute_cell(self, cell, cell_index, *args, **kwargs):
            self._cell_cpu = self._kernel_cpu()
            self._seen: list[str] = []
            sent = _stamp()
            cell = await super().async_execute_cell(cell, cell_index, *args, **kwargs)
            if "execution" in cell.get("metadata", {}):  # beside nbclient's stamps
                cell.metadata.execution["lecturelib.sent"] = sent
                cell.metadata.execution["lecturelib.done"] = _stamp()
            return cell

        def process_message(self, msg, cell, cell_index):
            kind = msg["msg_type"]
            if kind == "status":
                kind += ":" + msg["content"].get("execution_state", "")
            if len(self._seen) < 50:
                self._seen.append(kind)
            return super().process_message(msg, cell, cell_index)

        async def _async_handle_timeout(self, timeout, cell=None):
            if cell is None:  # kernel_info before the first cell
                return await super()._async_handle_timeout(timeout, cell)
            now, before = self._kernel_cpu(), getattr(self, "_cell_cpu", None)
            cpu = None if now is None or before is None else now - before
            message = timeout_message(
                self.label,
                _index_of(self.nb, cell),
                cell.source,
                timeout,
                cpu,
                getattr(self, "_seen", ()),
            )
            self.log.error(message)
            if self.on_timeout is not None:
                try:
                    self.on_timeout(self.km.provisioner.process.pid)
                except Exception as err:  # noqa: BLE001 - diagnostics only
                    self.log.error("on_timeout failed: %s", err)
            raise CellTimeoutError(message)

    return _Client


def quiet_kernel_shutdowns() -> None:
    """Silence tornado's reports of ZMQ streams closed by a finished kernel.

    Executing several notebooks in one process leaves callbacks of each shut-down
    kernel's sockets; they log harmless tracebacks ("Socket operation on
    non-socket", "Got events for closed stream"). For command-line tools only.
    """

    for name in ("tornado.general", "tornado.application"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _short_error(err: Exception) -> str:
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(err))
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return (lines[-1] if lines else type(err).__name__)[:300]
