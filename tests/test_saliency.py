"""Saliency and SmoothGrad: analytic gradients, σ = 0, noise scale, batch size, state."""

import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from lecturelib.sections.s06_saliency.compute import (
    compute_heatmap,
    saliency,
    smoothgrad,
)
from lecturelib.sections.s06_saliency.plots import plot_saliency
from lecturelib.sections.s06_saliency.widget import saliency_widget


def linear_model() -> nn.Sequential:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(12, 3))
    with torch.no_grad():
        model[1].weight.copy_(torch.arange(36.0).view(3, 12) / 10 - 1.5)
    return model


def conv_model() -> nn.Sequential:
    torch.manual_seed(1)
    return nn.Sequential(
        nn.Conv2d(3, 4, 3),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.Conv2d(4, 5, 3),
        nn.Tanh(),
        nn.Flatten(),
        nn.Linear(5 * 4 * 4, 3),
    )


def test_saliency_of_a_linear_model_is_its_weight_row():
    model = linear_model()
    x = torch.randn(3, 3, 2, 2)
    grad = saliency(model, x, torch.tensor([0, 2, 1]))
    expected = model[1].weight[[0, 2, 1]].view(3, 3, 2, 2)
    assert grad.shape == x.shape
    torch.testing.assert_close(grad, expected)


def test_saliency_equals_plain_autograd_and_none_means_predicted_class():
    model = conv_model().eval()
    x = torch.randn(4, 3, 8, 8)
    xr = x.clone().requires_grad_(True)
    out = model(xr)
    pred = out.argmax(1)
    (expected,) = torch.autograd.grad(out.gather(1, pred[:, None]).sum(), xr)
    torch.testing.assert_close(saliency(model, x, pred), expected)
    torch.testing.assert_close(saliency(model, x), expected)
    torch.testing.assert_close(saliency(model, x, pred.tolist()), expected)


def test_smoothgrad_sigma_zero_is_the_gradient():
    model = conv_model()
    x = torch.randn(2, 3, 8, 8)
    torch.testing.assert_close(
        smoothgrad(model, x, 1, n=3, sigma=0.0), saliency(model, x, 1)
    )


def test_smoothgrad_uses_sigma_times_each_images_range():
    """Same noise drawn by hand (image-major, one (C, H, W) draw per copy)."""
    model = conv_model().eval()
    x = torch.randn(2, 3, 8, 8)
    x[1] *= 3  # a different range Δ for the second image
    n, sigma = 4, 0.3
    got = smoothgrad(
        model, x, [0, 2], n=n, sigma=sigma, generator=torch.Generator().manual_seed(5)
    )
    gen = torch.Generator().manual_seed(5)
    expected = torch.zeros_like(x)
    for i, t in enumerate([0, 2]):
        delta = float(x[i].max() - x[i].min())
        for _ in range(n):
            xi = (x[i] + sigma * delta * torch.randn(x.shape[1:], generator=gen))[None]
            expected[i] += saliency(model, xi, t)[0] / n
    torch.testing.assert_close(got, expected)


def test_smoothgrad_of_a_linear_model_is_its_gradient_for_any_sigma():
    model = linear_model()
    x = torch.randn(2, 3, 2, 2)
    torch.testing.assert_close(
        smoothgrad(model, x, 2, n=5, sigma=2.0), saliency(model, x, 2)
    )


@pytest.mark.parametrize("batch_size", [1, 3, 100])
def test_smoothgrad_does_not_depend_on_batch_size(batch_size):
    model = conv_model()
    x = torch.randn(3, 3, 8, 8)
    ref = smoothgrad(
        model, x, 1, n=5, batch_size=7, generator=torch.Generator().manual_seed(2)
    )
    got = smoothgrad(
        model,
        x,
        1,
        n=5,
        batch_size=batch_size,
        generator=torch.Generator().manual_seed(2),
    )
    torch.testing.assert_close(got, ref)
    assert not torch.allclose(ref, saliency(model, x, 1))  # the noise did something


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sigma": -0.1}, r"sigma must be in \[0.0, ∞\]"),
        ({"n": 0}, r"n must be in \[1, ∞\]"),
        ({"batch_size": 0}, r"batch_size must be in \[1, ∞\]"),
        ({"target": 3}, r"target must be in \[0, 2\]"),
        ({"target": -1}, r"target must be in \[0, 2\]"),
        ({"target": [0, 1, 2]}, r"target must have one entry per image \(2\)"),
    ],
)
def test_bad_input_names_the_argument_and_range(kwargs, match):
    model = linear_model()
    x = torch.randn(2, 3, 2, 2)
    kwargs = {"target": 0, **kwargs}
    with pytest.raises(ValueError, match=match):
        smoothgrad(model, x, kwargs.pop("target"), **kwargs)


def test_bad_images_and_target_for_saliency():
    model = linear_model()
    with pytest.raises(ValueError, match="target must be in"):
        saliency(model, torch.randn(1, 3, 2, 2), 5)
    with pytest.raises(ValueError, match="4 dimensions"):
        saliency(model, torch.randn(3, 2, 2), 0)
    with pytest.raises(TypeError, match="target"):
        saliency(model, torch.randn(1, 3, 2, 2), 0.5)


def test_heatmap_reductions():
    a = torch.zeros(1, 3, 2, 2)
    a[0, :, 0, 0] = torch.tensor([1.0, -2.0, 3.0])
    a[0, 0, 1, 1] = -6.0
    torch.testing.assert_close(
        compute_heatmap(a, clip=1.0)[0], torch.tensor([[1.0, 0], [0, 1.0]])
    )
    torch.testing.assert_close(
        compute_heatmap(a, reduce="abs_max", clip=1.0)[0],
        torch.tensor([[0.5, 0], [0, 1.0]]),
    )
    torch.testing.assert_close(
        compute_heatmap(a, reduce="sum", clip=1.0)[0],
        torch.tensor([[1 / 3, 0], [0, -1.0]]),
    )
    with pytest.raises(ValueError, match="reduce"):
        compute_heatmap(a, reduce="max")


def test_plot_and_widget_readout_follow_the_sliders():
    model = conv_model()
    x = torch.randn(2, 3, 8, 8)
    fig = plot_saliency(
        x, {"gradient": saliency(model, x)}, titles=["a", "b"], to_display=torch.sigmoid
    )
    assert isinstance(fig, Figure) and len(fig.axes) == 4
    w = saliency_widget(model, x, names=["a", "b"], n=2, to_display=torch.sigmoid)
    pick, sigma, n = (w.controls[k] for k in ("image", "sigma", "n"))
    readout = w.readout
    before = readout.value
    assert "σ = 0.25·Δ, n = 2" in before
    sigma.value = 0.5
    assert "σ = 0.50·Δ" in readout.value and readout.value != before
    n.value = 3
    pick.value = 1
    assert readout.value.startswith("b: ") and "n = 3" in readout.value


def test_smoothness_is_one_for_blockwise_constant_maps_and_small_for_alternating_signs():
    from lecturelib.sections.s06_saliency.compute import compute_smoothness

    flat = torch.ones(1, 3, 8, 8)
    checker = (
        (torch.arange(8)[:, None] + torch.arange(8)).remainder(2).float().mul(2).sub(1)
    )
    noisy = checker.expand(1, 3, 8, 8)
    torch.testing.assert_close(compute_smoothness(flat, scale=4), torch.tensor([1.0]))
    torch.testing.assert_close(compute_smoothness(noisy, scale=2), torch.tensor([0.0]))
    with pytest.raises(ValueError, match=r"scale must be in \[1, 8\]"):
        compute_smoothness(flat, scale=9)
