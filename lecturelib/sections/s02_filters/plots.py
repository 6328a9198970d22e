"""Notebook 02, slides 7-12: the figures of notebook 02: convnet filters as images.

* :func:`plot_mosaic` — a mosaic of :func:`lecturelib.core.plot.tile_filters`.
* :func:`plot_filters` — a convolution's filters; :func:`plot_random_vs_learned` —
  the same layer before and after training; :func:`plot_filter_choice` — the widget's
  picture of one filter.
"""

from __future__ import annotations

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from torch import Tensor, nn

from lecturelib.core.plot import SIGNED_CMAP, figure, new_figure, tile_filters, to_numpy
from lecturelib.sections.s02_filters.compute import (
    compute_filters,
    describe_conv,
    resolve_conv,
)

__all__ = [
    "plot_filter_choice",
    "plot_filters",
    "plot_mosaic",
    "plot_random_vs_learned",
]


def plot_mosaic(
    mosaic: Tensor, *, title: str | None = None, ax=None, size: float = 4.0
) -> Figure:
    """Draw a mosaic of :func:`tile_filters`: grey, signed (:data:`SIGNED_CMAP`) or RGB."""
    if ax is None:
        h, w = mosaic.shape[-2:]
        scale = size / max(h, w)
        fig = figure(max(w * scale, 2.5), h * scale + 0.4)
        ax = fig.subplots()
    a = to_numpy(mosaic)
    if a.ndim == 3:
        ax.imshow(np.transpose(a, (1, 2, 0)).clip(0, 1))
    else:
        signed = np.nanmin(a) < 0
        cmap = matplotlib.colormaps[SIGNED_CMAP if signed else "gray"].with_extremes(
            bad="white"
        )
        ax.imshow(a, cmap=cmap, vmin=-1 if signed else 0, vmax=1)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax.figure


def plot_filters(
    model: nn.Module,
    layer: int | str = 0,
    *,
    filters=None,
    channels=None,
    rgb: bool = False,
    normalize: str = "each",
    size: float = 4.0,
) -> Figure:
    """Draw a convolution's filters (see :func:`compute_filters` and :func:`tile_filters`)."""
    w = compute_filters(model, layer, filters=filters, channels=channels)
    title = describe_conv(model, layer) + (" (RGB)" if rgb else "")
    if w.shape[1] > 1 and not rgb:
        title += f" — each filter: its {w.shape[1]} input-channel kernels side by side"
    return plot_mosaic(
        tile_filters(w, rgb=rgb, normalize=normalize), title=title, size=size
    )


def plot_random_vs_learned(
    random_model: nn.Module,
    trained_model: nn.Module,
    layer: int | str = 0,
    *,
    filters=None,
    channels=None,
    size: float = 4.0,
) -> Figure:
    """The same layer before (random initialisation) and after training, side by side."""
    fig, axes = new_figure(1, 2, size=size)
    for ax, model, what in (
        (axes[0, 0], random_model, "random"),
        (axes[0, 1], trained_model, "learned"),
    ):
        w = compute_filters(model, layer, filters=filters, channels=channels)
        plot_mosaic(
            tile_filters(w), title=f"{what} — {describe_conv(model, layer)}", ax=ax
        )
    return fig


def plot_filter_choice(
    model: nn.Module, layer: int | str, k: int, *, max_shown: int = 32
) -> Figure:
    """The layer's first ``max_shown`` filters, and filter ``k`` per input channel."""
    name, conv = resolve_conv(model, layer)
    w = compute_filters(model, name, filters=k)[0]
    fig, axes = new_figure(1, 2, size=3.5)
    shown = compute_filters(
        model,
        name,
        filters=range(min(max_shown, conv.weight.shape[0])),
        channels=range(min(max_shown, w.shape[0])),
    )
    title = f"{name}: first {len(shown)} filters"
    plot_mosaic(tile_filters(shown), title=title, ax=axes[0, 0])
    rgb = w.shape[0] == 3
    plot_mosaic(
        tile_filters(w[None], rgb=rgb) if rgb else tile_filters(w[:, None]),
        title=f"filter {k}" + (" (RGB)" if rgb else " per input channel"),
        ax=axes[0, 1],
    )
    return fig
