"""Occlusion maps: naive loop vs batched full forwards vs captum vs incremental inference.

One image (the "coffee" photo, 224×224), a 32×32 mask, the same stride, window and
batch for every method, random-weight torchvision VGG16 / AlexNet / ResNet18
(``weights=None``) and the pretrained EfficientNet-Lite0. Times are in seconds per
mask position, and in seconds for the lecture's map (stride 2, 9,409 positions),
extrapolated from the positions measured: captum, full and incremental run the whole
grid of the chosen stride (16 by default); the naive one-forward-per-position loop
runs on a random subset of that grid. The CPU is shared, so each method runs
``--repeat`` times (2, or 1 with ``--quick``), in alternating order, and its best time
counts. The MAC ratio is the multiply-adds of full forward passes over those the
incremental engine executed (convolutions and linear layers, 64 random positions,
footprints as executed: one size per batch): the speed-up incremental inference would
reach if small and large convolutions ran equally fast. The maps are compared as captum
reports them (per pixel, the mean drop over the windows covering it).

    python benchmarks/bench_occlusion.py [--quick] [--stride S] [--models vgg16,...]

Writes benchmarks/results/occlusion.md (``--quick`` writes nothing unless ``--write``).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import torch
import torch.nn.functional as F

os.environ.setdefault("LECTURELIB_OFFLINE", "1")

from lecturelib.core.data import load_photo
from lecturelib.core.imagenet import ImagePreprocess, load_imagenet_model
from lecturelib.sections.s05_occlusion._incremental import IncrementalOcclusion
from lecturelib.sections.s05_occlusion.compute import (
    mask_positions,
    occlusion_sensitivity,
)

SIZE, LECTURE_POSITIONS = 32, 9409
RESULTS = Path(__file__).parent / "results" / "occlusion.md"


class _NoBar:
    def update(self, n):
        pass


def load(name):
    """(model, (1, 3, 224, 224) input) for a benchmark model name."""
    if name == "efficientnet_lite0":
        model, preprocess, _ = load_imagenet_model("efficientnet_lite0")
    else:
        import torchvision

        torch.manual_seed(0)
        model = getattr(torchvision.models, name)(weights=None)
        preprocess = ImagePreprocess((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))
    model.eval().requires_grad_(False)
    return model, preprocess(load_photo("coffee"))[None]


def per_pixel(heat, stride, hw=(224, 224)):
    """Captum's format: each pixel gets the mean drop over the windows covering it."""
    kernel = torch.ones(1, 1, SIZE, SIZE)
    up = F.conv_transpose2d(heat[None, None], kernel, stride=stride)
    count = F.conv_transpose2d(torch.ones_like(heat)[None, None], kernel, stride=stride)
    out = torch.zeros(1, 1, *hw)
    h, w = up.shape[-2:]
    out[..., :h, :w] = up / count.clamp(min=1)
    return out[0, 0]


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def naive_seconds(model, x, target, stride, n):
    """Seconds per position of one forward per occluded image, on n random positions."""
    ys, xs = mask_positions(224, 224, SIZE, stride)
    pick = torch.randperm(len(ys), generator=torch.Generator().manual_seed(0))[:n]
    start = time.perf_counter()
    with torch.no_grad():
        model(x)[0, target]
        for y, xx in zip(ys[pick].tolist(), xs[pick].tolist()):
            occluded = x.clone()
            occluded[..., y : y + SIZE, xx : xx + SIZE] = 0.0
            model(occluded)[0, target]
    return (time.perf_counter() - start) / len(pick)


def captum_map(model, x, target, stride, batch):
    from captum.attr import Occlusion

    return Occlusion(model).attribute(
        x,
        sliding_window_shapes=(3, SIZE, SIZE),
        strides=(3, stride, stride),
        baselines=0.0,
        target=target,
        perturbations_per_eval=batch,
    )[0, 0]


