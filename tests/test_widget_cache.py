"""The widgets' heavy results go through the disk cache: a revisited setting is a hit.

Each test moves a control A → B → A and checks that the second A computed nothing
(no cache miss), gave the same readout, and said so ("from the cache"); that a new
kernel (memory layer cleared) reads the disk; and that other weights miss.
"""

import re

import nbformat
import pytest
import torch
from tiny_models import small_cnn

from lecturelib.core.data import load_mnist
from lecturelib.core.hooks import hook_count
from lecturelib.core.models import load_lenet
from lecturelib.tooling.cache import (
    cache_stats,
    cache_watch,
    cached,
    clear_cache,
    keyable,
)
from lecturelib.tooling.panel import _SWEEPABLE, EVERY, Panel
from lecturelib.tooling.precompute import main, precompute_notebooks
from lecturelib.tooling.sweeps import describe_sweep

DIGITS = [str(d) for d in range(10)]


pytestmark = pytest.mark.usefixtures("empty_cache")


def _misses():
    return cache_stats()["misses"]


def _numbers(text):
    """The readout without its "computed in … s" / "from the cache" part."""
    return re.sub(r"computed in [\d.]+ s|from the cache", "", text)


def _revisit(control, a, b, readout):
    """Set ``control`` to a, b, then a again; returns (first text, misses on revisit)."""
    control.value = a
    first = readout()
    control.value = b
    before = _misses()
    control.value = a
    assert _numbers(readout()) == _numbers(first)
    return first, _misses() - before


def test_occlusion_widget_revisit_sweep_and_new_kernel():
    from lecturelib.sections.s05_occlusion.widget import occlusion_widget

    net, x = small_cnn(), torch.randn(1, 3, 24, 24)
    w = occlusion_widget(net, x, 1, to_display=torch.sigmoid, size=8, stride=4)
    size_s, stride_s = w.controls["size"], w.controls["stride"]
    assert "computed in" in w.readout.value
    _, misses = _revisit(size_s, 12, 8, lambda: w.readout.value)
    assert misses == 0 and "from the cache" in w.readout.value
    assert w in _SWEEPABLE and [len(v) for _, v in w.sweep_plan] == [10, 4]

    visited = w.sweep(progress=False)  # sizes and strides above 24 are skipped
    assert stride_s.max == 24
    assert visited == len([s for s in [*range(8, 65, 8), 96, 128] if s <= 24]) + 3
    assert (size_s.value, stride_s.value) == (12, 4)  # put back where they were
    before = _misses()
    for size in (16, 24, 12):  # the strides were swept at size 12
        size_s.value = size
    stride_s.value = 16
    assert _misses() == before

    clear_cache(memory_only=True)  # a new kernel: the entries are read from disk
    stats = cache_stats()
    w2 = occlusion_widget(net, x, 1, to_display=torch.sigmoid, size=16, stride=4)
    assert cache_stats()["disk_hits"] == stats["disk_hits"] + 1
    assert "from the cache" in w2.readout.value

    with torch.no_grad():
        net[0].weight.add_(0.1)  # other weights: computed again
    before = _misses()
    occlusion_widget(net, x, 1, to_display=torch.sigmoid, size=16, stride=4)
    assert _misses() == before + 1
    assert hook_count(net) == 0


def test_cached_map_equals_the_direct_computation():
    from lecturelib.sections.s05_occlusion.compute import occlusion_sensitivity

    net, x = small_cnn(), torch.randn(1, 3, 16, 16)
    direct = occlusion_sensitivity(net, x, 2, size=4, stride=2, progress=False)
    once = cached(occlusion_sensitivity, net, x, 2, size=4, stride=2, progress=False)
    clear_cache(memory_only=True)
    with cache_watch() as watch:  # progress is never part of the key (NEVER_KEYED)
        again = cached(
            occlusion_sensitivity, net, x, 2, size=4, stride=2, progress=True
        )
    assert torch.equal(direct, once) and watch.hits == 1 and watch.misses == 0
    with cache_watch() as watch:  # another stride: another key
        cached(occlusion_sensitivity, net, x, 2, size=4, stride=3, progress=False)
    assert watch.misses == 1
    with cache_watch() as watch:
        third = cached(
            occlusion_sensitivity, net, x, 2, size=4, stride=2, progress=False
        )
    assert watch.from_cache and watch.describe() == "from the cache"
    assert torch.equal(again, third) and torch.equal(direct, third)


def test_saliency_widget_sigma_revisit():
    from lecturelib.sections.s06_saliency.widget import saliency_widget

    net, x = small_cnn(), torch.randn(2, 3, 16, 16)
    w = saliency_widget(net, x, names=["a", "b"], n=4)
    sigma = w.controls["sigma"]
    _, misses = _revisit(sigma, 0.5, 0.25, lambda: w.readout.value)
    assert misses == 0 and "from the cache" in w.readout.value
    before = _misses()
    sigma.value = 0.30000000000000004  # what a slider may send: the same key as 0.3
    sigma.value = 0.3
    sigma.value = 0.30000000000000004
    assert _misses() == before + 1  # 0.3 is new, but computed only once


