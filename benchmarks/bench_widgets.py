"""Slider latency: every control of every panel moved as in the page, on an empty cache.

Each notebook is executed headless (:func:`lecturelib.tooling.notebook_runner.execute_notebook`)
with a fresh, empty result cache; then, in the same kernel, every control of every
live :class:`lecturelib.tooling.panel.Panel` (passive ones aside) is set to 5 values
spread over its range, both ends included, as a move in the page
(:func:`lecturelib.tooling.panel.as_in_page`: the observer fires and the budget
applies). Per move, from the panel's ``last_timing``: seconds to the first picture
(partial or final), seconds to the complete answer, whether the setting was announced
(its estimate shown instead of computing) and the state (failed?). An announced
setting estimated under 5 minutes is then computed ("compute" button) to set the
estimate against the measured time; it misfired when it took 5 s or less, or when
the estimate is off by more than 2×. A value the control already has is not a move.

    python benchmarks/bench_widgets.py                   # all ten notebooks
    python benchmarks/bench_widgets.py --notebooks 05,06
    python benchmarks/bench_widgets.py --quick           # 3 values per control

Writes ``benchmarks/results/widgets.md`` and ``widgets.json`` (every move).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
ANSWER_S = 1.0  # a move "answers at once" within this
MEASURE_BELOW_S = 300.0  # announced settings estimated under this are computed
MISFIRE_AT_S = 5.0  # an announced setting that took at most this should have run
INTRO = (
    "Every control moved as in the page, on an empty result cache. Complete: the "
    "final picture shown; first picture: partial or final. Measured:"
)


# -- in the notebook's kernel ----------------------------------------------------------


def targets(control, count: int = 5) -> list:
    """``count`` values spread over a control's range, both ends included."""
    options = getattr(control, "options", None)
    if options is not None:
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        if len(values) <= count:
            return values
        picks = [round(i * (len(values) - 1) / (count - 1)) for i in range(count)]
        return [values[i] for i in dict.fromkeys(picks)]
    if isinstance(control.value, bool):
        return [False, True]
    if not hasattr(control, "min"):  # free text (03's photo address): no range to sweep
        return []
    low, high = control.min, control.max
    step = getattr(control, "step", None) or 1
    raw = [low + i * (high - low) / (count - 1) for i in range(count)]
    snapped = [min(high, low + round((v - low) / step) * step) for v in raw]
    if isinstance(control.value, int):
        snapped = [int(v) for v in snapped]
    else:
        snapped = [round(float(v), 6) for v in snapped]
    return list(dict.fromkeys(snapped))


def _row(panel, name, value, timing) -> dict:
    return {
        "panel": panel.name,
        "control": name,
        "value": value if isinstance(value, int | float | str | bool) else repr(value),
        "first_picture_s": timing.first_picture_s,
        "done_s": timing.done_s,
        "announced": timing.announced,
        "estimate_s": timing.estimate,
        "state": timing.state,
        "pictures": timing.pictures,
        "measured_s": None,
    }


def probe(out: str, count: int = 5) -> None:
    """Move every control of every live panel; writes the moves to ``out`` (JSON)."""
    from lecturelib.tooling.panel import as_in_page, live_panels

    rows = []
    for panel in live_panels():
        for name, control in panel.controls.items():
            if name in panel.passive:
                continue
            start = control.value
            for value in targets(control, count):
                if value == control.value:
                    continue
                before = panel.last_timing
                with as_in_page():
                    control.value = value
                if panel.last_timing is before:  # the move did not reach the panel
                    continue
                row = _row(panel, name, value, panel.last_timing)
                estimate = row["estimate_s"]
                if (
                    row["announced"]
                    and estimate is not None
                    and estimate < MEASURE_BELOW_S
                ):
                    panel.button.click()  # "compute"
                    row["measured_s"] = panel.last_timing.done_s
                rows.append(row)
            with contextlib.suppress(Exception):  # a range that moved meanwhile
                if control.value != start:  # back, as a cell would (not measured)
                    control.value = start
    Path(out).write_text(json.dumps(rows, indent=1))


# -- the benchmark ------------------------------------------------------------------


def misfired(row: dict) -> bool:
    """An announced setting that took ≤ 5 s, or whose estimate is off by over 2×."""
    measured, estimate = row["measured_s"], row["estimate_s"]
    if not row["announced"] or measured is None:
        return False
    return measured <= MISFIRE_AT_S or not measured / 2 <= estimate <= 2 * measured


def summary(rows: list[dict]) -> dict:
    moves = len(rows)
    complete = sum(
        r["state"] == "drawn" and not r["announced"] and r["done_s"] <= ANSWER_S
        for r in rows
    )
    first = sum(
        r["first_picture_s"] is not None and r["first_picture_s"] <= ANSWER_S
        for r in rows
    )
    return {
        "moves": moves,
        "complete_1s": complete,
        "first_picture_1s": first,
        "announced": sum(r["announced"] for r in rows),
        "misfires": sum(misfired(r) for r in rows),
        "failed": sum(r["state"] == "failed" for r in rows),
        "slowest_s": max((r["done_s"] or 0 for r in rows), default=0.0),
    }


