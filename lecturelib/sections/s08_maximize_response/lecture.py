"""Notebook 08, slides 59-75: the settings (input size, Adam steps) and the closing table.

``lecture``: the lecture's 224×224 inputs and 250 Adam steps of lr 0.1; ``light``: a
smaller, faster version for a 2-core CPU.
"""

from __future__ import annotations

import pandas as pd
import torch

from lecturelib.core.settings import Setting, Settings, load_settings

__all__ = ["SETTINGS", "lecture_table", "settings"]

SETTINGS = {
    "size": Setting(lecture=224, light=128, doc="ImageNet input size (pixels)"),
    "steps": Setting(lecture=250, light=40, doc="Adam steps (the lecture: 250)"),
    "noise_steps": Setting(lecture=100, light=10, doc="Adam steps without the prior"),
    "channels": Setting(
        lecture=(0, 1, 2, 3), light=(0, 1), doc="channels shown per layer"
    ),
    "widget_steps": Setting(
        lecture=250, light=20, doc="the ImageNet widget's Adam steps"
    ),
    # "Going further" (Mordvintsev et al. 2015, Olah et al. 2017): one value in every
    # profile, measured in benchmarks/results/class_samples.md.
    "jitter": Setting(lecture=8, light=8, doc="random shift between steps (pixels)"),
    "scale": Setting(lecture=0.1, light=0.1, doc="random rescaling between steps"),
    "parametrization": Setting(
        lecture="fourier", light="fourier", doc="the image's parameters"
    ),
}


def settings(
    device: torch.device | str | None = None, *, profile: str | None = None
) -> Settings:
    """Notebook 08's settings for ``profile`` (default ``LECTURELIB_SETTINGS``) on ``device``."""
    return load_settings(SETTINGS, device, profile=profile)


def lecture_table(
    *,
    model_title: str,
    size: int,
    steps: int,
    class_700: str,
    border_energy: float,
    far: float,
    near: float,
    hf_shares,
    photo_share: float,
    hit: float,
    n_names: int,
    lecture_layers: bool,
) -> pd.DataFrame:
    """Notebook 08's closing table: the lecture's settings and claims next to this run's.

    Args:
        model_title: the ImageNet model's title; size, steps: the settings used.
        class_700: this model's class 700; border_energy: the lecture's prior on a flat
            grey image; far, near: the 2-D picture's distances to the data.
        hf_shares: "bathtub", "lipstick" high-frequency shares without prior;
            photo_share: a photo's.
        hit: share of the ``n_names`` class images predicted as their class.
        lecture_layers: whether the lecture's VGG16 layers were shown.
    Returns:
        ``pandas.DataFrame`` with columns "lecture" and "here".
    """
    light = "" if steps == SETTINGS["steps"].lecture else " (light profile)"
    rows = [
        ("model", "VGG16", model_title),
        ("input, start", "224×224, N(0, 0.01²)", f"{size}×{size}, N(0, 0.01²)"),
        ("optimiser, steps", "Adam lr 0.1, 250", f"Adam lr 0.1, {steps}{light}"),
        ("loss", "edge_energy(input) − output[0, 700]", "prior_weight · h(x) − f(x), prior_weight = 1"),
        ("class 700", "paper towel", class_700),
        ("display", "0.5 + 0.1 (x − mean)/std", "the same (lecture_display)"),
        ("prior's borders, energy of a flat grey image", "zero padding",
         f"replicate: 0 (lecture's: {border_energy:.0f})"),
        ("2-D picture: x̂ of f / of f − h, distance to the data", "picture", f"{far:.1f} / {near:.2f}"),
        ("\"bathtub\", \"lipstick\" without prior: high-frequency share (photo)", "picture",
         ", ".join(f"{float(v):.2f}" for v in hf_shares) + f" ({photo_share:.3f})"),
        ("\"identifiable large-scale structures\": class images predicted as their class", "picture",
         f"{hit:.0%} of {n_names}"),
        ("VGG16 conv4 / conv7 channels, conv10 / conv13 units", "pictures",
         "shown above" if lecture_layers else "VGG16 only (LECTURELIB_IMAGENET=vgg16)"),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["", "lecture", "here"]).set_index("")
