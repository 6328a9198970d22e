"""Notebook 08's class samples: the lecture's method vs "going further" settings.

The eight class samples of notebook 08 on its default CPU settings (the offline model
EfficientNet-Lite0, 128×128, 40 Adam steps of lr 0.1, prior weight 1), made by
:func:`maximize_response` with the lecture's method and with the candidate settings of
its going-further options (transformation robustness: ``jitter``, ``scale``; the
``"fourier"`` parametrisation; the prior's weight). For each:

* the wall time of the eight samples on 2 threads, with the load average (the machine
  may be shared: a run under load is slower, not wrong) and the CPU time (on 2 idle
  cores the wall time is about half of it);
* the high-frequency share h(x) / ‖x − x̄‖² (:func:`high_frequency_share`, notebook
  08's measure; a photo's is about 0.01);
* the share of shifts by ±4 and ±8 pixels after which the target class stays in the
  model's top 5 (and top 1) (:func:`shift_agreement`);
* the target's probability.

    python benchmarks/bench_class_samples.py [--only NAME ...] [--write]

Writes benchmarks/results/class_samples.md and class_samples_{before,after}.png
(``--write``; the "after" figure is the last candidate run).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

import torch

os.environ.setdefault("LECTURELIB_OFFLINE", "1")

from lecturelib.core.device import make_generator
from lecturelib.core.models import load_imagenet_model
from lecturelib.core.plot import image_grid
from lecturelib.sections.s08_maximize_response.compute import (
    high_frequency_share,
    lecture_display,
    maximize_response,
    shift_agreement,
)

RESULTS = Path(__file__).parent / "results"
NAMES = [
    "king crab",
    "Samoyed",
    "hourglass",
    "paper towel",
    "ping-pong ball",
    "steel arch bridge",
    "sunglass",
    "geyser",
]
BASE = {"size": 128, "steps": 40, "prior_weight": 1.0}  # notebook 08 on a CPU
CONFIGS = {
    "lecture (before)": {},
    "jitter 8, scale 0.1": {"jitter": 8, "scale": 0.1},
    "fourier": {"parametrization": "fourier"},
    "jitter 8, scale 0.1, fourier": {
        "jitter": 8,
        "scale": 0.1,
        "parametrization": "fourier",
    },
}

CHOICE = (
    "Choice (notebook 08's going-further cell): jitter 8, scale 0.1, Fourier, at the "
    "lecture's CPU size and steps. The Fourier parametrisation is what removes the "
    "noise (the high-frequency share falls about tenfold, to a few times a photo's); "
    "jitter and scale alone slow the class score at 40 steps (lower p and top-1); "
    "together with Fourier they keep p high and the target in the top 5 after every "
    "shift, at the lecture's cost per step (same steps, size and model). Figures: "
    "class_samples_before.png (the lecture's method) and class_samples_after.png."
)


def run(model, classes, options: dict) -> dict:
    targets = [classes.index(n) for n in NAMES]
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    x, _ = maximize_response(
        model,
        NAMES,
        classes=classes,
        generator=make_generator(0),
        progress=False,
        **BASE,
        **options,
    )
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    with torch.no_grad():
        p = model(x).softmax(1)[range(len(NAMES)), targets]
    return {
        "images": x,
        "p": p,
        "seconds": seconds,
        "cpu": cpu,
        "load": (load, os.getloadavg()[0]),
        "hf": high_frequency_share(x),
        "top5": shift_agreement(model, x, targets, k=5),
        "top1": shift_agreement(model, x, targets, k=1),
    }


def figure(result: dict, path: Path, title: str) -> None:
    titles = [f"{n}\np = {p:.2f}" for n, p in zip(NAMES, result["p"].tolist())]
    fig = image_grid(
        lecture_display(result["images"]),
        ncols=4,
        titles=titles,
        normalize=None,
        size=2.4,
        suptitle=title,
    )
    fig.savefig(path, dpi=90, bbox_inches="tight")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=list(CONFIGS))
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(2)
    model, _, classes = load_imagenet_model(device="cpu")
    maximize_response(model, NAMES, classes=classes, steps=1, size=128, progress=False)
    rows, results = [], {}  # after a warm-up call (the first call pays one-off costs)
    for name in args.only:
        r = results[name] = run(model, classes, CONFIGS[name])
        rows.append(
            f"| {name} | {r['seconds']:.1f} s, CPU {r['cpu']:.0f} s (load {r['load'][0]:.1f} → "
            f"{r['load'][1]:.1f}) | {r['hf'].mean():.3f} ({r['hf'].min():.2f}–"
            f"{r['hf'].max():.2f}) | {r['top5'].mean():.2f} | {r['top1'].mean():.2f} "
            f"| {r['p'].mean():.2f} (min {r['p'].min():.2f}) |"
        )
        print(rows[-1], flush=True)
    if not args.write:
        return
    opts = ", ".join(f"{k} {v}" for k, v in BASE.items())
    lines = [
        "# Notebook 08's class samples: the lecture's method vs going further",
        "",
        (
            f"Machine: {platform.machine()}, {os.cpu_count()} cores shared with other "
            f"jobs (load average in the table), torch {torch.__version__}, 2 threads. "
            f"Model: EfficientNet-Lite0 (offline); 8 classes, {opts}, seed 0."
        ),
        (
            "Time: the 8 samples (one `maximize_response` call), wall and CPU (on 2 "
            "idle cores the wall time is about half the CPU time). High-frequency share: "
            "h(x) / ‖x − x̄‖², mean (range) over the 8 (a photo: about 0.01). Shift "
            "agreement: share of rolls by ±4, ±8 px (vertical and horizontal) after "
            "which the target stays in the top 5 / top 1."
        ),
        "",
        (
            "| settings | time (8 samples) | high-frequency share | top-5 under shifts "
            "| top-1 under shifts | p(target) |"
        ),
        "|---|---|---|---|---|---|",
        *rows,
        "",
        CHOICE,
        "",
    ]
    (RESULTS / "class_samples.md").write_text("\n".join(lines), encoding="utf-8")
    names = list(results)
    figure(results[names[0]], RESULTS / "class_samples_before.png", names[0])
    figure(results[names[-1]], RESULTS / "class_samples_after.png", names[-1])


if __name__ == "__main__":
    main()
