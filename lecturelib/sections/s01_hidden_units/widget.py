"""Notebook 01, slides 2-6: the widget: an iteration slider over the stored training snapshots."""

from __future__ import annotations

import ipywidgets as W
from torch import Tensor

from lecturelib.core.validate import check_int
from lecturelib.sections.s01_hidden_units.compute import (
    LECTURE_ITERATIONS,
    Snapshots,
    describe_iteration,
)
from lecturelib.sections.s01_hidden_units.plots import plot_hidden_units
from lecturelib.tooling.panel import Panel, menu, slider


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
    bar = slider("iteration", start, lo, hi, layout=W.Layout(width="55%"))
    play = W.Play(
        value=start, min=lo, max=hi, step=max(1, (hi - lo) // 100), interval=400
    )
    W.jslink((play, "value"), (bar, "value"))
    marks = [(str(k), k) for k in LECTURE_ITERATIONS if lo <= k <= hi]
    jump = menu("", [("lecture iteration…", None), *marks])

    def on_jump(change):  # a lecture iteration chosen: move the slider there
        if change["new"] is not None:
            bar.value = change["new"]

    jump.observe(on_jump, names="value")

    def compute(v: dict, progress: bool):
        k = v["iteration"]
        fig = plot_hidden_units(
            snapshots, x, y, iteration=k, box=box, resolution=resolution
        )
        return fig, describe_iteration(snapshots, x, k)

    # the play button and the menu move the slider, which redraws
    return Panel(
        {"play": play, "iteration": bar, "jump": jump},
        compute,
        passive=("play", "jump"),
    )
