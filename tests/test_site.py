"""`make site` and `make slides` from executed notebooks, offline (tools/build_*.py).

The notebooks here are pre-executed stand-ins (a title, text, a PNG output), or the
stripped notebook 10 with a figure added: the builds read outputs, they execute nothing.
"""

import base64
import importlib.util
import io
import re
import socket
import sys
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import nbformat
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]


def _tool(name):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        spec = importlib.util.spec_from_file_location(
            name, ROOT / "tools" / f"{name}.py"
        )
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "tools"))
    return module


build_site, build_slides = _tool("build_site"), _tool("build_slides")


def _png(color) -> str:
    fig, ax = plt.subplots(figsize=(1, 1), dpi=20)
    ax.imshow([[0, 1], [1, 0]], cmap=color)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _figure_output(color):
    return nbformat.v4.new_output(
        "display_data", data={"image/png": _png(color), "text/plain": "<Figure>"}
    )


@pytest.fixture
def offline(monkeypatch):
    """Any attempt to open a network connection fails the test."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access during the build: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_site_from_executed_notebooks(tmp_path, offline):
    executed = tmp_path / "executed"
    executed.mkdir()
    stems = ["01_first", "02_second"]
    for i, (stem, color) in enumerate(zip(stems, ("gray", "viridis"))):
        cell = nbformat.v4.new_code_cell("plot()", execution_count=1)
        cell.outputs = [_figure_output(color)]
        nb = nbformat.v4.new_notebook(
            cells=[
                nbformat.v4.new_markdown_cell(f"# 0{i + 1} — Section {stem}\n\nText."),
                nbformat.v4.new_markdown_cell(f"## Part\n\nThe word zebra{i}."),
                cell,
            ],
            metadata={
                "kernelspec": {"name": "python3", "display_name": "Python 3"},
                "language_info": {"name": "python"},
            },
        )
        nbformat.write(nb, executed / f"{stem}.ipynb")
    timings = {"01_first": {"seconds": 3.2, "error": None}}
    out = tmp_path / "site"

    assert build_site.build_site(executed, out, stems, timings) == 0

    index = (out / "index.html").read_text(encoding="utf-8")
    assert "01. Section 01_first" in index and "(not timed)" in index
    assert (out / "search.html").exists()
    search = (out / "searchindex.js").read_text(encoding="utf-8")
    assert "zebra0" in search and "zebra1" in search
    for stem in stems:
        page = (out / f"{stem}.html").read_text(encoding="utf-8")
        assert f'href="{stem}.html"' in index, stem
        images = re.findall(r'<img[^>]+src="(_images/[^"]+\.png)"', page)
        assert len(images) == 1, (stem, images)
        assert (out / images[0]).stat().st_size > 100
        notebook = f"epfl-ee559/under-the-hood/blob/main/notebooks/{stem}.ipynb"
        assert f"colab.research.google.com/github/{notebook}" in page
        binder = "mybinder.org/v2/gh/epfl-ee559/under-the-hood/main?urlpath=lab/tree/"
        assert f"{binder}notebooks/{stem}.ipynb" in page
    # every page's contents sidebar links the other notebooks, by their titles
    sidebar = (
        '<a class="reference internal" href="02_second.html">02 — Section 02_second'
    )
    assert sidebar in (out / "01_first.html").read_text(encoding="utf-8")


class _Sections(HTMLParser):
    """Counts <section> elements by depth: {1: slides, 2: sub-slides}."""

    def __init__(self):
        super().__init__()
        self.depth, self.count = 0, {}

    def handle_starttag(self, tag, attrs):
        if tag == "section":
            self.depth += 1
            self.count[self.depth] = self.count.get(self.depth, 0) + 1

    def handle_endtag(self, tag):
        if tag == "section":
            self.depth -= 1


def test_deck_has_a_section_per_slide(tmp_path, offline):
    source = ROOT / "notebooks" / "10_dilated_convolution.ipynb"
    nb = nbformat.read(source, as_version=4)
    kinds = [c.metadata["slideshow"]["slide_type"] for c in nb.cells]
    shown = [
        c for c, k in zip(nb.cells, kinds) if k != "skip" and c.cell_type == "code"
    ]
    shown[0].outputs = [_figure_output("gray")]
    executed = tmp_path / "10.ipynb"
    nbformat.write(nb, executed)
    settings = {"reveal_url_prefix": "_assets/reveal.js"}

    build_slides.write_deck(executed, tmp_path / "10.slides.html", settings)

    deck = (tmp_path / "10.slides.html").read_text(encoding="utf-8")
    parser = _Sections()
    parser.feed(deck)
    assert parser.count[1] == kinds.count("slide") >= 5
    assert parser.count[2] == kinds.count("slide") + kinds.count("subslide")
    assert 3 not in parser.count
    assert deck.count('class="fragment"') == kinds.count("fragment")
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', deck)) == 1
    assert "setup_notebook" not in deck and "grader.check" not in deck
    assert '"_assets/reveal.js/dist/reveal.js"' in deck
