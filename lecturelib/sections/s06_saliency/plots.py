"""Notebook 06, slides 38-45: the figure of notebook 06: saliency maps next to the images.

* :func:`plot_saliency` — one row per image, the original then one column per map.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from torch import Tensor

from lecturelib.core.plot import as_shown, new_figure, show_image, show_map
from lecturelib.sections.s06_saliency.compute import compute_heatmap

__all__ = ["plot_saliency"]


def plot_saliency(
    images: Tensor,
    maps: dict[str, Tensor],
    *,
    to_display=None,
    titles: list[str] | None = None,
    reduce: str = "abs_sum",
    size: float = 2.2,
) -> Figure:
    """The lecture's figure: one row per image, original then one column per map.

    Args:
        images: (N, C, H, W) model inputs, shown through ``to_display``
            (:func:`lecturelib.core.plot.as_shown`).
        maps: column title → (N, C, H, W) attribution (e.g. gradient, SmoothGrad).
        titles: one row label per image (e.g. the predicted class).
    """
    images01 = as_shown(images, to_display)
    n_rows, n_cols = images01.shape[0], 1 + len(maps)
    fig, axes = new_figure(n_rows, n_cols, size=size)
    heat = {name: compute_heatmap(m, reduce=reduce) for name, m in maps.items()}
    for i in range(n_rows):
        label = titles[i] if titles else "original"
        show_image(axes[i, 0], images01[i], title=label, normalize=False)
        for j, (name, h) in enumerate(heat.items(), start=1):
            show_map(axes[i, j], h[i], signed=reduce == "sum", title=name)
    return fig
