"""Notebook 08, slides 59-75: the widget: the input that maximises a class, a channel or a unit."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from lecturelib.core.device import make_generator
from lecturelib.core.plot import plot_optimized
from lecturelib.sections.s08_maximize_response.compute import (
    lecture_display,
    make_objectives,
    maximize_response,
)
from lecturelib.tooling.cache import cached
from lecturelib.tooling.panel import EVERY, Panel, forward_seconds, menu, slider

SWEEPS = {
    "maximize_widget": {
        "objective": EVERY, "steps": [10, 25, 50, 100, 200],
        "prior": [0.0, 0.5, 1.0, 1.5, 2.0],
    }
}  # fmt: skip


def _step_seconds(model: nn.Module, size: int) -> float:
    """One Adam step ≈ one forward and backward pass on a ``size``² input."""
    conv = next(m for m in model.modules() if isinstance(m, nn.Conv2d | nn.Linear))
    channels = conv.in_channels if isinstance(conv, nn.Conv2d) else 1
    device = next(model.parameters()).device
    x = torch.zeros(1, channels, size, size, device=device)
    return forward_seconds(model, x, backward=True)


def maximize_widget(
    model: nn.Module,
    choices: dict,
    *,
    classes: Sequence[str] | None = None,
    size: int = 28,
    steps: int = 50,
    prior_weight: float = 1.0,
    lr: float = 0.1,
    seed: int = 0,
) -> Panel:
    """Pick an objective (class, channel or unit), steps and prior weight; see x*.

    Args:
        choices: label → objective spec (as for :func:`maximize_response`).
        classes: class names, to report what the model predicts for x*.
    Returns:
        a :class:`Panel` with controls ``"objective"``, ``"steps"`` and ``"prior"``;
        the readout gives the objective's rise and the prediction.
    """
    controls = {
        "objective": menu("maximise", choices),
        "steps": slider("steps", steps, 1, max(500, steps)),
        "prior": slider("prior", float(prior_weight), 0.0, 5.0, step=0.1),
    }

    def compute(v: dict, progress: bool, draw):
        spec = choices[v["objective"]]

        def partial(done: int, x, h) -> None:  # the image so far, as it goes
            title = f"{v['objective']} ({done} of {v['steps']} steps)"
            draw(lambda: (  # made only when drawn (draw calls it at once or never)
                plot_optimized(lecture_display(x)[0], h[:, 0], title=title,
                               normalize=False), f"{done} of {v['steps']} steps"))  # fmt: skip

        x, h = cached(
            maximize_response, model, spec, steps=v["steps"], lr=lr, size=size,
            prior_weight=v["prior"], classes=classes,
            generator=make_generator(seed), progress=progress, on_partial=partial,
        )  # fmt: skip
        with torch.no_grad():
            p = model(x).softmax(1)[0]
        top = int(p.argmax())
        name = classes[top] if classes is not None else str(top)
        label = make_objectives(spec, classes)[0].label(classes)
        text = (
            f"<b>{label}</b>: objective {h[0, 0]:.3g} → {h[-1, 0]:.3g} in "
            f"{v['steps']} steps; the model predicts <b>{name}</b> (p = {p[top]:.2f})"
        )
        shown = lecture_display(x)[0]  # the lecture's 0.5 + 0.1 (x − mean)/std
        return plot_optimized(
            shown, h[:, 0], title=v["objective"], normalize=False
        ), text

    return Panel(
        controls,
        compute,
        cost=lambda v: v["steps"],
        unit_seconds=lambda: _step_seconds(model, size),
        sweep=SWEEPS["maximize_widget"],
        refines=True,
    )