def run_notebook(path: Path, count: int, cell_timeout: int) -> tuple[list, str | None]:
    from lecturelib.tooling.notebook_runner import execute_notebook

    with tempfile.TemporaryDirectory(prefix="lecturelib-widgets-") as scratch:
        out = Path(scratch) / "moves.json"
        code = (
            f"import sys; sys.path.insert(0, {str(HERE)!r})\n"
            f"import bench_widgets; bench_widgets.probe({str(out)!r}, {count})"
        )
        env = {
            "LECTURELIB_CACHE": str(Path(scratch) / "cache"),  # empty
            "LECTURELIB_OFFLINE": os.environ.get("LECTURELIB_OFFLINE", "1"),
        }
        _, _, error = execute_notebook(
            path, env=env, timeout=cell_timeout, extra_cells=[code], extra_timeout=3600
        )
        rows = json.loads(out.read_text()) if out.exists() else []
    for row in rows:
        row["notebook"] = path.stem
    return rows, error


def _share(part: int, whole: int) -> str:
    return f"{part} ({100 * part / whole:.0f}%)" if whole else "0"


def markdown(per_nb: dict, rows: list[dict], errors: dict, header: str) -> str:
    lines = [
        "# Slider latency",
        "",
        header,
        "",
        "| notebook | moves | complete ≤ 1 s | first picture ≤ 1 s "
        + "| announced | misfires | failed | slowest |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for nb, s in list(per_nb.items()) + [("**all**", summary(rows))]:
        lines.append(
            f"| {nb} | {s['moves']} | {_share(s['complete_1s'], s['moves'])} | "
            f"{_share(s['first_picture_1s'], s['moves'])} | {s['announced']} | "
            f"{s['misfires']} | {s['failed']} | {s['slowest_s']:.1f} s |"
        )
    slow = sorted(
        (r for r in rows if (r["done_s"] or 0) > ANSWER_S and not r["announced"]),
        key=lambda r: -r["done_s"],
    )
    if slow:
        lines += ["", "Moves that took more than 1 s (first picture, complete):", ""]
        lines += [
            f"- {r['notebook']} `{r['panel']}` {r['control']} = {r['value']}: "
            + (
                f"{r['first_picture_s']:.1f} s, "
                if r["first_picture_s"] is not None
                else "no picture, "
            )
            + f"{r['done_s']:.1f} s ({r['pictures']} pictures, {r['state']})"
            for r in slow
        ]
    announced = [r for r in rows if r["announced"]]
    if announced:
        lines += ["", "Announced settings (estimate → measured):", ""]
        lines += [
            f"- {r['notebook']} `{r['panel']}` {r['control']} = {r['value']}: "
            f"{r['estimate_s']:.1f} s → "
            + (
                "not computed"
                if r["measured_s"] is None
                else f"{r['measured_s']:.1f} s"
            )
            + (" **misfire**" if misfired(r) else "")
            for r in announced
        ]
    for nb, error in errors.items():
        lines += ["", f"**{nb} failed:** {error}"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", default="", help="prefixes, e.g. 05,06")
    parser.add_argument("--quick", action="store_true", help="3 values per control")
    parser.add_argument("--cell-timeout", type=int, default=None)
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the other notebooks of results/widgets.json (measured earlier)",
    )
    args = parser.parse_args(argv)
    from lecturelib.tooling.notebook_runner import (
        CELL_TIMEOUT,
        notebook_paths,
        quiet_kernel_shutdowns,
    )

    quiet_kernel_shutdowns()
    count = 3 if args.quick else 5
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0
    rows, per_nb, errors = [], {}, {}
    started = time.perf_counter()
    for path in notebook_paths(args.notebooks):
        print(f"== {path.name}", flush=True)
        moves, error = run_notebook(path, count, args.cell_timeout or CELL_TIMEOUT)
        rows += moves
        per_nb[path.stem] = s = summary(moves)
        if error:
            errors[path.stem] = error
        print(
            f"   {s['moves']} moves, {s['complete_1s']} complete ≤ 1 s, "
            f"{s['first_picture_1s']} first picture ≤ 1 s, {s['announced']} announced"
            + (f"; FAILED: {error}" if error else ""),
            flush=True,
        )
    after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    run = (
        f"{dt.datetime.now():%Y-%m-%d %H:%M}, `python benchmarks/bench_widgets.py"
        f"{' --notebooks ' + args.notebooks if args.notebooks else ''}"
        f"{' --quick' if args.quick else ''}`: {count} values per control, "
        f"{cores} cores, load average {load:.1f} before and {after:.1f} after "
        f"({time.perf_counter() - started:.0f} s)"
    )
    runs = {nb: run for nb in per_nb}
    saved = RESULTS / "widgets.json"
    if args.merge and saved.exists():  # the other notebooks, as measured before
        old = json.loads(saved.read_text())
        keep = [nb for nb in old["notebooks"] if nb not in per_nb]
        rows = [r for r in old["moves"] if r["notebook"] in keep] + rows
        per_nb = {nb: old["notebooks"][nb] for nb in keep} | per_nb
        runs = {nb: old["runs"][nb] for nb in keep} | runs
        errors = {nb: e for nb, e in old["errors"].items() if nb in keep} | errors
    per_nb, runs = dict(sorted(per_nb.items())), dict(sorted(runs.items()))
    rows.sort(key=lambda r: r["notebook"])
    header = "\n".join([INTRO, ""] + [f"- {nb}: {when}" for nb, when in runs.items()])
    RESULTS.mkdir(exist_ok=True)
    text = markdown(per_nb, rows, errors, header)
    (RESULTS / "widgets.md").write_text(text)
    data = {"summary": summary(rows), "notebooks": per_nb, "runs": runs}
    data |= {"errors": errors, "moves": rows}
    (RESULTS / "widgets.json").write_text(json.dumps(data, indent=1) + "\n")
    print(text)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
