"""Figures of the sanity checks and of deletion/insertion (notebooks 05–07).

* :func:`plot_cascade` — Adebayo et al.'s figure: rows = methods, columns = the
  trained model, then more and more layers randomised (output first).
* :func:`plot_similarity` — similarity to the trained model's map against the number
  of randomised layers, one line per method (Spearman of |maps|, and SSIM).
* :func:`plot_curves` — mean deletion and insertion curves per method, with the AUCs.
"""

from __future__ import annotations

import numpy as np
import torch
from matplotlib.figure import Figure

from lecturelib.core.plot import as_shown, new_figure, show_image, show_map, to_numpy
from lecturelib.explain.faithfulness import Curve
from lecturelib.explain.sanity import Cascade

__all__ = ["plot_cascade", "plot_curves", "plot_similarity", "sanity_summary"]


def _column_title(cascade: Cascade, s: int) -> str:
    count = cascade.counts[s]
    if count == 0:
        return "trained"
    if count == len(cascade.layers):
        return f"all {count} layers\nrandom"
    name = cascade.layers[count - 1]
    short = name if len(name) <= 14 else "…" + name[-13:]
    return f"{count} random\n(to {short})"


def plot_cascade(
    cascades: dict[str, Cascade],
    *,
    index: int = 0,
    image=None,
    to_display=None,
    size: float = 1.6,
    clip: float = 0.99,
) -> Figure:
    """Maps of image ``index``: one row per method, one column per randomised state.

    Each map is |map| scaled to its own ``clip`` quantile (as the notebooks show
    them); ``image`` (C, H, W), a model input shown through ``to_display``
    (:func:`lecturelib.core.plot.as_shown`), if given, fills a first column.
    """
    first = next(iter(cascades.values()))
    extra = image is not None
    fig, axes = new_figure(len(cascades), len(first.counts) + extra, size=size)
    for r, (name, cascade) in enumerate(cascades.items()):
        if extra:
            shown = as_shown(image, to_display)
            show_image(axes[r, 0], shown, normalize=False, title="image" * (r == 0))
        for s, maps in enumerate(cascade.maps):
            m = maps[index].abs().float()
            top = float(np.quantile(to_numpy(m), clip)) or 1.0
            ax = axes[r, s + extra]
            show_map(ax, (m / top).clamp(0, 1))
            if r == 0:
                ax.set_title(_column_title(cascade, s), fontsize=7)
            if s == 0:
                ax.set_axis_on()
                ax.set_xticks([])
                ax.set_yticks([])
                ax.set_ylabel(name)
    return fig


def plot_similarity(cascades: dict[str, Cascade], *, size: float = 3.4) -> Figure:
    """Mean (over images) similarity to the trained map against randomised layers."""
    fig, axes = new_figure(1, 2, size=size)
    for ax, measure in zip(axes[0], ("spearman", "ssim")):
        for name, cascade in cascades.items():
            values = np.nanmean(to_numpy(getattr(cascade, measure)), axis=1)
            ax.plot(cascade.counts, values, "o-", label=name)
        ax.set_xscale("symlog", linthresh=1)
        ax.set_xticks(cascade.counts, [str(c) for c in cascade.counts])
        ax.set_xlabel("layers randomised (from the output)")
        ax.set_ylabel("Spearman ρ of |maps|" if measure == "spearman" else "SSIM")
        ax.axhline(0, color="grey", lw=0.5)
        ax.set_ylim(-0.2, 1.05)
        ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8)
    return fig


def plot_curves(
    curves: dict[str, tuple[Curve, Curve]], *, size: float = 3.4, title: str = ""
) -> Figure:
    """Mean deletion (left) and insertion (right) curves, the mean AUC in the legend."""
    fig, axes = new_figure(1, 2, size=size)
    for name, pair in curves.items():
        for ax, curve in zip(axes[0], pair):
            mean = to_numpy(curve.scores).mean(0)
            label = f"{name} (AUC {float(curve.auc.mean()):.3f})"
            ax.plot(to_numpy(curve.fractions), mean, label=label)
    for ax, kind in zip(axes[0], ("deletion (lower is better)", "insertion (higher)")):
        ax.set_title(f"{title}{': ' if title else ''}{kind}")
        ax.set_xlabel("fraction of pixels changed")
        ax.set_ylabel("score of the class")
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    return fig


def sanity_summary(
    cascades: dict[str, Cascade],
    *,
    image=None,
    index: int = 0,
    to_display=None,
    size: float = 1.6,
) -> tuple[tuple[Figure, Figure], dict[str, torch.Tensor], str]:
    """Notebooks 06-07's sanity check at a glance: the pictures, ρ and one line per method.

    Args:
        cascades: ``compute_cascades``'s result; image, index, to_display, size: as
            :func:`plot_cascade`'s.
    Returns:
        ``(plot_cascade's figure, plot_similarity's figure)``, ``{method: mean Spearman
        ρ over the images, one per randomised state}`` and the text to print: the layers
        randomised, then each method's ρ.
    """
    first = next(iter(cascades.values()))
    layers, counts = first.layers, first.counts
    figures = (
        plot_cascade(
            cascades, image=image, index=index, to_display=to_display, size=size
        ),
        plot_similarity(cascades),
    )
    rho = {m: c.spearman.mean(1) for m, c in cascades.items()}
    width = max(len(m) for m in cascades)
    lines = [
        f"{len(layers)} layers with weights, output first: {layers[:3]} … {layers[-2:]}"
    ] + [
        f"{m:>{width}}: Spearman ρ with {counts} layers random: "
        f"{[round(v, 2) for v in r.tolist()]}"
        for m, r in rho.items()
    ]
    return figures, rho, "\n".join(lines)
