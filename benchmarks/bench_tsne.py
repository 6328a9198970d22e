"""Per-layer t-SNE of LeNet's layers on MNIST digits: times and quality, in one run.

Compares, on the same PCA-50 features of each layer (perplexity 30):

* ours, :func:`lecturelib.sections.s04_embeddings.compute.embed` with its default
  ``threads=None``: openTSNE (Poličar et al., 2019; Barnes-Hut, exact neighbours, PCA
  start) on torch's thread count (every core unless the set-up cell chose fewer);
* the same on one thread (``threads=1``: faster only when the cores are busy);
* scikit-learn's ``TSNE``, the lecture's call (PCA start, ``learning_rate="auto"``), on
  every core: the same method, for comparison.

Beside each time: the 10-NN accuracy in the embedding and its trustworthiness.

    python benchmarks/bench_tsne.py           # 5,000 digits, 5 layers
    python benchmarks/bench_tsne.py --quick   # 500 digits, 2 layers (about a minute)

Writes the Markdown table to ``benchmarks/results/tsne.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.manifold import TSNE

from lecturelib.core.data import load_mnist
from lecturelib.core.models import load_lenet
from lecturelib.sections.s04_embeddings import compute as E

DEFAULT = "ours (default): openTSNE, every core"


def _sklearn(x: np.ndarray) -> np.ndarray:
    tsne = TSNE(2, perplexity=30, init="pca", learning_rate="auto", random_state=0)
    return tsne.fit_transform(x).astype(np.float32)


def _methods() -> dict:
    return {
        DEFAULT: lambda x: E.embed(x, perplexity=30),
        "openTSNE, 1 thread": lambda x: E.embed(x, perplexity=30, threads=1),
        "scikit-learn, every core": _sklearn,
    }


def _digits(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.cat([load_mnist("test")[0], load_mnist("train")[0]])
    y = torch.cat([load_mnist("test")[1], load_mnist("train")[1]])
    return x[:n], y[:n]


def run(n: int, layers: list[str]) -> str:
    x, y = _digits(n)
    feats = E.layer_features(load_lenet(), x, layers)
    methods = _methods()
    rows, totals = [], dict.fromkeys(methods, 0.0)
    for layer in layers:
        reduced = E.reduce_dims(feats[layer])
        cells = []
        for name, method in methods.items():
            start = time.perf_counter()
            points = method(reduced)
            seconds = time.perf_counter() - start
            totals[name] += seconds
            knn = E.knn_accuracy(points, y)
            trust = E.trustworthiness(reduced, points)
            cells.append(f"{seconds:.1f} s · {knn:.3f} · {trust:.3f}")
            print(
                f"{layer:6s} {name:32s} {seconds:6.1f} s  10-NN {knn:.3f}  trust {trust:.3f}"
            )
        rows.append(
            f"| {layer} ({feats[layer].shape[1]} dims) | " + " | ".join(cells) + " |"
        )
    base = totals[DEFAULT]
    ratio = " | ".join(f"**{t:.1f} s** (×{base / t:.2f})" for t in totals.values())
    header = "| layer | " + " | ".join(methods) + " |"
    lines = [
        f"# Per-layer t-SNE, {len(y)} MNIST digits, LeNet layers (perplexity 30, PCA to 50)",
        "",
        (
            f"Machine: {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} cores (load average {os.getloadavg()[0]:.1f} when done, "
            f"{dt.date.today()}), "
            f"torch {torch.__version__}."
        ),
        "Each cell: time · 10-NN accuracy in 2D · trustworthiness (k = 10). The digits",
        "are the 1,000 held-out ones first, then LeNet's training digits (offline MNIST",
        "has 5,000 in all), so the deep layers' accuracy is partly training accuracy.",
        "",
        header,
        "|" + "---|" * (len(methods) + 1),
        *rows,
        f"| **total** (speed-up vs the default) | {ratio} |",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 digits, 2 layers")
    args = parser.parse_args()
    n, layers = (
        (500, ["input", "fc1"])
        if args.quick
        else (5000, ["input", "conv1", "conv2", "fc1", "fc2"])
    )
    table = run(n, layers)
    print(table)
    out = Path(__file__).parent / "results" / "tsne.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(table)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
