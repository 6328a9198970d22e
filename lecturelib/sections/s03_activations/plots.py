"""Notebook 03, slides 13-23: Figures and widgets of notebook 03 (convnet internal layer activations).

* :func:`plot_layer_activations` — every layer's output for one image (LeNet).
* :func:`plot_channels` — a few channels of one layer next to the photo.
* :func:`activations_widget` — an ImageNet model on a shipped, typed or uploaded
  photo: layer menu, unit slider, top-5 classes; one forward pass per photo.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from torch import Tensor

from lecturelib.core.plot import (
    figure,
    new_figure,
    overlay_heatmap,
    show_image,
    tile_filters,
    to_numpy,
)

__all__ = ["plot_channels", "plot_layer_activations"]


def _layer_mosaic(act: Tensor, max_channels: int) -> np.ndarray:
    """One layer of one image: maps (C, H, W) in rows of 16, vectors (D,) in rows of 50."""
    if act.dim() == 3:
        c = min(len(act), max_channels)
        return to_numpy(
            tile_filters(act[:c, None].float().cpu(), normalize="all", ncols=min(16, c))
        )
    v = to_numpy(act.flatten())
    lo, hi = np.nanmin(v), np.nanmax(v)
    width = min(len(v), 50)
    grid = np.full(-(-len(v) // width) * width, np.nan)
    grid[: len(v)] = (v - lo) / (hi - lo) if hi > lo else v * 0
    return grid.reshape(-1, width)


def plot_layer_activations(
    image: Tensor,
    acts: dict[str, Tensor],
    *,
    index: int = 0,
    max_channels: int = 64,
    width: float = 11.0,
) -> Figure:
    """The input and every recorded layer's output for image ``index``, two per row.

    Maps (up to ``max_channels``, 16 per row) share one grey scale per layer (a dark
    channel is a weakly active one); vectors (fully connected layers) are drawn as
    strips of 50 units per row, min–max scaled.
    """

    names = list(acts)
    mosaics = [to_numpy((image[index] if image.dim() == 4 else image).float())]
    mosaics += [_layer_mosaic(acts[n][index], max_channels) for n in names]
    titles = ["input"] + [f"{n} {tuple(acts[n].shape[1:])}" for n in names]
    ratios = [min(m.shape[-2] / m.shape[-1], 0.45) for m in mosaics]
    rows = [max(ratios[i : i + 2]) for i in range(0, len(mosaics), 2)]
    fig = figure(width, sum(width / 2 * r + 0.35 for r in rows), panels=2)
    axes = fig.subplots(
        len(rows), 2, squeeze=False, gridspec_kw={"height_ratios": rows}
    )
    cmap = matplotlib.colormaps["gray"].with_extremes(bad="white")
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, m, title in zip(axes.flat, mosaics, titles):
        if title == "input":
            show_image(ax, m, title=title)
        else:
            ax.imshow(m, cmap=cmap, vmin=0, vmax=1)
            ax.set_axis_on()  # a frame, so white units stay visible on white paper
            ax.set_xticks([]), ax.set_yticks([])
            ax.set_title(title)
    return fig


def plot_channels(
    image: Tensor,
    act: Tensor,
    channels: Sequence[int],
    *,
    layer: str = "",
    size: float = 1.6,
) -> Figure:
    """The input image and the maps of chosen ``channels`` of one layer's (C, H, W) output."""
    fig, axes = new_figure(1, len(channels) + 1, size=size)
    show_image(axes[0, 0], image, title="input")
    for ax, c in zip(axes[0, 1:], channels):
        show_image(
            ax, act[c], title=f"#{c} (max {float(act[c].max()):.2g})", cmap="gray"
        )
    if layer:
        fig.suptitle(
            f"{layer} {tuple(act.shape)}: channels picked at random", fontsize=9
        )
    return fig


def describe_unit(layer: str, act: Tensor, unit: int, preds) -> str:
    """HTML line: the layer's shape, the unit's max, mean and share > 0, the top-5."""
    a = act[unit]
    top5 = ", ".join(f"{c} {p:.2f}" for c, p in preds)
    return (
        f"<b>{layer}</b> {tuple(act.shape)} — unit {unit}: max {a.max():.3f}, "
        f"mean {a.mean():.3f}, {100 * (a > 0).float().mean():.0f}% positive"
        f"<br>top-5: {top5}"
    )


def plot_unit(image: Tensor, act: Tensor, unit: int, shown, *, layer: str = ""):
    """[channels figure, unit figure]: :func:`plot_channels` of ``shown`` and the
    map of channel ``unit`` of ``act`` (C, H, W) over the photo ``image`` (3, H, W)."""
    fig = plot_channels(image, act.cpu(), shown, layer=layer)
    fig2, ax = new_figure(1, 1, size=3.2)
    overlay_heatmap(ax[0, 0], image, act[unit].cpu(), title=f"{layer} unit {unit}")
    return [fig, fig2]
