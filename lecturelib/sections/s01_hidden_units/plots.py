"""Notebook 01, slides 2-6: the figures of notebook 01: hidden units as lines.

* :func:`plot_hidden_units` — every hidden unit's line over the data and the decision
  regions, at one training iteration.
* :func:`plot_snapshot_grid` — the lecture's sequence of such pictures.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from torch import Tensor

from lecturelib.core.plot import figure
from lecturelib.core.validate import check_int
from lecturelib.sections.s01_hidden_units.compute import (
    LECTURE_ITERATIONS,
    Snapshots,
    _check_xy,
    compute_decision_regions,
    compute_unit_segments,
)

__all__ = ["plot_hidden_units", "plot_snapshot_grid"]


_REGION_COLORS = ("#d4e3f4", "#f7dccb", "#d9f0d3", "#eadcf0")  # by class


_POINT_COLORS = ("tab:blue", "tab:red", "tab:green", "tab:purple")


_UNIT_COLORS = [
    *plt.get_cmap("tab10").colors,
    *plt.get_cmap("Dark2").colors,
    "k",
    "navy",
]


def _default_box(x: Tensor, margin: float = 0.15) -> tuple[float, float, float, float]:
    lo, hi = x.min(0).values.cpu(), x.max(0).values.cpu()
    half = float((hi - lo).max()) * (0.5 + margin)
    cx, cy = ((lo + hi) / 2).tolist()
    return (cx - half, cx + half, cy - half, cy + half)


def _draw(ax, snapshots, x, y, iteration, box, resolution, arrows) -> None:
    i, classes = snapshots.index(iteration), snapshots.w2.shape[1]
    regions = compute_decision_regions(snapshots, iteration, box, resolution=resolution)
    cmap = ListedColormap([_REGION_COLORS[c % 4] for c in range(classes)])
    ax.imshow(regions, origin="lower", extent=box, cmap=cmap, vmin=0, vmax=classes - 1)
    xc, yc = x.detach().cpu(), y.detach().cpu()
    for c in yc.unique().tolist():
        ax.scatter(*xc[yc == c].T, s=6, color=_POINT_COLORS[c % 4], lw=0)
    w, b = snapshots.w1[i], snapshots.b1[i]
    seg, visible = compute_unit_segments(w, b, box)
    for j in visible.nonzero().flatten().tolist():
        color = _UNIT_COLORS[j % len(_UNIT_COLORS)]  # fixed per unit
        ax.plot(*seg[j].T, color=color, lw=1.5)
        if arrows:  # towards the side where the unit is active: w·x + b > 0
            mid, step = seg[j].mean(0), 0.06 * (box[1] - box[0]) * w[j] / w[j].norm()
            style = {"arrowstyle": "->", "color": color, "lw": 1.2}
            ax.annotate(
                "", xy=(mid + step).tolist(), xytext=mid.tolist(), arrowprops=style
            )
    ax.set(xlim=box[:2], ylim=box[2:], xticks=[], yticks=[], aspect="equal")
    acc, loss = float(snapshots.accuracy[i]), float(snapshots.loss[i])
    ax.set_title(
        f"iteration {int(snapshots.iterations[i])}\nacc {acc:.0%}, loss {loss:.2f}"
    )


def plot_hidden_units(
    snapshots: Snapshots, x: Tensor, y: Tensor, *, iteration: int | None = None,
    ax=None, box=None, resolution: int = 200, arrows: bool = True,
) -> Figure:  # fmt: skip
    """Every hidden unit as its line over the data and the decision regions.

    Args:
        snapshots: from :func:`train_with_snapshots` / :func:`compute_snapshots`.
        x: (N, 2) points; y: (N,) labels.
        iteration: which iteration (default: the last); the last snapshot at or
            before it is drawn.
        ax: axes to draw into; box: (xmin, xmax, ymin, ymax), default: the data's
            bounding square with a margin.
        arrows: an arrow from each line towards the side where its unit is active.
    Returns:
        The figure; each unit has the same colour at every iteration.
    """
    _check_xy(x, y)
    iteration = int(snapshots.iterations[-1]) if iteration is None else iteration
    snapshots.index(iteration)
    box = _default_box(x) if box is None else tuple(float(v) for v in box)
    ax = figure(4.5, 4.5, pyplot=True, layout=None).subplots() if ax is None else ax
    _draw(ax, snapshots, x, y, iteration, box, resolution, arrows)
    return ax.figure


def plot_snapshot_grid(
    snapshots: Snapshots, x: Tensor, y: Tensor, *, iterations=LECTURE_ITERATIONS,
    ncols: int = 4, box=None, resolution: int = 120, arrows: bool = False,
) -> Figure:  # fmt: skip
    """A static grid of :func:`plot_hidden_units` at the lecture's iterations."""
    _check_xy(x, y)
    iterations = [int(snapshots.iterations[snapshots.index(k)]) for k in iterations]
    ncols = check_int("ncols", ncols, low=1)
    nrows = -(-len(iterations) // ncols)
    size = (2.6 * ncols, 2.75 * nrows)
    fig = figure(*size, panels=ncols, pyplot=True, layout=None)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    box = _default_box(x) if box is None else tuple(float(v) for v in box)
    for ax, k in zip(axes.flat, iterations):
        _draw(ax, snapshots, x, y, k, box, resolution, arrows)
    for ax in axes.flat[len(iterations) :]:
        ax.axis("off")
    fig.tight_layout()
    return fig
