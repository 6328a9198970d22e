"""Notebook 08, slides 59-75: Maximum-response samples: inputs a network answers to most.

The lecture (Simonyan et al., 2013; Yosinski et al., 2015) looks for

    x* = argmax_x f(x; w) − h(x)

by gradient ascent on the input, with f a class score, the sum of a channel's map or
a single unit, and h a prior that penalises high frequencies at every scale
(:class:`MultiScaleEdgeEnergy`). Without the prior the optimum is high-frequency noise.

Going further (off by default, the lecture's method stays the default): transformation
robustness, a random shift and zoom of the input before each step (Mordvintsev et al.,
2015, "Inceptionism"; Olah et al., 2017, "Feature Visualization"), and a Fourier
parametrisation whose low frequencies take larger steps (:func:`to_fourier`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from lecturelib.core.hooks import (
    input_channels,
    preserved_state,
    record_activations,
    resolve_layer,
)
from lecturelib.core.validate import check_choice, check_float, check_int, close_names

__all__ = [
    "MultiScaleEdgeEnergy",
    "Objective",
    "ToyPrior",
    "class_index",
    "compute_toy_prior",
    "display_normalize",
    "fourier_gains",
    "from_fourier",
    "high_frequency_share",
    "lecture_display",
    "lecture_objectives",
    "make_objectives",
    "maximize_response",
    "shift_agreement",
    "to_fourier",
]


class MultiScaleEdgeEnergy(nn.Module):
    """The lecture's prior h(x) = Σ_s ‖δˢ(x) − g ⊛ δˢ(x)‖².

    g is the 5×5 pseudo-Gaussian outer([1,4,6,4,1], [1,4,6,4,1]) / 256, each channel
    filtered on its own (depthwise), scales summed until the image is 5 pixels or
    smaller. ``borders="replicate"`` (default): borders padded by replication and δ a
    2×2 average pooling, so a constant image has energy exactly 0. ``borders="zeros"``
    is the lecture's module as written: zero padding for the blur and δ the 2×2 uniform
    convolution with stride 2 and padding 1, which gives a constant image edges at its
    borders (notebook 08 measures it).

    Args (forward):
        x: (N, C, H, W).
    Returns:
        (N,) energies.
    """

    def __init__(self, borders: str = "replicate"):
        super().__init__()
        self.borders = check_choice("borders", borders, ("replicate", "zeros"))
        k = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])
        g = torch.outer(k, k)
        self.register_buffer("kernel", (g / g.sum()).view(1, 1, 5, 5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c = x.shape[:2]
        u = x.reshape(n * c, 1, *x.shape[2:])
        energy = x.new_zeros(n * c)
        zeros = self.borders == "zeros"
        while min(u.shape[-2:]) > 5:
            if zeros:
                blurry = F.conv2d(u, self.kernel.to(u), padding=2)
            else:
                padded = F.pad(u, (2, 2, 2, 2), mode="replicate")
                blurry = F.conv2d(padded, self.kernel.to(u))
            energy = energy + (u - blurry).flatten(1).pow(2).sum(1)
            if zeros:
                u = F.conv2d(u, u.new_full((1, 1, 2, 2), 0.25), stride=2, padding=1)
            else:
                u = F.avg_pool2d(u, kernel_size=2, ceil_mode=True)
        return energy.view(n, c).sum(1)


@dataclass(frozen=True)
class Objective:
    """What to maximise: a class output, a channel's summed map, or one unit.

    ``layer=None`` means the model's output and ``channel`` is the class index;
    otherwise ``channel`` of ``layer``'s output, summed over the map, or the single
    unit at ``(y, x)`` when both are given.
    """

    layer: str | None = None
    channel: int = 0
    y: int | None = None
    x: int | None = None

    @property
    def kind(self) -> str:
        if self.layer is None:
            return "class"
        return "channel" if self.y is None else "unit"

    def label(self, classes: Sequence[str] | None = None) -> str:
        if self.layer is None:
            name = classes[self.channel] if classes is not None else None
            return f"class {self.channel}" + (f" ({name})" if name else "")
        where = "" if self.y is None else f" @({self.y},{self.x})"
        return f"{self.layer}[{self.channel}]{where}"


def class_index(name: str, classes: Sequence[str]) -> int:
    """Index of the class called ``name``; an unknown name → ValueError with close names."""
    classes = list(classes)
    if name in classes:
        return classes.index(name)
    lower = [c.lower() for c in classes]
    if name.lower() in lower:
        return lower.index(name.lower())
    raise ValueError(
        f"unknown class name {name!r}; close names: {close_names(name, classes)}"
    )


def _one_objective(spec, classes) -> Objective:
    if isinstance(spec, Objective):
        return spec
    if isinstance(spec, str):
        if classes is None:
            raise ValueError(f"objective {spec!r} is a class name: pass classes=[...]")
        return Objective(None, class_index(spec, classes))
    if isinstance(spec, int) and not isinstance(spec, bool):
        return Objective(None, check_int("objective (class index)", spec, low=0))
    if isinstance(spec, tuple) and len(spec) in (2, 4) and isinstance(spec[0], str):
        ints = [check_int("objective channel/y/x", v, low=0) for v in spec[1:]]
        return Objective(spec[0], *ints)
    raise TypeError(
        "objective must be a class index (int), a class name (str), (layer, channel), "
        f"(layer, channel, y, x) or an Objective; got {spec!r}"
    )


def make_objectives(objective, classes: Sequence[str] | None = None) -> list[Objective]:
    """One :class:`Objective` per image from a spec or a list of specs."""
    specs = objective if isinstance(objective, list) else [objective]
    if not specs:
        raise ValueError("objective must name at least one thing to maximise")
    return [_one_objective(s, classes) for s in specs]


def _check_against(objectives, outputs: dict[str | None, torch.Tensor]) -> None:
    """Classes, channels and positions must exist in the recorded outputs."""
    for o in objectives:
        t = outputs[o.layer]
        what = "the model's outputs" if o.layer is None else f"layer {o.layer!r}"
        noun = "class" if o.layer is None else "channel"
        if not 0 <= o.channel < t.shape[1]:
            raise ValueError(
                f"{noun} {o.channel} is out of range for {what}: it has {t.shape[1]} "
                f"(valid: 0 to {t.shape[1] - 1})"
            )
        if o.y is None:
            continue
        if t.dim() != 4:
            raise ValueError(
                f"{what} has no spatial map (output shape {tuple(t.shape)}): give "
                "(layer, channel) without y, x"
            )
        h, w = t.shape[-2:]
        if not (o.y < h and o.x < w):
            raise ValueError(
                f"unit (y, x) = ({o.y}, {o.x}) is outside {what}'s map of size "
                f"{(h, w)} (y in [0, {h - 1}], x in [0, {w - 1}])"
            )


def _scores(objectives, outputs) -> torch.Tensor:
    """(N,) objective values, image i scored by objective i."""
    values = []
    for i, o in enumerate(objectives):
        t = outputs[o.layer][i, o.channel]
        values.append(t.sum() if o.y is None else t[o.y, o.x])
    return torch.stack(values)


def _channels_of(model: nn.Module) -> int:
    c = input_channels(model)
    if c is None:
        raise ValueError("cannot infer the input channels: pass channels=")
    return c


def _size(size) -> tuple[int, int]:
    if isinstance(size, int):
        size = (size, size)
    h, w = (check_int("size", s, low=8) for s in size)
    return h, w


def fourier_gains(
    height: int, width: int, *, decay: float = 1.0, device=None
) -> torch.Tensor:
    """(H, W // 2 + 1) gains 1 / max(|f|, 1 / max(H, W))^decay of the real 2-D spectrum.

    |f| is the frequency in cycles per pixel (``torch.fft.fftfreq``); the gains are
    scaled to a root mean square of 1, so an Adam step moves the image about as much as
    in the pixel parametrisation while the low frequencies move faster (Olah et al.,
    2017). ``decay=0`` gives gains of 1: an orthonormal change of basis.
    """
    check_int("height", height, low=1), check_int("width", width, low=1)
    decay = check_float("decay", decay, low=0.0)
    fy = torch.fft.fftfreq(height, device=device).view(-1, 1)
    fx = torch.fft.rfftfreq(width, device=device).view(1, -1)
    radius = (fy.pow(2) + fx.pow(2)).sqrt().clamp_min(1.0 / max(height, width))
    gains = radius.pow(-decay)
    return gains / gains.pow(2).mean().sqrt()


def to_fourier(images: torch.Tensor, *, decay: float = 1.0) -> torch.Tensor:
    """The Fourier parameters of ``images`` (N, C, H, W): (N, C, H, W // 2 + 1, 2).

    The orthonormal real 2-D spectrum divided by :func:`fourier_gains`, as real and
    imaginary parts; :func:`from_fourier` is its inverse.
    """
    if not isinstance(images, torch.Tensor) or images.dim() != 4:
        raise ValueError("images must be a tensor (N, C, H, W)")
    gains = fourier_gains(*images.shape[-2:], decay=decay, device=images.device)
    return torch.view_as_real(torch.fft.rfft2(images, norm="ortho") / gains)


def from_fourier(
    params: torch.Tensor, size: tuple[int, int], *, decay: float = 1.0
) -> torch.Tensor:
    """Images (N, C, H, W) of ``size`` = (H, W) from Fourier parameters (:func:`to_fourier`)."""
    if (
        not isinstance(params, torch.Tensor)
        or params.dim() != 5
        or params.shape[-1] != 2
    ):
        raise ValueError("params must be a tensor (N, C, H, W // 2 + 1, 2)")
    h, w = _size(size)
    gains = fourier_gains(h, w, decay=decay, device=params.device)
    spectrum = torch.view_as_complex(params.contiguous()) * gains
    return torch.fft.irfft2(spectrum, s=(h, w), norm="ortho")


def _transform(x, jitter, scale, generator, where):
    """``x`` rolled by a random (dy, dx) in [-jitter, jitter]² and zoomed by a random
    factor in [1 / (1 + scale), 1 + scale] about its centre (borders reflected); the
    same draw for every image of the batch, so the images stay independent."""
    if jitter:
        dy, dx = torch.randint(
            -jitter, jitter + 1, (2,), generator=generator, device=where
        ).tolist()
        x = torch.roll(x, (dy, dx), dims=(2, 3))
    if scale:
        u = torch.rand((), generator=generator, device=where).item()
        zoom = (1 + scale) ** (2 * u - 1)  # log-uniform, 1 on average in log
        theta = x.new_tensor([[1 / zoom, 0.0, 0.0], [0.0, 1 / zoom, 0.0]])
        grid = F.affine_grid(
            theta.expand(len(x), 2, 3), list(x.shape), align_corners=False
        )
        x = F.grid_sample(x, grid, padding_mode="reflection", align_corners=False)
    return x


PARAMETRIZATIONS = ("pixel", "fourier")


def maximize_response(
    model: nn.Module,
    objective,
    *,
    steps: int = 250,
    lr: float = 0.1,
    prior_weight: float = 1.0,
    size: int | tuple[int, int] = 224,
    init_std: float = 0.01,
    channels: int | None = None,
    classes: Sequence[str] | None = None,
    generator: torch.Generator | None = None,
    progress: bool = True,
    jitter: int = 0,
    scale: float = 0.0,
    parametrization: str = "pixel",
    decay: float = 1.0,
    on_partial: Callable[[int, torch.Tensor, torch.Tensor], None] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradient ascent on the input for argmax_x f(x; w) − prior_weight · h(x).

    The lecture's recipe: start from N(0, 0.01²) noise, Adam(lr=0.1), 250 steps, h the
    :class:`MultiScaleEdgeEnergy`. Image i maximises objective i (the batch items are
    independent, so the result does not depend on how many are run together).

    Args:
        objective: one spec or a list of them: a class index or class name (with
            ``classes``), ``(layer, channel)`` for a channel's summed map,
            ``(layer, channel, y, x)`` for one unit, or an :class:`Objective`.
        steps: Adam steps (≥ 1). prior_weight: 0 gives the lecture's noisy version.
        size: input height/width. channels: input channels (default: the first conv's).
        generator: seeds the initial noise and the random transformations (on the
            model's device).
        jitter, scale: going further, transformation robustness: before each step
            the model sees the image rolled by up to ``jitter`` pixels (0 to size / 4)
            and zoomed by a factor in [1 / (1 + scale), 1 + scale] (scale 0 to 1); 0
            (default) is the lecture's method. The prior is on the image itself.
        parametrization: ``"pixel"`` (the lecture's) or ``"fourier"``: Adam steps on
            the image's spectrum (:func:`to_fourier`, from the same start), low
            frequencies faster by 1 / |f|^``decay``.
        on_partial: called after each step but the last with ``(steps done, images,
            history so far)``: the image that step saw (detached) and the objective
            values (steps done, N) (a widget draws them as it goes).
    Returns:
        ``(images, history)``: the optimised inputs (N, C, H, W) in the model's input
        space, and the objective values f (steps + 1, N), row 0 at the start, the last
        row on the untransformed result (the others on the image the step saw).
    """
    steps = check_int("steps", steps, low=1)
    lr = check_float("lr", lr, low=0.0)
    init_std = check_float("init_std", init_std, low=0.0)
    prior_weight = check_float("prior_weight", prior_weight, low=0.0)
    parametrization = check_choice("parametrization", parametrization, PARAMETRIZATIONS)
    decay = check_float("decay", decay, low=0.0, high=4.0)
    scale = check_float("scale", scale, low=0.0, high=1.0)
    objectives = make_objectives(objective, classes)
    layers = sorted({o.layer for o in objectives if o.layer is not None})
    for layer in layers:
        resolve_layer(model, layer)
    device = next(model.parameters()).device
    c = channels if channels is not None else _channels_of(model)
    height, width = _size(size)
    jitter = check_int("jitter", jitter, low=0, high=min(height, width) // 4)
    shape = (len(objectives), c, height, width)
    where = generator.device if generator is not None else device  # draw where it lives
    x = torch.randn(shape, generator=generator, device=where).to(device) * init_std
    energy = MultiScaleEdgeEnergy().to(device)
    fourier = parametrization == "fourier"
    param = to_fourier(x, decay=decay) if fourier else x

    def image():
        return from_fourier(param, (height, width), decay=decay) if fourier else param

    history = []
    need_output = any(o.layer is None for o in objectives)
    with preserved_state(model), _recording(model, layers, need_output) as run:
        with torch.no_grad():
            _check_against(objectives, run(x))
        param.requires_grad_(True)
        optimizer = torch.optim.Adam([param], lr=lr)
        for _ in tqdm(range(steps), desc="maximize", disable=not progress, leave=False):
            x = image()
            seen = _transform(x, jitter, scale, generator, where)
            f = _scores(objectives, run(seen))
            history.append(f.detach())
            loss = prior_weight * energy(x).sum() - f.sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if on_partial is not None and len(history) < steps:
                on_partial(len(history), x.detach(), torch.stack(history).cpu())
        with torch.no_grad():
            x = image()
            history.append(_scores(objectives, run(x)))
    return x.detach(), torch.stack(history).cpu()


def high_frequency_share(images: torch.Tensor) -> torch.Tensor:
    """(N,) the prior's energy h(x) over the image's energy ‖x − x̄‖² (notebook 08).

    x̄ is each image's mean over channels and pixels; a photo's share is about 0.01, the
    lecture's noise without a prior is close to 1.
    """
    if not isinstance(images, torch.Tensor) or images.dim() != 4:
        raise ValueError("images must be a tensor (N, C, H, W)")
    x = images.detach()
    centred = x - x.mean((1, 2, 3), keepdim=True)
    energy = MultiScaleEdgeEnergy().to(x.device)(x)
    return (energy / centred.pow(2).flatten(1).sum(1).clamp_min(1e-12)).cpu()


def shift_agreement(
    model: nn.Module,
    images: torch.Tensor,
    targets,
    *,
    shifts: Sequence[int] = (4, 8),
    k: int = 5,
) -> torch.Tensor:
    """(N,) share of small shifts after which image i's target class stays in the top k.

    Each image is rolled by ±s pixels vertically and horizontally for every s in
    ``shifts`` (4 shifted copies per s). A sample that only fools the model at one
    exact position scores low; one with the class's structure scores high.
    """
    if not isinstance(images, torch.Tensor) or images.dim() != 4:
        raise ValueError("images must be a tensor (N, C, H, W)")
    shifts = [
        check_int("shifts", s, low=1, high=min(images.shape[-2:]) - 1) for s in shifts
    ]
    if not shifts:
        raise ValueError("shifts must hold at least one shift")
    device = next(model.parameters()).device
    targets = torch.as_tensor(targets, device=device).view(-1)
    if len(targets) != len(images):
        raise ValueError(f"targets must hold one class per image ({len(images)})")
    moves = [(a * s, 0) for s in shifts for a in (-1, 1)]
    moves += [(0, a * s) for s in shifts for a in (-1, 1)]
    x = images.detach().to(device)
    hits = []
    with preserved_state(model), torch.no_grad():
        k = check_int("k", k, low=1, high=model(x[:1]).shape[1])
        for dy, dx in moves:
            top = model(torch.roll(x, (dy, dx), dims=(2, 3))).topk(k, dim=1).indices
            hits.append((top == targets[:, None]).any(1))
    return torch.stack(hits, 1).float().mean(1).cpu()


class _Stop(Exception):
    """Raised once every layer an objective needs has run (the rest is not needed)."""


@contextlib.contextmanager
def _recording(model: nn.Module, layers: list[str], need_output: bool):
    """Yields ``run(x)`` → {layer: output (in the graph), None: model output}.

    When no objective needs the model's output, the forward pass stops as soon as the
    last needed layer has run: an early layer's channel costs an early layer's time.
    """
    seen: set[str] = set()

    def make_stop(name):
        def hook(module, inputs, output):
            seen.add(name)
            if seen.issuperset(layers):
                raise _Stop

        return hook

    with (
        record_activations(model, layers, detach=False) as acts,
        contextlib.ExitStack() as stack,
    ):
        if not need_output:
            for name in layers:
                module = resolve_layer(model, name)[1]
                stack.enter_context(module.register_forward_hook(make_stop(name)))

        def run(x):
            seen.clear()
            try:
                out = model(x)
            except _Stop:
                out = None
            return {**acts, None: out}

        yield run


def lecture_objectives(
    model: nn.Module, picks: dict[str, tuple[str, str]], *, size: int, channel: int = 0
) -> dict[str, tuple]:
    """Objectives for a table's picks (``label -> (layer, "channel" | "unit")``).

    A ``"channel"`` pick maximises the sum of ``channel``'s map, a ``"unit"`` pick the
    unit at the centre of that map for a ``size``×``size`` input (notebook 08: VGG16's
    conv4 and conv7 channels, conv10 and conv13 units, as in the lecture).
    Returns:
        label → ``(layer, channel)`` or ``(layer, channel, y, x)``.
    """
    check_int("size", size, low=1)
    for _, kind in picks.values():
        check_choice("kind", kind, ("channel", "unit"))
    layers = [layer for layer, _ in picks.values()]
    device = next(model.parameters()).device
    x = torch.zeros(1, _channels_of(model), size, size, device=device)
    with (
        preserved_state(model),
        torch.no_grad(),
        record_activations(model, layers) as acts,
    ):
        model(x)
    objectives = {}
    for label, (layer, kind) in picks.items():
        height, width = acts[layer].shape[-2:]
        centre = (height // 2, width // 2)
        objectives[label] = (layer, channel) + (centre if kind == "unit" else ())
    return objectives


def lecture_display(images: torch.Tensor) -> torch.Tensor:
    """The lecture's display ``0.5 + 0.1 * (x - x.mean()) / x.std()``, per image.

    Mean and standard deviation over all of an image's channels and pixels; clipped to
    [0, 1] as ``save_image`` does. Returns (N, C, H, W) in [0, 1] (notebook 08).
    """
    x = images.detach()
    flat = x.flatten(1)
    mean = flat.mean(1).view(-1, 1, 1, 1)
    std = flat.std(1).clamp_min(1e-12).view(-1, 1, 1, 1)
    return (0.5 + 0.1 * (x - mean) / std).clamp(0, 1)


def display_normalize(images: torch.Tensor) -> torch.Tensor:
    """Each image min–max scaled to [0, 1] (all channels together); the widgets' display."""
    flat = images.detach().flatten(1)
    lo = flat.min(1).values.view(-1, 1, 1, 1)
    hi = flat.max(1).values.view(-1, 1, 1, 1)
    return ((images.detach() - lo) / (hi - lo).clamp_min(1e-12)).clamp(0, 1)


@dataclass
class ToyPrior:
    """The lecture's 2-D picture of why a prior (:func:`compute_toy_prior`).

    ``points`` (M, 2) and ``labels`` (M,) the two classes; ``f`` the class-1 logit of a
    logistic regression trained on them; ``h(x)`` = −log of a Gaussian kernel density of the points (bandwidth
    ``bandwidth``), up to a constant: low where the data are; ``path_f`` and
    ``path_fh`` (steps + 1, 2) the Adam ascents of f and of f − h from the same start.
    """

    points: torch.Tensor
    labels: torch.Tensor
    f: nn.Module
    bandwidth: float
    path_f: torch.Tensor
    path_fh: torch.Tensor

    def h(self, x: torch.Tensor) -> torch.Tensor:
        d2 = torch.cdist(x, self.points).pow(2)
        return -torch.logsumexp(-d2 / (2 * self.bandwidth**2), dim=1)

    def distance_to_data(self, x: torch.Tensor) -> torch.Tensor:
        """(N,) distance of each point of ``x`` (N, 2) to the nearest data point."""
        return torch.cdist(x, self.points).amin(1)


def compute_toy_prior(
    *,
    n: int = 100,
    steps: int = 200,
    lr: float = 0.1,
    bandwidth: float = 0.25,
    seed: int = 0,
) -> ToyPrior:
    """Maximise a 2-D classifier's class-1 logit f with and without a prior h.

    Two Gaussian classes (``n`` points each, seeded), f a logistic regression trained
    on them, then Adam ascents of f and of f − h from the data's mean. f alone is
    unbounded: its maximiser leaves the data; f − h peaks among the class-1 points
    (the lecture's "Class 0 / Class 1" picture, slide 62).
    """
    check_int("n", n, low=2)
    check_int("steps", steps, low=1)
    gen = torch.Generator().manual_seed(seed)
    centres = torch.tensor([[-1.0, 0.0], [1.0, 0.5]])
    labels = torch.arange(2).repeat_interleave(n)
    points = centres[labels] + 0.6 * torch.randn(2 * n, 2, generator=gen)
    f = nn.Linear(2, 1)  # logistic regression: f is the class-1 logit
    nn.init.zeros_(f.weight), nn.init.zeros_(f.bias)
    opt = torch.optim.Adam(f.parameters(), lr=0.1)
    for _ in range(300):
        loss = F.binary_cross_entropy_with_logits(f(points)[:, 0], labels.float())
        opt.zero_grad()
        loss.backward()
        opt.step()
    f.requires_grad_(False)
    toy = ToyPrior(points, labels, f.eval(), bandwidth, torch.empty(0), torch.empty(0))
    paths = []
    for prior in (0.0, 1.0):
        x = points.mean(0, keepdim=True).requires_grad_(True)
        opt = torch.optim.Adam([x], lr=lr)
        path = [x.detach().clone()]
        for _ in range(steps):
            loss = prior * toy.h(x).sum() - f(x).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            path.append(x.detach().clone())
        paths.append(torch.cat(path))
    toy.path_f, toy.path_fh = paths
    return toy
