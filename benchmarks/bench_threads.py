"""Threads from the CPU budget against torch's default, next to 0, 1 and 2 busy processes.

ResNet18 (random weights), a batch of 8 images 224×224, forward pass without
gradients, median of 5 (each after a warm-up pass), at four thread counts taking turns:

* the count :func:`lecturelib.core.threads.cpu_budget` picks (what the set-up cell uses);
* torch's default (what a kernel had before, read when this script starts);
* 1 thread;
* 4× the budget: a pool too large for the CPUs it may use, as torch's default is in a
  container whose cgroup quota is smaller than the node's cores (a 2-CPU limit on a
  64-core node: 64 threads). Oversubscribing the cores only approximates the quota's
  throttling, which is worse (public reports: 4× to 45×).

A busy process is a Python loop in a subprocess (bounded to 10 minutes, killed when
its row is done).

    python benchmarks/bench_threads.py           # median of 5
    python benchmarks/bench_threads.py --quick   # median of 3, no run with 2 busy

Writes the Markdown table to ``benchmarks/results/threads.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
import torchvision

from lecturelib.core.threads import cpu_budget

DEFAULT_THREADS = torch.get_num_threads()  # before anything sets it
NOTE = (
    "Cores shared without a quota are shared by thread: a pool larger than the "
    "cores takes a bigger share of them from the other users' jobs (not a faster "
    "forward pass for the machine), and a pool's threads wait for each other "
    "whenever one is descheduled. The budget cannot see other users' load; "
    "LECTURELIB_THREADS=1 is the fair setting there."
)
BUSY = (
    "import time\nend = time.monotonic() + 600\nwhile time.monotonic() < end:\n    pass"
)


def _medians(model, x, counts: dict[str, int], repeats: int) -> dict[str, float]:
    """Median seconds of a forward pass at each thread count, the counts taking turns
    (each round runs every count once), so that a change in the machine's other load
    falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in counts}
    with torch.no_grad():
        for _ in range(repeats):
            for name, n in counts.items():
                torch.set_num_threads(n)
                model(x)  # warm-up: the resized pool
                start = time.perf_counter()
                model(x)
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def run(loads: list[int], repeats: int) -> str:
    budget, reason = cpu_budget()
    counts = {
        f"chosen: {budget}": budget,
        f"torch default: {DEFAULT_THREADS}": DEFAULT_THREADS,
        "1 thread": 1,
        f"4× the budget: {4 * budget}": 4 * budget,
    }
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    x = torch.randn(8, 3, 224, 224)
    load_before = os.getloadavg()
    rows = []
    for busy in loads:
        procs = []
        try:
            procs = [
                subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(busy)
            ]
            time.sleep(0.5)
            cells = _medians(model, x, counts, repeats)
            for name, seconds in cells.items():
                print(f"{busy} busy  {name:24s} {seconds:.3f} s", flush=True)
        finally:
            for p in procs:
                p.kill()
                p.wait()
        chosen = cells[f"chosen: {budget}"]
        text = [f"{s:.2f} s" + (f" (×{s / chosen:.2f})" if s is not chosen else "")
                for s in cells.values()]  # fmt: skip
        rows.append(f"| {busy} | " + " | ".join(text) + " |")
    load_after = os.getloadavg()
    torch.set_num_threads(DEFAULT_THREADS)
    lines = [
        "# Threads: the CPU budget against torch's default (ResNet18 forward, batch 8)",
        "",
        (
            f"Machine: {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} cores, torch {torch.__version__}. Budget: {budget} "
            f"({reason}). Load average before the run "
            f"{load_before[0]:.2f} (1 min), {load_before[1]:.2f} (5 min), after "
            f"{load_after[0]:.2f} (1 min): the machine was shared with other jobs, so "
            "'0 busy' is not a quiet machine."
        ),
        (
            f"Each cell: median of {repeats} forward passes (224×224, random weights, "
            "no gradients), the thread counts taking turns; in brackets, the time "
            "against the chosen count's."
        ),
        NOTE,
        "",
        "| busy processes | " + " | ".join(counts) + " |",
        "|" + "---|" * (len(counts) + 1),
        *rows,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="median of 3, 0-1 busy")
    args = parser.parse_args()
    table = run([0, 1] if args.quick else [0, 1, 2], 3 if args.quick else 5)
    print(table)
    out = Path(__file__).parent / "results" / "threads.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(table)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
