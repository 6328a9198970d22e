"""Figures and widgets of notebook 04 (layers as embeddings).

* :func:`plot_embedding` — one 2D embedding, coloured by class or by a value.
* :func:`plot_embeddings` — one panel per layer, titled with k-NN accuracy and
  trustworthiness.
* :func:`embedding_widget` — layer and perplexity sliders over an
  :class:`~lecturelib.embeddings.EmbeddingCache` (each setting computed once).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .embeddings import EmbeddingCache
from .plot import new_figure, show_in, to_numpy

__all__ = ["embedding_widget", "plot_embedding", "plot_embeddings"]


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


def embedding_widget(
    cache: EmbeddingCache,
    *,
    class_names=None,
    perplexities: Sequence[float] = (5, 10, 30, 50, 100),
):
    """A layer slider and a perplexity slider over an :class:`EmbeddingCache`.

    Returns:
        ``ipywidgets.VBox``: ``children[0]`` = HBox(layer SelectionSlider, perplexity
        SelectionSlider), ``children[1]`` = HTML readout (k-NN accuracy,
        trustworthiness, t-SNE runs so far), ``children[2]`` = Output with the scatter.
    """
    import ipywidgets as W

    from .precompute import attach_sweep

    n = len(cache.labels)
    options = [p for p in perplexities if p < n]
    layer = W.SelectionSlider(
        options=cache.layers,
        value=cache.layers[-1],
        description="layer",
        continuous_update=False,
    )
    perp = W.SelectionSlider(
        options=options,
        value=30 if 30 in options else options[0],
        description="perplexity",
        continuous_update=False,
    )
    readout, out = W.HTML(), W.Output()

    def redraw(_=None):
        runs, start = cache.runs, time.perf_counter()
        r = cache.get(layer.value, perp.value)
        how = (
            "from the cache"  # this session's memory or the disk cache
            if cache.runs == runs
            else f"computed in {time.perf_counter() - start:.1f} s"
        )
        readout.value = (
            f"<b>{layer.value}</b>, perplexity {perp.value}: {cache.k}-NN accuracy "
            f"{r['knn']:.3f}, trustworthiness {r['trust']:.3f} ({how}; "
            f"{cache.runs} t-SNE runs so far)"
        )
        fig = plot_embedding(
            r["points"],
            cache.labels,
            class_names=class_names,
            title=f"{layer.value} (perplexity {perp.value})",
            size=4.5,
        )
        fig.axes[0].legend(
            markerscale=3, fontsize=7, loc="center left", bbox_to_anchor=(1, 0.5)
        )
        show_in(out, fig)

    layer.observe(redraw, names="value")
    perp.observe(redraw, names="value")
    redraw()
    box = W.VBox([W.HBox([layer, perp]), readout, out])
    return attach_sweep(box, [(layer, cache.layers), (perp, options)])
