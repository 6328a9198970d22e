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

Where the sensitivity lies: :data:`OBJECT_BOXES` holds a tight box around the object of
some shipped photos (model-independent, in the photo's own pixels), :func:`object_box`
maps it into a model's 224×224 crop, and :func:`region_sensitivity` compares the
sensitivity per mask position inside the box with that outside.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import warnings
from collections.abc import Callable

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from lecturelib.core.data import load_photo
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
    "OBJECT_BOXES",
    "SCORES",
    "RegionSensitivity",
    "map_shape",
    "mask_positions",
    "most_sensitive_square",
    "object_box",
    "occlusion_sensitivity",
    "region_sensitivity",
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


def _full_outputs(model, image, ys, xs, size, fill, batch_size, bar, on_batch=None):
    """Model outputs (P, K) for every occluded copy, ``batch_size`` at a time.

    ``on_batch(start, outputs)``: called after each batch with its first position and
    its outputs (B, K)."""
    outs = []
    for start in range(0, len(ys), batch_size):
        sl = slice(start, start + batch_size)
        outs.append(model(_occluded_batch(image, ys[sl], xs[sl], size, fill)))
        bar.update(len(ys[sl]))
        if on_batch is not None:
            on_batch(start, outs[-1])
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
    on_partial: Callable[[int, Tensor], None] | None = None,
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
        on_partial: called after each batch of masks but the last with ``(masks done,
            map)``: masks done over all images, and the (N, H', W') map so far (on the
            CPU), NaN where no mask was computed yet (rows fill from the top, image by image;
            a widget draws it as it goes). The result does not depend on it.

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
        partial = _Partial(on_partial, n, len(ys), bs, map_shape(h, w, size, stride))
        with tqdm(total=n * len(ys), desc="occlusion", disable=not progress) as bar:
            for i in range(n):
                pick = functools.partial(_pick, target=targets[i], score=score)
                if engine is not None:
                    base, outs = engine(
                        images[i : i + 1], ys, xs, size, fill, bs, bar,
                        on_batch=partial.image(i, pick),
                    )  # fmt: skip
                else:
                    base, on_batch = clean[i : i + 1], partial.image(i, pick)
                    if on_batch is not None:  # the engine passes its own base
                        on_batch = functools.partial(on_batch, base=base)
                    outs = _full_outputs(
                        model, images[i], ys, xs, size, fill, bs, bar, on_batch
                    )
                drop = pick(base) - pick(outs)
                maps.append(drop.view(map_shape(h, w, size, stride)))
    return torch.stack(maps)


class _Partial:
    """The map so far for :func:`occlusion_sensitivity`'s ``on_partial`` (NaN: not yet).

    Computed beside the result, from the same batch outputs, so that the result is
    the same with or without it."""

    def __init__(self, on_partial, images: int, masks: int, batch_size: int, shape):
        self.on_partial, self.masks, self.shape = on_partial, masks, shape
        self.batches = images * math.ceil(masks / batch_size)
        self.count = 0
        self.heat = (
            None if on_partial is None else torch.full((images, masks), math.nan)
        )

    def image(self, i: int, pick):
        """``on_batch(start, outputs, base)`` for image ``i`` (None: no partials)."""
        if self.on_partial is None:
            return None

        def on_batch(start: int, outs: Tensor, base: Tensor) -> None:
            self.count += 1
            drop = pick(base) - pick(outs)
            self.heat[i, start : start + len(outs)] = drop.cpu()
            if self.count < self.batches:
                done = i * self.masks + start + len(outs)
                self.on_partial(done, self.heat.view(-1, *self.shape).clone())

        return on_batch


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


# A tight box around the object of a shipped photo, drawn once on the photo itself
# (``load_photo(name)``, its own pixels): ``(what, (top, bottom, left, right))``, ends
# excluded. Model-independent: :func:`object_box` maps it into a model's input crop.
OBJECT_BOXES: dict[str, tuple[str, tuple[int, int, int, int]]] = {
    "coffee": ("the cup (rim, coffee, handle; not the saucer)", (18, 305, 172, 410)),
    "flower": ("the dahlia in front (not the one cut by the bottom edge)", (85, 355, 168, 445)),
}  # fmt: skip


def object_box(photo: str, preprocess) -> tuple[int, int, int, int]:
    """The object's box of :data:`OBJECT_BOXES` in ``preprocess``'s input crop.

    Args:
        photo: a name in :data:`OBJECT_BOXES`.
        preprocess: an :class:`~lecturelib.core.imagenet.ImagePreprocess` (its
            ``resize``: the shorter side, then a centre crop of ``size``).
    Returns:
        ``(top, bottom, left, right)`` in the crop's pixels, ends excluded, clipped to
        ``[0, size]``.
    """
    if photo not in OBJECT_BOXES:
        raise ValueError(f"photo must be one of {sorted(OBJECT_BOXES)}; got {photo!r}")
    width, height = load_photo(photo).size
    resize, size = preprocess.resize, preprocess.size
    short = min(width, height)  # torchvision's resize: shorter side -> resize
    new_w, new_h = (
        (resize, int(resize * height / width))
        if width == short
        else (int(resize * width / height), resize)
    )
    off_y, off_x = round((new_h - size) / 2), round((new_w - size) / 2)
    top, bottom, left, right = OBJECT_BOXES[photo][1]

    def place(v, scale, offset):
        return min(max(round(v * scale - offset), 0), size)

    return (
        place(top, new_h / height, off_y),
        place(bottom, new_h / height, off_y),
        place(left, new_w / width, off_x),
        place(right, new_w / width, off_x),
    )


@dataclasses.dataclass(frozen=True)
class RegionSensitivity:
    """Where a sensitivity map's mass lies, relative to a region.

    ``positions``: the share of mask positions whose square's centre is in the region;
    ``sensitivity``: the share of the positive drops summed there; ``ratio``: the mean
    positive drop per position inside over that outside, i.e.
    ``(sensitivity / positions) / ((1 - sensitivity) / (1 - positions))`` — 1 when the
    map ignores the region, above 1 when it concentrates there.
    """

    positions: float
    sensitivity: float
    ratio: float


def region_sensitivity(
    heat: Tensor, box: tuple[int, int, int, int], *, size: int, stride: int
) -> RegionSensitivity:
    """Compare a map's sensitivity inside ``box`` with that outside, per mask position.

    A mask position is inside when the centre of its square,
    ``(i·stride + size / 2, j·stride + size / 2)``, lies in the box. Drops below 0 (the
    mask raised the score) count as 0. A box covering most positions makes
    ``sensitivity`` large whatever the map: compare it with ``positions``, or read
    ``ratio``, which is 1 for a map that ignores the box.

    Args:
        heat: one (H', W') map of :func:`occlusion_sensitivity`, made with ``size`` and
            ``stride``.
        box: ``(top, bottom, left, right)`` in pixels, ends excluded.
    Raises:
        ValueError: the box holds no mask centre, or all of them, or no drop is > 0.
    """
    if not isinstance(heat, Tensor) or heat.dim() != 2:
        shape = tuple(heat.shape) if isinstance(heat, Tensor) else type(heat).__name__
        raise ValueError(f"heat must be one (H', W') sensitivity map; got {shape}")
    size = check_int("size", size, low=1)
    stride = check_int("stride", stride, low=1)
    top, bottom, left, right = box
    rows = torch.arange(heat.shape[0], dtype=torch.float64) * stride + size / 2
    cols = torch.arange(heat.shape[1], dtype=torch.float64) * stride + size / 2
    inside = ((rows >= top) & (rows < bottom))[:, None] & (
        (cols >= left) & (cols < right)
    )[None]
    n_in = int(inside.sum())
    if n_in in (0, inside.numel()):
        raise ValueError(
            f"box {tuple(box)} must hold some but not all of the {inside.numel()} mask "
            f"centres; it holds {n_in}"
        )
    drop = heat.detach().double().cpu().clamp(min=0)
    total = float(drop.sum())
    if total == 0:
        raise ValueError("heat has no positive drop: no sensitivity to locate")
    positions = n_in / inside.numel()
    mean_in = float(drop[inside].mean())
    mean_out = float(drop[~inside].mean())
    ratio = mean_in / mean_out if mean_out > 0 else float("inf")
    return RegionSensitivity(positions, float(drop[inside].sum()) / total, ratio)
