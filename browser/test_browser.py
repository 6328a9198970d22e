"""Each notebook in a real browser: Run All, no error, the main slider redraws the figure.

Where the widget reports its computations ("computed in … s"), the control then goes
back to where it was: the readout must be the first one again, "from the cache" (the
result cache answers a revisited setting).

Run with ``make test-browser`` (JupyterLab + headless Debian Chromium via playwright).
Screenshots land in build/browser/<notebook>-{run,before,after}.png and the time
each notebook took in build/browser/timings.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "browser"
LAB_JS = (Path(__file__).with_name("lab.js")).read_text()
RUN_LIMIT = float(os.environ.get("BROWSER_NB_TIMEOUT", "300"))
CELL_LIMIT = float(os.environ.get("BROWSER_CELL_TIMEOUT", "300"))  # one cell of Run All
MOVE_LIMIT = 180.0  # one slider step re-computes one figure
SETTLE = 3.0  # seconds without any change in the page (kernel idle) before asserting
TIMINGS: dict[str, dict[str, float]] = {}


def notebook_paths() -> list[Path]:
    """The notebooks to open: BROWSER_NOTEBOOKS (default notebooks/), BROWSER_ONLY prefixes."""
    from lecturelib.tooling.notebook_runner import notebook_paths as numbered

    folder = Path(os.environ.get("BROWSER_NOTEBOOKS", ROOT / "notebooks"))
    return numbered(os.environ.get("BROWSER_ONLY", ""), folder)


def _poll(page, path: str, done, limit: float, what: str, cell_limit: float = 0):
    """Evaluate ``progress`` until ``done(state)`` or an error; returns the state.

    ``cell_limit`` (> 0): fail as soon as one cell has been running that long, naming
    the cell (0-based index among all cells, first line) and the kernel's status.
    """
    now = time.monotonic()
    deadline, cell, since = now + limit, None, now
    while True:
        state = page.evaluate("p => __lab.progress(p)", path)
        if state["errors"] or done(state):
            return state
        now = time.monotonic()
        running = state.get("running")
        if running != cell:
            cell, since = running, now
        where = (
            f"cell {cell['index']} (`{cell['first']}`) running for {now - since:.0f} s"
            if cell
            else "no cell running"
        )
        if cell_limit > 0 and cell is not None and now - since > cell_limit:
            pytest.fail(
                f"{path}: cell {cell['index']} (`{cell['first']}`) did not finish "
                f"within {cell_limit:.0f} s (kernel {state['status']}; "
                f"{state['pending']} of {state['total']} code cells pending)"
            )
        if now > deadline:
            pytest.fail(
                f"{path}: {what} not finished after {limit:.0f} s, {where}: {state}"
            )
        time.sleep(0.5)


def _settle(page, path: str, limit: float = 120.0) -> None:
    """Wait until the kernel is idle and the page has stopped changing for SETTLE s."""
    deadline, last, since = time.monotonic() + limit, None, time.monotonic()
    while time.monotonic() < deadline:
        now = page.evaluate("p => __lab.fingerprint(p)", path)
        if now != last:
            last, since = now, time.monotonic()
        elif now.endswith("|idle") and time.monotonic() - since >= SETTLE:
            return
        time.sleep(0.25)
    pytest.fail(f"{path}: the page kept changing for {limit:.0f} s")


def _assert_no_errors(page, path: str, when: str) -> None:
    state = page.evaluate("p => __lab.progress(p)", path)
    kernel = page.evaluate("() => __lab.errors")
    shown = page.evaluate("p => __lab.domErrors(p)", path)
    problems = state["errors"] + kernel + shown
    assert not problems, f"{path} {when}:\n" + "\n".join(problems)


def _open(page, base: str, token: str, name: str) -> None:
    page.goto(
        f"{base}/lab/tree/{name}?reset&token={token}", wait_until="domcontentloaded"
    )
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.started !== undefined",
        timeout=60_000,
    )
    page.evaluate(LAB_JS)
    page.wait_for_function(
        "p => __lab.kernelStatus(p) === 'idle'", arg=name, timeout=120_000
    )
    page.evaluate("p => __lab.listen(p)", name)


UNDO = {"ArrowRight": "ArrowLeft", "ArrowLeft": "ArrowRight"}


def _move(page, control: dict, *, far: bool = False) -> str:
    """Move the control: one keyboard step (or, ``far``, to one end of its range);
    for a drop-down, the next entry (or the last/first). Returns the new value and
    sets ``control["undo"]`` (how to come back after a one-step move)."""
    target = page.locator("[data-lab-control]")
    if control["kind"] == "dropdown":
        count = target.locator("option").count()
        index = target.evaluate("el => el.selectedIndex")
        new = (0 if index == count - 1 else count - 1) if far else (index + 1) % count
        target.select_option(index=new)
        control["undo"] = None if far else index
        return page.evaluate("() => __lab.controlValue()")
    handle = target.locator(".noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.focus()
    current = page.evaluate("() => __lab.controlValue()")
    for key in ("Home", "End") if far else ("ArrowRight", "ArrowLeft"):
        handle.press(key)
        time.sleep(0.3)
        value = page.evaluate("() => __lab.controlValue()")
        if value != current:
            control["undo"] = None if far else UNDO[key]
            return value
    pytest.fail(f"the slider {control['label']!r} did not move with the keyboard")


def _move_back(page, control: dict) -> str:
    """Undo a one-step :func:`_move`; returns the control's value."""
    target = page.locator("[data-lab-control]")
    if control["kind"] == "dropdown":
        target.select_option(index=control["undo"])
    else:
        handle = target.locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.focus()
        handle.press(control["undo"])
        time.sleep(0.3)
    return page.evaluate("() => __lab.controlValue()")


