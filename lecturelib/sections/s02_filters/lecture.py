"""Notebook 02, slides 7-12: what the lecture shows next to what was shown here."""

from __future__ import annotations

import pandas as pd
from torch import nn

from lecturelib.sections.s02_filters.compute import resolve_conv

__all__ = ["LECTURE_FILTERS", "lecture_table"]


# What the lecture shows (slides 9-12): layer, filters shown, channels per filter shown
LECTURE_FILTERS = {
    "LeNet conv1": "1 → 32, all 32 filters",
    "LeNet conv2": "32 → 64, first 32 filters out of 64",
    "ImageNet conv1": "AlexNet 3 → 64 (11×11), first 20 filters out of 64, grey and RGB",
    "ImageNet conv2": "AlexNet 64 → 192, first 15 channels (out of 64) of the first 20 "
    "filters (out of 192)",
}


def _shown(model: nn.Module, layer, n_filters: int, n_channels: int | None = None):
    name, conv = resolve_conv(model, layer)
    f, c, kh, kw = conv.weight.shape  # c: input channels per filter (C / groups)
    channels = c if n_channels is None else min(n_channels, c)
    depthwise = " depthwise" if conv.groups > 1 else ""
    return (
        f"{name}: {conv.in_channels} → {f} ({kh}×{kw}{depthwise}), first "
        f"{min(n_filters, f)} filters, {channels} channel(s) each"
    )


def lecture_table(lenet: nn.Module, imagenet: nn.Module, first, second, smoothness):
    """Notebook 02's closing table: what the lecture shows next to what was shown here.

    Args:
        lenet: the trained LeNet; imagenet: the ImageNet model; first, second: its two
            layers shown (``imagenet_info(model).spec.filters``).
        smoothness: ``{(layer, "random" | "learned"): mean filter_smoothness}`` for
            LeNet's conv1 and conv2.
    Returns:
        ``pandas.DataFrame`` with columns "lecture" and "here".
    """

    def pair(layer: str) -> str:
        return (
            f"{layer}: neighbour correlation {smoothness[layer, 'random']:.2f} "
            f"(random) → {smoothness[layer, 'learned']:.2f} (trained)"
        )

    rows = [
        ("LeNet conv1", LECTURE_FILTERS["LeNet conv1"], _shown(lenet, "conv1", 32)),
        ("LeNet conv2", LECTURE_FILTERS["LeNet conv2"], _shown(lenet, "conv2", 32)),
        ("ImageNet conv1", LECTURE_FILTERS["ImageNet conv1"], _shown(imagenet, first, 20)),
        ("ImageNet conv2", LECTURE_FILTERS["ImageNet conv2"],
         _shown(imagenet, second, 20, 15)),
        (("filters read as images: 'quite reasonable in the first layer', 'far less so "
         "in the subsequent layers' (picture)"), "—",
         f"{pair('conv1')}; {pair('conv2')}"),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["", "lecture", "here"]).set_index("")
