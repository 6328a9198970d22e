"""core.fold: BatchNorm folded into the conv before it, for the widgets' fast copies."""

import functools

import pytest
import torch
from torch import nn

from lecturelib.core.fold import fold_batchnorm


def _set_stats(model: nn.Module, seed: int = 0) -> nn.Module:
    """Running statistics and affine parameters far from the identity."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=g))
            m.running_var.copy_(torch.rand(c, generator=g) * 3 + 0.2)
            if m.affine:
                m.weight.data.copy_(torch.randn(c, generator=g))
                m.bias.data.copy_(torch.randn(c, generator=g))
    return model.eval()


def conv_bn(affine: bool = True, bias: bool = False) -> nn.Sequential:
    return _set_stats(
        nn.Sequential(
            nn.Conv2d(3, 4, 3, padding=1, bias=bias),
            nn.BatchNorm2d(4, affine=affine),
            nn.ReLU(inplace=True),
            nn.Conv2d(4, 5, 3, stride=2, groups=1),
            nn.BatchNorm2d(5),
            nn.Flatten(),
            nn.LazyLinear(3),
        )
    )


def _names(model, kind):
    return [n for n, m in model.named_modules() if type(m) is kind]


@pytest.mark.parametrize("affine, bias", [(True, False), (False, True)])
def test_folded_copy_computes_the_same_function_and_input_gradient(affine, bias):
    model = conv_bn(affine, bias)
    x = torch.randn(2, 3, 9, 9)
    model(x)  # materialise the lazy layer
    before = {k: v.clone() for k, v in model.state_dict().items()}
    folded = fold_batchnorm(model, example=x)
    assert folded is not model
    assert _names(folded, nn.BatchNorm2d) == [] and _names(folded, nn.Identity) == [
        "1",
        "4",
    ]
    assert _names(model, nn.BatchNorm2d) == ["1", "4"]  # the model is untouched
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    torch.testing.assert_close(folded(x), model(x), rtol=1e-5, atol=1e-5)
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    (ga,) = torch.autograd.grad(model(xa)[:, 1].sum(), xa)
    (gb,) = torch.autograd.grad(folded(xb)[:, 1].sum(), xb)
    torch.testing.assert_close(gb, ga, rtol=1e-4, atol=1e-5)
    assert not folded.training


def test_a_kept_conv_keeps_its_batchnorm():
    model = conv_bn()
    x = torch.randn(1, 3, 9, 9)
    model(x)
    folded = fold_batchnorm(model, keep=["3"], example=x)
    assert _names(folded, nn.BatchNorm2d) == ["4"]  # conv "3"'s output stays its own
    torch.testing.assert_close(
        folded[3](torch.ones(1, 4, 5, 5)), model[3](torch.ones(1, 4, 5, 5))
    )


class _Residual(nn.Module):
    """conv → BN, the conv's output also added back: the BN does not read it alone."""

    def __init__(self):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, 3, 3, padding=1), nn.BatchNorm2d(3)
        self.twice, self.bn2 = nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3)

    def forward(self, x):
        y = self.conv(x)
        z = self.bn(y) + y
        return self.bn2(self.twice(self.twice(z)))  # a conv called twice


class _DataDependent(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv, self.bn = nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3)

    def forward(self, x):
        if x.sum() > 0:  # does not trace
            return self.bn(self.conv(x))
        return x


class _NoBias(nn.Conv2d):
    """A conv subclass that ignores its bias: folding would change its function."""

    def forward(self, x):
        return self._conv_forward(x, self.weight, None)


def test_nothing_folds_returns_the_model_itself():
    x = torch.randn(1, 3, 6, 6)
    plain = nn.Sequential(nn.Conv2d(3, 2, 3), nn.ReLU())
    assert fold_batchnorm(plain) is plain  # no BatchNorm
    shared = _set_stats(_Residual())
    assert fold_batchnorm(shared, example=x) is shared
    dynamic = _set_stats(_DataDependent())
    assert fold_batchnorm(dynamic, example=x) is dynamic
    no_stats = nn.Sequential(
        nn.Conv2d(3, 2, 3), nn.BatchNorm2d(2, track_running_stats=False)
    )
    assert fold_batchnorm(no_stats) is no_stats


def test_a_copy_that_changes_the_function_is_not_used():
    model = _set_stats(nn.Sequential(_NoBias(3, 4, 3), nn.BatchNorm2d(4)))
    x = torch.randn(1, 3, 7, 7)
    assert fold_batchnorm(model) is not model  # unchecked: folded (wrongly)
    assert fold_batchnorm(model, example=x) is model  # checked on an input: refused


def test_model_state_is_restored_after_tracing():
    model = conv_bn().train()
    model(torch.randn(2, 3, 9, 9))
    flags = [m.training for m in model.modules()]
    fold_batchnorm(model)
    assert [m.training for m in model.modules()] == flags
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        fold_batchnorm("resnet")


def test_the_smoothgrad_widget_computes_on_a_folded_copy(empty_cache, monkeypatch):
    from lecturelib.sections.s06_saliency import widget as saliency_widget_module
    from lecturelib.sections.s06_saliency.compute import smoothgrad

    copies, maps = [], []

    def folding(model, **kw):
        copies.append(fold_batchnorm(model, **kw))
        return copies[-1]

    @functools.wraps(smoothgrad)  # its signature, for the result cache
    def recording(*args, **kw):
        maps.append(smoothgrad(*args, **kw))
        return maps[-1]

    monkeypatch.setattr(saliency_widget_module, "fold_batchnorm", folding)
    monkeypatch.setattr(saliency_widget_module, "smoothgrad", recording)
    torch.manual_seed(0)
    model = conv_bn()
    x = torch.rand(1, 3, 9, 9)
    model(x)
    w = saliency_widget_module.saliency_widget(model, x, names=["a"], n=6, sigma=0.3)
    assert w.state == "drawn", w.readout.value
    (fast,), (shown,) = copies, maps
    assert fast is not model and _names(fast, nn.BatchNorm2d) == []
    assert _names(model, nn.BatchNorm2d) == ["1", "4"]  # the widget's model untouched

    def plain(seed):
        return smoothgrad(
            model, x, n=6, sigma=0.3, generator=torch.Generator().manual_seed(seed),
            progress=False,
        )  # fmt: skip

    scale = plain(0).abs().max().item()
    torch.testing.assert_close(shown, plain(0), rtol=0, atol=1e-4 * scale)
    assert (plain(1) - plain(0)).abs().max() > 0.01 * scale  # other noise: other map
