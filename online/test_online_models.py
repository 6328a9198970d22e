"""The online model path, tested offline (`make test-models`).

torchvision state dicts with random weights are written into a temporary torch hub
cache (`$TORCH_HOME/hub/checkpoints/<basename of the weights URL>`): torchvision then
loads them without a download, so `load_imagenet_model()` takes the online branch
with the real architectures and layer names. Every notebook that uses an ImageNet
model is executed on each model of `ONLINE_MODELS` (default the lecture's four: AlexNet,
VGG16, VGG19 and ResNet152), chosen with `LECTURELIB_IMAGENET`. The files are not the published weights: the loader says
so, and the notebooks report (rather than assert) the claims that need trained
weights. Any other failure fails the test, naming the notebook and the cell.

Also: notebook 04 on a laptop offline without CIFAR-10 runs to the end.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
import torchvision

from lecturelib.core.imagenet import IMAGENET_SPECS, weights_path
from lecturelib.tooling.notebook_runner import execute_notebook, notebook_paths

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build" / "test-models"
MODELS = os.environ.get("ONLINE_MODELS", "alexnet,vgg16,vgg19,resnet152").split(",")
IMAGENET_NOTEBOOKS = ["02", "03", "05", "06", "07", "08", "09"]
CELL_TIMEOUT = int(os.environ.get("ONLINE_CELL_TIMEOUT", "900"))
UNCHECKED = "not checked (not the published weights)"


@pytest.fixture(scope="session")
def torch_home() -> Path:
    """A hub cache holding random-weight state dicts of every model under test."""
    home = BUILD / "torch"
    for name in MODELS:
        path = Path(
            str(weights_path(name)).replace(torch.hub.get_dir(), str(home / "hub"))
        )
        if not path.is_file():
            torch.manual_seed(0)
            path.parent.mkdir(parents=True, exist_ok=True)
            model = getattr(torchvision.models, name)(weights=None)
            torch.save(model.state_dict(), path)
    return home


def _outputs(nb) -> str:
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(
                out.get("text", "") or str(out.get("data", {}).get("text/plain", ""))
            )
    return "\n".join(texts)


def _run(path: Path, env: dict) -> str:
    nb, seconds, error = execute_notebook(path, timeout=CELL_TIMEOUT, env=env)
    failed = [
        (i, cell.source.splitlines()[-1] if cell.source else "")
        for i, cell in enumerate(nb.cells)
        if any(o.get("output_type") == "error" for o in cell.get("outputs", []))
    ]
    assert error is None, f"{path.name}: {error} (cell, its last line: {failed})"
    text = _outputs(nb)
    unchecked = [ln for ln in text.splitlines() if ln.startswith(UNCHECKED)]
    print(
        f"{path.name}: {seconds:.0f} s; claims reported, not asserted: {len(unchecked)}"
    )
    for line in unchecked:
        print("   ", line)
    return text


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("prefix", IMAGENET_NOTEBOOKS)
def test_notebook_runs_on_the_model(prefix, model, torch_home):
    (path,) = notebook_paths([prefix])
    env = {
        "LECTURELIB_OFFLINE": "1",
        "LECTURELIB_IMAGENET": model,
        "TORCH_HOME": str(torch_home),
        "LECTURELIB_CACHE": str(BUILD / "cache"),
    }
    text = _run(path, env)
    title = IMAGENET_SPECS[model].title
    assert f"ImageNet model: {title}, torchvision" in text, (
        f"{path.name} did not use {model}"
    )
    assert "using EfficientNet-Lite0" not in text
    assert "not the published weights" in text  # announced by the loader


def test_embeddings_notebook_without_cifar10(tmp_path):
    (path,) = notebook_paths(["04"])
    env = {
        "LECTURELIB_OFFLINE": "1",
        "LECTURELIB_CIFAR10": "",
        "LECTURELIB_CACHE": str(tmp_path / "cache"),
    }
    text = _run(path, env)
    assert "CIFAR-10 is not here" in text and "LECTURELIB_CIFAR10" in text
