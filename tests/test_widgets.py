"""The widget layer: errors shown in the widget, long work announced, every extreme.

``test_every_control_at_both_ends`` builds each of the thirteen widgets of the ten
notebooks (on small models), moves every control to both ends of its range with the
budget lowered, and checks that each move either drew or announced its cost.
"""

import time
from pathlib import Path

import ipywidgets as W
import pytest
import torch
from tiny_models import small_cnn

import lecturelib.tooling.panel as P
from lecturelib.core.data import load_mnist
from lecturelib.core.imagenet import ImagePreprocess
from lecturelib.core.models import load_lenet
from lecturelib.tooling.cache import cache_stats, clear_cache
from lecturelib.tooling.panel import Panel

ROOT = Path(__file__).resolve().parents[1]
DIGITS = [str(d) for d in range(10)]


def _shown(w) -> str:
    """Everything the figure area shows, as text (tracebacks, messages)."""
    return " ".join(str(o["data"].get("text/plain", "")) for o in w.output.outputs)


def test_a_failing_computation_shows_in_the_output_and_the_next_move_works():
    slider = W.IntSlider(1, min=0, max=3)

    def compute(v, progress):
        if v["k"] == 2:
            raise ValueError("k must not be 2 (a forced error)")
        return None, f"k = {v['k']}"

    w = Panel({"k": slider}, compute)
    assert w.readout.value == "k = 1" and w.state == "drawn"
    w.controls["k"].value = 2  # no exception escapes the slider's callback
    assert w.state == "failed" and "failed (ValueError)" in w.readout.value
    assert "ValueError: k must not be 2 (a forced error)" in _shown(w)
    w.controls["k"].value = 3
    assert w.state == "drawn" and w.readout.value == "k = 3" and _shown(w) == ""


def test_an_interrupt_stops_the_computation_and_the_widget_stays_usable():
    calls = []

    def compute(v, progress):
        calls.append(v["k"])
        if v["k"] == 2:
            raise KeyboardInterrupt  # what the kernel's stop button raises
        return None, f"k = {v['k']}"

    w = Panel({"k": W.IntSlider(1, min=0, max=3)}, compute)
    w.controls["k"].value = 2
    assert w.state == "stopped" and "stopped" in w.readout.value
    assert w.button.layout.display is None  # "compute" starts it again
    w.controls["k"].value = 0
    assert w.state == "drawn" and w.readout.value == "k = 0"
    assert calls == [1, 2, 0]


def test_above_the_budget_the_cost_is_announced_and_nothing_starts(monkeypatch):
    from lecturelib.sections.s05_occlusion.widget import occlusion_widget

    clear_cache(memory_only=True)
    net, x = small_cnn(), torch.randn(1, 3, 32, 32)
    w = occlusion_widget(net, x, 1, size=8, stride=8)
    assert w.state == "drawn" and "computed in" in w.readout.value
    assert w.button.layout.display == "none"
    # fixed + per mask: the first map (16 masks) measured, the prior per mask
    fixed, rate = w.cost_model.fit()
    assert rate > 0 and fixed + 16 * rate == pytest.approx(w.cost_model.points[16.0])
    monkeypatch.setattr(P, "REFINING_BUDGET_S", fixed + rate * 100)  # 625 masks: above
    figure, misses = w.output.outputs, cache_stats()["misses"]
    w.controls["stride"].value = 1
    assert w.state == "estimate" and "press <b>compute</b>" in w.readout.value
    assert w.button.layout.display is None
    assert w.estimate == pytest.approx(fixed + 625 * rate)
    assert cache_stats()["misses"] == misses and w.output.outputs == figure
    w.button.click()  # the user accepts: computed, with its time measured
    assert w.state == "drawn" and "25×25 map" in w.readout.value
    assert cache_stats()["misses"] == misses + 1 and w.button.layout.display == "none"
    w.controls["stride"].value = 8
    w.controls["stride"].value = 1  # above the budget, but stored: shown at once
    assert w.state == "drawn" and "from the cache" in w.readout.value


def test_a_t_sne_run_is_estimated_before_one_was_measured(monkeypatch):
    from lecturelib.sections.s04_embeddings.embedding_cache import EmbeddingCache
    from lecturelib.sections.s04_embeddings.widget import (
        TSNE_SECONDS_PER_POINT,
        embedding_widget,
    )

    g = torch.Generator().manual_seed(3)
    feats, labels = {"a": torch.randn(50, 6, generator=g)}, torch.arange(50) % 2
    embedding_widget(EmbeddingCache(feats, labels, k=3, pca_dims=4), perplexities=(5,))
    clear_cache(memory_only=True)  # a new kernel: its first drawing is read from disk
    w = embedding_widget(
        EmbeddingCache(feats, labels, k=3, pca_dims=4), perplexities=(5, 10)
    )
    assert "from the cache" in w.readout.value  # so no t-SNE run was measured
    monkeypatch.setattr(P, "REFINING_BUDGET_S", 0.05)  # the widget draws as it goes
    w.controls["perplexity"].value = 10  # a new t-SNE run of 50 points
    assert w.state == "estimate" and "press <b>compute</b>" in w.readout.value
    assert w.estimate == pytest.approx(50 * TSNE_SECONDS_PER_POINT)  # 0.075 s


def _extremes(control):
    """The two ends of a control's range (None for a text box or an upload)."""
    options = getattr(control, "options", None)
    if options:
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        return values[0], values[-1]
    if hasattr(control, "min") and hasattr(control, "max"):
        if isinstance(control, W.FloatLogSlider):
            return control.base**control.min, control.base**control.max
        return control.min, control.max
    return None


