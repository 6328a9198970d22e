"""`make test-hosted`: the notebooks as a student on a hosted service meets them.

Builds the wheel from this checkout, installs it (with the ``[tools]`` extra, for the
runner, and nothing of the checkout) into a fresh virtual environment outside the
checkout on another Python (default: 3.12), copies the ten notebooks alone into an
empty folder and runs each top to bottom with an empty home folder, no CIFAR-10 and
``LECTURELIB_OFFLINE=1``. Any error fails, named by notebook and cell (the package's
runner, ``lecturelib.tooling.notebook_runner``). Times are printed at the end.

    python tools/test_hosted.py --python python3.12 [--keep DIR] [--only 05,06]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

DRIVER = """
import sys, time
from pathlib import Path
import lecturelib
from lecturelib.tooling.notebook_runner import execute_notebook, notebook_paths
here = Path(lecturelib.__file__).resolve()
assert Path(sys.prefix) in here.parents, f"lecturelib from {here}, not the wheel"
print(f"lecturelib {lecturelib.__version__} from {here.parent}, Python {sys.version.split()[0]}")
failed = []
for path in notebook_paths(sys.argv[3], folder=Path(sys.argv[1])):
    _, seconds, error = execute_notebook(path, timeout=int(sys.argv[2]))
    print(f"{path.stem}: {'ok' if error is None else 'FAILED'} in {seconds:.1f} s", flush=True)
    if error is not None:
        print("   ", error.replace("\\n", "\\n    "), flush=True)
        failed.append(path.stem)
sys.exit(1 if failed else 0)
"""


def _run(cmd, **kwargs):
    print("+", " ".join(map(str, cmd)), flush=True)
    return subprocess.run(cmd, check=True, **kwargs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="python3.12", help="the Python to test on")
    parser.add_argument(
        "--keep", type=Path, help="work here (kept) instead of a temp dir"
    )
    parser.add_argument("--only", default="", help="notebook prefixes, e.g. 05,06")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args(argv)
    work = args.keep or Path(tempfile.mkdtemp(prefix="lecturelib-hosted-"))
    work.mkdir(parents=True, exist_ok=True)
    times = {}
    try:
        start = time.perf_counter()
        for sub in ("dist", "venv", "notebooks", "home"):
            shutil.rmtree(work / sub, ignore_errors=True)
        _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
              "-w", work / "dist", ROOT], cwd=work)  # fmt: skip
        (wheel,) = (work / "dist").glob("lecturelib-*.whl")
        times["build the wheel"] = time.perf_counter() - start

        start = time.perf_counter()
        _run([args.python, "-m", "venv", work / "venv"], cwd=work)
        python = work / "venv" / "bin" / "python"
        log = work / "pip-install.log"
        with log.open("w") as out:  # the local indexes' warnings: in the log
            done = subprocess.run(
                [python, "-m", "pip", "install", "-q", f"{wheel}[tools]"],
                cwd=work, stdout=out, stderr=subprocess.STDOUT, check=False,
            )  # fmt: skip
        if done.returncode:
            print(log.read_text()[-5000:])
            return done.returncode
        times["install (venv + pip)"] = time.perf_counter() - start

        (work / "notebooks").mkdir()
        for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
            shutil.copy2(path, work / "notebooks")
        (work / "home").mkdir()
        env = {
            "HOME": str(work / "home"),
            "PATH": f"{python.parent}:/usr/bin:/bin",
            "LECTURELIB_OFFLINE": "1",
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "LANG": os.environ.get("LANG", "C.UTF-8"),
        }  # no PYTHONPATH, no LECTURELIB_CIFAR10, no LECTURELIB_CACHE
        start = time.perf_counter()
        result = subprocess.run(
            [python, "-c", DRIVER, work / "notebooks", str(args.timeout), args.only],
            check=False, cwd=work / "notebooks", env=env,
        )  # fmt: skip
        times["run the notebooks"] = time.perf_counter() - start
    finally:
        for what, seconds in times.items():
            print(f"test-hosted: {what}: {seconds:.0f} s")
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