def test_embedding_widget_uses_the_disk_between_sessions():
    from lecturelib.sections.s04_embeddings.embedding_cache import EmbeddingCache
    from lecturelib.sections.s04_embeddings.widget import embedding_widget

    g = torch.Generator().manual_seed(0)
    feats = {"a": torch.randn(60, 8, generator=g), "b": torch.randn(60, 5, generator=g)}
    labels = torch.arange(60) % 3
    first = EmbeddingCache(feats, labels, k=5, pca_dims=4)
    w = embedding_widget(first, perplexities=(5, 10))
    layer = w.controls["layer"]
    assert "computed in" in w.readout.value
    layer.value = "a"
    assert first.runs == 2
    layer.value = "b"  # seen: no new t-SNE run
    assert first.runs == 2 and "from the cache; 2 t-SNE runs" in w.readout.value
    clear_cache(memory_only=True)
    second = EmbeddingCache(feats, labels, k=5, pca_dims=4)  # a new kernel
    r = second.get("a", 5)
    assert second.runs == 0  # read from disk, no t-SNE run
    assert torch.equal(
        torch.as_tensor(r["points"]), torch.as_tensor(first.get("a", 5)["points"])
    )


def test_embedding_cache_runs_one_pca_per_layer(monkeypatch):
    import lecturelib.sections.s04_embeddings.compute as E
    import lecturelib.sections.s04_embeddings.embedding_cache as C

    real, pcas = E.reduce_dims, []

    def counting(features, *, pca_dims=50, **kw):
        if features.shape[1] > pca_dims:  # a real PCA, not the no-op on reduced input
            pcas.append(features.shape)
        return real(features, pca_dims=pca_dims, **kw)

    for module in (E, C):  # the store's own PCA and compute_layer_embedding's
        monkeypatch.setattr(module, "reduce_dims", counting)
    g = torch.Generator().manual_seed(1)
    store = C.EmbeddingCache(
        {"a": torch.randn(60, 8, generator=g)}, torch.arange(60) % 3, k=5, pca_dims=4
    )
    for perplexity in (5, 10, 20):
        store.get("a", perplexity)
    assert store.runs == 3 and len(pcas) == 1


def test_guided_and_top_patch_widgets_revisit():
    from lecturelib.sections.s07_guided_backprop.widget import (
        backprop_widget,
        top_patches_widget,
    )

    lenet = load_lenet()
    images, _ = load_mnist("test")
    images = images[:40]
    w = backprop_widget(
        lenet,
        images[:2],
        names=["a", "b"],
        layers={"output": None, "conv2": "conv2"},
    )
    rule, layer, channel = (w.controls[k] for k in ("rule", "layer", "channel"))
    layer.value = "conv2"
    _, misses = _revisit(channel, 3, 5, lambda: w.readout.value)
    assert misses == 0 and "from the cache" in w.readout.value
    _, misses = _revisit(rule, "deconv", "guided", lambda: w.readout.value)
    assert misses == 0 and "from the cache" in w.readout.value

    t = top_patches_widget(lenet, images, "conv2", channel=1, k=4)
    assert "computed in" in t.readout.value
    _, misses = _revisit(t.controls["channel"], 2, 1, lambda: t.readout.value)
    assert misses == 0 and "from the cache" in t.readout.value
    assert hook_count(lenet) == 0


def test_input_widgets_revisit_and_say_cached():
    from lecturelib.sections.s08_maximize_response.widget import maximize_widget
    from lecturelib.sections.s09_adversarial.widget import attack_widget, fooling_widget

    lenet = load_lenet()
    images, _ = load_mnist("test")
    m = maximize_widget(lenet, {"digit 3": 3, "digit 7": 7}, classes=DIGITS, steps=5)
    _, misses = _revisit(
        m.controls["objective"], "digit 7", "digit 3", lambda: m.readout.value
    )
    assert misses == 0 and "from the cache" in m.readout.value
    a = attack_widget(lenet, images[:2], ["a", "b"], DIGITS, steps=3)
    _, misses = _revisit(a.controls["loss"], "margin", "ce", lambda: a.readout.value)
    assert misses == 0 and "from the cache" in a.readout.value
    f = fooling_widget(lenet, DIGITS, targets=range(3), population=8, generations=2)
    _, misses = _revisit(f.controls["class"], 2, 1, lambda: f.readout.value)
    assert misses == 0 and "from the cache" in f.readout.value
    # a lambda cannot be keyed: the widget still works, computing each time
    g = fooling_widget(
        lenet,
        DIGITS,
        targets=range(2),
        population=8,
        generations=2,
        to_input=lambda t: t,
    )
    before = _misses()
    g.controls["class"].value = 1
    assert "p(<b>1</b>)" in g.readout.value and _misses() == before


def test_lambdas_and_local_functions_are_not_keyable():
    def local(t):
        return t

    assert not keyable(lambda t: t) and not keyable(local)
    assert keyable(torch.relu, small_cnn(), torch.zeros(2), "x", 3.5)
    with pytest.raises(TypeError, match="lambda or a local function"):
        cached(lambda f: f, lambda t: t)


