"""Notebook 04, slides 24-33: The t-SNE results of notebook 04's layers, each computed once (memory and disk).

:class:`EmbeddingCache` keeps :func:`lecturelib.sections.s04_embeddings.compute.compute_layer_embedding`'s
results per layer and perplexity, in memory and in the result cache
(:mod:`lecturelib.tooling.cache`): the notebook's figures, its widget and ``make precompute``
share them. The section module :mod:`lecturelib.sections.s04_embeddings.compute` holds the computations.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from torch import Tensor
from tqdm.auto import tqdm

from lecturelib.core.plot import to_numpy
from lecturelib.sections.s04_embeddings.compute import (
    compute_layer_embedding,
    reduce_dims,
)
from lecturelib.tooling.cache import cache_watch, cached

__all__ = ["PERPLEXITIES", "EmbeddingCache"]

#: The perplexities the widget offers and :meth:`EmbeddingCache.by_perplexity` shows
#: (the lecture's is 50).
PERPLEXITIES = (5, 10, 30, 50, 100)


class EmbeddingCache:
    """t-SNE embeddings of several layers and their quality, each computed once.

    Moving a layer or perplexity slider back to a setting already seen is instant:
    results are kept in memory and in the disk cache (:mod:`lecturelib.tooling.cache`), so a
    setting computed in an earlier session (or by ``make precompute``) is not redone.

    Args:
        features: dict layer → (N, D) from :func:`layer_features`; labels: (N,) classes.
        k: neighbours of :func:`knn_accuracy` and :func:`trustworthiness`.
    Attributes:
        runs: number of t-SNE runs made so far.
    """

    def __init__(
        self,
        features: dict[str, Tensor],
        labels,
        *,
        k: int = 10,
        pca_dims: int = 50,
        seed: int = 0,
        threads: int | None = None,
    ):
        if not features:
            raise ValueError("features must hold at least one layer")
        sizes = {len(f) for f in features.values()} | {len(labels)}
        if len(sizes) != 1:
            raise ValueError(
                f"every layer's features and labels must have the same N; got {sorted(sizes)}"
            )
        self.features, self.labels = dict(features), to_numpy(labels).astype(np.int64)
        self.k, self.pca_dims, self.seed, self.threads = k, pca_dims, seed, threads
        self._reduced: dict[str, np.ndarray] = {}
        self._store: dict[tuple[str, float], dict] = {}
        self.runs = 0

    @property
    def layers(self) -> list[str]:
        return list(self.features)

    def has(self, layer: str, perplexity: float = 30.0) -> bool:
        """Whether :meth:`get` has this embedding already in this session (no run)."""
        return (layer, float(perplexity)) in self._store

    def get(
        self,
        layer: str,
        perplexity: float = 30.0,
        *,
        on_partial: Callable[[int, np.ndarray], None] | None = None,
    ) -> dict:
        """``{"points": (N, 2), "knn": float, "trust": float}`` for one layer and perplexity.

        ``on_partial``: ``(iteration, points)`` while a new embedding is computed
        (:func:`~lecturelib.sections.s04_embeddings.compute.embed`); not called for
        one found in memory or on disk. It never changes the result (nor its key).
        """
        if layer not in self.features:
            raise ValueError(
                f"layer {layer!r} has no features here; valid: {', '.join(self.layers)}"
            )
        key = (layer, float(perplexity))
        if key not in self._store:
            if layer not in self._reduced:  # one PCA per layer, for every perplexity
                self._reduced[layer] = reduce_dims(
                    self.features[layer],
                    pca_dims=self.pca_dims,
                    seed=self.seed,
                    threads=self.threads,
                )
            # seen before, even in another session: on disk
            with cache_watch() as watch:
                self._store[key] = cached(  # keyed by the small PCA-reduced features
                    compute_layer_embedding,
                    self._reduced[layer],
                    self.labels,
                    perplexity=float(perplexity),
                    k=self.k,
                    pca_dims=self.pca_dims,
                    seed=self.seed,
                    threads=self.threads,
                    on_partial=on_partial,  # never keyed (cache.NEVER_KEYED)
                )
            if not watch.from_cache:
                self.runs += 1
        return self._store[key]

    def compute(
        self, layers: Sequence[str] | None = None, perplexity: float = 30.0
    ) -> dict[str, dict]:
        """:meth:`get` for several layers (all by default), with a progress bar."""
        names = self.layers if layers is None else list(layers)
        return {
            n: self.get(n, perplexity)
            for n in tqdm(names, desc=f"t-SNE (perplexity {perplexity:g})")
        }

    def by_perplexity(
        self, layer: str, perplexities: Sequence[float] = PERPLEXITIES
    ) -> dict[str, dict]:
        """:meth:`get` for one layer at several perplexities (those below N), labelled
        ``"<layer>, perplexity p"``, with a progress bar: the widget's perplexity
        slider side by side (its moves then find them here)."""
        values = [p for p in perplexities if 0 < p < len(self.labels)]
        return {
            f"{layer}, perplexity {p:g}": self.get(layer, p)
            for p in tqdm(values, desc=f"t-SNE ({layer})")
        }

    def table(self, perplexity: float = 30.0):
        """``pandas.DataFrame``: k-NN accuracy and trustworthiness per computed layer."""
        rows = {
            n: {
                "dims": self.features[n].shape[1],
                f"{self.k}-NN accuracy": r["knn"],
                "trustworthiness": r["trust"],
            }
            for (n, p), r in self._store.items()
            if p == float(perplexity)
        }
        return (
            pd.DataFrame.from_dict(rows, orient="index").rename_axis("layer").round(3)
        )
