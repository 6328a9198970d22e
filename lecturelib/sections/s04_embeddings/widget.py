"""Notebook 04, slides 24-33: the widget: layer and perplexity sliders over an embedding cache.

A new embedding is drawn as t-SNE goes (every half second, ``Panel(refines=True)``),
then as it ends: the same final picture as without the partial ones.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import ipywidgets as W

from lecturelib.sections.s04_embeddings.compute import TSNE_ITERATIONS
from lecturelib.sections.s04_embeddings.embedding_cache import (
    PERPLEXITIES,
    EmbeddingCache,
)
from lecturelib.sections.s04_embeddings.plots import plot_embedding
from lecturelib.tooling.panel import EVERY, Panel

#: One t-SNE run's seconds per point before one is measured: openTSNE on 1,000 digits,
#: 2 quiet cores, 1.0-1.8 s by perplexity (5 to 100).
TSNE_SECONDS_PER_POINT = 1.5e-3
# one at a time: every layer at the perplexity shown first, every perplexity at the
# layer shown first (the last)
SWEEPS = {"embedding_widget": {"layer": EVERY, "perplexity": EVERY}}


def embedding_widget(
    cache: EmbeddingCache,
    *,
    class_names=None,
    perplexities: Sequence[float] = PERPLEXITIES,
    perplexity: float = 30,
) -> Panel:
    """A layer slider and a perplexity slider over an :class:`EmbeddingCache`.

    ``perplexity``: the first setting shown (the notebook's; the lecture's is 50).

    Returns:
        a :class:`Panel` with controls ``"layer"`` and ``"perplexity"``; the readout
        gives the k-NN accuracy, the trustworthiness and the t-SNE runs so far. A
        new t-SNE run is estimated from the last one's time (announced if long) and
        drawn as it goes ("t-SNE iteration 300 of 750"), every half second.
    """
    options = [p for p in perplexities if p < len(cache.labels)]
    pick = {"continuous_update": False}
    controls = {
        "layer": W.SelectionSlider(options=cache.layers, value=cache.layers[-1],
                                   description="layer", **pick),
        "perplexity": W.SelectionSlider(options=options, description="perplexity",
                                        value=perplexity if perplexity in options
                                        else options[0], **pick),
    }  # fmt: skip

    def runs(v: dict) -> int:  # 0 for an embedding this session has already
        return 0 if cache.has(v["layer"], v["perplexity"]) else 1

    def figure(points, title: str):
        fig = plot_embedding(points, cache.labels, class_names=class_names,
                             title=title, size=4.5)  # fmt: skip
        fig.axes[0].legend(
            markerscale=3, fontsize=7, loc="center left", bbox_to_anchor=(1, 0.5)
        )
        return fig

    def compute(v: dict, progress: bool, draw):
        layer, perp = v["layer"], v["perplexity"]
        title = f"{layer} (perplexity {perp})"

        def partial(iteration: int, points) -> None:  # as t-SNE goes
            text = (
                f"<b>{layer}</b>, perplexity {perp}: t-SNE iteration {iteration} "
                f"of {TSNE_ITERATIONS}"
            )
            draw(lambda: (figure(points, title), text))

        before, start = cache.runs, time.perf_counter()
        r = cache.get(layer, perp, on_partial=partial)  # called only when computing
        how = (
            "from the cache"  # this session's memory or the disk cache
            if cache.runs == before
            else f"computed in {time.perf_counter() - start:.1f} s"
        )
        text = (
            f"<b>{layer}</b>, perplexity {perp}: {cache.k}-NN accuracy "
            f"{r['knn']:.3f}, trustworthiness {r['trust']:.3f} ({how}; "
            f"{cache.runs} t-SNE runs so far)"
        )
        return figure(r["points"], title), text

    return Panel(
        controls,
        compute,
        cost=runs,  # until a run is measured: 1.5 ms per point
        unit_seconds=lambda: TSNE_SECONDS_PER_POINT * len(cache.labels),
        sweep=SWEEPS["embedding_widget"],
        say_cache=False,
        refines=True,
    )
