"""Notebook 06, slides 38-45: the widget: image, σ and n controls over the gradient and SmoothGrad."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from lecturelib.core.fold import fold_batchnorm
from lecturelib.sections.s06_saliency.compute import saliency, smoothgrad
from lecturelib.sections.s06_saliency.plots import plot_saliency
from lecturelib.tooling.cache import cached
from lecturelib.tooling.panel import EVERY, Panel, forward_seconds, menu, slider

SWEEPS = {
    "saliency_widget": {
        "image": EVERY, "sigma": [round(0.05 * i, 2) for i in range(21)],
        "n": [1, 5, 10, 20, 50],
    }
}  # fmt: skip
BATCH = 8  # noisy copies per pass: a first running mean within about a second


def saliency_widget(
    model: nn.Module,
    images: Tensor,
    *,
    names: list[str],
    to_display=None,
    n: int = 10,
    sigma: float = 0.25,
    max_n: int = 100,
    seed: int = 0,
) -> Panel:
    """Image, σ and n controls; shows original / gradient / SmoothGrad for one image.

    Args:
        images: (N, C, H, W) model inputs, shown through ``to_display``
            (:func:`lecturelib.core.plot.as_shown`).
        names: one name per image (the drop-down's labels).
    Returns:
        a :class:`Panel` with controls ``"image"``, ``"sigma"`` and ``"n"``; the
        readout states the settings and the maps' mean absolute value. SmoothGrad
        runs on the model with its BatchNorms folded (:func:`fold_batchnorm`: the same
        function, 1.4–1.6× faster on EfficientNet-Lite0).
    """
    fast = fold_batchnorm(model, example=images[:1])
    controls = {
        "image": menu("image", zip(names, range(len(names)))),
        "sigma": slider("σ / (max − min)", float(sigma), 0.0, 1.0, step=0.05),
        "n": slider("n copies", n, 1, max_n),
    }

    done_before: dict = {}  # (image, σ) -> {copies: running total}: resume states

    def resumable(states: dict, n: int) -> int:  # the most copies kept, at most n
        return max((c for c in states if c <= n), default=0)

    def compute(v: dict, progress: bool, draw):
        i, k, s = v["image"], v["n"], v["sigma"]
        x = images[i : i + 1]
        gen = torch.Generator(device=x.device).manual_seed(seed)
        grad = cached(saliency, model, x)
        if (i, s) not in done_before:  # states of the last image and σ only (memory)
            done_before.clear()
        states = done_before.setdefault((i, s), {})  # copies -> running total

        def partial(done: int, mean: Tensor, state) -> None:  # as it goes
            states[state[0]] = state[1]
            maps = {"gradient": grad, f"SmoothGrad ({done} of {k})": mean}
            text = f"{names[i]}: σ = {s:.2f}·Δ, SmoothGrad over {done} of {k} copies"
            draw(lambda: (plot_saliency(x, maps, to_display=to_display), text))

        reuse = resumable(states, k)  # n moved up: go on
        smooth = cached(
            smoothgrad, fast, x, n=k, sigma=s, generator=gen, progress=progress,
            batch_size=BATCH, on_partial=partial,
            resume=(reuse, states[reuse]) if reuse else None,
            cache_ignore=("batch_size", "resume"),  # neither changes the result
        )  # fmt: skip
        states[k] = smooth * k  # the total of k copies: n moved up goes on from it
        text = (
            f"{names[i]}: σ = {s:.2f}·Δ, n = {k}; mean |gradient| "
            f"{grad.abs().mean():.3g}, mean |SmoothGrad| {smooth.abs().mean():.3g}"
        )
        maps = {"gradient": grad, "SmoothGrad": smooth}
        return plot_saliency(x, maps, to_display=to_display), text

    def passes(v: dict) -> int:  # one backward pass per noisy copy not computed yet
        states = done_before.get((v["image"], v["sigma"]), {})
        return v["n"] + 1 - resumable(states, v["n"])

    return Panel(
        controls,
        compute,
        cost=passes,
        unit_seconds=lambda: forward_seconds(fast, images[:1], backward=True),
        sweep=SWEEPS["saliency_widget"],
        refines=True,
    )
