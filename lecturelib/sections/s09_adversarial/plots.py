"""Notebook 09, slides 76-83: the figures of notebook 09: adversarial examples.

* :func:`plot_attack` — original, adversarial and the difference magnified.
* :func:`plot_saturation` — the input gradient's norm against 1 − p(label).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from matplotlib.figure import Figure

from lecturelib.core.plot import as_shown, new_figure, show_image, show_map
from lecturelib.sections.s09_adversarial.compute import relative_perturbation

__all__ = ["plot_attack", "plot_saturation"]


def plot_saturation(
    confidence: torch.Tensor, grad_norms: dict[str, torch.Tensor]
) -> Figure:
    """Input-gradient norm against 1 − p(label), log–log, one series per loss."""
    fig, axes = new_figure(1, 1, size=3.6)
    ax = axes[0, 0]
    gap = (1 - confidence.double()).clamp_min(1e-9).numpy()
    for name, norms in grad_norms.items():
        ax.scatter(
            gap, norms.double().clamp_min(1e-12).numpy(), s=6, label=name, alpha=0.6
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("1 − softmax probability of the label")
    ax.set_ylabel("‖∂loss/∂x‖")
    ax.legend()
    return fig


def plot_attack(
    images: torch.Tensor,
    adversarial: torch.Tensor,
    *,
    titles: Sequence[str] | None = None,
    adversarial_titles: Sequence[str] | None = None,
    to_display: Callable[[torch.Tensor], torch.Tensor] | None = None,
    magnify: float = 10.0,
) -> Figure:
    """The lecture's figure: original, adversarial, and the difference magnified.

    One row per image; the difference is drawn signed, blue to red (grey images), or
    as 0.5 + magnify·(x̌ − x) (colour images), with ‖x − x̌‖/‖x‖ in percent in its title.

    Args:
        images, adversarial: model inputs, shown through ``to_display``
            (:func:`lecturelib.core.plot.as_shown`).
    """
    rel = relative_perturbation(images, adversarial)
    fig, axes = new_figure(len(images), 3, size=2.2)
    for i in range(len(images)):
        show_image(
            axes[i, 0],
            as_shown(images[i], to_display),
            normalize=False,
            title=titles[i] if titles else "original",
        )
        show_image(
            axes[i, 1],
            as_shown(adversarial[i], to_display),
            normalize=False,
            title=adversarial_titles[i] if adversarial_titles else "adversarial",
        )
        diff = adversarial[i] - images[i]
        ratio = f"‖x−x̌‖/‖x‖ = {100 * rel[i]:.2f}%"
        if diff.shape[0] == 1:
            title = f"difference (signed)\n{ratio}"
            show_map(axes[i, 2], diff[0], signed=True, title=title)
        else:
            title = f"difference ×{magnify:g}\n{ratio}"
            shown = as_shown(adversarial[i], to_display) - as_shown(
                images[i], to_display
            )
            scale = shown * magnify
            show_image(
                axes[i, 2], (0.5 + scale).clamp(0, 1), normalize=False, title=title
            )
    return fig
