"""Deletion and insertion curves (Petsiuk et al., *RISE*, BMVC 2018), notebooks 05 and 07.

Remove the pixels in the order of a map, most important first, and follow the class
score (**deletion**: a faithful map makes it drop fast, a low area under the curve);
or start from a blurred image and put the pixels back in that order (**insertion**:
it should rise fast, a high area). A random order is the baseline. Figures are in
:mod:`lecturelib.explain.plots`. Notebook 05 scores occlusion against the random order;
notebook 07, once every map has been taught, scores them all with the same settings
(:data:`FAITHFULNESS_SETTINGS`, :func:`curve_options`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torchvision.transforms.functional import gaussian_blur

from lecturelib.core.data import PHOTO_NAMES
from lecturelib.core.hooks import preserved_state
from lecturelib.core.settings import Setting, Settings
from lecturelib.core.validate import (
    check_choice,
    check_images,
    check_int,
    resolve_target,
)
from lecturelib.explain.registry import METHODS as _REGISTRY
from lecturelib.explain.registry import attribution

__all__ = [
    "FAITHFULNESS_SETTINGS",
    "METHODS",
    "SCORES",
    "Curve",
    "blurred",
    "compute_faithfulness",
    "curve_options",
    "deletion_curve",
    "importance_map",
    "insertion_curve",
]

METHODS = tuple(_REGISTRY)  # gradient, smoothgrad, deconv, guided, occlusion
SCORES = ("softmax", "logit")

# The curves' settings on the ImageNet photos, shared by notebooks 05 (occlusion and
# random) and 07 (every map): each section's lecture.py adds those it uses to its table.
FAITHFULNESS_SETTINGS = {
    "auc_photos": Setting(
        lecture=tuple(PHOTO_NAMES),
        light=("coffee", "chelsea", "flower"),
        light_large=("coffee",),
        doc="photos of the deletion/insertion curves",
    ),
    "auc_steps": Setting(
        lecture=32, light=16, light_large=8, doc="points on each curve, minus one"
    ),
    "auc_stride": Setting(
        lecture=8,
        light=16,
        light_large=32,
        doc="the curves' occlusion stride (32×32 masks)",
    ),
    "auc_n": Setting(
        lecture=50,
        light=5,
        light_large=2,
        doc="SmoothGrad's noisy copies for the curves",
    ),
}


@dataclasses.dataclass
class Curve:
    """``scores[i, k]``: image i's target score with ``fractions[k]`` of its pixels
    changed (removed, or inserted); ``auc[i]``: the trapezoid area over [0, 1]."""

    fractions: Tensor
    scores: Tensor
    auc: Tensor


def blurred(images: Tensor, *, kernel: int = 11, sigma: float = 5.0) -> Tensor:
    """Gaussian blur of ``images``: RISE's start for insertion (kernel 11, σ = 5)."""
    return gaussian_blur(images, [kernel, kernel], [sigma, sigma])


def _pixel_ranks(attribution: Tensor, images: Tensor) -> Tensor:
    """(N, H·W) rank of each pixel, 0 = most important; ties keep reading order."""
    n, c, h, w = images.shape
    a = attribution
    if a.dim() == 4 and a.shape[1] in (1, c):
        a = a.sum(1)
    if a.dim() != 3 or tuple(a.shape) != (n, h, w):
        raise ValueError(
            f"attribution must be shaped like images {tuple(images.shape)}, or "
            f"(N, H, W) = {(n, h, w)}; got {tuple(attribution.shape)}"
        )
    if not torch.isfinite(a).all():
        raise ValueError("attribution must be finite; it holds NaN or inf values")
    order = torch.sort(a.flatten(1).float(), dim=1, descending=True, stable=True)[1]
    ranks = torch.empty_like(order)
    ranks.scatter_(1, order, torch.arange(h * w, device=a.device).expand(n, -1))
    return ranks


