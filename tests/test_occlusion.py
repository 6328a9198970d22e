"""Occlusion sensitivity: known answers, the naive loop, and incremental == full."""

import warnings

import pytest
import torch
from torch import nn
from torchvision.models.resnet import BasicBlock, Bottleneck

from lecturelib.core.imagenet import ImagePreprocess
from lecturelib.sections.s05_occlusion.compute import (
    OBJECT_BOXES,
    mask_positions,
    most_sensitive_square,
    object_box,
    occlusion_sensitivity,
    region_sensitivity,
)


def small_cnn(classes=4):
    """Conv (stride, padding, dilation, groups), in-place ReLU, pools, BN, dropout, head."""
    net = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.ReLU(inplace=True),
        nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
        nn.Conv2d(8, 8, 3, stride=2, padding=2, dilation=2),
        nn.BatchNorm2d(8),
        nn.ReLU6(),
        nn.Conv2d(8, 8, 3, padding=1, groups=8),  # depthwise
        nn.AvgPool2d(3, stride=1, padding=1),
        nn.Dropout(0.3),
        nn.Conv2d(8, 6, (1, 3), padding=(0, 1), groups=2),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(6, classes),
    )
    _randomize_bn(net)
    return net.eval()


def _randomize_bn(net):
    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)


class ResidualNet(nn.Module):
    """torchvision's BasicBlock (with a downsample) and Bottleneck, then a head."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        down = nn.Sequential(nn.Conv2d(8, 16, 1, stride=2), nn.BatchNorm2d(16))
        self.block1 = BasicBlock(8, 16, stride=2, downsample=down)
        self.block2 = Bottleneck(16, 4)
        self.head = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 3)
        )

    def forward(self, x):
        return self.head(self.block2(self.block1(self.stem(x))))


def lite_net():
    """EfficientNet-Lite0 (MBConv blocks, 'same' padding, ReLU6 reused) at 33×33."""
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_name("efficientnet-lite0", image_size=33, num_classes=5)
    for m in net.modules():  # batch-norm statistics of random images keep a signal
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = None
    with torch.no_grad():
        net.train()(torch.randn(8, 3, 33, 33))
    return net.eval()


def naive(model, image, target, size, stride, fill=0.0):
    """One forward pass per mask position, the slow obvious way."""
    with torch.no_grad():
        base = model(image[None])[0, target]
        h, w = image.shape[-2:]
        rows = []
        for y in range(0, h - size + 1, stride):
            row = []
            for x in range(0, w - size + 1, stride):
                occluded = image.clone()
                occluded[:, y : y + size, x : x + size] = fill
                row.append(base - model(occluded[None])[0, target])
            rows.append(torch.stack(row))
    return torch.stack(rows)


def test_full_equals_naive_loop():
    net, x = small_cnn(), torch.randn(2, 3, 19, 23)
    got = occlusion_sensitivity(
        net, x, [1, 3], size=6, stride=4, fill=0.5, method="full", progress=False
    )
    assert got.shape == (2, 4, 5)
    for i, t in enumerate([1, 3]):
        torch.testing.assert_close(
            got[i], naive(net, x[i], t, 6, 4, 0.5), atol=1e-5, rtol=1e-5
        )


@pytest.mark.parametrize("method", ["full", "incremental"])
def test_known_answer_on_a_sum_model(method):
    """Score = sum of the pixels: the drop is the square's sum minus size² · fill."""
    net = nn.Sequential(nn.Conv2d(1, 1, 1, bias=False), nn.Flatten(), nn.Linear(36, 2))
    with torch.no_grad():
        net[0].weight.fill_(1.0)
        net[2].weight.copy_(torch.stack([torch.zeros(36), torch.ones(36)]))
        net[2].bias.zero_()
    image = torch.arange(36.0).view(1, 1, 6, 6)  # pixel (i, j) = 6i + j
    got = occlusion_sensitivity(
        net, image, 1, size=2, stride=2, fill=1.0, method=method, progress=False
    )
    i, j = torch.meshgrid(torch.arange(3.0) * 2, torch.arange(3.0) * 2, indexing="ij")
    expected = 4 * ((i + 0.5) * 6 + j + 0.5) - 4 * 1.0
    torch.testing.assert_close(got[0], expected)


@pytest.mark.parametrize("method", ["full", "incremental"])
def test_batch_size_invariance(method):
    net, x = small_cnn(), torch.randn(1, 3, 21, 17)
    maps = [
        occlusion_sensitivity(
            net, x, 2, size=5, stride=2, batch_size=b, method=method, progress=False
        )
        for b in (1, 7, 1000)
    ]
    torch.testing.assert_close(maps[0], maps[1], atol=1e-5, rtol=0)
    torch.testing.assert_close(maps[0], maps[2], atol=1e-5, rtol=0)


