"""Notebook 03, slides 13-23: the widget: an ImageNet model's activations on a photo, unit by unit."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as W
from torch import nn

from lecturelib.core.data import PHOTO_NAMES, load_photo
from lecturelib.core.device import make_generator
from lecturelib.sections.s03_activations.compute import (
    photo_activations,
    pick_channels,
    relu_layers,
    spread,
)
from lecturelib.sections.s03_activations.plots import describe_unit, plot_unit
from lecturelib.tooling.cache import cached
from lecturelib.tooling.panel import EVERY, Panel, menu, slider

SWEEPS = {"activations_widget": {"photo": EVERY}}  # every shipped photo


def activations_widget(
    model: nn.Module,
    preprocess,
    classes: Sequence[str],
    *,
    photo="coffee",
    layers: Sequence[str] | None = None,
    n_random: int = 6,
    seed: int = 0,
) -> Panel:
    """Browse an ImageNet model's activations on a photo: shipped, a path, or uploaded.

    The activations of every listed layer are recorded once per photo; moving the layer
    menu or the unit slider only redraws (no forward pass, no new hook).

    Returns:
        a :class:`Panel` with controls ``"photo"``, ``"path"``, ``"upload"``,
        ``"layer"`` and ``"unit"``; the readout gives the shape, the unit's max and
        mean and the top-5 classes; the figure the photo, ``n_random`` channels
        picked at random (seeded per layer) and the chosen unit's map.
    """
    device = next(model.parameters()).device
    names = list(layers) if layers is not None else spread(relu_layers(model), 8)
    start = photo if isinstance(photo, str) and photo in PHOTO_NAMES else PHOTO_NAMES[0]
    controls = {
        "photo": menu("photo", PHOTO_NAMES, value=start),
        "path": W.Text(placeholder="or a file path, then Enter", continuous_update=False),
        "upload": W.FileUpload(accept="image/*", multiple=False, description="upload"),
        "layer": menu("layer", names, value=names[-1]),
        "unit": slider("unit", 0, 0, 0),
    }  # fmt: skip
    source, state = {"new": photo}, {}

    def choose(change):  # the last photo chosen, typed or uploaded is shown
        new = change["new"]
        if new:
            source["new"] = new[0]["content"] if isinstance(new, tuple | list) else new

    for name in ("photo", "path", "upload"):  # before the panel's own observers
        controls[name].observe(choose, names="value")

    def compute(v: dict, progress: bool):
        if state.get("source") is not source["new"]:  # a new photo: one forward pass
            x = preprocess(load_photo(source["new"])).unsqueeze(0).to(device)
            acts, preds = cached(  # a photo seen before: from the disk cache
                photo_activations, model, x, names, list(classes), min(5, len(classes))
            )
            state.update(source=source["new"], x=x, acts=acts, preds=preds)
        layer, act = v["layer"], state["acts"][v["layer"]][0]
        unit = controls["unit"]
        unit.max = len(act) - 1  # the panel is busy: this move does not redraw again
        k = min(v["unit"], unit.max)
        text = describe_unit(layer, act, k, state["preds"])
        if act.dim() != 3:  # a flat layer: no maps to show
            return None, text
        shown = pick_channels(len(act), n_random, generator=make_generator(seed))
        image = preprocess.denormalize(state["x"][0].cpu())
        return plot_unit(image, act, k, shown, layer=layer), text

    return Panel(controls, compute, sweep=SWEEPS["activations_widget"], say_cache=False)
