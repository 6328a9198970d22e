"""Tests for lecturelib.sections.s04_embeddings.tsne_from_scratch (notebook 04)."""

import numpy as np
import pytest
import torch

from lecturelib.sections.s04_embeddings import compute as E
from lecturelib.sections.s04_embeddings import tsne_from_scratch as T


@pytest.fixture(scope="module")
def roll():
    """150 points of the swiss roll with a noise dimension, and their position."""
    x, position, _ = E.swiss_roll(150, seed=0)
    return x, position


@pytest.mark.parametrize("perplexity", [5.0, 30.0, 100.0])
def test_each_row_has_the_target_perplexity(roll, perplexity):
    p_cond, beta = T.conditional_affinities(roll[0], perplexity)
    assert p_cond.shape == (150, 150) and beta.shape == (150,)
    torch.testing.assert_close(p_cond.sum(1), torch.ones(150, dtype=torch.float64))
    assert p_cond.diagonal().abs().max() == 0  # no point is its own neighbour
    perplexities = T.row_perplexity(p_cond)
    assert (perplexities - perplexity).abs().max() < 1e-3
    assert beta.min() > 0 and beta.std() > 0  # each point gets its own width


def test_perplexity_of_a_known_row():
    # uniform over 2 neighbours: perplexity 2; (1/4, 1/4, 1/2): exp of its entropy
    p = torch.tensor(
        [[0.0, 0.5, 0.5, 0.0], [0.25, 0.0, 0.25, 0.5]], dtype=torch.float64
    )
    h1 = -(0.25 * np.log(0.25) * 2 + 0.5 * np.log(0.5))
    torch.testing.assert_close(
        T.row_perplexity(p), torch.tensor([2.0, np.exp(h1)], dtype=torch.float64)
    )


def test_joint_affinities_are_symmetric_and_sum_to_one(roll):
    p = T.joint_affinities(T.conditional_affinities(roll[0], 30.0)[0])
    torch.testing.assert_close(p, p.T)
    assert abs(p.sum().item() - 1) < 1e-12
    assert p.min() >= 0


def test_closed_form_gradient_equals_autograd_of_the_kl(roll):
    p = T.joint_affinities(T.conditional_affinities(roll[0], 30.0)[0])
    gen = torch.Generator().manual_seed(0)
    y = torch.randn(150, 2, generator=gen, dtype=torch.float64).requires_grad_()
    (auto,) = torch.autograd.grad(T.kl_divergence(p, y), y)
    closed = T.kl_gradient(p, y.detach())
    torch.testing.assert_close(closed, auto, rtol=1e-9, atol=1e-12)
    assert closed.abs().max() > 1e-3  # a real gradient, not two zeros


def test_a_small_step_against_the_gradient_lowers_the_kl(roll):
    p = T.joint_affinities(T.conditional_affinities(roll[0], 30.0)[0])
    y = torch.randn(
        150, 2, generator=torch.Generator().manual_seed(1), dtype=torch.float64
    )
    before = T.kl_divergence(p, y).item()
    after = T.kl_divergence(p, y - 1.0 * T.kl_gradient(p, y)).item()
    assert after < before - 1e-4, (before, after)


def test_tsne_lowers_the_kl_and_keeps_the_roll_neighbours(roll):
    x, _position = roll
    result = T.tsne(x, perplexity=20.0, steps=300, seed=0)
    assert result.points.shape == (150, 2) and result.points.dtype == np.float32
    kl = np.array(result.kl)
    assert len(kl) == 300
    late = kl[result.exaggeration_steps :]
    assert kl[-1] < 0.5 * kl[0], (kl[0], kl[-1])  # measured: 1.98 -> 0.51
    assert (
        late[-1] < late[0] and late[-1] <= late.min() + 1e-3
    )  # it descends to the end
    # trustworthiness w.r.t. the 4-D points: t-SNE keeps near neighbours near
    assert E.trustworthiness(x, result.points) > 0.9
    again = T.tsne(x, perplexity=20.0, steps=300, seed=0)
    np.testing.assert_array_equal(again.points, result.points)  # seeded


def test_tsne_leaves_the_thread_count(roll):
    threads = torch.get_num_threads()
    T.tsne(roll[0], steps=2, exaggeration_steps=1)
    assert torch.get_num_threads() == threads


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"x": np.zeros((2, 3))}, "x"),
        ({"x": np.zeros(10)}, "x"),
        ({"x": np.full((10, 2), np.nan)}, "x"),
        ({"perplexity": 0.5}, "perplexity"),
        ({"perplexity": 150.0}, "perplexity"),
        ({"steps": 0}, "steps"),
        ({"learning_rate": 0.0}, "learning_rate"),
        ({"exaggeration": 0.5}, "exaggeration"),
        ({"exaggeration_steps": 600}, "exaggeration_steps"),
        ({"momentum": (0.5,)}, "momentum"),
        ({"momentum": (0.5, 1.0)}, "momentum"),
    ],
)
def test_bad_input_names_the_argument(roll, kwargs, word):
    args = {"x": roll[0], **kwargs}
    with pytest.raises(ValueError, match=word):
        T.tsne(args.pop("x"), **args)
