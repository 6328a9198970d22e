"""What notebooks 01-05 used to check in cells that only drove a widget or the cache.

Each test rebuilds what its notebook cell needed with the library (small models), then
drives the widget by its control names, as a student would.
"""

import torch
from tiny_models import small_cnn

from lecturelib.core.hooks import hook_count
from lecturelib.core.models import load_lenet


def test_02_filters_widget_layer_menu_and_filter_slider():
    from lecturelib.sections.s02_filters.widget import filters_widget

    w = filters_widget(load_lenet())
    w.controls["layer"].value = "conv2"  # the same as choosing it in the menu
    w.controls["filter"].value = 7
    assert "filter 7" in w.readout.value and w.controls["filter"].max == 63


def test_03_activations_widget_redraws_without_new_hooks():
    from lecturelib.core.imagenet import ImagePreprocess
    from lecturelib.sections.s03_activations.compute import relu_layers
    from lecturelib.sections.s03_activations.widget import activations_widget

    cnn = small_cnn()
    prep = ImagePreprocess((0.5,) * 3, (0.25,) * 3, size=16, resize=16)
    layers = relu_layers(cnn)
    explorer = activations_widget(
        cnn, prep, list("abcd"), photo="chelsea", layers=layers
    )
    before = explorer.readout.value
    explorer.controls["layer"].value = layers[0]
    explorer.controls["unit"].value = 3
    assert hook_count(cnn) == 0
    assert explorer.readout.value != before and "unit 3" in explorer.readout.value


def test_04_embedding_widget_layer_slider_reuses_the_cached_embeddings():
    from lecturelib.sections.s04_embeddings.embedding_cache import EmbeddingCache
    from lecturelib.sections.s04_embeddings.widget import embedding_widget

    g = torch.Generator().manual_seed(0)
    feats = {name: torch.randn(40, 6, generator=g) for name in ("input", "a", "b")}
    cache = EmbeddingCache(feats, torch.arange(40) % 2, k=3, pca_dims=3)
    cache.compute(perplexity=30)  # as the notebook computes every layer first
    explorer = embedding_widget(cache, perplexities=(5, 10, 30))
    runs = cache.runs
    for name in cache.layers:
        explorer.controls["layer"].value = name
    assert cache.runs == runs, "moving the layer slider re-uses the cached embeddings"
    assert "from the cache" in explorer.readout.value


def test_05_occlusion_widget_setting_revisited_comes_from_the_cache():
    from lecturelib.sections.s05_occlusion.widget import occlusion_widget
    from lecturelib.tooling.cache import cache_dir

    cnn, image = small_cnn(), torch.randn(1, 3, 24, 24)
    widget = occlusion_widget(cnn, image, 1, to_display=torch.sigmoid, size=8, stride=8)
    size_slider = widget.controls["size"]
    size_slider.value = 12  # a new setting: computed
    size_slider.value = 8  # back again: read from the cache
    assert cache_dir() is None or "from the cache" in widget.readout.value
