"""Sanity checks and deletion/insertion: closed forms, state, seeds, Quantus."""

import copy

import numpy as np
import pytest
import torch
from torch import nn

from lecturelib.core.hooks import hook_count
from lecturelib.core.models import LeNet
from lecturelib.explain.faithfulness import (
    METHODS,
    compute_faithfulness,
    deletion_curve,
    importance_map,
    insertion_curve,
)
from lecturelib.explain.plots import (
    plot_cascade,
    plot_curves,
    plot_similarity,
    sanity_summary,
)
from lecturelib.explain.sanity import (
    cascading_randomization,
    compute_cascades,
    map_similarity,
    randomization_order,
    randomize_layers,
)


def linear_model(c=3, h=4, w=4, bias=0.5):
    """f(x) = w · x + b, one output: the deletion curve has a closed form."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(c * h * w, 1))
    with torch.no_grad():
        model[1].bias.fill_(bias)
    return model


def small_cnn(channels=1):
    return nn.Sequential(
        nn.Conv2d(channels, 4, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(4, 4, 3, padding=1),
        nn.ReLU(inplace=True),
        nn.Flatten(),
        nn.Linear(4 * 8 * 8, 3),
    )


def closed_form_deletion(model, x, steps):
    """f(x) minus the partial sums of the sorted per-pixel contributions Σ_c w x."""
    w = model[1].weight.view(1, *x.shape[1:])
    contrib = (w * x).sum(1).flatten(1)  # (N, H·W)
    partial = torch.cat(
        [torch.zeros(len(x), 1), contrib.sort(1, descending=True)[0].cumsum(1)], 1
    )
    counts = torch.round(torch.arange(steps + 1) * contrib.shape[1] / steps).long()
    with torch.no_grad():
        full = model(x)[:, :1]
    return (full - partial[:, counts]).double(), (w * x)


@pytest.mark.parametrize("steps", [16, 5, 1])
def test_linear_deletion_is_the_sorted_partial_sums(steps):
    model, x = linear_model(), torch.randn(2, 3, 4, 4)
    expected, attribution = closed_form_deletion(model, x, steps)
    curve = deletion_curve(model, x, attribution, 0, steps=steps, score="logit")
    torch.testing.assert_close(curve.scores, expected, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(
        curve.fractions[[0, -1]], torch.tensor([0.0, 1.0]).double()
    )
    torch.testing.assert_close(
        curve.auc, torch.trapezoid(expected, curve.fractions, dim=1)
    )
    assert torch.allclose(curve.scores[:, -1], torch.tensor(0.5).double())  # the bias


def test_linear_deletion_lies_below_any_other_order():
    model, x = linear_model(), torch.randn(3, 3, 4, 4)
    _, best = closed_form_deletion(model, x, 16)
    ours = deletion_curve(model, x, best, 0, steps=16, score="logit")
    gen = torch.Generator().manual_seed(1)
    for _ in range(20):
        other = torch.rand(3, 4, 4, generator=gen)
        theirs = deletion_curve(model, x, other, 0, steps=16, score="logit")
        assert (ours.scores <= theirs.scores + 1e-5).all()
        assert (ours.auc <= theirs.auc + 1e-6).all()


def test_linear_insertion_from_zero_is_the_partial_sums():
    model, x = linear_model(bias=0.0), torch.randn(2, 3, 4, 4)
    expected, attribution = closed_form_deletion(model, x, 8)
    with torch.no_grad():
        full = model(x).double()
    curve = insertion_curve(
        model, x, attribution, 0, steps=8, baseline=0.0, score="logit"
    )
    torch.testing.assert_close(curve.scores, full - expected, atol=1e-5, rtol=1e-5)


def test_curves_do_not_depend_on_the_batch_size():
    model, x = small_cnn(), torch.randn(3, 1, 8, 8)
    a = torch.randn(3, 8, 8)
    one = insertion_curve(model, x, a, [0, 1, 2], steps=7, batch_size=1)
    many = insertion_curve(model, x, a, [0, 1, 2], steps=7, batch_size=100)
    torch.testing.assert_close(one.scores, many.scores, atol=1e-6, rtol=1e-5)
    probs = deletion_curve(model, x, a, 1, steps=4).scores
    assert ((probs >= 0) & (probs <= 1)).all()  # softmax by default


def test_randomization_order_is_the_forward_order_reversed():
    lenet = LeNet()
    x = torch.rand(1, 1, 28, 28)
    assert randomization_order(lenet, x) == ["fc2", "fc1", "conv2", "conv1"]

    class Twice(nn.Module):  # a module called twice, defined after its user
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(4, 2)
            self.conv = nn.Conv2d(1, 1, 3, padding=1)
            self.relu = nn.ReLU6()

        def forward(self, x):
            x = self.relu(self.conv(self.relu(self.conv(x))))
            return self.head(x.flatten(1)[:, :4])

    assert randomization_order(Twice(), x[..., :4, :4]) == ["head", "conv"]


def state_of(model):
    return (
        {k: v.clone() for k, v in model.state_dict().items()},
        [m.training for m in model.modules()],
        [p.requires_grad for p in model.parameters()],
        [p.grad for p in model.parameters()],
        hook_count(model),
    )


@pytest.mark.parametrize("method", METHODS)
def test_the_original_model_is_left_as_it_was(method):
    model, x = small_cnn(), torch.randn(2, 1, 8, 8)
    model.train()
    model[0].weight.requires_grad_(False)
    model[2].weight.grad = torch.ones_like(model[2].weight)
    before = state_of(model)
    cascading_randomization(model, x, method, steps=2, size=4, stride=4, n=2)
    randomize_layers(model, ["0", "5"], generator=torch.Generator().manual_seed(0))
    after = state_of(model)
    assert before[0].keys() == after[0].keys()
    assert all(torch.equal(before[0][k], after[0][k]) for k in before[0])
    assert before[1:3] == after[1:3]
    assert all(a is b for a, b in zip(before[3], after[3]))  # the same .grad objects
    assert before[4] == after[4] == 0


def test_no_layer_randomised_gives_similarity_one():
    model, x = small_cnn(), torch.randn(3, 1, 8, 8)
    cascade = cascading_randomization(model, x, "gradient", steps=[1, 3])
    assert cascade.counts == [0, 1, 3]
    assert torch.equal(cascade.spearman[0], torch.ones(3).double())
    assert torch.allclose(cascade.ssim[0], torch.ones(3).double())
    same = randomize_layers(model, [], generator=torch.Generator().manual_seed(0))
    a, b = (importance_map(m, x, 0, "guided") for m in (model, same))
    rho, ssim = map_similarity(a, b)
    assert torch.equal(rho, torch.ones(3).double()) and torch.allclose(ssim, rho)
    assert (cascade.spearman[-1] < 0.99).all()  # three layers random: it changed


def test_map_similarity_known_answers():
    a = torch.rand(2, 9, 9) + 0.1
    rho, ssim = map_similarity(a, a**3)  # a monotone change keeps every rank
    assert torch.allclose(rho, torch.ones(2).double()) and (ssim < 1).all()
    rho, _ = map_similarity(a, 1 / a)  # reversed ranks
    assert torch.allclose(rho, -torch.ones(2).double())
    rho, _ = map_similarity(a, torch.ones_like(a))  # a constant map ranks nothing
    assert torch.equal(rho, torch.zeros(2).double())
    rho, _ = map_similarity(a, -a)  # absolute values, as Adebayo et al.
    assert torch.allclose(rho, torch.ones(2).double())
    tied = torch.tensor([[[0.0, 0.0], [1.0, 2.0]]])
    other = torch.tensor([[[0.0, 1.0], [2.0, 3.0]]])  # scipy.stats.spearmanr: 0.9487
    assert abs(float(map_similarity(tied, other)[0][0]) - 0.9486833) < 1e-6


def test_randomize_layers_changes_only_the_named_layers_and_cascades_agree():
    model, x = small_cnn(), torch.randn(2, 1, 8, 8)
    order = randomization_order(model, x)
    assert order == ["5", "2", "0"]
    copy_ = randomize_layers(
        model, order[:2], generator=torch.Generator().manual_seed(3)
    )
    for name, p in model.named_parameters():
        changed = not torch.equal(p, dict(copy_.named_parameters())[name])
        assert changed == (name.split(".")[0] in order[:2]), name
        q = dict(copy_.named_parameters())[name]  # the same scale, random values
        assert torch.allclose(q.std(), p.std(), rtol=0.5) or not changed
    cascade = cascading_randomization(
        model, x, "gradient", steps=[2], generator=torch.Generator().manual_seed(3)
    )
    again = importance_map(copy_, x, model(x).argmax(1), "gradient")
    torch.testing.assert_close(cascade.maps[1], again)


def test_same_seed_same_results():
    model, x = small_cnn(), torch.randn(2, 1, 8, 8)

    def run(seed):
        c = compute_cascades(model, x, ["smoothgrad"], seed=seed, steps=3, n=3)
        f = compute_faithfulness(model, x, 0, ["random", "smoothgrad"], seed=seed, n=3)
        return c["smoothgrad"], f

    (c1, f1), (c2, f2), (c3, _) = run(0), run(0), run(1)
    assert all(torch.equal(a, b) for a, b in zip(c1.maps, c2.maps))
    assert torch.equal(c1.spearman, c2.spearman)
    for m in f1:
        for a, b in zip(f1[m], f2[m]):
            assert torch.equal(a.scores, b.scores)
    assert not torch.equal(c1.maps[-1], c3.maps[-1])


def test_occlusion_importance_spreads_each_mask_over_its_pixels():
    model, x = small_cnn(), torch.randn(1, 1, 8, 8)
    from lecturelib.sections.s05_occlusion.compute import occlusion_sensitivity

    drop = occlusion_sensitivity(model, x, 1, size=4, stride=4, progress=False)
    imp = importance_map(model, x, 1, "occlusion", size=4, stride=4)
    expected = drop.repeat_interleave(4, 1).repeat_interleave(4, 2)
    torch.testing.assert_close(imp, expected)
    overlap = importance_map(model, x, 1, "occlusion", size=4, stride=2)
    full = occlusion_sensitivity(model, x, 1, size=4, stride=2, progress=False)
    assert torch.isclose(overlap[0, 0, 0], full[0, 0, 0])  # one mask covers (0, 0)
    assert torch.isclose(overlap[0, 3, 3], full[0, :2, :2].mean())  # four masks


def test_bad_input_messages():
    model, x = small_cnn(), torch.randn(2, 1, 8, 8)
    a = torch.rand(2, 8, 8)
    with pytest.raises(ValueError, match="attribution must be shaped like images"):
        deletion_curve(model, x, torch.rand(2, 7, 7), 0)
    with pytest.raises(ValueError, match=r"steps must be in \[1, ∞\]; got 0"):
        insertion_curve(model, x, a, 0, steps=0)
    with pytest.raises(ValueError, match="unknown method 'saliency'"):
        cascading_randomization(model, x, "saliency")
    with pytest.raises(ValueError, match="images must be finite"):
        deletion_curve(model, x * float("nan"), a, 0)
    with pytest.raises(ValueError, match="attribution must be finite"):
        deletion_curve(model, x, a / 0, 0)
    with pytest.raises(ValueError, match="images must be finite"):
        cascading_randomization(model, x * float("inf"), "gradient")
    with pytest.raises(ValueError, match="baseline must broadcast"):
        deletion_curve(model, x, a, 0, baseline=torch.zeros(3, 3))
    with pytest.raises(ValueError, match="unknown baseline"):
        insertion_curve(model, x, a, 0, baseline="black")
    with pytest.raises(ValueError, match="layers must name modules"):
        randomize_layers(model, ["7"])
    with pytest.raises(ValueError, match=r"target must be in \[0, 2\]"):
        deletion_curve(model, x, a, 3)
    with pytest.raises(ValueError, match=r"steps must be in \[1, 3\]"):
        cascading_randomization(model, x, "gradient", steps=[4])


def test_plots_draw():
    model, x = small_cnn(), torch.randn(2, 1, 8, 8)
    cascades = compute_cascades(model, x, ["gradient", "guided"], steps=2)
    assert len(plot_cascade(cascades, image=x[0]).axes) == 2 * 4
    assert len(plot_similarity(cascades).axes) == 2
    curves = compute_faithfulness(model, x, 0, ["gradient", "random"], steps=4)
    assert len(plot_curves(curves).axes) == 2


# Cross-checks against Quantus (Hedström et al., JMLR 2023), an independent toolkit
# (the dev extra installs it).


def test_deletion_agrees_with_quantus_region_perturbation():
    """Quantus's RegionPerturbation with 1-pixel regions, most relevant first, and a
    0 baseline is our deletion curve with one step per pixel: it reports
    f(x) − f(x perturbed) after each region, without the unperturbed point."""
    import quantus

    model, x = small_cnn().eval(), torch.randn(3, 1, 8, 8)  # Quantus wants eval
    a = torch.rand(3, 8, 8)  # distinct values: no tie to break differently
    y = torch.tensor([0, 2, 1])
    metric = quantus.RegionPerturbation(
        patch_size=1,
        order="morf",
        regions_evaluation=64,
        perturb_baseline=0.0,
        normalise=False,
        abs=False,
        disable_warnings=True,
    )
    theirs = metric(
        model=model,
        x_batch=x.numpy(),
        y_batch=y.numpy(),
        a_batch=a[:, None].numpy(),
        softmax=False,
        device="cpu",
    )
    ours = deletion_curve(model, x, a, y, steps=64, score="logit").scores
    expected = ours[:, :1] - ours[:, 1:]
    torch.testing.assert_close(
        torch.as_tensor(np.asarray(theirs)).double(), expected, atol=1e-5, rtol=1e-4
    )


def test_similarity_agrees_with_quantus_mprt():
    """Quantus's MPRT (cascading, top-down) randomises the same layers in the same
    order on this model, but re-initialises them with ``reset_parameters`` under the
    global seed, where we re-draw from a generator: the random weights differ. So our
    similarity is computed on Quantus's own randomised copies, and must equal its
    Spearman scores layer by layer."""
    import quantus
    from quantus.helpers.model.pytorch_model import PyTorchModel

    model, x = small_cnn().eval(), torch.randn(3, 1, 8, 8)  # Quantus wants eval
    y = model(x).argmax(1).detach()

    def explain(model, inputs, targets, **kw):
        t = torch.as_tensor(inputs, dtype=torch.float32)
        grads = importance_map(model, t, torch.as_tensor(targets), "gradient")
        return grads[:, None].numpy()

    reference = explain(model, x.numpy(), y.numpy())
    metric = quantus.MPRT(layer_order="top_down", seed=42, disable_warnings=True)
    theirs = metric(
        model=model,
        x_batch=x.numpy(),
        y_batch=y.numpy(),
        a_batch=reference,
        explain_func=explain,
        device="cpu",
    )
    assert list(theirs) == ["original", *randomization_order(model, x)]
    wrapper = PyTorchModel(copy.deepcopy(model), channel_first=True, softmax=False)
    ours = {
        "original": map_similarity(
            torch.tensor(reference), importance_map(model, x, y, "gradient")
        )[0]
    }
    for name, random_model in wrapper.get_random_layer_generator(
        order="top_down", seed=42
    ):
        maps = importance_map(random_model, x, y, "gradient")
        ours[name] = map_similarity(torch.tensor(reference)[:, 0], maps)[0]
    for name, scores in theirs.items():
        torch.testing.assert_close(
            torch.tensor(scores).double(), ours[name], atol=1e-6, rtol=1e-6, msg=name
        )


def test_sanity_summary_gives_the_figures_rho_and_one_line_per_method():
    torch.manual_seed(0)
    images = torch.rand(2, 3, 8, 8)
    cascades = compute_cascades(small_cnn(3), images, ["gradient", "guided"], steps=3)
    figures, rho, text = sanity_summary(cascades, image=images[0])
    assert len(figures) == 2 and all(len(f.axes) > 0 for f in figures)
    assert set(rho) == {"gradient", "guided"}
    for m, c in cascades.items():
        torch.testing.assert_close(rho[m], c.spearman.mean(1))
        assert rho[m][0].item() == pytest.approx(1.0)  # nothing random: the same map
    lines = text.splitlines()
    assert lines[0].startswith("3 layers with weights, output first:")
    assert lines[1].startswith(
        "gradient: Spearman ρ with [0, 1, 2, 3] layers random: [1.0,"
    )
    assert lines[2].startswith("  guided: Spearman ρ with")
