"""The result cache behind the sliders: compute once, then read back — measured.

Each row is the call a notebook widget makes for one slider setting, on the
notebooks' models (EfficientNet-Lite0 offline, the coffee photo; LeNet on MNIST):

* compute: the first visit (a cache miss: computed, then stored on disk);
* disk: the same setting in a new kernel (memory layer cleared: read from disk);
* memory: the same setting again in the same kernel;

with the entry's size on disk. The ratio compute / disk is how much faster a slider
answers a setting it has seen (or one ``make precompute`` stored the evening before).

    python benchmarks/bench_cache.py           # the notebooks' CPU settings
    python benchmarks/bench_cache.py --quick   # smaller settings (about a minute)

Uses a temporary cache folder (whatever ``LECTURELIB_CACHE`` says). Writes the Markdown
table to ``benchmarks/results/cache.md``.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import torch

from lecturelib.core.data import imagenet_classes, load_mnist, load_photo
from lecturelib.core.device import make_generator
from lecturelib.core.imagenet import load_imagenet_model
from lecturelib.core.models import load_lenet
from lecturelib.sections.s04_embeddings.compute import (
    compute_layer_embedding,
    layer_features,
)
from lecturelib.sections.s05_occlusion.compute import occlusion_sensitivity
from lecturelib.sections.s06_saliency.compute import smoothgrad
from lecturelib.sections.s07_guided_backprop.compute import backprop_unit
from lecturelib.sections.s07_guided_backprop.top_patches import compute_top_patches
from lecturelib.sections.s08_maximize_response.compute import maximize_response
from lecturelib.sections.s09_adversarial.compute import adversarial_attack
from lecturelib.tooling import cache


def _cases(quick: bool) -> list[tuple[str, callable, tuple, dict]]:
    model, preprocess, _ = load_imagenet_model("efficientnet_lite0")
    x = preprocess(load_photo("coffee"))[None]
    with torch.no_grad():
        target = int(model(x).argmax())
    lenet = load_lenet()
    digits, labels = load_mnist("test")
    n = 300 if quick else 1000
    digits, labels = digits[:n], labels[:n]
    conv2 = layer_features(lenet, digits, "conv2")["conv2"]
    stride = 32 if quick else 16
    return [
        (
            f"occlusion, 32×32 mask, stride {stride} (05)",
            occlusion_sensitivity,
            (model, x, target),
            {"size": 32, "stride": stride, "progress": False},
        ),
        (
            f"SmoothGrad, n = {4 if quick else 10} (06)",
            smoothgrad,
            (model, x),
            {
                "n": 4 if quick else 10,
                "sigma": 0.25,
                "generator": make_generator,
                "progress": False,
            },
        ),
        (
            "guided back-propagation, max class (07)",
            backprop_unit,
            (model, x, "guided", None, None),
            {},
        ),
        (
            "top-9 patches of a LeNet conv2 channel (07)",
            compute_top_patches,
            (lenet, digits, "conv2", 5),
            {},
        ),
        (
            f"t-SNE of LeNet conv2, {n} digits (04)",
            compute_layer_embedding,
            (conv2, labels),
            {"perplexity": 30.0},
        ),
        (
            f"maximum response, 128×128, {5 if quick else 20} steps (08)",
            maximize_response,
            (model, "Samoyed"),
            {
                "steps": 5 if quick else 20,
                "size": 128,
                "classes": imagenet_classes(),
                "generator": make_generator,
                "progress": False,
            },
        ),
        (
            f"attack, {3 if quick else 15} steps (09)",
            adversarial_attack,
            (model, x),
            {"steps": 3 if quick else 15, "lr": 0.1},
        ),
    ]


def _timed(fn, *args, **kwargs) -> float:
    """Seconds of one cached call; a ``generator`` given as ``make_generator`` is made
    afresh (seed 0) for each call, as the widgets do: a used generator is another key."""
    if kwargs.get("generator") is make_generator:
        kwargs = {**kwargs, "generator": make_generator(0)}
    start = time.perf_counter()
    cache.cached(fn, *args, **kwargs)
    return time.perf_counter() - start


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    rows = []
    with tempfile.TemporaryDirectory(prefix="lecturelib-bench-cache-") as folder:
        os.environ["LECTURELIB_CACHE"] = folder
        for label, fn, fargs, fkwargs in _cases(args.quick):
            before = set(Path(folder).rglob("*.pt"))
            compute = _timed(fn, *fargs, **fkwargs)
            new = set(Path(folder).rglob("*.pt")) - before
            size = sum(p.stat().st_size for p in new)
            cache.clear_cache(memory_only=True)  # a new kernel
            disk = _timed(fn, *fargs, **fkwargs)
            memory = _timed(fn, *fargs, **fkwargs)
            rows.append((label, compute, disk, memory, size))
            print(f"{label}: {compute:.2f} s, disk {disk:.4f} s", flush=True)
    lines = [
        "### The result cache: a revisited slider setting",
        "",
        (
            f"`python benchmarks/bench_cache.py{' --quick' if args.quick else ''}` on "
            f"{platform.machine()}, {torch.get_num_threads()} threads, torch "
            f"{torch.__version__}; one run each. compute = first visit (miss, stored); "
            "disk = the same setting in a new kernel; memory = again in the same kernel."
        ),
        "",
        (
            "| widget computation (notebook) | compute (s) | disk (s) | memory (s) "
            "| compute / disk | entry size |"
        ),
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, compute, disk, memory, size in rows:
        lines.append(
            f"| {label} | {compute:.2f} | {disk:.4f} | {memory:.4f} | "
            f"{compute / disk:,.0f}× | {size / 1024:,.0f} kB |"
        )
    table = "\n".join(lines)
    print(table)
    if not args.quick:
        out = Path(__file__).resolve().parent / "results" / "cache.md"
        out.write_text(table + "\n")
    return table


if __name__ == "__main__":
    main()
