"""Tests of lecturelib.sections.s03_activations.compute: recorded maps equal a manual forward, known scores."""

import pytest
import torch
from matplotlib.figure import Figure
from torch import nn
from torch.nn import functional as F

from lecturelib.core.hooks import compute_activations, hook_count
from lecturelib.core.imagenet import ImagePreprocess
from lecturelib.core.models import LeNet
from lecturelib.sections.s03_activations import compute as A
from lecturelib.sections.s03_activations import plots as AP
from lecturelib.sections.s03_activations.widget import activations_widget


def _lenet() -> LeNet:
    torch.manual_seed(0)
    return LeNet()


def test_recorded_equals_manual_forward():
    model = _lenet()
    x = torch.rand(5, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    acts = compute_activations(model, x, ["conv1", "relu2", "fc2"])
    conv1 = F.conv2d(x, model.conv1.weight, model.conv1.bias)
    relu2 = F.relu(
        F.max_pool2d(
            F.conv2d(
                F.relu(F.max_pool2d(conv1, 3)), model.conv2.weight, model.conv2.bias
            ),
            2,
        )
    )
    assert torch.allclose(acts["conv1"], conv1, atol=1e-6)
    assert torch.allclose(acts["relu2"], relu2, atol=1e-6)
    assert torch.allclose(acts["fc2"], model(x), atol=1e-6)
    assert acts["conv1"].shape == (5, 32, 24, 24) and acts["relu2"].shape == (
        5,
        64,
        2,
        2,
    )


def test_batch_size_invariance():  # the model left as found: tests/test_contract.py
    model = _lenet().train()
    x = torch.rand(7, 1, 28, 28, generator=torch.Generator().manual_seed(2))
    a = compute_activations(model, x, "relu1", batch_size=7)["relu1"]
    b = compute_activations(model, x, "relu1", batch_size=2)["relu1"]
    assert torch.allclose(a, b, atol=1e-6)


def _signs() -> nn.Sequential:
    """conv 1→2 1×1: channel 0 = +x, channel 1 = −x, then ReLU."""
    model = nn.Sequential(nn.Conv2d(1, 2, 1), nn.ReLU())
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([1.0, -1.0]).view(2, 1, 1, 1))
        model[0].bias.zero_()
    return model


def test_channel_scores_and_ranking_known_values():
    model = _signs()
    x = torch.zeros(3, 1, 4, 4)
    x[0] += 2.0  # bright: excites channel 0
    x[1] -= 3.0  # dark: excites channel 1
    x[2, 0, 0, 0] = 8.0  # one bright pixel: mean 0.5, max 8
    mean = A.channel_scores(model, x, "1", reduce="mean")
    assert torch.allclose(mean, torch.tensor([[2.0, 0.0, 0.5], [0.0, 3.0, 0.0]]))
    peak = A.channel_scores(model, x, "1", reduce="max")
    assert torch.allclose(peak[0], torch.tensor([2.0, 0.0, 8.0]))
    table = A.ranking_table(mean, ["bright", "dark", "dot"], top=2)
    assert (
        table.loc[0, "1st"] == "bright (2.00)" and table.loc[0, "2nd"] == "dot (0.50)"
    )
    assert table.loc[1, "1st"] == "dark (3.00)" and table.loc[1, "spread"] == 3.0


def test_pick_channels_and_spread():
    a = A.pick_channels(64, 8, generator=torch.Generator().manual_seed(0))
    b = A.pick_channels(64, 8, generator=torch.Generator().manual_seed(0))
    assert a == b and a == sorted(set(a)) and len(a) == 8 and max(a) < 64
    assert A.pick_channels(3, 8) == [0, 1, 2]
    assert A.spread(list("abcdefghij"), 4) == ["a", "d", "g", "j"]
    assert A.relu_layers(LeNet()) == ["relu1", "relu2", "relu3"]
    assert A.relu_layers(nn.Sequential(nn.Conv2d(1, 1, 1), nn.ReLU6())) == ["1"]


def test_top_predictions_hand_set():
    model = nn.Sequential(nn.Conv2d(1, 1, 1), nn.Flatten(), nn.Linear(1, 3))
    with torch.no_grad():
        model[0].weight.fill_(1.0)
        model[0].bias.zero_()
        model[2].weight.copy_(torch.tensor([[0.0], [1.0], [2.0]]))
        model[2].bias.zero_()
    preds = A.top_predictions(
        model, torch.full((1, 1, 1, 1), 1.0), ["a", "b", "c"], k=2
    )
    p = torch.tensor([0.0, 1.0, 2.0]).softmax(0)
    assert [c for c, _ in preds[0]] == ["c", "b"]
    assert preds[0][0][1] == pytest.approx(float(p[2]))


