"""Tests of lecturelib.sections.s04_embeddings.compute: features equal a manual forward, known k-NN answers."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from lecturelib.core.models import LeNet
from lecturelib.sections.s04_embeddings import compute as E
from lecturelib.sections.s04_embeddings import plots as EP
from lecturelib.sections.s04_embeddings.embedding_cache import EmbeddingCache
from lecturelib.sections.s04_embeddings.widget import embedding_widget


def _blobs(n_per: int = 20, dims: int = 5, gap: float = 50.0):
    """Three tight, far-apart Gaussian blobs: trivially separable."""
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [rng.normal(gap * c, 1.0, (n_per, dims)) for c in range(3)]
    ).astype(np.float32)
    return x, np.repeat(np.arange(3), n_per)


def test_layer_features_match_manual_forward_and_batching():
    torch.manual_seed(0)
    model = LeNet().train()
    x = torch.rand(9, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    f = E.layer_features(model, x, ["input", "relu1", "fc2"], batch_size=4)
    assert list(f) == ["input", "relu1", "fc2"]
    assert f["input"].shape == (9, 784) and torch.equal(f["input"], x.flatten(1))
    assert f["relu1"].shape == (9, 32 * 8 * 8)
    model.eval()
    with torch.no_grad():
        manual = torch.relu(torch.nn.functional.max_pool2d(model.conv1(x), 3)).flatten(
            1
        )
        out = model(x)
    model.train()
    assert torch.allclose(f["relu1"], manual, atol=1e-6) and torch.allclose(
        f["fc2"], out, atol=1e-5
    )
    g = E.layer_features(model, x, ["relu1"], batch_size=9)
    assert torch.allclose(g["relu1"], f["relu1"], atol=1e-6)


def test_layer_features_work_on_the_images_device():
    """The batches stay where the images are: the caller moves the model and inputs.

    The model's only parameter is on the "meta" device (never used by its layers):
    moving the batches to the parameters' device would give meta outputs, which
    cannot be copied to the CPU.
    """
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.ReLU())
    model.register_parameter(
        "unused", torch.nn.Parameter(torch.empty(1, device="meta"))
    )
    x = torch.randn(5, 2, 3, 3, generator=torch.Generator().manual_seed(0))
    f = E.layer_features(model, x, ["input", "1"], batch_size=2)
    assert torch.equal(f["1"], x.flatten(1).relu()) and f["1"].device.type == "cpu"


def test_knn_accuracy_known_answers():
    x, y = _blobs()
    assert E.knn_accuracy(x, y, k=10) == 1.0
    # two points per class, far apart: each point's single nearest other point is its twin
    pts = np.array([[0.0, 0], [0, 1], [10, 0], [10, 1]])
    assert E.knn_accuracy(pts, [0, 0, 1, 1], k=1) == 1.0
    # alternate labels along a line: the nearest other point always has the other label
    line = np.arange(6, dtype=np.float32)[:, None] * np.array([[1.0, 0.0]])
    assert E.knn_accuracy(line + [[0, 0]], [0, 1, 0, 1, 0, 1], k=1) == 0.0
    with pytest.raises(ValueError, match=r"k must be in \[1, 5\]"):
        E.knn_accuracy(line, [0, 1, 0, 1, 0, 1], k=6)
    with pytest.raises(ValueError, match="labels must have one entry per point"):
        E.knn_accuracy(line, [0, 1])


def test_embed_reproducible_and_separates_blobs():
    x, y = _blobs()
    a = E.embed(x, perplexity=10, seed=3)
    b = E.embed(torch.from_numpy(x), perplexity=10, seed=3)
    assert a.shape == (60, 2) and a.dtype == np.float32
    assert np.array_equal(a, b)
    assert E.knn_accuracy(a, y, k=10) == 1.0
    assert E.embed(x, perplexity=10, n_components=3).shape == (60, 3)


def test_reduce_dims_and_trustworthiness():
    x, _ = _blobs(dims=80)
    assert E.reduce_dims(x, pca_dims=50).shape == (60, 50)
    assert E.reduce_dims(x[:, :20]).shape == (60, 20)  # already small: unchanged
    assert E.trustworthiness(x[:, :2], x[:, :2], n_neighbors=5) == pytest.approx(1.0)
    shuffled = np.random.default_rng(1).permutation(x[:, :2])
    assert E.trustworthiness(x[:, :2], shuffled, n_neighbors=5) < 0.8


def test_bad_input():
    x, y = _blobs()
    with pytest.raises(ValueError, match=r"perplexity must be in \(0, 60\)"):
        E.embed(x, perplexity=60)
    with pytest.raises(TypeError, match="perplexity must be a number"):
        E.embed(x, perplexity="30")
    with pytest.raises(ValueError, match="layer 'conv3' is not in the model"):
        E.layer_features(LeNet(), torch.rand(2, 1, 28, 28), ["conv3"])
    with pytest.raises(ValueError, match="images must have 1 channel"):
        E.layer_features(LeNet(), torch.rand(2, 3, 28, 28), ["conv1"])
    with pytest.raises(ValueError, match="images must have 4 dimensions"):
        E.layer_features(LeNet(), torch.rand(1, 28, 28), ["conv1"])
    cache = EmbeddingCache({"a": torch.from_numpy(x)}, y)
    with pytest.raises(ValueError, match="valid: a"):
        cache.get("b")
    with pytest.raises(ValueError, match="same N"):
        EmbeddingCache({"a": torch.from_numpy(x)}, y[:5])


def test_cache_computes_once_and_widget():
    x, y = _blobs()
    feats = {
        "far": torch.from_numpy(x),
        "noise": torch.randn(60, 5, generator=torch.Generator().manual_seed(0)),
    }
    cache = EmbeddingCache(feats, y, k=5)
    first = cache.get("far", 10)
    assert cache.get("far", 10) is first and cache.runs == 1
    assert first["knn"] == 1.0 and first["trust"] > 0.9
    table = cache.table(10)
    assert table.loc["far", "5-NN accuracy"] == 1.0
    w = embedding_widget(cache, perplexities=(5, 10, 100))
    layer, perp = w.controls["layer"], w.controls["perplexity"]
    assert perp.options == (5, 10)  # 100 is not below 60 samples
    assert cache.runs == 2 and "noise" in w.readout.value  # the last layer first
    before = w.readout.value
    layer.value = "far"  # far at perplexity 5: a new run
    assert "far" in w.readout.value and w.readout.value != before
    assert cache.runs == 3
    perp.value = 10  # far at 10 was computed above: no new run
    assert cache.runs == 3 and "perplexity 10" in w.readout.value
    layer.value = "noise"  # noise at 10: new
    perp.value = 5  # noise at 5: seen when the widget opened
    assert cache.runs == 4
    assert isinstance(EP.plot_embeddings(cache.compute(["far"], 10), y), Figure)


def test_swiss_roll():
    x, t, intrinsic = E.swiss_roll(200, seed=0)
    assert x.shape == (200, 4) and t.shape == (200,) and intrinsic.shape == (200, 2)
    assert np.allclose(intrinsic[:, 0], t) and np.allclose(intrinsic[:, 1], x[:, 1])
    assert abs(x[:, 3].std() - 1.0) < 0.2


def test_shipped_resnet_checkpoint_is_small_and_accurate():
    from lecturelib.core.data import DATA_DIR, load_cifar10
    from lecturelib.core.models import load_resnet_nopool
    from lecturelib.core.train import accuracy

    path = DATA_DIR / "resnet_nopool_cifar10.pt"
    assert path.stat().st_size < 1_000_000
    meta = torch.load(path, map_location="cpu", weights_only=True)
    assert (
        meta["config"] == {"depth": 10, "channels": 16} and meta["test_accuracy"] > 0.5
    )
    try:
        images, labels = load_cifar10("test")
    except FileNotFoundError as err:
        pytest.skip(
            f"no CIFAR-10 here (set LECTURELIB_CIFAR10 to an ImageFolder copy): {err}"
        )
    model = load_resnet_nopool()
    assert model.depth == 10 and len(model.blocks) == 4
    # every 5th test image (1,000, all classes): chance is 0.10, the checkpoint ~0.56
    acc = accuracy(model, images[::5], labels[::5])
    assert acc > 0.50, (
        f"shipped ResNetNoPool reaches only {acc:.3f} on the CIFAR-10 test split"
    )


def test_recipe_augmentation_is_a_padded_crop_or_its_mirror():
    from torch.nn.functional import pad

    from lecturelib.core.checkpoints import augment_crop_flip

    x = torch.arange(2 * 3 * 8 * 8, dtype=torch.float32).view(2, 3, 8, 8) + 1
    out = augment_crop_flip(x, torch.Generator().manual_seed(0))
    again = augment_crop_flip(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape and torch.equal(out, again)
    for i in range(2):
        padded = pad(x[i], (4, 4, 4, 4))
        crops = [
            padded[:, dy : dy + 8, dx : dx + 8] for dy in range(9) for dx in range(9)
        ]
        assert any(
            torch.equal(out[i], c) or torch.equal(out[i], c.flip(-1)) for c in crops
        )


def test_tsne_is_the_same_with_one_thread_and_every_core():
    """openTSNE's Barnes-Hut sums each point's forces on one thread: bit for bit."""
    x = torch.randn(120, 20, generator=torch.Generator().manual_seed(0))
    a = E.embed(x, perplexity=10)  # the default: torch's thread count
    for threads in (1, 2, 3):
        assert np.array_equal(a, E.embed(x, perplexity=10, threads=threads)), threads
