"""Notebook 03, slides 13-23: Convnet internal layer activations.

The lecture runs an image through a network and draws the output of each layer, one
grey image per channel (Zeiler & Fergus, 2014 look at the same maps with a "deconvnet").
The lecture warns that the representation is distributed, so an individual channel
usually has no clear semantic (Yosinski et al., 2015 found some that do).
:func:`compute_activations` records the layers with
:func:`lecturelib.core.hooks.record_activations` (every hook removed on exit),
:func:`channel_scores` and :func:`ranking_table` make "which image excites this channel
most" a number; :mod:`lecturelib.sections.s03_activations.plots` draws them.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch
from torch import Tensor, nn

from lecturelib.core.hooks import (
    compute_activations,
    input_channels,
    preserved_state,
    relu_bounds,
)
from lecturelib.core.validate import check_choice, check_images, check_int

__all__ = [
    "REDUCTIONS",
    "best_share",
    "channel_scores",
    "class_purity",
    "photo_activations",
    "pick_channels",
    "ranking_table",
    "relu_layers",
    "spread",
    "top_predictions",
]

REDUCTIONS = ("mean", "max")


def relu_layers(model: nn.Module) -> list[str]:
    """Names of the ReLU-like modules (``nn.ReLU``, ``nn.ReLU6``/``Hardtanh(0, ·)``)."""
    return [n for n, m in model.named_modules() if relu_bounds(m) is not None]


def spread(names: Sequence[str], k: int) -> list[str]:
    """``k`` names evenly spread through ``names``, the first and the last included."""
    k = check_int("k", k, low=1)
    if k >= len(names):
        return list(names)
    idx = np.unique(np.round(np.linspace(0, len(names) - 1, k)).astype(int))
    return [names[i] for i in idx]


def pick_channels(
    n_channels: int, k: int, *, generator: torch.Generator | None = None
) -> list[int]:
    """``k`` distinct channel indices among ``n_channels``, sorted, drawn with ``generator``."""
    n_channels = check_int("n_channels", n_channels, low=1)
    k = min(check_int("k", k, low=1), n_channels)
    return sorted(torch.randperm(n_channels, generator=generator)[:k].tolist())


@torch.no_grad()
def top_predictions(
    model: nn.Module, images: Tensor, classes: Sequence[str], *, k: int = 5
):
    """The ``k`` most probable classes of each image.

    Returns:
        a list (one per image) of ``k`` pairs (class name, softmax probability).
    """
    check_images(images, channels=input_channels(model))
    with preserved_state(model):
        probs = model(images).softmax(1).cpu()
    k = check_int("k", k, low=1, high=probs.shape[1])
    p, idx = probs.topk(k, dim=1)
    return [
        [(classes[j], float(q)) for q, j in zip(pr, ix.tolist())]
        for pr, ix in zip(p, idx)
    ]


def channel_scores(
    model: nn.Module,
    images: Tensor,
    layer: str,
    *,
    reduce: str = "mean",
    batch_size: int = 256,
) -> Tensor:
    """How much each channel of ``layer`` is excited by each image.

    Args:
        images: (N, C, H, W).
        reduce: "mean" (average over positions) or "max" (strongest position).
    Returns:
        (channels, N) scores on the CPU; a fully connected layer's units are channels.
    """
    check_choice("reduce", reduce, REDUCTIONS)
    act = compute_activations(model, images, layer, batch_size=batch_size)[layer]
    flat = act.flatten(2) if act.dim() > 2 else act.unsqueeze(2)
    score = flat.mean(2) if reduce == "mean" else flat.amax(2)
    return score.t().float().cpu()


def ranking_table(scores: Tensor, names: Sequence[str], *, channels=None, top: int = 3):
    """A table: for each channel, the ``top`` images that excite it most, with scores.

    Args:
        scores: (channels, N) from :func:`channel_scores`; names: N image names.
        channels: channel indices to list (all if None).
    Returns:
        ``pandas.DataFrame`` indexed by channel, columns "1st", "2nd", … holding
        "name (score)", and "spread" = best − worst score.
    """

    if scores.dim() != 2 or scores.shape[1] != len(names):
        raise ValueError(
            f"scores must be (channels, {len(names)}) for {len(names)} names; got {tuple(scores.shape)}"
        )
    top = min(check_int("top", top, low=1), len(names))
    channels = range(len(scores)) if channels is None else channels
    rows = {}
    for c in channels:
        c = check_int("channel", int(c), low=0, high=len(scores) - 1)
        order = scores[c].argsort(descending=True)[:top].tolist()
        rows[c] = {
            _ordinal(r): f"{names[i]} ({scores[c, i]:.2f})" for r, i in enumerate(order)
        }
        rows[c]["spread"] = round(float(scores[c].max() - scores[c].min()), 3)
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("channel")


def best_share(scores: Tensor) -> Tensor:
    """Selectivity of each channel: the share of its total response taken by its best image.

    Args:
        scores: (channels, N) non-negative scores (after a ReLU) from :func:`channel_scores`.
    Returns:
        (channels,) in [1/N, 1]: 1/N when all images excite the channel equally, 1 when a
        single one does; NaN for a channel that no image excites.
    """
    if scores.dim() != 2 or (scores < 0).any():
        raise ValueError("scores must be a (channels, N) tensor of non-negative scores")
    total = scores.sum(1)
    return torch.where(total > 0, scores.amax(1) / total.clamp_min(1e-12), torch.nan)


def class_purity(scores: Tensor, labels: Tensor, *, top: int = 10) -> Tensor:
    """Fraction of each channel's ``top`` most exciting images that share one class.

    Args:
        scores: (channels, N); labels: (N,) integer classes.
    Returns:
        (channels,) in [1/top, 1]: 1 when the channel's ``top`` images are all of one
        class. NaN for a channel that fewer than ``top`` images excite above its
        minimum (a dead ReLU unit): its "top" images would be ties in data order.
    """
    if scores.dim() != 2 or labels.shape != (scores.shape[1],):
        raise ValueError(
            f"labels must be ({scores.shape[-1]},) for scores {tuple(scores.shape)}"
        )
    top = check_int("top", top, low=1, high=scores.shape[1])
    values, order = scores.sort(1, descending=True)
    best = labels.cpu()[order[:, :top]]
    counts = torch.stack(
        [torch.bincount(row, minlength=int(labels.max()) + 1).amax() for row in best]
    )
    excited = values[:, top - 1] > values[:, -1]
    return torch.where(excited, counts.float() / top, torch.nan)


def _ordinal(r: int) -> str:
    return {0: "1st", 1: "2nd", 2: "3rd"}.get(r, f"{r + 1}th")


def photo_activations(model: nn.Module, x: Tensor, names, classes, k: int = 5):
    """Activations of ``names`` and the top-``k`` predictions for one photo ``x``.

    Returns ``(activations, [(class, probability), ...])`` (notebook 03's widget).
    """
    acts = compute_activations(model, x, names)
    return acts, [tuple(p) for p in top_predictions(model, x, classes, k=k)[0]]
