"""Presentation mode: each notebook's figures measured in pixels, laptop and projector.

A projector (``presentation(True)``, ``LECTURELIB_PRESENT=1``): every panel ≥ 300 px
wide and every title ≥ 18 px tall; a laptop (the default): the sizes of before.
"""

import matplotlib
import pytest
import torch
from torch import nn

from lecturelib.core import plot as P
from lecturelib.core.models import LeNet
from lecturelib.tooling import panel

MIN_PANEL_PX, MIN_TITLE_PX = 300, 18


def small_cnn():
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Linear(6, 4),
    ).eval()  # fmt: skip


def fig_01():
    from lecturelib.sections.s01_hidden_units import compute as hu
    from lecturelib.sections.s01_hidden_units import plots as hup

    x, y, snaps = hu.compute_snapshots("ring", n=40, hidden=4, iterations=40)
    its = [1, 10, 20, 40]
    return [
        hup.plot_snapshot_grid(snaps, x, y, iterations=its, resolution=10),
        hup.plot_hidden_units(snaps, x, y, resolution=10),
    ]


def fig_02():
    from lecturelib.sections.s02_filters import plots as F

    model = LeNet()
    return [
        F.plot_filters(model, "conv2", filters=range(4), channels=range(4)),
        F.plot_random_vs_learned(LeNet(), model, 0),
    ]


def fig_03():
    from lecturelib.core.hooks import compute_activations
    from lecturelib.sections.s03_activations import plots as AP

    x = torch.rand(2, 1, 28, 28)
    acts = compute_activations(LeNet(), x, ["conv1", "conv2", "fc1"])
    titles = [f"unit {i}" for i in range(8)]
    return [
        AP.plot_layer_activations(x, acts, index=1),
        AP.plot_channels(x[0], acts["conv1"][0], [0, 5], layer="conv1"),
        P.image_grid(torch.rand(8, 1, 28, 28), ncols=8, size=0.8, titles=titles),
    ]


def fig_04():
    from lecturelib.sections.s04_embeddings import plots as EP

    pts, y = torch.randn(30, 2), torch.arange(30) % 3
    r = {"points": pts, "knn": 0.5, "trust": 0.9}
    return [EP.plot_embeddings({"conv1": r, "fc1": r}, y)]


def fig_05():
    from lecturelib.sections.s05_occlusion.plots import plot_occlusion

    x, heat = torch.rand(3, 24, 24), torch.rand(5, 5)
    return [plot_occlusion(x, {"a": heat, "b": heat}, size=8, stride=4)]


def fig_06():
    from lecturelib.sections.s06_saliency.plots import plot_saliency

    x = torch.rand(2, 3, 8, 8)
    return [plot_saliency(x, {"gradient": torch.randn(2, 3, 8, 8)}, titles=["a", "b"])]


def fig_07():
    from lecturelib.sections.s07_guided_backprop.plots import plot_backprop_views

    x = torch.rand(2, 3, 8, 8)
    maps = {"guided": torch.randn(2, 3, 8, 8), "deconv": torch.randn(2, 3, 8, 8)}
    return [plot_backprop_views(x, maps, titles=["a", "b"])]


def fig_08():
    from lecturelib.sections.s08_maximize_response.compute import compute_toy_prior
    from lecturelib.sections.s08_maximize_response.plots import plot_toy_prior

    titles = [f"class {i}" for i in range(8)]
    samples = torch.rand(8, 3, 16, 16)
    grid = P.image_grid(samples, ncols=4, titles=titles, normalize=None, size=2.4)
    return [grid, plot_toy_prior(compute_toy_prior(n=20, steps=5))]


def fig_09():
    from lecturelib.sections.s09_adversarial.plots import plot_attack

    x = torch.rand(2, 1, 8, 8)
    return [plot_attack(x, (x + 0.01).clamp(0, 1), titles=["7", "2"])]


def fig_10():
    from lecturelib.sections.s10_dilated_convolution import plots as DP

    return [
        DP.plot_dilation_1d([(3, 1, d, d) for d in (1, 2, 4)], 8, input_size=16),
        DP.plot_dilation_2d(input_size=(9, 9), kernel_size=3, dilation=2, index=(1, 3)),
    ]


FIGURES = {f"{k:02d}": globals()[f"fig_{k:02d}"] for k in range(1, 11)}


def panels(fig):
    """The figure's drawn panels: axes with data (no colour bars, no empty cells)."""
    return [ax for ax in fig.axes if ax.has_data() and ax.get_label() != "<colorbar>"]


def titles(fig):
    return [t for ax in fig.axes for t in (ax.title,) if t.get_text()]


