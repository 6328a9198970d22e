"""Do the maps explain the model? Sanity checks (notebooks 06-07).

* :func:`cascading_randomization` — Adebayo et al., *Sanity checks for saliency maps*
  (NeurIPS 2018): re-draw the weights layer by layer from the output down and compare
  each map with the trained model's (Spearman rank correlation of absolute values, SSIM).
  A map that explains the model must change as the model is destroyed.

The deletion and insertion curves (Petsiuk et al., 2018) are in
:mod:`lecturelib.explain.faithfulness`; figures in :mod:`lecturelib.explain.plots`.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Sequence

import torch
from skimage.metrics import structural_similarity
from torch import Tensor, nn

from lecturelib.core.hooks import preserved_state
from lecturelib.core.settings import Setting
from lecturelib.core.validate import check_choice, check_finite, check_images, check_int
from lecturelib.explain.faithfulness import METHODS, importance_map

__all__ = [
    "SANITY_SETTINGS",
    "Cascade",
    "cascading_randomization",
    "compute_cascades",
    "map_similarity",
    "randomization_order",
    "randomize_layers",
]

_SEED_RANGE = 2**62

# The cascades' settings, shared by notebooks 06 and 07 (each section's lecture.py
# adds them to its table, so both notebooks randomise the same photos the same way).
SANITY_SETTINGS = {
    "sanity_photos": Setting(
        lecture=("coffee", "chelsea", "flower"),
        light=("coffee",),
        doc="photos of the cascades",
    ),
    "sanity_steps": Setting(
        lecture=10, light=5, light_large=3, doc="randomised states"
    ),
}


def randomization_order(model: nn.Module, images: Tensor) -> list[str]:
    """Names of the modules with weights of their own, output first.

    The order is that of the forward pass on ``images[:1]`` (first call of each
    module), reversed; modules the forward pass does not call are left out. Works on
    any model: LeNet gives ``["fc2", "fc1", "conv2", "conv1"]``.
    """
    check_images(images)
    names = {
        m: n
        for n, m in model.named_modules()
        if next(m.parameters(False), None) is not None
    }
    seen: list[str] = []
    handles = [
        m.register_forward_hook(lambda m, i, o: seen.append(names[m])) for m in names
    ]
    try:
        with torch.no_grad(), preserved_state(model):
            model(images[:1])
    finally:
        for h in handles:
            h.remove()
    return list(dict.fromkeys(seen))[::-1]


def _redraw(module: nn.Module, generator: torch.Generator) -> None:
    """Each own parameter re-drawn from N(its mean, its std): random, same scale."""
    with torch.no_grad():
        for p in module.parameters(recurse=False):
            mean, std = p.mean(), p.std(unbiased=False)
            if std == 0:  # a constant tensor (e.g. a fresh BN weight): its size
                std = mean.abs() if mean != 0 else torch.ones_like(std)
            noise = torch.randn(p.shape, generator=generator, device=generator.device)
            p.copy_(mean + std * noise.to(p.device, p.dtype))


def randomize_layers(
    model: nn.Module, layers: Sequence[str], *, generator: torch.Generator | None = None
) -> nn.Module:
    """A copy of ``model`` whose ``layers`` have random weights; ``model`` is untouched.

    Every parameter of each named layer (its own, not its children's) is re-drawn from
    a normal distribution with that parameter's mean and standard deviation, so the
    activations keep their trained scale while the learned values are gone (Adebayo
    et al. re-draw from the initialisation's distribution). Buffers (batch-norm
    statistics) are kept. Layer ``k`` of ``layers`` uses the seed ``s + k``, with
    ``s`` drawn from ``generator``: randomising ``layers[:j]`` and then
    ``layers[j:]`` gives the same weights as randomising ``layers`` at once.

    Args:
        layers: module names (``randomization_order(model, images)`` for all).
        generator: ``torch.Generator`` (CPU) for the seed; None draws from torch's.
    """
    modules = dict(model.named_modules())
    unknown = [name for name in layers if name not in modules or name == ""]
    if unknown:
        raise ValueError(f"layers must name modules of the model; unknown: {unknown}")
    clone = copy.deepcopy(model)
    _redraw_from(clone, layers, _seed(generator), start=0)
    return clone


def _seed(generator: torch.Generator | None) -> int:
    return int(torch.randint(_SEED_RANGE, (1,), generator=generator))


def _redraw_from(model: nn.Module, layers: Sequence[str], seed: int, *, start: int):
    """Randomise ``layers`` (in place) as layers ``start, start + 1, …`` of a cascade."""
    modules = dict(model.named_modules())
    for k, name in enumerate(layers, start=start):
        _redraw(modules[name], torch.Generator().manual_seed(seed + k))


def _ranks(x: Tensor) -> Tensor:
    """Ranks (average for ties) of a 1D tensor."""
    _, inverse, counts = torch.unique(x, return_inverse=True, return_counts=True)
    ends = counts.cumsum(0).double()
    return (ends - (counts.double() - 1) / 2)[inverse]


def _spearman(a: Tensor, b: Tensor) -> float:
    ra, rb = _ranks(a) - 0.0, _ranks(b)
    ra, rb = ra - ra.mean(), rb - rb.mean()
    den = (ra.square().sum() * rb.square().sum()).sqrt()
    return float((ra * rb).sum() / den) if den > 0 else 0.0


def _ssim(a: Tensor, b: Tensor) -> float:

    scaled = [m / m.max() if m.max() > 0 else m for m in (a, b)]
    side = min(a.shape[-2:])
    win = min(7, side if side % 2 else side - 1)
    if win < 3:
        return float("nan")
    x, y = (m.double().cpu().numpy() for m in scaled)
    return float(structural_similarity(x, y, data_range=1.0, win_size=win))


def map_similarity(reference: Tensor, maps: Tensor) -> tuple[Tensor, Tensor]:
    """Per image: Spearman rank correlation of |maps| and SSIM of |maps| / max.

    Args:
        reference, maps: (N, H, W) (or (N, C, H, W), summed over channels).
    Returns:
        ``(spearman, ssim)``, each (N,) float64; 1 for identical maps. A constant map
        ranks nothing: its correlation is 0. SSIM is NaN for maps under 3×3.
    """
    ref, other = (
        _as_maps(m, name) for m, name in ((reference, "reference"), (maps, "maps"))
    )
    if ref.shape != other.shape:
        raise ValueError(
            f"maps must be shaped like reference {tuple(ref.shape)}; got {tuple(other.shape)}"
        )
    pairs = list(zip(ref.abs().float(), other.abs().float()))
    rho = torch.tensor([_spearman(a.flatten(), b.flatten()) for a, b in pairs])
    ssim = torch.tensor([_ssim(a, b) for a, b in pairs], dtype=torch.float64)
    return rho.double(), ssim


def _as_maps(m, name: str) -> Tensor:
    if not isinstance(m, Tensor) or m.dim() not in (3, 4):
        raise ValueError(f"{name} must be a (N, H, W) or (N, C, H, W) tensor")
    return check_finite(name, m.abs().sum(1) if m.dim() == 4 else m)


@dataclasses.dataclass
class Cascade:
    """Maps of one method as more and more layers are randomised, output first.

    ``maps[s]`` (N, H, W) is the map with ``counts[s]`` layers randomised (the first
    ``counts[s]`` of ``layers``; ``counts[0] = 0``, the trained model);
    ``spearman[s]``, ``ssim[s]`` (N,) its similarity to ``maps[0]``.
    """

    method: str
    layers: list[str]
    counts: list[int]
    maps: list[Tensor]
    spearman: Tensor
    ssim: Tensor


def _counts(steps, n_layers: int) -> list[int]:
    """0, then ``steps`` counts spaced geometrically up to ``n_layers`` (or as given)."""
    if isinstance(steps, int) and not isinstance(steps, bool):
        steps = check_int("steps", steps, low=1)
        grid = torch.logspace(0, torch.log10(torch.tensor(float(n_layers))), steps)
        counts = sorted({round(float(c)) for c in grid} | {n_layers})
    else:
        counts = sorted({check_int("steps", c, low=1, high=n_layers) for c in steps})
    return [0, *counts]


def cascading_randomization(
    model: nn.Module,
    images: Tensor,
    method: str,
    *,
    target=None,
    steps: int | Sequence[int] = 5,
    layers: Sequence[str] | None = None,
    generator: torch.Generator | None = None,
    **options,
) -> Cascade:
    """Cascading randomisation of Adebayo et al. (2018) for one method.

    Args:
        images: (N, C, H, W) on the model's device.
        method: one of :data:`METHODS`; ``options`` go to :func:`importance_map`.
        target: class index or (N,) indices; None: the trained model's prediction,
            kept for every randomised model.
        steps: how many randomised states (geometric counts from 1 to all layers), or
            the counts of randomised layers themselves.
        layers: the layers, output first (default :func:`randomization_order`).
        generator: seeds the weights (and SmoothGrad's noise, the same for every
            state). The same seed gives the same random weights for every method.
    Returns:
        a :class:`Cascade`; ``model`` is left as it was (a copy is randomised).
    """
    check_images(images)  # also refuses NaN and inf
    check_choice("method", method, METHODS)
    layers = list(layers) if layers is not None else randomization_order(model, images)
    if not layers:
        raise ValueError("the model has no layer with weights to randomise")
    counts = _counts(steps, len(layers))
    seed, noise_seed = _seed(generator), _seed(generator)
    if target is None:
        with torch.no_grad(), preserved_state(model):
            target = model(images).argmax(1)
    clone, done, maps = copy.deepcopy(model), 0, []
    for count in counts:
        _redraw_from(clone, layers[done:count], seed, start=done)
        done = count
        noise = torch.Generator().manual_seed(noise_seed)
        maps.append(
            importance_map(clone, images, target, method, generator=noise, **options)
        )
    sims = [map_similarity(maps[0], m) for m in maps]
    return Cascade(
        method,
        layers,
        counts,
        [m.cpu() for m in maps],
        torch.stack([s[0] for s in sims]),
        torch.stack([s[1] for s in sims]),
    )


def compute_cascades(
    model: nn.Module, images: Tensor, methods: Sequence[str], *, seed: int = 0, **kw
) -> dict[str, Cascade]:
    """:func:`cascading_randomization` of each method, all with the same random weights
    (a generator seeded with ``seed`` for each); ``kw`` as that function's."""
    return {
        m: cascading_randomization(
            model, images, m, generator=torch.Generator().manual_seed(seed), **kw
        )
        for m in methods
    }
