"""The lecture's models, and the loaders of the checkpoints the workbook ships.

* :class:`MLP2D` — R²→R² with one hidden layer of 20 units (notebook 01).
* :class:`LeNet` — conv 1→32 5×5, conv 32→64 5×5, two fully connected layers
  (notebooks 02–09); :func:`load_lenet` loads the shipped MNIST checkpoint.
* :class:`ResNetNoPool` — the pooling-free residual network for CIFAR-10 (notebook 04).
* :class:`AllConvNet` — strides and dilations, no pooling, no linear layer (notebook 10).

The pretrained ImageNet models (``load_imagenet_model``) and their per-model tables are
in :mod:`lecturelib.core.imagenet`.
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import torch
from torch import nn

from lecturelib.core.data import DATA_DIR
from lecturelib.core.validate import check_int

__all__ = [
    "MLP2D",
    "AllConvNet",
    "LeNet",
    "ResNetBlock",
    "ResNetNoPool",
    "load_all_conv",
    "load_checkpoint",
    "load_lenet",
    "load_resnet_nopool",
]


class MLP2D(nn.Sequential):
    """The lecture's ``nn.Sequential(nn.Linear(2, 20), nn.ReLU(), nn.Linear(20, 2))``."""

    def __init__(self, hidden: int = 20, n_classes: int = 2):
        super().__init__(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))


class LeNet(nn.Sequential):
    """The lecture's LeNet for 1×28×28 digits.

    conv1 1→32 5×5 → max-pool 3 → ReLU → conv2 32→64 5×5 → max-pool 2 → ReLU →
    fc1 256→200 → ReLU → fc2 200→10. Named layers: conv1, pool1, relu1, conv2, pool2,
    relu2, flatten, fc1, relu3, fc2.
    """

    def __init__(self, n_classes: int = 10):
        super().__init__(
            OrderedDict(
                conv1=nn.Conv2d(1, 32, kernel_size=5),
                pool1=nn.MaxPool2d(kernel_size=3, stride=3),
                relu1=nn.ReLU(),
                conv2=nn.Conv2d(32, 64, kernel_size=5),
                pool2=nn.MaxPool2d(kernel_size=2, stride=2),
                relu2=nn.ReLU(),
                flatten=nn.Flatten(),
                fc1=nn.Linear(256, 200),
                relu3=nn.ReLU(),
                fc2=nn.Linear(200, n_classes),
            )
        )


class ResNetBlock(nn.Module):
    """conv-BN-ReLU-conv-BN, plus the input, then ReLU (He et al., 2016)."""

    def __init__(self, channels: int, kernel_size: int = 3):
        super().__init__()
        pad = (kernel_size - 1) // 2
        self.conv1 = nn.Conv2d(channels, channels, kernel_size, padding=pad, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(channels, channels, kernel_size, padding=pad, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.relu2 = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x)))))
        return self.relu2(x + y)


class ResNetNoPool(nn.Module):
    """The lecture's pooling-free residual network for CIFAR-10.

    One conv 3→C, then ``(depth - 2) // 2`` residual blocks at full 32×32 resolution,
    then a global average and a linear layer: ``depth`` weight layers in all (the
    lecture's is 66). Layers: conv, bn, relu, blocks.0 … blocks.{B-1}, pool, flatten, fc.
    """

    def __init__(self, depth: int = 66, channels: int = 16, n_classes: int = 10):
        super().__init__()
        check_int("depth", depth, low=4)
        if depth % 2:
            raise ValueError(
                f"depth must be even (2 + 2 × number of blocks); got {depth}"
            )
        self.depth = depth
        self.conv = nn.Conv2d(3, channels, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU()
        self.blocks = nn.Sequential(
            *(ResNetBlock(channels) for _ in range((depth - 2) // 2))
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(channels, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.relu(self.bn(self.conv(x))))
        return self.fc(self.flatten(self.pool(x)))


class AllConvNet(nn.Sequential):
    """An MNIST classifier with neither pooling nor fully-connected layers.

    Resolution drops by strides only, and the receptive field grows by dilation
    (Springenberg et al., 2015, "Striving for simplicity: the all convolutional net";
    Yu & Koltun, 2016). 28×28 → 14×14 (stride 2) → 14×14 (dilation 2) → 7×7 (stride 2)
    → 7×7 (dilation 2) → 1×1: the last 3×3 kernel, dilated by 3, reads 9 positions
    spread over the whole 7×7 map and gives the 10 class scores. Receptive field 57.
    """

    def __init__(self, width: int = 32, n_classes: int = 10):
        w = check_int("width", width, low=1)
        super().__init__(
            OrderedDict(
                conv1=nn.Conv2d(1, w // 2 or 1, 5, stride=2, padding=2),
                relu1=nn.ReLU(),
                conv2=nn.Conv2d(w // 2 or 1, w, 3, padding=2, dilation=2),
                relu2=nn.ReLU(),
                conv3=nn.Conv2d(w, w, 3, stride=2, padding=1),
                relu3=nn.ReLU(),
                conv4=nn.Conv2d(w, w, 3, padding=2, dilation=2),
                relu4=nn.ReLU(),
                conv5=nn.Conv2d(w, n_classes, 3, dilation=3),
                flatten=nn.Flatten(),
            )
        )


def _checkpoint_file(filename: str, recipe: str) -> dict:
    path = Path(DATA_DIR) / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"checkpoint {path} is missing; make it with "
            f"`python -m lecturelib.core.checkpoints {recipe}`"
        )
    state = torch.load(path, map_location="cpu", weights_only=True)
    return state if "model" in state else {"model": state}


def load_checkpoint(
    model: nn.Module | type[nn.Module], filename: str, *, device=None, recipe: str = ""
) -> nn.Module:
    """Load ``<DATA_DIR>/<filename>`` into ``model``; eval mode, on ``device`` (CPU by default).

    ``model`` is a module, or a module class built from the file's ``config`` (its size).
    """
    state = _checkpoint_file(filename, recipe)
    if isinstance(model, type):
        model = model(**state.get("config", {}))
    model.load_state_dict(state["model"])
    return model.eval().to(device or "cpu")


def load_lenet(device=None) -> LeNet:
    """The shipped LeNet trained on MNIST (``lenet_mnist.pt``, ≥ 95 % held out)."""
    return load_checkpoint(LeNet, "lenet_mnist.pt", device=device, recipe="lenet")


def load_resnet_nopool(device=None) -> ResNetNoPool:
    """The shipped pooling-free ResNet trained on CIFAR-10 (``resnet_nopool_cifar10.pt``)."""
    return load_checkpoint(
        ResNetNoPool, "resnet_nopool_cifar10.pt", device=device, recipe="resnet_nopool"
    )


def load_all_conv(device=None) -> AllConvNet:
    """The shipped :class:`AllConvNet` trained on MNIST (``allconv_mnist.pt``)."""
    return load_checkpoint(
        AllConvNet, "allconv_mnist.pt", device=device, recipe="allconv"
    )
