"""The checkpoints the workbook ships, and the one command that remakes each of them.

::

    python -m lecturelib.core.checkpoints lenet           # lenet_mnist.pt (notebooks 02–09)
    python -m lecturelib.core.checkpoints resnet_nopool   # resnet_nopool_cifar10.pt (notebook 04)
    python -m lecturelib.core.checkpoints allconv         # allconv_mnist.pt (notebook 10)
    python -m lecturelib.core.checkpoints resnet_nopool --depth 66 --epochs 40   # the lecture's, GPU

The files live in :data:`lecturelib.core.data.DATA_DIR` (shipped inside the package;
``LECTURELIB_DATA`` overrides it). The models are in :mod:`lecturelib.core.models`, the
training loop in :mod:`lecturelib.core.train`.

The pooling-free ResNet of notebook 04 is the lecture's network (section "Layers as
embeddings": 66 layers, no pooling before the final global average, CIFAR-10; residual
blocks after He et al., 2016) at :data:`SHIPPED_DEPTH` = 10 layers and 16 channels, so
that it trains on a 2-core CPU: 56 % on the 5,000-image CIFAR-10 test subset, trained on
its 10,000 training images in 12 epochs (18 minutes on a shared 2-core CPU). Recipe:
Adam (lr 2e-3, weight decay 5e-4), cosine decay, batch 64, random crops (4-pixel zero
padding) and horizontal flips, seed 0. ``--depth 66`` trains the lecture's (its depth is
stored in the file; add ``--output NAME.pt`` to keep the shipped one).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from lecturelib.core.data import DATA_DIR, load_cifar10, load_mnist
from lecturelib.core.device import get_device, make_generator, seed_everything
from lecturelib.core.models import AllConvNet, LeNet, ResNetNoPool
from lecturelib.core.train import accuracy, fit
from lecturelib.core.validate import check_int

__all__ = [
    "LECTURE_DEPTH",
    "RECIPES",
    "SHIPPED_CHANNELS",
    "SHIPPED_DEPTH",
    "augment_crop_flip",
    "fit_all_conv",
    "main",
    "save_checkpoint",
    "train_allconv",
    "train_lenet",
    "train_resnet_nopool",
]

SHIPPED_DEPTH = 10
SHIPPED_CHANNELS = 16
LECTURE_DEPTH = 66


def save_checkpoint(model: nn.Module, name: str, **meta) -> Path:
    """Save ``model``'s weights (on the CPU) and ``meta`` as ``DATA_DIR/<name>``."""
    path = Path(DATA_DIR) / name
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    torch.save({"model": state, **meta}, path)
    return path


def train_lenet(device=None, epochs: int = 12) -> Path:
    """Recipe of ``lenet_mnist.pt``: LeNet, Adam 1e-3, 12 epochs, seed 0."""
    seed_everything(0)
    x, y = load_mnist("train")
    xt, yt = load_mnist("test")
    model = LeNet().to(device or get_device())
    fit(model, x, y, epochs=epochs, batch_size=64, lr=1e-3, generator=make_generator(0))
    acc = accuracy(model, xt, yt)
    print(f"LeNet held-out accuracy: {acc:.4f} on {len(yt)} digits")
    return save_checkpoint(model, "lenet_mnist.pt", test_accuracy=acc, n_train=len(y))


