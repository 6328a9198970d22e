"""Notebook 10, slides 84-89: the setting (train the AllConvNet live or load it) and the closing table.

``lecture``: train the classifier in the notebook (seconds on a GPU); ``light``: load
the shipped checkpoint, trained with the same recipe (about a minute on a CPU otherwise).
"""

from __future__ import annotations

import pandas as pd
import torch

from lecturelib.core.settings import Setting, Settings, load_settings

__all__ = ["SETTINGS", "lecture_table", "settings"]

SETTINGS = {
    "train_live": Setting(
        lecture=True,
        light=False,
        doc="train the AllConvNet here (False: the shipped weights)",
    ),
}


def settings(
    device: torch.device | str | None = None, *, profile: str | None = None
) -> Settings:
    """Notebook 10's settings for ``profile`` (default ``LECTURELIB_SETTINGS``) on ``device``."""
    return load_settings(SETTINGS, device, profile=profile)


def lecture_table(
    *,
    out: tuple[int, ...],
    sparse: torch.Tensor,
    growth: dict,
    conv_acc: float,
    lenet_acc: float,
    gaps,
) -> pd.DataFrame:
    """Notebook 10's closing table: the lecture's claims next to this run's.

    Args:
        out: the output shape of ``nn.Conv2d(1, 1, kernel_size=3, dilation=4)`` on a
            1×1×20×30 input; sparse: the sparsified k = 3, d = 3 kernel.
        growth: ``receptive_field_growth``'s result ("dilated", "plain").
        conv_acc, lenet_acc: test accuracies of the AllConvNet and of LeNet.
        gaps: from-scratch vs ``nn.Conv2d`` and ``sparsify_kernel``, max gaps.
    Returns:
        ``pandas.DataFrame`` with columns "lecture" and "here".
    """
    rows = [
        ("nn.Conv2d(1, 1, kernel_size=3, dilation=4) on a 1×1×20×30 input",
         "torch.Size([1, 1, 12, 22])", f"{out}"),
        ("k = 3, d = 4: input size − output size, 1 + (3 − 1)4 − 1", "8", f"{20 - out[2]}"),
        ("filter size 1 + (k − 1)d with only k non-zero coefficients (k = 3, d = 3)", "7, 3 (1-D)",
         f"{sparse.shape[-2]}×{sparse.shape[-1]}, {int((sparse[0, 0] != 0).sum())} non-zero (2-D)"),
        ("dilation grows the receptive field, not the parameters (depth 6: dilated / plain)", "claim",
         (f"{growth['dilated']['receptive_field'][-1]} / {growth['plain']['receptive_field'][-1]} px, "
          f"{growth['dilated']['parameters'][-1]} / {growth['plain']['parameters'][-1]} parameters")),
        ("a classifier with stride and dilation, no pooling: test accuracy", "claim",
         f"{conv_acc:.1%} (LeNet, with pooling: {lenet_acc:.1%})"),
        ("from scratch vs nn.Conv2d and sparsify_kernel", "—", f"max gaps {gaps[0]:.1e}, {gaps[1]:.1e}"),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["", "lecture", "here"]).set_index("")
