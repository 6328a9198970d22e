"""lecturelib.sections.s10_dilated_convolution.compute: sizes against PyTorch, receptive fields against autograd."""

import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lecturelib.core.models import AllConvNet
from lecturelib.sections.s10_dilated_convolution.compute import (
    conv_output_size,
    effective_kernel_size,
    receptive_field,
    receptive_field_growth,
    receptive_positions,
    sparsify_kernel,
)


def _torch_length(n, k, s, p, d):
    """PyTorch's own output length, or None when it refuses."""
    try:
        return F.conv1d(
            torch.zeros(1, 1, n), torch.zeros(1, 1, k), stride=s, padding=p, dilation=d
        ).shape[-1]
    except RuntimeError:
        return None


def test_output_size_matches_pytorch_on_a_grid():
    grid = itertools.product(
        range(1, 13), range(1, 5), range(1, 4), range(3), range(1, 6)
    )
    checked = refused = 0
    for n, k, s, p, d in grid:
        expected = _torch_length(n, k, s, p, d)
        if expected is None:
            with pytest.raises(ValueError, match="no output"):
                conv_output_size(n, k, stride=s, padding=p, dilation=d)
            refused += 1
        else:
            assert conv_output_size(n, k, stride=s, padding=p, dilation=d) == expected
            checked += 1
    assert checked > 1000 and refused > 100


@pytest.mark.parametrize(
    "size, kernel, stride, padding, dilation",
    [
        ((20, 30), 3, 1, 0, 4),
        ((28, 17), (5, 3), (2, 1), (2, 0), (1, 3)),
        (9, (3, 2), 2, (1, 0), (2, 4)),
        ((7, 11), 3, 3, 1, (3, 1)),
    ],
)
def test_output_size_pairs_match_conv2d(size, kernel, stride, padding, dilation):
    conv = nn.Conv2d(1, 1, kernel, stride=stride, padding=padding, dilation=dilation)
    h, w = size if isinstance(size, tuple) else (size, size)
    expected = tuple(conv(torch.zeros(1, 1, h, w)).shape[-2:])
    got = conv_output_size(
        size, kernel, stride=stride, padding=padding, dilation=dilation
    )
    assert isinstance(got, tuple) and got == expected


def test_the_lecture_check_and_same_padding():
    assert conv_output_size((20, 30), 3, dilation=4) == (12, 22)
    assert conv_output_size(20, 3, dilation=4) == 12
    assert isinstance(conv_output_size(20, 3, dilation=4), int)
    assert effective_kernel_size(3, 4) == 9
    conv = nn.Conv2d(1, 1, 3, dilation=(2, 3), padding="same")
    assert conv(torch.zeros(1, 1, 10, 13)).shape[-2:] == conv_output_size(
        (10, 13), 3, dilation=(2, 3), padding="same"
    )


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kernel_size": 0}, r"kernel_size must be in \[1, ∞\]; got 0"),
        ({"kernel_size": 3, "stride": 0}, r"stride must be in \[1, ∞\]"),
        ({"kernel_size": 3, "dilation": 0}, r"dilation must be in \[1, ∞\]"),
        ({"kernel_size": 3, "padding": -1}, r"padding must be in \[0, ∞\]"),
        ({"kernel_size": 3, "dilation": 6}, "largest dilation that fits is 4"),
        (
            {"kernel_size": 3, "dilation": (1, 9)},
            r"dilation\[1\]=9 .* largest dilation that fits is 4",
        ),
        ({"kernel_size": 12}, "kernel_size=12 is larger than the padded input"),
        (
            {"kernel_size": 3, "stride": 2, "padding": "same"},
            "padding='same' needs stride=1",
        ),
    ],
)
def test_bad_input_names_the_argument(kwargs, message):
    with pytest.raises(ValueError, match=message):
        conv_output_size(9, **kwargs)


def test_bad_types():
    with pytest.raises(TypeError, match="dilation must be an integer"):
        conv_output_size(9, 3, dilation=1.5)
    with pytest.raises(ValueError, match=r"\(h, w\) pair"):
        conv_output_size((9, 9, 9), 3)
    with pytest.raises(ValueError, match="at least one convolution"):
        receptive_field([nn.ReLU()])
    with pytest.raises(TypeError, match="cannot follow a Upsample"):
        receptive_field(nn.Sequential(nn.Conv2d(1, 1, 3), nn.Upsample(scale_factor=2)))


