"""The on-disk cache: hits only when the content of every argument is the same."""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import lecturelib
from lecturelib.core.settings import Setting, load_settings
from lecturelib.tooling import cache
from lecturelib.tooling.cache import (
    cache_key,
    cache_stats,
    cached,
    clear_cache,
    disk_cache,
)


@pytest.fixture(autouse=True)
def _tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURELIB_CACHE", str(tmp_path / "cache"))
    clear_cache(memory_only=True)
    cache_stats(reset=True)
    yield
    clear_cache(memory_only=True)


def _counting():
    calls = []

    @disk_cache("scaled", ignore=("progress",))
    def scaled(model, images, *, factor=2.0, progress=True):
        calls.append(factor)
        return model(images) * factor

    return scaled, calls


def _forget_memory():
    """As if the kernel restarted: only the files remain."""
    clear_cache(memory_only=True)


def test_second_call_is_a_hit_with_equal_values_and_a_fresh_copy():
    f, calls = _counting()
    model, x = torch.nn.Linear(3, 2), torch.randn(4, 3)
    first = f(model, x)
    again = f(model, x)
    assert calls == [2.0]
    torch.testing.assert_close(again, first)
    again.zero_()  # the caller may modify a hit…
    torch.testing.assert_close(f(model, x), first)  # …without corrupting the entry
    assert cache_stats() == {"memory_hits": 2, "disk_hits": 0, "misses": 1}


def test_entry_survives_a_restart_on_disk(tmp_path):
    f, calls = _counting()
    model, x = torch.nn.Linear(3, 2), torch.randn(4, 3)
    first = f(model, x, factor=3.0)
    _forget_memory()
    torch.testing.assert_close(f(model, x, factor=3.0), first)
    assert calls == [3.0]
    assert cache_stats()["disk_hits"] == 1
    assert len(list((tmp_path / "cache" / "scaled").glob("*.pt"))) == 1


def test_keys_follow_content_not_identity():
    f, calls = _counting()
    model, x = torch.nn.Linear(3, 2), torch.randn(4, 3)
    f(model, x)
    f(model, x.clone())  # same content, another tensor: hit
    twin = torch.nn.Linear(3, 2)
    twin.load_state_dict(model.state_dict())
    f(twin, x)  # same weights, another object: hit
    assert len(calls) == 1
    f(model, x + 1e-3)  # other pixels: miss
    f(model, x, factor=2.5)  # other parameter: miss
    assert len(calls) == 3
    assert cache_key(x) != cache_key(x.double()) != cache_key(x.reshape(3, 4))


def test_defaults_are_filled_in_and_ignored_arguments_do_not_count():
    f, calls = _counting()
    model, x = torch.nn.Linear(3, 2), torch.randn(4, 3)
    f(model, x)
    f(model, x, factor=2.0)
    f(model, images=x, progress=False)
    assert calls == [2.0]


def test_in_place_change_of_the_weights_is_noticed():
    f, calls = _counting()
    model, x = torch.nn.Linear(3, 2), torch.randn(4, 3)
    before = f(model, x)
    with torch.no_grad():
        model.weight.add_(1.0)  # same object, same storage: only the version moves
    after = f(model, x)
    assert len(calls) == 2
    torch.testing.assert_close(after, model(x).detach() * 2.0)
    assert not torch.allclose(before, after)


def test_architecture_change_without_new_weights_is_a_miss():
    f, calls = _counting()
    x = torch.randn(4, 3)
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
    f(model, x)
    model[1] = torch.nn.Tanh()
    f(model, x)
    assert len(calls) == 2


def test_model_weights_are_hashed_once_per_object(monkeypatch):
    model = torch.nn.Linear(3, 2)
    cache_key(model)
    hashed = []
    real = cache._tensor_digest
    monkeypatch.setattr(cache, "_tensor_digest", lambda t: hashed.append(1) or real(t))
    cache_key(model)
    assert hashed == []


def test_pil_images_numpy_and_generators_are_keyed_by_content():
    a = Image.fromarray(np.zeros((8, 8, 3), np.uint8))
    b = Image.fromarray(np.zeros((8, 8, 3), np.uint8))
    c = Image.fromarray(np.full((8, 8, 3), 7, np.uint8))
    assert cache_key(a) == cache_key(b) != cache_key(c)
    assert cache_key(np.arange(4)) != cache_key(np.arange(4).astype(np.float32))
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    assert cache_key(g1) == cache_key(g2) != cache_key(torch.Generator().manual_seed(2))
    assert cache_key(1) != cache_key(1.0) != cache_key("1")
    assert cache_key(size=3, stride=1) == cache_key(stride=1, size=3)


