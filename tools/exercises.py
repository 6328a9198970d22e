"""The student's and the instructor's notebooks, built from one source of exercises.

The source of every exercise cell is ``instructor/nbNN.py``: for each checked question, the
``blank`` a student sees, the reference ``answer``, and plausible ``wrong`` answers (tested
to fail). In a notebook, a question's answer cell carries the tag ``answer-qK`` and is
followed by a cell calling ``grader.check("qK")``; its checks are the section's
``checks.py`` (in the package; they hold no answer).

    python tools/exercises.py --write   # notebooks/ get the blanks; build/instructor/ the answers
    python tools/exercises.py --check   # exit 1 when notebooks/ and instructor/ disagree

``instructor/`` is not a package of the wheel: a student's install holds no answer.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
SOURCES = ROOT / "instructor"
OUT = ROOT / "build" / "instructor"
TAG = re.compile(r"^answer-(q\d+)$")
BANNER = (
    "> **Instructor's copy.** The exercises' answer cells hold the reference answers. "
    "Students get `notebooks/`, where these cells are blank."
)


def source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def lines(text: str) -> list[str]:
    """A cell's source as the notebooks store it."""
    return text.splitlines(keepends=True)


def exercises_of(notebook: str) -> dict:
    """``EXERCISES`` of ``instructor/nb<notebook>.py``."""
    path = SOURCES / f"nb{notebook}.py"
    spec = importlib.util.spec_from_file_location(f"instructor_nb{notebook}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EXERCISES


def notebook_paths() -> dict[str, Path]:
    return {p.name[:2]: p for p in sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))}


def answer_cells(nb: dict) -> dict[str, int]:
    """Question name -> index of its answer cell."""
    found: dict[str, int] = {}
    for i, cell in enumerate(nb["cells"]):
        for tag in cell.get("metadata", {}).get("tags", []):
            match = TAG.match(tag)
            if match:
                found[match.group(1)] = i
    return found


def problems(notebook: str, nb: dict, exercises: dict) -> list[str]:
    """What is inconsistent between a student notebook and its exercise source."""
    out = []
    cells = answer_cells(nb)
    if sorted(cells) != sorted(exercises):
        out.append(
            f"{notebook}: answer cells {sorted(cells)} != instructor {sorted(exercises)}"
        )
    for q, i in cells.items():
        if q not in exercises:
            continue
        if source(nb["cells"][i]) != exercises[q]["blank"]:
            out.append(
                f"{notebook} {q}: the answer cell is not the blank (run --write)"
            )
        nxt = nb["cells"][i + 1] if i + 1 < len(nb["cells"]) else {}
        if f'grader.check("{q}")' not in source(nxt):
            out.append(
                f'{notebook} {q}: the cell after the answer must call grader.check("{q}")'
            )
    return out


def instructor_copy(nb: dict, exercises: dict) -> dict:
    """The notebook with every answer cell holding its reference answer."""
    nb = copy.deepcopy(nb)
    for q, i in answer_cells(nb).items():
        nb["cells"][i]["source"] = lines(exercises[q]["answer"])
    banner = {
        "cell_type": "markdown",
        "id": "instructor-banner",
        "metadata": {},
        "source": BANNER,
    }
    nb["cells"].insert(1, banner)
    return nb


def _dump(nb: dict, path: Path) -> None:
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("notebooks", nargs="*", help="e.g. 05 07 (default: all)")
    args = parser.parse_args(argv)
    errors = []
    for notebook, path in notebook_paths().items():
        if args.notebooks and notebook not in args.notebooks:
            continue
        nb = json.loads(path.read_text())
        exercises = exercises_of(notebook)
        if args.write:
            for q, i in answer_cells(nb).items():
                if q in exercises:
                    nb["cells"][i]["source"] = lines(exercises[q]["blank"])
            _dump(nb, path)
        errors += problems(notebook, nb, exercises)
        if args.write and not errors:
            args.out.mkdir(parents=True, exist_ok=True)
            _dump(instructor_copy(nb, exercises), args.out / path.name)
    for err in errors:
        print(err, file=sys.stderr)
    if args.write and not errors:
        print(f"instructor notebooks: {args.out}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
