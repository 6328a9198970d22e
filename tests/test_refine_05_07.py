"""Notebooks 05 and 07: the occlusion map and the top patches drawn as they go.

``on_partial`` (occlusion) and the crops-first picture (top patches) change what is
shown while computing, never the result: the final map and the final picture are the
same bytes as without them. The widgets run on the fake clock of ``conftest``.
"""

import base64

import pytest
import torch
from test_occlusion import ResidualNet, small_cnn
from torch import nn

import lecturelib.tooling.panel as P
from lecturelib.core.hooks import (
    compute_activations,
    hook_count,
    layer_output,
    record_activations,
)
from lecturelib.core.models import LeNet
from lecturelib.sections.s05_occlusion.compute import occlusion_sensitivity
from lecturelib.sections.s05_occlusion.plots import plot_occlusion
from lecturelib.sections.s05_occlusion.widget import BATCH, occlusion_widget
from lecturelib.sections.s07_guided_backprop.plots import plot_top_patches
from lecturelib.sections.s07_guided_backprop.top_patches import compute_top_patches
from lecturelib.sections.s07_guided_backprop.widget import top_patches_widget


@pytest.mark.parametrize("method", ["incremental", "full"])
def test_occlusion_partial_maps_fill_row_by_row_and_leave_the_result_as_it_was(method):
    net, x = ResidualNet().eval(), torch.randn(2, 3, 14, 14)
    kw = {"size": 4, "stride": 2, "batch_size": 10, "method": method, "progress": False}
    plain = occlusion_sensitivity(net, x, [0, 2], **kw)  # 6×6 = 36 masks per image
    calls = []
    refined = occlusion_sensitivity(
        net, x, [0, 2], on_partial=lambda done, m: calls.append((done, m)), **kw
    )
    assert torch.equal(refined, plain)  # the same bytes
    # 4 batches per image (10, 10, 10, 6), 8 in all: a call after each but the last
    assert [done for done, _ in calls] == [10, 20, 30, 36, 46, 56, 66]
    for done, heat in calls:
        assert heat.shape == (2, 6, 6)
        flat = heat.flatten()
        assert not flat[:done].isnan().any() and flat[done:].isnan().all()
        assert torch.equal(flat[:done], plain.flatten()[:done].cpu())


def test_occlusion_widget_draws_rows_as_it_goes_and_the_same_final_picture(
    clock, png_bytes
):
    net, x = small_cnn(), torch.randn(1, 3, 24, 24)  # 9×9 = 81 masks at stride 2
    net.register_forward_hook(lambda *_: setattr(clock, "now", clock.now + 0.5))
    readouts = []
    w = occlusion_widget(net, x, 1, size=8, stride=4, method="full")
    w.readout.observe(lambda c: readouts.append(c["new"]), names="value")
    w.controls["stride"].value = 2  # clean pass, then 3 batches of 32: 0.5 s each
    t = w.last_timing
    assert t.state == "drawn" and t.pictures == 3  # after batches 1 and 2, the final
    assert t.first_picture_s == pytest.approx(1.0) and t.done_s == pytest.approx(2.0)
    partial = [r for r in readouts if r.startswith("<i>refining…</i>")]
    assert [r.split(" masks")[0][-8:] for r in partial] == ["32 of 81", "64 of 81"]
    assert "9×9 map" in w.readout.value and BATCH == 32
    heat = occlusion_sensitivity(net, x, 1, size=8, stride=2, method="full",
                                 batch_size=BATCH, progress=False)[0]  # fmt: skip
    alone = P._png(plot_occlusion(x[0], {"model": heat}, size=8, stride=2))
    assert png_bytes(w) == [base64.b64decode(alone["data"]["image/png"])]


