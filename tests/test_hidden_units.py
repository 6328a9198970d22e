"""Tests for lecturelib.sections.s01_hidden_units.compute (notebook 01)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure

from lecturelib.core.models import MLP2D
from lecturelib.sections.s01_hidden_units import compute as hu
from lecturelib.sections.s01_hidden_units import plots as hup
from lecturelib.sections.s01_hidden_units.widget import hidden_units_widget

BOX = (-1.0, 1.0, -1.0, 1.0)


@pytest.fixture(scope="module")
def run():
    """The notebook's default run: ring data, seed 0, 5000 SGD iterations."""
    return hu.compute_snapshots("ring", seed=0)


def _small_problem(seed=0, n=64):
    gen = torch.Generator().manual_seed(seed)
    x, y = hu.make_toy_data("xor", n, generator=gen)
    return x, y, hu.init_mlp(generator=gen)


def test_segments_of_hand_set_units_are_exact():
    w1 = torch.tensor([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [3.0, -1.0]])
    b1 = torch.tensor([-0.5, 1.0, 0.0, 10.0])
    seg, visible = hu.compute_unit_segments(w1, b1, BOX)
    assert visible.tolist() == [
        True,
        True,
        True,
        False,
    ]  # 3x - y + 10 = 0 misses the box
    expected = [
        [[0.5, -1.0], [0.5, 1.0]],
        [[-1.0, -0.5], [1.0, -0.5]],
        [[-1.0, 1.0], [1.0, -1.0]],
    ]
    for j, ends in enumerate(expected):
        got = sorted(seg[j].tolist())
        torch.testing.assert_close(torch.tensor(got), torch.tensor(sorted(ends)))
        assert (seg[j] @ w1[j] + b1[j]).abs().max() < 1e-6  # both ends on w·x + b = 0
    assert seg[3].isnan().all()


def test_segments_of_random_units_lie_on_their_line_and_the_box_edge():
    gen = torch.Generator().manual_seed(1)
    w1, b1 = torch.randn(200, 2, generator=gen), torch.randn(200, generator=gen)
    seg, visible = hu.compute_unit_segments(w1, b1, BOX)
    s, w, b = seg[visible].double(), w1[visible].double(), b1[visible].double()
    assert visible.sum() > 100
    assert (torch.einsum("hed,hd->he", s, w) + b[:, None]).abs().max() < 1e-5
    assert ((s.abs().amax(2) - 1).abs() < 1e-5).all()  # each end on the box's border
    # a line through the origin always crosses the box; one far away never does
    assert hu.compute_unit_segments(w1, torch.zeros(200), BOX)[1].all()
    assert not hu.compute_unit_segments(w1, 5 * w1.norm(dim=1) + 5, BOX)[1].any()


def test_snapshots_equal_the_weights_after_that_many_steps():
    x, y, model = _small_problem()
    twin = MLP2D()
    twin.load_state_dict(model.state_dict())
    snaps = hu.train_with_snapshots(
        model, x, y, iterations=20, snapshot_at=[1, 4, 7, 20]
    )
    assert snaps.iterations.tolist() == [1, 4, 7, 20]
    assert snaps.w1.shape == (4, 20, 2) and snaps.w2.shape == (4, 2, 20)
    for k, state in ((20, model.state_dict()), (7, None)):
        if state is None:  # re-run a fresh copy for exactly k steps
            again = MLP2D()
            again.load_state_dict(twin.state_dict())
            hu.train_with_snapshots(again, x, y, iterations=k, snapshot_at=[k])
            state = again.state_dict()
        for name, value in snaps.state_dict(k).items():
            assert torch.equal(value, state[name]), (k, name)
    # the stored loss and accuracy are those of the stored parameters
    again = MLP2D()
    again.load_state_dict(snaps.state_dict(4))
    with torch.no_grad():
        logits = again(x)
    loss = torch.nn.functional.cross_entropy(logits, y)
    assert snaps.loss[1].item() == pytest.approx(loss.item(), rel=1e-5)
    assert snaps.accuracy[1].item() == pytest.approx(
        (logits.argmax(1) == y).float().mean().item()
    )


def test_dense_and_sparse_snapshots_agree_and_index_rounds_down():
    x, y, model = _small_problem(2)
    copy = MLP2D()
    copy.load_state_dict(model.state_dict())
    dense = hu.train_with_snapshots(model, x, y, iterations=12)
    sparse = hu.train_with_snapshots(copy, x, y, iterations=12, snapshot_at=[10, 3])
    assert dense.iterations.tolist() == list(range(1, 13))
    assert torch.equal(dense.w1[[2, 9]], sparse.w1)
    assert sparse.index(9) == 0 and sparse.index(10) == 1


