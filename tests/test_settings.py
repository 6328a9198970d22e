"""core.settings and the sections' lecture.py tables: profiles, where work runs, cache keys."""

import importlib
import types

import pytest
import torch
from tiny_models import small_cnn

from lecturelib.core.settings import (
    LARGE_GFLOPS,
    PROFILES,
    Setting,
    is_large_model,
    load_settings,
)
from lecturelib.sections.s04_embeddings import lecture as lecture04
from lecturelib.sections.s05_occlusion import lecture as lecture05
from lecturelib.sections.s07_guided_backprop import lecture as lecture07
from lecturelib.sections.s07_guided_backprop.results import sanity_cascades
from lecturelib.tooling.cache import cache_key, cache_stats, clear_cache
from lecturelib.tooling.sections import section_module

CUDA = torch.device("cuda")  # a device object only: nothing runs on it


def _costing(gflops: float) -> torch.nn.Module:
    """A model carrying an ImageNet table entry of the given cost (as load_imagenet_model's)."""
    model = torch.nn.Linear(2, 2)
    model.lecturelib_info = types.SimpleNamespace(
        spec=types.SimpleNamespace(gflops=gflops)
    )
    return model


def test_a_bad_profile_is_a_value_error_listing_the_profiles(monkeypatch):
    monkeypatch.setenv("LECTURELIB_SETTINGS", "heavy")
    with pytest.raises(
        ValueError,
        match=r"LECTURELIB_SETTINGS must be one of \['lecture', 'light', 'auto'\], got 'heavy'",
    ):
        lecture05.settings()
    with pytest.raises(ValueError, match="profile must be one of"):
        lecture05.settings(profile="fast")
    assert PROFILES == ("lecture", "light", "auto")


def test_auto_picks_per_setting_by_where_its_work_runs(monkeypatch):
    monkeypatch.delenv("LECTURELIB_SETTINGS", raising=False)
    gpu05, cpu05 = lecture05.settings(CUDA), lecture05.settings("cpu")
    assert (gpu05.profile, gpu05.stride, gpu05.widget_stride) == ("auto", 2, 2)
    assert (cpu05.stride, cpu05.widget_stride) == (16, 32)
    # t-SNE is CPU work on any machine: light on a GPU machine too, unless asked for
    gpu04 = lecture04.settings(CUDA)
    assert (gpu04.n_points, gpu04.perplexity) == (1000, 30)
    assert dict(lecture04.settings(CUDA, profile="lecture")) == {
        "n_points": 5000,
        "perplexity": 50,
    }
    assert gpu04.describe() == "settings 'auto' on cuda: n_points 1000, perplexity 30"


def test_a_costly_model_gets_the_light_large_values_on_the_light_side_only():
    cheap, costly = _costing(0.71), _costing(15.47)  # AlexNet, VGG16
    assert (
        not is_large_model(cheap)
        and is_large_model(costly)
        and not is_large_model(None)
    )
    assert not is_large_model(
        torch.nn.Linear(2, 2)
    )  # no table entry (LeNet, one's own)
    light = {
        m: lecture07.settings("cpu", model=m, profile="light") for m in (cheap, costly)
    }
    assert (light[cheap].auc_steps, light[cheap].auc_stride, light[cheap].auc_n) == (
        16,
        16,
        5,
    )
    assert (light[costly].auc_steps, light[costly].auc_stride, light[costly].auc_n) == (
        8,
        32,
        2,
    )
    light05 = lecture05.settings("cpu", model=costly, profile="light")
    assert light05.auc_photos == ("coffee",) and light05.stride == 16  # no light_large
    assert "auc_n" not in light05  # 05 draws no SmoothGrad map
    # 05 and 07 score their curves with the same values (FAITHFULNESS_SETTINGS)
    assert all(light05[k] == light[costly][k] for k in light05 if k.startswith("auc_"))
    assert f"above {LARGE_GFLOPS:g} GFLOPs" in light[costly].describe()
    lecture = lecture07.settings("cpu", model=costly, profile="lecture")
    assert (lecture.auc_steps, lecture.auc_stride, lecture.auc_n) == (32, 8, 50)
    assert lecture05.settings(CUDA, model=costly, profile="auto").auc_steps == 32
    assert lecture07.settings("cpu", model=costly, profile="light").sanity_steps == 3


def test_every_section_table_resolves_under_every_profile():
    tables = 0
    for number in range(1, 11):
        lecture = importlib.import_module(section_module(f"{number:02d}", "lecture"))
        assert callable(lecture.lecture_table)
        table = getattr(lecture, "SETTINGS", {})
        tables += bool(table)
        for profile in ("lecture", "light"):
            values = load_settings(table, "cpu", profile=profile)
            assert list(values) == list(table)
            assert all(values[k] == getattr(s, profile) for k, s in table.items())
    assert tables == 7  # 04-10


def test_a_setting_checks_where_it_runs():
    with pytest.raises(
        ValueError, match=r"runs_on must be one of \['device', 'cpu'\], got 'gpu'"
    ):
        Setting(lecture=1, light=2, runs_on="gpu")


def test_the_cache_key_holds_the_values_not_the_device_nor_the_profile(
    empty_cache, monkeypatch
):
    model, images = (
        small_cnn(),
        torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0)),
    )
    monkeypatch.setenv("LECTURELIB_SETTINGS", "lecture")
    on_cpu = lecture07.settings("cpu")
    cache_stats(reset=True)
    first = sanity_cascades(model, images, steps=on_cpu.sanity_steps)
    assert cache_stats() == {"memory_hits": 0, "disk_hits": 0, "misses": 1}

    clear_cache(memory_only=True)  # a new kernel, the same cache folder
    monkeypatch.setenv("LECTURELIB_SETTINGS", "auto")
    on_gpu = lecture07.settings(CUDA)  # what `make precompute` on a GPU machine uses
    assert on_gpu.profile != on_cpu.profile and dict(on_gpu) == dict(on_cpu)
    assert cache_key(on_gpu) == cache_key(
        on_cpu
    )  # a Settings is keyed by its values only
    again = sanity_cascades(model, images, steps=on_gpu.sanity_steps)
    assert cache_stats() == {"memory_hits": 0, "disk_hits": 1, "misses": 1}
    for rule in ("gradient", "deconv", "guided"):
        torch.testing.assert_close(again[rule].spearman, first[rule].spearman)

    light = lecture07.settings("cpu", profile="light")
    assert light.sanity_steps != on_cpu.sanity_steps and cache_key(light) != cache_key(
        on_cpu
    )
    sanity_cascades(model, images, steps=light.sanity_steps)
    assert cache_stats()["misses"] == 2  # other values: another entry