def test_library_objects_are_keyed_by_their_attributes():
    from lecturelib.core.imagenet import ImagePreprocess

    a = ImagePreprocess((0.5,) * 3, (0.25,) * 3)
    assert cache_key(a) == cache_key(ImagePreprocess((0.5,) * 3, (0.25,) * 3))
    assert cache_key(a) != cache_key(ImagePreprocess((0.5,) * 3, (0.5,) * 3))


def test_off_computes_every_time_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURELIB_CACHE", "off")
    f, calls = _counting()
    model, x = torch.nn.Linear(3, 2), torch.randn(4, 3)
    f(model, x)
    f(model, x)
    assert len(calls) == 2
    assert not (tmp_path / "cache").exists()
    assert cache.cache_dir() is None


def test_unkeyable_argument_is_a_clear_type_error():
    @disk_cache("opaque")
    def opaque(thing, k=1):
        return k

    with pytest.raises(TypeError, match="'thing'.*ignore"):
        opaque(object())
    with pytest.raises(ValueError, match="unknown arguments"):
        disk_cache("bad", ignore=("nope",))(lambda x: x)


@dataclass(frozen=True)
class _Result:
    maps: torch.Tensor
    label: str
    scores: np.ndarray


def test_dataclass_tuple_and_dict_results_round_trip_through_disk():
    calls = []

    @disk_cache("structured")
    def structured(x):
        calls.append(1)
        return {"r": _Result(x * 2, "two", np.ones(3)), "pair": (x.sum(), [1, 2.5])}

    x = torch.arange(6.0).reshape(2, 3)
    first = structured(x)
    _forget_memory()
    again = structured(x)
    assert calls == [1]
    assert isinstance(again["r"], _Result) and again["r"].label == "two"
    torch.testing.assert_close(again["r"].maps, first["r"].maps)
    np.testing.assert_array_equal(again["r"].scores, np.ones(3))
    assert again["pair"][1] == [1, 2.5] and isinstance(again["pair"], tuple)


def test_corrupt_file_is_recomputed(tmp_path):
    f, calls = _counting()
    model, x = torch.nn.Linear(3, 2), torch.randn(4, 3)
    f(model, x)
    (path,) = (tmp_path / "cache" / "scaled").glob("*.pt")
    path.write_bytes(b"not a torch file")
    _forget_memory()
    torch.testing.assert_close(f(model, x), model(x).detach() * 2.0)
    assert len(calls) == 2


def test_cached_call_other_folder_and_clear(tmp_path):
    calls = []

    def double(x, *, by=2):
        calls.append(by)
        return x * by

    x = torch.ones(3)
    cached(double, x, by=3)
    torch.testing.assert_close(cached(double, x, by=3), torch.full((3,), 3.0))
    assert calls == [3]
    other = tmp_path / "elsewhere"
    cached(double, x, by=3, cache_dir=other, cache_name="dbl")  # its own folder: a miss
    assert calls == [3, 3]
    assert len(list((other / "dbl").glob("*.pt"))) == 1
    assert clear_cache() == 1  # the default folder's one entry
    cached(double, x, by=3)
    assert calls == [3, 3, 3]


def test_a_view_is_stored_without_its_base(tmp_path):
    """A crop of a large tensor costs its own bytes on disk, not the whole storage."""
    big = torch.randn(200, 3, 64, 64)  # about 9.8 MB

    @disk_cache("crops")
    def crops(images, *, k=3):
        return {
            "patches": [images[i, :, 2:10, 2:10] for i in range(k)],
            "first": images[0],
        }

    result = crops(big)
    files = list((tmp_path / "cache" / "crops").glob("*.pt"))
    assert len(files) == 1 and files[0].stat().st_size < 200_000
    clear_cache(memory_only=True)
    again = crops(big)
    assert cache_stats()["disk_hits"] == 1
    for a, b in zip(result["patches"], again["patches"]):
        assert torch.equal(a, b)
    assert torch.equal(again["first"], big[0])


# ------------------------------------------------------- code version and device

