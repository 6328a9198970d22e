"""Hidden units of a 2-D MLP drawn as lines (lecture 8.1, "Looking at parameters").

The lecture trains ``nn.Sequential(nn.Linear(2, 20), nn.ReLU(), nn.Linear(20, 2))``
on a two-class problem in the plane. Hidden unit ``j`` computes
``relu(w_j · x + b_j)``: it is zero on one side of the line ``{x : w_j · x + b_j = 0}``
and grows linearly on the other, so the network's decision regions are built from
pieces cut out by these lines. Training stores the parameters at every iteration,
so the figures and the slider of notebook 01 replay training without re-running it.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import Tensor, nn

from lecturelib.models import MLP2D
from lecturelib.validate import check_choice, check_float, check_int

__all__ = [
    "LECTURE_ITERATIONS",
    "DATASETS",
    "Snapshots",
    "make_toy_data",
    "init_mlp",
    "train_with_snapshots",
    "compute_snapshots",
    "compute_unit_segments",
    "compute_decision_regions",
    "plot_hidden_units",
    "plot_snapshot_grid",
    "hidden_units_widget",
]

LECTURE_ITERATIONS = (1, 4, 7, 10, 16, 34, 77, 100, 703, 1407, 2789, 4999)
DATASETS = ("ring", "moons", "xor")
_REGION_COLORS = ("#d4e3f4", "#f7dccb")  # pale blue / pale orange: class 0 / class 1
_POINT_COLORS = ("tab:blue", "tab:red")


@dataclass(frozen=True)
class Snapshots:
    """Parameters of a 2 → H → C ReLU MLP after chosen training iterations.

    Attributes:
        iterations: (T,) increasing iteration numbers (parameters after that many steps).
        w1: (T, H, 2) and b1: (T, H) — the hidden units, one line each.
        w2: (T, C, H) and b2: (T, C) — the output layer.
        loss: (T,) cross-entropy and accuracy: (T,) in [0, 1], on the training set.
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
        pos = torch.searchsorted(self.iterations, torch.tensor(iteration), right=True)
        return int(pos) - 1

    def state_dict(self, iteration: int) -> dict[str, Tensor]:
        """Parameters at ``iteration``, loadable into ``init_mlp()`` / ``MLP2D``."""
        i = self.index(iteration)
        return {"0.weight": self.w1[i].clone(), "0.bias": self.b1[i].clone(),
                "2.weight": self.w2[i].clone(), "2.bias": self.b2[i].clone()}


def make_toy_data(
    name: str = "ring", n: int = 400, *, noise: float = 0.05, generator=None
) -> tuple[Tensor, Tensor]:
    """A seeded two-class toy set in the plane, in roughly [-1, 1]².

    Args:
        name: ``"ring"`` (a disc inside a ring), ``"moons"`` or ``"xor"``.
        n: number of points (half per class).
        noise: standard deviation of the Gaussian jitter.
        generator: ``torch.Generator`` for the draw (reproducible).
    Returns:
        ``x`` (n, 2) float32 and ``y`` (n,) long in {0, 1}.
    """
    check_choice("name", name, DATASETS)
    n = check_int("n", n, low=4)
    noise = check_float("noise", noise, low=0.0)
    y = (torch.arange(n) >= n // 2).long()
    u = torch.rand(n, 2, generator=generator)
    if name == "ring":  # class 0: disc of radius 0.45; class 1: ring 0.65..1.0
        radius = torch.where(y == 0, 0.45 * u[:, 0].sqrt(), 0.65 + 0.35 * u[:, 0])
        angle = 2 * torch.pi * u[:, 1]
        x = torch.stack([radius * angle.cos(), radius * angle.sin()], 1)
    elif name == "moons":  # sklearn's two moons, centred and scaled to [-1, 1]
        t = torch.pi * u[:, 0]
        upper = torch.stack([t.cos(), t.sin()], 1)
        lower = torch.stack([1 - t.cos(), 0.5 - t.sin()], 1)
        x = (torch.where((y == 0)[:, None], upper, lower) - torch.tensor([0.5, 0.25])) / 1.5
    else:  # xor: class 0 where sign(x0) = sign(x1), a small gap around the axes
        s0 = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
        x = (0.1 + 0.9 * u) * torch.stack([s0, torch.where(y == 0, s0, -s0)], 1)
    x = x + noise * torch.randn(n, 2, generator=generator)
    return x.float(), y


def init_mlp(hidden: int = 20, classes: int = 2, *, generator=None) -> MLP2D:
    """The lecture's ``Linear(2, hidden) → ReLU → Linear(hidden, classes)``, seeded.

    Uses PyTorch's default ``nn.Linear`` ranges, U(±1/√fan_in), drawn from ``generator``.
    """
    model = MLP2D(hidden, classes)
    with torch.no_grad():
        for layer in (model[0], model[2]):
            bound = layer.in_features ** -0.5
            nn.init.uniform_(layer.weight, -bound, bound, generator=generator)
            nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
    return model


def _check_xy(x, y) -> None:
    if not isinstance(x, Tensor) or x.dim() != 2 or x.shape[1] != 2:
        shape = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"x must be a tensor of shape (N, 2) (points in the plane); got {shape}")
    if not x.is_floating_point():
        raise TypeError(f"x must be a floating-point tensor; got {x.dtype}")
    if not isinstance(y, Tensor) or y.shape != x.shape[:1] or y.is_floating_point():
        shape = tuple(y.shape) if isinstance(y, Tensor) else type(y).__name__
        raise ValueError(f"y must be an integer tensor of shape ({x.shape[0]},) (one label per point); got {shape}")


