"""BatchNorm folded into the convs (06's widget's fast copy): time against the model.

    python benchmarks/bench_fold.py [--quick]

On the model with BatchNorms that ``load_imagenet_model`` returns offline
(EfficientNet-Lite0) and torchvision's ResNet18 (random weights): 06's SmoothGrad as
its widget runs it on :func:`lecturelib.core.fold.fold_batchnorm`'s copy (24 noisy
copies of one 224×224 photo in batches of 8), and 08's maximization (20 Adam steps on
a 128×128 input, the CPU profile's widget setting), whose widget keeps the model: the
last column shows why. Model and folded copy take turns (round-robin); median of the
repeats after a warm-up. Agreement: the largest difference between the two results
over the largest value. SmoothGrad's maps differ by a little more than rounding (ReLU6
and ReLU change slope where a unit sits at a threshold); 08's Adam steps turn a
rounding difference into another image.

Prints a Markdown table and writes it to ``benchmarks/results/fold.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("LECTURELIB_OFFLINE", "1")

from bench_saliency import race  # round-robin medians, as the SmoothGrad benchmark

from lecturelib.core.data import load_photo
from lecturelib.core.fold import fold_batchnorm
from lecturelib.core.imagenet import load_imagenet_model
from lecturelib.sections.s06_saliency.compute import smoothgrad
from lecturelib.sections.s08_maximize_response.compute import maximize_response

RESULTS = Path(__file__).resolve().parent / "results" / "fold.md"


def rows(name: str, model, x, args) -> list[str]:
    folded = fold_batchnorm(model, example=x)
    count = sum(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    left = sum(isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())

    def sg(m):
        return lambda: smoothgrad(m, x, n=args.copies, batch_size=8, progress=False,
                                  generator=torch.Generator().manual_seed(0))  # fmt: skip

    def steps(m):
        return lambda: maximize_response(m, 1, steps=args.steps, size=128,
                                         generator=torch.Generator().manual_seed(0),
                                         progress=False)[0]  # fmt: skip

    out = []
    for what, make in ((f"SmoothGrad, {args.copies} copies", sg),
                       (f"maximization, {args.steps} steps", steps)):  # fmt: skip
        fns = {"model": make(model), "folded": make(folded)}
        race(fns, 1)  # warm-up
        t, r = race(fns, args.repeats)
        diff = float((r["folded"] - r["model"]).abs().max() / r["model"].abs().max())
        out.append(
            f"| {name} | {count - left} of {count} | {what} | {t['model']:.3f} | "
            f"{t['folded']:.3f} | {t['model'] / t['folded']:.2f} | {diff:.1e} |"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 copies, 5 steps, 1 run")
    parser.add_argument("--copies", type=int, default=24)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.quick:
        args.copies, args.steps, args.repeats = 8, 5, 1
    import torchvision

    torch.manual_seed(0)
    effnet, preprocess, _ = load_imagenet_model("efficientnet_lite0")
    resnet = torchvision.models.resnet18(weights=None).eval()
    x = preprocess(load_photo("coffee"))[None]
    intro = (
        f"`python benchmarks/bench_fold.py{' --quick' if args.quick else ''}` on CPU "
        f"({torch.get_num_threads()} threads), torch {torch.__version__}; median of "
        f"{args.repeats} round-robin runs after a warm-up. Ratio > 1: the folded copy "
        "is faster. The machine may be shared: compare rows of one run, not runs."
    )
    header = "| model | BatchNorms folded | computation | model (s) | folded (s) | × |"
    lines = [
        "# BatchNorm folded into the convs: SmoothGrad's widget's fast copy",
        "",
        intro,
        "",
        header + " max diff / max |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += rows("EfficientNet-Lite0", effnet, x, args)
    lines += rows("ResNet18 (random weights)", resnet, x, args)
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.quick:
        RESULTS.write_text(text)


if __name__ == "__main__":
    main()
