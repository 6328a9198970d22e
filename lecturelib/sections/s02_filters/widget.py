"""Notebook 02, slides 7-12: the widget: a layer menu and a filter slider over a model's convolutions."""

from __future__ import annotations

from collections.abc import Sequence

from torch import nn

from lecturelib.sections.s02_filters.compute import (
    conv_layers,
    describe_filter,
    resolve_conv,
)
from lecturelib.sections.s02_filters.plots import plot_filter_choice
from lecturelib.tooling.panel import Panel, menu, slider


def filters_widget(
    model: nn.Module, *, layers: Sequence[str] | None = None, max_shown: int = 32
) -> Panel:
    """A layer chooser and a filter-index slider over ``model``'s convolutions.

    Returns:
        a :class:`Panel` with controls ``"layer"`` and ``"filter"``; the figure shows
        the layer's first ``max_shown`` filters and the chosen filter per input channel.
    """
    names = list(layers) if layers is not None else conv_layers(model)
    for name in names:
        resolve_conv(model, name)
    controls = {
        "layer": menu("layer", names),
        "filter": slider("filter", 0, 0, 0),
    }

    def adjust(c: dict) -> None:  # the slider covers the chosen layer's filters
        c["filter"].max = resolve_conv(model, c["layer"].value)[1].weight.shape[0] - 1

    def compute(v: dict, progress: bool):
        fig = plot_filter_choice(model, v["layer"], v["filter"], max_shown=max_shown)
        return fig, describe_filter(model, v["layer"], v["filter"])

    return Panel(controls, compute, adjust=adjust)