def _mlp_layers(model) -> tuple[nn.Linear, nn.Linear]:
    ok = isinstance(model, nn.Sequential) and len(model) == 3
    if ok and isinstance(model[0], nn.Linear) and isinstance(model[2], nn.Linear):
        if model[0].in_features == 2 and isinstance(model[1], nn.ReLU):
            return model[0], model[2]
    raise TypeError("model must be nn.Sequential(nn.Linear(2, H), nn.ReLU(), nn.Linear(H, C))")


def _forward(w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, points: Tensor) -> Tensor:
    """Logits (T, N, C) of T stored networks on points (N, 2), batched over T."""
    hidden = torch.relu(torch.einsum("thd,nd->tnh", w1, points) + b1[:, None])
    return torch.einsum("tch,tnh->tnc", w2, hidden) + b2[:, None]


def train_with_snapshots(
    model: nn.Sequential, x: Tensor, y: Tensor, *, iterations: int = 5000,
    lr: float = 0.1, optimizer: str = "sgd", batch_size: int | None = None,
    snapshot_at=None, generator=None,
) -> Snapshots:
    """Train ``model`` in place on (x, y), storing its parameters along the way.

    Args:
        model: ``Sequential(Linear(2, H), ReLU(), Linear(H, C))`` on ``x.device``.
        x: (N, 2) points; y: (N,) labels in [0, C - 1].
        iterations: number of optimisation steps (the lecture: 5000).
        lr: learning rate; optimizer: ``"sgd"`` or ``"adam"``.
        batch_size: None for full-batch steps, else mini-batches drawn with ``generator``.
        snapshot_at: iterations (in 1..iterations) to store; None stores every one.
    Returns:
        :class:`Snapshots` — iteration k holds the parameters after k steps, with the
        training loss and accuracy of those parameters.
    """
    _check_xy(x, y)
    first, second = _mlp_layers(model)
    iterations = check_int("iterations", iterations, low=1)
    check_float("lr", lr, low=0.0)
    check_choice("optimizer", optimizer, ("sgd", "adam"))
    keep = torch.arange(1, iterations + 1) if snapshot_at is None else torch.tensor(snapshot_at).long().unique()
    if keep.numel() == 0 or keep.min() < 1 or keep.max() > iterations:
        raise ValueError(f"snapshot_at must hold iterations in [1, {iterations}]; got {snapshot_at}")
    if batch_size is not None:
        batch_size = check_int("batch_size", batch_size, low=1, high=len(x))
    params = [first.weight, first.bias, second.weight, second.bias]
    store = [torch.empty(len(keep), *p.shape, device=x.device) for p in params]
    opt = (torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam)(model.parameters(), lr=lr)
    wanted, slot = set(keep.tolist()), 0
    with _single_thread():  # tiny ops: extra threads only spin, badly on a busy CPU
        for step in range(1, iterations + 1):
            if batch_size is None:
                xb, yb = x, y
            else:
                idx = torch.randperm(len(x), generator=generator)[:batch_size].to(x.device)
                xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=True)
            nn.functional.cross_entropy(model(xb), yb).backward()
            opt.step()
            if step in wanted:
                with torch.no_grad():
                    for buf, p in zip(store, params):
                        buf[slot].copy_(p)
                slot += 1
        opt.zero_grad(set_to_none=True)
        return _with_metrics(keep.to(x.device), *store, x=x, y=y)


