"""Notebook 04, slides 24-33: the exercises' checks (no answers: they measure the
swiss roll's neighbours, or run the student's trustworthiness on point clouds drawn
here against ``sklearn.manifold.trustworthiness``)."""

from __future__ import annotations

import functools

import numpy as np
import torch
from sklearn.decomposition import PCA
from sklearn.manifold import trustworthiness as sk_trustworthiness
from sklearn.neighbors import NearestNeighbors

from lecturelib.sections.s04_embeddings.compute import swiss_roll
from lecturelib.tooling.exercise_helpers import number, within
from lecturelib.tooling.exercises import Question

__all__ = ["QUESTIONS", "kept_neighbours"]


def _neighbours(points: np.ndarray, k: int) -> np.ndarray:
    """(N, k) indices of each point's k nearest other points."""
    return NearestNeighbors(n_neighbors=k + 1).fit(points).kneighbors(points)[1][:, 1:]


@functools.cache
def kept_neighbours(view: str = "pca", k: int = 10) -> float:
    """On the notebook's swiss roll (1,000 points, seed 0): how many of each point's
    ``k`` nearest neighbours on the unrolled sheet are among its ``k`` nearest in
    ``view`` ("pca": the PCA to 2D; "roll": the 4-D roll itself), on average."""
    roll, _, sheet = swiss_roll(1000, seed=0)
    seen = PCA(2).fit_transform(roll) if view == "pca" else roll
    true, near = _neighbours(sheet, k), _neighbours(seen, k)
    return float(np.mean([len(set(a) & set(b)) for a, b in zip(true, near)]))


def _q1(q1_kept) -> str | None:
    return within(q1_kept, kept_neighbours("pca"), abs_=1.25)


@functools.cache
def _pca_trustworthiness(k: int = 10) -> float:
    roll, _, sheet = swiss_roll(1000, seed=0)
    return float(sk_trustworthiness(sheet, PCA(2).fit_transform(roll), n_neighbors=k))


def _q1_reveal(q1_kept) -> str:
    return (
        f"Measured {kept_neighbours('pca'):.1f} of 10 after PCA (in the 4-D roll itself "
        f"already only {kept_neighbours('roll'):.1f}: the noise dimension and the turns "
        "mix neighbourhoods). The same PCA's trustworthiness is "
        f"{_pca_trustworthiness():.2f}: it only penalises a false neighbour by how far "
        "down the true ranking it comes."
    )


def _cloud(seed: int):
    """A point cloud and a distorted 2-D view of it, with a neighbourhood size."""
    gen = torch.Generator().manual_seed(seed)
    n, d, k = 40 + 7 * (seed % 5), 3 + seed % 4, 3 + seed % 5
    x = torch.randn(n, d, generator=gen, dtype=torch.float64)
    y = x[:, :2] + 0.7 * torch.randn(n, 2, generator=gen, dtype=torch.float64)
    return x, y, k


def _q2(trust) -> str | None:
    for seed in (3, 14, 29):  # sizes, dimensions and k the notebook never shows
        x, y, k = _cloud(seed)
        got = number(trust(x.clone(), y.clone(), k))
        if got is None:
            return "Your function must return one number (a float) on every case."
        expected = sk_trustworthiness(x.numpy(), y.numpy(), n_neighbors=k)
        if abs(got - expected) > 1e-6:
            return "A number, but not the trustworthiness of a test case (drawn with another seed)."
    return None


QUESTIONS = {
    "q1": Question(
        names=("q1_kept",),
        kind="predict",
        check=_q1,
        reveal=_q1_reveal,
        hints=(
            (
                "PCA keeps the two directions of largest variance of the 4-D points. Which are they "
                "for a roll about 20 units across, 20 high, with turns about 5 apart?"
            ),
            (
                "Points on different turns of the roll, or at different heights, can land on the same "
                "spot of the 2-D projection: they become false neighbours and push the true ones out."
            ),
            (
                "The answer is a count between 0 and 10; the notebook's trustworthiness is a different "
                "(rank-weighted) score, not this count divided by 10."
            ),
        ),
    ),
    "q2": Question(
        names=("trust",),
        kind="code",
        check=_q2,
        hints=(
            (
                "Rank every point's neighbours in the ORIGINAL space: the nearest other point has "
                "rank 1 (the point itself is not its own neighbour)."
            ),
            (
                "For each point, look at its k nearest in the EMBEDDING; each one that is not among "
                "its k nearest in the original space costs (its original rank − k)."
            ),
            "Sum those costs over all points and scale: T = 1 − 2 / (n k (2n − 3k − 1)) × sum.",
        ),
    ),
}
