"""A small training loop, and the recipes of the checkpoints shipped in ``data/``.

Each shipped checkpoint is reproduced by one command::

    python -m lecturelib.train lenet          # data/lenet_mnist.pt
    python -m lecturelib.train resnet_nopool  # data/resnet_nopool_cifar10.pt
    python -m lecturelib.train allconv        # data/allconv_mnist.pt (notebook 10)
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from .data import DATA_DIR
from .device import get_device, make_generator, seed_everything

__all__ = ["RECIPES", "accuracy", "fit", "main", "predict", "save_checkpoint"]


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


def save_checkpoint(model: nn.Module, name: str, **meta) -> Path:
    """Save ``model``'s weights (on the CPU) and ``meta`` as ``data/<name>``."""
    path = Path(DATA_DIR) / name
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    torch.save({"model": state, **meta}, path)
    return path


def train_lenet(device=None, epochs: int = 12) -> Path:
    """Recipe of ``data/lenet_mnist.pt``: LeNet, Adam 1e-3, 12 epochs, seed 0."""
    from .data import load_mnist
    from .models import LeNet

    seed_everything(0)
    x, y = load_mnist("train")
    xt, yt = load_mnist("test")
    model = LeNet().to(device or get_device())
    fit(model, x, y, epochs=epochs, batch_size=64, lr=1e-3, generator=make_generator(0))
    acc = accuracy(model, xt, yt)
    print(f"LeNet held-out accuracy: {acc:.4f} on {len(yt)} digits")
    return save_checkpoint(model, "lenet_mnist.pt", test_accuracy=acc, n_train=len(y))


def _train_resnet(device=None):
    from .cifar_recipe import train_resnet_nopool

    return train_resnet_nopool(device=device)


def _train_allconv(device=None):
    from .dilation import train_checkpoint

    return train_checkpoint(device=device)


RECIPES: dict[str, Callable[..., Path]] = {
    "lenet": train_lenet,
    "resnet_nopool": _train_resnet,
    "allconv": _train_allconv,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Reproduce a checkpoint shipped in data/."
    )
    parser.add_argument("recipe", choices=sorted(RECIPES))
    parser.add_argument("--device", default=None, help="default: CUDA when present")
    args = parser.parse_args(argv)
    start = time.time()
    path = RECIPES[args.recipe](
        device=torch.device(args.device) if args.device else None
    )
    print(f"wrote {path} in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