_OCCLUSION_RUN = """
import json, sys
import torch
import lecturelib
from lecturelib.sections.s05_occlusion.compute import occlusion_sensitivity
from lecturelib.tooling.cache import cache_stats, cached

assert lecturelib.__file__.startswith(sys.argv[1]), lecturelib.__file__
torch.manual_seed(0)
model = torch.nn.Sequential(
    torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.ReLU(),
    torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(4, 3),
).eval()
x = torch.randn(1, 3, 12, 12)
heat = cached(occlusion_sensitivity, model, x, 1, size=4, stride=4)
print(json.dumps({**cache_stats(), "sum": float(heat.sum()), "shape": list(heat.shape)}))
"""


def test_an_edit_in_a_subpackage_of_a_copy_invalidates_the_entries(tmp_path):
    """A new kernel after an edit in the occlusion engine recomputes; without one, it
    reads the disk. (The code version once hashed only ``lecturelib/*.py``.)"""
    copy = tmp_path / "pkg" / "lecturelib"
    shutil.copytree(
        Path(lecturelib.__file__).parent,
        copy,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    folder = tmp_path / "results"
    env = {
        **os.environ,
        "PYTHONPATH": str(copy.parent),
        "LECTURELIB_CACHE": str(folder),
    }

    def new_kernel() -> dict:
        done = subprocess.run(
            [sys.executable, "-c", _OCCLUSION_RUN, str(copy)],
            check=False,
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    first = new_kernel()
    assert (first["misses"], first["disk_hits"]) == (1, 0)
    assert first["shape"] == [1, 3, 3]
    again = new_kernel()  # no edit: the same key, read from the disk
    assert (again["misses"], again["disk_hits"]) == (0, 1)
    assert again["sum"] == first["sum"]

    engine = copy / "sections" / "s05_occlusion" / "_incremental" / "engine.py"
    engine.write_text(engine.read_text() + "# an edit: a comment\n")
    edited = new_kernel()
    assert (edited["misses"], edited["disk_hits"]) == (1, 0)
    assert edited["sum"] == first["sum"]  # a comment changes no number
    assert len(list(folder.rglob("*.pt"))) == 2  # the old entry and the new one


def test_the_key_holds_no_device():
    x = torch.arange(6.0)
    assert cache_key(x, torch.device("cpu")) == cache_key(x, torch.device("cuda", 1))
    table = {
        "stride": Setting(lecture=2, light=16),
        "steps": Setting(lecture=32, light=8),
    }
    on_gpu = load_settings(table, "cuda", profile="auto")  # resolves to lecture values
    on_cpu = load_settings(table, "cpu", profile="lecture")
    light = load_settings(table, "cpu", profile="auto")
    assert (on_gpu.stride, on_cpu.stride, light.stride) == (2, 2, 16)
    assert (
        cache_key(on_gpu) == cache_key(on_cpu) == cache_key({"stride": 2, "steps": 32})
    )
    assert cache_key(light) != cache_key(on_cpu)


def _on(device, x, *, settings):
    return {"y": x.to(device) * settings["stride"], "n": np.arange(3)}


def test_hits_come_back_on_the_arguments_device():
    """Computed on the CPU; asked again with another device argument (``meta``, which
    every machine has), the memory hit and the disk hit both come back there."""
    table = {"stride": Setting(lecture=2, light=16)}
    x = torch.arange(4.0)
    first = cached(_on, torch.device("cpu"), x, settings=load_settings(table, "cuda"))
    torch.testing.assert_close(first["y"], torch.tensor([0.0, 2.0, 4.0, 6.0]))
    lecture = load_settings(table, "cpu", profile="lecture")
    from_memory = cached(_on, torch.device("meta"), x, settings=lecture)
    _forget_memory()
    from_disk = cached(_on, torch.device("meta"), x, settings=lecture)
    assert cache_stats() == {"memory_hits": 1, "disk_hits": 1, "misses": 1}
    assert from_memory["y"].device.type == from_disk["y"].device.type == "meta"
    np.testing.assert_array_equal(from_disk["n"], np.arange(3))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU")
def test_a_gpu_result_serves_a_cpu_call():
    f, calls = _counting()
    model, x = torch.nn.Linear(3, 2), torch.randn(4, 3)
    on_gpu = f(model.cuda(), x.cuda())
    _forget_memory()
    on_cpu = f(model.cpu(), x.cpu())
    assert calls == [2.0] and on_gpu.is_cuda and on_cpu.device.type == "cpu"
    torch.testing.assert_close(on_cpu, on_gpu.cpu())
