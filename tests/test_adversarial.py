import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from lecturelib.core.data import load_mnist
from lecturelib.core.device import make_generator
from lecturelib.core.models import load_lenet
from lecturelib.sections.s09_adversarial import compute as adversarial
from lecturelib.sections.s09_adversarial.compute import (
    adversarial_attack,
    confidences,
    first_change,
    label_table,
    relative_perturbation,
    sphere_test,
)
from lecturelib.sections.s09_adversarial.fooling import fooling_search
from lecturelib.sections.s09_adversarial.plots import plot_attack


@pytest.fixture(scope="module")
def lenet():
    return load_lenet()


@pytest.fixture(scope="module")
def digits(lenet):
    images, labels = load_mnist("test")
    images, labels = images[:300], labels[:300]
    pred, conf = confidences(lenet, images)
    ok = pred == labels
    order = conf[ok].argsort()
    return images[ok][order], labels[ok][order]  # least confident first


def linear_model(weight, bias=None):
    model = nn.Linear(weight.shape[1], weight.shape[0], bias=bias is not None)
    with torch.no_grad():
        model.weight.copy_(weight)
        if bias is not None:
            model.bias.copy_(bias)
    return nn.Sequential(nn.Flatten(), model)


def test_one_step_is_the_closed_form_ce_ascent():
    # z = W x: ∂CE/∂x = Wᵀ(softmax(z) − e_y), and SGD on −CE adds lr times it.
    w = torch.tensor(
        [[1.0, 2.0, 0.0, -1.0], [0.5, -1.0, 1.0, 0.0], [0.0, 0.0, -2.0, 1.0]]
    )
    x = torch.tensor([[0.2, -0.1, 0.3, 0.4]]).view(1, 1, 2, 2)
    adv, history = adversarial_attack(linear_model(w), x, 0, steps=1, lr=0.5)
    p = (w @ x.flatten()).softmax(0)
    expected = x.flatten() + 0.5 * w.T @ (p - torch.eye(3)[0])
    torch.testing.assert_close(adv.flatten(), expected)
    assert history.shape == (2, 1) and history.dtype == torch.long


def test_label_history_shape_and_first_row(lenet, digits):
    images = digits[0][:6]
    adv, history = adversarial_attack(lenet, images, steps=4)
    assert adv.shape == images.shape and history.shape == (5, 6)
    assert history.dtype == torch.int64
    assert torch.equal(history[0], lenet(images).argmax(1))
    assert torch.equal(history[-1], lenet(adv).argmax(1))


def test_attack_flips_least_confident_digits(lenet, digits):
    images, labels = digits[0][:8], digits[1][:8]
    _adv, history = adversarial_attack(lenet, images, labels)  # lecture: 15 × lr 0.1
    assert (history[-1] != labels).all()
    assert ((first_change(history) >= 1) & (first_change(history) <= 15)).all()


def test_saturated_ce_barely_moves_while_margin_flips(lenet, digits):
    images, labels = digits[0][-5:], digits[1][-5:]  # the most confident
    adv_ce, h_ce = adversarial_attack(lenet, images, labels)
    _adv_m, h_m = adversarial_attack(lenet, images, labels, loss="margin")
    assert relative_perturbation(images, adv_ce).max() < 1e-2
    assert (h_ce[-1] == labels).all()
    assert (h_m[-1] != labels).all()


def test_attack_is_batch_invariant(lenet, digits):  # model state: test_contract.py
    images = digits[0][:4]
    together, _ = adversarial_attack(lenet, images, steps=3)
    alone, _ = adversarial_attack(lenet, images[2:3], steps=3)
    torch.testing.assert_close(together[2:3], alone, atol=1e-5, rtol=1e-4)


def test_sphere_test_closed_form_on_a_hyperplane():
    # two logits (w·x, 0): the label changes where w·x changes sign.
    w = torch.zeros(2, 16)
    w[0, 0] = 1.0
    model = linear_model(w)
    x = torch.zeros(2, 1, 4, 4)
    x[0, 0, 0, 0] = 0.5  # distance 0.5 to the boundary
    x[1, 0, 0, 0] = 1e-6  # (almost) on the boundary: about half change
    counts = sphere_test(
        model, x, torch.tensor([0.4, 0.4]), n=1000, generator=make_generator(0)
    )
    assert counts[0] == 0
    assert 400 < counts[1] < 600
    assert sphere_test(model, x[:1], 5.0, n=200, generator=make_generator(0))[0] > 0