def _baseline(baseline, images: Tensor) -> Tensor:
    if isinstance(baseline, str):
        check_choice("baseline", baseline, ("blur",))
        return blurred(images)
    if isinstance(baseline, (int, float)) and not isinstance(baseline, bool):
        b = torch.tensor(float(baseline))
    elif isinstance(baseline, Tensor):
        b = baseline
    else:
        raise TypeError(
            f"baseline must be a number, a tensor or 'blur'; got {type(baseline).__name__}"
        )
    if not torch.isfinite(b).all():
        raise ValueError("baseline must be finite; it holds NaN or inf values")
    try:
        return torch.broadcast_to(b.to(images), images.shape)
    except RuntimeError as err:
        raise ValueError(
            f"baseline must broadcast to images {tuple(images.shape)}; "
            f"got {tuple(b.shape)}"
        ) from err


def _curve(
    model, images, attribution, target, steps, baseline, score, batch_size, insert
):
    check_images(images)
    if not torch.isfinite(images).all():
        raise ValueError("images must be finite; they hold NaN or inf values")
    steps = check_int("steps", steps, low=1)
    batch_size = check_int("batch_size", batch_size, low=1)
    check_choice("score", score, SCORES)
    ranks = _pixel_ranks(attribution, images)
    base = _baseline(baseline, images)
    n, _, h, w = images.shape
    counts = torch.round(torch.arange(steps + 1) * (h * w) / steps).long()
    items = torch.cartesian_prod(torch.arange(n), torch.arange(steps + 1))
    scores = torch.empty(n, steps + 1, dtype=torch.float64)
    first, rest = (images, base) if insert else (base, images)
    with preserved_state(model), torch.no_grad():
        targets = resolve_target(model(images), target)  # None: the predicted class
        for chunk in torch.split(items, batch_size):
            i, k = chunk[:, 0].to(images.device), chunk[:, 1]
            changed = ranks[i] < counts[k].to(ranks.device)[:, None]  # (B, H·W)
            out = model(torch.where(changed.view(-1, 1, h, w), first[i], rest[i]))
            out = out.softmax(1) if score == "softmax" else out
            picked = out.gather(1, targets[i.to(out.device)][:, None])[:, 0]
            scores[chunk[:, 0], k] = picked.double().cpu()
    fractions = counts.double() / (h * w)
    return Curve(fractions, scores, torch.trapezoid(scores, fractions, dim=1))


def deletion_curve(
    model: nn.Module,
    images: Tensor,
    attribution: Tensor,
    target,
    *,
    steps: int = 32,
    baseline=0.0,
    score: str = "softmax",
    batch_size: int = 32,
) -> Curve:
    """RISE's deletion curve: pixels set to ``baseline``, most important first.

    Args:
        images: (N, C, H, W) model inputs on the model's device, finite.
        attribution: (N, C, H, W) (summed over channels), (N, 1, H, W) or (N, H, W)
            pixel importance, larger = more important (pass |gradient| for gradients).
        target: class index or (N,) indices.
        steps: the curve has ``steps + 1`` points, fractions 0, 1/steps, …, 1 of the
            pixels (all channels of a pixel together), ≥ 1.
        baseline: what replaces a pixel, in the model's input space: a number (0.0:
            the mean colour for mean/std-normalised models), a tensor broadcast to
            ``images``, or ``"blur"``.
        score: ``"softmax"`` (RISE's probability) or ``"logit"``.
        batch_size: perturbed images per forward pass; results do not depend on it.
    Returns:
        a :class:`Curve`; the model is left as it was.
    """
    return _curve(
        model, images, attribution, target, steps, baseline, score, batch_size, False
    )


