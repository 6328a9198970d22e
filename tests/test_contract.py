"""The contract every public compute function keeps (in the style of captum's tests).

For each function, on a tiny convnet with an in-place ReLU and a ReLU6:

* the model is left as found: no hook, the same ``training`` flags, ``requires_grad``
  and ``.grad`` — also when the model raises in the middle of the computation;
* a batch gives what its images give one by one (where the method is per image);
* the same seed gives the same result;
* NaN or infinite inputs, and NaN options, raise a ``ValueError`` naming the argument.
"""

from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
import pytest
import torch
from torch import nn

from lecturelib.core.device import make_generator
from lecturelib.core.hooks import compute_activations, hook_count
from lecturelib.sections.s04_embeddings.compute import (
    compute_layer_embedding,
    layer_features,
)
from lecturelib.sections.s05_occlusion.compute import occlusion_sensitivity
from lecturelib.sections.s06_saliency.compute import saliency, smoothgrad
from lecturelib.sections.s07_guided_backprop.compute import backprop_view
from lecturelib.sections.s07_guided_backprop.top_patches import compute_top_patches
from lecturelib.sections.s08_maximize_response.compute import (
    Objective,
    maximize_response,
)
from lecturelib.sections.s09_adversarial.compute import adversarial_attack, sphere_test
from lecturelib.sections.s09_adversarial.fooling import fooling_search


class Bomb(nn.Module):
    """Identity until armed; then it raises, in the middle of the model's forward."""

    armed = False

    def forward(self, x):
        if self.armed:
            raise RuntimeError("boom inside the model")
        return x


def tiny() -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(
        OrderedDict(
            conv1=nn.Conv2d(1, 4, 3, padding=1),
            relu1=nn.ReLU(inplace=True),
            conv2=nn.Conv2d(4, 6, 3, padding=1),
            relu2=nn.ReLU6(),
            bomb=Bomb(),
            pool=nn.AdaptiveAvgPool2d(2),
            flatten=nn.Flatten(),
            fc=nn.Linear(24, 10),
        )
    )


def images(n: int = 3) -> torch.Tensor:
    return torch.rand(n, 1, 12, 12, generator=torch.Generator().manual_seed(1))


def _tensor(result):
    """The main tensor of a result (the first of a tuple, a dataclass's values)."""
    if isinstance(result, torch.Tensor):
        return result
    if isinstance(result, tuple):
        return result[0]
    if isinstance(result, dict):
        first = next(iter(result.values()))
        return (
            torch.as_tensor(np.asarray(first)) if not torch.is_tensor(first) else first
        )
    return result.values  # TopPatches


@dataclass
class Case:
    name: str
    call: object  # (model, images, **options) -> result
    per_image: bool = False
    seeded: bool = False
    nan_options: tuple = ()  # option names that must refuse NaN
    options: dict = field(default_factory=dict)
    uses_images: bool = True


def _occlusion(m, x, **kw):
    return occlusion_sensitivity(m, x, 3, size=4, stride=2, progress=False, **kw)


def _smoothgrad(m, x, **kw):
    kw.setdefault("generator", make_generator(0))
    return smoothgrad(m, x, 3, n=4, sigma=kw.pop("sigma", 0.2), progress=False, **kw)


def _maximize(m, x, **kw):
    kw.setdefault("generator", make_generator(0))
    return maximize_response(
        m, Objective(None, 3), steps=3, size=12, channels=1, progress=False, **kw
    )


def _attack(m, x, **kw):
    return adversarial_attack(m, x, steps=3, lr=kw.pop("lr", 0.05), **kw)


def _sphere(m, x, **kw):
    kw.setdefault("generator", make_generator(0))
    return sphere_test(m, x, kw.pop("radius", 0.5), n=20, batch_size=7, **kw)


def _fooling(m, x, **kw):
    kw.setdefault("generator", make_generator(0))
    return fooling_search(
        m, 3, shape=(1, 12, 12), population=8, generations=3, progress=False, **kw
    )


def _embedding(m, x, **kw):
    feats = kw.pop("features", None)
    if feats is None:
        feats = layer_features(m, images(12), "conv2")["conv2"]
    return compute_layer_embedding(
        feats, torch.arange(12) % 3, perplexity=kw.pop("perplexity", 3.0), k=3, **kw
    )


