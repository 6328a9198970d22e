"""Notebook 05, slides 34-37: the widget: mask-size and stride sliders over occlusion sensitivity."""

from __future__ import annotations

import html

from torch import Tensor, nn

from lecturelib.sections.s05_occlusion.compute import (
    map_shape,
    most_sensitive_square,
    occlusion_sensitivity,
)
from lecturelib.sections.s05_occlusion.plots import plot_occlusion
from lecturelib.tooling.cache import cached
from lecturelib.tooling.panel import Panel, forward_seconds, slider

SWEEPS = {
    "occlusion_widget": {"size": [*range(8, 65, 8), 96, 128], "stride": [4, 8, 16, 32]}
}
BATCH = 32  # masks per batch: the map drawn as it goes (not keyed: same result)


def occlusion_widget(
    model: nn.Module,
    image: Tensor,
    target: int,
    *,
    to_display=None,
    size: int = 32,
    stride: int = 16,
    method: str = "auto",
    name: str = "model",
) -> Panel:
    """Mask-size and stride sliders over :func:`occlusion_sensitivity` (notebook 05).

    Args:
        image: (1, C, H, W) model input, shown through ``to_display``
            (:func:`lecturelib.core.plot.as_shown`).
        target: the class whose score is watched.
    Returns:
        a :class:`Panel` with controls ``"size"`` and ``"stride"``; the readout gives
        the map's shape, whether it was computed or cached, and the largest drop.
        A setting with many masks (stride 1: one per pixel) is announced first; a
        long computation draws the map as it goes, :data:`BATCH` masks at a time.
    """
    height, width = image.shape[-2:]
    controls = {
        "size": slider("mask size", size, 4, min(height, width), step=4),
        "stride": slider("stride", stride, 1, min(64, max(height, width))),
    }

    def masks(v: dict) -> int:
        rows, cols = map_shape(height, width, v["size"], v["stride"])
        return max(rows, 0) * max(cols, 0)

    def compute(v: dict, progress: bool, draw):
        size, stride = v["size"], v["stride"]

        def plot(heat: Tensor):
            return plot_occlusion(image[0], {name: heat}, size=size, stride=stride,
                                  to_display=to_display)  # fmt: skip

        def partial(done: int, heat: Tensor) -> None:  # the rows so far, as it goes
            text = html.escape(f"{done} of {masks(v)} masks: mask {size}×{size}, "
                               f"stride {stride}")  # fmt: skip
            draw(lambda: (plot(heat[0]), text))

        heat = cached(
            occlusion_sensitivity, model, image, target, size=size, stride=stride,
            method=method, progress=progress, batch_size=BATCH, on_partial=partial,
            cache_ignore=("batch_size",),
        )[0]  # fmt: skip
        top, _, left, _ = most_sensitive_square(heat, size, stride)
        text = html.escape(
            f"mask {size}×{size}, stride {stride}: {heat.shape[0]}×{heat.shape[1]} "
            f"map; largest drop {float(heat.max()):.2f} with the mask at ({top}, {left})"
        )
        return plot(heat), text

    return Panel(
        controls,
        compute,
        cost=masks,  # about one forward pass per mask (less with the incremental engine)
        unit_seconds=lambda: forward_seconds(model, image.expand(8, -1, -1, -1)) / 8,
        sweep=SWEEPS["occlusion_widget"],
        main="stride",
        refines=True,
    )
