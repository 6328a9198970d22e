"""One notebook as a RISE slideshow (jupyterlab-rise) in a real browser: issue 23.

JupyterLab runs notebook 10's set-up cells (the kernel state), then the page that
"Open as Reveal Slideshow" (``RISE:slideshow``) opens, ``/rise/<path>``, shows the
notebook as reveal.js slides on the same kernel. The test pages through the slides
with the keyboard (Space, as a presenter does) to the slide of the dilation widget,
runs its cell there (Ctrl+Enter: run and stay on the slide), drags the widget's main
slider with the mouse (the slide page keeps the arrow keys for reveal.js), and checks
that the figure and the readout change.

The widgets are live there thanks to share/jupyter/labextensions/lecturelib-rise-widgets
(conftest puts it on JUPYTER_PATH): without it jupyterlab-rise 0.43.1's page cannot load
the ipywidgets 8 manager (no @jupyterlab/console in its shared scope) and shows each
widget as text, "VBox(children=...)": jupyterlab-contrib/rise#119, #126.

The command itself saves the notebook before opening the tab; the test opens the
same URL without saving, so the committed notebook stays stripped (checked at the end).
Screenshots: build/browser/rise-{start,slide,before,after}.png.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "browser"
LAB_JS = (Path(__file__).with_name("lab.js")).read_text()
NOTEBOOK = "10_dilated_convolution.ipynb"
WIDGET_SOURCE = "dilation_widget(input_size=20"  # the widget cell's first call
SETUP_ABOVE = "## 1. Output size"  # the set-up cells are the code cells above it
MAX_PAGES = 40  # Space presses allowed to reach the widget's slide
MAIN = ".lecturelib-control-dilation"  # the slider dragged (a Panel CSS class)

# the innermost slide reveal.js shows now (a vertical stack marks parent and child)
PRESENT = """() => {
  const all = Array.from(document.querySelectorAll('.reveal .slides section.present'));
  const inner = all.filter((s) => !s.querySelector('section.present'));
  return inner.length ? inner[inner.length - 1] : null;
}"""


def _step(what: str, check, limit: float, interval: float = 0.5):
    """Poll ``check()`` until truthy; fail naming the step after ``limit`` s."""
    deadline = time.monotonic() + limit
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"RISE test, step {what!r}: not done after {limit:.0f} s")
        time.sleep(interval)


def _present_text(page) -> str:
    return page.evaluate(
        f"() => {{ const s = ({PRESENT})(); return s ? s.innerText : ''; }}"
    )


def _panel_state(page) -> dict:
    """The widget on the present slide: main slider value, readout, figure digests."""
    return page.evaluate(
        f"""() => {{
      const s = ({PRESENT})();
      const main = s && s.querySelector('{MAIN}');
      if (!main) return null;
      const handle = main.querySelector('.noUi-handle');
      const readout = s.querySelector('.lecturelib-readout');
      const output = s.querySelector('.lecturelib-output');
      return {{
        value: handle ? handle.getAttribute('aria-valuenow') : null,
        readout: readout ? readout.textContent.replace(/\\s+/g, ' ').trim() : '',
        images: output ? Array.from(output.querySelectorAll('img')).map((i) => i.src) : [],
        busy: s.querySelector('.jp-InputPrompt') ? s.querySelector('.jp-InputPrompt').textContent : '',
      }};
    }}"""
    )


def _digest(images: list[str]) -> list[str]:
    return [hashlib.sha1(src.encode()).hexdigest()[:12] for src in images]


def _drag_main_slider(page) -> None:
    """Drag the main slider's handle a third of its track, right (left if no room)."""
    main = page.locator(f".reveal section.present {MAIN}").first
    handle = main.locator(".noUi-handle").first
    track = main.locator(".noUi-target").first.bounding_box()
    box = handle.bounding_box()
    assert track and box, "the main slider has no track or handle on screen"
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    step = track["width"] / 3
    to = x + step if x + step <= track["x"] + track["width"] else x - step
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(to, y, steps=10)
    page.mouse.up()


def _run_setup(page, base: str, token: str) -> None:
    """JupyterLab: open the notebook, run the code cells above the first section."""
    page.goto(
        f"{base}/lab/tree/{NOTEBOOK}?reset&token={token}",
        wait_until="domcontentloaded",
    )
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.started !== undefined",
        timeout=120_000,
    )
    page.evaluate(LAB_JS)
    _step(
        "kernel idle in JupyterLab",
        lambda: page.evaluate("p => __lab.kernelStatus(p)", NOTEBOOK) == "idle",
        180,
    )
    page.evaluate("p => __lab.listen(p)", NOTEBOOK)
    count = page.evaluate(
        """([p, heading]) => {
      const panel = __lab.panel(p), cells = panel.content.widgets;
      const stop = cells.findIndex((c) => c.model.sharedModel.getSource().startsWith(heading));
      panel.content.activeCellIndex = stop;
      window.jupyterapp.commands.execute('notebook:run-all-above');
      return cells.slice(0, stop).filter((c) => c.model.type === 'code').length;
    }""",
        [NOTEBOOK, SETUP_ABOVE],
    )
    assert count >= 2, f"{NOTEBOOK}: only {count} set-up cells above {SETUP_ABOVE!r}"

    def done():
        state = page.evaluate("p => __lab.progress(p)", NOTEBOOK)
        assert not state["errors"], state["errors"]
        ran = state["total"] - state["pending"]
        return ran >= count and state["status"] == "idle"

    _step(f"set-up cells ({count}) run in JupyterLab", done, 300)


