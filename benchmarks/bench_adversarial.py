"""Input optimisation (notebooks 08–09): naive loops vs lecturelib vs captum.

Three measurements, each method timed ``--repeat`` times in alternating order (the CPU
is shared), best time kept:

1. The lecture's sphere control test on LeNet: one forward per random point (naive)
   vs :func:`lecturelib.sections.s09_adversarial.compute.sphere_test` (batches of 250).
2. The lecture's attack (SGD on −CE, lr 0.1) on EfficientNet-Lite0, one 224×224
   photo: a plain autograd loop with the weights' ``requires_grad`` left on (naive)
   vs :func:`adversarial_attack` (weights frozen, so autograd skips their gradients)
   vs captum's ``PGD`` (L2, same steps and step size; its update differs, so only its
   time is comparable).
3. Maximising a channel of an early layer (``_blocks.2._expand_conv``), 4 images of
   128×128: a full forward with a hook (naive) vs :func:`maximize_response`, which
   stops the forward at the last layer it needs.

    python benchmarks/bench_adversarial.py [--quick] [--write]

Writes benchmarks/results/adversarial.md (``--quick`` writes nothing unless ``--write``).
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

from lecturelib.core.data import load_mnist, load_photo
from lecturelib.core.device import make_generator
from lecturelib.core.imagenet import load_imagenet_model
from lecturelib.core.models import load_lenet
from lecturelib.sections.s08_maximize_response.compute import (
    MultiScaleEdgeEnergy,
    maximize_response,
)
from lecturelib.sections.s09_adversarial.compute import adversarial_attack, sphere_test

RESULTS = Path(__file__).parent / "results" / "adversarial.md"
LAYER = "_blocks.2._expand_conv"


def naive_sphere(model, images, radius, n):
    counts = []
    with torch.no_grad():
        for x, r in zip(images, radius):
            label = model(x[None]).argmax(1)
            changed = 0
            for _ in range(n):
                d = torch.randn_like(x)
                changed += int(model((x + r * d / d.norm())[None]).argmax(1) != label)
            counts.append(changed)
    return counts


def naive_attack(model, x, steps):
    x = x.clone().requires_grad_(True)  # the weights keep requires_grad=True
    y = model(x).argmax(1)
    opt = torch.optim.SGD([x], lr=0.1)
    for _ in range(steps):
        opt.zero_grad()
        (-F.cross_entropy(model(x), y, reduction="sum")).backward()
        opt.step()
    model.zero_grad(set_to_none=True)
    return x.detach()


def captum_attack(model, x, steps):
    from captum.robust import PGD

    y = model(x).argmax(1)
    return PGD(model).perturb(
        x, radius=1e9, step_size=0.1, step_num=steps, target=y, norm="L2"
    )


def naive_maximize(model, steps, size):
    module = dict(model.named_modules())[LAYER]
    acts = {}
    handle = module.register_forward_hook(lambda m, i, o: acts.__setitem__("a", o))
    x = (
        torch.randn(4, 3, size, size, generator=make_generator(0)) * 0.01
    ).requires_grad_()
    opt, h = torch.optim.Adam([x], lr=0.1), MultiScaleEdgeEnergy()
    try:
        for _ in range(steps):
            model(x)  # the whole network runs
            f = torch.stack([acts["a"][i, i].sum() for i in range(4)])
            opt.zero_grad()
            (h(x).sum() - f.sum()).backward()
            opt.step()
    finally:
        handle.remove()
    model.zero_grad(set_to_none=True)


def best_times(methods: dict, repeat: int) -> dict:
    times = {name: float("inf") for name in methods}
    for _ in range(repeat):
        for name, fn in methods.items():
            t = time.perf_counter()
            fn()
            times[name] = min(times[name], time.perf_counter() - t)
    return times


def table(title: str, times: dict, unit: str) -> list[str]:
    base = next(iter(times.values()))
    rows = [
        f"### {title}",
        "",
        f"| method | time ({unit}) | speed-up vs naive |",
        "|---|---|---|",
    ]
    rows += [f"| {k} | {v:.3f} | {base / v:.2f}× |" for k, v in times.items()]
    return rows + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--write", action="store_true", help="write the results file")
    args = parser.parse_args()
    repeat = 1 if args.quick else 2
    n_sphere, attack_steps, max_steps = (200, 3, 2) if args.quick else (1000, 15, 5)

    lenet = load_lenet()
    digits = load_mnist("test")[0][::250][:2]
    model, preprocess, _ = load_imagenet_model("efficientnet_lite0")
    photo = preprocess(load_photo("coffee"))[None]

    lines = [
        f"# Input optimisation benchmarks ({'quick' if args.quick else 'full'})",
        "",
    ]
    lines += [
        (
            f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} "
            f"threads, torch {torch.__version__}; best of {repeat}."
        ),
        "",
    ]
    lines += table(
        f"Sphere test, LeNet, 2 digits × {n_sphere} points",
        best_times(
            {
                "naive (one forward per point)": lambda: naive_sphere(
                    lenet, digits, [3.0, 3.0], n_sphere
                ),
                "lecturelib sphere_test": lambda: sphere_test(
                    lenet, digits, 3.0, n=n_sphere, generator=make_generator(0)
                ),
            },
            repeat,
        ),
        "s",
    )
    lines += table(
        f"Attack, EfficientNet-Lite0, 1 photo 224×224, {attack_steps} steps",
        best_times(
            {
                "naive (weights require grad)": lambda: naive_attack(
                    model, photo, attack_steps
                ),
                "lecturelib adversarial_attack": lambda: adversarial_attack(
                    model, photo, steps=attack_steps
                ),
                "captum PGD (L2)": lambda: captum_attack(model, photo, attack_steps),
            },
            repeat,
        ),
        "s",
    )
    lines += table(
        f"Maximise an early channel ({LAYER}), 4 × 128×128, {max_steps} steps",
        best_times(
            {
                "naive (full forward + hook)": lambda: naive_maximize(
                    model, max_steps, 128
                ),
                "lecturelib maximize_response": lambda: maximize_response(
                    model,
                    [(LAYER, i) for i in range(4)],
                    steps=max_steps,
                    size=128,
                    generator=make_generator(0),
                    progress=False,
                ),
            },
            repeat,
        ),
        "s",
    )
    text = "\n".join(lines)
    print(text)
    if args.write or not args.quick:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text + "\n")
        print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
