"""Notebook 09, slides 76-83: the widgets: a gradient attack on one image, and an evolved fooling image."""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as W
import torch
from torch import nn

from lecturelib.core.device import make_generator
from lecturelib.core.plot import plot_optimized
from lecturelib.sections.s09_adversarial.compute import (
    adversarial_attack,
    first_change,
    relative_perturbation,
)
from lecturelib.sections.s09_adversarial.fooling import fooling_search
from lecturelib.sections.s09_adversarial.plots import plot_attack
from lecturelib.tooling.cache import cached, keyable
from lecturelib.tooling.panel import EVERY, Panel, forward_seconds, menu, slider

SWEEPS = {
    "attack_widget": {"image": EVERY, "steps": [1, 5, 10, 15, 25, 50], "loss": EVERY},
    "fooling_widget": {"class": EVERY},
}


def attack_widget(
    model: nn.Module,
    images: torch.Tensor,
    names: Sequence[str],
    classes: Sequence[str],
    *,
    to_display=None,
    steps: int = 15,
    lr: float = 0.1,
    loss: str = "margin",
) -> Panel:
    """Image, steps, step size and loss (ce/margin) controls; the attack's result.

    ``loss`` starts on the margin: on a confident LeNet the cross-entropy saturates
    (p_y ≈ 1, a zero gradient) and the attack does not move at all (notebook 09).

    Returns:
        a :class:`Panel` with controls ``"image"``, ``"steps"``, ``"lr"`` and
        ``"loss"``; the readout gives the label change and the perturbation's size.
    """
    controls = {
        "image": menu("image", [(str(n), i) for i, n in enumerate(names)]),
        "steps": slider("steps", steps, 1, 100),
        "lr": W.FloatLogSlider(
            lr, min=-3, max=1, description="lr", continuous_update=False
        ),
        "loss": W.ToggleButtons(
            options=["ce", "margin"], value=loss, description="loss"
        ),
    }

    def compute(v: dict, progress: bool):
        x = images[v["image"] : v["image"] + 1]
        adv, hist = cached(
            adversarial_attack, model, x, steps=v["steps"], lr=v["lr"], loss=v["loss"],
            progress=progress,
        )  # fmt: skip
        rel = 100 * relative_perturbation(x, adv)[0]
        k = int(first_change(hist)[0])
        a, b = classes[int(hist[0, 0])], classes[int(hist[-1, 0])]
        fig = plot_attack(
            x, adv, titles=[a], adversarial_titles=[b], to_display=to_display
        )
        when = f"first change at step {k}" if k > 0 else "no label change"
        return fig, f"{a} → <b>{b}</b> ({when}); ‖x−x̌‖/‖x‖ = {rel:.3f}%"

    # the browser test's main control: the step size changes every attack, while more
    # steps change nothing once the cross-entropy saturates or the margin is crossed
    return Panel(
        controls,
        compute,
        cost=lambda v: v["steps"],
        unit_seconds=lambda: forward_seconds(model, images[:1], backward=True),
        sweep=SWEEPS["attack_widget"],
        main="lr",
    )


def fooling_widget(
    model: nn.Module,
    classes: Sequence[str],
    *,
    targets: Sequence[int],
    shape=(1, 28, 28),
    to_input=None,
    population: int = 32,
    generations: int = 50,
    seed: int = 0,
) -> Panel:
    """Target class, population and generations controls; evolve a fooling image.

    Returns:
        a :class:`Panel` with controls ``"class"``, ``"population"`` and
        ``"generations"``; the readout gives the target's probability, before → after.
    """
    controls = {
        "class": menu("class", [(classes[t], t) for t in targets]),
        "population": slider("population", population, 8, 256),  # > the 4 elite
        "generations": slider("generations", generations, 1, 1000),
    }

    def compute(v: dict, progress: bool, draw):
        name = classes[v["class"]]

        def partial(done: int, best, hist) -> None:  # the best so far, as it goes
            title = f"{name}: p = {hist[-1]:.3f} ({done} of {v['generations']})"
            draw(lambda: (plot_optimized(best, hist, title=title, normalize=False,
                                         ylabel=f"best p({name})"),
                          f"{done} of {v['generations']} generations"))  # fmt: skip

        settings = {"shape": shape, "population": v["population"],
                    "generations": v["generations"], "to_input": to_input,
                    "generator": make_generator(seed), "progress": progress,
                    "on_partial": partial}  # fmt: skip
        if keyable(to_input):  # a setting seen before: from the disk cache
            best, hist = cached(fooling_search, model, v["class"], **settings,
                                cache_ignore=("batch_size",))  # fmt: skip
        else:  # a lambda cannot be keyed: computed each time
            best, hist = fooling_search(model, v["class"], **settings)
        fig = plot_optimized(best, hist, title=f"{name}: p = {hist[-1]:.3f}",
                             ylabel=f"best p({name})", normalize=False)  # fmt: skip
        return fig, f"p(<b>{name}</b>) = {hist[0]:.3f} → <b>{hist[-1]:.3f}</b>"

    def one_image() -> float:
        x = torch.rand(1, *shape, device=next(model.parameters()).device)
        return forward_seconds(model, x if to_input is None else to_input(x))

    return Panel(
        controls,
        compute,
        cost=lambda v: v["population"] * v["generations"],  # images scored
        unit_seconds=one_image,
        sweep=SWEEPS["fooling_widget"],
        refines=True,
    )
