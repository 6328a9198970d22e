"""Count kernel stalls: execute notebooks again and again through lecturelib.tooling.notebook_runner.

A *stall* is a cell that runs past the per-cell timeout while its kernel is idle (the
runner's message then says "the kernel was idle"), or a message one side noticed only
20 s or more after the other sent it (``kernel_late``: from the client sending a cell
to the kernel starting it; ``client_late``: from the kernel finishing a cell to the
client noticing; such a wait ends when a poll times out, so it is as long as the
timeout and then the run goes on as if nothing happened). Each notebook run is one line of
a JSON-lines log; at the end a Markdown table says, per notebook, how many runs
there were and how many stalled, with the cell of each stall. Run it with the
interpreter of the configuration under test (the kernel is started with the same
Python), with a warm result cache so that rounds are cheap:

    export LECTURELIB_OFFLINE=1 LECTURELIB_CACHE=/tmp/stall-cache \\
           LECTURELIB_CIFAR10=/work/shared/datasets/cifar10-jpeg
    nice -n 15 .venv/bin/python tools/stall_rounds.py --rounds 20 --label ipykernel-7

Cheaper stress of the kernel life cycle alone (no lecture code; ``--workers K``
processes start their kernels at the same moment, each running ``--tiny N`` small
notebooks back to back):

    .venv/bin/python tools/stall_rounds.py --tiny 50 --workers 4 --label tiny-x4

When a stall happens and ``py-spy`` is found (``$PY_SPY``, the PATH), the kernel's
threads are dumped into the log, before the kernel is stopped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from lecturelib.tooling import notebook_runner
from lecturelib.tooling.notebook_runner import (
    execute_notebook,
    notebook_paths,
    quiet_kernel_shutdowns,
)

TINY_CELLS = [
    "import sys, time",
    "print('hello', sys.version_info[:2])",
    "from IPython.display import display\ndisplay({'x': 1}, raw=False)",
    "import ipywidgets as w\nw.IntSlider(3)",
    "for i in range(3):\n    print(i, flush=True)\n    time.sleep(0.01)",
]


def versions() -> dict:
    out = {"python": platform.python_version(), "executable": sys.executable}
    for pkg in ("ipykernel", "jupyter_client", "nbclient", "pyzmq", "tornado"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "-"
    return out


def _pyspy_dumper(log_events: list):
    spy = os.environ.get("PY_SPY") or shutil.which("py-spy")
    if not spy:
        return None

    def dump(pid: int) -> None:
        try:
            text = subprocess.run(
                [spy, "dump", "--pid", str(pid)],
                capture_output=True,
                check=False,
                text=True,
                timeout=30,
            ).stdout
        except (OSError, subprocess.SubprocessError) as err:
            text = f"py-spy failed: {err}"
        log_events.append(text)

    return dump


def _timeline(nb, timeout: float) -> dict:
    """Where a notebook's time went, from each cell's time stamps: the client's
    (``lecturelib.sent``/``done``, lecturelib.tooling.notebook_runner) and the kernel's own
    (``iopub.status.busy``/``idle``, nbclient's ``metadata.execution``).

    ``kernel_late``: the longest delay from the client sending a cell to the kernel
    starting it (a request the kernel did not notice); ``client_late``: from the
    kernel finishing a cell to the client noticing (a reply the client did not
    notice); ``slowest_cell``: the longest busy -> idle. Each is ``[cell, seconds]``.
    """
    from datetime import datetime

    def stamp(ex, key):
        value = ex.get(key)
        if isinstance(value, str):
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        return value

    worst = {"kernel_late": [None, 0.0], "client_late": [None, 0.0]}
    worst["slowest_cell"] = [None, 0.0]
    worst["late_cells"] = []
    for i, cell in enumerate(nb.cells):
        ex = cell.get("metadata", {}).get("execution", {})
        sent, done = stamp(ex, "lecturelib.sent"), stamp(ex, "lecturelib.done")
        busy, idle = stamp(ex, "iopub.status.busy"), stamp(ex, "iopub.status.idle")
        for key, a, b in (
            ("kernel_late", sent, busy),
            ("client_late", idle, done),
            ("slowest_cell", busy, idle),
        ):
            if a is not None and b is not None and b - a > worst[key][1]:
                worst[key] = [i, round(b - a, 1)]
            late = a is not None and b is not None and b - a >= min(LATE, 0.8 * timeout)
            if key != "slowest_cell" and late:
                worst["late_cells"].append([i, round(b - a, 1)])
    return worst


LATE = 20.0
"""Seconds of delay (kernel_late / client_late) that count as a stall: a message
that one side did not notice until the other side's poll timed out."""


def run_one(path: Path, timeout: int, log, round_no: int, extra: dict) -> dict:
    dumps: list[str] = []
    nb, seconds, error = execute_notebook(
        path, timeout=timeout, on_timeout=_pyspy_dumper(dumps)
    )
    row = {
        "round": round_no,
        "notebook": path.stem,
        "seconds": round(seconds, 2),
        "error": error,
        "timeout": bool(error and "did not finish within" in error),
        "time": time.strftime("%H:%M:%S"),
        **_timeline(nb, timeout),
        **extra,
    }
    row["late_messages"] = notebook_runner.LATE_MESSAGES[:]
    notebook_runner.LATE_MESSAGES.clear()
    row["stall"] = bool(error and "the kernel was idle" in error) or bool(
        row["late_cells"]
    )
    if dumps:
        row["kernel_stacks"] = dumps[0]
    log.write(json.dumps(row) + "\n")
    log.flush()
    state = "STALL" if row["stall"] else ("FAIL" if error else "ok")
    print(
        f"[{row['time']}] round {round_no} {path.stem}: {state} {seconds:.1f} s "
        f"(slowest cell {row['slowest_cell']}, kernel late {row['kernel_late']}, "
        f"client late {row['client_late']}, caught late {row['late_messages']})"
        + (f" -- {error}" if error else ""),
        flush=True,
    )
    return row


RACE_SETUP = """import io
import ipywidgets as W
import matplotlib.pyplot as plt
from IPython.display import Image, display
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(range(100))
buf = io.BytesIO()
fig.savefig(buf, format="png")
plt.close(fig)
png, out = buf.getvalue(), W.Output()
display(out)"""
RACE_CELL = """with out:
    out.clear_output(wait=True)
    display(Image(png))"""
"""``--race``: 60 cells whose last act is to show a picture in an Output widget.
nbclient's Output-widget stand-in then sends the widget's new state to the kernel
on the shell socket while it waits on that socket for the cell's reply: the
reply's wake-up is sometimes missed (a few cells in a hundred)."""


def tiny_notebooks(folder: Path, count: int, race: bool = False) -> list[Path]:
    import nbformat

    cells = [RACE_SETUP] + [RACE_CELL] * 60 if race else TINY_CELLS
    paths = []
    for i in range(count):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
        path = folder / f"{i:03d}_{'race' if race else 'tiny'}.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def table(rows: list[dict], label: str, info: dict, started: float) -> str:
    per = Counter(r["notebook"] for r in rows)
    stalls = Counter(r["notebook"] for r in rows if r["stall"])
    late = sum(len(r.get("late_cells", [])) for r in rows)
    caught = sum(len(r.get("late_messages", [])) for r in rows)
    fails = Counter(r["notebook"] for r in rows if r["error"] and not r["stall"])
    rounds = max((r["round"] for r in rows), default=0)
    lines = [
        f"### {label}",
        "",
        f"{rounds} rounds, {len(rows)} notebook runs, "
        f"{sum(stalls.values())} runs with stalls ({late} stalled cells), "
        f"{caught} late replies caught by a slice, {sum(fails.values())} other failures, "
        f"{(time.time() - started) / 60:.0f} min; "
        + ", ".join(f"{k} {v}" for k, v in info.items() if k != "executable"),
        "",
        "| notebook | runs | stalls | other failures |",
        "|---|---:|---:|---:|",
    ]
    names = sorted(per)
    if len(names) > 12:  # tiny notebooks: one line for all
        lines.append(
            f"| {len(names)} tiny notebooks | {len(rows)} | {sum(stalls.values())} "
            f"| {sum(fails.values())} |"
        )
    else:
        lines += [f"| {n} | {per[n]} | {stalls[n]} | {fails[n]} |" for n in names]
    events = [r for r in rows if r["error"] or r["stall"]]
    if events:
        lines += ["", "Stalls and failures (cell indices count every cell from 0):", ""]
        for r in events:
            what = r["error"] or (
                f"{r['notebook']}: stalled cells {r['late_cells']} ([cell, s]: "
                "a cell's request or reply noticed that late)"
            )
            who = f" {r['worker']}" if r.get("worker") else ""
            lines.append(f"- round {r['round']}{who}: {what}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--only", default="", help="notebook prefixes, e.g. 05,06")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell")
    parser.add_argument("--label", default="", help="name of this configuration")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "stalls")
    parser.add_argument("--tiny", type=int, default=0, help="N tiny notebooks instead")
    parser.add_argument("--workers", type=int, default=1, help="--tiny: K processes")
    parser.add_argument(
        "--race",
        action="store_true",
        help="--tiny: the Output-widget race notebook (use --timeout 5)",
    )
    parser.add_argument(
        "--no-slice",
        action="store_true",
        help="wait as nbclient does (notebook_runner.POLL_SLICE = None)",
    )
    parser.add_argument(
        "--tcp",
        action="store_true",
        help="kernels over TCP ports (notebook_runner.TRANSPORT = 'tcp')",
    )
    parser.add_argument("--worker-id", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.no_slice:
        notebook_runner.POLL_SLICE = None
    if args.tcp:
        notebook_runner.TRANSPORT = "tcp"
    info = versions()
    info["POLL_SLICE"] = notebook_runner.POLL_SLICE
    info["TRANSPORT"] = notebook_runner.TRANSPORT
    label = args.label or f"ipykernel {info['ipykernel']}"
    args.out.mkdir(parents=True, exist_ok=True)
    slug = "".join(c if c.isalnum() or c in "-_." else "_" for c in label)
    log_path = args.out / f"{slug}{args.worker_id}.jsonl"
    quiet_kernel_shutdowns()
    started = time.time()

    if args.tiny and args.workers > 1 and not args.worker_id:
        cmd = [sys.executable, __file__, "--tiny", str(args.tiny), "--rounds"]
        cmd += [str(args.rounds), "--timeout", str(args.timeout), "--label", label]
        cmd += ["--out", str(args.out)] + (["--no-slice"] if args.no_slice else [])
        cmd += ["--tcp"] if args.tcp else []
        cmd += ["--race"] if args.race else []
        procs = [
            subprocess.Popen([*cmd, f"--worker-id=-w{k}"]) for k in range(args.workers)
        ]
        codes = [p.wait() for p in procs]
        rows = []
        for k in range(args.workers):
            part = args.out / f"{slug}-w{k}.jsonl"
            rows += [json.loads(ln) for ln in part.read_text().splitlines()]
        report = table(rows, f"{label} ({args.workers} workers at once)", info, started)
        (args.out / f"{slug}.md").write_text(report)
        print(report)
        return max(codes)

    rows = []
    with open(log_path, "w") as log, tempfile.TemporaryDirectory() as tmp:
        paths = tiny_notebooks(Path(tmp), args.tiny, args.race) if args.tiny else None
        print(f"{label}: {info}; log {log_path}", flush=True)
        for round_no in range(1, args.rounds + 1):
            for path in paths or notebook_paths(args.only):
                extra = {"worker": args.worker_id} if args.worker_id else {}
                rows.append(run_one(path, args.timeout, log, round_no, extra))
    if not args.worker_id:
        report = table(rows, label, info, started)
        (args.out / f"{slug}.md").write_text(report)
        print(report)
    return 1 if any(r["error"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
