"""Convnet internal layer activations (lecture 8.2; notebook 03).

The lecture runs an image through a network and draws the output of each layer, one
grey image per channel (Zeiler & Fergus, 2014 look at the same maps with a "deconvnet").
Early channels respond to edges and colours anywhere in the image; deeper ones to
larger, more specific patterns. :func:`compute_activations` records the layers with
:func:`lecturelib.hooks.record_activations` (every hook removed on exit),
:func:`channel_scores` and :func:`ranking_table` make "which image excites this channel
most" a number, and the ``plot_*`` / ``*_widget`` functions draw.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import Tensor, nn

from .filters import tile_filters
from .hooks import preserved_state, record_activations, resolve_layer
from .plot import new_figure, show_image, to_numpy
from .validate import check_choice, check_images, check_int

__all__ = [
    "REDUCTIONS",
    "relu_layers",
    "spread",
    "input_channels",
    "compute_activations",
    "pick_channels",
    "top_predictions",
    "channel_scores",
    "ranking_table",
    "best_share",
    "class_purity",
    "plot_layer_activations",
    "plot_channels",
    "activations_widget",
]

REDUCTIONS = ("mean", "max")


def relu_layers(model: nn.Module) -> list[str]:
    """Names of the ReLU-like modules (``nn.ReLU``, ``nn.ReLU6``/``Hardtanh(0, ·)``)."""
    return [n for n, m in model.named_modules()
            if isinstance(m, nn.ReLU) or (isinstance(m, nn.Hardtanh) and m.min_val == 0.0)]


def spread(names: Sequence[str], k: int) -> list[str]:
    """``k`` names evenly spread through ``names``, the first and the last included."""
    k = check_int("k", k, low=1)
    if k >= len(names):
        return list(names)
    idx = np.unique(np.round(np.linspace(0, len(names) - 1, k)).astype(int))
    return [names[i] for i in idx]


def input_channels(model: nn.Module) -> int | None:
    """In-channels of the model's first ``nn.Conv2d`` (None without one)."""
    conv = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    return None if conv is None else conv.in_channels


@torch.no_grad()
def compute_activations(
    model: nn.Module, images: Tensor, layers: str | Sequence[str], *, batch_size: int = 256
) -> dict[str, Tensor]:
    """Outputs of ``layers`` for ``images``, computed in batches on ``images.device``.

    Args:
        images: (N, C, H, W), C = the first convolution's in-channels.
        layers: a layer name or names (``lecturelib.hooks.layer_names(model)``).
    Returns:
        dict layer name → (N, ...) output of that layer (a module called several times
        keeps its last call). Eval mode during the call; hooks, mode and gradients are
        restored.
    """
    check_images(images, channels=input_channels(model))
    batch_size = check_int("batch_size", batch_size, low=1)
    names = [layers] if isinstance(layers, str) else list(layers)
    for name in names:
        resolve_layer(model, name)
    parts: dict[str, list[Tensor]] = {name: [] for name in names}
    with preserved_state(model), record_activations(model, names) as acts:
        for start in range(0, len(images), batch_size):
            model(images[start : start + batch_size])
            for name in names:
                parts[name].append(acts[name])
    return {name: torch.cat(chunks) for name, chunks in parts.items()}


def pick_channels(n_channels: int, k: int, *, generator: torch.Generator | None = None) -> list[int]:
    """``k`` distinct channel indices among ``n_channels``, sorted, drawn with ``generator``."""
    n_channels = check_int("n_channels", n_channels, low=1)
    k = min(check_int("k", k, low=1), n_channels)
    return sorted(torch.randperm(n_channels, generator=generator)[:k].tolist())


@torch.no_grad()
def top_predictions(model: nn.Module, images: Tensor, classes: Sequence[str], *, k: int = 5):
    """The ``k`` most probable classes of each image.

    Returns:
        a list (one per image) of ``k`` pairs (class name, softmax probability).
    """
    check_images(images, channels=input_channels(model))
    with preserved_state(model):
        probs = model(images).softmax(1).cpu()
    k = check_int("k", k, low=1, high=probs.shape[1])
    p, idx = probs.topk(k, dim=1)
    return [[(classes[j], float(q)) for q, j in zip(pr, ix.tolist())] for pr, ix in zip(p, idx)]


