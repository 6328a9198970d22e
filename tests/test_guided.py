"""Deconvolution / guided back-propagation: closed forms, ReLU6, re-use, state."""

import pytest
import torch
from torch import nn

from lecturelib.core.models import LeNet
from lecturelib.sections.s07_guided_backprop.compute import (
    backprop_view,
    compute_backprop_views,
    without_relus,
)
from lecturelib.sections.s07_guided_backprop.widget import backprop_widget

W1 = torch.tensor([[1.0, -1.0], [-1.0, 2.0], [1.0, 3.0]])


def tiny(act: nn.Module, w2) -> nn.Sequential:
    """x ∈ R² (shaped (1, 1, 1, 2)) → relu-like(W1 x) → w2 · r, no biases."""
    model = nn.Sequential(
        nn.Flatten(), nn.Linear(2, 3, bias=False), act, nn.Linear(3, 1, bias=False)
    )
    with torch.no_grad():
        model[1].weight.copy_(W1)
        model[3].weight.copy_(torch.tensor([w2]))
    return model


X = torch.tensor([1.0, 2.0]).view(1, 1, 1, 2)  # W1 x = (-1, 3, 7)


@pytest.mark.parametrize(
    ("act", "w2", "expected"),
    [
        # ReLU: mask (0, 1, 1), g = (2, 1, -1)
        (
            nn.ReLU(),
            [2.0, 1.0, -1.0],
            {"gradient": [-2.0, -1.0], "deconv": [1.0, 0.0], "guided": [-1.0, 2.0]},
        ),
        # ReLU6: 7 is saturated, mask (0, 1, 0), g = (2, -1, 3)
        (
            nn.ReLU6(),
            [2.0, -1.0, 3.0],
            {"gradient": [1.0, -2.0], "deconv": [5.0, 7.0], "guided": [0.0, 0.0]},
        ),
        (
            nn.ReLU(inplace=True),
            [2.0, 1.0, -1.0],
            {"gradient": [-2.0, -1.0], "deconv": [1.0, 0.0], "guided": [-1.0, 2.0]},
        ),
    ],
)
def test_three_rules_on_a_hand_set_network(act, w2, expected):
    model = tiny(act, w2)
    views = compute_backprop_views(model, X)
    for rule, value in expected.items():
        torch.testing.assert_close(views[rule].flatten(), torch.tensor(value), msg=rule)
    xr = X.clone().requires_grad_(True)
    (plain,) = torch.autograd.grad(model(xr).sum(), xr)
    torch.testing.assert_close(views["gradient"], plain)


class Reused(nn.Module):
    """Two linear layers sharing one ReLU6 module, as EfficientNet-Lite0's blocks do."""

    def __init__(self, shared: bool, inplace: bool = False):
        super().__init__()
        torch.manual_seed(3)
        self.fc1, self.fc2, self.fc3 = nn.Linear(6, 8), nn.Linear(8, 8), nn.Linear(8, 4)
        self.act1 = nn.ReLU6(inplace=inplace)
        self.act2 = self.act1 if shared else nn.ReLU6()
        with torch.no_grad():
            self.fc1.weight.mul_(8)  # some units above 6

    def forward(self, x):
        return self.fc3(self.act2(self.fc2(self.act1(self.fc1(x.flatten(1))))))


@pytest.mark.parametrize("rule", ["gradient", "deconv", "guided"])
def test_a_reused_inplace_module_gives_the_same_maps_as_two_modules(rule):
    x = torch.randn(5, 1, 2, 3)
    ref = backprop_view(Reused(shared=False), x, rule=rule)
    torch.testing.assert_close(backprop_view(Reused(shared=True), x, rule=rule), ref)
    torch.testing.assert_close(
        backprop_view(Reused(shared=True, inplace=True), x, rule=rule), ref
    )


def test_without_relus_the_rules_agree_and_with_relus_they_differ():
    torch.manual_seed(0)
    model = LeNet()
    x = torch.rand(3, 1, 28, 28)
    linear = without_relus(model)
    assert not any(isinstance(m, nn.ReLU) for m in linear.modules())
    assert (
        sum(isinstance(m, nn.ReLU) for m in model.modules()) == 3
    )  # the original is intact
    same = compute_backprop_views(linear, x, 3)
    torch.testing.assert_close(same["deconv"], same["gradient"])
    torch.testing.assert_close(same["guided"], same["gradient"])
    diff = compute_backprop_views(model, x, 3)
    for a, b in [("gradient", "deconv"), ("gradient", "guided"), ("deconv", "guided")]:
        assert (diff[a] - diff[b]).abs().max() > 1e-3 * diff[a].abs().max(), (a, b)