def test_sweep_restores_controls_and_skips_impossible_values():
    import ipywidgets as W

    seen = []
    s = W.IntSlider(value=3, min=0, max=5)
    d = W.Dropdown(options=[("one", 1), ("two", 2)], value=1)
    s.observe(lambda ch: seen.append(("s", ch["new"])), names="value")
    d.observe(lambda ch: seen.append(("d", ch["new"])), names="value")
    drawn = []

    def compute(v, progress):
        drawn.append((v["s"], v["d"]))
        return None, f"{v}"

    box = Panel({"s": s, "d": d}, compute, sweep={"s": [0, 3, 9, 5, 0], "d": [2, 7]})
    assert box in _SWEEPABLE and box.sweep(progress=False) == 4  # 9, 7 skipped, 0 once
    assert (s.value, d.value) == (3, 1)
    assert seen == [("s", 0), ("s", 3), ("s", 5), ("s", 3), ("d", 2), ("d", 1)]
    assert drawn == [(3, 1), (0, 1), (3, 1), (5, 1), (3, 1), (3, 2), (3, 1)]
    assert Panel({"s": s}, compute).sweep(progress=False) == 0  # no plan: nothing


def test_sweep_every_value_is_what_the_control_offers():
    import ipywidgets as W

    s = W.IntSlider(value=3, min=-1, max=4)
    d = W.Dropdown(options=[("one", 1), ("two", 2)])
    plan = {"s": EVERY, "d": EVERY}
    box = Panel({"s": s, "d": d}, lambda v, p: (None, ""), sweep=plan)
    assert [v for _, v in box.sweep_plan] == [[-1, 0, 1, 2, 3, 4], [1, 2]]
    assert box.sweep(progress=False) == 8  # 6 + 2 settings, the controls put back
    assert (s.value, d.value) == (3, 1)
    assert describe_sweep({"s": EVERY, "d": range(3)}) == "s every value; d 0, 1, 2"


def test_precompute_cli_lists_and_rejects_unknown_notebooks(capsys):
    assert main(["--list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert len(listed) == 10
    assert listed[4] == (
        "05_occlusion: occlusion_widget: size 8, 16, 24, 32, 40, 48, 56, 64, 96, 128; "
        "stride 4, 8, 16, 32"
    )
    assert listed[8].endswith("| fooling_widget: class every value")
    assert listed[0] == "01_hidden_units: no sweep (its widgets compute nothing heavy)"
    with pytest.raises(SystemExit):
        main(["99"])
    assert "notebook '99' not found" in capsys.readouterr().err


def test_precompute_runs_a_notebook_and_its_sweep(tmp_path, monkeypatch):
    """End to end in a real kernel: run the cells, sweep, the entries are on disk."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import torch\nfrom torch import nn\n"
            "from lecturelib.sections.s05_occlusion.widget import occlusion_widget\n"
            "torch.manual_seed(0)\n"
            "net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1),"
            " nn.Flatten(), nn.Linear(4, 2)).eval()\n"
            "w = occlusion_widget(net, torch.randn(1, 3, 16, 16), 0,"
            " to_display=torch.sigmoid, size=8, stride=4)"
        )
    ]
    nbformat.write(nb, tmp_path / "01_tiny.ipynb")
    monkeypatch.setenv("LECTURELIB_CACHE", str(tmp_path / "kernel-cache"))
    [row] = precompute_notebooks(["01"], folder=tmp_path)
    # the first map (size 8, stride 4); the sweep visits sizes 8, 16 (24 and up do
    # not fit) and strides 4, 8, 16 (32 leaves no second position): 3 new maps
    assert row["error"] is None
    assert row["name"] == "01_tiny" and row["swept"] == "settings swept: 5"
    assert row["new_entries"] == 1 + 1 + 2
    monkeypatch.setenv("LECTURELIB_CACHE", "off")
    with pytest.raises(ValueError, match="cache is off"):
        precompute_notebooks(["01"], folder=tmp_path)


def test_notebook_paths_by_prefix_and_errors(tmp_path):
    from lecturelib.tooling.notebook_runner import notebook_paths

    for name in ("01_a", "02_b", "10_c", "notes"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    assert [p.stem for p in notebook_paths(folder=tmp_path)] == ["01_a", "02_b", "10_c"]
    assert [p.stem for p in notebook_paths("10, 01", tmp_path)] == ["01_a", "10_c"]
    assert [p.stem for p in notebook_paths(["02"], tmp_path)] == ["02_b"]
    with pytest.raises(ValueError, match="'03' not found; valid: 01_a, 02_b, 10_c"):
        notebook_paths("03", tmp_path)


def test_precompute_reports_a_failing_notebook_and_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURELIB_CACHE", str(tmp_path / "kernel-cache"))
    for name, code in [
        ("01_bad", "raise ValueError('no photo here')"),
        ("02_ok", "x = 1"),
    ]:
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell(code)]
        nbformat.write(nb, tmp_path / f"{name}.ipynb")
    bad, ok = precompute_notebooks(folder=tmp_path)
    assert "ValueError: no photo here" in bad["error"] and bad["swept"] == ""
    assert ok["error"] is None and ok["swept"] == "settings swept: 0"