def channel_scores(
    model: nn.Module, images: Tensor, layer: str, *, reduce: str = "mean", batch_size: int = 256
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
    import pandas as pd

    if scores.dim() != 2 or scores.shape[1] != len(names):
        raise ValueError(f"scores must be (channels, {len(names)}) for {len(names)} names; got {tuple(scores.shape)}")
    top = min(check_int("top", top, low=1), len(names))
    channels = range(len(scores)) if channels is None else channels
    rows = {}
    for c in channels:
        c = check_int("channel", int(c), low=0, high=len(scores) - 1)
        order = scores[c].argsort(descending=True)[:top].tolist()
        rows[c] = {_ordinal(r): f"{names[i]} ({scores[c, i]:.2f})" for r, i in enumerate(order)}
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
        (channels,) in [1/top, 1]: 1 when the channel's ``top`` images are all of one class.
    """
    if scores.dim() != 2 or labels.shape != (scores.shape[1],):
        raise ValueError(f"labels must be ({scores.shape[-1]},) for scores {tuple(scores.shape)}")
    top = check_int("top", top, low=1, high=scores.shape[1])
    best = labels.cpu()[scores.argsort(1, descending=True)[:, :top]]
    counts = torch.stack([torch.bincount(row, minlength=int(labels.max()) + 1).amax() for row in best])
    return counts.float() / top


def _ordinal(r: int) -> str:
    return {0: "1st", 1: "2nd", 2: "3rd"}.get(r, f"{r + 1}th")


def _layer_mosaic(act: Tensor, max_channels: int) -> np.ndarray:
    """One layer of one image: maps (C, H, W) in rows of 16, vectors (D,) in rows of 50."""
    if act.dim() == 3:
        c = min(len(act), max_channels)
        return to_numpy(tile_filters(act[:c, None].float().cpu(), normalize="all", ncols=min(16, c)))
    v = to_numpy(act.flatten())
    lo, hi = np.nanmin(v), np.nanmax(v)
    width = min(len(v), 50)
    grid = np.full(-(-len(v) // width) * width, np.nan)
    grid[: len(v)] = (v - lo) / (hi - lo) if hi > lo else v * 0
    return grid.reshape(-1, width)


def plot_layer_activations(
    image: Tensor, acts: dict[str, Tensor], *, index: int = 0, max_channels: int = 64,
    width: float = 11.0,
) -> Figure:
    """The input and every recorded layer's output for image ``index``, two per row.

    Maps (up to ``max_channels``, 16 per row) share one grey scale per layer (a dark
    channel is a weakly active one); vectors (fully connected layers) are drawn as
    strips of 50 units per row, min–max scaled.
    """
    import matplotlib

    names = list(acts)
    mosaics = [to_numpy((image[index] if image.dim() == 4 else image).float())]
    mosaics += [_layer_mosaic(acts[n][index], max_channels) for n in names]
    titles = ["input"] + [f"{n} {tuple(acts[n].shape[1:])}" for n in names]
    ratios = [min(m.shape[-2] / m.shape[-1], 0.45) for m in mosaics]
    rows = [max(ratios[i : i + 2]) for i in range(0, len(mosaics), 2)]
    fig = Figure(figsize=(width, sum(width / 2 * r + 0.35 for r in rows)), layout="constrained")
    axes = fig.subplots(len(rows), 2, squeeze=False, gridspec_kw={"height_ratios": rows})
    cmap = matplotlib.colormaps["gray"].with_extremes(bad="white")
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, m, title in zip(axes.flat, mosaics, titles):
        if title == "input":
            show_image(ax, m, title=title)
        else:
            ax.imshow(m, cmap=cmap, vmin=0, vmax=1)
            ax.set_axis_on()  # a frame, so white units stay visible on white paper
            ax.set_xticks([]), ax.set_yticks([])
            ax.set_title(title)
    return fig


def plot_channels(
    image: Tensor, act: Tensor, channels: Sequence[int], *, layer: str = "", size: float = 1.6
) -> Figure:
    """The input image and the maps of chosen ``channels`` of one layer's (C, H, W) output."""
    fig, axes = new_figure(1, len(channels) + 1, size=size)
    show_image(axes[0, 0], image, title="input")
    for ax, c in zip(axes[0, 1:], channels):
        show_image(ax, act[c], title=f"#{c}", cmap="gray")
    if layer:
        fig.suptitle(f"{layer} {tuple(act.shape)}: channels picked at random", fontsize=9)
    return fig


def _unit_readout(name: str, act: Tensor, unit: int, preds) -> str:
    a = act[unit]
    top5 = ", ".join(f"{c} {p:.2f}" for c, p in preds)
    return (f"<b>{name}</b> {tuple(act.shape)} — unit {unit}: max {a.max():.3f}, "
            f"mean {a.mean():.3f}, {100 * (a > 0).float().mean():.0f}% positive<br>top-5: {top5}")


def activations_widget(
    model: nn.Module, preprocess, classes: Sequence[str], *, photo="coffee",
    layers: Sequence[str] | None = None, n_random: int = 6, seed: int = 0,
):
    """Browse an ImageNet model's activations on a photo: shipped, a path, or uploaded.

    The activations of every listed layer are recorded once per photo; moving the layer
    menu or the unit slider only redraws (no forward pass, no new hook).

    Returns:
        ``ipywidgets.VBox``: ``children[0]`` = HBox(photo Dropdown, path Text, FileUpload),
        ``children[1]`` = HBox(layer Dropdown, unit IntSlider), ``children[2]`` = HTML
        readout (shape, the unit's max/mean, the top-5 classes), ``children[3]`` =
        Output: the photo, ``n_random`` channels picked at random (seeded per layer) and
        the chosen unit's map.
    """
    import ipywidgets as W
    from IPython.display import display

    from .data import PHOTO_NAMES, load_photo
    from .device import make_generator
    from .plot import overlay_heatmap

    device = next(model.parameters()).device
    names = list(layers) if layers is not None else spread(relu_layers(model), 8)
    start = photo if isinstance(photo, str) and photo in PHOTO_NAMES else PHOTO_NAMES[0]
    photos = W.Dropdown(options=list(PHOTO_NAMES), value=start, description="photo")
    path = W.Text(placeholder="or a file path, then Enter", continuous_update=False)
    upload = W.FileUpload(accept="image/*", multiple=False, description="upload")
    layer = W.Dropdown(options=names, value=names[-1], description="layer")
    unit = W.IntSlider(0, 0, 0, description="unit", continuous_update=False)
    readout, out = W.HTML(), W.Output()
    state = {}

    def load(source):
        x = preprocess(load_photo(source)).unsqueeze(0).to(device)
        state.update(x=x, acts=compute_activations(model, x, names),
                     preds=top_predictions(model, x, classes, k=5)[0])
        redraw()

    def redraw(_=None):
        act = state["acts"][layer.value][0]
        unit.max = len(act) - 1
        k = min(unit.value, unit.max)
        readout.value = _unit_readout(layer.value, act, k, state["preds"])
        shown = pick_channels(len(act), n_random, generator=make_generator(seed))
        image = preprocess.denormalize(state["x"][0].cpu())
        fig = plot_channels(image, act.cpu(), shown, layer=layer.value) if act.dim() == 3 else None
        out.clear_output(wait=True)
        with out:
            if fig is not None:
                display(fig)
                fig2, ax = new_figure(1, 1, size=3.2)
                overlay_heatmap(ax[0, 0], image, act[k].cpu(), title=f"{layer.value} unit {k}")
                display(fig2)

    photos.observe(lambda ch: load(ch["new"]), names="value")
    path.observe(lambda ch: load(ch["new"]) if ch["new"] else None, names="value")
    upload.observe(lambda ch: load(ch["new"][0]["content"]) if ch["new"] else None, names="value")
    layer.observe(redraw, names="value")
    unit.observe(redraw, names="value")
    load(photo)
    return W.VBox([W.HBox([photos, path, upload]), W.HBox([layer, unit]), readout, out])
