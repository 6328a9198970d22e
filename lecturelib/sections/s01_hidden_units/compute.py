"""Notebook 01, slides 2-6: Hidden units of a 2-D MLP drawn as lines.

The lecture trains ``nn.Sequential(nn.Linear(2, 20), nn.ReLU(), nn.Linear(20, 2))``
on a two-class problem in the plane. Hidden unit ``j`` computes
``relu(w_j · x + b_j)``: zero on one side of the line ``{x : w_j · x + b_j = 0}``,
linear on the other, so the decision regions are built from pieces cut out by these
lines. Training stores the parameters at every iteration, so the figures and the
slider of notebook 01 replay training without re-running it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from lecturelib.core.models import MLP2D
from lecturelib.core.threads import single_thread
from lecturelib.core.validate import check_choice, check_float, check_int

__all__ = [
    "DATASETS",
    "LECTURE_ITERATIONS",
    "LECTURE_ITERATIONS_RUN2",
    "Snapshots",
    "compute_decision_regions",
    "compute_snapshots",
    "compute_unit_segments",
    "describe_iteration",
    "init_mlp",
    "make_toy_data",
    "train_with_snapshots",
]

# the iterations of the lecture's two sequences of pictures (slides 5 and 6)
LECTURE_ITERATIONS = (1, 4, 7, 10, 16, 34, 77, 100, 703, 1407, 2789, 4999)
LECTURE_ITERATIONS_RUN2 = (1, 4, 7, 10, 16, 34, 100, 272, 556, 887, 2222, 4999)
DATASETS = ("ring", "moons", "xor")


@dataclass(frozen=True)
class Snapshots:
    """Parameters of a 2 → H → C ReLU MLP after chosen training iterations.

    Attributes:
        iterations: (T,) increasing; entry t holds the parameters after that many steps.
        w1: (T, H, 2) and b1: (T, H) — the hidden units, one line each.
        w2: (T, C, H) and b2: (T, C) — the output layer.
        loss: (T,) training cross-entropy; accuracy: (T,) training accuracy in [0, 1].
    """

    iterations: Tensor
    w1: Tensor
    b1: Tensor
    w2: Tensor
    b2: Tensor
    loss: Tensor
    accuracy: Tensor

    def index(self, iteration: int) -> int:
        """Position of the last stored snapshot at or before ``iteration``."""
        first, last = int(self.iterations[0]), int(self.iterations[-1])
        iteration = check_int("iteration", iteration, low=first, high=last)
        return int(torch.searchsorted(self.iterations, iteration, right=True)) - 1

    def state_dict(self, iteration: int) -> dict[str, Tensor]:
        """Parameters at ``iteration``, for ``MLP2D().load_state_dict``."""
        i = self.index(iteration)
        names = ("0.weight", "0.bias", "2.weight", "2.bias")
        params = (self.w1, self.b1, self.w2, self.b2)
        return {name: p[i].clone() for name, p in zip(names, params)}


def make_toy_data(
    name: str = "ring", n: int = 400, *, noise: float = 0.05, generator=None
) -> tuple[Tensor, Tensor]:
    """A seeded two-class toy set in the plane, roughly in [-1, 1]².

    Args:
        name: ``"ring"`` (a disc inside a ring), ``"moons"`` or ``"xor"``.
        n: number of points (half per class); noise: std of a Gaussian jitter.
        generator: ``torch.Generator`` for the draw (reproducible).
    Returns:
        ``x`` (n, 2) float32 and ``y`` (n,) long in {0, 1}.
    """
    check_choice("name", name, DATASETS)
    n, noise = check_int("n", n, low=4), check_float("noise", noise, low=0.0)
    y = (torch.arange(n) >= n // 2).long()
    u = torch.rand(n, 2, generator=generator)
    if name == "ring":  # class 0: disc of radius 0.45; class 1: ring 0.65..1.0
        radius = torch.where(y == 0, 0.45 * u[:, 0].sqrt(), 0.65 + 0.35 * u[:, 0])
        angle = 2 * torch.pi * u[:, 1]
        x = torch.stack([radius * angle.cos(), radius * angle.sin()], 1)
    elif name == "moons":  # sklearn's make_moons, centred and scaled
        t = torch.pi * u[:, :1]
        upper, lower = (
            torch.cat([t.cos(), t.sin()], 1),
            torch.cat([1 - t.cos(), 0.5 - t.sin()], 1),
        )
        x = (
            torch.where(y[:, None] == 0, upper, lower) - torch.tensor([0.5, 0.25])
        ) / 1.5
    else:  # xor: class 0 where sign(x0) = sign(x1), a gap around the axes
        s0 = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
        x = (0.1 + 0.9 * u) * torch.stack([s0, torch.where(y == 0, s0, -s0)], 1)
    return x + noise * torch.randn(n, 2, generator=generator), y


def init_mlp(hidden: int = 20, classes: int = 2, *, generator=None) -> MLP2D:
    """The lecture's ``Linear(2, hidden) → ReLU → Linear(hidden, classes)``, seeded.

    PyTorch's default ``nn.Linear`` ranges, U(±1/√fan_in), drawn from ``generator``.
    """
    model = MLP2D(hidden, classes)
    with torch.no_grad():
        for layer in (model[0], model[2]):
            bound = layer.in_features**-0.5
            nn.init.uniform_(layer.weight, -bound, bound, generator=generator)
            nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return model


def _check_xy(x, y) -> None:
    if not isinstance(x, Tensor) or x.dim() != 2 or x.shape[1] != 2:
        got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(
            f"x must be a tensor of shape (N, 2), points in the plane; got {got}"
        )
    if not x.is_floating_point():
        raise TypeError(f"x must be a floating-point tensor; got {x.dtype}")
    if not isinstance(y, Tensor) or y.shape != x.shape[:1] or y.is_floating_point():
        got = tuple(y.shape) if isinstance(y, Tensor) else type(y).__name__
        raise ValueError(f"y must be an integer tensor of shape ({len(x)},); got {got}")


def _forward(w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, points: Tensor) -> Tensor:
    """Logits (T, N, C) of T stored networks on points (N, 2), batched over T."""
    hidden = torch.relu(torch.einsum("thd,nd->tnh", w1, points) + b1[:, None])
    return torch.einsum("tch,tnh->tnc", w2, hidden) + b2[:, None]


def train_with_snapshots(
    model: nn.Sequential, x: Tensor, y: Tensor, *, iterations: int = 5000,
    lr: float = 0.1, optimizer: str = "sgd", batch_size: int | None = None,
    snapshot_at=None, generator=None,
) -> Snapshots:  # fmt: skip
    """Train ``model`` in place on (x, y), storing its parameters along the way.

    Args:
        model: ``Sequential(Linear(2, H), ReLU(), Linear(H, C))`` on ``x.device``.
        x: (N, 2) points; y: (N,) labels in [0, C - 1].
        iterations: number of optimisation steps (the lecture's last picture: 4999).
        lr: learning rate; optimizer: ``"sgd"`` or ``"adam"``.
        batch_size: None for full-batch steps, else mini-batches drawn with
            ``generator``.
        snapshot_at: iterations (in 1..iterations) to store; None stores every one.
    Returns:
        :class:`Snapshots` — iteration k holds the parameters after k steps, with the
        training loss and accuracy of those parameters.
    """
    _check_xy(x, y)
    layers = list(model) if isinstance(model, nn.Sequential) else []
    kinds = [type(m) for m in layers]
    if kinds != [nn.Linear, nn.ReLU, nn.Linear] or layers[0].in_features != 2:
        raise TypeError("model must be Sequential(Linear(2, H), ReLU(), Linear(H, C))")
    iterations = check_int("iterations", iterations, low=1)
    every = snapshot_at is None
    keep = (
        torch.arange(1, iterations + 1) if every else torch.tensor(snapshot_at).long()
    )
    keep = keep.flatten().unique()
    if keep.numel() == 0 or keep.min() < 1 or keep.max() > iterations:
        raise ValueError(f"snapshot_at must be in [1, {iterations}]; got {snapshot_at}")
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, low=1, high=len(x))
    check_choice("optimizer", optimizer, ("sgd", "adam"))
    opt_class = torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam
    opt = opt_class(model.parameters(), lr=check_float("lr", lr, low=0.0))
    params = [layers[0].weight, layers[0].bias, layers[2].weight, layers[2].bias]
    store = [torch.empty(len(keep), *p.shape, device=x.device) for p in params]
    wanted = {k: slot for slot, k in enumerate(keep.tolist())}
    with single_thread():  # tiny ops: extra threads only spin
        for step in range(1, iterations + 1):
            xb, yb = x, y
            if batch_size is not None:
                idx = torch.randperm(len(x), generator=generator)[:batch_size]
                xb, yb = x[idx.to(x.device)], y[idx.to(x.device)]
            opt.zero_grad(set_to_none=True)
            nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()
            if step in wanted:
                for buf, p in zip(store, params):
                    buf[wanted[step]] = p.detach()
        opt.zero_grad(set_to_none=True)
        return _with_metrics(keep, [s.cpu() for s in store], x.cpu(), y.cpu())


def _with_metrics(iterations, params, x, y, chunk: int = 500) -> Snapshots:
    with torch.no_grad():
        parts = (p.split(chunk) for p in params)
        logits = torch.cat([_forward(*ps, x) for ps in zip(*parts)])  # (T, N, C)
    target = y.expand(len(logits), -1)
    loss = -logits.log_softmax(2).gather(2, target[..., None]).mean((1, 2))
    accuracy = (logits.argmax(2) == target).float().mean(1)
    return Snapshots(iterations, *params, loss, accuracy)


def compute_snapshots(
    dataset: str = "ring", *, seed: int = 0, n: int = 400, hidden: int = 20,
    iterations: int = 5000, lr: float = 0.1, optimizer: str = "sgd", device=None,
) -> tuple[Tensor, Tensor, Snapshots]:  # fmt: skip
    """One run of the lecture's experiment: seeded data and init, full-batch training.

    Returns:
        ``x`` (n, 2) and ``y`` (n,) on ``device`` and the :class:`Snapshots` of every
        iteration 1..iterations (on the CPU). The same ``seed`` gives the same numbers.
    """
    gen = torch.Generator().manual_seed(check_int("seed", seed, low=0))
    x, y = make_toy_data(dataset, n, generator=gen)
    model = init_mlp(hidden, 2, generator=gen).to(device)
    x, y = x.to(device), y.to(device)
    kw = {"iterations": iterations, "lr": lr, "optimizer": optimizer}
    return x, y, train_with_snapshots(model, x, y, **kw)


def compute_unit_segments(w1: Tensor, b1: Tensor, box) -> tuple[Tensor, Tensor]:
    """Each hidden unit's line {x : w·x + b = 0}, clipped to the box (Liang–Barsky).

    Args:
        w1: (H, 2) first-layer weights; b1: (H,) biases; box: (xmin, xmax, ymin, ymax).
    Returns:
        ``segments`` (H, 2, 2) — two endpoints per unit — and ``visible`` (H,) bool,
        False where the line misses the box (its endpoints are then NaN).
    """
    if w1.dim() != 2 or w1.shape[1] != 2 or b1.shape != w1.shape[:1]:
        got = f"{tuple(w1.shape)} and {tuple(b1.shape)}"
        raise ValueError(f"w1 must have shape (H, 2) and b1 (H,); got {got}")
    w, b = w1.detach().double().cpu(), b1.detach().double().cpu()
    x0, x1, y0, y1 = (float(v) for v in box)
    lo, hi = torch.tensor([x0, y0]).double(), torch.tensor([x1, y1]).double()
    norm2 = (w**2).sum(1)
    p0 = -b[:, None] * w / norm2.clamp_min(1e-30)[:, None]  # the point nearest 0
    d = torch.stack([-w[:, 1], w[:, 0]], 1)  # along the line
    # p0 + t·d is inside the box for t in [t_in, t_out]; a zero d[:, k] gives ±inf
    ta, tb = (lo - p0) / d, (hi - p0) / d
    t_in, t_out = torch.minimum(ta, tb).amax(1), torch.maximum(ta, tb).amin(1)
    visible = (t_in < t_out) & (norm2 > 1e-30)
    seg = torch.stack([p0 + t_in[:, None] * d, p0 + t_out[:, None] * d], 1)
    seg[~visible] = torch.nan
    return seg.float(), visible


def compute_decision_regions(
    snapshots: Snapshots, iteration: int, box, *, resolution: int = 200
) -> Tensor:
    """The stored network's argmax on a resolution × resolution grid over the box.

    Returns:
        (resolution, resolution) long classes; row 0 is the box's bottom edge
        (as ``imshow(..., origin="lower", extent=box)`` draws it).
    """
    i = snapshots.index(iteration)
    r = check_int("resolution", resolution, low=2)
    x0, x1, y0, y1 = (float(v) for v in box)
    gx, gy = torch.linspace(x0, x1, r), torch.linspace(y0, y1, r)
    points = torch.stack(torch.meshgrid(gx, gy, indexing="xy"), -1).reshape(-1, 2)
    params = (
        p[i : i + 1] for p in (snapshots.w1, snapshots.b1, snapshots.w2, snapshots.b2)
    )
    with torch.no_grad():
        return _forward(*params, points)[0].argmax(1).reshape(r, r)


def describe_iteration(snapshots: Snapshots, x: Tensor, iteration: int) -> str:
    """HTML line for notebook 01's slider: accuracy, loss and units dead on every point."""
    i = snapshots.index(iteration)
    pre = x.detach().cpu() @ snapshots.w1[i].T + snapshots.b1[i]
    dead = int((pre <= 0).all(0).sum())
    return (
        f"<b>iteration {iteration}</b> (stored: {int(snapshots.iterations[i])}) — "
        f"training accuracy {float(snapshots.accuracy[i]):.1%}, "
        f"loss {float(snapshots.loss[i]):.4f}, units inactive on every point: {dead}"
    )