def test_receptive_field_closed_forms():
    dilated = receptive_field([(3, 1, d) for d in (1, 2, 4, 8)])
    assert [f.size for f in dilated] == [3, 7, 15, 31]
    assert all(f.jump == 1 for f in dilated)
    plain = receptive_field([(3, 1, 1)] * 4)
    assert [f.size for f in plain] == [3, 5, 7, 9]
    strided = receptive_field([(3, 2, 1)] * 4)
    assert [f.size for f in strided] == [3, 7, 15, 31]
    assert [f.jump for f in strided] == [2, 4, 8, 16]
    # k taps, dilation d, depth L: 1 + (k − 1)(2^L − 1)
    for k, depth in [(2, 5), (5, 3)]:
        fields = receptive_field([(k, 1, 2**i) for i in range(depth)])
        assert fields[-1].size == 1 + (k - 1) * (2**depth - 1)


def test_receptive_field_of_modules_and_lenet():
    from lecturelib.core.models import LeNet

    fields = receptive_field(LeNet(), input_size=28)  # stops at flatten
    assert [f.name for f in fields] == ["conv1", "pool1", "conv2", "pool2"]
    assert [f.size for f in fields] == [5, 7, 19, 22]
    assert [f.jump for f in fields] == [1, 3, 3, 6]
    assert [f.output_size for f in fields] == [24, 8, 4, 2]
    net = AllConvNet()
    fields = receptive_field(net, input_size=28)
    assert fields[-1].output_size == 1 and fields[-1].size == 57
    assert net(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    nested = nn.Sequential(
        nn.Sequential(nn.Conv2d(1, 1, 3), nn.ReLU()), nn.MaxPool2d(2)
    )
    assert [(f.name, f.size) for f in receptive_field(nested)] == [
        ("0.0:Conv2d", 3),
        ("1:MaxPool2d", 4),
    ]
    # the width axis of a non-square kernel
    conv = nn.Conv2d(1, 1, (3, 5), dilation=(1, 2), padding=(0, 3))
    assert receptive_field(conv, axis=1)[0].size == 9
    assert receptive_field(conv, axis=1)[0].start == -3


def _autograd_support_1d(layers, n, index, generator):
    convs = [
        nn.Conv1d(1, 1, k, stride=s, dilation=d, padding=p) for k, s, d, p in layers
    ]
    for conv in convs:
        conv.weight.data = torch.rand(conv.weight.shape, generator=generator) + 0.5
    x = torch.rand(1, 1, n, generator=generator, requires_grad=True)
    y = x
    for conv in convs:
        y = conv(y)
    y[0, 0, index].backward()
    return x.grad[0, 0] != 0


@pytest.mark.parametrize(
    "layers",
    [
        [(3, 1, 4, 0)],
        [(3, 1, 1, 1), (3, 1, 2, 2), (3, 1, 4, 4)],
        [(3, 1, 2, 0)] * 3,
        [(2, 2, 1, 0), (3, 1, 3, 1), (4, 3, 2, 2)],
        [(5, 2, 2, 3), (3, 1, 1, 0)],
    ],
)
def test_receptive_positions_match_autograd(layers):
    generator = torch.Generator().manual_seed(0)
    n = 40
    n_out = n
    for k, s, d, p in layers:
        n_out = conv_output_size(n_out, k, stride=s, padding=p, dilation=d)
    for index in {0, n_out // 2, n_out - 1}:
        expected = _autograd_support_1d(layers, n, index, generator)
        got = receptive_positions(layers, index, input_size=n)
        assert torch.equal(got, expected), (layers, index)


def test_receptive_positions_2d_match_autograd():
    conv1 = nn.Conv2d(1, 1, (3, 2), dilation=(2, 3), padding=(1, 0))
    conv2 = nn.Conv2d(1, 1, 3, stride=(1, 2), dilation=(1, 2))
    net = nn.Sequential(conv1, nn.ReLU(), conv2)
    for conv in (conv1, conv2):
        conv.weight.data.fill_(1.0)
        conv.bias.data.fill_(1.0)  # keeps every ReLU open on a positive input
    x = torch.rand(1, 1, 15, 17, requires_grad=True)
    net(x)[0, 0, 4, 2].backward()
    got = receptive_positions(net, (4, 2), input_size=(15, 17))
    assert got.shape == (15, 17)
    assert torch.equal(got, x.grad[0, 0] != 0)


def test_gridding_holes_and_index_check():
    mask = receptive_positions([(3, 1, 2)] * 3, 1, input_size=20)
    assert mask.tolist() == [i % 2 == 1 and i <= 13 for i in range(20)]  # holes
    with pytest.raises(ValueError, match=r"index must be in \[0, 7\]; got 8"):
        receptive_positions([(3, 1, 2)] * 3, 8, input_size=20)


def test_sparsified_kernel_is_the_dilated_convolution():
    generator = torch.Generator().manual_seed(1)
    w = torch.randn(4, 2, 3, 2, generator=generator)
    x = torch.randn(2, 2, 16, 15, generator=generator)
    sparse = sparsify_kernel(w, (3, 5))
    assert sparse.shape == (4, 2, 7, 6)
    assert (sparse != 0).sum() == (w != 0).sum()
    torch.testing.assert_close(F.conv2d(x, sparse), F.conv2d(x, w, dilation=(3, 5)))
    with pytest.raises(ValueError, match="dilation"):
        sparsify_kernel(w, 0)


def test_growth_same_parameters_different_resolution():
    growth = receptive_field_growth(4, input_size=64)
    assert growth["dilated"]["receptive_field"] == [3, 7, 15, 31]
    assert growth["strided"]["receptive_field"] == [3, 7, 15, 31]
    assert growth["plain"]["receptive_field"] == [3, 5, 7, 9]
    assert growth["dilated"]["output_size"] == [64] * 4
    assert growth["strided"]["output_size"] == [32, 16, 8, 4]
    params = {s: g["parameters"][-1] for s, g in growth.items()}
    assert len(set(params.values())) == 1
    # the sizes are those of real padded stacks
    for scheme in ("dilated", "strided"):
        y = torch.zeros(1, 1, 64)
        for k, s, d, p in growth[scheme]["layers"]:
            y = F.conv1d(y, torch.zeros(1, 1, k), stride=s, padding=p, dilation=d)
        assert y.shape[-1] == growth[scheme]["output_size"][-1]


def test_widgets_follow_their_sliders():
    from lecturelib.sections.s10_dilated_convolution.widget import (
        dilation_2d_widget,
        dilation_widget,
    )

    widget = dilation_widget(input_size=20, kernel_size=3, max_dilation=6)
    dilation, index = widget.controls["dilation"], widget.controls["output"]
    readout = widget.readout
    assert dilation.max == 6 and "output 18" in readout.value
    dilation.value, index.value = 4, 11
    assert "output 12" in readout.value and "11, 15, 19" in readout.value
    dilation.value = 6  # output 8: the index slider is clamped to 7
    assert index.max == 7 and index.value == 7 and "7, 13, 19" in readout.value
    small = dilation_widget(input_size=9, kernel_size=3)
    assert small.controls["dilation"].max == 4
    widget = dilation_2d_widget(input_size=(11, 11), kernel_size=3)
    widget.controls["dilation"].value = 5
    assert "effective kernel 11, output 1×1" in widget.readout.value


def test_plots_draw_the_feeding_units():
    from matplotlib.figure import Figure

    from lecturelib.sections.s10_dilated_convolution.plots import (
        plot_dilation_1d,
        plot_dilation_2d,
    )

    fig = plot_dilation_1d([(3, 1, d, d) for d in (1, 2, 4)], 8, input_size=16)
    assert isinstance(fig, Figure)
    rows = fig.axes[0].collections  # one scatter per row: input, then each layer
    orange = [
        sum(c[0] > 0.9 and c[2] < 0.2 for c in row.get_facecolors()) for row in rows
    ]
    assert orange == [15, 7, 3, 1]
    fig = plot_dilation_2d(input_size=(9, 9), kernel_size=3, dilation=2, index=(1, 3))
    assert int(fig.axes[1].images[0].get_array().sum()) == 9


def test_shipped_all_conv_checkpoint_accuracy():
    from lecturelib.core.data import load_mnist
    from lecturelib.core.models import load_all_conv
    from lecturelib.core.train import accuracy

    model = load_all_conv()
    assert not model.training
    assert not any(
        isinstance(m, (nn.MaxPool2d, nn.AvgPool2d, nn.Linear)) for m in model.modules()
    )
    images, labels = load_mnist("test")
    assert accuracy(model, images, labels) >= 0.94


def test_fit_all_conv_is_seeded():
    from lecturelib.core.checkpoints import fit_all_conv
    from lecturelib.core.data import load_mnist

    images, labels = load_mnist("test")
    pick = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))[:256]
    runs = [
        fit_all_conv(images[pick], labels[pick], epochs=2, seed=s, progress=False)
        for s in (3, 3, 4)
    ]
    assert not runs[0].training
    first, again, other = (r.conv5.weight for r in runs)
    assert torch.equal(first, again) and not torch.equal(first, other)