def bench(name, stride, batch, naive_n, repeat):
    """Seconds per position of each method (the best of ``repeat`` runs), and checks."""
    model, x = load(name)
    with torch.no_grad():
        target = int(model(x).argmax())
    n = len(mask_positions(224, 224, SIZE, stride)[0])
    kw = {"size": SIZE, "stride": stride, "batch_size": batch, "progress": False}
    runs = {
        "full": lambda: occlusion_sensitivity(model, x, target, method="full", **kw),
        "captum": lambda: captum_map(model, x, target, stride, batch),
        "incremental": lambda: occlusion_sensitivity(
            model, x, target, method="incremental", **kw
        ),
    }
    best, maps = dict.fromkeys(runs, float("inf")), {}
    naive = min(naive_seconds(model, x, target, stride, naive_n) for _ in range(repeat))
    for r in range(repeat):  # alternate the order: the CPU's load drifts
        for method in runs if r % 2 == 0 else reversed(runs):
            maps[method], seconds = timed(runs[method])
            best[method] = min(best[method], seconds)
    full, cap, inc = maps["full"], maps["captum"], maps["incremental"]
    t_full, t_cap, t_inc = best["full"], best["captum"], best["incremental"]
    engine = IncrementalOcclusion(model)  # count MACs on a sample
    ys, xs = mask_positions(224, 224, SIZE, stride)
    pick = torch.randperm(n, generator=torch.Generator().manual_seed(1))[:batch]
    with torch.no_grad():
        engine(x, ys[pick], xs[pick], SIZE, 0.0, batch, _NoBar())
    return {
        "model": name,
        "n": n,
        "naive": naive,
        "full": t_full / n,
        "captum": t_cap / n,
        "incremental": t_inc / n,
        "mac_ratio": engine.macs_full / engine.macs_done,
        "diff_full": float((inc - full).abs().max()),
        "diff_captum": float((per_pixel(inc[0], stride) - cap).abs().max()),
        "scale": float(full.abs().max()),
    }


def table(rows, stride, batch, naive_n, repeat):
    lines = [
        (
            f"Occlusion maps, 224×224 coffee photo, {SIZE}×{SIZE} mask (fill 0), stride "
            f"{stride} ({rows[0]['n']} positions measured), batch {batch}; seconds per "
            f"lecture map = seconds per position × {LECTURE_POSITIONS:,} (stride 2). Naive "
            f"loop: {naive_n} random positions. Best of {repeat} run(s) per method. {platform.processor() or platform.machine()}, "
            f"{torch.get_num_threads()} threads, torch {torch.__version__}; a shared CPU, "
            "so compare ratios within a row."
        ),
        "",
        (
            "| model | naive s/map | full s/map | captum s/map | incremental s/map "
            "| vs naive | vs full | vs captum | MAC ratio | max diff vs full | vs captum | max |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        per_map = {
            k: r[k] * LECTURE_POSITIONS
            for k in ("naive", "full", "captum", "incremental")
        }
        lines.append(
            f"| {r['model']} | {per_map['naive']:.0f} | {per_map['full']:.0f} | "
            f"{per_map['captum']:.0f} | {per_map['incremental']:.0f} | "
            f"{r['naive'] / r['incremental']:.2f}× | {r['full'] / r['incremental']:.2f}× | "
            f"{r['captum'] / r['incremental']:.2f}× | {r['mac_ratio']:.2f}× | "
            f"{r['diff_full']:.1e} | {r['diff_captum']:.1e} | {r['scale']:.2f} |"
        )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="stride 32, VGG16 and ResNet18"
    )
    parser.add_argument("--stride", type=int, default=None)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--models", default="vgg16,alexnet,resnet18,efficientnet_lite0")
    parser.add_argument(
        "--repeat", type=int, default=None, help="runs per method (min)"
    )
    parser.add_argument("--write", action="store_true", help="write the results file")
    args = parser.parse_args()
    names = ["vgg16", "resnet18"] if args.quick else args.models.split(",")
    stride = args.stride or (32 if args.quick else 16)
    naive_n = 4 if args.quick else 24
    repeat = args.repeat or (1 if args.quick else 2)
    rows = []
    for name in names:
        rows.append(bench(name, stride, args.batch, naive_n, repeat))
        print(f"{name}: done", flush=True)
    text = table(rows, stride, args.batch, naive_n, repeat)
    print(text)
    if args.write or not args.quick:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text("# Occlusion sensitivity: speed\n\n" + text + "\n")
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
