"""Notebook 09, slides 76-83: Adversarial examples: tiny input changes that flip a network's answer.

The lecture's attack (Szegedy et al., 2014) takes gradient steps on the input that
*increase* the cross-entropy of the current label, SGD with lr = 0.1 for 15 steps,
then checks that random perturbations twice as large do not change the label: the
adversarial direction is special. Fooling images (Nguyen et al., 2015) are in
:mod:`lecturelib.sections.s09_adversarial.fooling`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from lecturelib.core.hooks import preserved_state
from lecturelib.core.validate import (
    check_choice,
    check_float,
    check_images,
    check_int,
    resolve_target,
)

__all__ = [
    "LOSSES",
    "adversarial_attack",
    "confidences",
    "first_change",
    "input_gradient_norm",
    "label_table",
    "relative_perturbation",
    "sphere_test",
]

LOSSES = ("ce", "margin")


def _attack_loss(logits: torch.Tensor, labels: torch.Tensor, loss: str) -> torch.Tensor:
    """The quantity SGD minimises, summed over images (so images do not interact)."""
    if loss == "ce":
        return -F.cross_entropy(logits, labels, reduction="sum")
    own = logits.gather(1, labels[:, None])[:, 0]
    others = logits.scatter(1, labels[:, None], float("-inf")).max(1).values
    return (own - others).clamp_min(0).sum()  # 0 (no gradient) once the label flipped


def adversarial_attack(
    model: nn.Module,
    images: torch.Tensor,
    labels=None,
    *,
    steps: int = 15,
    lr: float = 0.1,
    loss: str = "ce",
    progress: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The lecture's attack: SGD on the input, minimising −cross-entropy(model(x), y).

    ``loss="margin"`` instead descends on the logit margin z_y − max_{j≠y} z_j (hinged
    at 0): its gradient does not vanish when the softmax is saturated, which is what
    stalls the cross-entropy version on a confident network.

    Args:
        images: (N, C, H, W) in the model's input space, on the model's device.
        labels: the labels to move away from: an int, (N,) indices, or None for the
            model's own predictions (the lecture's choice).
        steps: SGD steps (≥ 1). lr: step size (the lecture's 0.1).
    Returns:
        ``(adversarial, label_history)``: (N, C, H, W) images, and the predicted labels
        (steps + 1, N) int64 on the CPU, row k after k steps (row 0: the originals).
    """
    images = check_images(images)
    steps = check_int("steps", steps, low=1)
    lr = check_float("lr", lr, low=0.0)
    check_choice("loss", loss, LOSSES)
    with preserved_state(model), torch.enable_grad():
        x = images.detach().clone().requires_grad_(True)
        history, y = [], None
        optimizer = torch.optim.SGD([x], lr=lr)
        for _ in tqdm(range(steps), desc="attack", disable=not progress, leave=False):
            logits = model(x)
            history.append(logits.argmax(1).cpu())
            if y is None:  # from the first forward: no extra pass for the labels
                y = resolve_target(logits, labels)
            optimizer.zero_grad()
            _attack_loss(logits, y, loss).backward()
            optimizer.step()
        with torch.no_grad():
            history.append(model(x).argmax(1).cpu())
    return x.detach(), torch.stack(history)


def relative_perturbation(
    images: torch.Tensor, adversarial: torch.Tensor
) -> torch.Tensor:
    """‖x − x̌‖ / ‖x‖ per image, (N,): the lecture reports it in percent."""
    diff = (adversarial - images).flatten(1).norm(dim=1)
    return diff / images.flatten(1).norm(dim=1).clamp_min(1e-12)


def first_change(label_history: torch.Tensor) -> torch.Tensor:
    """(N,) the first iteration whose label differs from row 0, or −1 if none does."""
    changed = label_history[1:] != label_history[:1]
    first = changed.float().argmax(0) + 1
    return torch.where(changed.any(0), first, torch.full_like(first, -1))


