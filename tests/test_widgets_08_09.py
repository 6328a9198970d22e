import pytest
import torch

from lecturelib.core.data import load_mnist
from lecturelib.core.hooks import hook_count
from lecturelib.core.models import load_lenet
from lecturelib.sections.s08_maximize_response.widget import maximize_widget
from lecturelib.sections.s09_adversarial.widget import attack_widget, fooling_widget

DIGITS = [str(d) for d in range(10)]


@pytest.fixture(scope="module")
def lenet():
    return load_lenet()


def test_maximize_widget_readout_follows_the_choice(lenet):
    choices = {"digit 3": 3, "digit 7": 7, "conv2 channel 1": ("conv2", 1)}
    w = maximize_widget(lenet, choices, classes=DIGITS, size=28, steps=40)
    assert "predicts <b>3</b>" in w.readout.value
    w.controls["objective"].value = "digit 7"
    assert "predicts <b>7</b>" in w.readout.value
    w.controls["objective"].value = "conv2 channel 1"
    assert "conv2[1]" in w.readout.value
    assert hook_count(lenet) == 0


def test_attack_widget_readout_changes_with_the_loss(lenet):
    images, _labels = load_mnist("test")
    w = attack_widget(lenet, images[:3], ["a", "b", "c"], DIGITS, loss="ce")
    ce = w.readout.value
    w.controls["loss"].value = "margin"
    assert w.readout.value != ce and "first change at step" in w.readout.value


def test_fooling_widget_readout_changes_with_the_target(lenet):
    w = fooling_widget(lenet, DIGITS, targets=range(10), population=8, generations=3)
    first = w.readout.value
    w.controls["class"].value = 5
    assert w.readout.value != first and "p(<b>5</b>)" in w.readout.value
    assert torch.is_grad_enabled()
