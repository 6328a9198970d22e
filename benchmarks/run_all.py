"""`make bench`: every benchmarks/bench_*.py and each notebook's run time, in one report.

Each benchmark runs as ``python benchmarks/bench_<topic>.py [--quick]`` with the result
cache off (so nothing is answered from disk) and writes benchmarks/results/<topic>.md;
this script then executes each notebook on a cold cache and writes
benchmarks/results/REPORT.md: the machine, one summary table, and each benchmark's
own table, all measured in the same run. A full run also refreshes
benchmarks/results/<topic>.md (unless --keep-results); --quick runs each benchmark's
short version, leaves those files alone and writes REPORT-quick.md. With --readme it also replaces the
Benchmarks block of README.md (between the ``<!-- bench:begin -->`` markers).

Usage:
    python benchmarks/run_all.py [--quick] [--only occlusion,saliency] [--no-notebooks]
                                 [--notebooks 05,06] [--cell-timeout 300] [--readme]
                                 [--keep-results]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
README_BEGIN, README_END = "<!-- bench:begin -->", "<!-- bench:end -->"


def machine() -> str:
    """One line: CPU model and cores, memory, GPU, torch and Python versions."""
    cpu = platform.processor() or platform.machine()
    try:
        text = Path("/proc/cpuinfo").read_text()
        cpu = re.search(r"model name\s*:\s*(.+)", text).group(1).strip()
    except (OSError, AttributeError):
        pass
    cores = (
        len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count()
    )
    try:
        kb = int(
            re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1)
        )
        memory = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, AttributeError):
        memory = ""
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (
        f"{cpu}, {cores} cores{memory}, {gpu}; torch {torch.__version__}, "
        f"Python {platform.python_version()}, {platform.system()}"
    )


def run_benchmark(script: Path, quick: bool, limit: float) -> dict:
    """Run one bench_<topic>.py; returns its status, wall time and Markdown table.

    The script writes ``results/<topic>.md`` beside itself: ``script`` is a copy in a
    temporary folder, and main() copies the results back after a full run.
    """
    topic = script.stem.removeprefix("bench_")
    result_file = script.parent / "results" / f"{topic}.md"
    before = result_file.stat().st_mtime if result_file.exists() else None
    env = dict(os.environ, LECTURELIB_CACHE="off", MPLBACKEND="Agg")
    env.setdefault("LECTURELIB_OFFLINE", "1")
    command = [sys.executable, str(script)] + (["--quick"] if quick else [])
    print(f"== {script.name}{' --quick' if quick else ''}", flush=True)
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            command,
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=limit,
        )
        status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
        printed, tail = (
            proc.stdout,
            (proc.stdout + proc.stderr).strip().splitlines()[-5:],
        )
    except subprocess.TimeoutExpired:
        status, printed, tail = f"timed out after {limit:.0f} s", "", []
    seconds = time.perf_counter() - start
    fresh = result_file.exists() and result_file.stat().st_mtime != before
    table = result_file.read_text().strip() if fresh else ""
    if status == "ok" and not fresh:  # e.g. a --quick run that only prints its table
        table = _markdown_part(printed)
        if not table:
            status = f"wrote no results/{topic}.md"
    print(f"   {status} ({seconds:.0f} s)", flush=True)
    if status != "ok":
        print("   " + "\n   ".join(tail), flush=True)
    return {"topic": topic, "status": status, "seconds": seconds, "table": table}


def _markdown_part(printed: str) -> str:
    """The printed output from its first heading or table row on."""
    lines = printed.strip().splitlines()
    first = next((i for i, ln in enumerate(lines) if ln.startswith(("#", "|"))), None)
    return "" if first is None else "\n".join(lines[first:]).strip()


def time_notebooks(only: str = "", cell_timeout: int | None = None) -> list[dict]:
    """Each notebook executed top to bottom on a cold (empty, temporary) cache, then
    again on the cache that run filled (``warm``: as after ``make precompute``).

    ``cell_timeout``: seconds per cell (default the runner's); a cell that runs
    longer fails its notebook with the cell named."""
    from lecturelib.tooling.notebook_runner import (
        CELL_TIMEOUT,
        execute_notebook,
        notebook_paths,
    )

    timeout = cell_timeout or CELL_TIMEOUT

    rows = []
    with tempfile.TemporaryDirectory(prefix="lecturelib-bench-cache-") as cold:
        env = {
            "LECTURELIB_CACHE": cold,
            "LECTURELIB_OFFLINE": os.environ.get("LECTURELIB_OFFLINE", "1"),
        }
        for path in notebook_paths(only):
            print(f"== {path.name}", flush=True)
            _, seconds, error = execute_notebook(path, env=env, timeout=timeout)
            warm = None
            if not error:
                _, warm, error = execute_notebook(path, env=env, timeout=timeout)
            print(
                f"   {'FAILED: ' + error if error else 'ok'} ({seconds:.1f} s"
                + (f", warm {warm:.1f} s)" if warm is not None else ")"),
                flush=True,
            )
            rows.append(
                {
                    "notebook": path.stem,
                    "seconds": seconds,
                    "warm_seconds": warm,
                    "error": error,
                }
            )
    return rows


def _demote(markdown: str, by: int) -> str:
    """Headings ``by`` levels deeper (at most six #), to nest them in a section."""
    return re.sub(
        r"^(#{1,6}) ",
        lambda m: "#" * min(6, len(m.group(1)) + by) + " ",
        markdown,
        flags=re.MULTILINE,
    )


def report(benches: list[dict], notebooks: list[dict] | None, *, quick: bool) -> str:
    """The Markdown of REPORT.md."""
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    lines = [
        "# Benchmark report",
        "",
        f"Measured on {when}, `make bench{' QUICK=1' if quick else ''}`, on: {machine()}.",
        (
            "Every number below comes from this one run; speed-ups are ratios of "
            "times measured back to back on the same machine, result cache off "
            "(except the `cache` benchmark, which measures it)."
        ),
        "",
        "| what | status | wall time |",
        "|---|---|---:|",
    ]
    lines += [
        f"| benchmark `{b['topic']}` | {b['status']} | {b['seconds']:.0f} s |"
        for b in benches
    ]
    for nb in notebooks or []:
        status = (
            "ok"
            if not nb["error"]
            else "failed: " + nb["error"].replace("|", "/")[:120]
        )
        warm = nb.get("warm_seconds")
        lines.append(
            f"| notebook `{nb['notebook']}` (cold → warm cache) | {status} | "
            f"{nb['seconds']:.1f} s → {'—' if warm is None else f'{warm:.1f} s'} |"
        )
    if notebooks:
        total = sum(nb["seconds"] for nb in notebooks)
        warm = [nb.get("warm_seconds") for nb in notebooks]
        after = "—" if None in warm else f"{sum(warm):.0f} s"
        lines.append(f"| all {len(notebooks)} notebooks | | {total:.0f} s → {after} |")
    for b in benches:
        lines += [
            "",
            f"## {b['topic']}",
            "",
            _demote(b["table"], 2) if b["table"] else f"({b['status']})",
        ]
    return "\n".join(lines) + "\n"


def update_readme(text: str, readme: Path = ROOT / "README.md") -> bool:
    """Put ``text`` between the README's bench markers; False when they are missing."""
    content = readme.read_text()
    pattern = re.compile(
        re.escape(README_BEGIN) + ".*?" + re.escape(README_END), re.DOTALL
    )
    if not pattern.search(content):
        return False
    body = re.sub(r"^# Benchmark report\n\n", "", text)
    body = _demote(body, 1)
    readme.write_text(
        pattern.sub(lambda _: f"{README_BEGIN}\n{body}{README_END}", content)
    )
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="each benchmark's short version"
    )
    parser.add_argument("--only", default="", help="topics, e.g. occlusion,saliency")
    parser.add_argument(
        "--no-notebooks", action="store_true", help="skip the notebook timings"
    )
    parser.add_argument(
        "--notebooks", default="", help="notebook prefixes to time, e.g. 05,06"
    )
    parser.add_argument(
        "--limit", type=float, default=None, help="seconds per benchmark"
    )
    parser.add_argument(
        "--cell-timeout",
        type=int,
        default=None,
        help="seconds per notebook cell (default: lecturelib.tooling.notebook_runner's 300)",
    )
    parser.add_argument("--readme", action="store_true", help="also update README.md")
    parser.add_argument(
        "--keep-results",
        action="store_true",
        help="leave benchmarks/results/<topic>.md as they are",
    )
    args = parser.parse_args(argv)
    topics = [t.strip() for t in args.only.split(",") if t.strip()]
    RESULTS.mkdir(parents=True, exist_ok=True)
    limit = args.limit or (300.0 if args.quick else 1800.0)
    with tempfile.TemporaryDirectory(prefix="lecturelib-bench-") as scratch:
        folder = Path(scratch) / "benchmarks"  # a copy: results land there first
        shutil.copytree(
            BENCH, folder, ignore=shutil.ignore_patterns("results", "__pycache__")
        )
        scripts = [
            s
            for s in sorted(folder.glob("bench_*.py"))
            if not topics or s.stem.removeprefix("bench_") in topics
        ]
        benches = [run_benchmark(s, args.quick, limit) for s in scripts]
        if not (
            args.quick or args.keep_results
        ):  # full runs refresh results/<topic>.md
            for fresh in (folder / "results").glob("*.md"):
                shutil.copy2(fresh, RESULTS / fresh.name)
    notebooks = (
        None if args.no_notebooks else time_notebooks(args.notebooks, args.cell_timeout)
    )
    text = report(benches, notebooks, quick=args.quick)
    name = "REPORT-quick" if args.quick else "REPORT"
    (RESULTS / f"{name}.md").write_text(text)
    (RESULTS / f"{name}.json").write_text(
        json.dumps(
            {
                "benchmarks": [
                    {k: b[k] for k in ("topic", "status", "seconds")} for b in benches
                ],
                "notebooks": notebooks,
            },
            indent=2,
        )
    )
    print(f"wrote {RESULTS / (name + '.md')}")
    if args.readme and not update_readme(text):
        print("README.md has no bench markers; left as it is", file=sys.stderr)
    failed = [b for b in benches if b["status"] != "ok"] + [
        n for n in notebooks or [] if n["error"]
    ]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
