"""A version students can cite: one version string, the licence, the citation, the check.

``lecturelib.__version__`` is the single source (pyproject.toml reads it); CITATION.cff,
CHANGELOG.md and every notebook's install cell name the same release.
"""

import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml

import lecturelib
from lecturelib.workbook import _WARNED, check_version, install_line

ROOT = Path(__file__).resolve().parents[1]


def test_the_version_is_written_once_and_read_by_pyproject():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "lecturelib.__version__"
    assert lecturelib.__version__ == "0.2.0"


def test_importing_the_package_loads_no_torch():
    code = (
        "import sys, lecturelib; print(lecturelib.__version__, 'torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout.split()  # fmt: skip
    assert out == [lecturelib.__version__, "False"]


def test_citation_names_this_version_and_the_lecture():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors", "version", "date-released"):
        assert cff[key], key
    assert str(cff["version"]) == lecturelib.__version__
    assert cff["repository-code"] == lecturelib.REPOSITORY
    assert cff["license"] == "MIT"
    (lecture,) = cff["references"]
    assert lecture["authors"][0]["family-names"] == "Fleuret"
    assert "Under the hood" in lecture["title"]


def test_changelog_and_licence():
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert f"## {lecturelib.__version__} " in changelog
    assert "## 0.1.0 " in changelog
    licence = (ROOT / "LICENSE").read_text()
    assert licence.startswith("MIT License")
    assert "Fleuret" in licence and "not covered by the MIT licence" in licence


def test_install_line_points_at_the_release_tag():
    line = install_line("0.2.0")
    assert line == (
        '%pip install -U "lecturelib @ '
        'git+https://github.com/epfl-ee559/under-the-hood.git@v0.2.0"'
    )
    with pytest.raises(ValueError, match="version"):
        install_line("latest")


@pytest.mark.parametrize(
    ("expected", "installed", "fits"),
    [
        ("0.2.0", "0.2.0", True),
        ("0.2.0", "0.2.3", True),  # a later patch release fits
        ("0.2.1", "0.2.0", False),  # older
        ("0.2.0", "0.1.0", False),
        ("0.2.0", "0.3.0", False),  # newer minor: the API may have moved
        ("0.2.0", "1.0.0", False),
    ],
)
def test_check_version(expected, installed, fits):
    _WARNED.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert check_version(expected, installed) is fits
    assert len(caught) == (0 if fits else 1)
    if not fits:
        message = str(caught[0].message)
        assert f"written for lecturelib {expected}" in message
        assert installed in message
        assert install_line(expected) in message
        assert ("older" if installed < expected else "newer") in message


def test_check_version_warns_once_and_rejects_bad_input():
    _WARNED.clear()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_version("0.9.0", "0.2.0")
        check_version("0.9.0", "0.2.0")
    assert len(caught) == 1
    assert check_version(lecturelib.__version__) is True
    with pytest.raises(ValueError, match="expected"):
        check_version("two")


def test_readme_badges_point_at_existing_notebooks_of_this_release():
    import re
    from urllib.parse import unquote

    readme = (ROOT / "README.md").read_text()
    repo = lecturelib.REPOSITORY.removeprefix("https://github.com/")
    tag = f"v{lecturelib.__version__}"
    colab = re.findall(
        r"\(https://colab\.research\.google\.com/github/([^)]+)\)", readme
    )
    binder = re.findall(r"\(https://mybinder\.org/v2/gh/([^)]+)\)", readme)
    assert binder and len(colab) == 1 + len(list((ROOT / "notebooks").glob("*.ipynb")))
    paths = []
    for url in colab:
        prefix = f"{repo}/blob/{tag}/"
        assert url.startswith(prefix), url
        paths.append(url.removeprefix(prefix))
    for url in binder:
        base, _, query = url.partition("?labpath=")
        assert base == f"{repo}/{tag}", url
        paths.append(unquote(query))
    for path in paths:
        assert (ROOT / path).is_file(), path
    assert {p for p in paths} >= {
        f"notebooks/{p.name}" for p in (ROOT / "notebooks").glob("*.ipynb")
    }
    assert "<course-org>" not in readme
    assert f'git+{lecturelib.REPOSITORY}.git@{tag}"' in readme
