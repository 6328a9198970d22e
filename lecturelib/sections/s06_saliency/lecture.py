"""Notebook 06, slides 38-45: the settings (SmoothGrad's copies, photos, the sanity checks) and the closing table.

``lecture``: the lecture's ``nb_smooth = 100`` on every photo, the sanity cascades on
three photos with ten randomised states. ``light``: a 2-core CPU; on a model above
:data:`lecturelib.core.settings.LARGE_GFLOPS` (VGG, ResNet-152) the sanity checks take
the cheaper ``light_large`` values (``settings(device, model=model)``).
"""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from lecturelib.core.data import PHOTO_NAMES
from lecturelib.core.settings import Setting, Settings, load_settings
from lecturelib.explain.sanity import SANITY_SETTINGS

__all__ = ["SETTINGS", "lecture_table", "settings"]

SETTINGS = {
    "n_copies": Setting(
        lecture=100, light=10, doc="SmoothGrad's noisy copies (nb_smooth)"
    ),
    "photos": Setting(
        lecture=tuple(PHOTO_NAMES),
        light=("coffee", "chelsea", "flower"),
        doc="photos shown",
    ),
    "line_points": Setting(lecture=41, light=16, doc="points on the line x → x + ε"),
    **SANITY_SETTINGS,
    "sanity_n": Setting(
        lecture=50, light=5, light_large=2, doc="SmoothGrad's copies in the cascades"
    ),
}


def settings(
    device: torch.device | str | None = None,
    *,
    model: nn.Module | None = None,
    profile: str | None = None,
) -> Settings:
    """Notebook 06's settings for ``profile`` on ``device``; ``model`` picks the light level."""
    return load_settings(SETTINGS, device, profile=profile, model=model)


def lecture_table(
    *,
    model_title: str,
    n_copies: int,
    sigma: float,
    smooth_grad,
    smooth_sg,
    score_change: float,
    partial_change: float,
    scratch_gap: float,
) -> pd.DataFrame:
    """Notebook 06's closing table: the lecture's settings and claims next to this run's.

    Args:
        model_title: the ImageNet model's title; n_copies, sigma: SmoothGrad's settings.
        smooth_grad, smooth_sg: coarse-scale energy per picture of the gradient and of
            SmoothGrad (``compute_smoothness``).
        score_change, partial_change: Smilkov's line x → x + ε (relative score change,
            one pixel's derivative change as a fraction of the largest one).
        scratch_gap: from-scratch SmoothGrad vs lecturelib's, max gap / max entry.
    Returns:
        ``pandas.DataFrame`` with columns "lecture" and "here".
    """
    light = "" if n_copies == SETTINGS["n_copies"].lecture else " (light profile)"
    ratio = [float(s / g) for s, g in zip(smooth_sg, smooth_grad)]
    rows = [
        ("model", "AlexNet, VGG16, VGG19", model_title),
        ("SmoothGrad samples", "nb_smooth = 100", f"{n_copies}{light}"),
        ("noise σ", "σ = ∆/4", f"σ = {sigma}·∆"),
        ("unit", "the correct class", "the predicted class (no labels)"),
        ("\"the resulting maps are quite noisy\": coarse-scale energy of the gradient",
         "picture", ", ".join(f"{float(v):.3f}" for v in smooth_grad)),
        ("SmoothGrad removes noise: its coarse-scale energy / the gradient's", "picture",
         ", ".join(f"{r:.1f}×" for r in ratio)),
        ("\"local irregularity\": score change along x → x + ε", "picture (Smilkov)",
         f"{100 * score_change:.1f}%"),
        ("… while one pixel's derivative changes by (fraction of the max)", "picture (Smilkov)",
         f"{partial_change:.2f}"),
        ("from scratch vs lecturelib (SmoothGrad, max gap / max entry)", "—", f"{scratch_gap:.1e}"),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["", "lecture", "here"]).set_index("")
