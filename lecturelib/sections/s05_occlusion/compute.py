"""Notebook 05, slides 34-37: Occlusion sensitivity (Zeiler & Fergus, 2014).

Slide a ``size × size`` grey square over the image and record how much the target's
score drops at each position. There are as many forward passes as positions
(9,409 for the lecture's 32×32 mask at stride 2 on a 224×224 image), so this module
offers two exact ways to compute them:

* ``method="full"``: batched forward passes of whole occluded images;
* ``method="incremental"``: incremental inference (Nakandala et al., SIGMOD 2019,
  :mod:`lecturelib.sections.s05_occlusion._incremental`) — only the region an occluded square
  changes is recomputed, layer by layer, the rest is read from the clean image's
  activations. Same maps (to float rounding), less work.

``method="auto"`` (the default) uses the incremental engine when the model allows it.
"""

from __future__ import annotations

import warnings

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from lecturelib.core.hooks import preserved_state
from lecturelib.core.validate import (
    check_choice,
    check_float,
    check_images,
    check_int,
    resolve_target,
)
from lecturelib.sections.s05_occlusion._incremental import (
    IncrementalOcclusion,
    Unsupported,
)

__all__ = [
    "METHODS",
    "SCORES",
    "map_shape",
    "mask_positions",
    "most_sensitive_square",
    "occlusion_sensitivity",
]

METHODS = ("auto", "full", "incremental")
SCORES = ("logit", "softmax")


def map_shape(height: int, width: int, size: int, stride: int) -> tuple[int, int]:
    """``(H', W')`` of the sensitivity map: ``H' = (H - size) // stride + 1``."""
    return (height - size) // stride + 1, (width - size) // stride + 1


def mask_positions(height: int, width: int, size: int, stride: int, device=None):
    """Top-left corners ``(ys, xs)`` (each (H'·W',) long) of the masks, row by row."""
    hp, wp = map_shape(height, width, size, stride)
    ys = torch.arange(hp, device=device) * stride
    xs = torch.arange(wp, device=device) * stride
    return ys.repeat_interleave(wp), xs.repeat(hp)


def _occluded_batch(
    image: Tensor, ys: Tensor, xs: Tensor, size: int, fill: float
) -> Tensor:
    """(B, C, H, W) copies of ``image`` (C, H, W), square b filled at (ys[b], xs[b])."""
    h, w = image.shape[-2:]
    rows = torch.arange(h, device=image.device)
    cols = torch.arange(w, device=image.device)
    in_r = (rows[None] >= ys[:, None]) & (rows[None] < ys[:, None] + size)  # (B, H)
    in_c = (cols[None] >= xs[:, None]) & (cols[None] < xs[:, None] + size)  # (B, W)
    mask = (in_r[:, :, None] & in_c[:, None, :])[:, None]  # (B, 1, H, W)
    return torch.where(mask, torch.full_like(image, fill), image[None])


def _full_outputs(model, image, ys, xs, size, fill, batch_size, bar):
    """Model outputs (P, K) for every occluded copy, ``batch_size`` at a time."""
    outs = []
    for start in range(0, len(ys), batch_size):
        sl = slice(start, start + batch_size)
        outs.append(model(_occluded_batch(image, ys[sl], xs[sl], size, fill)))
        bar.update(len(ys[sl]))
    return torch.cat(outs)


def _pick(outputs: Tensor, target: int, score: str) -> Tensor:
    if score == "softmax":
        outputs = outputs.softmax(dim=1)
    return outputs[:, target]


def _check_args(images, size, stride, fill, batch_size, method, score):
    check_images(images)
    h, w = images.shape[-2:]
    check_int("size", size, low=1, high=min(h, w))
    check_int("stride", stride, low=1, high=max(h, w))
    check_float("fill", fill)
    if batch_size is not None:
        check_int("batch_size", batch_size, low=1)
    check_choice("method", method, METHODS)
    check_choice("score", score, SCORES)


