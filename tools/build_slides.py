"""`make slides`: a static reveal.js deck per notebook, build/slides/NN_name.slides.html.

The decks are made from executed notebooks (build/executed/, shared with `make site`):
a notebook whose executed copy is missing, older than the notebook or failed is
executed first (lecturelib.tooling.notebook_runner, per-cell timeout naming the cell).
Each cell's slide type comes from its metadata (tools/slides.py sets it).

reveal.js 4.0.2 (the version nbconvert's template is written for), require.js and
jQuery are served from build/slides/_assets/ when `npm pack` can fetch them (npm's
registry, once; kept for later builds), so the decks open without the internet;
otherwise (no npm, or --cdn) they load from unpkg/cdnjs as nbconvert does by default.
MathJax and Font Awesome always come from cdnjs (formulas need the network).

Usage:
    python tools/build_slides.py [--only 05,06] [--timeout 300] [--cdn]
                                 [--executed build/executed] [--out build/slides]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_site import ROOT, execute_into

from lecturelib.tooling.notebook_runner import CELL_TIMEOUT, notebook_paths

ASSETS = ("reveal.js@4.0.2", "requirejs@2.1.10", "jquery@3.7.1")  # npm packages


def local_assets(folder: Path) -> dict[str, str] | None:
    """Unpack the npm packages into ``folder``; the exporter's settings, or None."""
    for spec in ASSETS:
        name = spec.split("@")[0]
        if (folder / name).exists():
            continue
        folder.mkdir(parents=True, exist_ok=True)
        try:
            packed = subprocess.run(
                ["npm", "pack", spec, "--silent"],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            ).stdout.split()[-1]
        except (OSError, subprocess.SubprocessError, IndexError) as err:
            print(f"npm pack {spec} failed ({err}); the decks load it from a CDN")
            return None
        with tarfile.open(folder / packed) as tar:
            tar.extractall(folder / f".{name}", filter="data")
        (folder / f".{name}" / "package").rename(folder / name)
        shutil.rmtree(folder / f".{name}")
        (folder / packed).unlink()
    prefix = folder.name
    return {
        "reveal_url_prefix": f"{prefix}/reveal.js",
        "require_js_url": f"{prefix}/requirejs/require.js",
        "jquery_url": f"{prefix}/jquery/dist/jquery.min.js",
    }


def write_deck(notebook: Path, target: Path, settings: dict | None) -> None:
    """One deck: a <section> per slide holding a <section> per sub-slide."""
    import nbformat
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(**(settings or {}))
    exporter.reveal_scroll = True  # tall figures scroll within their slide
    body, _ = exporter.from_notebook_node(nbformat.read(notebook, as_version=4))
    target.write_text(body, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="name prefixes, e.g. 05,06")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="s per cell")
    parser.add_argument("--cdn", action="store_true", help="reveal.js from unpkg")
    parser.add_argument("--executed", type=Path, default=ROOT / "build" / "executed")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "slides")
    args = parser.parse_args(argv)
    paths = notebook_paths(args.only)
    timings = execute_into(paths, args.executed, timeout=args.timeout, reuse=True)
    args.out.mkdir(parents=True, exist_ok=True)
    settings = None if args.cdn else local_assets(args.out / "_assets")
    for path in paths:
        target = args.out / f"{path.stem}.slides.html"
        write_deck(args.executed / path.name, target, settings)
        print(f"wrote {target.relative_to(args.out.parent)}")
    return 1 if any(timings[p.stem].get("error") for p in paths) else 0


if __name__ == "__main__":
    sys.exit(main())
