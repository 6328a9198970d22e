"""Sanity checks and deletion/insertion: what one figure and one table cost — one run.

    python benchmarks/bench_sanity.py [--quick] [--write] [--device cpu|cuda]

* the cascading-randomisation figure of notebooks 06 and 07 (``compute_cascades``):
  EfficientNet-Lite0 on one photo, 5 randomised states (6 maps per method), the rules of
  07 (gradient, deconvolution, guided) and of 06 (gradient, SmoothGrad with n = 5);
  LeNet on ten digits, its four layers;
* the deletion/insertion table of notebook 05 (``compute_faithfulness``): six orders
  (occlusion 32×32 at stride 16, gradient, SmoothGrad, guided, deconvolution, random)
  on a few photos, the maps and the curves timed apart;
* one deletion curve with ``batch_size`` 32 against one perturbed image at a time.

Writes benchmarks/results/sanity.md (``--quick`` writes nothing unless ``--write``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LECTURELIB_OFFLINE", "1")

from lecturelib.core.data import load_mnist, load_photo
from lecturelib.core.imagenet import load_imagenet_model
from lecturelib.core.models import load_lenet
from lecturelib.explain.faithfulness import (
    METHODS,
    deletion_curve,
    importance_map,
    insertion_curve,
)
from lecturelib.explain.sanity import compute_cascades

RESULTS = Path(__file__).resolve().parent / "results" / "sanity.md"


def timed(fn, *args, **kw):
    start = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - start


def cascade_rows(model, photo, lenet, digits, quick):
    rows = []
    cases = [
        ("07: gradient, deconv, guided", ["gradient", "deconv", "guided"], {}),
        ("06: gradient, SmoothGrad (n = 5)", ["gradient", "smoothgrad"], {"n": 5}),
    ]
    for label, methods, kw in cases:
        out, s = timed(compute_cascades, model, photo, methods, steps=5, **kw)
        n_maps = sum(len(c.maps) for c in out.values())
        rows.append((f"EfficientNet-Lite0, 1 photo, {label}", n_maps, s))
    out, s = timed(
        compute_cascades, lenet, digits, ["gradient", "deconv", "guided"], steps=4
    )
    rows.append(("LeNet, 10 digits, gradient, deconv, guided", 15, s))
    return rows


def table_rows(model, images, steps):
    with torch.no_grad():
        target = model(images).argmax(1)
    rows, maps = [], {}
    for method in (*METHODS, "random"):
        gen = torch.Generator().manual_seed(0)
        maps[method], s = timed(
            importance_map, model, images, target, method, generator=gen, n=10
        )
        rows.append((f"map: {method}", s))
    curves = 0.0
    for a in maps.values():
        for curve in (deletion_curve, insertion_curve):
            _, s = timed(curve, model, images, a, target, steps=steps)
            curves += s
    rows.append((f"12 curves ({steps + 1} points each)", curves))
    one, s1 = timed(
        deletion_curve, model, images, maps["gradient"], target, steps=steps
    )
    single, s2 = timed(
        deletion_curve,
        model,
        images,
        maps["gradient"],
        target,
        steps=steps,
        batch_size=1,
    )
    assert torch.allclose(one.scores, single.scores, atol=1e-5)
    return rows, s1, s2


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 photos, 8 steps")
    parser.add_argument("--write", action="store_true", help="write with --quick too")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    torch.manual_seed(0)
    model, preprocess, _ = load_imagenet_model("efficientnet_lite0", device=device)
    lenet = load_lenet(device=device)
    digits, labels = load_mnist("test")
    ten = digits[[int((labels == c).nonzero()[0]) for c in range(10)]].to(device)
    names = ["coffee", "chelsea"] if args.quick else ["coffee", "chelsea", "flower"]
    steps = 8 if args.quick else 16
    images = torch.stack([preprocess(load_photo(p)) for p in names]).to(device)
    importance_map(model, images[:1], 0, "gradient")  # warm up
    cascades = cascade_rows(model, images[:1], lenet, ten, args.quick)
    table, batched, single = table_rows(model, images, steps)
    lines = [
        f"# Sanity checks and deletion/insertion ({'quick' if args.quick else 'full'})",
        "",
        (
            f"`python benchmarks/bench_sanity.py{' --quick' if args.quick else ''}` on "
            f"{device.type.upper()} ({platform.machine()}, {torch.get_num_threads()} "
            f"threads), torch {torch.__version__}, load average at the end "
            f"{os.getloadavg()[0]:.1f}; one run, result cache not used. The machine "
            "may be shared: compare rows of one run."
        ),
        "",
        "## One cascading-randomisation figure (compute_cascades, steps = 5)",
        "",
        "| model, images, methods | maps | time (s) | s per map |",
        "|---|---:|---:|---:|",
        *(f"| {label} | {n} | {s:.1f} | {s / n:.2f} |" for label, n, s in cascades),
        "",
        (
            f"## One deletion/insertion table: EfficientNet-Lite0, {len(names)} photos, "
            f"{steps} steps"
        ),
        "",
        "| part | time (s) |",
        "|---|---:|",
        *(f"| {label} | {s:.2f} |" for label, s in table),
        f"| **whole table** | **{sum(s for _, s in table):.1f}** |",
        "",
        (
            f"One deletion curve ({len(names)} photos × {steps + 1} points): batches of "
            f"32 {batched:.2f} s, one image at a time {single:.2f} s "
            f"({single / batched:.1f}× slower), the same scores."
        ),
    ]
    text = "\n".join(lines)
    print(text)
    if args.write or not args.quick:
        RESULTS.write_text(text + "\n")
    return text


if __name__ == "__main__":
    main()