def _widgets():
    """The thirteen widgets, built as the notebooks build them (small models)."""
    from lecturelib.sections.s01_hidden_units import compute as hu
    from lecturelib.sections.s01_hidden_units.widget import hidden_units_widget
    from lecturelib.sections.s02_filters.widget import filters_widget
    from lecturelib.sections.s03_activations.widget import activations_widget
    from lecturelib.sections.s04_embeddings.embedding_cache import EmbeddingCache
    from lecturelib.sections.s04_embeddings.widget import embedding_widget
    from lecturelib.sections.s05_occlusion.widget import occlusion_widget
    from lecturelib.sections.s06_saliency.widget import saliency_widget
    from lecturelib.sections.s07_guided_backprop.widget import (
        backprop_widget,
        top_patches_widget,
    )
    from lecturelib.sections.s08_maximize_response.widget import maximize_widget
    from lecturelib.sections.s09_adversarial.widget import attack_widget, fooling_widget
    from lecturelib.sections.s10_dilated_convolution.widget import (
        dilation_2d_widget,
        dilation_widget,
    )

    lenet, cnn = load_lenet(), small_cnn()
    digits, _ = load_mnist("test")
    x, y, snaps = hu.compute_snapshots("ring", seed=0, n=60, iterations=120)
    images = torch.randn(2, 3, 24, 24)
    g = torch.Generator().manual_seed(0)
    feats = {"a": torch.randn(40, 6, generator=g), "b": torch.randn(40, 4, generator=g)}
    prep = ImagePreprocess((0.5,) * 3, (0.25,) * 3, size=16, resize=16)
    yield "01", hidden_units_widget(snaps, x, y, iteration=100, resolution=20)
    yield "02", filters_widget(lenet)
    yield "03", activations_widget(cnn, prep, list("abcd"), photo="chelsea")
    embeddings = EmbeddingCache(feats, torch.arange(40) % 2, k=3, pca_dims=3)
    yield "04", embedding_widget(embeddings, perplexities=(5, 10, 30))
    yield "05", occlusion_widget(cnn, images[:1], 1, to_display=torch.sigmoid,
                                 size=8, stride=8)  # fmt: skip
    yield "06", saliency_widget(cnn, images, names=["a", "b"], n=2)
    yield "07", backprop_widget(lenet, digits[:2], names=["a", "b"],
                                layers={"output": None, "conv2": "conv2"})  # fmt: skip
    yield "07", top_patches_widget(lenet, digits[:30], "conv2", channel=1, k=3)
    choices = {"digit 3": 3, "conv2 channel 5": ("conv2", 5)}
    yield "08", maximize_widget(lenet, choices, classes=DIGITS, size=28, steps=5)
    yield "09", attack_widget(lenet, digits[:2], ["a", "b"], DIGITS, steps=3)
    yield "09", fooling_widget(lenet, DIGITS, targets=range(3), population=8,
                               generations=2)  # fmt: skip
    yield "10", dilation_widget(input_size=20, kernel_size=3, max_dilation=6)
    yield "10", dilation_2d_widget(input_size=(11, 11), kernel_size=3, max_dilation=5)


def test_every_control_at_both_ends(monkeypatch):
    """Budget 0.2 s: each move draws (cheap) or announces its cost; nothing raises."""
    monkeypatch.setattr(P, "BUDGET_S", 0.2)
    monkeypatch.setattr(P, "REFINING_BUDGET_S", 0.2)
    seen, announced, moves = set(), 0, 0
    for notebook, w in _widgets():
        seen.add(notebook)
        assert w.state == "drawn", (notebook, w.readout.value)
        assert set(w.controls) and w.readout is not None and w.output is not None
        for name, control in w.controls.items():
            ends = _extremes(control)
            if ends is None:
                continue
            for value in (*ends, ends[0]):
                if control.value == value:
                    continue
                misses = cache_stats()["misses"]
                control.value = value
                moves += 1
                where = (notebook, name, value, w.readout.value)
                assert w.state in ("drawn", "estimate"), where
                assert "failed" not in w.readout.value, where + (_shown(w),)
                if w.state == "estimate":  # announced: nothing was computed
                    announced += 1
                    assert cache_stats()["misses"] == misses, where
                    assert w.button.layout.display is None, where
                    assert "needs about" in w.readout.value, where
    assert seen == {f"{i:02d}" for i in range(1, 11)}
    assert moves > 40 and announced >= 2  # at least the fooling search's corners


def test_the_kernel_stop_button_stops_a_computation_in_a_real_kernel():
    """A compute that would run 60 s, interrupted after a few: the widget says
    "stopped", the cell that started it stops, and the next move draws again."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        build = (
            "import time, ipywidgets as W\n"
            "from lecturelib.tooling.panel import Panel\n"
            "def compute(v, progress):\n"
            "    if v['k'] == 1:\n"
            "        time.sleep(60)\n"
            "    return None, f\"k = {v['k']}\"\n"
            "w = Panel({'k': W.IntSlider(0, min=0, max=2)}, compute)"
        )
        assert kc.execute_interactive(build, timeout=60)["content"]["status"] == "ok"
        msg_id = kc.execute("w.controls['k'].value = 1")
        time.sleep(3)
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=30)
        assert reply["parent_header"]["msg_id"] == msg_id
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        seen = []
        check = "w.controls['k'].value = 2\nprint(w.state, '|', w.readout.value)"
        kc.execute_interactive(
            "print(w.state)\n" + check,
            timeout=30,
            output_hook=lambda m: seen.append(m["content"].get("text", "")),
        )
        assert "".join(seen).split() == ["stopped", "drawn", "|", "k", "=", "2"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
