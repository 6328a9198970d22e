"""Notebook 09, slides 76-83: the settings (control test, fooling searches) and the closing table.

``lecture``: the lecture's 1,000 random images in the control test and long fooling
searches; ``light``: fewer of both for a 2-core CPU.
"""

from __future__ import annotations

import pandas as pd
import torch

from lecturelib.core.settings import Setting, Settings, load_settings

__all__ = ["SETTINGS", "lecture_table", "settings"]

SETTINGS = {
    "n_sphere": Setting(
        lecture=1000, light=32, doc="random points of the ImageNet control test"
    ),
    "population": Setting(lecture=64, light=32, doc="LeNet fooling search: population"),
    "generations": Setting(
        lecture=300, light=80, doc="LeNet fooling search: generations"
    ),
    "strawberry_size": Setting(
        lecture=224, light=112, doc="ImageNet fooling search: input size"
    ),
    "strawberry_population": Setting(
        lecture=64, light=16, doc="ImageNet fooling search: population"
    ),
    "strawberry_generations": Setting(
        lecture=200, light=10, doc="ImageNet fooling search: generations"
    ),
}


def settings(
    device: torch.device | str | None = None, *, profile: str | None = None
) -> Settings:
    """Notebook 09's settings for ``profile`` (default ``LECTURELIB_SETTINGS``) on ``device``."""
    return load_settings(SETTINGS, device, profile=profile)


def _label_changes(history, classes) -> str:
    """ "class (from iteration k)" at each change of one image's label."""
    return " → ".join(
        f"{classes[int(history[k])]}" + (f" ({k})" if k else "")
        for k in range(len(history))
        if k == 0 or history[k] != history[k - 1]
    )


def lecture_table(
    *,
    model_title: str,
    photos,
    history,
    classes,
    rel,
    counts,
    n_sphere: int,
    scratch_gap: float,
    flip_ce: float,
    flip_m: float,
    counts_m,
    fool_p,
) -> pd.DataFrame:
    """Notebook 09's closing table: the lecture's settings and claims next to this run's.

    Args:
        model_title: the ImageNet model's title; photos: the two photos attacked.
        history: ``(steps + 1, 2)`` predicted labels along the attack; classes: names.
        rel: ‖x − x̌‖/‖x‖ per photo; counts: label changes among ``n_sphere`` random
            points at 2‖x − x̌‖.
        scratch_gap: from-scratch attack vs lecturelib's, max gap.
        flip_ce, flip_m: shares of LeNet digits flipped (cross-entropy, margin attack);
            counts_m: the margin attack's control test (of 1,000).
        fool_p: the fooling search's best probability per digit.
    Returns:
        ``pandas.DataFrame`` with columns "lecture" and "here".
    """
    rows = [
        ("model", "AlexNet", model_title),
        ("attack", "SGD on −cross-entropy, lr 0.1, 15 steps", "the same"),
        ("labels along the iterations, image #1 (iteration of each change)",
         "Weimaraner → Labrador retriever (2) → brush kangaroo (5) → sundial (7)",
         f"{photos[0]}: {_label_changes(history[:, 0], classes)}"),
        ("labels along the iterations, image #2", "desktop computer → desk (14)",
         f"{photos[1]}: {_label_changes(history[:, 1], classes)}"),
        ("‖x − x̌‖/‖x‖", "1.02%, 0.27%", ", ".join(f"{100 * float(r):.2f}%" for r in rel)),
        ("random points at 2‖x − x̌‖ changing the label", "0 of 1,000",
         ", ".join(f"{int(c)} of {n_sphere}" for c in counts)),
        ("from scratch vs lecturelib, 3 steps (max gap)", "—", f"{scratch_gap:.1e}"),
        ("LeNet, cross-entropy attack: digits flipped", "—", f"{100 * flip_ce:.0f}%"),
        ("LeNet, margin attack: digits flipped", "—", f"{100 * flip_m:.0f}%"),
        ("LeNet, margin attack: random points at 2‖x − x̌‖ changing the label", "—",
         ", ".join(f"{int(k)} of 1,000" for k in counts_m)),
        ("fooling images (Nguyen et al.): digits reached with p > 0.9", "picture",
         f"{sum(p > 0.9 for p in fool_p)} of 10"),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["", "lecture", "here"]).set_index("")
