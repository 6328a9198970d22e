"""Plots shared by the notebooks: image grids, signed and unsigned maps, overlays.

One colour convention everywhere: signed maps (gradients, filters) use
:data:`SIGNED_CMAP`, centred on zero (red positive, blue negative); unsigned maps
(magnitudes, sensitivities, activations) use :data:`UNSIGNED_CMAP`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.figure import Figure

__all__ = [
    "SIGNED_CMAP",
    "UNSIGNED_CMAP",
    "as_shown",
    "image_array",
    "image_grid",
    "new_figure",
    "overlay_heatmap",
    "plot_optimized",
    "show_image",
    "show_map",
    "to_numpy",
]

SIGNED_CMAP = "RdBu_r"
UNSIGNED_CMAP = "inferno"


def to_numpy(x) -> np.ndarray:
    """A tensor (any device, with or without grad) or array → NumPy array."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().float().numpy()
    return np.asarray(x)


def image_array(image, *, normalize: bool = True) -> np.ndarray:
    """(C, H, W) or (H, W) → (H, W, 3) or (H, W) array, scaled to [0, 1] if ``normalize``.

    Per-image min–max scaling, as the lecture displays filters and activations.
    """
    a = to_numpy(image)
    if a.ndim == 3:
        a = a[0] if a.shape[0] == 1 else np.transpose(a, (1, 2, 0))
    if normalize:
        lo, hi = float(a.min()), float(a.max())
        a = (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)
    return np.clip(a, 0, 1) if a.ndim == 3 else a


def as_shown(images: torch.Tensor, to_display=None) -> torch.Tensor:
    """Model inputs as they are shown, in [0, 1], on the CPU.

    The package's one way to display an input: every ``plot_*`` and widget that shows
    model inputs takes ``to_display``, a function from model inputs to [0, 1] images
    (``preprocess.denormalize`` for an ImageNet model); ``None`` shows the inputs as
    they are (MNIST digits are images already), clamped to [0, 1].
    """
    x = images.detach().cpu()
    return (x if to_display is None else to_display(x)).clamp(0, 1)


def show_image(
    ax, image, *, title: str | None = None, normalize: bool = True, cmap="gray"
):
    """Draw an image (RGB or grey) on ``ax`` without axes."""
    a = image_array(image, normalize=normalize)
    ax.imshow(
        a,
        cmap=None if a.ndim == 3 else cmap,
        vmin=None if normalize else 0,
        vmax=None if normalize else 1,
    )
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def show_map(
    ax, heat, *, signed: bool = False, title: str | None = None, colorbar: bool = False
):
    """Draw a 2D map: signed maps centred on 0 with :data:`SIGNED_CMAP`."""
    a = to_numpy(heat)
    if signed:
        m = float(np.abs(a).max()) or 1.0
        im = ax.imshow(a, cmap=SIGNED_CMAP, vmin=-m, vmax=m)
    else:
        im = ax.imshow(a, cmap=UNSIGNED_CMAP)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return im


def new_figure(
    nrows: int, ncols: int, *, size: float = 2.0, **kw
) -> tuple[Figure, np.ndarray]:
    """A figure of ``nrows × ncols`` square panels (not registered with pyplot)."""
    fig = Figure(figsize=(size * ncols, size * nrows), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def image_grid(
    images,
    *,
    ncols: int = 8,
    titles: Sequence[str] | None = None,
    normalize: str | None = "each",
    signed: bool = False,
    size: float = 1.2,
    suptitle: str | None = None,
    cmap: str | None = None,
) -> Figure:
    """A grid of images (N, C, H, W) or (N, H, W).

    Args:
        normalize: ``"each"`` (min–max per image, the lecture's way), ``"all"`` (one
            scale for the grid, to compare magnitudes) or None (values already in [0, 1]).
        signed: grey images drawn with :data:`SIGNED_CMAP` centred on 0 (filters).
    """
    a = to_numpy(images)
    if a.ndim == 3:
        a = a[:, None]
    n = len(a)
    ncols = max(1, min(ncols, n))
    nrows = math.ceil(n / ncols)
    fig, axes = new_figure(nrows, ncols, size=size)
    lo, hi = float(a.min()), float(a.max())
    for i, ax in enumerate(axes.flat):
        ax.set_axis_off()
        if i >= n:
            continue
        img = a[i]
        rgb = img.shape[0] == 3
        if signed and not rgb:
            m = (
                float(
                    np.abs(img).max() if normalize == "each" else max(abs(lo), abs(hi))
                )
                or 1.0
            )
            ax.imshow(img[0], cmap=SIGNED_CMAP, vmin=-m, vmax=m)
        else:
            if normalize == "all":
                img = (img - lo) / (hi - lo) if hi > lo else img * 0
            disp = image_array(img, normalize=normalize == "each")
            ax.imshow(disp, cmap=None if rgb else (cmap or "gray"), vmin=0, vmax=1)
        if titles is not None and i < len(titles):
            ax.set_title(titles[i], fontsize=7)
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def overlay_heatmap(
    ax,
    image,
    heat,
    *,
    alpha: float = 0.55,
    signed: bool = False,
    title: str | None = None,
):
    """Draw ``heat`` (h, w) over ``image`` (3, H, W) in [0, 1], stretched to the image."""
    img = image_array(image, normalize=False)
    ax.imshow(img)
    h = to_numpy(heat)
    extent = (-0.5, img.shape[1] - 0.5, img.shape[0] - 0.5, -0.5)
    if signed:
        m = float(np.abs(h).max()) or 1.0
        ax.imshow(
            h,
            cmap=SIGNED_CMAP,
            vmin=-m,
            vmax=m,
            alpha=alpha,
            extent=extent,
            interpolation="bilinear",
        )
    else:
        ax.imshow(
            h, cmap=UNSIGNED_CMAP, alpha=alpha, extent=extent, interpolation="bilinear"
        )
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def plot_optimized(
    image,
    history,
    *,
    title: str = "",
    ylabel: str = "objective",
    normalize: bool = True,
) -> Figure:
    """An optimised image (min–max normalised, or as is in [0, 1]) and its curve.

    Notebooks 08 and 09: the input that maximises a response, or a fooling image,
    beside the objective per step.
    """
    fig, axes = new_figure(1, 2, size=2.6)
    shown = image if normalize else image.clamp(0, 1)
    show_image(axes[0, 0], shown, normalize=normalize, title=title)
    ax = axes[0, 1]
    ax.set_axis_on()
    ax.plot(to_numpy(history))
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    return fig
