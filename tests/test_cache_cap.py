"""The cache's size cap (least recently used entries go first) and a folder that
cannot be written (one warning, then every call computes)."""

import os
import time
import warnings

import pytest
import torch

from lecturelib.tooling import _cache_store, cache
from lecturelib.tooling.cache import (
    CacheWarning,
    cache_cap_bytes,
    cache_stats,
    cached,
    clear_cache,
    disk_cache,
)

ENTRY = 100_000  # bytes of each test result; its file holds about 2 kB more


@pytest.fixture(autouse=True)
def _tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURELIB_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("LECTURELIB_CACHE_MB", raising=False)
    clear_cache(memory_only=True)
    cache_stats(reset=True)
    yield
    clear_cache(memory_only=True)


def _filler():
    calls = []

    @disk_cache("filler")
    def filler(k: int, n: int = ENTRY):
        calls.append(k)
        return torch.full((n,), k, dtype=torch.uint8)

    return filler, calls


def _files(tmp_path) -> dict[int, os.stat_result]:
    """Entry files by the value they hold."""
    found = {}
    for path in (tmp_path / "cache" / "filler").glob("*.pt"):
        k = int(torch.load(path, weights_only=True)["result"][0])
        found[k] = path
    return found


def _age(path, seconds_ago: float) -> None:
    t = time.time() - seconds_ago
    os.utime(path, (t, t))


def test_cap_default_override_and_bad_values(monkeypatch):
    assert cache_cap_bytes() == 500_000_000
    monkeypatch.setenv("LECTURELIB_CACHE_MB", " 0.25 ")
    assert cache_cap_bytes() == 250_000
    monkeypatch.setenv("LECTURELIB_CACHE_MB", "None")
    assert cache_cap_bytes() is None
    for bad in ("0", "-3", "abc", "nan", "inf", "500MB"):
        monkeypatch.setenv("LECTURELIB_CACHE_MB", bad)
        with pytest.raises(ValueError, match=r"LECTURELIB_CACHE_MB must be .*> 0"):
            cache_cap_bytes()
    f, calls = _filler()
    with pytest.raises(ValueError, match="LECTURELIB_CACHE_MB"):
        f(1)
    assert calls == []  # refused before the work


def test_least_recently_used_entries_go_first(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURELIB_CACHE_MB", "0.25")  # room for two 102 kB entries
    f, calls = _filler()
    f(1)
    f(2)
    files = _files(tmp_path)
    sizes = [p.stat().st_size for p in files.values()]
    assert sorted(files) == [1, 2] and all(ENTRY < s < ENTRY + 5_000 for s in sizes)
    _age(files[1], 300)  # 1 is older than 2…
    _age(files[2], 200)
    clear_cache(memory_only=True)
    f(1)  # …but a disk hit is a use: now 2 is the least recently used
    assert cache_stats()["disk_hits"] == 1
    assert files[1].stat().st_mtime > time.time() - 60
    f(3)
    assert sorted(_files(tmp_path)) == [1, 3]
    assert calls == [1, 2, 3]
    now = _files(tmp_path)
    _age(now[1], 300)  # 1 older than 3 again…
    _age(now[3], 100)
    f(1)  # …but a memory hit is a use too
    assert cache_stats()["memory_hits"] == 1
    f(4)
    remaining = _files(tmp_path)
    assert sorted(remaining) == [1, 4]
    assert sum(p.stat().st_size for p in remaining.values()) <= 250_000
    assert calls == [1, 2, 3, 4]
    f(2)  # pruned: computed again
    assert calls == [1, 2, 3, 4, 2]


def test_an_entry_larger_than_the_cap_is_not_kept_on_disk(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURELIB_CACHE_MB", "0.05")
    f, calls = _filler()
    torch.testing.assert_close(f(7), torch.full((ENTRY,), 7, dtype=torch.uint8))
    assert _files(tmp_path) == {}
    assert f(7)[0] == 7 and calls == [7]  # still answered from memory
    f(8, n=10)
    assert sorted(_files(tmp_path)) == [8]


def test_no_cap_keeps_everything(tmp_path, monkeypatch):
    monkeypatch.setenv("LECTURELIB_CACHE_MB", "none")
    f, _ = _filler()
    for k in range(3):
        f(k)
    assert sorted(_files(tmp_path)) == [0, 1, 2]


def test_pruning_beside_another_process(tmp_path, monkeypatch):
    """An entry that another process deleted between the listing and the deletion
    counts as gone; a stale listing never raises."""
    f, _ = _filler()
    for k in range(3):
        f(k)
    files = _files(tmp_path)
    for k in range(3):
        _age(files[k], 100 - k)  # 0 the least recently used
    listing = _cache_store._entries(tmp_path / "cache")
    files[0].unlink()  # the other process
    monkeypatch.setattr(_cache_store, "_entries", lambda folder: list(listing))
    removed = _cache_store.prune(tmp_path / "cache", 2 * ENTRY + 5_000)
    assert removed == [files[0]]  # gone already: that brought it under the cap
    assert sorted(_files(tmp_path)) == [1, 2]


def _double(x, *, by=2):
    return x * by


def test_a_folder_under_a_file_warns_once_and_computes(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("LECTURELIB_CACHE", str(blocker / "cache"))
    x = torch.arange(3.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = [cached(_double, x, by=k) for k in (2, 3, 4, 3)]
    assert [r.tolist() for r in results] == [
        [0.0, 2.0, 4.0],
        [0.0, 3.0, 6.0],
        [0.0, 4.0, 8.0],
        [0.0, 3.0, 6.0],
    ]
    ours = [w for w in caught if issubclass(w.category, CacheWarning)]
    assert len(ours) == 1 and len(caught) == 1
    assert str(blocker / "cache") in str(ours[0].message)
    assert ours[0].filename == __file__  # points at the caller's line
    assert cache_stats() == {"memory_hits": 1, "disk_hits": 0, "misses": 3}
    assert blocker.read_text() == "not a folder"


def test_a_read_only_folder_still_serves_its_entries(tmp_path, monkeypatch):
    """Filled before (say, by an instructor), then not writable (a chmod that root
    would ignore, so the writes fail here through torch.save)."""
    x = torch.arange(3.0)
    cached(_double, x, by=5)
    clear_cache(memory_only=True)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(_cache_store.torch, "save", refuse)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cached(_double, x, by=5).tolist() == [0.0, 5.0, 10.0]  # from disk
        assert caught == []
        assert cached(_double, x, by=6).tolist() == [0.0, 6.0, 12.0]
        assert cached(_double, x, by=7).tolist() == [0.0, 7.0, 14.0]
    assert [w.category for w in caught] == [CacheWarning]
    assert "Permission denied" in str(caught[0].message)
    assert cache_stats() == {"memory_hits": 0, "disk_hits": 1, "misses": 3}
    assert len(list((tmp_path / "cache").rglob("*"))) == 2  # its folder and the entry
    assert str(tmp_path / "cache") in cache._UNWRITABLE