class InplaceOnView(nn.Module):
    """In-place operations on a view of the last convolution's output."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 2, 3)
        self.fc = nn.Linear(2 * 9 * 9, 3)

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1).add_(1.0).relu_())


CASES = [  # (model factory, image size, mask size, stride)
    (small_cnn, (23, 29), 5, 3),  # odd sizes, last masks on the borders
    (small_cnn, (17, 17), 4, 1),
    (ResidualNet, (19, 21), 6, 3),
    (ResidualNet, (16, 16), 3, 1),
    (lite_net, (33, 33), 7, 3),
    (InplaceOnView, (11, 11), 3, 1),
]


@pytest.mark.parametrize("factory,hw,size,stride", CASES)
def test_incremental_equals_full(factory, hw, size, stride):
    net = factory()
    x = torch.randn(1, 3, *hw)
    kw = {
        "size": size,
        "stride": stride,
        "fill": 0.3,
        "progress": False,
        "batch_size": 64,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no silent fallback to "full"
        inc = occlusion_sensitivity(net, x, 1, method="incremental", **kw)
    full = occlusion_sensitivity(net, x, 1, method="full", **kw)
    assert (
        inc.shape
        == full.shape
        == (1, (hw[0] - size) // stride + 1, (hw[1] - size) // stride + 1)
    )
    assert full.abs().max() > 1e-3  # the maps are not trivially zero
    assert (inc - full).abs().max() < 1e-4


def test_incremental_does_less_work():
    from lecturelib.sections.s05_occlusion._incremental import IncrementalOcclusion

    net, x = small_cnn(), torch.randn(1, 3, 40, 40)
    engine = IncrementalOcclusion(net)
    ys, xs = mask_positions(40, 40, 4, 4)
    with torch.no_grad():
        engine(x, ys, xs, 4, 0.0, 32, _NoBar())
    assert 0 < engine.macs_done < 0.5 * engine.macs_full


class _NoBar:
    def update(self, n):
        pass


class Upsampler(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.up = nn.Upsample(scale_factor=2)  # no incremental rule
        self.head = nn.Sequential(
            nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(4, 3)
        )

    def forward(self, x):
        return self.head(self.up(self.conv(x)))


class Branchy(nn.Module):
    """Data-dependent control flow: torch.fx cannot trace it."""

    def __init__(self):
        super().__init__()
        self.net = small_cnn(3)

    def forward(self, x):
        return self.net(x) if x.sum() > 0 else -self.net(x)


@pytest.mark.parametrize("factory,why", [(Upsampler, "Upsample"), (Branchy, "trace")])
def test_unsupported_model_falls_back_with_a_message(factory, why):
    net, x = factory().eval(), torch.randn(1, 3, 15, 15) + 0.1
    with pytest.warns(UserWarning, match=f"incremental.*{why}"):
        inc = occlusion_sensitivity(net, x, 0, size=4, stride=3, progress=False)
    full = occlusion_sensitivity(
        net, x, 0, size=4, stride=3, method="full", progress=False
    )
    torch.testing.assert_close(inc, full)


def test_softmax_score():
    net, x = small_cnn(), torch.randn(1, 3, 12, 12)
    got = occlusion_sensitivity(
        net, x, 0, size=4, stride=4, score="softmax", progress=False
    )
    p = torch.softmax(net(x), 1)[0, 0]
    occluded = x.clone()
    occluded[..., 4:8, 8:12] = 0
    expected = p - torch.softmax(net(occluded), 1)[0, 0]
    torch.testing.assert_close(got[0, 1, 2], expected.detach(), atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs,target,match",
    [
        ({"size": 13}, 0, r"size must be in \[1, 12\]"),
        ({"size": 0}, 0, r"size must be in \[1, 12\]"),
        ({"stride": 0}, 0, r"stride must be in \[1, "),
        ({}, 4, r"target must be in \[0, 3\]"),
        ({"method": "fast"}, 0, "method"),
    ],
)
def test_bad_input_names_the_argument(kwargs, target, match):
    net, x = small_cnn(), torch.randn(1, 3, 12, 12)
    with pytest.raises(ValueError, match=match):
        occlusion_sensitivity(net, x, target, **{"size": 4, **kwargs}, progress=False)


def test_most_sensitive_square_is_the_box_of_the_largest_drop():
    heat = torch.zeros(4, 5)
    heat[2, 3] = 1.0  # 12×12 mask at stride 4: rows 8..19, columns 12..23
    assert most_sensitive_square(heat, 12, 4) == (8, 20, 12, 24)
    assert most_sensitive_square(heat, 3, 1) == (2, 5, 3, 6)
    # the box is the mask occlusion_sensitivity drew at that entry
    net, x = small_cnn(), torch.randn(1, 3, 16, 16)
    heat = occlusion_sensitivity(net, x, 0, size=6, stride=2, progress=False)[0]
    top, bottom, left, right = most_sensitive_square(heat, 6, 2)
    masked = x.clone()
    masked[..., top:bottom, left:right] = 0.0
    with torch.no_grad():
        drop = net(x)[0, 0] - net(masked)[0, 0]
    assert drop == pytest.approx(float(heat.max()), abs=1e-5)
    with pytest.raises(ValueError, match="heat must be one"):
        most_sensitive_square(heat[None], 6, 2)
    with pytest.raises(ValueError, match="size"):
        most_sensitive_square(heat, 0, 2)


def test_region_sensitivity_on_a_map_with_a_known_ratio():
    # 5×5 map, 4×4 masks at stride 4 (centres 2, 6, 10, 14, 18): the box rows 4..12,
    # columns 0..8 holds the centres (6, 2), (6, 6), (10, 2), (10, 6): 4 of 25 positions
    heat = torch.ones(5, 5)
    heat[1:3, 0:2] = 3.0  # 3 per position inside, 1 outside: ratio 3
    heat[4, 4] = -5.0  # the mask raised the score: counts as 0
    r = region_sensitivity(heat, (4, 12, 0, 8), size=4, stride=4)
    assert r.positions == pytest.approx(4 / 25)
    assert r.sensitivity == pytest.approx(12 / (12 + 20))  # 20 outside entries of 1
    assert r.ratio == pytest.approx(3 / (20 / 21))  # 21 outside positions, mean 20/21
    # the same map read as ratio from its two shares
    s, p = r.sensitivity, r.positions
    assert r.ratio == pytest.approx((s / p) / ((1 - s) / (1 - p)))
    # a map that ignores the box: ratio 1, whatever the box's share of positions
    flat = region_sensitivity(torch.full((5, 5), 2.0), (0, 16, 0, 16), size=4, stride=4)
    assert flat.positions == pytest.approx(16 / 25) and flat.ratio == pytest.approx(1.0)
    # a centre on the box's end is outside (ends excluded): rows 4..10 hold centre 6 only
    assert region_sensitivity(heat, (4, 10, 0, 8), size=4, stride=4).positions == 2 / 25
    with pytest.raises(ValueError, match="some but not all"):
        region_sensitivity(heat, (0, 20, 0, 20), size=4, stride=4)
    with pytest.raises(ValueError, match="some but not all"):
        region_sensitivity(heat, (0, 1, 0, 1), size=4, stride=4)
    with pytest.raises(ValueError, match="no positive drop"):
        region_sensitivity(-heat.abs(), (4, 12, 0, 8), size=4, stride=4)
    with pytest.raises(ValueError, match="heat must be one"):
        region_sensitivity(heat[None], (4, 12, 0, 8), size=4, stride=4)


def test_object_box_follows_the_resize_and_the_crop():
    # coffee is 600×400: resize 256 -> 384×256, crop 224 at (16, 80)
    top, bottom, left, right = OBJECT_BOXES["coffee"][1]
    assert object_box("coffee", ImagePreprocess([0] * 3, [1] * 3)) == (
        max(0, round(top * 0.64 - 16)),
        round(bottom * 0.64 - 16),
        round(left * 0.64 - 80),
        round(right * 0.64 - 80),
    )
    # a larger resize (ResNet-152's 232 -> smaller scale) moves the box
    small = object_box("coffee", ImagePreprocess([0] * 3, [1] * 3, resize=232))
    assert small[2] == round(left * 232 / 400 - round((348 - 224) / 2))
    for photo in OBJECT_BOXES:  # every box lies inside the crop and is not empty
        t, b, l, r = object_box(photo, ImagePreprocess([0] * 3, [1] * 3))
        assert 0 <= t < b <= 224 and 0 <= l < r <= 224
    with pytest.raises(ValueError, match="photo must be one of"):
        object_box("astronaut", ImagePreprocess([0] * 3, [1] * 3))


def test_plot_and_widget():
    from matplotlib.figure import Figure

    from lecturelib.sections.s05_occlusion.plots import plot_occlusion
    from lecturelib.sections.s05_occlusion.widget import occlusion_widget

    net, x = small_cnn(), torch.randn(1, 3, 24, 24)
    heat = occlusion_sensitivity(net, x, 1, size=8, stride=4, progress=False)[0]
    fig = plot_occlusion(
        x[0], {"a": heat, "b": heat}, size=8, stride=4, to_display=torch.sigmoid
    )
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    w = occlusion_widget(net, x, 1, size=8, stride=4)
    size_slider, stride_slider = w.controls["size"], w.controls["stride"]
    text = w.readout.value
    assert "5×5 map" in text
    stride_slider.value = 8
    assert w.readout.value != text and "3×3 map" in w.readout.value
    assert size_slider.max == 24


def test_incremental_several_images_and_targets():
    net, x = ResidualNet().eval(), torch.randn(3, 3, 14, 14)
    kw = {"size": 4, "stride": 2, "progress": False}
    inc = occlusion_sensitivity(
        net, x, torch.tensor([0, 2, 1]), method="incremental", **kw
    )
    full = occlusion_sensitivity(net, x, [0, 2, 1], method="full", **kw)
    assert inc.shape == (3, 6, 6)
    assert (inc - full).abs().max() < 1e-4
    assert not torch.allclose(inc[0], inc[1])
