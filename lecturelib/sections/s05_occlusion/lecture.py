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

from lecturelib.core.settings import Setting, Settings, load_settings
from lecturelib.explain.faithfulness import FAITHFULNESS_SETTINGS

__all__ = ["SETTINGS", "lecture_table", "settings"]

SETTINGS = {
    "stride": Setting(lecture=2, light=16, doc="occlusion stride (the lecture's: 2)"),
    "widget_stride": Setting(
        lecture=2, light=32, doc="the widget's stride (each move recomputes)"
    ),
    # the deletion/insertion curves (occlusion and random here; every map in 07)
    **{k: v for k, v in FAITHFULNESS_SETTINGS.items() if k != "auc_n"},
}


def settings(
    device: torch.device | str | None = None,
    *,
    model: nn.Module | None = None,
    profile: str | None = None,
) -> Settings:
    """Notebook 05's settings for ``profile`` on ``device``; ``model`` picks the light level."""
    return load_settings(SETTINGS, device, profile=profile, model=model)


def lecture_table(*, size, stride, models, seconds, region):
    """Notebook 05's closing table: the lecture's settings and claims next to this run's.

    Args:
        size, stride: the mask and stride used; models: names of the models shown.
        seconds: ``{model: seconds per map}`` at that stride.
        region: ``{(photo, model): RegionSensitivity}`` of each map against the
            object's tight box (:func:`~lecturelib.sections.s05_occlusion.compute.region_sensitivity`).
    Returns:
        ``pandas.DataFrame`` with columns "lecture" and "here".
    """
    n_masks = ((224 - size) // stride + 1) ** 2
    ratios = [r.ratio for r in region.values()]
    shares = [r.positions for r in region.values()]
    rows = [
        ("occlusion mask", "32 × 32", f"{size} × {size}, filled with 0 (the mean colour)"),
        ("stride", "2", f"{stride}" + ("" if stride == 2 else " (light profile; LECTURELIB_SETTINGS=lecture: 2)")),
        ("score", "value of the maximally responding output unit",
         "logit of the predicted class (the argmax)"),
        ("cost", "as many forward passes as mask locations, ideally the number of pixels",
         f"{n_masks:,} masks per map; "
         + ", ".join(f"{m} {s:.1f} s" for m, s in seconds.items())
         + " per map"),
        ("models", "AlexNet, VGG16, VGG19", ", ".join(models)),
        ("the maps are bright on the object (picture)", "—",
         (f"mean drop per mask on the object's tight box / off it: {min(ratios):.1f} to "
          f"{max(ratios):.1f} over {len(ratios)} maps (the box holds "
          f"{min(shares):.0%} to {max(shares):.0%} of the mask positions)")),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["", "lecture", "here"]).set_index("")
