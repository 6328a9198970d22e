"""Widgets of notebooks 08 and 09: optimise an input, see the picture and a readout.

Each ``*_widget`` returns an ``ipywidgets.VBox`` (controls, a text readout, the figure)
that can be driven from code: set a control's ``value`` (or click ``Run``) and read
``widget.readout.value``. Heavy sliders use ``continuous_update=False``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from matplotlib.figure import Figure
from torch import nn

from .adversarial import (
    adversarial_attack,
    first_change,
    plot_attack,
    relative_perturbation,
)
from .cache import cache_watch, cached, keyable
from .device import make_generator
from .fooling import fooling_search
from .maximize import display_normalize, make_objectives, maximize_response
from .plot import new_figure, show_image, show_in
from .precompute import attach_sweep

__all__ = ["attack_widget", "fooling_widget", "maximize_widget", "plot_optimized"]


def plot_optimized(
    image: torch.Tensor,
    history: torch.Tensor,
    *,
    title: str = "",
    ylabel: str = "objective",
    normalize: bool = True,
) -> Figure:
    """An optimised image (min–max normalised, or as is in [0, 1]) and its curve."""
    fig, axes = new_figure(1, 2, size=2.6)
    shown = display_normalize(image[None])[0] if normalize else image.clamp(0, 1)
    show_image(axes[0, 0], shown, normalize=False, title=title)
    ax = axes[0, 1]
    ax.set_axis_on()
    ax.plot(history.numpy())
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    return fig


def _panel(controls: list, compute: Callable[[], tuple[Figure, str]]):
    """Controls, a Run button, a readout and an output area; computes once at start."""
    import ipywidgets as W

    out, readout = W.Output(), W.HTML()
    button = W.Button(description="Run", button_style="primary")

    def update(*_):
        readout.value = "<i>running…</i>"
        fig, text = compute()
        readout.value = text
        show_in(out, fig)

    button.on_click(update)
    for c in controls:
        c.observe(update, names="value")
    box = W.VBox([W.HBox([*controls, button]), readout, out])
    box.readout, box.button, box.controls = readout, button, controls
    update()
    return box


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
):
    """Pick an objective (class, channel or unit), steps and prior weight; see x*.

    Args:
        choices: label → objective spec (as for :func:`maximize_response`).
        classes: class names, to report what the model predicts for x*.
    Returns:
        an ipywidgets VBox with ``.readout`` (the objective's rise and the prediction).
    """
    import ipywidgets as W

    which = W.Dropdown(options=list(choices), description="maximise")
    n = W.IntSlider(
        value=steps,
        min=1,
        max=max(500, steps),
        description="steps",
        continuous_update=False,
    )
    prior = W.FloatSlider(
        value=prior_weight,
        min=0.0,
        max=5.0,
        step=0.1,
        description="prior",
        continuous_update=False,
    )

    def compute():
        spec = choices[which.value]
        with cache_watch() as watch:  # a setting seen before: from the disk cache
            x, h = cached(
                maximize_response,
                model,
                spec,
                steps=n.value,
                lr=lr,
                size=size,
                prior_weight=round(prior.value, 4),
                classes=classes,
                generator=make_generator(seed),
                progress=False,
                cache_ignore=("progress",),
            )
        with torch.no_grad():
            p = model(x).softmax(1)[0]
        top = int(p.argmax())
        name = classes[top] if classes is not None else str(top)
        label = make_objectives(spec, classes)[0].label(classes)
        text = (
            f"<b>{label}</b>: objective {h[0, 0]:.3g} → {h[-1, 0]:.3g} in "
            f"{n.value} steps; the model predicts <b>{name}</b> (p = {p[top]:.2f}) "
            f"({watch.describe()})"
        )
        return plot_optimized(x[0], h[:, 0], title=which.value), text

    box = _panel([which, n, prior], compute)
    priors = [0.0, 0.5, 1.0, 1.5, 2.0]
    return attach_sweep(
        box, [(which, list(choices)), (n, [10, 25, 50, 100, 200]), (prior, priors)]
    )


def attack_widget(
    model: nn.Module,
    images: torch.Tensor,
    names: Sequence[str],
    classes: Sequence[str],
    *,
    to_image=None,
    steps: int = 15,
    lr: float = 0.1,
):
    """Pick an image, steps, step size and loss (ce/margin); see the attack's result."""
    import ipywidgets as W

    which = W.Dropdown(options=list(range(len(images))), description="image")
    which.options = [(str(name), i) for i, name in enumerate(names)]
    n = W.IntSlider(
        value=steps, min=1, max=100, description="steps", continuous_update=False
    )
    rate = W.FloatLogSlider(
        value=lr, base=10, min=-3, max=1, description="lr", continuous_update=False
    )
    # the browser test's main control: the step size changes every attack, while more
    # steps change nothing once the cross-entropy saturates or the margin is crossed
    rate.add_class("lecturelib-main")
    loss = W.ToggleButtons(options=["ce", "margin"], description="loss")

    def compute():
        x = images[which.value : which.value + 1]
        with cache_watch() as watch:  # a setting seen before: from the disk cache
            adv, hist = cached(
                adversarial_attack,
                model,
                x,
                steps=n.value,
                lr=round(rate.value, 6),
                loss=loss.value,
                cache_ignore=("progress",),
            )
        rel = 100 * relative_perturbation(x, adv)[0]
        k = int(first_change(hist)[0])
        a, b = classes[int(hist[0, 0])], classes[int(hist[-1, 0])]
        fig = plot_attack(x, adv, titles=[a], adversarial_titles=[b], to_image=to_image)
        when = f"first change at step {k}" if k > 0 else "no label change"
        return fig, (
            f"{a} → <b>{b}</b> ({when}); ‖x−x̌‖/‖x‖ = {rel:.3f}% ({watch.describe()})"
        )

    box = _panel([which, n, rate, loss], compute)
    steps_swept = [1, 5, 10, 15, 25, 50]
    return attach_sweep(
        box,
        [(which, range(len(images))), (n, steps_swept), (loss, ["ce", "margin"])],
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
):
    """Pick a target class, population and generations; evolve a fooling image."""
    import ipywidgets as W

    which = W.Dropdown(options=[(classes[t], t) for t in targets], description="class")
    pop = W.IntSlider(
        value=population,
        min=8,  # more than the 4 elite images kept each generation
        max=256,
        description="population",
        continuous_update=False,
    )
    gens = W.IntSlider(
        value=generations,
        min=1,
        max=1000,
        description="generations",
        continuous_update=False,
    )

    def compute():
        settings = {
            "shape": shape,
            "population": pop.value,
            "generations": gens.value,
            "to_input": to_input,
            "generator": make_generator(seed),
            "progress": False,
        }
        with cache_watch() as watch:  # a setting seen before: from the disk cache
            if keyable(to_input):
                best, hist = cached(
                    fooling_search,
                    model,
                    which.value,
                    **settings,
                    cache_ignore=("batch_size", "progress"),
                )
            else:  # a lambda cannot be keyed: computed each time
                best, hist = fooling_search(model, which.value, **settings)
        name = classes[which.value]
        fig = plot_optimized(
            best,
            hist,
            title=f"{name}: p = {hist[-1]:.3f}",
            ylabel=f"best p({name})",
            normalize=False,
        )
        return fig, (
            f"p(<b>{name}</b>) = {hist[0]:.3f} → <b>{hist[-1]:.3f}</b> "
            f"({watch.describe()})"
        )

    box = _panel([which, pop, gens], compute)
    return attach_sweep(box, [(which, list(targets))])
