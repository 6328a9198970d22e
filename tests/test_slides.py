"""Every notebook carries the slide metadata of tools/slides.py's rules (RISE, make slides)."""

import importlib.util
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TYPES = {"slide", "subslide", "fragment", "-", "skip"}


def _load_tool():
    spec = importlib.util.spec_from_file_location(
        "slides", ROOT / "tools" / "slides.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


slides = _load_tool()


def _pages(cells):
    """Shown cells grouped by (sub)slide: [[cell, ...], ...]."""
    pages = []
    for cell in cells:
        kind = cell["metadata"]["slideshow"]["slide_type"]
        if kind == "skip":
            continue
        if kind in ("slide", "subslide") or not pages:
            pages.append([])
        pages[-1].append(cell)
    return pages


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_slide_metadata(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb["cells"]
    kinds = [
        c.get("metadata", {}).get("slideshow", {}).get("slide_type") for c in cells
    ]
    missing = [i for i, k in enumerate(kinds) if k not in TYPES]
    assert not missing, f"{path.name}: cells {missing} lack a slide type"
    assert kinds[0] == "slide", f"{path.name}: the title is not a slide"
    setup = next(
        i for i, c in enumerate(cells) if "setup_notebook(" in slides.source(c)
    )
    assert kinds[setup] == "skip", f"{path.name}: the set-up cell is shown"
    checks = [i for i, c in enumerate(cells) if "grader.check(" in slides.source(c)]
    assert checks and all(kinds[i] == "skip" for i in checks), path.name
    widgets = 0
    for page in _pages(cells):
        code = [c for c in page if c["cell_type"] == "code"]
        if any(slides.WIDGET_CALL.search(slides.source(c)) for c in code):
            widgets += 1
            assert len(code) == 1, (
                f"{path.name}: a widget shares its page with other code: "
                + " | ".join(slides.source(c).splitlines()[0] for c in code)
            )
    assert widgets, f"{path.name}: no widget page"
    assert slides.differences(nb) == [], (
        f"{path.name}: run python tools/slides.py --write"
    )


def test_check_passes_and_fails(tmp_path, capsys):
    assert slides.main(["--check"]) == 0
    nb = json.loads(NOTEBOOKS[0].read_text(encoding="utf-8"))
    nb["cells"][0]["metadata"]["slideshow"]["slide_type"] = "fragment"
    del nb["cells"][1]["metadata"]["slideshow"]
    copy = tmp_path / NOTEBOOKS[0].name
    copy.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    assert slides.main(["--check", str(copy)]) == 1
    assert "cell 0: has 'fragment', the rules say 'slide'" in capsys.readouterr().out
    assert slides.main(["--write", str(copy)]) == 0
    assert copy.read_text() == NOTEBOOKS[0].read_text()  # idempotent, same bytes


def _cell(kind, text):
    return {"cell_type": kind, "metadata": {}, "source": text}


def test_rules_on_a_small_notebook():
    cells = [
        _cell("markdown", "# 99 — A title (slides 1–3)"),
        _cell(
            "code", "%matplotlib inline\nfrom lecturelib.workbook import setup_notebook"
        ),
        _cell("code", "import torch\nx = 1"),
        _cell("markdown", "## A part"),
        _cell("code", "plot(x)"),
        _cell("code", "w = my_widget(x)"),
        _cell("code", "assert x == 1,\\\n    'x'"),
        _cell("markdown", "Why it looks so."),
        _cell("markdown", "More."),
        _cell("markdown", "### Detail (slides 2–3)"),
        _cell("code", "%pip install foo"),
        _cell("markdown", "## For instructors"),
        _cell("code", "precompute()"),
        _cell("markdown", "### still hidden"),
        _cell("markdown", "## Exercises"),
        _cell("code", "grader.check('q1')"),
    ]
    assert slides.slide_types(cells) == [
        "slide", "skip", "skip", "slide", "-", "subslide", "skip", "subslide",
        "fragment", "slide", "skip", "skip", "skip", "skip", "slide", "skip",
    ]  # fmt: skip
    assert re.search(slides.WIDGET_CALL, "display(filters_widget(lenet))")