def test_training_is_reproducible_with_the_same_generator():
    a = hu.compute_snapshots("moons", seed=3, n=100, iterations=50)
    b = hu.compute_snapshots("moons", seed=3, n=100, iterations=50)
    c = hu.compute_snapshots("moons", seed=4, n=100, iterations=50)
    assert torch.equal(a[0], b[0]) and torch.equal(a[2].w1, b[2].w1)
    assert not torch.equal(a[2].w1, c[2].w1)
    runs = []
    for seed in (5, 5, 6):  # mini-batches drawn from the generator
        x, y, model = _small_problem()
        gen = torch.Generator().manual_seed(seed)
        runs.append(
            hu.train_with_snapshots(
                model, x, y, iterations=30, batch_size=8, generator=gen
            )
        )
    assert torch.equal(runs[0].w1, runs[1].w1) and not torch.equal(
        runs[0].w1, runs[2].w1
    )


def test_training_leaves_the_thread_count_and_no_gradients_behind():
    x, y, model = _small_problem()
    threads = torch.get_num_threads()
    hu.train_with_snapshots(model, x, y, iterations=3, optimizer="adam", lr=0.01)
    assert torch.get_num_threads() == threads
    assert all(p.grad is None for p in model.parameters())


def test_trained_net_is_accurate_on_the_ring(run):
    _x, _y, snaps = run
    assert snaps.iterations.tolist() == list(range(1, 5001))
    assert snaps.accuracy[0] < 0.75  # iteration 1: close to chance
    assert snaps.accuracy[-1] == 1.0  # measured: 100% of the 400 training points
    model = MLP2D()
    model.load_state_dict(snaps.state_dict(5000))
    xt, yt = hu.make_toy_data("ring", 2000, generator=torch.Generator().manual_seed(99))
    with torch.no_grad():
        held_out = (model(xt).argmax(1) == yt).float().mean().item()
    assert held_out > 0.98  # measured: 99.75% on 2,000 fresh points


def test_decision_regions_are_the_model_argmax(run):
    _x, _y, snaps = run
    model = MLP2D()
    model.load_state_dict(snaps.state_dict(100))
    regions = hu.compute_decision_regions(snaps, 100, BOX, resolution=5)
    gy, gx = torch.meshgrid(
        torch.linspace(-1, 1, 5), torch.linspace(-1, 1, 5), indexing="ij"
    )
    with torch.no_grad():
        expected = model(torch.stack([gx.flatten(), gy.flatten()], 1)).argmax(1)
    assert torch.equal(regions.flatten(), expected)
    assert (
        regions[2, 2] == 0 and regions[0, 0] == 1
    )  # the disc is class 0, the corners class 1


def test_plot_draws_one_line_per_visible_unit_with_fixed_colours(run):
    x, y, snaps = run
    colours = []
    for k in (1, 4999):
        fig = hup.plot_hidden_units(snaps, x, y, iteration=k, resolution=20, box=BOX)
        assert isinstance(fig, Figure)
        ax = fig.axes[0]
        i = snaps.index(k)
        seg, visible = hu.compute_unit_segments(snaps.w1[i], snaps.b1[i], BOX)
        assert len(ax.lines) == int(visible.sum())
        for line, j in zip(ax.lines, visible.nonzero().flatten()):
            torch.testing.assert_close(torch.tensor(line.get_xydata()).float(), seg[j])
        for arrow, j in zip(ax.texts, visible.nonzero().flatten()):
            tip = torch.tensor(arrow.xy).float()  # arrows point to the active side
            assert tip @ snaps.w1[i, j] + snaps.b1[i, j] > 0
        colours.append(
            {
                int(j): line.get_color()
                for line, j in zip(ax.lines, visible.nonzero().flatten())
            }
        )
        plt.close(fig)
    shared = colours[0].keys() & colours[1].keys()
    assert shared and all(colours[0][j] == colours[1][j] for j in shared)


def test_snapshot_grid_has_one_panel_per_iteration(run):
    x, y, snaps = run
    fig = hup.plot_snapshot_grid(snaps, x, y, resolution=10)
    titles = [ax.get_title() for ax in fig.axes if ax.axison]
    assert [int(t.split()[1]) for t in titles] == list(hu.LECTURE_ITERATIONS)
    plt.close(fig)


