"""Notebook 07, slides 46-58: the widgets: guided back-propagation of one unit, and the top patches."""

from __future__ import annotations

import ipywidgets as W

from lecturelib.core.hooks import RULES, compute_activations
from lecturelib.sections.s07_guided_backprop.compute import backprop_unit, unit_text
from lecturelib.sections.s07_guided_backprop.plots import (
    plot_backprop_views,
    plot_top_patches,
)
from lecturelib.sections.s07_guided_backprop.top_patches import compute_top_patches
from lecturelib.tooling.cache import cached
from lecturelib.tooling.panel import EVERY, Panel, menu, slider

SWEEPS = {  # channel −1: the layer's maximally responding unit
    "backprop_widget": {
        "image": EVERY, "rule": EVERY, "layer": EVERY, "channel": range(-1, 16)
    },
    "top_patches_widget": {"channel": EVERY},
}  # fmt: skip


def backprop_widget(
    model, images, *, names, layers: dict, classes=None, to_display=None
) -> Panel:
    """Image, rule, layer and channel controls; shows the image and its back-projection.

    Args:
        images: (N, C, H, W) model inputs, shown through ``to_display``
            (:func:`lecturelib.core.plot.as_shown`).
        names: one label per image. layers: label → layer name (None for the output).
        classes: output class names, for the readout.
    Returns:
        a :class:`Panel` with controls ``"image"``, ``"rule"``, ``"layer"`` and
        ``"channel"``; channel −1 is the maximally responding unit of the whole
        layer. The readout names the unit.
    """
    inner = compute_activations(model, images[:1], [n for n in layers.values() if n])
    shapes = {n: tuple(a.shape[1:]) for n, a in inner.items()}
    controls = {
        "image": menu("image", zip(names, range(len(names)))),
        "rule": W.ToggleButtons(
            options=list(RULES), value="guided", description="rule"
        ),
        # values are the labels (a None value would read as "no selection")
        "layer": menu("layer", layers),
        "channel": slider("channel", -1, -1, 0),
    }

    def adjust(c: dict) -> None:  # the channels of the chosen layer
        name = layers[c["layer"].value]
        c["channel"].max = shapes[name][0] - 1 if name else -1

    def compute(v: dict, progress: bool):
        name, i, rule = layers[v["layer"]], v["image"], v["rule"]
        c = None if v["channel"] < 0 or not name else v["channel"]
        grad, units, values = cached(
            backprop_unit, model, images[i : i + 1], rule, name, c
        )
        unit = unit_text(shapes[name] if name else None, int(units[0]), classes)
        text = (
            f"{names[i]}, {rule}: {name or 'output'} {unit}, "
            f"response {float(values[0]):.3g}"
        )
        views = {rule: grad}
        fig = plot_backprop_views(
            images[i : i + 1], views, titles=[names[i]], to_display=to_display
        )
        return fig, text

    return Panel(controls, compute, adjust=adjust, sweep=SWEEPS["backprop_widget"])


def top_patches_widget(
    model,
    images,
    layer: str,
    *,
    channel: int = 0,
    to_display=None,
    rule: str = "deconv",
    **kw,
) -> Panel:
    """Channel slider over Zeiler & Fergus's top patches of ``layer``.

    The layer's activations on ``images`` are computed once (or given as
    ``activations=``); each slider move costs the k back-projections. ``kw`` goes to
    :func:`compute_top_patches`. A slow move shows the patches first, then the
    back-projections beside them.
    Returns a :class:`Panel` with the control ``"channel"``; the readout lists the
    images.
    """
    acts = kw.pop("activations", None)
    if acts is None:
        acts = compute_activations(model, images, layer, progress=True)[layer]

    def describe(top) -> str:
        return (
            f"{top.layer}, channel {top.channel}: images {top.indices.tolist()}, "
            f"activations {float(top.values[0]):.3g} … {float(top.values[-1]):.3g}"
        )

    def compute(v: dict, progress: bool, draw):
        def partial(top) -> None:  # the crops first, then the back-projections
            draw(lambda: (plot_top_patches(top, to_display=to_display), describe(top)))

        # ``activations`` follow from the model, the images and the layer: not keyed
        top = cached(
            compute_top_patches, model, images, layer, v["channel"], rule=rule,
            activations=acts, on_partial=partial,
            cache_ignore=("activations", "batch_size"), **kw,
        )  # fmt: skip
        return plot_top_patches(top, to_display=to_display), describe(top)

    high = acts.shape[1] - 1
    controls = {"channel": slider("channel", channel, 0, high)}
    return Panel(controls, compute, sweep=SWEEPS["top_patches_widget"], refines=True)
