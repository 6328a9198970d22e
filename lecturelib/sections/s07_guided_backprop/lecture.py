"""Notebook 07, slides 46-58: the settings (photos, CIFAR-10 patches, the sanity checks, the deletion/insertion curves) and the closing table.

``lecture``: every photo, 2,000 CIFAR-10 images for the top patches, sanity cascades on
three photos with ten randomised states, curves on every photo with 32 steps. ``light``:
a 2-core CPU; on a model above :data:`lecturelib.core.settings.LARGE_GFLOPS` (VGG,
ResNet-152) the cascades and curves take the cheaper ``light_large`` values
(``settings(device, model=model)``).
"""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from lecturelib.core.data import PHOTO_NAMES
from lecturelib.core.settings import Setting, Settings, load_settings
from lecturelib.explain.faithfulness import FAITHFULNESS_SETTINGS
from lecturelib.explain.sanity import SANITY_SETTINGS

__all__ = ["SETTINGS", "lecture_table", "settings"]

SETTINGS = {
    "photos": Setting(
        lecture=tuple(PHOTO_NAMES),
        light=("coffee", "chelsea", "flower"),
        doc="photos shown",
    ),
    "n_cifar": Setting(
        lecture=2000, light=300, doc="CIFAR-10 images searched for top patches"
    ),
    **SANITY_SETTINGS,
    **FAITHFULNESS_SETTINGS,  # the deletion/insertion curves of every map (as 05's)
}


def settings(
    device: torch.device | str | None = None,
    *,
    model: nn.Module | None = None,
    profile: str | None = None,
) -> Settings:
    """Notebook 07's settings for ``profile`` on ``device``; ``model`` picks the light level."""
    return load_settings(SETTINGS, device, profile=profile, model=model)


def lecture_table(
    *,
    model_title: str,
    last: str,
    clean: dict[str, float],
    spread: float,
    has_max_pool: bool,
    lenet_rf: tuple[int, int],
    rho: dict,
) -> pd.DataFrame:
    """Notebook 07's closing table: the lecture's settings and claims next to this run's.

    Args:
        model_title: the ImageNet model's title; last: the layer back-propagated.
        clean: coarse-scale energy per rule ("gradient", "deconv", "guided").
        spread: how much the photos' deconvolution maps differ; has_max_pool: whether
            the model max-pools.
        lenet_rf: the receptive field of LeNet's conv2 unit.
        rho: ``{rule: mean Spearman ρ per randomised state}`` of the sanity cascades.
    Returns:
        ``pandas.DataFrame`` with columns "lecture" and "here".
    """
    rows = [
        ("model", "AlexNet, VGG16, VGG19", model_title),
        ("unit back-propagated", "model.features, output.max()", f"max of {last}"),
        ("what passes a ReLU", "1{s>0}g, 1{g>0}g, 1{s>0}1{g>0}g", "the same (ReLU6: 1{0<s<6})"),
        (("deconvolution and guided maps look like the image, the gradient is noisy: "
          "coarse-scale energy, gradient / deconv / guided"), "picture",
         " / ".join(f"{clean[k]:.3f}" for k in ("gradient", "deconv", "guided"))),
        (("deconvolution ties to the image only through max-pooling switches: photos' deconv "
          "maps differ by"), "(Zeiler & Fergus)", f"{spread:.1e} (max-pooling: {has_max_pool})"),
        ("top-9 patches of a LeNet conv2 unit: receptive field", "(Zeiler & Fergus: AlexNet)",
         f"{lenet_rf[0]}×{lenet_rf[1]}"),
        ("guided back-propagation survives a random classifier: ρ with the output layer random",
         "— (Adebayo et al.)", f"{rho['guided'][1]:.2f} (gradient {rho['gradient'][1]:.2f})"),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["", "lecture", "here"]).set_index("")