def _without_timing(text: str) -> str:
    """A readout without its "computed in 1.2 s" / "from the cache" / "map in 1.2 s"."""
    return re.sub(r"computed in [\d.]+ s|from the cache|in [\d.]+ s", "", text)


def _move_and_look(page, name: str, control: dict, before: dict, *, far: bool):
    """Move the control, let the kernel redraw (clicking Run if the widget has one,
    or "compute" if the widget announced a long computation instead of starting it)."""
    moved_to = _move(page, control, far=far)
    _computed(page, name)
    if page.evaluate("() => __lab.panelState().button"):
        page.locator("[data-lab-cell] .lecturelib-compute").click()
        _computed(page, name)
    after = page.evaluate("() => __lab.cellState()")
    if after == before and page.evaluate("() => __lab.findRunButton()"):
        page.locator("[data-lab-run]").click()  # a widget that computes on "Run"
        _settle(page, name, MOVE_LIMIT)
        after = page.evaluate("() => __lab.cellState()")
    return moved_to, after


def _computed(page, name: str, limit: float = MOVE_LIMIT) -> None:
    """Wait until the marked cell's panel is no longer "computing…", then settle."""
    deadline = time.monotonic() + limit
    time.sleep(0.5)  # the kernel receives the move
    while "computing…" in (page.evaluate("() => __lab.panelState().readout") or ""):
        if time.monotonic() > deadline:
            pytest.fail(f"{name}: still computing after {limit:.0f} s")
        time.sleep(0.5)
    _settle(page, name, limit)


def _digest(images: list[str]) -> list[str]:
    return [hashlib.sha1(src.encode()).hexdigest()[:12] for src in images]


