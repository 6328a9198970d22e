"""Notebook 04's t-SNE as it goes: ``on_partial`` and the widget's partial pictures.

``embed`` (openTSNE) calls ``on_partial(iteration, points)`` every 25 iterations; the
callback never changes the result, and the widget (``Panel(refines=True)``) draws
partial pictures on the way to the same final picture.
"""

import numpy as np
import pytest
import torch

from lecturelib.sections.s04_embeddings import compute as E
from lecturelib.sections.s04_embeddings.embedding_cache import EmbeddingCache
from lecturelib.sections.s04_embeddings.widget import embedding_widget


def _blobs(n_per: int = 40, dims: int = 8):
    """Three Gaussian blobs, close enough that t-SNE has work to do."""
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [rng.normal(4.0 * c, 1.0, (n_per, dims)) for c in range(3)]
    ).astype(np.float32)
    return x, np.repeat(np.arange(3), n_per)


def test_on_partial_counts_up_and_never_changes_the_embedding():
    x, _ = _blobs()
    seen = []
    plain = E.embed(x, perplexity=10, seed=1)
    refined = E.embed(
        x, perplexity=10, seed=1, on_partial=lambda it, pts: seen.append((it, pts))
    )
    assert np.array_equal(plain, refined)
    # every 25 iterations, counted across the exaggerated phase (250) and the rest
    assert E.TSNE_ITERATIONS == 750
    assert [it for it, _ in seen] == list(range(25, 751, 25))
    assert all(p.shape == (120, 2) and p.dtype == np.float32 for _, p in seen)
    # copies, taken as the points move: the early ones huddle, the late ones spread
    assert seen[0][1].std() < 0.2 * seen[-1][1].std()
    assert not np.array_equal(seen[-2][1], seen[-1][1])
    # the last partial picture is one step before the end: already close to it
    spread = plain.max(0) - plain.min(0)
    assert np.abs(seen[-1][1] - plain).max() < 0.05 * spread.max()


def test_a_callback_that_returns_true_does_not_stop_the_run():
    x, _ = _blobs()
    calls = []
    stopped = E.embed(
        x, perplexity=10, on_partial=lambda it, pts: calls.append(it) or True
    )
    assert len(calls) == 30 and np.array_equal(stopped, E.embed(x, perplexity=10))
    with pytest.raises(TypeError, match="on_partial must be callable"):
        E.embed(x, perplexity=10, on_partial=3)


def test_same_seed_same_embedding_another_seed_another():
    x, _ = _blobs()
    a = E.embed(x, perplexity=10, seed=0)
    assert np.array_equal(a, E.embed(torch.from_numpy(x), perplexity=10, seed=0))
    b = E.embed(x, perplexity=10, seed=5)
    # the PCA start fixes the layout up to the seed's small effect, not to bits
    assert not np.array_equal(a, b)


def test_embedding_cache_passes_on_partial_only_when_it_computes(empty_cache):
    x, y = _blobs()
    seen = []
    cache = EmbeddingCache({"blobs": torch.from_numpy(x)}, y, k=5)
    first = cache.get("blobs", 10, on_partial=lambda it, pts: seen.append(it))
    assert len(seen) == 30 and cache.runs == 1
    assert np.array_equal(first["points"], E.embed(x, perplexity=10))
    cache.get("blobs", 10, on_partial=lambda it, pts: seen.append(it))  # memory
    again = EmbeddingCache({"blobs": torch.from_numpy(x)}, y, k=5)
    disk = again.get("blobs", 10, on_partial=lambda it, pts: seen.append(it))
    assert len(seen) == 30 and again.runs == 0  # the disk cache, not on_partial's key
    assert np.array_equal(disk["points"], first["points"])


def test_widget_draws_as_it_goes_and_ends_on_the_plain_picture(
    monkeypatch, clock, png_bytes
):
    monkeypatch.setenv("LECTURELIB_CACHE", "off")  # both widgets run t-SNE
    x, y = _blobs()
    feats = {"blobs": torch.from_numpy(x)}
    clock.tick = 0.1  # each reading of the clock: t-SNE "takes" time
    w = embedding_widget(EmbeddingCache(feats, y), perplexities=(5, 10), perplexity=10)
    assert w.last_timing.pictures > 2  # partial pictures, then the final one
    readouts = []
    w.readout.observe(lambda c: readouts.append(c["new"]), names="value")
    w.controls["perplexity"].value = 5
    partial = [r for r in readouts if r.startswith("<i>refining…</i>")]
    iterations = [int(r.split("iteration ")[1].split(" ")[0]) for r in partial]
    assert len(iterations) >= 2 and iterations == sorted(set(iterations))
    assert all(r.endswith(f"of {E.TSNE_ITERATIONS}") for r in partial)
    assert w.last_timing.pictures == len(partial) + 1 and w.state == "drawn"
    assert "perplexity 5: 10-NN accuracy" in w.readout.value
    refined_png = png_bytes(w)

    clock.tick = 0.0  # a clock that stands still: no partials
    plain = embedding_widget(
        EmbeddingCache(feats, y), perplexities=(5, 10), perplexity=5
    )
    assert plain.last_timing.pictures == 1
    assert len(refined_png) == 1 and png_bytes(plain) == refined_png


def test_by_perplexity_fills_what_the_widget_then_finds(monkeypatch):
    monkeypatch.setenv("LECTURELIB_CACHE", "off")
    x, y = _blobs()
    cache = EmbeddingCache({"blobs": torch.from_numpy(x)}, y)
    shown = cache.by_perplexity("blobs", (5, 10, 500))  # 500 ≥ N = 120: left out
    assert list(shown) == ["blobs, perplexity 5", "blobs, perplexity 10"]
    assert cache.runs == 2 and cache.has("blobs", 5) and cache.has("blobs", 10)
    assert shown["blobs, perplexity 5"] is cache.get("blobs", 5) and cache.runs == 2
    w = embedding_widget(cache, perplexities=(5, 10), perplexity=10)
    w.controls["perplexity"].value = 5  # found in memory: no run
    assert cache.runs == 2 and "from the cache" in w.readout.value
