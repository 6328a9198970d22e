import base64
import os

import pytest
import torch

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """Unit tests write widget results to a fresh cache, never the user's build/cache."""
    old = os.environ.get("LECTURELIB_CACHE")
    os.environ["LECTURELIB_CACHE"] = str(tmp_path_factory.mktemp("lecturelib-cache"))
    yield
    if old is None:
        os.environ.pop("LECTURELIB_CACHE", None)
    else:
        os.environ["LECTURELIB_CACHE"] = old


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
    yield


@pytest.fixture(autouse=True)
def _no_widget_budget(monkeypatch):
    """Widgets compute every move whatever the machine's speed; a test that checks the
    announced estimate lowers lecturelib.tooling.panel.BUDGET_S (or REFINING_BUDGET_S)
    itself."""
    from lecturelib.tooling import panel

    monkeypatch.setattr(panel, "BUDGET_S", float("inf"))
    monkeypatch.setattr(panel, "REFINING_BUDGET_S", float("inf"))


class FakeClock:
    """The widgets' clock, moved by hand: ``clock.now += 0.5``; with ``clock.tick``
    set, also that much each time it is read (a computation "takes" time)."""

    def __init__(self):
        self.now, self.tick = 1000.0, 0.0

    def __call__(self) -> float:
        self.now += self.tick
        return self.now


@pytest.fixture
def clock(monkeypatch):
    """lecturelib.tooling.panel reads a fake clock that only the test moves."""
    from lecturelib.tooling import panel

    fake = FakeClock()
    monkeypatch.setattr(panel, "_clock", fake)
    return fake


@pytest.fixture
def png_bytes():
    """``png_bytes(panel)``: the bytes of each picture a panel shows."""

    def read(panel) -> list[bytes]:
        return [base64.b64decode(o["data"]["image/png"]) for o in panel.output.outputs]

    return read


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """A test of its own: an empty result cache, in memory and on disk."""
    from lecturelib.tooling.cache import clear_cache

    monkeypatch.setenv("LECTURELIB_CACHE", str(tmp_path / "cache"))
    clear_cache(memory_only=True)
    yield
    clear_cache(memory_only=True)
