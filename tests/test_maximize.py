import pytest
import torch

from lecturelib.core.device import make_generator
from lecturelib.core.models import load_lenet
from lecturelib.sections.s08_maximize_response.compute import (
    MultiScaleEdgeEnergy,
    Objective,
    class_index,
    display_normalize,
    make_objectives,
    maximize_response,
)


@pytest.fixture(scope="module")
def lenet():
    return load_lenet()


def test_edge_energy_of_constant_image_is_zero():
    h = MultiScaleEdgeEnergy()
    x = torch.full((2, 3, 37, 50), 0.7)
    x[1] = -2.5
    assert torch.equal(h(x), torch.zeros(2))


def test_edge_energy_of_checkerboard_is_one_per_pixel():
    # [1,4,6,4,1]/16 cancels the ±1 alternation exactly: g ⊛ x = 0 inside, so the first
    # scale gives ~1 per pixel; the average-pooled checkerboard is 0 at every next scale.
    h = MultiScaleEdgeEnergy()
    i = torch.arange(32)
    board = ((i[:, None] + i[None, :]) % 2 * 2 - 1).float().view(1, 1, 32, 32)
    e = h(board).item()
    assert 0.9 * 32 * 32 < e < 1.1 * 32 * 32
    ramp = torch.linspace(0, 1, 32).view(1, 1, 1, 32).expand(1, 1, 32, 32)
    assert h(ramp).item() < 1e-3 * e


def test_edge_energy_sums_channels_and_is_batch_invariant():
    h = MultiScaleEdgeEnergy()
    x = torch.randn(3, 3, 20, 24)
    per_channel = sum(h(x[:, c : c + 1]) for c in range(3))
    torch.testing.assert_close(h(x), per_channel)
    torch.testing.assert_close(h(x)[1:2], h(x[1:2]))


def test_maximize_raises_class_and_predicts_it(lenet):
    images, history = maximize_response(
        lenet, [3, 7], steps=30, size=28, generator=make_generator(0), progress=False
    )
    assert images.shape == (2, 1, 28, 28) and history.shape == (31, 2)
    assert (history[-1] > history[0] + 5).all()
    assert lenet(images).argmax(1).tolist() == [3, 7]


def test_maximize_raises_channel_and_unit(lenet):
    specs = [("conv2", 5), ("conv2", 5, 2, 3), Objective("fc1", 10)]
    _, history = maximize_response(lenet, specs, steps=20, size=28, progress=False)
    assert (history[-1] > history[0]).all()