def test_rise_slideshow_widget(lab_server, browser):
    base, token, folder = lab_server
    on_disk = (folder / NOTEBOOK).read_bytes()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    lab = context.new_page()
    try:
        _run_setup(lab, base, token)

        rise = context.new_page()  # what RISE:slideshow opens (window.open)
        rise.goto(
            f"{base}/rise/{NOTEBOOK}?token={token}", wait_until="domcontentloaded"
        )
        _step(
            "RISE slideshow rendered (reveal.js slides)",
            lambda: rise.evaluate(
                "() => document.body.classList.contains('reveal-viewport') && "
                "document.querySelectorAll('.reveal .slides section').length"
            ),
            180,
        )
        _step(
            "first slide shown",
            lambda: "Dilated convolution" in _present_text(rise),
            60,
        )
        rise.screenshot(path=str(OUT / "rise-start.png"))
        slides = rise.evaluate(
            "() => document.querySelectorAll('.reveal .slides section').length"
        )
        assert slides > 10, f"only {slides} slides: not a slideshow"

        # page forward as a presenter does, until the widget's cell is on screen
        rise.locator(".reveal").first.click(position={"x": 5, "y": 5})
        for page_no in range(MAX_PAGES):
            if WIDGET_SOURCE in _present_text(rise):
                break
            before = _present_text(rise)
            rise.keyboard.press("Space")
            _step(
                f"slide {page_no + 1} shown after Space",
                lambda before=before: _present_text(rise) != before,
                30,
                0.25,
            )
        else:
            pytest.fail(f"no slide with {WIDGET_SOURCE!r} after {MAX_PAGES} pages")
        time.sleep(1.5)  # the slide transition
        rise.screenshot(path=str(OUT / "rise-slide.png"))

        # run the widget's cell on its slide
        cell = rise.locator(
            ".reveal .slides section.present .jp-CodeCell", has_text=WIDGET_SOURCE
        )
        cell.first.click()
        rise.keyboard.press("Escape")  # command mode
        rise.keyboard.press("Control+Enter")  # run, stay (Shift+Enter also advances)

        def shown():
            if "Panel(children=" in _present_text(rise):
                pytest.fail(
                    "RISE shows the widget as its text repr (Panel(children=...)): "
                    "the /rise page rendered no widget view"
                )
            s = _panel_state(rise)
            return s and s["images"] and s["readout"] and s

        first = _step("widget shown on the slide with its figure", shown, 180)
        time.sleep(1.0)
        first = _panel_state(rise)
        rise.screenshot(path=str(OUT / "rise-before.png"))

        _drag_main_slider(rise)
        _step(
            "main slider moved by the mouse",
            lambda: _panel_state(rise)["value"] != first["value"],
            30,
        )
        after = _step(
            "figure redrawn after the move",
            lambda: (
                (s := _panel_state(rise))
                and s["images"]
                and _digest(s["images"]) != _digest(first["images"])
                and s
            ),
            120,
        )
        time.sleep(1.0)
        after = _panel_state(rise)
        rise.screenshot(path=str(OUT / "rise-after.png"))

        assert after["value"] != first["value"], (first, after)
        assert _digest(after["images"]) != _digest(first["images"]), (
            f"the figure did not change: dilation {first['value']} → {after['value']}"
        )
        assert after["readout"] != first["readout"], (
            first["readout"],
            after["readout"],
        )
        assert WIDGET_SOURCE in _present_text(rise), (
            "the slideshow left the widget's slide"
        )
        errors = lab.evaluate("() => __lab.errors")  # the kernel's errors, both pages
        assert not errors, errors
    except BaseException:
        for page in context.pages[1:]:
            page.screenshot(path=str(OUT / "rise-failed.png"))
            print("present slide:", _present_text(page)[:1500])
        print("kernel errors:", lab.evaluate("() => window.__lab && __lab.errors"))
        raise
    finally:
        try:
            lab.evaluate("p => window.__lab && __lab.shutdown(p)", NOTEBOOK)
        except Exception as err:  # noqa: BLE001 - the page may be gone already
            print(f"{NOTEBOOK}: kernel not shut down ({type(err).__name__})")
        context.close()
    assert (folder / NOTEBOOK).read_bytes() == on_disk, (
        f"{NOTEBOOK} was modified on disk"
    )
