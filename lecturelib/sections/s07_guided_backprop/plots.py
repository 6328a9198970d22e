"""Notebook 07, slides 46-58: the figures of notebook 07: back-projections and top patches.

* :func:`show_attribution` — one map drawn as an RGB image (3 channels) or signed.
* :func:`plot_backprop_views` — one row per image, one column per rule.
* :func:`plot_top_patches` — Zeiler & Fergus's grid of the top patches, each beside
  its back-projection.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from torch import Tensor

from lecturelib.core.plot import as_shown, new_figure, show_image, show_map
from lecturelib.sections.s07_guided_backprop.compute import to_rgb
from lecturelib.sections.s07_guided_backprop.top_patches import TopPatches

__all__ = ["plot_backprop_views", "plot_top_patches", "show_attribution"]


def show_attribution(ax, attr: Tensor, title: str | None = None):
    """Draw a (3, H, W) map as an RGB image, another (C, H, W) summed, signed."""
    if attr.shape[0] == 3:
        show_image(ax, to_rgb(attr[None])[0], title=title, normalize=False)
    else:
        show_map(ax, attr.sum(0), signed=True, title=title)


def plot_backprop_views(
    images: Tensor, maps: dict[str, Tensor], *, to_display=None, titles=None,
    size: float = 2.2,
) -> Figure:  # fmt: skip
    """One row per image: the original, then one column per map (e.g. per rule).

    ``images``: (N, C, H, W) model inputs, shown through ``to_display``
    (:func:`lecturelib.core.plot.as_shown`).
    """
    images01 = as_shown(images, to_display)
    fig, axes = new_figure(images01.shape[0], 1 + len(maps), size=size)
    for i in range(images01.shape[0]):
        show_image(
            axes[i, 0],
            images01[i],
            title=titles[i] if titles else "original",
            normalize=False,
        )
        for j, (name, m) in enumerate(maps.items(), start=1):
            show_attribution(axes[i, j], m[i], name)
    return fig


def plot_top_patches(
    top: TopPatches, *, to_display=None, ncols: int = 3, size: float = 1.3
) -> Figure:
    """Grid of the top patches, each beside its back-projection (Zeiler & Fergus's figure).

    The patches are crops of model inputs, shown through ``to_display``
    (:func:`lecturelib.core.plot.as_shown`). Without ``deconvs`` (a partial result)
    their places stay blank.
    """
    k = len(top.patches)
    nrows = -(-k // ncols)
    fig, axes = new_figure(nrows, 2 * ncols, size=size)
    for ax in axes.flat:
        ax.set_axis_off()
    for i, p in enumerate(top.patches):
        ax_p, ax_d = (
            axes[i // ncols, 2 * (i % ncols)],
            axes[i // ncols, 2 * (i % ncols) + 1],
        )
        title = f"#{int(top.indices[i])}: {float(top.values[i]):.2f}"
        show_image(ax_p, as_shown(p, to_display), normalize=False)
        ax_p.set_title(title, y=1.0)  # y given: no search for tick labels (faster)
        if i < len(top.deconvs):
            show_attribution(ax_d, top.deconvs[i], top.rule)
    fig.suptitle(
        f"{top.layer}, channel {top.channel}: top {k} patches and their {top.rule}"
    )
    return fig