def test_bad_input():
    model = _lenet()
    with pytest.raises(ValueError, match="images must have 1 channel"):
        compute_activations(model, torch.rand(1, 3, 28, 28), "conv1")
    with pytest.raises(ValueError, match="layer 'conv7' is not in the model"):
        compute_activations(model, torch.rand(1, 1, 28, 28), "conv7")
    with pytest.raises(ValueError, match="reduce"):
        A.channel_scores(model, torch.rand(1, 1, 28, 28), "conv1", reduce="median")
    with pytest.raises(ValueError, match=r"channel must be in \[0, 1\]"):
        A.ranking_table(torch.zeros(2, 3), ["a", "b", "c"], channels=[5])


def test_plots():
    model = _lenet()
    x = torch.rand(2, 1, 28, 28)
    acts = compute_activations(model, x, [n for n, _ in model.named_children()])
    assert isinstance(AP.plot_layer_activations(x, acts, index=1), Figure)
    assert isinstance(
        AP.plot_channels(x[0], acts["conv1"][0], [0, 5], layer="conv1"), Figure
    )


def test_widget_slider_adds_no_hooks():
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 4, 3),
        nn.ReLU(),
        nn.Conv2d(4, 6, 3),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(6, 5),
    ).eval()
    prep = ImagePreprocess((0.5,) * 3, (0.25,) * 3, size=16, resize=16)
    w = activations_widget(model, prep, list("vwxyz"), photo="coffee", n_random=3)
    layer, unit = w.controls["layer"], w.controls["unit"]
    assert layer.options == ("1", "3") and unit.max == 5
    hooks, before = hook_count(model), w.readout.value
    unit.value = 2
    layer.value = "1"
    assert hook_count(model) == hooks and w.readout.value != before
    assert "unit 2" in w.readout.value and unit.max == 3
    w.controls["photo"].value = "chelsea"  # another photo: one more forward
    assert hook_count(model) == hooks and "top-5" in w.readout.value


def test_best_share_and_class_purity_known_values():
    scores = torch.tensor(
        [[4.0, 3.0, 2.0, 1.0], [0.0, 6.0, 2.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    )
    share = A.best_share(scores)
    assert share[0] == pytest.approx(0.4) and share[1] == 0.75 and torch.isnan(share[2])
    labels = torch.tensor([3, 3, 1, 3])
    purity = A.class_purity(scores, labels, top=2)  # row 1: images 1 and 2 → 3, 1
    assert purity[:2].tolist() == [1.0, 0.5]
    assert torch.isnan(purity[2])  # dead channel: no top images, whatever their order
    # excited by one image only: its top 2 would hold a tie → not counted
    assert torch.isnan(
        A.class_purity(torch.tensor([[0.0, 5.0, 0.0, 0.0]]), labels, top=2)
    )
    with pytest.raises(ValueError, match="non-negative"):
        A.best_share(-scores)
    with pytest.raises(ValueError, match=r"top must be in \[1, 4\]"):
        A.class_purity(scores, labels, top=5)


def test_widget_takes_a_path_and_an_upload(tmp_path):
    import datetime
    import io

    from PIL import Image

    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(3, 2, 1), nn.ReLU(), nn.Flatten(), nn.Linear(128, 3)
    )
    model.eval()
    prep = ImagePreprocess((0.5,) * 3, (0.25,) * 3, size=8, resize=8)
    w = activations_widget(model, prep, list("xyz"), photo="coffee", layers=["1"])
    path, upload, unit = (w.controls[k] for k in ("path", "upload", "unit"))
    unit.value = 1
    readouts = [w.readout.value]
    Image.new("RGB", (16, 16), (255, 255, 255)).save(tmp_path / "white.png")
    path.value = str(
        tmp_path / "white.png"
    )  # white: (1 - 0.5) / 0.25 = 2 in every pixel
    readouts.append(w.readout.value)
    png = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 0, 0)).save(png, format="PNG")  # black: -2
    upload.value = (
        {"name": "black.png", "type": "image/png", "size": len(png.getvalue()),
         "content": memoryview(png.getvalue()), "last_modified": datetime.datetime.now()},
    )  # fmt: skip
    readouts.append(w.readout.value)
    conv = model[0]
    for value, text in zip((2.0, -2.0), readouts[1:]):
        expected = torch.relu(conv.weight[1].sum() * value + conv.bias[1]).item()
        assert f"max {expected:.3f}" in text, (expected, text)
    assert len(set(readouts)) == 3
