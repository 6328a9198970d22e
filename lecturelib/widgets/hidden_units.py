"""Notebook 01's widget: an iteration slider over the stored training snapshots."""

from __future__ import annotations

import ipywidgets as W
from torch import Tensor

from ..hidden_units import (
    LECTURE_ITERATIONS,
    Snapshots,
    describe_iteration,
    plot_hidden_units,
)
from ..validate import check_int
from .panel import Panel

PLAN = "no sweep needed: the training run is cached, the slider only indexes it"


def hidden_units_widget(
    snapshots: Snapshots, x: Tensor, y: Tensor, *, iteration: int | None = None,
    box=None, resolution: int = 150,
) -> Panel:  # fmt: skip
    """An iteration slider that redraws :func:`plot_hidden_units` from the snapshots.

    Moving the slider never retrains: it only reads the stored parameters.
    Returns:
        a :class:`Panel` with controls ``"iteration"`` (slider), ``"play"`` and
        ``"jump"`` (the lecture's iterations); the readout gives the iteration,
        accuracy and loss.
    """
    lo, hi = int(snapshots.iterations[0]), int(snapshots.iterations[-1])
    start = check_int(
        "iteration", hi if iteration is None else iteration, low=lo, high=hi
    )
    kw = {"value": start, "min": lo, "max": hi}
    slider = W.IntSlider(**kw, description="iteration", continuous_update=False,
                         layout=W.Layout(width="55%"))  # fmt: skip
    play = W.Play(**kw, step=max(1, (hi - lo) // 100), interval=400)
    W.jslink((play, "value"), (slider, "value"))
    marks = [(str(k), k) for k in LECTURE_ITERATIONS if lo <= k <= hi]
    jump = W.Dropdown(options=[("lecture iteration…", None), *marks])

    def on_jump(change):
        if change["new"] is not None:
            slider.value = change["new"]

    jump.observe(on_jump, names="value")

    def compute(v: dict, progress: bool):
        k = v["iteration"]
        fig = plot_hidden_units(
            snapshots, x, y, iteration=k, box=box, resolution=resolution
        )
        return fig, describe_iteration(snapshots, x, k)

    # the play button and the menu move the slider, which redraws
    return Panel(
        {"play": play, "iteration": slider, "jump": jump},
        compute,
        passive=("play", "jump"),
    )