def insertion_curve(
    model: nn.Module,
    images: Tensor,
    attribution: Tensor,
    target,
    *,
    steps: int = 32,
    baseline="blur",
    score: str = "softmax",
    batch_size: int = 32,
) -> Curve:
    """RISE's insertion curve: from ``baseline`` (a blurred copy), pixels put back
    most important first. Arguments as :func:`deletion_curve`; a high AUC is good."""
    return _curve(
        model, images, attribution, target, steps, baseline, score, batch_size, True
    )


def importance_map(
    model: nn.Module,
    images: Tensor,
    target,
    method: str,
    *,
    generator: torch.Generator | None = None,
    n: int = 10,
    sigma: float = 0.25,
    size: int = 32,
    stride: int = 16,
) -> Tensor:
    """(N, H, W) pixel importance of one of :data:`METHODS` (or ``"random"``).

    Σ_c |a_c| for the gradient family (their sign says which way, not how much); for
    occlusion, each pixel gets the mean score drop of the masks covering it (as
    captum's ``Occlusion``); ``"random"`` is uniform noise from ``generator``.
    ``n``/``sigma`` are SmoothGrad's, ``size``/``stride`` occlusion's.
    """
    check_images(images)
    check_choice("method", method, (*METHODS, "random"))
    if method == "random":
        shape = (images.shape[0], *images.shape[-2:])
        return torch.rand(shape, generator=generator).to(images.device)
    entry, function = attribution(method)
    given = {"n": n, "sigma": sigma, "size": size, "stride": stride}
    if "generator" in entry.options:  # a fresh generator per call: same map, any order
        seed = int(torch.randint(2**62, (1,), generator=generator))
        given["generator"] = torch.Generator().manual_seed(seed)
    options = {name: given[name] for name in entry.options}
    a = function(model, images, target, **entry.fixed, **options)
    if entry.output == "masks":
        return _spread(a[:, None], size, stride, images.shape[-2:])[:, 0]
    return a.abs().sum(1)


def _spread(drop: Tensor, size: int, stride: int, hw) -> Tensor:
    """Mean of the (N, 1, H', W') mask values over the masks covering each pixel."""
    kernel = torch.ones(1, 1, size, size, device=drop.device, dtype=drop.dtype)
    total = F.conv_transpose2d(drop, kernel, stride=stride)
    count = F.conv_transpose2d(torch.ones_like(drop), kernel, stride=stride)
    out = torch.zeros(*drop.shape[:2], *hw, device=drop.device, dtype=drop.dtype)
    h, w = total.shape[-2:]
    out[..., :h, :w] = total / count.clamp_min(1)
    return out


def curve_options(settings: Settings) -> dict:
    """:func:`compute_faithfulness`'s options from a section's settings: ``steps`` =
    ``auc_steps``, 32×32 occlusion masks at ``auc_stride``, and SmoothGrad's ``n`` =
    ``auc_n`` where the table has it (notebook 07; 05 draws no SmoothGrad map)."""
    options = {"steps": settings.auc_steps, "size": 32, "stride": settings.auc_stride}
    if "auc_n" in settings:
        options["n"] = settings.auc_n
    return options


def compute_faithfulness(
    model: nn.Module,
    images: Tensor,
    target,
    methods: Sequence[str] = (*METHODS, "random"),
    *,
    steps: int = 16,
    seed: int = 0,
    batch_size: int = 32,
    deletion_baseline=0.0,
    insertion_baseline="blur",
    **options,
) -> dict[str, tuple[Curve, Curve]]:
    """``{method: (deletion, insertion)}`` curves of :func:`importance_map` (the
    notebook's AUC table); ``options`` go to :func:`importance_map`."""
    out = {}
    for method in methods:
        gen = torch.Generator().manual_seed(seed)
        imp = importance_map(model, images, target, method, generator=gen, **options)
        kw = {"steps": steps, "batch_size": batch_size}
        out[method] = (
            deletion_curve(
                model, images, imp, target, baseline=deletion_baseline, **kw
            ),
            insertion_curve(
                model, images, imp, target, baseline=insertion_baseline, **kw
            ),
        )
    return out
