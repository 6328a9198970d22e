"""Plots shared by the notebooks: image grids, signed and unsigned maps, overlays.

One colour convention everywhere: signed maps (gradients, filters) use
:data:`SIGNED_CMAP`, centred on zero (red positive, blue negative); unsigned maps
(magnitudes, sensitivities, activations) use :data:`UNSIGNED_CMAP`.

Every figure of the package is made here (:func:`new_figure`, :func:`figure`), so one
switch sizes them all for the screen they are shown on: :data:`LAPTOP` (the default,
90 dpi, 9-pt titles) or :data:`PROJECTOR` (:func:`presentation`, which
``setup_notebook`` turns on when ``LECTURELIB_PRESENT=1``): panels of at least
3.6 in at 100 dpi (≥ 300 px of image each on a 1080p projector), titles of at least
14 pt (19 px) and other text of at least 11 pt (15 px), whatever size a plot asked for.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from matplotlib.text import Text
from torch import Tensor

from lecturelib.core.validate import check_choice, check_int

__all__ = [
    "LAPTOP",
    "NORMALIZE",
    "PRESENT_ENV",
    "PROJECTOR",
    "SIGNED_CMAP",
    "UNSIGNED_CMAP",
    "Screen",
    "as_shown",
    "figure",
    "image_array",
    "image_grid",
    "new_figure",
    "overlay_heatmap",
    "plot_optimized",
    "presentation",
    "screen",
    "show_image",
    "show_map",
    "tile_filters",
    "to_numpy",
]

SIGNED_CMAP = "RdBu_r"
UNSIGNED_CMAP = "inferno"

#: The environment variable that turns presentation mode on ("1") in ``setup_notebook``.
PRESENT_ENV = "LECTURELIB_PRESENT"
_ON, _OFF = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")


@dataclass(frozen=True)
class Screen:
    """How the package's figures are sized for one kind of screen.

    Attributes:
        dpi: pixels per inch of every figure (the inline PNG is shown 1 px per pixel).
        title_pt, text_pt: the smallest title and other text drawn, in points
            (px = pt × dpi / 72); 0 keeps every size a plot asks for.
        scale: every figure's inches are multiplied by at least this.
        panel_in: the smallest panel, in inches (a panel of ``new_figure``, or a
            figure's width divided by its ``panels``).
        width_in: ``scale`` grows no figure wider than this (``panel_in`` may).
        max_cols: the most columns :func:`image_grid` lays out (None: as asked).
        rc: the Matplotlib settings :func:`presentation` applies (also to the
            notebooks' own figures).
    """

    dpi: float
    title_pt: float = 0.0
    text_pt: float = 0.0
    scale: float = 1.0
    panel_in: float = 0.0
    width_in: float = math.inf
    max_cols: int | None = None
    rc: tuple = ()


_RC_DEFAULT = {k: matplotlib.rcParamsDefault[k] for k in
               ("font.size", "figure.titlesize", "legend.fontsize")}  # fmt: skip
#: Today's laptop view: 90 dpi, 9-pt titles, sizes as each plot asks.
LAPTOP = Screen(dpi=90, rc=tuple({
    "figure.dpi": 90, "image.interpolation": "nearest", "axes.titlesize": 9,
    **_RC_DEFAULT,
}.items()))  # fmt: skip
#: A 1080p projector: ≥ 3.6-in panels at 100 dpi, titles ≥ 14 pt (19 px), text ≥ 11 pt;
#: image grids wrap at 5 columns (5 × 360 px fit the 1920 px).
PROJECTOR = Screen(
    dpi=100, title_pt=14, text_pt=11, scale=1.5, panel_in=3.6, width_in=18, max_cols=5,
    rc=tuple({
        "figure.dpi": 100, "image.interpolation": "nearest", "axes.titlesize": 14,
        "font.size": 12, "figure.titlesize": 16, "legend.fontsize": 11,
    }.items()),
)  # fmt: skip
_screen = LAPTOP


def screen() -> Screen:
    """The screen the package's figures are sized for now (:data:`LAPTOP` by default)."""
    return _screen


def presentation(on: bool | None = None) -> bool:
    """Size every figure and widget output of the package for a projector, or not.

    Args:
        on: True (:data:`PROJECTOR`), False (:data:`LAPTOP`), or None to read
            ``LECTURELIB_PRESENT`` ("1"/"true"/"yes"/"on"; unset, "" or "0" is off),
            as ``setup_notebook`` does.
    Returns:
        whether presentation mode is on. Figures made from then on follow it, and
        Matplotlib's settings (dpi, font sizes) are set for the notebooks' own plots.
    """
    global _screen
    if on is None:
        value = os.environ.get(PRESENT_ENV, "").strip().lower()
        if value not in _ON + _OFF:
            raise ValueError(
                f"{PRESENT_ENV} must be 1 (presentation mode) or 0/unset; got {value!r}"
            )
        on = value in _ON
    if not isinstance(on, bool):
        raise TypeError(f"on must be True, False or None; got {on!r}")
    _screen = PROJECTOR if on else LAPTOP
    matplotlib.rcParams.update(dict(_screen.rc))
    return on


class _ScreenFigure(Figure):
    """A figure that raises its smaller texts to its screen's minimum before drawing."""

    def __init__(self, *args, screen: Screen, **kw):
        super().__init__(*args, **kw)
        self.screen = screen

    def draw(self, renderer):
        s = self.screen
        if s.text_pt:
            titles = [ax.title for ax in self.axes]
            titles.append(getattr(self, "_suptitle", None))
            for t in self.findobj(Text):
                low = s.title_pt if any(t is x for x in titles) else s.text_pt
                if t.get_text() and t.get_fontsize() < low:
                    t.set_fontsize(low)
        super().draw(renderer)


def figure(
    width: float,
    height: float,
    *,
    panels: int = 1,
    pyplot: bool = False,
    layout: str | None = "constrained",
) -> Figure:
    """A figure of ``width × height`` in on a laptop, scaled for the current screen.

    On a projector its inches grow by :attr:`Screen.scale` (to at most
    :attr:`Screen.width_in` wide), or more so that each of its ``panels`` side by side
    is at least :attr:`Screen.panel_in` wide; its small texts grow at drawing. ``pyplot=True`` registers it with pyplot (``plt.show()``).
    """
    s = _screen
    grow = max(min(s.scale, s.width_in / width), s.panel_in * panels / width)
    dpi = None if s is LAPTOP else s.dpi  # LAPTOP: Matplotlib's figure.dpi, as before
    kw = {"figsize": (width * grow, height * grow), "dpi": dpi, "layout": layout}
    if pyplot:
        return plt.figure(FigureClass=_ScreenFigure, screen=s, **kw)
    return _ScreenFigure(screen=s, **kw)


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
    """A figure of ``nrows × ncols`` square panels (not registered with pyplot).

    ``size``: inches per panel on a laptop; see :func:`figure` for a projector.
    """
    fig = figure(size * ncols, size * nrows, panels=ncols)
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
    ncols = max(1, min(ncols, n, _screen.max_cols or ncols))
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


NORMALIZE = ("each", "all", "signed")


def _scale(tiles: Tensor, normalize: str) -> Tensor:
    """Scale each tile (dims 1…) to [0, 1] ("each"), all together ("all"), or to [-1, 1]."""
    flat = tiles.flatten(1)
    if normalize == "signed":
        m = flat.abs().amax(1).clamp_min(1e-12)
        return tiles / m.view(-1, *[1] * (tiles.dim() - 1))
    if normalize == "all":
        lo, hi = flat.min(), flat.max()
        return (tiles - lo) / (hi - lo).clamp_min(1e-12)
    lo, hi = flat.amin(1), flat.amax(1)
    shape = (-1, *[1] * (tiles.dim() - 1))
    return (tiles - lo.view(shape)) / (hi - lo).clamp_min(1e-12).view(shape)


def tile_filters(
    weights: Tensor,
    *,
    rgb: bool = False,
    ncols: int | None = None,
    normalize: str = "each",
    pad: int = 1,
) -> Tensor:
    """Lay filters out in one mosaic, the lecture's way.

    Args:
        weights: (F, C, kh, kw). Grey (``rgb=False``): each filter is a row of C tiles,
            one per input channel; RGB (C must be 3): each filter is one colour tile.
        ncols: filters per row of the mosaic; default: one filter per row when C ≥ 24
            (the lecture's LeNet conv2 grid), ⌊24 / C⌋ for 1 < C < 24, and 8 for 32 or
            64 one-tile filters (else ⌈√F⌉).
        normalize: "each" (min–max per tile to [0, 1]), "all" (one scale for all), or
            "signed" (each tile divided by its max |w|, in [-1, 1]).
        pad: pixels between tiles (twice that between filters of several tiles).
    Returns:
        (H, W) grey or (3, H, W) RGB mosaic; the padding is NaN (grey) or 1 (RGB).
    """
    if not isinstance(weights, Tensor) or weights.dim() != 4:
        raise ValueError("weights must be a (F, C, kh, kw) tensor")
    check_choice("normalize", normalize, NORMALIZE)
    pad = check_int("pad", pad, low=0)
    if rgb and weights.shape[1] != 3:
        raise ValueError(f"rgb=True needs 3 input channels; got {weights.shape[1]}")
    n_f, n_c, kh, kw = weights.shape
    g = 1 if rgb else n_c  # tiles per filter
    if ncols is None:
        single = 8 if n_f in (32, 64) else math.ceil(math.sqrt(n_f))
        ncols = single if g == 1 else max(1, 24 // g)
    ncols = min(check_int("ncols", ncols, low=1), n_f)
    rows = math.ceil(n_f / ncols)
    gap = pad if g == 1 else 2 * pad
    pitch_x = g * (kw + pad) - pad + gap
    tiles = _scale(weights if rgb else weights.reshape(n_f * n_c, 1, kh, kw), normalize)
    depth = 3 if rgb else 1
    fill = 1.0 if rgb else float("nan")
    out = torch.full((depth, rows * (kh + pad) - pad, ncols * pitch_x - gap), fill)
    for i, tile in enumerate(tiles):
        f, c = divmod(i, g)
        y = (f // ncols) * (kh + pad)
        x = (f % ncols) * pitch_x + c * (kw + pad)
        out[:, y : y + kh, x : x + kw] = tile
    return out if rgb else out[0]
