"""Notebook 10, slides 84-89: the widgets: a dilated convolution and the inputs one output reads."""

from __future__ import annotations

import html

from lecturelib.core.validate import check_int
from lecturelib.sections.s10_dilated_convolution.compute import conv_output_size
from lecturelib.sections.s10_dilated_convolution.plots import (
    describe_output,
    plot_dilation_1d,
    plot_dilation_2d,
)
from lecturelib.tooling.panel import Panel, slider


def dilation_widget(
    *, input_size: int = 20, kernel_size: int = 3, max_dilation: int = 6
) -> Panel:
    """The lecture's animation: one dilated 1D convolution and the inputs of one output.

    Returns:
        a :class:`Panel` with controls ``"dilation"`` and ``"output"`` (the index).
    """
    check_int("input_size", input_size, low=kernel_size)
    largest = (input_size - 1) // max(kernel_size - 1, 1)
    controls = {
        "dilation": slider("dilation", 1, 1, min(max_dilation, largest)),
        "output": slider("output", 0, 0, input_size - kernel_size),
    }

    def adjust(c: dict) -> None:  # the index stays inside the output
        size = conv_output_size(input_size, kernel_size, dilation=c["dilation"].value)
        c["output"].max = size - 1

    def compute(v: dict, progress: bool):
        layers, index = [(kernel_size, 1, v["dilation"])], v["output"]
        text = describe_output(layers, index, input_size=input_size)
        fig = plot_dilation_1d(layers, index, input_size=input_size)
        return fig, f"<code>{html.escape(text)}</code>"

    return Panel(controls, compute, adjust=adjust)


def dilation_2d_widget(
    *, input_size=(11, 11), kernel_size: int = 3, max_dilation: int = 5
) -> Panel:
    """:func:`plot_dilation_2d` with ``"dilation"``, ``"row"`` and ``"column"`` controls."""
    h, w = input_size
    largest = (min(h, w) - 1) // max(kernel_size - 1, 1)
    controls = {
        "dilation": slider("dilation", min(2, largest), 1, min(max_dilation, largest)),
        "row": slider("row", 0, 0, h - 1),
        "column": slider("column", 0, 0, w - 1),
    }

    def adjust(c: dict) -> None:
        out = conv_output_size((h, w), kernel_size, dilation=c["dilation"].value)
        c["row"].max, c["column"].max = out[0] - 1, out[1] - 1

    def compute(v: dict, progress: bool):
        d, index = v["dilation"], (v["row"], v["column"])
        out = conv_output_size((h, w), kernel_size, dilation=d)
        text = (
            f"input {h}×{w}, kernel {kernel_size}×{kernel_size}, dilation {d}: "
            f"effective kernel {1 + (kernel_size - 1) * d}, output "
            f"{out[0]}×{out[1]}; output {index} reads {kernel_size**2} inputs"
        )
        fig = plot_dilation_2d(
            input_size=(h, w), kernel_size=kernel_size, dilation=d, index=index
        )
        return fig, f"<code>{html.escape(text)}</code>"

    return Panel(controls, compute, adjust=adjust)