@contextmanager
def _single_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def _with_metrics(iterations, w1, b1, w2, b2, *, x, y, chunk: int = 250) -> Snapshots:
    losses, accs = [], []
    with torch.no_grad():
        for s in range(0, len(iterations), chunk):
            logits = _forward(w1[s:s + chunk], b1[s:s + chunk], w2[s:s + chunk], b2[s:s + chunk], x)
            target = y.expand(len(logits), -1)
            losses.append(nn.functional.cross_entropy(logits.transpose(1, 2), target, reduction="none").mean(1))
            accs.append((logits.argmax(2) == target).float().mean(1))
    return Snapshots(iterations.cpu(), w1.cpu(), b1.cpu(), w2.cpu(), b2.cpu(), torch.cat(losses).cpu(), torch.cat(accs).cpu())


def compute_snapshots(
    dataset: str = "ring", *, seed: int = 0, n: int = 400, hidden: int = 20,
    iterations: int = 5000, lr: float = 0.1, optimizer: str = "sgd", device=None,
) -> tuple[Tensor, Tensor, Snapshots]:
    """One run of the lecture's experiment: seeded data, seeded init, training.

    Returns:
        ``x`` (n, 2), ``y`` (n,) on ``device`` and the :class:`Snapshots` of every
        iteration 1..iterations. The same ``seed`` gives the same numbers.
    """
    gen = torch.Generator().manual_seed(check_int("seed", seed, low=0))
    x, y = make_toy_data(dataset, n, generator=gen)
    model = init_mlp(hidden, 2, generator=gen)
    x, y, model = x.to(device), y.to(device), model.to(device)
    snaps = train_with_snapshots(model, x, y, iterations=iterations, lr=lr, optimizer=optimizer)
    return x, y, snaps


