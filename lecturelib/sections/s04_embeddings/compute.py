"""Notebook 04, slides 24-33: Layers as embeddings.

Each layer maps an input to a vector; the lecture embeds these vectors in 2D with
t-SNE (van der Maaten & Hinton, 2008) and colours them by class: the classes, tangled
in the input space, come apart with depth. :func:`embed` runs openTSNE (Poličar et al.,
2019): the method of the lecture's ``sklearn.manifold.TSNE`` (Barnes-Hut gradients, a
PCA start, early exaggeration), faster, and it shows its progress. Here the picture
comes with numbers: :func:`knn_accuracy` (leave-one-out k-NN accuracy in the 2D
embedding) and :func:`trustworthiness` (Venna & Kaski, 2001: are the 2D neighbours
true neighbours?).
:mod:`lecturelib.sections.s04_embeddings.plots` draws them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence

import numpy as np
import torch
from openTSNE import TSNE
from sklearn.datasets import make_swiss_roll
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness as sk_trust
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits
from torch import Tensor, nn

from lecturelib.core.hooks import recorded_batches
from lecturelib.core.plot import to_numpy
from lecturelib.core.validate import check_finite, check_int

__all__ = [
    "INPUT",
    "TSNE_ITERATIONS",
    "compute_layer_embedding",
    "embed",
    "knn_accuracy",
    "layer_features",
    "reduce_dims",
    "swiss_roll",
    "trustworthiness",
]

INPUT = "input"  # the pseudo-layer name of the images themselves
EARLY_ITERATIONS = 250  # openTSNE's defaults: 250 with exaggeration 12, then 500
#: Gradient steps of one :func:`embed` run (what ``on_partial`` counts up to).
TSNE_ITERATIONS = EARLY_ITERATIONS + 500
PARTIAL_EVERY = 25  # iterations between two calls of ``on_partial``


@torch.no_grad()
def layer_features(
    model: nn.Module,
    images: Tensor,
    layers: str | Sequence[str],
    *,
    batch_size: int = 250,
) -> dict[str, Tensor]:
    """Each layer's output, flattened to one vector per image.

    Args:
        images: (N, C, H, W) on the model's device (the batches stay there; each
            batch's outputs are moved to the CPU).
        layers: layer names (``lecturelib.core.hooks.layer_names(model)``), and/or
            ``"input"`` for the flattened images.
    Returns:
        dict layer → (N, D) float32 CPU tensor, in the order of ``layers``.
    """
    names = [layers] if isinstance(layers, str) else list(layers)
    hooked = [n for n in names if n != INPUT]
    parts: dict[str, list[Tensor]] = {n: [] for n in names}
    batches = recorded_batches(model, images, hooked, batch_size=batch_size)
    for x, acts in batches:
        for name in names:
            out = x if name == INPUT else acts[name]
            parts[name].append(out.flatten(1).float().cpu())
    return {n: torch.cat(p) for n, p in parts.items()}


def _as_array(features, name: str = "features") -> np.ndarray:
    a = to_numpy(features).astype(np.float32, copy=False)
    if a.ndim != 2:
        raise ValueError(f"{name} must be (N, D); got shape {a.shape}")
    check_finite(name, torch.from_numpy(a))
    return a


def _threads(threads: int | None):
    """Limit the OpenMP/BLAS threads (scikit-learn, openTSNE) for a block (None: no limit)."""
    if threads is None:
        return contextlib.nullcontext()

    return threadpool_limits(check_int("threads", threads, low=1))


def reduce_dims(
    features, *, pca_dims: int = 50, seed: int = 0, threads: int | None = None
) -> np.ndarray:
    """PCA to ``pca_dims`` dimensions when ``features`` has more (as t-SNE is usually run).

    Returns:
        (N, min(D, pca_dims)) float32 array.
    """
    x = _as_array(features)
    pca_dims = check_int("pca_dims", pca_dims, low=2)
    if x.shape[1] <= pca_dims or x.shape[0] <= pca_dims:
        return x

    with _threads(threads):
        pca = PCA(pca_dims, random_state=seed, svd_solver="randomized")
        return pca.fit_transform(x).astype(np.float32)


class _Partial:
    """openTSNE's callback: ``on_partial(iteration, points)``, iterations counted over
    both phases (openTSNE counts each phase from 1), never stopping the run."""

    def __init__(self, on_partial: Callable[[int, np.ndarray], None]):
        self.on_partial, self.phases, self.offset = on_partial, 0, 0

    def optimization_about_to_start(self) -> None:  # openTSNE calls it per phase
        self.offset = EARLY_ITERATIONS if self.phases else 0
        self.phases += 1

    def __call__(self, iteration: int, error: float, embedding) -> bool:
        points = np.array(embedding, dtype=np.float32)  # a copy: the run goes on
        self.on_partial(self.offset + iteration, points)
        return False  # go on


def embed(
    features,
    *,
    perplexity: float = 30.0,
    n_components: int = 2,
    pca_dims: int = 50,
    seed: int = 0,
    threads: int | None = None,
    on_partial: Callable[[int, np.ndarray], None] | None = None,
) -> np.ndarray:
    """t-SNE embedding of ``features`` (openTSNE), PCA first when D is larger.

    The method of the lecture's ``sklearn.manifold.TSNE`` (van der Maaten's t-SNE with
    Barnes-Hut gradients, a PCA start, ``learning_rate="auto"``, early exaggeration
    12), computed by openTSNE: exact nearest neighbours, :data:`TSNE_ITERATIONS`
    gradient steps (250 exaggerated, then 500).

    Args:
        features: (N, D) tensor or array.
        perplexity: effective number of neighbours, in (0, N). The lecture calls
            ``TSNE(n_components=2, perplexity=50)``; 30 here by default (lighter).
        n_components: 2 (or 3).
        pca_dims: dimensions kept by the PCA run first (see :func:`reduce_dims`).
        seed: t-SNE's random state (same seed, same embedding).
        threads: threads of openTSNE and of the PCA's BLAS; None (the default): the
            count lecturelib set up (``torch.get_num_threads()``, see
            :mod:`lecturelib.core.threads`). The embedding is the same for any count
            (bit for bit, checked in ``tests/test_embeddings.py``).
        on_partial: called every 25 iterations with ``(iteration, points)``:
            iteration 25, 50, …, :data:`TSNE_ITERATIONS` (counted over both phases),
            ``points`` a copy of the current (N, n_components) float32 embedding; to
            draw as it goes. Its return value is ignored: it never changes the result.
    Returns:
        (N, n_components) float32 array.
    """

    x = _as_array(features)
    n = len(x)
    if isinstance(perplexity, bool) or not isinstance(perplexity, (int, float)):
        raise TypeError(f"perplexity must be a number; got {type(perplexity).__name__}")
    if not 0 < perplexity < n:
        raise ValueError(
            f"perplexity must be in (0, {n}) (below the number of samples, {n}); got {perplexity}"
        )
    n_components = check_int("n_components", n_components, low=1, high=3)
    if on_partial is not None and not callable(on_partial):
        raise TypeError(f"on_partial must be callable or None; got {on_partial!r}")
    jobs = torch.get_num_threads() if threads is None else threads
    x = reduce_dims(x, pca_dims=pca_dims, seed=seed, threads=threads)
    tsne = TSNE(
        n_components,
        perplexity=float(perplexity),
        early_exaggeration_iter=EARLY_ITERATIONS,
        n_iter=TSNE_ITERATIONS - EARLY_ITERATIONS,
        initialization="pca",
        learning_rate="auto",
        neighbors="exact",  # deterministic (the approximate ones draw at random)
        negative_gradient_method="bh",  # the FFT one: 5-15x slower on 1,000 points
        n_jobs=check_int("threads", jobs, low=1),
        callbacks=None if on_partial is None else _Partial(on_partial),
        callbacks_every_iters=PARTIAL_EVERY,
        random_state=seed,
        verbose=False,
    )
    with _threads(threads):
        return np.asarray(tsne.fit(x), dtype=np.float32)


def knn_accuracy(points, labels, k: int = 10) -> float:
    """Leave-one-out k-NN accuracy: each point voted by its ``k`` nearest other points.

    Args:
        points: (N, d); labels: (N,) integer classes.
    Returns:
        Fraction of points whose majority label among their k nearest neighbours (the
        point itself excluded; ties go to the smallest label) is their own label.
    """

    x = _as_array(points, "points")
    y = to_numpy(labels).astype(np.int64).ravel()
    if len(y) != len(x):
        raise ValueError(
            f"labels must have one entry per point ({len(x)}); got {len(y)}"
        )
    k = check_int("k", k, low=1, high=len(x) - 1)
    _, idx = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x)
    neigh = np.stack([row[row != i][:k] for i, row in enumerate(idx)])
    votes = np.apply_along_axis(np.bincount, 1, y[neigh], minlength=int(y.max()) + 1)
    return float((votes.argmax(1) == y).mean())


def trustworthiness(
    features,
    points,
    *,
    n_neighbors: int = 10,
    pca_dims: int = 50,
    seed: int = 0,
    threads: int | None = None,
) -> float:
    """``sklearn.manifold.trustworthiness`` of ``points`` w.r.t. ``features`` (PCA-reduced).

    1 when every point's ``n_neighbors`` nearest neighbours in the embedding are among
    its nearest in the (PCA-reduced, as t-SNE saw them) features; lower otherwise.
    """

    x = reduce_dims(features, pca_dims=pca_dims, seed=seed, threads=threads)
    with _threads(threads):
        return float(sk_trust(x, _as_array(points, "points"), n_neighbors=n_neighbors))


def compute_layer_embedding(
    features,
    labels,
    *,
    perplexity: float = 30.0,
    k: int = 10,
    pca_dims: int = 50,
    seed: int = 0,
    threads: int | None = None,
    on_partial: Callable[[int, np.ndarray], None] | None = None,
) -> dict:
    """t-SNE of one layer's features and its quality numbers.

    Args:
        features: (N, D), PCA-reduced to ``pca_dims`` first when D is larger
            (features reduced already, as
            :class:`~lecturelib.sections.s04_embeddings.embedding_cache.EmbeddingCache` passes them, are used
            as they are).
        labels: (N,) classes, for the k-NN accuracy.
        on_partial: ``(iteration, points)`` as t-SNE goes (see :func:`embed`).
    Returns:
        ``{"points": (N, 2) float32 array, "knn": k-NN accuracy, "trust":
        trustworthiness}`` (see :func:`embed`, :func:`knn_accuracy`,
        :func:`trustworthiness`).
    """
    x = reduce_dims(features, pca_dims=pca_dims, seed=seed, threads=threads)
    points = embed(
        x,
        perplexity=perplexity,
        pca_dims=pca_dims,
        seed=seed,
        threads=threads,
        on_partial=on_partial,
    )
    labels = to_numpy(labels).astype(np.int64)
    return {
        "points": points,
        "knn": knn_accuracy(points, labels, k),
        "trust": trustworthiness(x, points, n_neighbors=k, threads=threads),
    }


def swiss_roll(n: int = 1000, *, noise_std: float = 1.0, seed: int = 0):
    """The swiss roll (``sklearn.datasets.make_swiss_roll``) plus one noise dimension.

    Returns:
        ``(x, t, intrinsic)``: x (n, 4) float32 — the 3D roll and a 4th coordinate of
        Gaussian noise (std ``noise_std``); t (n,) the position along the roll (for
        colours); intrinsic (n, 2) = (t, height), the roll's unrolled coordinates.
    """

    n = check_int("n", n, low=10)
    x3, t = make_swiss_roll(n, random_state=seed)
    noise = np.random.default_rng(seed).normal(0, noise_std, (n, 1))
    x = np.hstack([x3, noise]).astype(np.float32)
    return x, t.astype(np.float32), np.stack([t, x3[:, 1]], 1).astype(np.float32)
