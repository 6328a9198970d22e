"""Lecture day: requirements/lock-py311.txt pins what CI used, and cannot drift.

``make lock`` writes it (pip's list of this environment, minus lecturelib);
``pip install -c requirements/lock-py311.txt ".[lab]"`` installs exactly those versions.
A dependency upgraded or added without ``make lock`` fails here.
"""

import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements" / "lock-py311.txt"


def _pins() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    return pins


def test_the_lock_pins_every_core_dependency_and_not_lecturelib():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = _pins()
    assert len(pins) > 100
    assert "lecturelib" not in pins
    for requirement in project["dependencies"]:
        name = re.split(r"[<>=!~\[; ]", requirement)[0].lower().replace("_", "-")
        assert name in pins, f"{name} is not pinned in {LOCK.name}: run make lock"


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the lock is for 3.11")
def test_the_environment_is_the_locked_one():
    installed = {
        re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower(): d.version
        for d in importlib.metadata.distributions()
    }
    drift = {
        name: f"locked {version}, installed {installed.get(name, 'none')}"
        for name, version in _pins().items()
        if installed.get(name) != version
    }
    assert not drift, f"{drift}: run make lock (and commit it) or reinstall"


def _requirements(extras=("dev",)) -> list[str]:
    """lecturelib's requirements with ``extras``, its own extras expanded."""
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    found, todo = list(project["dependencies"]), list(extras)
    while todo:
        for requirement in project["optional-dependencies"][todo.pop()]:
            own = re.fullmatch(r"lecturelib\[([\w,]+)\]", requirement)
            if own:
                todo += own.group(1).split(",")
            else:
                found.append(requirement)
    return found


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="the lock is for 3.11")
def test_installing_with_the_lock_changes_nothing_here(tmp_path):
    """pip resolves lecturelib[dev]'s requirements under the lock, offline, from what is
    installed: nothing to install, no other version (the package itself is not built,
    so the checkout gets no build files)."""
    report = tmp_path / "report.json"
    requirements = _requirements()
    assert "jupyterlab>=4" in requirements and "nbclient>=0.7" in requirements
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", "-q",
         "-c", str(LOCK), *requirements, "--report", str(report)],
        check=True, cwd=tmp_path, capture_output=True,
    )  # fmt: skip
    would = [i["metadata"]["name"] for i in json.loads(report.read_text())["install"]]
    assert would == []