def compute_unit_segments(w1: Tensor, b1: Tensor, box) -> tuple[Tensor, Tensor]:
    """Each hidden unit's line {x : w·x + b = 0} clipped to the box.

    Args:
        w1: (H, 2) first-layer weights; b1: (H,) biases.
        box: (xmin, xmax, ymin, ymax).
    Returns:
        ``segments`` (H, 2, 2) — two endpoints per unit — and ``visible`` (H,) bool,
        False where the line misses the box (its endpoints are then NaN).
    """
    if w1.dim() != 2 or w1.shape[1] != 2 or b1.shape != w1.shape[:1]:
        raise ValueError(f"w1 must be (H, 2) and b1 (H,); got {tuple(w1.shape)} and {tuple(b1.shape)}")
    x0, x1, y0, y1 = (float(v) for v in box)
    w1, b1 = w1.detach().double().cpu(), b1.detach().double().cpu()
    # the box is {p : lo <= p <= hi}; the line is p0 + t·d with p0 the foot of the
    # perpendicular from the origin and d = w rotated by 90 degrees (Liang–Barsky clip)
    norm2 = (w1 ** 2).sum(1).clamp_min(1e-30)
    p0 = -b1[:, None] * w1 / norm2[:, None]
    d = torch.stack([-w1[:, 1], w1[:, 0]], 1)
    lo = torch.tensor([x0, y0], dtype=torch.double)
    hi = torch.tensor([x1, y1], dtype=torch.double)
    with torch.no_grad():
        ta, tb = (lo - p0) / d, (hi - p0) / d  # inf / nan where d = 0 in that axis
    inside = (p0 >= lo) & (p0 <= hi)
    tmin = torch.where(d == 0, torch.where(inside, -torch.inf, torch.inf), torch.minimum(ta, tb))
    tmax = torch.where(d == 0, torch.where(inside, torch.inf, -torch.inf), torch.maximum(ta, tb))
    t_in, t_out = tmin.max(1).values, tmax.min(1).values
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
        (for ``imshow(..., origin="lower", extent=box)``).
    """
    i = snapshots.index(iteration)
    resolution = check_int("resolution", resolution, low=2)
    x0, x1, y0, y1 = (float(v) for v in box)
    gy, gx = torch.meshgrid(torch.linspace(y0, y1, resolution), torch.linspace(x0, x1, resolution), indexing="ij")
    points = torch.stack([gx.flatten(), gy.flatten()], 1)
    s = slice(i, i + 1)
    with torch.no_grad():
        logits = _forward(snapshots.w1[s], snapshots.b1[s], snapshots.w2[s], snapshots.b2[s], points)
    return logits[0].argmax(1).reshape(resolution, resolution)


def _unit_colors(hidden: int) -> list:
    """One fixed colour per unit: tab10, then Dark2, then cycling."""
    palette = list(plt.get_cmap("tab10").colors) + list(plt.get_cmap("Dark2").colors)
    palette += ["black", "navy"]
    return [palette[j % len(palette)] for j in range(hidden)]


def _default_box(x: Tensor, margin: float = 0.15) -> tuple[float, float, float, float]:
    lo, hi = x.min(0).values.cpu(), x.max(0).values.cpu()
    half = float((hi - lo).max()) * (0.5 + margin)
    cx, cy = ((lo + hi) / 2).tolist()
    return (cx - half, cx + half, cy - half, cy + half)


def _draw(ax, snapshots, x, y, iteration, box, resolution, arrows) -> None:
    from matplotlib.colors import ListedColormap

    i = snapshots.index(iteration)
    regions = compute_decision_regions(snapshots, iteration, box, resolution=resolution)
    classes = snapshots.w2.shape[1]
    cmap = ListedColormap(_REGION_COLORS[:classes] if classes <= 2 else plt.get_cmap("Pastel1").colors[:classes])
    ax.imshow(regions.numpy(), origin="lower", extent=box, cmap=cmap, vmin=0, vmax=classes - 1)
    xc, yc = x.detach().cpu(), y.detach().cpu()
    for c in range(int(yc.max()) + 1):
        ax.scatter(*xc[yc == c].T, s=6, color=_POINT_COLORS[c % 2] if c < 2 else f"C{c}", lw=0)
    seg, visible = compute_unit_segments(snapshots.w1[i], snapshots.b1[i], box)
    w = snapshots.w1[i]
    length = 0.06 * (box[1] - box[0])
    for j, color in enumerate(_unit_colors(len(w))):
        if not visible[j]:
            continue
        ax.plot(*seg[j].T, color=color, lw=1.5)
        if arrows:  # the arrow points to the side where the unit is active (w·x + b > 0)
            mid, step = seg[j].mean(0), length * w[j] / w[j].norm()
            ax.annotate("", xy=tuple((mid + step).tolist()), xytext=tuple(mid.tolist()),
                        arrowprops=dict(arrowstyle="->", color=color, lw=1.2))
    ax.set(xlim=box[:2], ylim=box[2:], xticks=[], yticks=[], aspect="equal")
    acc, loss = float(snapshots.accuracy[i]), float(snapshots.loss[i])
    ax.set_title(f"iteration {int(snapshots.iterations[i])}\nacc {acc:.0%}, loss {loss:.2f}")


def plot_hidden_units(
    snapshots: Snapshots, x: Tensor, y: Tensor, *, iteration: int | None = None,
    ax=None, box=None, resolution: int = 200, arrows: bool = True,
) -> Figure:
    """Every hidden unit as its line over the data and the decision regions.

    Args:
        snapshots: from :func:`train_with_snapshots` / :func:`compute_snapshots`.
        x: (N, 2) points; y: (N,) labels.
        iteration: which stored iteration (default: the last); the last snapshot at
            or before it is drawn.
        ax: an existing axes to draw into; box: (xmin, xmax, ymin, ymax), default
            the data's bounding square with a margin.
        arrows: an arrow from each line towards the side where its unit is active.
    Returns:
        The figure (one colour per unit, the same at every iteration).
    """
    _check_xy(x, y)
    iteration = int(snapshots.iterations[-1]) if iteration is None else iteration
    snapshots.index(iteration)
    box = _default_box(x) if box is None else tuple(float(v) for v in box)
    if ax is None:
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
    _draw(ax, snapshots, x, y, iteration, box, resolution, arrows)
    return ax.figure


def plot_snapshot_grid(
    snapshots: Snapshots, x: Tensor, y: Tensor, *, iterations=LECTURE_ITERATIONS,
    ncols: int = 4, box=None, resolution: int = 120, arrows: bool = False,
) -> Figure:
    """A static grid of :func:`plot_hidden_units` at the lecture's iterations (for print)."""
    _check_xy(x, y)
    iterations = [snapshots.iterations[snapshots.index(k)].item() for k in iterations]
    ncols = check_int("ncols", ncols, low=1)
    nrows = -(-len(iterations) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.6 * ncols, 2.75 * nrows), squeeze=False)
    box = _default_box(x) if box is None else tuple(float(v) for v in box)
    for ax, k in zip(axes.flat, iterations):
        _draw(ax, snapshots, x, y, k, box, resolution, arrows)
    for ax in axes.flat[len(iterations):]:
        ax.axis("off")
    fig.tight_layout()
    return fig


