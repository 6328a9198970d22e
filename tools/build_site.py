"""`make site`: execute the notebooks once, then build the course site from them, offline.

Step 1 runs each notebook with lecturelib.tooling.notebook_runner (per-cell timeout
naming the notebook and cell) into build/executed/NN_name.ipynb, with
build/executed/timings.json. Step 2 builds build/site/ with Sphinx, myst-nb (reads
the executed notebooks, executes nothing) and sphinx-book-theme: a table of contents
in lecture order, full-text search, and Colab/Binder launch buttons pointing at the
notebooks of the course repository. Nothing is downloaded (jupyter-book 2 / mystmd
fetch their HTML theme from api.mystmd.org at build time, so they do not build here).

Usage:
    python tools/build_site.py [--only 05,06] [--timeout 300] [--reuse]
                               [--executed build/executed] [--out build/site]
--reuse keeps an executed copy that is newer than its notebook and ran without error.
Exit status 1 when a notebook failed (its page still shows the outputs up to the error).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing, too
from lecturelib.tooling.notebook_runner import (
    CELL_TIMEOUT,
    execute_notebook,
    notebook_paths,
    quiet_kernel_shutdowns,
)

REPOSITORY = "https://github.com/epfl-ee559/under-the-hood"
TITLE = "Deep learning 8. Under the hood: the workbook"


def execute_into(
    paths: list[Path], folder: Path, *, timeout: int, reuse: bool = False
) -> dict[str, dict]:
    """Execute ``paths`` into ``folder``; returns {stem: {seconds, error}} (timings.json)."""
    import nbformat

    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "timings.json"
    timings = json.loads(log.read_text()) if log.exists() else {}
    quiet_kernel_shutdowns()
    for path in paths:
        target = folder / path.name
        old = timings.get(path.stem, {})
        fresh = target.exists() and target.stat().st_mtime >= path.stat().st_mtime
        if reuse and fresh and "seconds" in old and not old.get("error"):
            print(f"{path.name}: executed copy is up to date", flush=True)
            continue
        print(f"executing {path.name} ...", flush=True)
        nb, seconds, error = execute_notebook(path, timeout=timeout)
        nbformat.write(nb, target)
        print(
            f"  {'FAILED: ' + error if error else 'ok'} ({seconds:.1f} s)", flush=True
        )
        timings[path.stem] = {"seconds": round(seconds, 1), "error": error}
        log.write_text(json.dumps(timings, indent=2))
    return timings


def title_of(nb: dict) -> str:
    """ "# 02 — Convnet filters" -> "02. Convnet filters"."""
    for cell in nb["cells"]:
        source = "".join(cell["source"]) if cell["cell_type"] == "markdown" else ""
        for line in source.splitlines():
            if line.startswith("# "):
                return re.sub(r"^(\d+)\s*[—–-]\s*", r"\1. ", line[2:].strip())
    return ""


CONF = """\
# Written by tools/build_site.py: the course site's Sphinx configuration.
project = {title!r}
author = "François Fleuret (lecture); the workbook's authors"
extensions = ["myst_nb"]
nb_execution_mode = "off"  # the notebooks were executed by tools/build_site.py
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath"]
exclude_patterns = ["_build", "timings.json"]
html_theme = "sphinx_book_theme"
html_title = {title!r}
html_static_path = []
html_theme_options = {{
    "repository_url": {repo!r},
    "repository_branch": "main",
    "path_to_docs": "notebooks",
    "use_repository_button": True,
    "launch_buttons": {{
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
        "notebook_interface": "jupyterlab",
    }},
    "show_toc_level": 2,
}}
"""

INDEX = """\
# {title}

The ten notebooks of EE-559 *Deep learning*, lecture 8 (François Fleuret), executed.
Sliders are pictures here: open a notebook in Colab or Binder (the rocket button at the
top of each page), or run `make lab` in a checkout, to move them.

| Notebook | Ran in |
|---|---|
{rows}

```{{toctree}}
:maxdepth: 1
:caption: Notebooks

{pages}
```
"""


def write_sources(executed: Path, src: Path, stems: list[str], timings: dict) -> None:
    """The Sphinx project: conf.py, index.md and the executed notebooks."""
    if src.exists():
        shutil.rmtree(src)
    src.mkdir(parents=True)
    rows = []
    for stem in stems:
        shutil.copy2(executed / f"{stem}.ipynb", src / f"{stem}.ipynb")
        nb = json.loads((executed / f"{stem}.ipynb").read_text(encoding="utf-8"))
        info = timings.get(stem, {})
        state = f"{info['seconds']:.0f} s" if "seconds" in info else "(not timed)"
        if info.get("error"):
            state = "failed: " + info["error"].splitlines()[0].replace("|", "/")
        rows.append(f"| [{title_of(nb) or stem}]({stem}.ipynb) | {state} |")
    (src / "conf.py").write_text(CONF.format(title=TITLE, repo=REPOSITORY))
    (src / "index.md").write_text(
        INDEX.format(title=TITLE, rows="\n".join(rows), pages="\n".join(stems)),
        encoding="utf-8",
    )


def build_site(executed: Path, out: Path, stems: list[str], timings: dict) -> int:
    """Sphinx build of ``executed``'s notebooks into ``out``; Sphinx's exit status."""
    from sphinx.cmd.build import build_main

    src = out.parent / (out.name + "-src")
    write_sources(executed, src, stems, timings)
    return build_main(
        ["-q", "-b", "html", "-d", str(src / "_doctrees"), str(src), str(out)]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="name prefixes, e.g. 05,06")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="s per cell")
    parser.add_argument(
        "--reuse", action="store_true", help="keep fresh executed copies"
    )
    parser.add_argument(
        "--no-execute", action="store_true", help="use --executed as is"
    )
    parser.add_argument("--executed", type=Path, default=ROOT / "build" / "executed")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    args = parser.parse_args(argv)
    paths = notebook_paths(args.only)
    if args.no_execute:
        log = args.executed / "timings.json"
        timings = json.loads(log.read_text()) if log.exists() else {}
        stems = sorted(p.stem for p in args.executed.glob("[0-9][0-9]_*.ipynb"))
    else:
        timings = execute_into(
            paths, args.executed, timeout=args.timeout, reuse=args.reuse
        )
        stems = [p.stem for p in paths]
    status = build_site(args.executed, args.out, stems, timings)
    if status == 0:
        print(f"wrote {args.out / 'index.html'} ({len(stems)} notebooks)")
    failed = [s for s in stems if timings.get(s, {}).get("error")]
    return 1 if status or failed else 0


if __name__ == "__main__":
    sys.exit(main())
