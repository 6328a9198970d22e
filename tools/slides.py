"""Slide metadata of the notebooks (RISE, `nbconvert --to slides`), set by rules.

Each cell's ``metadata.slideshow.slide_type`` follows from the cells themselves, so
the metadata never goes stale when a cell is edited: re-run ``--write``.

Rules, in order (the notebook's cells stay in the lecture's slide order):
  * skip: the set-up cells (``setup_notebook(``, and the imports and settings
    between it and the first markdown cell after the title), import-only and install cells
    (``%pip``, ``!pip``), assert-only cells, exercise checks (``grader.check(``,
    ``exercises.grader(``), and everything under a heading that says "for instructors"
    (down to the next heading of the same or a higher level);
  * slide: the first cell (the title), a ``#``/``##`` heading, and any heading that
    names a lecture slide range ("(slides 34–37)");
  * subslide: a ``###`` heading, a markdown cell after a code cell (the figure above
    fills the screen), and a code cell after a code cell (one figure or widget per page);
  * fragment: a markdown cell after a markdown cell;
  * "-": a code cell after its explanation (the same page).
Hence every (sub)slide holds at most one code cell: a widget is on a page of its own.

Usage:
    python tools/slides.py --write [notebooks/05_occlusion.ipynb ...]
    python tools/slides.py --check      # exit 1 when a notebook differs from the rules
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

SLIDE_RANGE = re.compile(r"\(slides?\s+\d+")
INSTRUCTORS = re.compile(r"for instructors", re.IGNORECASE)
WIDGET_CALL = re.compile(r"\b\w+_widget\(")
CHECK_CALL = re.compile(r"\bgrader\.check\(|\bexercises\.grader\(")


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def heading_level(text: str) -> int:
    """Level of the cell's first line as a markdown heading (0: not a heading)."""
    first = text.lstrip().split("\n", 1)[0]
    match = re.match(r"(#{1,6})\s", first)
    return len(match.group(1)) if match else 0


def _code_lines(text: str) -> list[str]:
    lines = [line.split("#", 1)[0].rstrip() for line in text.splitlines()]
    return [line for line in lines if line.strip()]


def is_skipped_code(text: str) -> bool:
    """Set-up, import-only, install, assert-only and exercise-check cells."""
    if "setup_notebook(" in text or CHECK_CALL.search(text):
        return True
    lines = _code_lines(text)
    if not lines:
        return True
    if all(re.match(r"\s*[%!](pip|conda|mamba)\s", line) for line in lines):
        return True
    if all(re.match(r"(import|from)\s", line) for line in lines):
        return True
    # assert-only: every statement starts with `assert` (continuation lines indented)
    return all(
        line.startswith("assert ") or line[:1].isspace() or line[:1] in ")]}"
        for line in lines
    ) and lines[0].startswith("assert ")


def slide_types(cells: list[dict]) -> list[str]:
    """The slide type of each cell (see the module's docstring for the rules)."""
    types: list[str] = []
    previous = None  # cell type of the last shown cell
    setup = True  # before the first markdown cell after the title
    hidden_below = 0  # > 0: inside a "for instructors" part of this heading level
    for index, cell in enumerate(cells):
        text, kind = source(cell), cell["cell_type"]
        level = heading_level(text) if kind == "markdown" else 0
        if kind == "markdown" and index > 0:
            setup = False
        if level and hidden_below and level <= hidden_below:
            hidden_below = 0
        if level and INSTRUCTORS.search(text.split("\n", 1)[0]):
            hidden_below = level
        if kind == "code" and (setup or is_skipped_code(text)):
            types.append("skip")
            continue
        if hidden_below or kind == "raw":
            types.append("skip")
            continue
        if index == 0 or previous is None:
            kind_here = "slide"
        elif kind == "markdown":
            if level in (1, 2) or (level and SLIDE_RANGE.search(text)):
                kind_here = "slide"
            elif level or previous == "code":
                kind_here = "subslide"
            else:
                kind_here = "fragment"
        else:
            kind_here = "subslide" if previous == "code" else "-"
        types.append(kind_here)
        previous = kind
    return types


def apply(nb: dict) -> bool:
    """Set each cell's slide type; True when something changed."""
    changed = False
    for cell, kind in zip(nb["cells"], slide_types(nb["cells"])):
        show = cell.setdefault("metadata", {}).setdefault("slideshow", {})
        if show.get("slide_type") != kind:
            show["slide_type"] = kind
            changed = True
    return changed


def differences(nb: dict) -> list[str]:
    """'cell i: has X, rules say Y' for each cell whose metadata differs."""
    out = []
    for i, (cell, kind) in enumerate(zip(nb["cells"], slide_types(nb["cells"]))):
        has = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
        if has != kind:
            out.append(f"cell {i}: has {has!r}, the rules say {kind!r}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true", help="apply the rules")
    mode.add_argument("--check", action="store_true", help="exit 1 on a difference")
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.paths or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    failed = 0
    for path in paths:
        nb = json.loads(path.read_text(encoding="utf-8"))
        if args.write:
            if apply(nb):
                text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
                path.write_text(text, encoding="utf-8")
                print(f"{path.name}: slide metadata updated")
        else:
            diff = differences(nb)
            if diff:
                failed += 1
                print(
                    f"{path.name}: {len(diff)} cells differ from the rules; "
                    f"run `python tools/slides.py --write`"
                )
                print("  " + "\n  ".join(diff[:5]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
