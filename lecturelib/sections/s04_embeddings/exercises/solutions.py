"""Notebook 04's exercises: reference answers, blank answers and the checks' predicates."""

from __future__ import annotations

import numpy as np

from lecturelib.sections.s04_embeddings.compute import knn_accuracy


def _blank(*args, **kwargs):
    """An untouched function stub: its body is ``...``, so it returns None."""


def reference_knn_acc(points, labels, k):
    """q2: leave-one-out k-NN accuracy, by brute-force distances."""
    x = np.asarray(points, dtype=np.float64)
    y = np.asarray(labels).astype(np.int64)
    d = ((x[:, None] - x[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)  # a point is not its own neighbour
    near = np.argsort(d, axis=1)[:, :k]
    votes = np.array([np.bincount(y[row]).argmax() for row in near])
    return float((votes == y).mean())


BLANKS = {"q1": {"tsne_input_dims": ...}, "q2": {"knn_acc": _blank}}


def reference(question: str) -> dict:
    """The names a check reads, answered."""
    answers = {
        "q1": {"tsne_input_dims": 50},  # E.embed: PCA to pca_dims=50 first
        "q2": {"knn_acc": reference_knn_acc},
    }
    return dict(answers[question])


def q1_ok(tsne_input_dims) -> bool:
    """50: ``E.embed`` reduces to ``pca_dims=50`` dimensions with a PCA first."""
    return not isinstance(tsne_input_dims, bool) and tsne_input_dims in (50, 50.0)


def q2_ok(knn_acc) -> bool:
    """The student's ``knn_acc`` agrees with ``E.knn_accuracy`` (2 classes, odd k)."""
    try:
        rng = np.random.default_rng(4)
        labels = rng.integers(0, 2, 150)
        points = rng.normal(size=(150, 2)) + 1.5 * labels[:, None]
        for k in (1, 5, 9):
            got = float(knn_acc(points, labels, k))
            if abs(got - knn_accuracy(points, labels, k)) > 1e-9:
                return False
        return True
    except Exception:  # noqa: BLE001 - a student's answer may raise anything: "not yet"
        return False
