"""What notebooks 06–10 used to check in cells that only drove a widget or its cache.

Each test rebuilds the notebook's widget with the library (LeNet and MNIST, or a tiny
convnet for the ImageNet widgets) and moves its controls as the removed cell did.
"""

import pytest
import torch
from tiny_models import small_cnn

from lecturelib.core.data import load_mnist
from lecturelib.core.hooks import hook_count
from lecturelib.core.models import load_lenet
from lecturelib.tooling.cache import cache_stats

DIGITS = [str(d) for d in range(10)]


pytestmark = pytest.mark.usefixtures("empty_cache")


@pytest.fixture(scope="module")
def lenet():
    return load_lenet()


def test_06_sigma_away_and_back_is_read_from_the_cache():
    from lecturelib.sections.s06_saliency.widget import saliency_widget

    net, x = small_cnn(), torch.randn(2, 3, 16, 16)
    w = saliency_widget(
        net, x, names=["a", "b"], n=4, sigma=0.25, to_display=torch.sigmoid
    )
    w.controls["sigma"].value = 0.5
    w.controls["sigma"].value = 0.25
    assert "from the cache" in w.readout.value


def test_07_back_to_guided_costs_no_new_backpropagation(lenet):
    from lecturelib.sections.s07_guided_backprop.widget import backprop_widget

    images, _ = load_mnist("test")
    w = backprop_widget(
        lenet,
        images[:3],
        names=list("abc"),
        classes=DIGITS,
        layers={"output (max class)": None, "conv2": "conv2"},
    )
    rule = w.controls["rule"]
    rule.value = "deconv"
    misses = cache_stats()["misses"]
    rule.value = "guided"
    assert cache_stats()["misses"] == misses and "from the cache" in w.readout.value
    assert hook_count(lenet) == 0


def test_08_maximize_widget_follows_the_objective_and_revisits_from_the_cache(lenet):
    from lecturelib.sections.s08_maximize_response.widget import maximize_widget

    choices = {f"digit {d}": d for d in range(10)}
    choices.update(
        {"conv2 channel 5": ("conv2", 5), "conv2 unit (5, 3, 3)": ("conv2", 5, 3, 3)}
    )
    w = maximize_widget(lenet, choices, classes=DIGITS, size=28, steps=100)
    text = w.readout.value
    w.controls["objective"].value = "digit 7"
    assert w.readout.value != text and "predicts <b>7</b>" in w.readout.value
    w.controls["objective"].value = "digit 0"
    assert "from the cache" in w.readout.value


def test_09_attack_widget_loss_margin_and_back_from_the_cache(lenet):
    from lecturelib.sections.s09_adversarial.widget import attack_widget

    images, labels = load_mnist("test")
    pick = [int((labels == d).nonzero()[0]) for d in range(10)]
    w = attack_widget(lenet, images[pick], [f"a {d}" for d in range(10)], DIGITS)
    margin = w.readout.value  # the notebook's widget starts on the margin loss
    assert "first change at step" in margin
    lr = w.controls["lr"]
    lr.value = 0.126  # the browser test's move: another step size, another result
    assert w.readout.value != margin
    lr.value = 0.1
    w.controls["loss"].value = "ce"  # saturated: no label change
    assert "no label change" in w.readout.value
    w.controls["loss"].value = "margin"
    assert "from the cache" in w.readout.value


def test_10_dilation_widget_driven_from_code():
    from lecturelib.sections.s10_dilated_convolution.widget import dilation_widget

    w = dilation_widget(input_size=20, kernel_size=3, max_dilation=6)
    w.controls["dilation"].value, w.controls["output"].value = 4, 11
    assert "output 12" in w.readout.value and "11, 15, 19" in w.readout.value
