"""`make html`: execute the notebooks and render them as static HTML, with an index.

Writes build/html/NN_name.html (figures embedded), build/html/index.html (the
notebooks in lecture order, each with its first figure, run time and status) and
build/html/timings.json. Executing the notebooks also fills the result cache
(lecturelib.tooling.cache); `make precompute` does that and sweeps the sliders too.

Usage:
    python tools/build_html.py [--only 05,06] [--timeout 300] [--out build/html]
Exit status 1 when a notebook failed (its page is still written, with the error).
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import platform
import re
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


def _title(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith(
                    "#"
                ):  # "# 02 — Convnet filters" -> "Convnet filters"
                    return re.sub(r"^\d+\s*[—–·.:-]?\s*", "", line.lstrip("#").strip())
    return ""


def _first_figure(nb) -> str | None:
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data:
                return "data:image/png;base64," + data["image/png"].replace("\n", "")
    return None


def render(nb, target: Path) -> None:
    """Static HTML of an executed notebook (lab template, images embedded)."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", embed_images=True)
    body, _ = exporter.from_notebook_node(nb)
    target.write_text(body, encoding="utf-8")


INDEX_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }
h1 { font-size: 1.6em; } .meta { color: #666; font-size: .9em; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 1em; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: .8em; text-decoration: none;
        color: inherit; display: block; } .card:hover { border-color: #888; }
.card img { width: 100%; height: 200px; object-fit: contain; background: #fafafa; }
.card h2 { font-size: 1.05em; margin: .4em 0; } .failed { border-color: #c33; }
.status { font-size: .85em; color: #666; } .failed .status { color: #c33; }
"""


def write_index(entries: list[dict], out: Path) -> None:
    """build/html/index.html: one card per notebook, in lecture order."""
    cards = []
    for e in entries:
        figure = f'<img src="{e["figure"]}" alt="">' if e["figure"] else ""
        state = (
            "ran in {:.0f} s".format(e["seconds"])
            if not e["error"]
            else "failed: " + html.escape(e["error"])
        )
        cards.append(
            f'<a class="card{" failed" if e["error"] else ""}" href="{e["page"]}">{figure}'
            f"<h2>{html.escape(e['name'][:2])}. {html.escape(e['title'] or e['name'])}</h2>"
            f'<div class="status">{e["name"]}.ipynb · {state}</div></a>'
        )
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    page = f"""<!doctype html><html><head><meta charset="utf-8">
<title>Deep learning 8. Under the hood: the workbook</title><style>{INDEX_CSS}</style></head>
<body><h1>Deep learning 8. Under the hood — the workbook, executed</h1>
<p class="meta">EE-559, EPFL (François Fleuret). Executed on {when} with Python
{platform.python_version()} on {html.escape(platform.platform())}. Sliders are
static here; run <code>make lab</code> to move them.</p>
<div class="grid">{"".join(cards)}</div></body></html>"""
    (out / "index.html").write_text(page, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="name prefixes, e.g. 05,06")
    parser.add_argument(
        "--timeout",
        type=int,
        default=CELL_TIMEOUT,
        help=f"seconds per cell (default {CELL_TIMEOUT}); a stalled cell is named",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "html")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    quiet_kernel_shutdowns()
    entries = []
    for path in notebook_paths(args.only):
        print(f"executing {path.name} ...", flush=True)
        nb, seconds, error = execute_notebook(path, timeout=args.timeout)
        render(nb, args.out / f"{path.stem}.html")
        print(
            f"  {'FAILED: ' + error if error else 'ok'} ({seconds:.1f} s)", flush=True
        )
        entries.append(
            {
                "name": path.stem,
                "title": _title(nb),
                "page": f"{path.stem}.html",
                "seconds": round(seconds, 1),
                "error": error,
                "figure": _first_figure(nb),
            }
        )
    write_index(entries, args.out)
    timings = {
        e["name"]: {"seconds": e["seconds"], "error": e["error"]} for e in entries
    }
    (args.out / "timings.json").write_text(json.dumps(timings, indent=2))
    print(f"wrote {args.out / 'index.html'} ({len(entries)} notebooks)")
    return 1 if any(e["error"] for e in entries) else 0


if __name__ == "__main__":
    sys.exit(main())