CASES = [
    Case("occlusion", _occlusion, per_image=True, nan_options=("fill",)),
    Case(
        "occlusion_full",
        lambda m, x: _occlusion(m, x, method="full"),
        per_image=True,
    ),
    Case("saliency", lambda m, x: saliency(m, x, 3), per_image=True),
    Case("smoothgrad", _smoothgrad, seeded=True, nan_options=("sigma",)),
    *(
        Case(
            f"backprop_{r}",
            lambda m, x, r=r: backprop_view(m, x, 3, rule=r),
            per_image=True,
        )
        for r in ("gradient", "deconv", "guided")
    ),
    Case("top_patches", lambda m, x: compute_top_patches(m, x, "conv2", 1, k=3)),
    Case(
        "maximize",
        _maximize,
        seeded=True,
        nan_options=("lr", "prior_weight", "init_std"),
        uses_images=False,
    ),
    Case("attack", _attack, per_image=True, nan_options=("lr",)),
    Case("sphere_test", _sphere, seeded=True, nan_options=("radius",)),
    Case(
        "fooling",
        _fooling,
        seeded=True,
        nan_options=("mutation_rate", "mutation_std"),
        uses_images=False,
    ),
    Case(
        "layer_features",
        lambda m, x: layer_features(m, x, ["conv1", "fc"])["fc"],
        per_image=True,
    ),
    Case(
        "activations",
        lambda m, x: compute_activations(m, x, "relu2")["relu2"],
        per_image=True,
    ),
    Case(
        "embedding",
        _embedding,
        seeded=True,
        nan_options=("perplexity",),
        uses_images=False,
    ),
]
IDS = [c.name for c in CASES]


def _state(model):
    return (
        [m.training for m in model.modules()],
        [p.requires_grad for p in model.parameters()],
        [
            (p.grad, None if p.grad is None else p.grad.clone())
            for p in model.parameters()
        ],
        hook_count(model),
        [sorted(vars(m)) for m in model.modules()],  # no attribute left on a module
    )


def _unusual_model():
    """Train mode, one frozen parameter, one parameter with a stale .grad."""
    model = tiny().train()
    model.conv1.bias.requires_grad_(False)
    model.fc.weight.grad = torch.full_like(model.fc.weight, 7.0)
    return model


def _assert_same_state(before, after):
    assert before[0] == after[0], "training flags changed"
    assert before[1] == after[1], "requires_grad changed"
    for (grad, value), (grad_after, _) in zip(before[2], after[2], strict=True):
        assert grad_after is grad, ".grad replaced, appeared or vanished"
        if grad is not None:
            assert torch.equal(grad_after, value), ".grad changed"
    assert before[3] == after[3], "hooks left behind"
    assert before[4] == after[4], "attributes left on a module"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_model_left_as_found(case):
    model = _unusual_model()
    before = _state(model)
    case.call(model, images())
    _assert_same_state(before, _state(model))


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.name != "embedding"], ids=IDS[:-1]
)
def test_model_left_as_found_after_an_exception_inside_it(case):
    model = _unusual_model()
    before = _state(model)
    model.bomb.armed = True
    with pytest.raises(RuntimeError, match="boom"):
        case.call(model, images())
    del model.bomb.armed  # back to the class default
    _assert_same_state(before, _state(model))


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.per_image], ids=lambda c: c.name
)
def test_batch_equals_images_one_by_one(case):
    model, x = tiny().eval(), images()
    whole = _tensor(case.call(model, x))
    parts = torch.cat([_tensor(case.call(model, x[i : i + 1])) for i in range(len(x))])
    torch.testing.assert_close(whole, parts, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", [c for c in CASES if c.seeded], ids=lambda c: c.name)
def test_same_seed_same_result(case):
    model = tiny().eval()
    a, b = (_tensor(case.call(model, images())) for _ in range(2))
    assert torch.equal(torch.as_tensor(a), torch.as_tensor(b))


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
@pytest.mark.parametrize(
    "case", [c for c in CASES if c.uses_images], ids=lambda c: c.name
)
def test_nan_or_infinite_images_are_refused(case, bad):
    x = images()
    x[1, 0, 5, 5] = bad
    with pytest.raises(ValueError, match="images.*(NaN|infinite)"):
        case.call(tiny().eval(), x)


NAN_OPTIONS = [(c, o) for c in CASES for o in c.nan_options]


@pytest.mark.parametrize(
    "case,option", NAN_OPTIONS, ids=[f"{c.name}-{o}" for c, o in NAN_OPTIONS]
)
def test_nan_options_are_refused(case, option):
    with pytest.raises(ValueError, match=option):
        case.call(tiny().eval(), images(), **{option: float("nan")})


def test_nan_features_are_refused():
    feats = torch.rand(12, 5)
    feats[3, 2] = float("nan")
    with pytest.raises(ValueError, match="features.*NaN"):
        _embedding(None, None, features=feats)


def test_every_public_compute_function_is_covered():
    assert len(CASES) == 15
