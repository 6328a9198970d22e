"""Binder: binder/ builds as repo2docker would build it, as far as offline allows.

repo2docker copies the repository, then, from its root, runs
``pip install -r binder/requirements.txt``. Here the repository is copied into a
temporary folder and that line runs with ``--no-index``: the dependencies come from this
environment through a path file (so the lock's versions must match it), lecturelib is
built from the copy and installed, not editable.
"""

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import lecturelib

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def test_binder_installs_the_package_not_editable_on_the_locked_versions():
    lines = [
        ln.strip()
        for ln in (BINDER / "requirements.txt").read_text().splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert "." in lines
    assert not any(ln.startswith(("-e", "--editable")) for ln in lines)
    constraints = [ln.split()[1] for ln in lines if ln.startswith("-c ")]
    assert constraints == ["../requirements/lock-py311.txt"]
    assert (BINDER / constraints[0]).resolve() == ROOT / "requirements/lock-py311.txt"
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    assert not (ROOT / ".binder").exists()  # one configuration only


@pytest.mark.skipif(sys.version_info[:2] != (3, 11), reason="binder runs Python 3.11")
def test_binder_requirements_install_in_a_fresh_environment(tmp_path):
    repo = tmp_path / "repo"
    subprocess.run(f"git -C {ROOT} ls-files -z --cached --others --exclude-standard | tar -C {ROOT} --null -T - -cf - "
                   f"| tar -C {tmp_path} --one-top-level=repo -xf -",
                   shell=True, check=True)  # fmt: skip
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)],
                   check=True)  # fmt: skip
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    Path(site, "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q",
         "--no-index", "--no-build-isolation", "-r", "binder/requirements.txt"],
        check=False, cwd=repo, capture_output=True, text=True, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    show = "import lecturelib; print(lecturelib.__version__, lecturelib.__file__)"
    where = subprocess.run(
        [str(python), "-c", show],
        check=True, capture_output=True, text=True, cwd=tmp_path, env=env,
    ).stdout.split()  # fmt: skip
    assert where[0] == lecturelib.__version__
    assert Path(where[1]).is_relative_to(site), where  # installed, not the copy
