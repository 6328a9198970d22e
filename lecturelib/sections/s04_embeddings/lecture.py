"""Notebook 04, slides 24-33: the settings (t-SNE's points, perplexity) and the closing table.

The lecture calls ``TSNE(n_components=2, perplexity=50)``: the ``lecture`` profile, with
5,000 points per picture (the lecture does not say how many its pictures hold). The
``light`` profile: perplexity 30 (fewer neighbours per point: faster) on 1,000 points.
t-SNE is CPU work on any machine (openTSNE here, ``runs_on="cpu"``): ``auto`` keeps it
light on a GPU machine too; ``LECTURELIB_SETTINGS=lecture`` asks for the lecture's.
"""

from __future__ import annotations

import pandas as pd
import torch

from lecturelib.core.settings import Setting, Settings, load_settings

__all__ = ["SETTINGS", "lecture_table", "settings"]

SETTINGS = {
    "n_points": Setting(
        lecture=5000, light=1000, runs_on="cpu", doc="points per t-SNE picture"
    ),
    "perplexity": Setting(
        lecture=50, light=30, runs_on="cpu", doc="t-SNE perplexity (the lecture: 50)"
    ),
}


def settings(
    device: torch.device | str | None = None, *, profile: str | None = None
) -> Settings:
    """Notebook 04's settings for ``profile`` (default ``LECTURELIB_SETTINGS``) on ``device``."""
    return load_settings(SETTINGS, device, profile=profile)


def lecture_table(
    *, perplexity: float, n_points: int, roll_trust, lenet, resnet=None
):  # fmt: skip
    """Notebook 04's closing table: the lecture's numbers next to this run's.

    Args:
        perplexity: the t-SNE perplexity used; n_points: points per picture.
        roll_trust: ``(t-SNE, PCA)`` trustworthiness on the swiss roll's sheet.
        lenet: ``{"results": {layer: {"knn", "trust"}}, "dims": {layer: D}}``.
        resnet: the same plus ``"depth"``, ``"n_train"``, ``"accuracy"``; None when
            CIFAR-10 is not at hand.
    Returns:
        ``pandas.DataFrame`` with columns "lecture" and "here".
    """

    def knn(results: dict) -> str:
        return ", ".join(f"{k} {r['knn']:.2f}" for k, r in results.items())

    rows = [
        ("t-SNE call", "TSNE(n_components=2, perplexity=50) (scikit-learn)",
         (f"the same t-SNE (Barnes-Hut) by openTSNE: perplexity {perplexity:g}, "
         f"PCA start, learning_rate='auto', after a PCA to 50 dimensions; "
         f"{n_points} points")),
        ("swiss roll with one noise dimension: t-SNE unrolls it (picture)", "—",
         f"trustworthiness t-SNE {roll_trust[0]:.2f} vs PCA {roll_trust[1]:.2f}"),
        ("a MNIST sample in LeNet: dimensions", "784 to up to 18k",
         f"{lenet['dims']['input']:,} to up to {max(lenet['dims'].values()):,}"),
        ("LeNet layers shown", "input, #1, #4, #7, #9",
         ", ".join(lenet["results"])),
        ("LeNet: classes separate with depth (picture)", "—",
         f"10-NN accuracy in 2D: {knn(lenet['results'])}"),
    ]  # fmt: skip
    if resnet is not None:
        rows += [
            ("CIFAR-10 network", "home-baked resnet, no pooling, 66 layers",
             (f"ResNetNoPool, depth {resnet['depth']}, trained on {resnet['n_train']:,} "
             f"images, test accuracy {resnet['accuracy']:.0%}")),
            ("ResNet layers shown", "input, #5, #10, …, #30, #31, …, #37",
             ", ".join(resnet["results"])),
            ("ResNet: classes separate with depth (picture)", "—",
             f"10-NN accuracy in 2D: {knn(resnet['results'])}"),
        ]  # fmt: skip
    return pd.DataFrame(rows, columns=["", "lecture", "here"]).set_index("")
