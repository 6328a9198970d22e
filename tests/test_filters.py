"""Tests of lecturelib.sections.s02_filters.compute: shapes and exact values on hand-set convolutions."""

import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from lecturelib.core.models import LeNet
from lecturelib.core.plot import tile_filters
from lecturelib.sections.s02_filters import compute as F
from lecturelib.sections.s02_filters import plots as FP
from lecturelib.sections.s02_filters.widget import filters_widget


def _hand_set() -> nn.Sequential:
    """conv 3→2 2×2 with weights 0…23, then conv 2→4 3×3 with weights 0…71."""
    model = nn.Sequential(nn.Conv2d(3, 2, 2), nn.ReLU(), nn.Conv2d(2, 4, 3))
    with torch.no_grad():
        model[0].weight.copy_(torch.arange(24.0).view(2, 3, 2, 2))
        model[2].weight.copy_(torch.arange(72.0).view(4, 2, 3, 3))
    return model


def test_conv_layers_and_resolve():
    model = _hand_set()
    assert F.conv_layers(model) == ["0", "2"]
    assert F.resolve_conv(model, 1)[0] == "2"
    assert F.resolve_conv(model, "0")[1] is model[0]
    assert F.conv_layers(LeNet()) == ["conv1", "conv2"]


def test_compute_filters_values_and_selection():
    model = _hand_set()
    w = F.compute_filters(model, 0)
    assert w.shape == (2, 3, 2, 2)
    assert torch.equal(w, torch.arange(24.0).view(2, 3, 2, 2))
    sub = F.compute_filters(model, "2", filters=[3, 1], channels=1)
    assert sub.shape == (2, 1, 3, 3)
    assert torch.equal(sub[0, 0], torch.arange(63.0, 72.0).view(3, 3))
    assert torch.equal(sub[1, 0], torch.arange(27.0, 36.0).view(3, 3))
    # a copy: changing it leaves the model alone
    w += 1
    assert model[0].weight[0, 0, 0, 0].item() == 0.0


def test_tile_grey_grid_layout_and_values():
    w = torch.arange(72.0).view(4, 2, 3, 3)
    m = tile_filters(w, normalize="each", pad=1, ncols=1)
    assert m.shape == (4 * 4 - 1, 2 * 4 - 1)  # rows = filters, columns = channels
    ramp = torch.arange(9.0).view(3, 3) / 8  # each tile is a ramp, min-max → [0, 1]
    for f in range(4):
        for c in range(2):
            assert torch.allclose(m[4 * f : 4 * f + 3, 4 * c : 4 * c + 3], ramp)
    assert torch.isnan(m[3]).all() and torch.isnan(m[:, 3]).all()  # padding
    signed = tile_filters(-w, normalize="signed", ncols=1)
    assert torch.allclose(signed[0:3, 4:7], -torch.arange(9.0, 18.0).view(3, 3) / 17)
    together = tile_filters(w, normalize="all", ncols=1)
    assert together[0, 0] == 0 and together[-1, -1] == 1
    # default: ⌊24 / 2⌋ filters per row → all 4 on one row, 2 pixels between filters
    wide = tile_filters(w)
    assert wide.shape == (3, 4 * (2 * 4 - 1) + 3 * 2)
    assert torch.allclose(wide[:, 9:12], ramp) and torch.isnan(wide[:, 7:9]).all()


def test_tile_single_channel_wraps_and_rgb():
    w = torch.randn(32, 1, 5, 5)
    m = tile_filters(w, pad=1)
    assert m.shape == (4 * 6 - 1, 8 * 6 - 1)  # 32 filters in the lecture's 4 × 8
    assert torch.allclose(
        m[6:11, 0:5], (w[8, 0] - w[8, 0].min()) / (w[8, 0].max() - w[8, 0].min())
    )
    rgb = tile_filters(_hand_set()[0].weight.detach(), rgb=True, ncols=2, pad=0)
    assert rgb.shape == (3, 2, 4)
    # each RGB filter scaled as a whole: filter 1 holds 12…23 → (v - 12) / 11
    assert torch.allclose(
        rgb[:, :, 2:], torch.arange(12.0, 24.0).view(3, 2, 2).sub(12) / 11
    )
    assert not torch.isnan(rgb).any()


def test_bad_input_messages():
    model = _hand_set()
    with pytest.raises(ValueError, match=r"layer must be in \[-2, 1\]"):
        F.compute_filters(model, 2)
    with pytest.raises(ValueError, match="valid: 0, 2"):
        F.compute_filters(model, "conv9")
    with pytest.raises(ValueError, match=r"filters index 4 out of range \[0, 3\]"):
        F.compute_filters(model, 1, filters=[0, 4])
    with pytest.raises(ValueError, match="channels index 2"):
        F.compute_filters(model, 1, channels=2)
    with pytest.raises(ValueError, match="rgb=True needs 3 input channels"):
        tile_filters(torch.zeros(4, 2, 3, 3), rgb=True)
    with pytest.raises(ValueError, match="normalize"):
        tile_filters(torch.zeros(4, 2, 3, 3), normalize="minmax")


def test_plots_and_widget():
    model = LeNet()
    assert isinstance(
        FP.plot_filters(model, "conv2", filters=range(4), channels=range(4)), Figure
    )
    assert isinstance(FP.plot_random_vs_learned(LeNet(), model, 0), Figure)
    w = filters_widget(model)
    dropdown, slider = w.controls["layer"], w.controls["filter"]
    before = w.readout.value
    dropdown.value = "conv2"
    assert slider.max == 63 and "conv2: 64 filters of 32×5×5" in w.readout.value
    slider.value = 5
    assert "filter 5" in w.readout.value and w.readout.value != before


def test_filter_smoothness_known_values():
    ramp = torch.arange(16.0).view(
        1, 1, 4, 4
    )  # a plane: neighbours strongly correlated
    checker = (torch.arange(4).view(4, 1) + torch.arange(4)).remainder(
        2
    ).float() * 2 - 1
    flat = torch.ones(1, 1, 4, 4)
    s = F.filter_smoothness(torch.cat([ramp, checker.view(1, 1, 4, 4), flat]))
    assert s[0] > 0.5 and s[1] == pytest.approx(-1.0) and s[2] == 0.0
    noise = torch.randn(2000, 1, 5, 5, generator=torch.Generator().manual_seed(0))
    assert abs(F.filter_smoothness(noise).mean().item()) < 0.1
