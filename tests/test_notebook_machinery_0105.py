"""What notebooks 01-05 used to check in cells that only drove a widget or the cache.

Each test rebuilds what its notebook cell needed with the library (small models), then
drives the widget by its control names, as a student would.
"""

from tiny_models import small_cnn

from lecturelib.hooks import hook_count
from lecturelib.models import load_lenet


def test_02_filters_widget_layer_menu_and_filter_slider():
    from lecturelib.widgets.filters import filters_widget

    w = filters_widget(load_lenet())
    w.controls["layer"].value = "conv2"  # the same as choosing it in the menu
    w.controls["filter"].value = 7
    assert "filter 7" in w.readout.value and w.controls["filter"].max == 63


def test_03_activations_widget_redraws_without_new_hooks():
    from lecturelib.activations import relu_layers
    from lecturelib.imagenet import ImagePreprocess
    from lecturelib.widgets.activations import activations_widget

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