def _directions(shape, n: int, generator, device) -> torch.Tensor:
    """``n`` random unit directions, drawn one by one (independent of the batch size)."""
    where = generator.device if generator is not None else "cpu"
    d = torch.stack(
        [torch.randn(shape, generator=generator, device=where) for _ in range(n)]
    )
    d = d / d.flatten(1).norm(dim=1).view(-1, *[1] * len(shape))
    return d.to(device)


@torch.no_grad()
def sphere_test(
    model: nn.Module,
    images: torch.Tensor,
    radius,
    *,
    n: int = 1000,
    batch_size: int = 250,
    generator: torch.Generator | None = None,
    progress: bool = False,
) -> torch.Tensor:
    """The lecture's control: how many of ``n`` random points on the sphere of centre x
    and radius ``radius`` change the model's label.

    The lecture uses radius = 2‖x − x̌‖ and saw no label change in 1,000 samples.
    Directions are uniform on the sphere (normalised Gaussians from
    ``generator``, drawn one by one, so the count does not depend on ``batch_size``).

    Args:
        images: (N, C, H, W). radius: a number or (N,) radii.
    Returns:
        (N,) int64 counts of label changes among the ``n`` points of each image.
    """
    images = check_images(images)
    n = check_int("n", n, low=1)
    batch_size = check_int("batch_size", batch_size, low=1)
    radius = torch.as_tensor(radius, dtype=images.dtype).flatten().expand(len(images))
    if not (torch.isfinite(radius) & (radius >= 0)).all():
        raise ValueError(f"radius must be finite and in [0, ∞]; got {radius.tolist()}")
    counts = torch.zeros(len(images), dtype=torch.long)
    with preserved_state(model):
        labels = model(images).argmax(1)
        for i in tqdm(
            range(len(images)), desc="sphere", disable=not progress, leave=False
        ):
            for start in range(0, n, batch_size):
                m = min(batch_size, n - start)
                d = _directions(images.shape[1:], m, generator, images.device)
                points = images[i] + float(radius[i]) * d
                counts[i] += int((model(points).argmax(1) != labels[i]).sum())
    return counts


@torch.no_grad()
def confidences(
    model: nn.Module, images: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """``(labels, probabilities)`` (N,) of the model's top class, in eval mode."""
    with preserved_state(model):
        p = model(images).softmax(1)
    conf, labels = p.max(1)
    return labels, conf


def input_gradient_norm(
    model: nn.Module, images: torch.Tensor, labels, *, loss: str = "ce"
) -> torch.Tensor:
    """‖∂loss/∂x‖ per image (N,), for the attack's ``loss`` ("ce" or "margin").

    For the cross-entropy, ∂CE/∂z = softmax(z) − e_y has norm ≤ √2 (1 − p_y): on a
    saturated softmax (p_y ≈ 1) the input gradient vanishes, whatever the margin.
    """
    images = check_images(images)
    check_choice("loss", loss, LOSSES)
    with preserved_state(model), torch.enable_grad():
        x = images.detach().clone().requires_grad_(True)
        logits = model(x)
        y = resolve_target(logits, labels)
        (grad,) = torch.autograd.grad(_attack_loss(logits, y, loss), x)
    return grad.flatten(1).norm(dim=1).cpu()


def label_table(
    label_history: torch.Tensor,
    classes: Sequence[str],
    *,
    columns: Sequence[str] | None = None,
) -> str:
    """The lecture's table as HTML: the predicted class of each image at each step."""
    n = label_history.shape[1]
    columns = list(columns) if columns is not None else [f"image {i}" for i in range(n)]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ["iteration", *columns])
    rows = []
    for k, row in enumerate(label_history.tolist()):
        cells = "".join(f"<td>{html.escape(str(classes[j]))}</td>" for j in row)
        rows.append(f"<tr><td>{k}</td>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"
