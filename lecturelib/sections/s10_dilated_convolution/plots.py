"""Notebook 10, slides 84-89: Figures and widgets of notebook 10: the lecture's dilated-convolution animation.

* :func:`plot_dilation_1d` — input row, output row(s), and the connections that feed
  one chosen output (one dilated layer, or a stack as in WaveNet, van den Oord et al.,
  2016); :func:`dilation_widget` drives it with dilation and output-index sliders.
* :func:`plot_dilation_2d` — a k×k kernel sparsified with zeros and drawn on the input
  grid; :func:`dilation_2d_widget`.
* :func:`plot_receptive_field_growth` — receptive field and resolution against depth.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from lecturelib.core.plot import figure
from lecturelib.core.validate import check_int
from lecturelib.sections.s10_dilated_convolution.compute import (
    _feeding_masks_1d,
    _layer_specs,
    conv_output_size,
    receptive_field,
    receptive_positions,
)

__all__ = [
    "describe_output",
    "plot_dilation_1d",
    "plot_dilation_2d",
    "plot_receptive_field_growth",
]

_ON, _OFF, _PAD = "tab:orange", "0.82", "0.55"


def describe_output(layers, index: int, *, input_size: int) -> str:
    """One line: output size, receptive field, the inputs feeding output ``index``."""
    fields = receptive_field(layers, input_size=input_size)
    fed = receptive_positions(layers, index, input_size=input_size).nonzero().flatten()
    shown = ", ".join(map(str, fed[:12].tolist())) + (" …" if len(fed) > 12 else "")
    return (
        f"input {input_size} → output {fields[-1].output_size}; receptive field "
        f"{fields[-1].size} (jump {fields[-1].jump}); output {index} reads "
        f"{len(fed)} inputs: {shown}"
    )


def _centre(field, unit):
    """x coordinate of a unit: the middle of its receptive field on the input axis."""
    if field is None:
        return float(unit)
    return field.start + unit * field.jump + (field.size - 1) / 2


def plot_dilation_1d(layers, index: int, *, input_size: int = 20) -> Figure:
    """Units of every layer of a 1D stack, and the connections that feed one output.

    Args:
        layers: (kernel, stride, dilation[, padding]) tuples or modules, see
            :func:`lecturelib.sections.s10_dilated_convolution.compute.receptive_field`.
        index: the output unit whose inputs are highlighted.
        input_size: length of the input row.
    Returns:
        a Figure: input at the bottom, each layer above it, zero padding as hollow
        circles, highlighted units and connections in orange.
    """
    specs = _layer_specs(layers)
    masks = _feeding_masks_1d(specs, input_size, index)
    fields = [None, *receptive_field(layers, input_size=input_size)]
    fig = figure(min(14, 2 + 0.42 * input_size), 0.6 + 0.9 * len(masks))
    ax = fig.subplots()
    for row in range(1, len(masks)):
        _, k, s, d, _ = specs[row - 1]
        pad = fields[row].padding
        for unit in masks[row].nonzero().flatten().tolist():
            for tap in range(k):
                src = unit * s - pad + tap * d
                inside = 0 <= src < len(masks[row - 1])
                ax.plot(
                    [_centre(fields[row], unit), _centre(fields[row - 1], src)],
                    [row, row - 1],
                    color=_ON if inside else _PAD,
                    lw=1.6,
                    ls="-" if inside else ":",
                    zorder=1,
                )
                if not inside:
                    ax.scatter(
                        _centre(fields[row - 1], src),
                        row - 1,
                        s=90,
                        facecolor="white",
                        edgecolor=_PAD,
                        ls=":",
                        zorder=2,
                    )
    for row, mask in enumerate(masks):
        xs = [_centre(fields[row], u) for u in range(len(mask))]
        colours = [_ON if m else _OFF for m in mask.tolist()]
        ax.scatter(xs, [row] * len(xs), s=90, c=colours, edgecolor="0.3", zorder=3)
        label = (
            "input"
            if row == 0
            else (
                f"k={specs[row - 1][1]}, d={specs[row - 1][3]}"
                + (f", s={specs[row - 1][2]}" if specs[row - 1][2] > 1 else "")
            )
        )
        ax.text(
            -1.2 - fields[1].padding,
            row,
            f"{label}\n({len(mask)} units)",
            ha="right",
            va="center",
            fontsize=8,
        )
    ax.set_title(describe_output(layers, index, input_size=input_size), fontsize=9)
    ax.set_xlim(-1.5 - max(6, fields[1].padding + 5), input_size + 1)
    ax.set_ylim(-0.5, len(masks) - 0.5)
    ax.axis("off")
    return fig


def plot_dilation_2d(
    *, input_size=(11, 11), kernel_size: int = 3, dilation: int = 2, index=(0, 0)
) -> Figure:
    """A k×k kernel, its sparsified (dilated) version, and where it reads the input.

    Args:
        input_size: (H, W) of the input grid.
        kernel_size, dilation: of a single ``nn.Conv2d`` (stride 1, no padding).
        index: (i, j) output position whose inputs are shown.
    Returns:
        a Figure with three panels: the sparsified kernel (taps numbered 1…k², zeros
        elsewhere), the input grid with the taps feeding output ``index``, and the
        output grid with ``index`` marked.
    """
    k = check_int("kernel_size", kernel_size, low=1)
    out_size = conv_output_size(tuple(input_size), k, dilation=dilation)
    layer = [(k, 1, dilation)]
    fed = receptive_positions(layer, tuple(index), input_size=tuple(input_size))
    taps = torch.arange(1, k * k + 1).reshape(k, k)
    span = 1 + (k - 1) * dilation
    sparse = torch.zeros(span, span, dtype=torch.long)
    sparse[::dilation, ::dilation] = taps
    grid = torch.zeros(tuple(input_size), dtype=torch.long)
    grid[fed] = taps.flatten()
    out = torch.zeros(out_size, dtype=torch.long)
    out[tuple(index)] = 1
    fig = figure(10, 3.6, panels=3)
    axes = fig.subplots(1, 3, width_ratios=[max(span, 4), input_size[1], out_size[1]])
    cmap = ListedColormap(["white", _ON])
    titles = [
        f"{k}×{k} kernel, dilation {dilation}\n→ sparse {span}×{span} kernel",
        f"input {input_size[0]}×{input_size[1]}: taps of output {tuple(index)}",
        f"output {out_size[0]}×{out_size[1]}",
    ]
    for ax, image, title in zip(axes, (sparse, grid, out), titles, strict=True):
        ax.imshow((image > 0).numpy(), cmap=cmap, vmin=0, vmax=1)
        h, w = image.shape
        ax.set_xticks(np.arange(-0.5, w), minor=True)
        ax.set_yticks(np.arange(-0.5, h), minor=True)
        ax.grid(which="minor", color="0.6", lw=0.5)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        ax.set_title(title)
    for (r, c), value in np.ndenumerate(sparse.numpy()):
        axes[0].text(
            c,
            r,
            str(value) if value else "0",
            ha="center",
            va="center",
            fontsize=8,
            color="black" if value else "0.7",
        )
    for r, c in fed.nonzero().tolist():
        axes[1].text(c, r, str(int(grid[r, c])), ha="center", va="center", fontsize=7)
    i, j = index
    axes[1].add_patch(_box(i, j, span, span))
    return fig


def _box(top, left, h, w):

    return Rectangle((left - 0.5, top - 0.5), w, h, fill=False, ec="tab:red", lw=1.5)


def plot_receptive_field_growth(
    growth: dict, *, input_size: int | None = None
) -> Figure:
    """Receptive field and output size against depth, for each scheme of ``growth``.

    Args:
        growth: the result of :func:`lecturelib.sections.s10_dilated_convolution.compute.receptive_field_growth`.
        input_size: if given, drawn as a dashed line on both panels.
    Returns:
        a Figure with two panels (receptive field, log scale; output size).
    """
    fig = figure(9, 3.4, panels=2)
    ax_rf, ax_n = fig.subplots(1, 2)
    styles = {
        "dilated": ("tab:orange", "o"),
        "plain": ("tab:blue", "s"),
        "strided": ("tab:green", "^"),
    }
    for scheme, g in growth.items():
        depth = np.arange(1, len(g["receptive_field"]) + 1)
        colour, marker = styles.get(scheme, ("0.3", "x"))
        label = f"{scheme} ({g['parameters'][-1]:,} parameters)"
        wide = (
            {"lw": 6, "alpha": 0.45, "ms": 10} if scheme == "dilated" else {"lw": 1.5}
        )
        ax_rf.plot(
            depth,
            g["receptive_field"],
            marker=marker,
            color=colour,
            label=label,
            **wide,
        )
        ax_n.plot(
            depth, g["output_size"], marker=marker, color=colour, label=scheme, **wide
        )
    ax_rf.set(
        xlabel="depth (layers)",
        ylabel="receptive field",
        yscale="log",
        title="receptive field: dilated and strided grow exponentially",
    )
    ax_n.set(
        xlabel="depth (layers)",
        ylabel="output size",
        yscale="log",
        title="resolution: only the strided stack shrinks",
    )
    for ax in (ax_rf, ax_n):
        if input_size is not None:
            ax.axhline(input_size, color="0.4", ls="--", lw=1, label="input size")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return fig