def occlusion_sensitivity(
    model: nn.Module,
    images: Tensor,
    target=None,
    *,
    size: int = 32,
    stride: int = 2,
    fill: float = 0.0,
    batch_size: int | None = None,
    method: str = "auto",
    score: str = "logit",
    progress: bool = True,
) -> Tensor:
    """Drop of the target's score when a ``size × size`` square is masked.

    Zeiler & Fergus, "Visualizing and understanding convolutional networks" (2014),
    as in the lecture: for every position of the mask, score(original) minus
    score(occluded). The incremental engine follows Nakandala et al., "Incremental
    and approximate inference for faster occlusion-based deep CNN explanations"
    (SIGMOD 2019). Used by notebook 05.

    Args:
        model: a classifier, (N, C, H, W) → (N, K) scores; left as it was found
            (mode, ``requires_grad``, ``.grad``).
        images: (N, C, H, W) model inputs, on the model's device.
        target: class index, (N,) indices in ``[0, K - 1]``, or None for each image's
            predicted class.
        size: side of the square mask, in ``[1, min(H, W)]`` (the lecture: 32).
        stride: step between mask positions, ``>= 1`` (the lecture: 2).
        fill: value written into the masked square, in the model's input space
            (after normalisation): 0.0 is the dataset's mean colour for models fed
            mean/std-normalised images (torchvision's, EfficientNet-Lite0's).
        batch_size: mask positions per forward pass (default 32 for ``"full"``,
            128 for ``"incremental"``). Results do not depend on it.
        method: ``"full"`` (batched whole forward passes), ``"incremental"`` (recompute
            only what the square changes; falls back to ``"full"`` with a warning for
            a model it cannot handle) or ``"auto"`` (incremental when possible).
        score: ``"logit"`` (the target's raw output, default) or ``"softmax"``.
        progress: show a tqdm progress bar.

    Returns:
        (N, H', W') map on ``images.device``, ``H' = (H - size) // stride + 1`` (same
        for W'); entry (i, j) is for the square with top-left corner
        ``(i·stride, j·stride)``. Larger = the square hides something the model uses.
    """
    _check_args(images, size, stride, fill, batch_size, method, score)
    n, _, h, w = images.shape
    ys, xs = mask_positions(h, w, size, stride, device=images.device)
    with preserved_state(model), torch.no_grad():
        clean = model(images)
        targets = resolve_target(clean, target).tolist()
        engine = _incremental_engine(model, method)
        bs = batch_size or (128 if engine is not None else 32)
        maps = []
        with tqdm(total=n * len(ys), desc="occlusion", disable=not progress) as bar:
            for i in range(n):
                if engine is not None:
                    base, outs = engine(images[i : i + 1], ys, xs, size, fill, bs, bar)
                else:
                    base = clean[i : i + 1]
                    outs = _full_outputs(model, images[i], ys, xs, size, fill, bs, bar)
                drop = _pick(base, targets[i], score) - _pick(outs, targets[i], score)
                maps.append(drop.view(map_shape(h, w, size, stride)))
    return torch.stack(maps)


def _incremental_engine(model, method):
    """The incremental engine for ``model``, or None for full forward passes."""
    if method == "full":
        return None
    try:
        return IncrementalOcclusion(model)
    except Unsupported as why:
        warnings.warn(
            f"occlusion: incremental inference cannot handle this model ({why}); "
            "using batched full forward passes instead (same result, slower)",
            stacklevel=3,
        )
        return None


def most_sensitive_square(
    heat: Tensor, size: int, stride: int
) -> tuple[int, int, int, int]:
    """The pixel box of the square whose occlusion lowers the score most.

    Args:
        heat: one (H', W') map of :func:`occlusion_sensitivity`, made with this
            ``size`` and ``stride``: entry (i, j) is the square whose top-left corner
            is (i·stride, j·stride).
    Returns:
        ``(top, bottom, left, right)``, ends excluded: ``image[..., top:bottom,
        left:right]`` is the ``size × size`` square of the map's largest entry.
    """
    if not isinstance(heat, Tensor) or heat.dim() != 2:
        shape = tuple(heat.shape) if isinstance(heat, Tensor) else type(heat).__name__
        raise ValueError(f"heat must be one (H', W') sensitivity map; got {shape}")
    size = check_int("size", size, low=1)
    stride = check_int("stride", stride, low=1)
    i, j = divmod(int(heat.argmax()), heat.shape[-1])
    top, left = i * stride, j * stride
    return top, top + size, left, left + size
