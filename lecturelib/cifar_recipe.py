"""Recipe of ``data/resnet_nopool_cifar10.pt``, the pooling-free ResNet of notebook 04.

The lecture's network (section "Layers as embeddings") is a residual network of 66
layers without any pooling before the final global average, trained on CIFAR-10
(Krizhevsky, 2009); its residual blocks follow He et al. (2016). Training 66 layers at
full 32×32 resolution takes a GPU, so the shipped checkpoint is the same architecture
with :data:`SHIPPED_DEPTH` = 10 layers (one conv, four residual blocks of two convs,
one linear layer; 16 channels), trained by the same recipe on a 2-core CPU in a few
minutes. The lecture's network is the same recipe with a flag::

    python -m lecturelib.train resnet_nopool             # shipped: depth 10, CPU
    python -m lecturelib.cifar_recipe --depth 66 --epochs 40   # the lecture's, GPU

The second command overwrites ``data/resnet_nopool_cifar10.pt`` (its depth is stored
in the file, so :func:`lecturelib.models.load_resnet_nopool` and notebook 04 then use
the 66-layer network); add ``--output NAME.pt`` to keep the shipped one. The shipped
checkpoint reaches 56 % on the 5,000-image CIFAR-10 test subset
(``shared/datasets/cifar10-jpeg``), trained on its 10,000 training images in 12 epochs
(18 minutes on a 2-core CPU shared with other jobs, one thread).

Recipe: Adam (lr 2e-3, weight decay 5e-4), cosine decay, batch 64, random crops
(4-pixel zero padding) and horizontal flips, seed 0.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch
from torch.nn import functional as F

from .device import get_device, make_generator, seed_everything

__all__ = [
    "SHIPPED_CHANNELS",
    "SHIPPED_DEPTH",
    "augment_crop_flip",
    "train_resnet_nopool",
]

SHIPPED_DEPTH = 10
SHIPPED_CHANNELS = 16
LECTURE_DEPTH = 66


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
    """Train :class:`~lecturelib.models.ResNetNoPool` on CIFAR-10 and save it in ``data/``.

    Args:
        device: where to train (default: CUDA when present, else the CPU).
        depth: weight layers (2 + 2 × blocks): 10 shipped, 66 in the lecture.
        channels: channels of every convolution (16).
        epochs: passes over the training split.
        output: file name in ``data/``; :func:`lecturelib.models.load_resnet_nopool`
            reads ``resnet_nopool_cifar10.pt``.
        root: CIFAR-10 folder (default: ``LECTURELIB_CIFAR10``, else torchvision).
    Returns:
        The path of the checkpoint: ``{"model": state_dict, "config": {"depth",
        "channels"}, "test_accuracy": float, ...}``.
    """
    from .data import load_cifar10
    from .models import ResNetNoPool
    from .train import accuracy, fit, save_checkpoint

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--depth",
        type=int,
        default=SHIPPED_DEPTH,
        help=f"{SHIPPED_DEPTH} shipped, {LECTURE_DEPTH} in the lecture",
    )
    parser.add_argument("--channels", type=int, default=SHIPPED_CHANNELS)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--output", default="resnet_nopool_cifar10.pt")
    parser.add_argument("--device", default=None, help="default: CUDA when present")
    args = parser.parse_args(argv)
    start = time.time()
    device = torch.device(args.device) if args.device else None
    path = train_resnet_nopool(
        device,
        depth=args.depth,
        channels=args.channels,
        epochs=args.epochs,
        output=args.output,
    )
    print(f"wrote {path} in {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
