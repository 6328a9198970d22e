"""Notebook 04, slides 24-33: Figures and widgets of notebook 04 (layers as embeddings).

* :func:`plot_embedding` — one 2D embedding, coloured by class or by a value.
* :func:`plot_embeddings` — one panel per layer, titled with k-NN accuracy and
  trustworthiness.
* :func:`embedding_widget` — layer and perplexity sliders over an
  :class:`~lecturelib.sections.s04_embeddings.embedding_cache.EmbeddingCache` (each setting computed once).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from lecturelib.core.plot import new_figure, to_numpy

__all__ = ["plot_embedding", "plot_embeddings"]


def plot_embedding(
    points,
    labels,
    *,
    class_names: Sequence[str] | None = None,
    title: str = "",
    ax=None,
    continuous: bool = False,
    size: float = 3.5,
) -> Figure:
    """Scatter a 2D embedding, coloured by class (tab10) or by a continuous value."""
    if ax is None:
        _, axes = new_figure(1, 1, size=size)
        ax = axes[0, 0]
    p, y = to_numpy(points), to_numpy(labels).ravel()
    if continuous:
        ax.scatter(p[:, 0], p[:, 1], c=y, cmap="viridis", s=4)
    else:
        for c in np.unique(y):
            name = class_names[int(c)] if class_names is not None else str(int(c))
            m = y == c
            ax.scatter(p[m, 0], p[m, 1], s=4, color=f"C{int(c) % 10}", label=name)
    ax.set_xticks([]), ax.set_yticks([])
    ax.set_title(title)
    return ax.figure


def plot_embeddings(
    results: dict[str, dict],
    labels,
    *,
    class_names=None,
    ncols: int = 3,
    size: float = 3.2,
) -> Figure:
    """One panel per layer of :meth:`EmbeddingCache.compute`, titled with its numbers."""
    nrows = -(-len(results) // ncols)
    fig, axes = new_figure(nrows, min(ncols, len(results)), size=size)
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, (name, r) in zip(axes.flat, results.items()):
        ax.set_axis_on()
        plot_embedding(
            r["points"],
            labels,
            class_names=class_names,
            ax=ax,
            title=f"{name}\n10-NN acc {r['knn']:.2f}, trust {r['trust']:.2f}",
        )
    handles, names = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside right center", markerscale=3, fontsize=7)
    return fig