@pytest.mark.parametrize("notebook", notebook_paths(), ids=lambda p: p.stem)
def test_notebook_in_browser(notebook: Path, lab_server, browser):
    base, token, _ = lab_server
    name = notebook.name
    on_disk = notebook.read_bytes()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    start, ran, passed, revisit_s = time.monotonic(), None, False, None
    revisit_kind = None
    try:
        _open(page, base, token, name)
        page.evaluate("p => __lab.runAll(p)", name)
        _poll(
            page,
            name,
            lambda s: s["pending"] == 0 and s["status"] == "idle",
            RUN_LIMIT,
            "Run All",
            CELL_LIMIT,
        )
        _settle(page, name)
        ran = time.monotonic() - start
        page.screenshot(path=str(OUT / f"{notebook.stem}-run.png"))
        _assert_no_errors(page, name, "after Run All")

        control = page.evaluate("p => __lab.findControl(p)", name)
        assert control, f"{name}: no slider or drop-down found in the outputs"
        cell = page.locator("[data-lab-cell]")
        cell.scroll_into_view_if_needed()
        before = page.evaluate("() => __lab.cellState()")
        cell.screenshot(path=str(OUT / f"{notebook.stem}-before.png"))
        moved_to, after = _move_and_look(page, name, control, before, far=False)
        if _without_timing(after["text"]) == _without_timing(before["text"]) and (
            after["images"] == before["images"]
        ):  # one step may change nothing visible: go to an end
            moved_to, after = _move_and_look(page, name, control, before, far=True)
        cell.screenshot(path=str(OUT / f"{notebook.stem}-after.png"))
        _assert_no_errors(
            page, name, f"after moving {control['label']!r} to {moved_to}"
        )
        # the timing part ("computed in 0.4 s", "from the cache") alone does not count
        assert _without_timing(after["text"]) != _without_timing(before["text"]), (
            f"{name}: the readout did not change when {control['label']!r} went "
            f"{control['value']} → {moved_to}: {after['text'][:300]!r}"
        )
        assert _digest(after["images"]) != _digest(before["images"]), (
            f"{name}: the figure did not change when {control['label']!r} went "
            f"{control['value']} → {moved_to}"
        )
        cached_widget = re.search(r"computed in|from the cache", before["text"])
        if cached_widget and control.get("undo") is not None:
            # back to the first setting: the result cache must answer, with the
            # first readout (other widgets may legitimately differ: a unit slider
            # clamped by a smaller output stays where it was clamped)
            back = time.monotonic()
            value = _move_back(page, control)
            _computed(page, name)
            revisit = page.evaluate("() => __lab.cellState()")
            revisit_s = time.monotonic() - back
            _assert_no_errors(page, name, f"after moving {control['label']!r} back")
            assert value == control["value"], (name, value, control["value"])
            assert _without_timing(revisit["text"]) == _without_timing(
                before["text"]
            ), f"{name}: back at {value}, the readout differs from the first one"
            assert "from the cache" in revisit["text"], (
                f"{name}: back at {value}, the result was computed again: "
                f"{revisit['text'][:300]!r}"
            )
            revisit_kind = "same readout, from the cache"
        passed = True
    finally:
        TIMINGS[notebook.stem] = {
            "run_all_s": round(ran, 1) if ran else None,
            "total_s": round(time.monotonic() - start, 1),
            "revisit_s": round(revisit_s, 1) if revisit_s is not None else None,
            "revisit": revisit_kind,
            "passed": passed,
        }
        try:  # free the kernel's memory before the next notebook
            page.evaluate("p => window.__lab && __lab.shutdown(p)", name)
        except Exception as err:  # noqa: BLE001 - the page may be gone already
            print(f"{name}: kernel not shut down ({type(err).__name__})")
        context.close()
        (OUT / "timings.json").write_text(json.dumps(TIMINGS, indent=2))
    assert notebook.read_bytes() == on_disk, f"{name} was modified on disk by the run"


def _occlusion_notebook() -> list[Path]:
    return [p for p in notebook_paths() if p.name.startswith("05")]


@pytest.mark.parametrize("notebook", _occlusion_notebook(), ids=lambda p: p.stem)
def test_occlusion_stride_1_is_announced_not_computed(notebook, lab_server, browser):
    """Stride 1 (a mask per pixel, minutes on a CPU): the widget shows the estimate
    and a "compute" button; the kernel stays idle and the figure stays as it was."""
    base, token, _ = lab_server
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        _open(page, base, token, notebook.name)
        page.evaluate("p => __lab.runAll(p)", notebook.name)
        _poll(page, notebook.name,
              lambda s: s["pending"] == 0 and s["status"] == "idle", RUN_LIMIT,
              "Run All")  # fmt: skip
        _settle(page, notebook.name)
        _assert_no_errors(page, notebook.name, "after Run All")
        control = page.evaluate(
            "p => __lab.findNamedControl(p, 'stride')", notebook.name
        )
        assert control, f"{notebook.name}: no control named 'stride'"
        before = page.evaluate("() => __lab.panelState()")
        assert not before["button"] and before["images"], before
        handle = page.locator("[data-lab-control] .noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.focus()
        handle.press("Home")  # the slider's minimum: stride 1
        assert page.evaluate("() => __lab.controlValue()") == "1"
        _settle(page, notebook.name, 60)  # idle within a minute: nothing started
        after = page.evaluate("() => __lab.panelState()")
        page.locator("[data-lab-cell]").screenshot(
            path=str(OUT / f"{notebook.stem}-stride1.png")
        )
        _assert_no_errors(page, notebook.name, "after stride 1")
        assert "needs about" in after["readout"] and "compute" in after["readout"], (
            after
        )
        assert after["button"], "the compute button did not appear"
        assert after["images"] == before["images"], "the figure changed: it computed"
    finally:
        try:
            page.evaluate("p => window.__lab && __lab.shutdown(p)", notebook.name)
        except Exception as err:  # noqa: BLE001 - the page may be gone already
            print(f"{notebook.name}: kernel not shut down ({type(err).__name__})")
        context.close()
