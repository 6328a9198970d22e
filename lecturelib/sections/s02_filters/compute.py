"""Notebook 02, slides 7-12: Convnet filters as images.

A convolution's weight has shape (F, C, kh, kw): F filters, each a stack of C small
images, one per input channel. The lecture draws LeNet's first layer (1→32) as 32
grey 5×5 images, its second layer (32→64) as a grid with one row per filter and one
column per input channel, and the first layer of an ImageNet network (AlexNet, 3→64
11×11) both per channel and as RGB images (Krizhevsky et al., 2012; Zeiler & Fergus,
2014). Here :func:`compute_filters` returns the weights, :func:`tile_filters` returns
the mosaic as a tensor, and the ``plot_*`` functions of
:mod:`lecturelib.sections.s02_filters.plots` draw it.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from lecturelib.core.validate import check_int

__all__ = [
    "compute_filters",
    "conv_layers",
    "describe_conv",
    "describe_filter",
    "filter_smoothness",
    "resolve_conv",
]


def conv_layers(model: nn.Module) -> list[str]:
    """Names of the ``nn.Conv2d`` modules of ``model``, in definition order."""
    return [name for name, m in model.named_modules() if isinstance(m, nn.Conv2d)]


def resolve_conv(model: nn.Module, layer: int | str = 0) -> tuple[str, nn.Conv2d]:
    """``(name, conv)`` for the ``layer``-th convolution (0 = the first) or its name.

    Raises:
        ValueError: no such convolution; the message lists the valid ones.
    """
    names = conv_layers(model)
    if not names:
        raise ValueError("model has no nn.Conv2d layer")
    if isinstance(layer, str):
        if layer not in names:
            shown = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
            raise ValueError(
                f"layer {layer!r} is not a convolution of the model; valid: {shown}"
            )
        return layer, dict(model.named_modules())[layer]
    layer = check_int("layer", layer, low=-len(names), high=len(names) - 1)
    name = names[layer]
    return name, dict(model.named_modules())[name]


def _indices(arg: str, value, size: int, what: str) -> list[int]:
    if value is None:
        return list(range(size))
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, (Sequence, range, Tensor)):
        raise TypeError(f"{arg} must be an index, a sequence of indices or None")
    out = [int(v) for v in value]
    bad = [v for v in out if not 0 <= v < size]
    if bad:
        raise ValueError(
            f"{arg} index {bad[0]} out of range [0, {size - 1}] ({size} {what})"
        )
    return out


def compute_filters(
    model: nn.Module, layer: int | str = 0, *, filters=None, channels=None
) -> Tensor:
    """The weights of a convolution, as a detached CPU copy.

    Args:
        layer: index among the model's convolutions (0 = the first) or a layer name.
        filters: output-channel indices (an int, a sequence, ``range(32)``); all if None.
        channels: input-channel indices; all if None (a grouped conv has C/groups).
    Returns:
        (F', C', kh, kw) float32 weights, ``F'`` = len(filters), ``C'`` = len(channels).
    """
    name, conv = resolve_conv(model, layer)
    w = conv.weight.detach()
    f = _indices("filters", filters, w.shape[0], f"filters in {name}")
    c = _indices(
        "channels", channels, w.shape[1], f"input channels per filter in {name}"
    )
    return w[f][:, c].float().cpu().clone()


def filter_smoothness(weights: Tensor) -> Tensor:
    """How smooth each filter is: correlation of neighbouring weights.

    Learned first-layer filters are smooth edge and blob detectors; random ones are
    white noise (correlation ≈ 0). This number makes "random vs learned" measurable.

    Args:
        weights: (F, C, kh, kw) with kh, kw ≥ 2.
    Returns:
        (F,) mean over channels of the correlation between each weight and its right and
        lower neighbours (weights centred per channel); constant channels count as 0.
    """
    if (
        not isinstance(weights, Tensor)
        or weights.dim() != 4
        or min(weights.shape[-2:]) < 2
    ):
        raise ValueError("weights must be a (F, C, kh, kw) tensor with kh, kw >= 2")
    w = weights - weights.mean((2, 3), keepdim=True)
    prod = (w[..., 1:, :] * w[..., :-1, :]).sum((2, 3)) + (
        w[..., 1:] * w[..., :-1]
    ).sum((2, 3))
    norm = (w[..., 1:, :] ** 2).sum((2, 3)) + (w[..., :, 1:] ** 2).sum((2, 3))
    corr = torch.where(
        norm > 1e-12, prod / norm.clamp_min(1e-12), torch.zeros_like(norm)
    )
    return corr.mean(1)


def describe_conv(model: nn.Module, layer) -> str:
    name, conv = resolve_conv(model, layer)
    f, c, kh, kw = conv.weight.shape
    return f"{name}: {f} filters of {c}×{kh}×{kw}"


def describe_filter(model: nn.Module, layer: int | str, k: int) -> str:
    """HTML line for notebook 02's widget: the layer, filter ``k``'s range and norm."""
    w = compute_filters(model, layer, filters=k)[0]
    return (
        f"<b>{describe_conv(model, layer)}</b> — filter {k}: weights in "
        f"[{w.min():.3f}, {w.max():.3f}], norm {w.norm():.3f}"
    )


# What the lecture shows (slides 9-12): layer, filters shown, channels per filter shown
