"""Notebook 07, slides 46-58: Zeiler & Fergus's figure: the patches that excite a unit most.

For one channel of one layer, :func:`compute_top_patches` finds the dataset images (or
crops) where the channel responds most, crops them to the unit's receptive field and
back-projects the unit to the input with :func:`lecturelib.sections.s07_guided_backprop.compute.backprop_view`'s rules
("deconv" as in Zeiler & Fergus, 2014, "Visualizing and understanding convolutional
networks", Fig. 2).

The receptive field is found by autograd, not by layer arithmetic
(:func:`receptive_field_boxes`): the bounding box of the pixels where the unit's gradient
with respect to a random input is non-zero, united over a few random inputs so that the
ReLU and max-pooling masks (which differ from draw to draw) do not hide part of it. It
works for any architecture (padding, strides, branches) and clips at the image border.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import torch
from torch import Tensor, nn

from lecturelib.core.hooks import (
    compute_activations,
    grad_input,
    layer_output,
    preserved_state,
    resolve_layer,
)
from lecturelib.core.validate import check_images, check_int
from lecturelib.sections.s07_guided_backprop.compute import (
    backprop_selected,
    check_channel,
)

__all__ = [
    "TopPatches",
    "compute_top_patches",
    "receptive_field_boxes",
]


def receptive_field_boxes(
    model,
    layer: str,
    image_shape,
    positions: Tensor,
    *,
    samples: int = 2,
    seed: int = 0,
    device=None,
) -> Tensor:
    """Input boxes seen by units of ``layer`` at ``positions`` (k, 2) = (row, col).

    The box is the bounding box of the support of ∂(Σ_c a_c[row, col])/∂x at random
    inputs x ~ N(0, 1), united over ``samples`` draws so that ReLU and max-pooling
    masks, which differ from draw to draw, do not hide part of it (a unit with no
    gradient at any draw gets the whole image). ``device``: the model's by default.
    Returns (k, 4) long ``(top, left, bottom, right)``, bottom/right exclusive.
    """
    name = resolve_layer(model, layer)[0]
    k = positions.shape[0]
    if device is None:
        device = next(model.parameters(), torch.empty(0)).device
    gen = torch.Generator().manual_seed(seed)
    x = grad_input(torch.randn((samples * k, *image_shape), generator=gen).to(device))
    rows, cols = (positions.to(x.device)[:, i].repeat(samples) for i in (0, 1))
    with preserved_state(model):
        acts = layer_output(model, x, name)  # the layers after it are not run
        score = acts[torch.arange(samples * k), :, rows, cols].sum()
        (grad,) = torch.autograd.grad(score, x)
    support = (grad.abs().sum(1) > 0).view(samples, k, *image_shape[1:]).any(0)
    boxes = []
    for s in support:
        r, c = s.any(1).nonzero().flatten(), s.any(0).nonzero().flatten()
        if len(r) == 0:  # a dead unit: no gradient at any draw, show the whole image
            boxes.append([0, 0, *image_shape[1:]])
            continue
        boxes.append([int(r[0]), int(c[0]), int(r[-1]) + 1, int(c[-1]) + 1])
    return torch.tensor(boxes)


@dataclass
class TopPatches:
    """Zeiler & Fergus's top patches of one channel (see :func:`compute_top_patches`).

    Attributes: ``indices`` (k,) dataset images; ``positions`` (k, 2) unit row/col;
    ``values`` (k,) activations; ``boxes`` (k, 4) receptive fields (top, left,
    bottom, right); ``patches`` and ``deconvs``: k crops (C, h, w) of the image and of
    its back-projection (``rule``) to the same box (``deconvs`` empty in the partial
    result that ``compute_top_patches``'s ``on_partial`` gets).
    """

    layer: str
    channel: int
    rule: str
    indices: Tensor
    positions: Tensor
    values: Tensor
    boxes: Tensor
    patches: list[Tensor]
    deconvs: list[Tensor]


def _top_units(a: Tensor, k: int, per_image: int) -> tuple[Tensor, Tensor, Tensor]:
    """Top-k (image, flat position) pairs of maps ``a`` (M, H, W), ≤ per_image each."""
    peaks = a == nn.functional.max_pool2d(a[:, None], 3, 1, 1)[:, 0]  # local maxima
    flat = torch.where(peaks, a, torch.full_like(a, -torch.inf)).flatten(1)
    vals, pos = flat.topk(min(per_image, flat.shape[1]), dim=1)
    img = torch.arange(a.shape[0], device=a.device)[:, None].expand_as(pos)
    best = vals.flatten().topk(min(k, vals.numel())).indices
    best = best[vals.flatten()[best] > -torch.inf]  # images with fewer peaks
    return img.flatten()[best], pos.flatten()[best], vals.flatten()[best]


def compute_top_patches(
    model,
    images,
    layer: str,
    channel: int,
    *,
    k: int = 9,
    per_image: int = 1,
    rule: str = "deconv",
    activations=None,
    batch_size: int = 64,
    on_partial: Callable[[TopPatches], None] | None = None,
) -> TopPatches:
    """The ``k`` dataset patches that excite ``channel`` of ``layer`` most (Zeiler & Fergus, 2014).

    Args:
        images: dataset (M, C, H, W) on the model's device.
        layer: a convolutional layer's name; channel: in [0, channels − 1].
        per_image: at most this many patches (distinct local maxima) per image.
        rule: how each unit is projected back to the input (``"deconv"``, as the paper).
        activations: ``compute_activations(model, images, layer)[layer]`` if already
            computed (a channel slider then costs only the k back-projections).
        on_partial: called with the patches before the back-projections are made
            (a :class:`TopPatches` with no ``deconvs``; a widget draws it first).
    Returns:
        :class:`TopPatches`, strongest first.
    """
    check_images(images)
    k = check_int("k", k, low=1)
    per_image = check_int("per_image", per_image, low=1)
    acts = (
        activations
        if activations is not None
        else compute_activations(model, images, layer, batch_size=batch_size)[layer]
    )
    if acts.dim() != 4:
        raise ValueError(
            f"layer {layer!r} must output feature maps (N, C, H, W); got {tuple(acts.shape)}"
        )
    channel = check_channel(channel, acts, layer)
    idx, pos, vals = _top_units(acts[:, channel].to(images.device), k, per_image)
    w = acts.shape[-1]
    positions = torch.stack([pos // w, pos % w], 1)
    flat = channel * acts[0, 0].numel() + pos
    boxes = receptive_field_boxes(
        model, layer, tuple(images.shape[1:]), positions, device=images.device
    )
    box = boxes.tolist()
    patches = [images[i, :, t:b, l:r] for i, (t, l, b, r) in zip(idx.tolist(), box)]
    top = TopPatches(
        resolve_layer(model, layer)[0],
        channel,
        rule,
        idx.cpu(),
        positions.cpu(),
        vals.cpu(),
        boxes,
        [p.cpu() for p in patches],
        [],
    )
    if on_partial is not None:  # the crops first: the back-projections take longer
        on_partial(top)
    maps, _, _ = backprop_selected(  # the k units in one backward pass
        model, images[idx], rule, layer, lambda a: flat.to(a.device)
    )
    return replace(
        top, deconvs=[m[:, t:b, l:r].cpu() for m, (t, l, b, r) in zip(maps, box)]
    )
