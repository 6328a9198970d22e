"""Notebook 07, slides 46-58: Deconvolution and guided back-propagation.

:func:`backprop_view` back-propagates a unit's response to the input with one of the
lecture's three rules for what goes back through a ReLU
(:func:`lecturelib.core.hooks.backward_rule`): the plain ``"gradient"``, the
``"deconv"``-olution of Zeiler & Fergus (2014) and the ``"guided"`` back-propagation of
Springenberg et al. (2015). The rules handle ``ReLU6`` and re-used modules
(EfficientNet-Lite0), where ``captum``'s ``GuidedBackprop`` silently falls back to the
plain gradient. The unit is a class, or the maximally responding unit of an inner layer
("max feature response").

Zeiler & Fergus's top-9 patches are in :mod:`lecturelib.sections.s07_guided_backprop.top_patches`.
"""

from __future__ import annotations

import copy

import torch
from torch import Tensor, nn

from lecturelib.core.hooks import (
    RULES,
    backward_rule,
    grad_input,
    layer_output,
    preserved_state,
    relu_bounds,
    resolve_layer,
)
from lecturelib.core.validate import (
    check_choice,
    check_images,
    check_int,
    resolve_target,
)

__all__ = [
    "backprop_selected",
    "backprop_unit",
    "backprop_view",
    "check_channel",
    "compute_backprop_views",
    "to_rgb",
    "unit_text",
    "without_relus",
]


def check_channel(channel, acts: Tensor, layer: str) -> int:
    """``channel`` must index the layer's channels (the units, for a flat layer)."""
    channel = check_int("channel", channel)
    n = acts.shape[1]
    if not 0 <= channel < n:
        raise ValueError(
            f"channel must be in [0, {n - 1}] (layer {layer!r} has {n} "
            f"{'channels' if acts.dim() > 2 else 'units'}); got {channel}"
        )
    return channel


def _pick_units(acts: Tensor, target, channel, layer: str | None) -> Tensor:
    """(N,) flat index, within each row of ``acts``, of the unit to back-propagate."""
    n = acts.shape[0]
    if layer is None:  # the output: a class, or the maximally responding one
        return resolve_target(acts, target)
    if channel is None:  # max feature response over the whole layer
        return acts.flatten(1).argmax(1)
    if acts.dim() == 2:
        return torch.full((n,), check_channel(channel, acts, layer), device=acts.device)
    c = check_channel(channel, acts, layer)
    per_map = acts[0, 0].numel()
    return c * per_map + acts[:, c].flatten(1).argmax(1)


def backprop_selected(
    model, images, rule, layer, select
) -> tuple[Tensor, Tensor, Tensor]:
    """Map of the units chosen by ``select(acts) -> (N,) flat indices``; also those, and values."""
    check_images(images)
    check_choice("rule", rule, RULES)
    name = resolve_layer(model, layer)[0] if layer is not None else None
    with preserved_state(model), backward_rule(model, rule):
        x = grad_input(images)  # channels-last on a CPU: faster
        acts = model(x) if name is None else layer_output(model, x, name)
        units = select(acts.detach())
        values = acts.flatten(1).gather(1, units.view(-1, 1)).squeeze(1)
        (grad,) = torch.autograd.grad(values.sum(), x)
    return grad.contiguous(), units, values.detach()


def backprop_view(
    model: nn.Module,
    images: Tensor,
    target=None,
    *,
    rule: str = "gradient",
    layer: str | None = None,
    channel: int | None = None,
) -> Tensor:
    """A unit's response back-propagated to the input with one of the lecture's rules.

    ``"gradient"`` passes 1{s>0}·g through each ReLU, ``"deconv"`` 1{g>0}·g (Zeiler &
    Fergus, 2014), ``"guided"`` 1{s>0}·1{g>0}·g (Springenberg et al., 2015); ReLU6 too.

    Args:
        images: (N, C, H, W) on the model's device.
        target: with ``layer=None``, a class index or (N,) indices; None (default) takes
            each image's maximally responding class, as the lecture's ``output.max()``.
        rule: ``"gradient"``, ``"deconv"`` or ``"guided"``.
        layer: name of an inner layer (``lecturelib.core.hooks.layer_names``): the unit is
            then that layer's maximally responding one ("max feature response"),
            within ``channel`` if given.
        channel: channel (feature map) of ``layer``, in [0, channels − 1].
    Returns:
        (N, C, H, W) map, detached. The model's state and hooks are left as they were.
    """
    if layer is None and channel is not None:
        raise ValueError(
            "channel selects a feature map of an inner layer: give layer= too"
        )
    if layer is not None and target is not None:
        raise ValueError(
            "target selects an output class; with layer= the unit is the "
            "maximally responding one (choose a feature map with channel=)"
        )
    grad, _, _ = backprop_selected(
        model,
        images,
        rule,
        layer,
        lambda acts: _pick_units(acts, target, channel, layer),
    )
    return grad


def compute_backprop_views(
    model, images, target=None, *, rules=RULES, **kw
) -> dict[str, Tensor]:
    """``{rule: backprop_view(model, images, target, rule=rule, **kw)}`` for each rule."""
    return {
        rule: backprop_view(model, images, target, rule=rule, **kw) for rule in rules
    }


def without_relus(model: nn.Module) -> nn.Module:
    """A copy of ``model`` with every ReLU-like module replaced by ``nn.Identity``.

    ReLU, ReLU6 and any ``Hardtanh`` from 0: the modules the rules act on. The copy is
    linear between its other non-linearities, so the three rules agree on it
    (``F.relu`` called in a ``forward`` is not a module and stays).
    """
    clone = copy.deepcopy(model)
    for parent in list(clone.modules()):
        for child_name, child in parent.named_children():
            if relu_bounds(child) is not None:
                setattr(parent, child_name, nn.Identity())
    return clone


def to_rgb(attribution: Tensor, *, spread: float = 0.15) -> Tensor:
    """Attribution (N, C, H, W) → displayable image in [0, 1]: 0.5 + spread·a/std(a).

    The usual way to show deconvolution and guided back-propagation maps as pictures.
    """
    a = attribution.detach().float()
    std = a.flatten(1).std(1).clamp_min(1e-12).view(-1, 1, 1, 1)
    mean = a.flatten(1).mean(1).view(-1, 1, 1, 1)
    return (0.5 + spread * (a - mean) / std).clamp(0, 1)


def unit_text(acts_shape, unit: int, classes=None) -> str:
    """Readable name of a unit: an output class (shape None), or in (C, H, W) or (D,)."""
    if acts_shape is None:
        return f"class {unit} ({classes[unit]})" if classes else f"class {unit}"
    if len(acts_shape) == 1:
        return f"unit {unit}"
    c, rest = divmod(unit, acts_shape[1] * acts_shape[2])
    return f"channel {c}, row {rest // acts_shape[2]}, col {rest % acts_shape[2]}"


def backprop_unit(model, images, rule: str, layer: str | None, channel: int | None):
    """:func:`backprop_selected` of one unit: the output's max class (``layer`` None), the
    layer's strongest unit (``channel`` None) or the strongest unit of ``channel``."""
    return backprop_selected(
        model, images, rule, layer, lambda a: _pick_units(a, None, channel, layer)
    )
