"""A small training loop: :func:`fit`, :func:`predict` and :func:`accuracy`.

The recipes of the shipped checkpoints, and their command, are in
:mod:`lecturelib.core.checkpoints`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from tqdm.auto import tqdm

from lecturelib.core.device import make_generator

__all__ = ["accuracy", "fit", "predict"]


def fit(
    model: nn.Module,
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    epochs: int = 10,
    batch_size: int = 100,
    lr: float = 1e-3,
    weight_decay: float = 0.0,
    augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None,
    generator: torch.Generator | None = None,
    progress: bool = True,
    schedule: bool = False,
) -> list[float]:
    """Train ``model`` with Adam and cross-entropy on the device of its parameters.

    Args:
        images, labels: the whole training set (N, ...) and (N,), on any device.
        augment: optional ``f(batch, generator) -> batch`` applied on the device.
        generator: a CPU generator for the shuffling (seeded: same model each run).
        schedule: cosine learning-rate decay over the epochs.
    Returns:
        The mean training loss of each epoch.
    """
    device = next(model.parameters()).device
    generator = generator or make_generator(0)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps = epochs * ((len(images) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps) if schedule else None
    losses = []
    model.train()
    bar = tqdm(range(epochs), desc="training", disable=not progress)
    for _ in bar:
        order = torch.randperm(len(images), generator=generator)
        total = 0.0
        for start in range(0, len(images), batch_size):
            idx = order[start : start + batch_size]
            x, y = images[idx].to(device), labels[idx].to(device)
            if augment is not None:
                x = augment(x, generator)
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if sched is not None:
                sched.step()
            total += loss.item() * len(idx)
        losses.append(total / len(images))
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
    model.eval()
    return losses


@torch.no_grad()
def predict(
    model: nn.Module, images: torch.Tensor, *, batch_size: int = 500
) -> torch.Tensor:
    """Predicted labels (N,) on the CPU, computed in batches on the model's device."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        out = [
            model(images[i : i + batch_size].to(device)).argmax(1).cpu()
            for i in range(0, len(images), batch_size)
        ]
    finally:
        model.train(was_training)
    return torch.cat(out)


def accuracy(
    model: nn.Module, images: torch.Tensor, labels: torch.Tensor, **kw
) -> float:
    """Fraction of ``images`` whose predicted label equals ``labels``."""
    return (predict(model, images, **kw) == labels.cpu()).float().mean().item()
