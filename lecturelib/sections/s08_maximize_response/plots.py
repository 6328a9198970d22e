"""Notebook 08, slides 59-75: the figure of notebook 08: why a prior (a 2-D picture).

* :func:`plot_toy_prior` — f and f − h of :func:`compute_toy_prior`'s toy problem,
  with each gradient ascent's path.
"""

from __future__ import annotations

import torch

from lecturelib.core.plot import new_figure
from lecturelib.sections.s08_maximize_response.compute import ToyPrior

__all__ = ["plot_toy_prior"]


def plot_toy_prior(toy: ToyPrior, *, size: float = 3.4):
    """f (left, the whole ascent) and f − h (right, around the data), the two classes,
    and each ascent's path to its end x̂ (a star)."""
    fig, axes = new_figure(1, 2, size=size)
    data_lo, data_hi = toy.points.amin(0) - 0.7, toy.points.amax(0) + 0.7
    views = (
        (
            "f",
            toy.path_f,
            torch.minimum(data_lo, toy.path_f.amin(0)),
            torch.maximum(data_hi, toy.path_f.amax(0)),
        ),
        ("f − h", toy.path_fh, data_lo, data_hi),
    )
    for ax, (name, path, lo, hi) in zip(axes[0], views):
        xs, ys = (torch.linspace(lo[i], hi[i], 120) for i in range(2))
        grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), -1).view(-1, 2)
        with torch.no_grad():
            z = toy.f(grid)[:, 0] - (toy.h(grid) if name != "f" else 0.0)
        z = z.view(len(ys), len(xs))
        ax.contourf(xs, ys, z.clamp_min(z.quantile(0.02)), levels=20, cmap="Greys")
        for c, colour in ((0, "tab:blue"), (1, "tab:red")):
            pts = toy.points[toy.labels == c]
            ax.scatter(pts[:, 0], pts[:, 1], s=5, c=colour, label=f"class {c}")
        ax.plot(path[:, 0], path[:, 1], "-", c="tab:orange", lw=1)
        ax.plot(path[-1:, 0], path[-1:, 1], "*", c="tab:orange", ms=14, label="x̂")
        ax.set_title(f"x̂ = argmax of {name} (dark: high)")
        ax.set_xlim(lo[0], hi[0]), ax.set_ylim(lo[1], hi[1])
    axes[0, 1].legend(loc="upper left", fontsize=7)
    return fig