def augment_crop_flip(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random 32×32 crops of the 4-pixel zero-padded batch, and random horizontal flips.

    Args:
        x: (N, C, H, W) batch on any device.
        generator: a CPU generator (the offsets and flips are drawn on the CPU).
    Returns:
        (N, C, H, W) augmented batch, on ``x.device``.
    """
    n, _, h, w = x.shape
    pad = F.pad(x, (4, 4, 4, 4))
    dy = torch.randint(0, 9, (n,), generator=generator).tolist()
    dx = torch.randint(0, 9, (n,), generator=generator).tolist()
    flip = torch.rand(n, generator=generator).lt(0.5).tolist()
    out = torch.stack(
        [pad[i, :, dy[i] : dy[i] + h, dx[i] : dx[i] + w] for i in range(n)]
    )
    idx = torch.tensor(
        [i for i in range(n) if flip[i]], dtype=torch.long, device=x.device
    )
    if len(idx):
        out[idx] = out[idx].flip(-1)
    return out


def train_resnet_nopool(
    device=None,
    *,
    depth: int = SHIPPED_DEPTH,
    channels: int = SHIPPED_CHANNELS,
    epochs: int = 12,
    output: str = "resnet_nopool_cifar10.pt",
    root=None,
) -> Path:
    """Train :class:`~lecturelib.core.models.ResNetNoPool` on CIFAR-10 and save it in ``DATA_DIR``.

    Args:
        device: where to train (default: CUDA when present, else the CPU).
        depth: weight layers (2 + 2 × blocks): 10 shipped, 66 in the lecture.
        channels: channels of every convolution (16).
        epochs: passes over the training split.
        output: file name in ``DATA_DIR``; :func:`lecturelib.core.models.load_resnet_nopool`
            reads ``resnet_nopool_cifar10.pt``.
        root: CIFAR-10 folder (default: ``LECTURELIB_CIFAR10``, else torchvision).
    Returns:
        The path of the checkpoint: ``{"model": state_dict, "config": {"depth",
        "channels"}, "test_accuracy": float, ...}``.
    """
    seed_everything(0)
    x, y = load_cifar10("train", root)
    xt, yt = load_cifar10("test", root)
    model = ResNetNoPool(depth, channels=channels).to(device or get_device())
    fit(
        model,
        x,
        y,
        epochs=epochs,
        batch_size=64,
        lr=2e-3,
        weight_decay=5e-4,
        augment=augment_crop_flip,
        generator=make_generator(0),
        schedule=True,
    )
    acc = accuracy(model, xt, yt)
    print(
        f"ResNetNoPool({depth}, channels={channels}) test accuracy: {acc:.4f} on {len(yt)} images"
    )
    return save_checkpoint(
        model,
        output,
        config={"depth": depth, "channels": channels},
        test_accuracy=acc,
        n_train=len(y),
        epochs=epochs,
    )


def fit_all_conv(
    images: torch.Tensor,
    labels: torch.Tensor,
    *,
    epochs: int = 15,
    width: int = 32,
    lr: float = 2e-3,
    seed: int = 0,
    progress: bool = True,
) -> AllConvNet:
    """Fit an :class:`AllConvNet` with Adam (cosine decay), on ``images.device``.

    Saves nothing: :func:`train_allconv` is the recipe that fits one on MNIST and saves
    ``allconv_mnist.pt``.

    Args:
        images: (N, 1, 28, 28) in [0, 1]; labels: (N,) class indices.
    Returns:
        the trained model, in eval mode.
    """
    check_int("epochs", epochs, low=1)
    seed_everything(seed)
    model = AllConvNet(width).to(images.device)
    fit(
        model,
        images,
        labels,
        epochs=epochs,
        batch_size=64,
        lr=lr,
        schedule=True,
        generator=make_generator(seed),
        progress=progress,
    )
    return model


def train_allconv(device=None, *, epochs: int = 15) -> Path:
    """Recipe of ``allconv_mnist.pt``: :func:`fit_all_conv`, defaults, seed 0."""
    x, y = load_mnist("train")
    xt, yt = load_mnist("test")
    model = fit_all_conv(x.to(device or get_device()), y, epochs=epochs)
    acc = accuracy(model, xt, yt)
    print(f"AllConvNet held-out accuracy: {acc:.4f} on {len(yt)} digits")
    return save_checkpoint(
        model,
        "allconv_mnist.pt",
        config={"width": model.conv2.out_channels},
        test_accuracy=acc,
        n_train=len(y),
        epochs=epochs,
    )


RECIPES: dict[str, Callable[..., Path]] = {
    "lenet": train_lenet,
    "resnet_nopool": train_resnet_nopool,
    "allconv": train_allconv,
}


def main(argv: list[str] | None = None) -> None:
    """``python -m lecturelib.core.checkpoints RECIPE [--device D] [--epochs N] ...``."""
    parser = argparse.ArgumentParser(
        description="Remake a checkpoint the workbook ships."
    )
    parser.add_argument("recipe", choices=sorted(RECIPES))
    parser.add_argument("--device", default=None, help="default: CUDA when present")
    parser.add_argument(
        "--epochs", type=int, default=None, help="default: the recipe's"
    )
    group = parser.add_argument_group("resnet_nopool only")
    group.add_argument(
        "--depth",
        type=int,
        default=None,
        help=f"{SHIPPED_DEPTH} shipped, {LECTURE_DEPTH} in the lecture",
    )
    group.add_argument("--channels", type=int, default=None)
    group.add_argument(
        "--output", default=None, help="file name (default: the shipped one)"
    )
    args = parser.parse_args(argv)
    options = {
        k: v
        for k in ("epochs", "depth", "channels", "output")
        if (v := getattr(args, k)) is not None
    }
    if args.recipe != "resnet_nopool" and options.keys() - {"epochs"}:
        parser.error("--depth, --channels and --output apply to resnet_nopool only")
    start = time.time()
    device = torch.device(args.device) if args.device else None
    path = RECIPES[args.recipe](device, **options)
    print(f"wrote {path} in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