def measure(fig):
    """(smallest panel width px, smallest title px, figure width px, dpi).

    Drawn first (the package's figures have no pyplot canvas, whose draw() would do
    nothing), which lays them out as a notebook shows them.
    """
    fig.draw_without_rendering()
    widths = [ax.get_window_extent().width for ax in panels(fig)]
    sizes = [t.get_fontsize() * fig.dpi / 72 for t in titles(fig)]
    return min(widths), min(sizes, default=None), fig.bbox.width, fig.dpi


@pytest.fixture
def screen():
    """Switch the mode for one test; Matplotlib's settings and the mode restored."""
    saved = matplotlib.rcParams.copy()
    on = P.screen() is P.PROJECTOR
    yield P.presentation
    P.presentation(on)
    matplotlib.rcParams.update(saved)


@pytest.mark.parametrize("notebook", FIGURES)
def test_projector_panels_and_titles_are_large(screen, notebook):
    screen(True)
    for fig in FIGURES[notebook]():
        width, title, _, dpi = measure(fig)
        assert dpi == 100
        assert width >= MIN_PANEL_PX, (notebook, width)
        assert title is None or title >= MIN_TITLE_PX, (notebook, title)


# The laptop view before presentation mode, measured on the commit before it:
# per figure (width in, height in, smallest title pt) at 90 dpi.
LAPTOP = {
    "01": [(10.4, 2.75, 9.0), (4.5, 4.5, 9.0)],
    "02": [(4.0, 0.6, 9.0), (8.0, 4.0, 9.0)],
    "03": [(11.0, 4.5, 9.0), (4.8, 1.6, 9.0), (6.4, 0.8, 7.0)],
    "04": [(6.4, 3.2, 9.0)],
    "05": [(9.6, 2.4, 9.0)],
    "06": [(4.4, 4.4, 9.0)],
    "07": [(6.6, 4.4, 9.0)],
    "08": [(9.6, 4.8, 7.0), (6.8, 3.4, 9.0)],
    "09": [(6.6, 4.4, 9.0)],
    "10": [(8.72, 4.2, 9.0), (10.0, 3.6, 9.0)],
}


@pytest.mark.parametrize("notebook", FIGURES)
def test_laptop_view_is_unchanged(screen, notebook):
    screen(False)
    figs = FIGURES[notebook]()
    assert len(figs) == len(LAPTOP[notebook])
    for fig, (w, h, title_pt) in zip(figs, LAPTOP[notebook]):
        fig.draw_without_rendering()
        assert fig.dpi == 90
        assert tuple(fig.get_size_inches()) == pytest.approx((w, h), abs=0.01), notebook
        sizes = [t.get_fontsize() for t in titles(fig)]
        assert min(sizes, default=None) == title_pt, notebook


def test_projector_grows_every_figure_and_wraps_wide_grids(screen):
    screen(True)
    grid = P.image_grid(torch.rand(8, 1, 4, 4), ncols=8, size=0.8)
    assert grid.axes[0].get_gridspec().ncols == 5  # 5 × ≥ 300 px fit 1920 px
    assert tuple(P.figure(2, 1).get_size_inches()) == (3.6, 1.8)  # panel ≥ 3.6 in
    assert tuple(P.figure(4, 2).get_size_inches()) == (6, 3)  # × 1.5
    assert P.figure(16, 2).get_size_inches()[0] == 18  # × 1.5 up to 18 in
    assert tuple(P.figure(8, 2, panels=4).get_size_inches()) == (14.4, 3.6)


def test_setting_is_read_and_checked(screen, monkeypatch):
    monkeypatch.setenv("LECTURELIB_PRESENT", "1")
    assert screen() is True and P.screen() is P.PROJECTOR
    assert matplotlib.rcParams["figure.dpi"] == 100
    monkeypatch.setenv("LECTURELIB_PRESENT", "0")
    assert screen() is False and matplotlib.rcParams["axes.titlesize"] == 9
    monkeypatch.setenv("LECTURELIB_PRESENT", "big")
    with pytest.raises(ValueError, match="LECTURELIB_PRESENT must be 1"):
        screen()
    with pytest.raises(TypeError, match="on must be"):
        screen("yes")


def test_widget_output_is_sized_for_the_projector(screen, monkeypatch):
    from lecturelib.sections.s05_occlusion.widget import occlusion_widget

    shown = []
    png = panel._png
    monkeypatch.setattr(panel, "_png", lambda fig: (shown.append(fig), png(fig))[1])
    for on in (False, True):
        screen(on)
        w = occlusion_widget(small_cnn(), torch.rand(1, 3, 24, 24), 1, size=8, stride=4)
        w.controls["stride"].value = 8
        assert len(w.output.outputs) == 1
    laptop, projector = (measure(fig) for fig in (shown[0], shown[-1]))
    assert laptop[1] < MIN_TITLE_PX and laptop[0] < MIN_PANEL_PX
    assert projector[0] >= MIN_PANEL_PX and projector[1] >= MIN_TITLE_PX