def test_maximize_is_batch_invariant(lenet):  # model state: tests/test_contract.py
    together, h2 = maximize_response(
        lenet, [1, ("conv1", 4)], steps=5, size=28, init_std=0.0, progress=False
    )
    alone, h1 = maximize_response(
        lenet, ("conv1", 4), steps=5, size=28, init_std=0.0, progress=False
    )
    torch.testing.assert_close(together[1:], alone, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(h2[:, 1], h1[:, 0], atol=1e-4, rtol=1e-4)


def test_prior_weight_lowers_edge_energy(lenet):
    h = MultiScaleEdgeEnergy()
    kw = {"steps": 30, "size": 28, "generator": make_generator(1), "progress": False}
    noisy, _ = maximize_response(lenet, 2, prior_weight=0.0, **kw)
    smooth, _ = maximize_response(lenet, 2, prior_weight=1.0, **kw)
    assert h(smooth).item() < h(noisy).item()


def test_bad_inputs(lenet):
    with pytest.raises(ValueError, match="steps"):
        maximize_response(lenet, 1, steps=0, size=28)
    with pytest.raises(ValueError, match="conv1"):
        maximize_response(lenet, ("conv", 1), steps=1, size=28)
    with pytest.raises(ValueError, match=r"0 to 31"):
        maximize_response(lenet, ("conv1", 32), steps=1, size=28, progress=False)
    with pytest.raises(ValueError, match=r"0 to 9"):
        maximize_response(lenet, 10, steps=1, size=28, progress=False)
    with pytest.raises(ValueError, match="outside"):
        maximize_response(lenet, ("conv2", 0, 9, 0), steps=1, size=28, progress=False)
    with pytest.raises(ValueError, match="no spatial map"):
        maximize_response(lenet, ("fc1", 0, 0, 0), steps=1, size=28, progress=False)
    with pytest.raises(TypeError, match="objective"):
        make_objectives(2.5)
    with pytest.raises(ValueError, match="classes"):
        make_objectives("Samoyed")


def test_class_index_suggests_close_names():
    classes = ["king crab", "Samoyed", "hourglass", "sunglass", "sunglasses"]
    assert class_index("Samoyed", classes) == 1
    assert class_index("HOURGLASS", classes) == 2
    with pytest.raises(ValueError, match="Samoyed"):
        class_index("Samoyd", classes)


def test_display_normalize_maps_each_image_to_unit_range():
    x = torch.randn(3, 3, 8, 8) * torch.tensor([1.0, 10.0, 100.0]).view(3, 1, 1, 1)
    d = display_normalize(x)
    assert torch.allclose(d.flatten(1).min(1).values, torch.zeros(3))
    assert torch.allclose(d.flatten(1).max(1).values, torch.ones(3))


def test_objective_labels():
    assert Objective(None, 1).label(["a", "b"]) == "class 1 (b)"
    assert Objective("conv1", 3, 1, 2).kind == "unit"


def test_lecture_borders_give_a_constant_image_edges_and_match_inside():
    from lecturelib.sections.s08_maximize_response.compute import MultiScaleEdgeEnergy

    flat = torch.full((1, 1, 32, 32), 0.5)
    assert MultiScaleEdgeEnergy()(flat).item() == 0.0
    assert MultiScaleEdgeEnergy(borders="zeros")(flat).item() > 1.0
    with pytest.raises(ValueError, match="borders"):
        MultiScaleEdgeEnergy(borders="reflect")


def test_lecture_display_is_half_plus_a_tenth_of_the_standardised_image():
    from lecturelib.sections.s08_maximize_response.compute import lecture_display

    x = torch.randn(2, 3, 8, 8) * 5 + 3
    d = lecture_display(x)
    torch.testing.assert_close(
        d.flatten(1).mean(1), torch.full((2,), 0.5), atol=1e-3, rtol=0
    )
    expected = 0.5 + 0.1 * (x[0] - x[0].mean()) / x[0].std()
    torch.testing.assert_close(d[0], expected.clamp(0, 1))


def test_toy_prior_keeps_the_maximiser_near_the_data():
    from lecturelib.sections.s08_maximize_response.compute import compute_toy_prior

    toy = compute_toy_prior(steps=100)
    far = toy.distance_to_data(toy.path_f[-1:]).item()
    near = toy.distance_to_data(toy.path_fh[-1:]).item()
    assert far > 5 and near < 1


# Going further: transformation robustness and the Fourier parametrisation (issue 23).


def _lecture_loop(model, target, *, steps, size, seed):
    """The lecture's loop written out (notebook 08's "dozen lines"), the reference."""
    h = MultiScaleEdgeEnergy()
    x = torch.randn((1, 1, size, size), generator=make_generator(seed)) * 0.01
    x.requires_grad_(True)
    optimizer = torch.optim.Adam([x], lr=0.1)
    for _ in range(steps):
        loss = h(x).sum() - model(x)[:, target].sum()
        (x.grad,) = torch.autograd.grad(loss, x)
        optimizer.step()
    return x.detach()


def test_defaults_and_zero_options_are_the_lecture_loop(lenet):
    reference = _lecture_loop(lenet, 4, steps=12, size=28, seed=3)
    kw = {"steps": 12, "size": 28, "progress": False}
    plain, _ = maximize_response(lenet, 4, generator=make_generator(3), **kw)
    zeros, _ = maximize_response(
        lenet, 4, generator=make_generator(3), jitter=0, scale=0.0,
        parametrization="pixel", **kw,
    )  # fmt: skip
    assert torch.equal(plain, zeros)
    torch.testing.assert_close(plain, reference, atol=1e-6, rtol=0)


@pytest.mark.parametrize("size", [(28, 28), (17, 30)])
def test_fourier_parametrisation_round_trips(size):
    from lecturelib.sections.s08_maximize_response.compute import (
        fourier_gains,
        from_fourier,
        to_fourier,
    )

    x = torch.randn(2, 3, *size, generator=make_generator(0))
    p = to_fourier(x)
    assert p.shape == (2, 3, size[0], size[1] // 2 + 1, 2)
    torch.testing.assert_close(from_fourier(p, size), x, atol=1e-5, rtol=0)
    g = fourier_gains(*size)
    assert g.pow(2).mean().item() == pytest.approx(1.0, rel=1e-5)
    assert g[0, 0] == g.max() and g[0, 0] > 5 * g[size[0] // 2, -1]  # low f faster
    assert torch.equal(fourier_gains(*size, decay=0.0), torch.ones_like(g))


def test_fourier_starts_where_pixel_starts_and_raises_the_class(lenet):
    kw = {"steps": 30, "size": 28, "progress": False}
    pixel, hp = maximize_response(lenet, [3, 7], generator=make_generator(0), **kw)
    fourier, hf = maximize_response(
        lenet, [3, 7], generator=make_generator(0), parametrization="fourier", **kw
    )
    torch.testing.assert_close(hf[0], hp[0], atol=1e-4, rtol=0)  # the same start
    assert (hf[-1] > hf[0] + 5).all()
    assert lenet(fourier).argmax(1).tolist() == [3, 7]
    assert not torch.allclose(fourier, pixel, atol=1e-2)


def test_jitter_and_scale_are_seeded_and_change_the_result(lenet):
    kw = {"steps": 15, "size": 28, "progress": False, "jitter": 3, "scale": 0.2}
    a, ha = maximize_response(lenet, 5, generator=make_generator(1), **kw)
    b, hb = maximize_response(lenet, 5, generator=make_generator(1), **kw)
    c, _ = maximize_response(lenet, 5, generator=make_generator(2), **kw)
    plain, _ = maximize_response(
        lenet, 5, generator=make_generator(1), steps=15, size=28, progress=False
    )
    assert torch.equal(a, b) and torch.equal(ha, hb)
    assert not torch.allclose(a, c) and not torch.allclose(a, plain)
    assert ha[-1, 0] > ha[0, 0] + 5


def test_high_frequency_share_and_shift_agreement(lenet):
    from lecturelib.sections.s08_maximize_response.compute import (
        high_frequency_share,
        shift_agreement,
    )

    i = torch.arange(32)
    board = ((i[:, None] + i[None, :]) % 2 * 2 - 1).float().view(1, 1, 32, 32)
    ramp = torch.linspace(0, 1, 32).view(1, 1, 1, 32).expand(1, 1, 32, 32)
    share = high_frequency_share(torch.cat([board, ramp]))
    assert 0.9 < share[0] < 1.1 and share[1] < 1e-3  # the board: 1 per unit of energy
    x, _ = maximize_response(
        lenet, [0, 1], steps=40, size=28, generator=make_generator(0), progress=False
    )
    agree = shift_agreement(lenet, x, [0, 1], shifts=(1,), k=10)
    assert agree.tolist() == [1.0, 1.0]  # top 10 of 10 classes: always
    wrong = shift_agreement(lenet, x, [1, 0], shifts=(1, 2), k=1)
    assert wrong.tolist() == [0.0, 0.0]  # the other's class is never top-1


def test_going_further_options_are_validated(lenet):
    kw = {"steps": 1, "size": 28, "progress": False}
    with pytest.raises(ValueError, match="jitter"):
        maximize_response(lenet, 1, jitter=8, **kw)  # > size / 4
    with pytest.raises(ValueError, match="jitter"):
        maximize_response(lenet, 1, jitter=-1, **kw)
    with pytest.raises(ValueError, match="scale"):
        maximize_response(lenet, 1, scale=1.5, **kw)
    with pytest.raises(ValueError, match="parametrization.*fourier"):
        maximize_response(lenet, 1, parametrization="fft", **kw)
    with pytest.raises(ValueError, match="decay"):
        maximize_response(lenet, 1, parametrization="fourier", decay=-1.0, **kw)
    from lecturelib.sections.s08_maximize_response.compute import shift_agreement

    x = torch.zeros(2, 1, 28, 28)
    with pytest.raises(ValueError, match="targets"):
        shift_agreement(lenet, x, [1])
    with pytest.raises(ValueError, match="shifts"):
        shift_agreement(lenet, x, [1, 2], shifts=(28,))
    with pytest.raises(ValueError, match="k must"):
        shift_agreement(lenet, x, [1, 2], k=11)