def _readout(snapshots: Snapshots, x: Tensor, iteration: int) -> str:
    i = snapshots.index(iteration)
    pre = x.detach().cpu() @ snapshots.w1[i].T + snapshots.b1[i]
    dead = int((pre <= 0).all(0).sum())
    return (f"<b>iteration {iteration}</b> (stored: {int(snapshots.iterations[i])}) — "
            f"training accuracy {float(snapshots.accuracy[i]):.1%}, "
            f"loss {float(snapshots.loss[i]):.4f}, units inactive on all points: {dead}")


def hidden_units_widget(
    snapshots: Snapshots, x: Tensor, y: Tensor, *, iteration: int | None = None,
    box=None, resolution: int = 150,
):
    """An iteration slider that redraws :func:`plot_hidden_units` from the snapshots.

    Moving the slider never retrains: it only reads the stored parameters.
    Returns:
        ``ipywidgets.VBox`` — ``children[0]`` holds the play button, the slider and a
        "lecture iteration" dropdown; ``children[1]`` the text readout (iteration,
        accuracy, loss); ``children[2]`` the figure.
    """
    import ipywidgets as W
    from IPython.display import display

    _check_xy(x, y)
    first, last = int(snapshots.iterations[0]), int(snapshots.iterations[-1])
    start = check_int("iteration", last if iteration is None else iteration, low=first, high=last)
    box = _default_box(x) if box is None else tuple(float(v) for v in box)
    slider = W.IntSlider(value=start, min=first, max=last, description="iteration",
                         continuous_update=False, layout=W.Layout(width="55%"))
    play = W.Play(value=start, min=first, max=last, step=max(1, (last - first) // 100), interval=400)
    W.jslink((play, "value"), (slider, "value"))
    marks = [k for k in LECTURE_ITERATIONS if first <= k <= last]
    jump = W.Dropdown(options=[("lecture iteration…", None)] + [(str(k), k) for k in marks],
                      layout=W.Layout(width="170px"))
    readout, out = W.HTML(), W.Output()

    def redraw(_=None):
        readout.value = _readout(snapshots, x, slider.value)
        with out:
            out.clear_output(wait=True)
            fig = plot_hidden_units(snapshots, x, y, iteration=slider.value, box=box, resolution=resolution)
            display(fig)
            plt.close(fig)

    def on_jump(change):
        if change["new"] is not None:
            slider.value = change["new"]

    slider.observe(redraw, names="value")
    jump.observe(on_jump, names="value")
    redraw()
    return W.VBox([W.HBox([play, slider, jump]), readout, out])
