"""Notebook 05, slides 34-37: the settings (occlusion stride, faithfulness curves) and the closing table.

Three levels: ``lecture`` (the lecture's stride 2; every photo, 32 steps for the
curves), ``light`` (a 2-core CPU) and, for the light profile on a model above
:data:`lecturelib.core.settings.LARGE_GFLOPS` (VGG, ResNet-152), the cheaper
``light_large`` values: ``settings(device, model=model)`` picks them.
"""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from lecturelib.core.data import PHOTO_NAMES
from lecturelib.core.settings import Setting, Settings, load_settings

__all__ = ["SETTINGS", "lecture_table", "settings"]

SETTINGS = {
    "stride": Setting(lecture=2, light=16, doc="occlusion stride (the lecture's: 2)"),
    "widget_stride": Setting(
        lecture=2, light=32, doc="the widget's stride (each move recomputes)"
    ),
    "auc_photos": Setting(
        lecture=tuple(PHOTO_NAMES),
        light=("coffee", "chelsea", "flower"),
        light_large=("coffee",),
        doc="photos of the deletion/insertion curves",
    ),
    "auc_steps": Setting(
        lecture=32, light=16, light_large=8, doc="points on each curve, minus one"
    ),
    "auc_stride": Setting(
        lecture=8,
        light=16,
        light_large=32,
        doc="the curves' occlusion stride (32×32 masks)",
    ),
    "auc_n": Setting(
        lecture=50,
        light=5,
        light_large=2,
        doc="SmoothGrad's noisy copies for the curves",
    ),
}


def settings(
    device: torch.device | str | None = None,
    *,
    model: nn.Module | None = None,
    profile: str | None = None,
) -> Settings:
    """Notebook 05's settings for ``profile`` on ``device``; ``model`` picks the light level."""
    return load_settings(SETTINGS, device, profile=profile, model=model)


def lecture_table(*, size, stride, models, seconds, on_object):
    """Notebook 05's closing table: the lecture's settings and claims next to this run's.

    Args:
        size, stride: the mask and stride used; models: names of the models shown.
        seconds: ``{model: seconds per map}`` at that stride.
        on_object: ``{(photo, model): bool}``, whether the most sensitive square
            overlaps the object's box.
    Returns:
        ``pandas.DataFrame`` with columns "lecture" and "here".
    """
    n_masks = ((224 - size) // stride + 1) ** 2
    hits = sum(on_object.values())
    rows = [
        ("occlusion mask", "32 × 32", f"{size} × {size}, filled with 0 (the mean colour)"),
        ("stride", "2", f"{stride}" + ("" if stride == 2 else " (light profile; LECTURELIB_SETTINGS=lecture: 2)")),
        ("score", "value of the maximally responding output unit",
         "logit of the predicted class (the argmax)"),
        ("cost", "as many forward passes as mask locations, ideally the number of pixels",
         f"{n_masks:,} masks per map; "
         + ", ".join(f"{m} {s:.1f} s" for m, s in seconds.items())
         + " per map (method=\"auto\": incremental where the model allows)"),
        ("models", "AlexNet, VGG16, VGG19", ", ".join(models)),
        ("the maps are bright on the object (picture)", "—",
         f"most sensitive square on the object's box in {hits} of {len(on_object)} maps"),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["", "lecture", "here"]).set_index("")