def test_sphere_test_is_seeded_and_batched(lenet, digits):
    x = digits[0][:2]
    run = lambda seed, bs: sphere_test(
        lenet, x, 6.0, n=300, batch_size=bs, generator=make_generator(seed)
    )
    a, b, c = run(0, 300), run(0, 64), run(1, 300)
    assert torch.equal(a, b)
    assert a.sum() > 0 and not torch.equal(a, c)


def test_relative_perturbation_and_first_change():
    x = torch.ones(2, 1, 2, 2)
    adv = x.clone()
    adv[0, 0, 0, 0] += 0.2
    torch.testing.assert_close(relative_perturbation(x, adv), torch.tensor([0.1, 0.0]))
    h = torch.tensor([[3, 3, 1], [3, 3, 4], [5, 3, 2]])
    assert first_change(h).tolist() == [2, -1, 1]


def test_bad_inputs(lenet, digits):
    x = digits[0][:2]
    with pytest.raises(ValueError, match="steps"):
        adversarial_attack(lenet, x, steps=0)
    with pytest.raises(ValueError, match="loss"):
        adversarial_attack(lenet, x, loss="hinge")
    with pytest.raises(ValueError, match="images"):
        adversarial_attack(lenet, x[0])
    with pytest.raises(ValueError, match="target"):
        adversarial_attack(lenet, x, 12)
    with pytest.raises(ValueError, match="n must"):
        sphere_test(lenet, x, 1.0, n=0)


def test_table_and_figure(lenet, digits):
    x = digits[0][:2]
    adv, history = adversarial_attack(lenet, x, steps=2)
    names = [f"digit {i}" for i in range(10)]
    table = label_table(history, names, columns=["a", "b"])
    assert table.count("<tr>") == 4 and f"digit {int(history[0, 0])}" in table
    fig = plot_attack(x, adv)
    assert isinstance(fig, Figure) and "%" in fig.axes[2].get_title()


def test_fooling_search_is_seeded_and_climbs(lenet):
    kw = {"population": 16, "generations": 15, "progress": False}
    best, history = fooling_search(lenet, 3, generator=make_generator(0), **kw)
    again, history2 = fooling_search(lenet, 3, generator=make_generator(0), **kw)
    assert torch.equal(best, again) and torch.equal(history, history2)
    assert best.shape == (1, 28, 28) and 0 <= best.min() and best.max() <= 1
    assert history.shape == (16,) and (history.diff() >= 0).all()  # elitism
    assert history[-1] > history[0]
    p = lenet(best[None]).softmax(1)[0, 3].item()
    assert p == pytest.approx(history[-1].item(), rel=1e-4)


def test_fooling_bad_inputs(lenet):
    with pytest.raises(ValueError, match="population"):
        fooling_search(lenet, 3, population=1)
    with pytest.raises(ValueError, match="target"):
        fooling_search(lenet, 10, generations=1, progress=False)


def test_input_gradient_norm_closed_form():
    w = torch.tensor([[2.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, -1.0]])
    x = torch.tensor([[1.0, 0.0, 0.5, 0.2]]).view(1, 1, 2, 2)
    model = linear_model(w)
    p = (w @ x.flatten()).softmax(0)
    expected_ce = (w.T @ (p - torch.tensor([1.0, 0.0]))).norm()
    torch.testing.assert_close(
        adversarial.input_gradient_norm(model, x, 0)[0], expected_ce
    )
    margin = adversarial.input_gradient_norm(model, x, 0, loss="margin")[0]
    torch.testing.assert_close(margin, (w[0] - w[1]).norm())


def test_fooling_search_several_targets_side_by_side(lenet):
    kw = {"population": 12, "generations": 8, "progress": False}
    best, history = fooling_search(lenet, [1, 8], generator=make_generator(0), **kw)
    assert best.shape == (2, 1, 28, 28) and history.shape == (9, 2)
    assert (history.diff(dim=0) >= 0).all()
    p = lenet(best).softmax(1)[[0, 1], [1, 8]]
    torch.testing.assert_close(p, history[-1], rtol=1e-4, atol=1e-6)
