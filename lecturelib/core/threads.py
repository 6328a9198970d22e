"""How many threads a kernel should use: the CPU budget it was given, not the node's cores.

torch sizes its thread pool from the cores it sees. On a shared machine or in a
container with a CPU limit (a JupyterHub on Kubernetes gives each student a cgroup
quota, ``cpu.max``) that is too many: the extra threads are throttled or wait for
the other users' work, and a forward pass gets several times slower.

:func:`cpu_budget` picks the smallest of the visible cores (``os.cpu_count``), the
affinity mask (``os.sched_getaffinity``) and the cgroup CPU quota (v2 ``cpu.max``,
v1 ``cpu.cfs_quota_us`` / ``cpu.cfs_period_us``; quota / period rounded down, at
least 1); ``LECTURELIB_THREADS``, then ``OMP_NUM_THREADS``, override it.
:func:`apply_threads` gives that count to torch and to the BLAS/OpenMP pools of
scikit-learn and openTSNE (threadpoolctl, and the environment variables these
libraries read when they load later). :func:`setup_threads` does both; the
notebooks' set-up cell (:func:`lecturelib.workbook.setup_notebook`) calls it.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import torch
from threadpoolctl import threadpool_limits

__all__ = ["apply_threads", "cpu_budget", "setup_threads", "single_thread"]

#: Environment variables that set the count, the first one set wins.
OVERRIDES = ("LECTURELIB_THREADS", "OMP_NUM_THREADS")
#: What OpenMP and BLAS runtimes loaded after the set-up read when they start.
POOL_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# the variables apply_threads set, so that a second set-up does not take them as
# the user's override
_SET_HERE: dict[str, str] = {}
_LIMITS = None  # the threadpoolctl limits, kept for the kernel's life


def _override(name: str, text: str) -> int:
    """An override's thread count (OpenMP's "4,2" lists: the first level)."""
    value = text.split(",")[0].strip() if name == "OMP_NUM_THREADS" else text.strip()
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"{name} must be an integer ≥ 1 (threads), got {text!r}")
    return n


def _read_numbers(path: Path) -> list[str] | None:
    try:
        return path.read_text().split()
    except (OSError, UnicodeDecodeError):
        return None


def _cgroup_quota(root: Path) -> float | None:
    """CPUs the cgroup quota allows (v2, else v1); None: no quota or unreadable."""
    fields = _read_numbers(root / "cpu.max")  # v2: "max 100000" or "200000 100000"
    if fields is not None:
        pair = fields[:2] if len(fields) == 2 and fields[0] != "max" else None
    else:  # v1: the cpu controller's folder, named alone or with cpuacct
        pair = None
        for folder in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
            quota = _read_numbers(root / folder / "cpu.cfs_quota_us")
            period = _read_numbers(root / folder / "cpu.cfs_period_us")
            if quota is not None and period is not None:
                pair = (quota + period)[:2] if len(quota) == len(period) == 1 else None
                break
    try:
        quota, period = (int(v) for v in pair)
    except (TypeError, ValueError):  # no quota ("max", -1) or a malformed file
        return None
    return quota / period if quota > 0 and period > 0 else None


def cpu_budget(
    root: str | os.PathLike = "/sys/fs/cgroup",
    *,
    env: Mapping[str, str] | None = None,
    cores: int | None = None,
    affinity: int | None = None,
) -> tuple[int, str]:
    """The thread count for this process and why: ``(n, "cgroup quota 2.0 CPUs of 64 cores")``.

    Args:
        root: where the cgroup files are (v2 ``cpu.max``; v1 ``cpu/cpu.cfs_quota_us``
            and ``cpu/cpu.cfs_period_us``). Unreadable or malformed files count as
            no quota.
        env: the environment (default ``os.environ``): ``LECTURELIB_THREADS``, then
            ``OMP_NUM_THREADS``, override the budget when set.
        cores, affinity: the visible cores and the CPUs of the affinity mask
            (default: ``os.cpu_count()``, ``len(os.sched_getaffinity(0))``).
    Raises:
        ValueError: an override that is not an integer ≥ 1.
    """
    env = os.environ if env is None else env
    if cores is None:
        cores = os.cpu_count() or 1
    if affinity is None and hasattr(os, "sched_getaffinity"):
        affinity = len(os.sched_getaffinity(0))
    of = f"of {cores} core{'s' if cores != 1 else ''}"
    for name in OVERRIDES:
        if env.get(name, "").strip():
            n = _override(name, env[name])
            return n, f"set by {name} ({cores} cores)"
    n, reason = cores, f"all {cores} core{'s' if cores != 1 else ''}"
    if affinity is not None and 1 <= affinity < n:
        n, reason = affinity, f"affinity mask {affinity} CPUs {of}"
    quota = _cgroup_quota(Path(root))
    if quota is not None and max(1, math.floor(quota)) < n:
        n, reason = max(1, math.floor(quota)), f"cgroup quota {quota:.1f} CPUs {of}"
    return n, reason


def apply_threads(n: int) -> None:
    """Use ``n`` threads in torch and in the BLAS/OpenMP pools (scikit-learn, openTSNE).

    Libraries already loaded are limited through threadpoolctl (the limit is kept
    for the kernel's life); those loaded later read ``OMP_NUM_THREADS``,
    ``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS``, set here.
    """
    global _LIMITS
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an integer ≥ 1 (threads), got {n!r}")
    torch.set_num_threads(n)
    for name in POOL_VARIABLES:
        os.environ[name] = _SET_HERE[name] = str(n)
    if _LIMITS is not None:
        _LIMITS.restore_original_limits()
    _LIMITS = threadpool_limits(limits=n)


def setup_threads(root: str | os.PathLike = "/sys/fs/cgroup") -> str:
    """:func:`cpu_budget`, then :func:`apply_threads`; returns the line to print."""
    env = {k: v for k, v in os.environ.items() if _SET_HERE.get(k) != v}
    n, reason = cpu_budget(root, env=env)
    apply_threads(n)
    return f"{n} thread{'s' if n != 1 else ''}: {reason}"


@contextmanager
def single_thread() -> Iterator[None]:
    """torch on one thread for a block, then back to the count it had.

    For loops of tiny tensor ops (a 2-D MLP, t-SNE on a few hundred points): extra
    threads only spin, 5-10× slower on a busy 2-core CPU (40× measured for t-SNE's
    200×200 steps under a load of 10).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
