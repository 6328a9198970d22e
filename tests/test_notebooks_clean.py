"""The notebooks are committed stripped, in lecture order, with the common first cells.

The first code cell installs the tagged release when lecturelib is missing (Colab,
Binder) and otherwise checks its version; the second is the set-up cell.
"""

import json
import re
from pathlib import Path

import pytest

import lecturelib

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
VERSION, URL = lecturelib.__version__, lecturelib.REPOSITORY
INSTALL = f"""# Colab, Binder or your own Python: installs lecturelib {VERSION} if it is missing.
try:
    from lecturelib.workbook import check_version
except ImportError:
    %pip install -q "lecturelib @ git+{URL}.git@v{VERSION}"
    print("lecturelib {VERSION} installed: if the service offers to restart the runtime, do so.")
else:
    check_version("{VERSION}")  # warns (with the line to run) if this one is older or newer"""
SETUP = "%matplotlib inline\nfrom lecturelib.workbook import setup_notebook\ndevice = setup_notebook(seed=0)"


def test_there_are_notebooks_in_order():
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers, "no notebooks found"
    assert numbers == list(range(1, len(numbers) + 1)), [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_stripped_and_standard(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    dirty = [
        i for i, c in enumerate(code) if c.get("outputs") or c.get("execution_count")
    ]
    assert not dirty, f"{path.name}: code cells {dirty} have outputs; run nbstripout"
    assert "".join(code[0]["source"]).strip() == INSTALL, f"{path.name}: install cell"
    assert "".join(code[1]["source"]).strip() == SETUP, f"{path.name}: set-up cell"
    assert any("assert" in "".join(c["source"]) for c in code), (
        f"{path.name}: no assert cell"
    )
    assert nb["cells"][0]["cell_type"] == "markdown", (
        f"{path.name}: starts without a title"
    )
    title = "".join(nb["cells"][0]["source"]).splitlines()[0]
    assert re.fullmatch(rf"# {path.name[:2]} — \S.*", title), (
        f"{path.name}: the title should read '# {path.name[:2]} — <section>'; got {title!r}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_opens_in_colab_and_binder_at_its_own_path(path):
    title = "".join(json.loads(path.read_text())["cells"][0]["source"])
    repo = URL.removeprefix("https://github.com/")
    colab = re.findall(
        r"\(https://colab\.research\.google\.com/github/([^)]+)\)", title
    )
    binder = re.findall(r"\(https://mybinder\.org/v2/gh/([^)]+)\)", title)
    assert colab == [f"{repo}/blob/v{VERSION}/notebooks/{path.name}"], colab
    assert binder == [f"{repo}/v{VERSION}?labpath=notebooks%2F{path.name}"], binder
