"""The per-model tables and the online model path, tested offline.

Every table entry must name a layer of the real torchvision architecture; a torchvision
state dict written into a temporary hub cache is loaded without a download, and, not
being the published file, makes the model report itself as untrained.
"""

import hashlib

import pytest
import torch
import torchvision

from lecturelib.core import data
from lecturelib.core.hooks import layer_names
from lecturelib.core.imagenet import (
    IMAGENET_MODEL_NAMES,
    IMAGENET_SPECS,
    check_trained_claim,
    imagenet_info,
    is_published_file,
    load_imagenet_model,
    weights_path,
)
from lecturelib.core.models import LeNet


def _architecture(name):
    if name == "efficientnet_lite0":
        return load_imagenet_model(name)[0]
    return getattr(torchvision.models, name)(weights=None)


@pytest.mark.parametrize("name", list(IMAGENET_SPECS))
def test_every_table_entry_resolves_on_the_real_architecture(name):
    spec = IMAGENET_SPECS[name]
    assert spec.name == name and set(spec.layers) == {"early", "middle", "last"}
    names = set(layer_names(_architecture(name)))
    missing = {
        role: layer for role, layer in spec.entries().items() if layer not in names
    }
    assert not missing, f"{name}: {missing}"


def test_every_loadable_name_has_a_table():
    assert set(IMAGENET_MODEL_NAMES) - {"auto"} == set(IMAGENET_SPECS)


def test_vgg16_table_holds_the_lecture_layers():
    # the lecture maximises channels of VGG16's 4th and 7th convolutions, units of the
    # 10th and 13th: count the Conv2d modules of the real architecture
    vgg = torchvision.models.vgg16(weights=None)
    convs = [n for n, m in vgg.named_modules() if isinstance(m, torch.nn.Conv2d)]
    lecture = IMAGENET_SPECS["vgg16"].lecture_layers
    assert {k: v[0] for k, v in lecture.items()} == {
        "conv4": convs[3],
        "conv7": convs[6],
        "conv10": convs[9],
        "conv13": convs[12],
    }
    assert [v[1] for v in lecture.values()] == ["channel", "channel", "unit", "unit"]
    alex = torchvision.models.alexnet(weights=None)
    alex_convs = [n for n, m in alex.named_modules() if isinstance(m, torch.nn.Conv2d)]
    assert IMAGENET_SPECS["alexnet"].filters == tuple(alex_convs[:2])


@pytest.fixture
def offline_hub(monkeypatch, tmp_path):
    monkeypatch.setenv("LECTURELIB_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    data.is_online.cache_clear()
    data._ANNOUNCED.clear()
    yield tmp_path
    data.is_online.cache_clear()


def test_random_weights_in_the_hub_cache_take_the_online_path(offline_hub, capsys):
    path = weights_path("alexnet")
    assert path.parent == offline_hub / "hub" / "checkpoints"
    path.parent.mkdir(parents=True)
    reference = torchvision.models.alexnet(weights=None)
    torch.save(reference.state_dict(), path)
    model, preprocess, classes = load_imagenet_model("alexnet")
    out = capsys.readouterr().out
    assert type(model).__name__ == "AlexNet" and len(classes) == 1000
    torch.testing.assert_close(model.features[0].weight, reference.features[0].weight)
    info = imagenet_info(model)
    assert info.name == "alexnet" and not info.published
    assert "not the published weights" in out
    assert preprocess.size == 224
    check_trained_claim(model, False, "a trained-only claim")  # reported, not raised
    assert "not checked (not the published weights): a trained-only claim" in (
        capsys.readouterr().out
    )


def test_the_environment_variable_chooses_auto(offline_hub, monkeypatch, capsys):
    monkeypatch.setenv("LECTURELIB_IMAGENET", "efficientnet_lite0")
    model, _, _ = load_imagenet_model()
    assert imagenet_info(model).name == "efficientnet_lite0"
    assert imagenet_info(model).published
    with pytest.raises(AssertionError, match="a claim"):
        check_trained_claim(model, False, "a claim")  # trained: the claim is asserted
    monkeypatch.setenv("LECTURELIB_IMAGENET", "vgg16")  # not cached, offline: fallback
    model, _, _ = load_imagenet_model()
    out = capsys.readouterr().out
    assert imagenet_info(model).name == "efficientnet_lite0"
    assert "vgg16" in out and "python -m lecturelib.core.imagenet vgg16" in out
    monkeypatch.setenv("LECTURELIB_IMAGENET", "vgg17")
    with pytest.raises(ValueError, match="LECTURELIB_IMAGENET.*vgg16"):
        load_imagenet_model()


def test_published_file_is_told_by_its_hash(tmp_path):
    blob = b"weights" * 1000
    digest = hashlib.sha256(blob).hexdigest()
    good, bad = tmp_path / f"net-{digest[:8]}.pth", tmp_path / "net-0123abcd.pth"
    good.write_bytes(blob)
    bad.write_bytes(blob)
    assert is_published_file(good) and not is_published_file(bad)
    nameless = tmp_path / "net.pth"  # no digits in the name: nothing to match
    nameless.write_bytes(blob)
    assert not is_published_file(nameless)


def test_own_model_has_no_table_and_the_error_lists_its_layers():
    with pytest.raises(TypeError, match="conv1.*conv2.*fc2"):
        imagenet_info(LeNet())
