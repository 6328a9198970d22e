"""Notebook 05, slides 34-37: the figure of notebook 05: occlusion sensitivity maps.

* :func:`plot_occlusion` — the image, the mask on the most sensitive square, and one
  sensitivity map per model over the faded image.
"""

from __future__ import annotations

import math

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from torch import Tensor

from lecturelib.core.plot import (
    UNSIGNED_CMAP,
    as_shown,
    new_figure,
    show_image,
    to_numpy,
)
from lecturelib.sections.s05_occlusion.compute import most_sensitive_square

__all__ = ["plot_occlusion"]


def _map_extent(heat, size: int, stride: int):
    """imshow extent placing entry (i, j) at the centre of its square."""
    hp, wp = heat.shape[-2:]
    c0, half = (size - 1) / 2, stride / 2
    return (
        c0 - half,
        c0 + (wp - 1) * stride + half,
        c0 + (hp - 1) * stride + half,
        c0 - half,
    )


def _computed(heat: Tensor) -> Tensor:
    """``heat`` with its NaN (positions not computed yet) as −inf: the max ignores them,
    the colour map shows them transparent (its "bad" colour)."""
    return heat.nan_to_num(nan=-math.inf) if heat.isnan().any() else heat


def plot_occlusion(
    image: Tensor,
    maps: dict[str, Tensor],
    *,
    size: int,
    stride: int,
    fill: float = 0.0,
    to_display=None,
    title: str | None = None,
) -> Figure:
    """The lecture's figure for one image: original, a mask, one sensitivity map per model.

    Args:
        image: (C, H, W) model input, shown through ``to_display``
            (:func:`lecturelib.core.plot.as_shown`).
        maps: model name → (H', W') sensitivity map (from :func:`occlusion_sensitivity`).
        size, stride, fill: the mask's side, step and value, as the maps were made.
    Returns:
        A figure: the image, the image with the mask on the first map's most sensitive
        square, then each map drawn over the faded image (bright = large drop). A map
        computed in part (NaN where no mask was computed yet, ``on_partial``) is
        transparent there; its largest computed drop places the mask.
    """
    fig, axes = new_figure(1, 2 + len(maps), size=2.4)
    image01 = as_shown(image, to_display)
    show_image(axes[0, 0], image01, normalize=False, title=title or "original")
    maps = {name: _computed(heat) for name, heat in maps.items()}
    first = next(iter(maps.values()))
    top, bottom, left, right = most_sensitive_square(first, size, stride)
    masked = image.detach().cpu().clone()
    masked[:, top:bottom, left:right] = fill
    masked = as_shown(masked, to_display)
    title = f"{size}×{size} mask at ({top}, {left})"
    show_image(axes[0, 1], masked, normalize=False, title=title)
    axes[0, 1].add_patch(
        Rectangle((left - 0.5, top - 0.5), size, size, fill=False, color="yellow")
    )
    for ax, (name, heat) in zip(axes[0, 2:], maps.items()):
        ax.imshow(to_numpy(image01.permute(1, 2, 0)) * 0.35)
        ax.imshow(
            to_numpy(heat),
            cmap=UNSIGNED_CMAP,
            alpha=0.7,
            interpolation="bilinear",
            extent=_map_extent(heat, size, stride),
        )
        ax.set_xlim(-0.5, image01.shape[-1] - 0.5)
        ax.set_ylim(image01.shape[-2] - 0.5, -0.5)
        ax.set_axis_off()
        ax.set_title(f"{name}: max drop {float(heat.max()):.2f}")
    return fig
