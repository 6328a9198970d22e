"""Notebook 03, slides 13-23: the lecture's settings and claims next to this run's."""

from __future__ import annotations

import pandas as pd

__all__ = ["lecture_table"]


def lecture_table(*, model_name: str, n_random: int, purity, pure, share):
    """Notebook 03's closing table: the lecture's settings and claims next to this run's.

    Args:
        model_name: the ImageNet model shown; n_random: channels picked per layer.
        purity: ``{layer: (random, trained)}`` mean top-10 class purity of LeNet's units.
        pure: ``(units with purity 1, live units)`` of LeNet's deepest ReLU layer.
        share: ``(early, deep)`` mean best share of the ImageNet model's channels.
    Returns:
        ``pandas.DataFrame`` with columns "lecture" and "here".
    """
    deep = list(purity)[-1]
    rows = [
        ("MNIST character", "LeNet (LeCun et al., 1998)", "LeNet, 4,000 training digits"),
        ("RGB image", "AlexNet (Krizhevsky et al., 2012)", model_name),
        ("channels shown", "'we have to pick a few at random'",
         f"{n_random} per layer, picked at random (seeded)"),
        ("'individual channel have usually no clear semantic'", "—",
         "LeNet top-10 class purity (1 = a clean digit detector), random → trained: "
         + ", ".join(f"{k} {r:.2f} → {t:.2f}" for k, (r, t) in purity.items())),
        ("Yosinski et al. (2015): some units with a clear semantic (a face channel)",
         "—", f"{deep}: {pure[0]} of {pure[1]} live units with purity 1"),
        ("(no claim in the lecture) early vs deep channels on 7 photos", "—",
         (f"best share {share[0]:.2f} (early) vs {share[1]:.2f} (deep); 1/7 = 0.14 "
         "for a channel that responds to all alike")),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["", "lecture", "here"]).set_index("")
