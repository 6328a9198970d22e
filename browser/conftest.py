"""JupyterLab on 127.0.0.1 and a headless Debian Chromium, for `make test-browser`.

The server serves the notebooks folder with an isolated settings folder (kernel
started on open, autosave off, plain rendering of every cell) so a run never
writes into the notebooks and a user's own settings do not interfere.

Environment:
    BROWSER_NOTEBOOKS   folder of notebooks to open (default: notebooks/)
    BROWSER_ONLY        comma-separated name prefixes, e.g. ``05,06``
    BROWSER_NB_TIMEOUT  seconds allowed per notebook's Run All (default 300)
    BROWSER_CELL_TIMEOUT  seconds one cell may run during Run All (default 300);
                        the failure names the cell and the kernel's status
    CHROMIUM            the browser executable (default /usr/bin/chromium)
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "browser"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
SETTINGS = {  # JupyterLab user settings, written to an isolated folder
    "@jupyterlab/notebook-extension/tracker": {
        "autoStartDefaultKernel": True,
        "windowingMode": "none",  # every cell in the DOM, so the page can be searched
    },
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_settings(folder: Path) -> None:
    for plugin, values in SETTINGS.items():
        path = folder / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values, indent=2))


def _server_env(runtime: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("LECTURELIB_OFFLINE", "1")  # the CI machines have no network
    shared = ROOT.parent / "shared" / "datasets" / "cifar10-jpeg"
    if not env.get("LECTURELIB_CIFAR10") and shared.is_dir():
        env["LECTURELIB_CIFAR10"] = str(shared)
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env["JUPYTER_RUNTIME_DIR"] = str(runtime)
    # the repository's lecturelib-rise-widgets extension (live widgets in the RISE
    # slideshow), first, so the copy under test wins over an installed one
    shims = str(ROOT / "share" / "jupyter")
    env["JUPYTER_PATH"] = os.pathsep.join(
        filter(None, [shims, env.get("JUPYTER_PATH")])
    )
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _wait_ready(
    url: str, proc: subprocess.Popen, log: Path, limit: float = 120
) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited ({proc.returncode}); see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer in {limit:.0f} s; see {log}")


@pytest.fixture(scope="session")
def lab_server():
    """(base_url, token, notebooks folder) of a JupyterLab started for the session."""
    folder = Path(os.environ.get("BROWSER_NOTEBOOKS", ROOT / "notebooks")).resolve()
    state = OUT / "jupyter"
    shutil.rmtree(state, ignore_errors=True)
    _write_settings(state / "settings")
    (state / "workspaces").mkdir(parents=True)
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        str(Path(sys.executable).with_name("jupyter-lab")),
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={folder}",
        f"--LabApp.user_settings_dir={state / 'settings'}",
        f"--LabApp.workspaces_dir={state / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp, for Run All
        "--LabApp.news_url=",
        "--ServerApp.terminals_enabled=False",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = OUT / "jupyterlab.log"
    with open(log, "w") as log_file:
        proc = subprocess.Popen(
            command,
            env=_server_env(state / "runtime"),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=folder,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(f"{base}/api/status?token={token}", proc, log)
        yield base, token, folder
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by PyPI playwright (no `playwright install`)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    if not Path(executable).exists():
        pytest.fail(
            f"{executable} not found: apt-get install -y chromium (or set CHROMIUM)"
        )
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


_STARTED = time.time()


def pytest_terminal_summary(terminalreporter):
    """Per-notebook browser times (Run All, and with the slider), for the CI log."""
    path = OUT / "timings.json"
    if not path.exists() or path.stat().st_mtime < _STARTED:
        return
    timings = json.loads(path.read_text())
    terminalreporter.section("browser timings (s)")
    for name, t in timings.items():
        ran = f"{t['run_all_s']:7.1f}" if t["run_all_s"] is not None else "      -"
        state = "" if t.get("passed") else "  (failed)"
        terminalreporter.write_line(
            f"{name:32s} run all {ran}   total {t['total_s']:7.1f}{state}"
        )
    total = sum(t["total_s"] for t in timings.values())
    terminalreporter.write_line(
        f"{'all ' + str(len(timings)) + ' notebooks':32s} {'':15s} total {total:7.1f}"
    )