def test_occlusion_plot_of_a_partial_map_hides_what_is_not_computed():
    x = torch.randn(3, 24, 24)
    heat = torch.full((5, 5), float("nan"))
    heat[:2] = torch.arange(10.0).view(2, 5)
    heat[1, 3] = 20.0  # the largest computed drop: the mask goes there
    fig = plot_occlusion(x, {"m": heat}, size=8, stride=4)
    assert fig.axes[1].get_title() == "8×8 mask at (4, 12)"
    assert fig.axes[2].get_title() == "m: max drop 20.00"
    shown = fig.axes[2].images[1].get_array()
    assert shown.mask[2:].all() and not shown.mask[:2].any()  # transparent below


def test_layer_output_stops_after_the_layer_and_keeps_its_last_call():
    class Twice(nn.Module):  # one ReLU used twice, as EfficientNet-Lite0's blocks
        def __init__(self):
            super().__init__()
            self.conv, self.act, self.head = (
                nn.Conv2d(1, 2, 3),
                nn.ReLU(),
                nn.Linear(8, 2),
            )

        def forward(self, x):
            return self.head(self.act(self.act(self.conv(x)) - 1).flatten(1))

    net, x = Twice(), torch.randn(2, 1, 4, 4, requires_grad=True)
    heads = []
    net.head.register_forward_hook(lambda *_: heads.append(1))
    with record_activations(net, "act", detach=False) as rec:
        net(x)
    assert len(heads) == 1
    for _ in range(2):  # the first learns the calls (2) and runs the whole pass
        out = layer_output(net, x, "act")
        assert torch.equal(out, rec["act"]) and out.requires_grad
    assert len(heads) == 2  # the second stopped after the ReLU's second call
    (grad,) = torch.autograd.grad(out.sum(), x)
    (expected,) = torch.autograd.grad(rec["act"].sum(), x)
    assert torch.equal(grad, expected) and hook_count(net) == 1  # ours is gone
    net.spare = nn.Tanh()  # a module the forward pass never calls
    with pytest.raises(ValueError, match="'spare' is not called"):
        layer_output(net, x, "spare")


def _lenet_patches():
    torch.manual_seed(0)
    model, x = LeNet().eval(), torch.rand(30, 1, 28, 28)
    return model, x, compute_activations(model, x, "conv2")["conv2"]


def test_top_patches_crops_first_then_the_same_result():
    model, x, acts = _lenet_patches()
    plain = compute_top_patches(model, x, "conv2", 5, k=4, activations=acts)
    partials = []
    refined = compute_top_patches(
        model, x, "conv2", 5, k=4, activations=acts, on_partial=partials.append
    )
    (crops,) = partials  # one call, before the back-projections
    assert crops.deconvs == [] and len(crops.patches) == 4
    for name in ("indices", "positions", "values", "boxes"):
        assert torch.equal(getattr(crops, name), getattr(plain, name))
        assert torch.equal(getattr(refined, name), getattr(plain, name))
    for a, b, c in zip(crops.patches, refined.patches, plain.patches):
        assert torch.equal(a, c) and torch.equal(b, c)
    assert len(refined.deconvs) == 4
    assert all(torch.equal(a, b) for a, b in zip(refined.deconvs, plain.deconvs))
    fig = plot_top_patches(crops)  # the back-projections' places stay blank
    assert sum(bool(ax.images) for ax in fig.axes) == 4


def test_top_patches_widget_shows_the_crops_first_and_the_same_final_picture(
    clock, png_bytes
):
    model, x, acts = _lenet_patches()
    w = top_patches_widget(model, x, "conv2", k=4, activations=acts)
    model.register_forward_pre_hook(lambda *_: setattr(clock, "now", clock.now + 0.6))
    w.controls["channel"].value = 5  # receptive fields (0.6 s), back-projections
    t = w.last_timing
    assert t.state == "drawn" and t.pictures == 2
    assert t.first_picture_s == pytest.approx(0.6) and t.done_s == pytest.approx(1.2)
    assert w.readout.value.startswith("conv2, channel 5:")
    top = compute_top_patches(model, x, "conv2", 5, k=4, activations=acts)
    alone = P._png(plot_top_patches(top))
    assert png_bytes(w) == [base64.b64decode(alone["data"]["image/png"])]