def test_inner_unit_is_the_max_of_the_channel_and_matches_autograd():
    torch.manual_seed(0)
    model = LeNet().eval()
    x = torch.rand(2, 1, 28, 28)
    got = backprop_view(model, x, layer="conv2", channel=7)
    xr = x.clone().requires_grad_(True)
    a = model.conv2(model.relu1(model.pool1(model.conv1(xr))))[:, 7].flatten(1)
    (expected,) = torch.autograd.grad(a.max(1).values.sum(), xr)
    torch.testing.assert_close(got, expected)
    whole = backprop_view(model, x, layer="fc1")  # max over the layer's units
    fc1 = model.fc1(
        model.flatten(
            model.relu2(
                model.pool2(model.conv2(model.relu1(model.pool1(model.conv1(xr)))))
            )
        )
    )
    (expected,) = torch.autograd.grad(fc1.max(1).values.sum(), xr)
    torch.testing.assert_close(whole, expected)


def test_batch_size_invariance_and_target_none_is_the_max_logit():
    torch.manual_seed(0)
    model = LeNet()
    x = torch.rand(4, 1, 28, 28)
    batch = backprop_view(model, x, rule="guided")
    single = torch.cat(
        [backprop_view(model, x[i : i + 1], rule="guided") for i in range(4)]
    )
    torch.testing.assert_close(batch, single)
    pred = model(x).argmax(1)
    torch.testing.assert_close(batch, backprop_view(model, x, pred, rule="guided"))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (
            {"layer": "conv2", "channel": 64},
            ValueError,
            r"channel must be in \[0, 63\] \(layer 'conv2' has 64 channels\)",
        ),
        (
            {"layer": "conv2", "channel": -1},
            ValueError,
            r"channel must be in \[0, 63\] \(layer 'conv2' has 64 channels\)",
        ),
        (
            {"layer": "fc1", "channel": 200},
            ValueError,
            r"channel must be in \[0, 199\] \(layer 'fc1' has 200 units\)",
        ),
        ({"layer": "conv9"}, ValueError, r"layer 'conv9' is not in the model.*conv"),
        ({"target": 10}, ValueError, r"target must be in \[0, 9\]"),
        ({"rule": "deconvolution"}, ValueError, r"unknown rule 'deconvolution'"),
        ({"channel": 3}, ValueError, r"channel .* give layer"),
        (
            {"layer": "conv2", "target": 3},
            ValueError,
            r"target selects an output class",
        ),
    ],
)
def test_bad_input_names_the_argument_and_range(kwargs, error, match):
    model = LeNet()
    with pytest.raises(error, match=match):
        backprop_view(
            model, torch.rand(1, 1, 28, 28), kwargs.pop("target", None), **kwargs
        )


def test_efficientnet_guided_differs_from_gradient_where_captums_does_not():
    """EfficientNet-Lite0 uses ReLU6, re-used in each block: captum only hooks nn.ReLU."""
    import warnings

    from captum.attr import GuidedBackprop

    from lecturelib.core.imagenet import load_imagenet_model

    model = load_imagenet_model("efficientnet_lite0")[0]
    x = torch.randn(1, 3, 64, 64)
    views = compute_backprop_views(model, x, rules=("gradient", "guided"))
    target = int(model(x).argmax())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = GuidedBackprop(model).attribute(x.clone(), target=target)
    torch.testing.assert_close(theirs, views["gradient"])
    gap = (views["guided"] - views["gradient"]).abs().max()
    assert gap > 0.1 * views["gradient"].abs().max()


def test_widgets_readouts_follow_the_controls():
    torch.manual_seed(0)
    model = LeNet()
    x = torch.rand(12, 1, 28, 28)
    w = backprop_widget(
        model, x[:2], names=["a", "b"], layers={"output": None, "conv2": "conv2"}
    )
    rule, layer, channel = (w.controls[k] for k in ("rule", "layer", "channel"))
    readout = w.readout
    assert readout.value.startswith("a, guided: output class")
    assert layer.index == 0 and layer.value == "output"  # a visible selection
    rule.value = "deconv"
    assert readout.value.startswith("a, deconv")
    layer.value = "conv2"
    assert "conv2 channel" in readout.value and channel.max == 63
    channel.value = 9
    assert "conv2 channel 9," in readout.value