def test_default_box_figure_draws_each_visible_unit_on_its_line(run):
    """Notebook 01's figure at iteration 703 (the default box, from the data)."""
    x, y, snaps = run
    k = 703
    fig = hup.plot_hidden_units(snaps, x, y, iteration=k, resolution=20)
    ax = fig.axes[0]
    i = snaps.index(k)
    box = ax.get_xlim() + ax.get_ylim()
    _, visible = hu.compute_unit_segments(snaps.w1[i], snaps.b1[i], box)
    units = visible.nonzero().flatten()
    assert len(ax.lines) == len(ax.texts) == len(units) > 0
    for line, arrow, j in zip(ax.lines, ax.texts, units):
        ends = torch.tensor(line.get_xydata(), dtype=torch.float32)  # drawn endpoints
        residual = ends @ snaps.w1[i, j] + snaps.b1[i, j]  # w_j·x + b_j at each end
        assert residual.abs().max() < 1e-4, (j, residual)
        tip = torch.tensor(arrow.xy, dtype=torch.float32)
        assert tip @ snaps.w1[i, j] + snaps.b1[i, j] > 0  # the active side
    plt.close(fig)


def test_snapshot_grid_shows_the_lectures_second_sequence(run):
    x, y, snaps = run
    fig = hup.plot_snapshot_grid(
        snaps, x, y, iterations=hu.LECTURE_ITERATIONS_RUN2, resolution=10
    )
    shown = [int(ax.get_title().split()[1]) for ax in fig.axes if ax.get_title()]
    assert shown == list(hu.LECTURE_ITERATIONS_RUN2)
    plt.close(fig)


def test_widget_slider_changes_readout_without_retraining(run, monkeypatch):
    x, y, snaps = run

    def forbidden(*args, **kwargs):
        raise AssertionError("the widget retrained")

    monkeypatch.setattr(hu, "train_with_snapshots", forbidden)
    monkeypatch.setattr(hu, "compute_snapshots", forbidden)
    w = hidden_units_widget(snaps, x, y, iteration=1, resolution=10)
    slider, jump, readout = w.controls["iteration"], w.controls["jump"], w.readout
    before = readout.value
    assert "iteration 1<" in before and f"{snaps.accuracy[0].item():.1%}" in before
    slider.value = 4999
    assert readout.value != before and "iteration 4999<" in readout.value
    assert "100.0%" in readout.value
    jump.value = 16
    assert slider.value == 16 and "iteration 16<" in readout.value
    plt.close("all")


def test_bad_input_names_the_argument(run):
    x, y, snaps = run
    with pytest.raises(ValueError, match="iteration"):
        hup.plot_hidden_units(snaps, x, y, iteration=0)
    with pytest.raises(ValueError, match="iteration"):
        hidden_units_widget(snaps, x, y, iteration=5001)
    with pytest.raises(ValueError, match=r"x must .*\(N, 2\)"):
        hup.plot_hidden_units(snaps, torch.zeros(10, 3), y[:10])
    with pytest.raises(ValueError, match="y must"):
        hup.plot_snapshot_grid(snaps, x, y[:-1])
    model = hu.init_mlp()
    with pytest.raises(ValueError, match="snapshot_at"):
        hu.train_with_snapshots(model, x, y, iterations=10, snapshot_at=[0, 5])
    with pytest.raises(ValueError, match="iterations"):
        hu.train_with_snapshots(model, x, y, iterations=0)
    with pytest.raises(TypeError, match="model"):
        hu.train_with_snapshots(torch.nn.Linear(2, 2), x, y)
    with pytest.raises(ValueError, match="name"):
        hu.make_toy_data("spiral")
    with pytest.raises(ValueError, match="w1"):
        hu.compute_unit_segments(torch.zeros(3, 3), torch.zeros(3), BOX)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_training_on_cuda_matches_the_cpu():
    cpu = hu.compute_snapshots("xor", seed=0, n=100, iterations=200)
    gpu = hu.compute_snapshots("xor", seed=0, n=100, iterations=200, device="cuda")
    assert gpu[0].is_cuda and gpu[2].w1.device.type == "cpu"
    torch.testing.assert_close(gpu[2].w1, cpu[2].w1, atol=1e-4, rtol=1e-4)
    plt.close(hup.plot_hidden_units(gpu[2], gpu[0], gpu[1], resolution=10))
