"""Zeiler & Fergus's top patches: receptive fields by autograd, the channel's maxima."""

import pytest
import torch
from matplotlib.figure import Figure

from lecturelib.core.hooks import compute_activations, hook_count
from lecturelib.core.models import LeNet
from lecturelib.sections.s07_guided_backprop.compute import backprop_view
from lecturelib.sections.s07_guided_backprop.plots import plot_top_patches
from lecturelib.sections.s07_guided_backprop.top_patches import (
    compute_top_patches,
    receptive_field_boxes,
)
from lecturelib.sections.s07_guided_backprop.widget import top_patches_widget


@pytest.mark.parametrize(
    ("layer", "size"), [("conv1", 5), ("relu1", 7), ("conv2", 19), ("relu2", 22)]
)
def test_receptive_fields_of_lenet_match_layer_arithmetic(layer, size):
    """conv1 5×5 → pool 3/3 → conv2 5×5 → pool 2/2: RF 5, 7, 19, 22, strides 1, 3, 3, 6."""
    stride = {"conv1": 1, "relu1": 3, "conv2": 3, "relu2": 6}[layer]
    model = LeNet()
    positions = torch.tensor([[0, 0], [1, 1], [0, 1]])
    boxes = receptive_field_boxes(model, layer, (1, 28, 28), positions)
    for (r, c), box in zip(positions.tolist(), boxes.tolist()):
        top, left = r * stride, c * stride
        assert box == [top, left, min(top + size, 28), min(left + size, 28)]


def test_top_patches_are_the_channel_maxima_cropped_to_the_receptive_field():
    torch.manual_seed(0)
    model = LeNet().eval()
    x = torch.rand(30, 1, 28, 28)
    top = compute_top_patches(model, x, "conv2", 5, k=4)
    acts = compute_activations(model, x, "conv2", batch_size=7)["conv2"]
    best = acts[:, 5].flatten(1).amax(1)
    torch.testing.assert_close(top.values, best.sort(descending=True).values[:4])
    torch.testing.assert_close(best[top.indices], top.values)
    first = top.indices[0]
    deconv = backprop_view(
        model, x[first : first + 1], rule="deconv", layer="conv2", channel=5
    )[0]
    t, l, b, r = top.boxes[0].tolist()
    assert (b - t, r - l) == (19, 19)
    torch.testing.assert_close(top.patches[0], x[first, :, t:b, l:r])
    torch.testing.assert_close(top.deconvs[0], deconv[:, t:b, l:r])
    outside = deconv.clone()
    outside[:, t:b, l:r] = 0
    assert outside.abs().max() == 0 < deconv.abs().max()  # nothing outside the box
    several = compute_top_patches(
        model, x, "conv2", 5, k=6, per_image=3, activations=acts
    )
    assert several.values[0] == top.values[0] and len(several.patches) == 6
    assert isinstance(plot_top_patches(top), Figure)
    with pytest.raises(ValueError, match=r"channel must be in \[0, 63\]"):
        compute_top_patches(model, x, "conv2", 64, activations=acts)


def test_top_patches_leave_the_model_as_it_was():
    torch.manual_seed(0)
    model = LeNet().train()
    model.fc2.weight.grad = torch.ones_like(model.fc2.weight)
    grad, hooks = model.fc2.weight.grad, hook_count(model)
    x = torch.rand(5, 1, 28, 28)
    compute_top_patches(model, x, "conv2", 1, k=2)
    with pytest.raises(ValueError, match=r"layer 'conv3' is not in the model"):
        compute_top_patches(model, x, "conv3", 1)
    with pytest.raises(ValueError, match=r"k must be in \[1, ∞\]"):
        compute_top_patches(model, x, "conv2", 1, k=0)
    assert all(m.training for m in model.modules())
    assert all(p.requires_grad for p in model.parameters())
    assert model.fc2.weight.grad is grad and model.conv1.weight.grad is None
    assert hook_count(model) == hooks


def test_widget_readout_follows_the_channel_slider():
    torch.manual_seed(0)
    model = LeNet()
    x = torch.rand(12, 1, 28, 28)
    w = top_patches_widget(model, x, "conv2", k=3)
    slider, readout = w.controls["channel"], w.readout
    assert readout.value.startswith("conv2, channel 0:")
    slider.value = 4
    assert readout.value.startswith("conv2, channel 4:")


def test_per_image_keeps_distinct_local_maxima_and_skips_missing_ones():
    from lecturelib.sections.s07_guided_backprop.top_patches import _top_units

    a = torch.zeros(2, 5, 5)
    a[0, 0, 0], a[0, 4, 4], a[0, 0, 1] = 5.0, 4.0, 4.5  # (0, 1) is no peak: next to 5
    i, j = torch.meshgrid(torch.arange(5.0), torch.arange(5.0), indexing="ij")
    a[1] = 3.0 - (i - 2) ** 2 - (j - 2) ** 2  # a single peak, at the centre
    img, pos, vals = _top_units(a, k=4, per_image=2)
    assert img.tolist() == [0, 0, 1] and pos.tolist() == [0, 24, 12]
    torch.testing.assert_close(vals, torch.tensor([5.0, 4.0, 3.0]))
