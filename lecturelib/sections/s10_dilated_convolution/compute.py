"""Notebook 10, slides 84-89: Dilated convolutions: output sizes and receptive fields.

A convolution with dilation d spreads its k taps d positions apart, so its kernel
covers 1 + (k − 1)d input positions with the same k parameters (Yu & Koltun, 2016,
"Multi-scale context aggregation by dilated convolutions"; the "à trous" algorithm of
Holschneider et al., 1989). Used by ``notebooks/10_dilated_convolution.ipynb``; the
figures are in :mod:`lecturelib.sections.s10_dilated_convolution.plots`; the pooling-free classifier
(:class:`lecturelib.core.models.AllConvNet`) and its recipe in :mod:`lecturelib.core.checkpoints`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import torch
from torch import nn

from lecturelib.core.validate import check_int

__all__ = [
    "LayerField",
    "conv_output_size",
    "effective_kernel_size",
    "receptive_field",
    "receptive_field_growth",
    "receptive_positions",
    "sparsify_kernel",
]


_POINTWISE = (nn.Identity, nn.Dropout, nn.Dropout1d, nn.Dropout2d)
_POINTWISE += (nn.BatchNorm1d, nn.BatchNorm2d, nn.GroupNorm, nn.LayerNorm)
_SPATIAL = (
    nn.Conv1d,
    nn.Conv2d,
    nn.MaxPool1d,
    nn.MaxPool2d,
    nn.AvgPool1d,
    nn.AvgPool2d,
)


def _is_pair(value) -> bool:
    return isinstance(value, (tuple, list, torch.Size))


def _pair(name: str, value) -> tuple:
    if _is_pair(value):
        if len(value) != 2:
            raise ValueError(
                f"{name} must be an int or an (h, w) pair; got {tuple(value)}"
            )
        return tuple(value)
    return (value, value)


def effective_kernel_size(kernel_size: int, dilation: int = 1) -> int:
    """Input positions spanned by one dilated kernel: 1 + (k − 1)d."""
    check_int("kernel_size", kernel_size, low=1)
    check_int("dilation", dilation, low=1)
    return 1 + (kernel_size - 1) * dilation


def _output_size_1d(size, kernel_size, stride, padding, dilation, axis="") -> int:
    check_int(f"size{axis}", size, low=1)
    check_int(f"kernel_size{axis}", kernel_size, low=1)
    check_int(f"stride{axis}", stride, low=1)
    check_int(f"dilation{axis}", dilation, low=1)
    if padding == "valid":
        padding = 0
    if padding == "same":
        if stride != 1:
            raise ValueError(
                f"padding='same' needs stride=1; got stride{axis}={stride}"
            )
        return size
    check_int(f"padding{axis}", padding, low=0)
    room = size + 2 * padding - 1  # the largest (k − 1)d that still leaves one output
    span = (kernel_size - 1) * dilation
    if span > room:
        if room // (kernel_size - 1) < 1:
            raise ValueError(
                f"kernel_size{axis}={kernel_size} is larger than the padded input "
                f"({size} + 2×{padding} = {room + 1}); no output is left"
            )
        raise ValueError(
            f"dilation{axis}={dilation} leaves no output: the dilated kernel spans "
            f"{span + 1} positions but the padded input has {room + 1}; the largest "
            f"dilation that fits is {room // (kernel_size - 1)}"
        )
    return (size + 2 * padding - span - 1) // stride + 1


IntOrPair = int | tuple[int, int]


def conv_output_size(
    size: IntOrPair,
    kernel_size: IntOrPair,
    *,
    stride: IntOrPair = 1,
    padding: IntOrPair | str = 0,
    dilation: IntOrPair = 1,
) -> IntOrPair:
    """Output size of a convolution or pooling, as ``nn.Conv1d``/``nn.Conv2d`` give it.

    floor((size + 2·padding − dilation·(kernel_size − 1) − 1) / stride) + 1.

    Args:
        size: input length, or (H, W).
        kernel_size, stride, padding, dilation: ints, or (h, w) pairs, as given to
            ``nn.Conv2d``; ``padding`` may also be ``"valid"`` or ``"same"``.
    Returns:
        an int when every argument is an int, else an (H', W') tuple.
    Raises:
        ValueError: kernel_size, stride, dilation < 1, padding < 0, or a kernel that
            leaves no output (the message gives the largest dilation that fits).

    Example: ``conv_output_size((20, 30), 3, dilation=4) == (12, 22)``.
    """
    args = (size, kernel_size, stride, padding, dilation)
    if not any(_is_pair(a) for a in args):
        return _output_size_1d(*args)
    names = ("size", "kernel_size", "stride", "padding", "dilation")
    pairs = [_pair(n, a) for n, a in zip(names, args, strict=True)]
    return tuple(_output_size_1d(*(p[i] for p in pairs), axis=f"[{i}]") for i in (0, 1))


@dataclass(frozen=True)
class LayerField:
    """Receptive field after one layer of a stack (one spatial axis).

    ``size`` input positions are spanned by one unit (holes included, see
    :func:`receptive_positions`), ``jump`` input positions separate neighbouring
    units, and unit i's field starts at input index ``start + i·jump`` (negative:
    in the zero padding). ``output_size`` is None unless an input size was given.
    """

    name: str
    kernel_size: int
    stride: int
    dilation: int
    padding: int
    size: int
    jump: int
    start: int
    output_size: int | None = None


def _module_spec(module: nn.Module, axis: int):
    """(kernel, stride, dilation, padding) of a spatial module; None if pointwise."""
    if isinstance(module, _SPATIAL):
        pick = (
            (lambda v: _pair("", v)[axis])
            if isinstance(module, (nn.Conv2d, nn.MaxPool2d, nn.AvgPool2d))
            else (lambda v: v[0] if _is_pair(v) else v)
        )
        k, s = pick(module.kernel_size), pick(module.stride)
        d = pick(getattr(module, "dilation", 1))
        p = module.padding if isinstance(module.padding, str) else pick(module.padding)
        return k, s, d, p
    if isinstance(module, _POINTWISE) or type(module).__module__.endswith("activation"):
        return None
    raise TypeError(
        f"receptive_field cannot follow a {type(module).__name__}; pass convolutions, "
        "poolings, activations, or (kernel, stride, dilation[, padding]) tuples"
    )


def _flatten_sequential(items):
    """Expand nested ``nn.Sequential`` blocks into layers named ``block.layer``."""
    for name, layer in items:
        if isinstance(layer, nn.Sequential):
            children = [(f"{name}.{n}", m) for n, m in layer.named_children()]
            yield from _flatten_sequential(children)
        else:
            yield name, layer


def _layer_specs(layers, axis: int = 0) -> list[tuple[str, int, int, int, int | str]]:
    """Normalise a stack to [(name, kernel, stride, dilation, padding)]."""
    if isinstance(layers, nn.Module):
        items = (
            list(layers.named_children())
            if len(list(layers.children()))
            else [(type(layers).__name__, layers)]
        )
    elif isinstance(layers, Iterable):
        items = [(str(i), layer) for i, layer in enumerate(layers)]
    else:
        raise TypeError(
            f"layers must be an nn.Module or a list; got {type(layers).__name__}"
        )
    specs = []
    for name, layer in _flatten_sequential(items):
        if isinstance(layer, (nn.Flatten, nn.Linear)):
            break  # everything after sees the whole input
        if isinstance(layer, nn.Module):
            spec = _module_spec(layer, axis)
            name = name if name[0].isalpha() else f"{name}:{type(layer).__name__}"
        elif _is_pair(layer) and len(layer) in (3, 4):
            spec = (*layer, 0) if len(layer) == 3 else tuple(layer)
        else:
            raise TypeError(
                f"layer {name} must be an nn.Module or a (kernel, stride, "
                f"dilation[, padding]) tuple; got {layer!r}"
            )
        if spec is not None:
            k, s, d, p = spec
            _output_size_1d(1 + (k - 1) * d, k, s, p, d, axis=f" of layer {name}")
            specs.append((name, k, s, d, p))
    if not specs:
        raise ValueError("layers must hold at least one convolution or pooling")
    return specs


def _left_pad(k: int, d: int, p) -> int:
    return (d * (k - 1)) // 2 if p == "same" else (0 if p == "valid" else p)


def receptive_field(
    layers, *, input_size: int | None = None, axis: int = 0
) -> list[LayerField]:
    """Receptive field size, jump and start after each spatial layer of a stack.

    r_l = r_{l−1} + (k_l − 1)·d_l·j_{l−1}, j_l = j_{l−1}·s_l, r_0 = j_0 = 1
    (Araujo et al., 2019, "Computing receptive fields of convolutional neural
    networks").

    Args:
        layers: an ``nn.Sequential`` (or list of modules) of convolutions, poolings and
            pointwise layers, or a list of (kernel, stride, dilation[, padding]) tuples.
            Layers from the first ``nn.Flatten``/``nn.Linear`` on are ignored.
        input_size: optional input length along ``axis``, to fill ``output_size``.
        axis: 0 (height) or 1 (width) for 2D modules with (h, w) arguments.
    Returns:
        one :class:`LayerField` per spatial layer (pointwise layers are skipped).
    """
    check_int("axis", axis, low=0, high=1)
    size, jump, start, n, fields = 1, 1, 0, input_size, []
    for name, k, s, d, p in _layer_specs(layers, axis):
        pad = _left_pad(k, d, p)
        size, start, jump = size + (k - 1) * d * jump, start - pad * jump, jump * s
        if n is not None:
            n = _output_size_1d(n, k, s, p, d, axis=f" at layer {name}")
        fields.append(LayerField(name, k, s, d, pad, size, jump, start, n))
    return fields


def _feeding_masks_1d(specs, input_size: int, index: int) -> list[torch.Tensor]:
    """Boolean masks, input first, of the units of every layer that feed ``index``."""
    sizes = [check_int("input_size", input_size, low=1)]
    for name, k, s, d, p in specs:
        sizes.append(_output_size_1d(sizes[-1], k, s, p, d, axis=f" at layer {name}"))
    check_int("index", index, low=0, high=sizes[-1] - 1)
    masks = [torch.zeros(n, dtype=torch.bool) for n in sizes]
    masks[-1][index] = True
    for layer in range(len(specs), 0, -1):
        _, k, s, d, p = specs[layer - 1]
        units = masks[layer].nonzero().flatten()
        inputs = (
            units[:, None] * s - _left_pad(k, d, p) + torch.arange(k) * d
        ).flatten()
        masks[layer - 1][inputs[(inputs >= 0) & (inputs < sizes[layer - 1])]] = True
    return masks


def receptive_positions(
    layers, index: IntOrPair, *, input_size: IntOrPair
) -> torch.Tensor:
    """Which input positions feed one output unit of a stack (exact, holes included).

    Args:
        layers: as in :func:`receptive_field`.
        index: the output unit, an int (1D) or an (i, j) pair (2D).
        input_size: the input length, or (H, W).
    Returns:
        a bool tensor shaped like the input, (input_size,) or (H, W): True where a
        change of the input can change the chosen output.
    """
    if not _is_pair(index) and not _is_pair(input_size):
        return _feeding_masks_1d(_layer_specs(layers), input_size, index)[0]
    index, input_size = _pair("index", index), _pair("input_size", input_size)
    rows, cols = (
        _feeding_masks_1d(_layer_specs(layers, a), input_size[a], index[a])[0]
        for a in (0, 1)
    )
    return rows[:, None] & cols[None, :]


def sparsify_kernel(weight: torch.Tensor, dilation: IntOrPair) -> torch.Tensor:
    """Spread a kernel out with zeros: a dilated convolution as a plain one.

    ``conv2d(x, sparsify_kernel(w, d)) == conv2d(x, w, dilation=d)``.

    Args:
        weight: (..., kh, kw) kernel, e.g. a ``nn.Conv2d`` weight (C_out, C_in, kh, kw).
        dilation: int or (dh, dw) pair, ≥ 1.
    Returns:
        (..., 1 + (kh − 1)dh, 1 + (kw − 1)dw) tensor, zero off the dilated taps.
    """
    if not isinstance(weight, torch.Tensor) or weight.dim() < 2:
        raise ValueError("weight must be a tensor with at least 2 dims (..., kh, kw)")
    dh, dw = (check_int("dilation", v, low=1) for v in _pair("dilation", dilation))
    kh, kw = weight.shape[-2:]
    out = weight.new_zeros(*weight.shape[:-2], 1 + (kh - 1) * dh, 1 + (kw - 1) * dw)
    out[..., ::dh, ::dw] = weight
    return out


def receptive_field_growth(
    depth: int = 6, *, kernel_size: int = 3, input_size: int = 64, channels: int = 16
) -> dict[str, dict[str, list[int]]]:
    """Receptive field and resolution of three stacks of ``depth`` k-tap convolutions.

    "dilated": dilations 1, 2, 4, … (stride 1, "same" padding); "plain": dilation 1;
    "strided": stride 2. All three have the same parameters per layer
    (channels² · k² + channels), so the same total.

    Returns:
        {scheme: {"receptive_field": [r_1 … r_depth], "output_size": [n_1 …],
        "parameters": [cumulative count …], "layers": [(k, s, d, p) …]}}.
    """
    check_int("depth", depth, low=1, high=12)
    k = check_int("kernel_size", kernel_size, low=2)
    check_int("input_size", input_size, low=1)
    schemes = {
        "dilated": [(k, 1, 2**i, (k - 1) * 2**i // 2) for i in range(depth)],
        "plain": [(k, 1, 1, (k - 1) // 2)] * depth,
        "strided": [(k, 2, 1, (k - 1) // 2)] * depth,
    }
    per_layer = channels * channels * k * k + channels
    result = {}
    for scheme, layers in schemes.items():
        sizes, n = [], input_size
        for kk, s, d, p in layers:  # a stride-2 stack stops shrinking at 1
            n = max(1, (n + 2 * p - d * (kk - 1) - 1) // s + 1)
            sizes.append(n)
        result[scheme] = {
            "receptive_field": [f.size for f in receptive_field(layers)],
            "output_size": sizes,
            "parameters": [per_layer * (i + 1) for i in range(depth)],
            "layers": layers,
        }
    return result
