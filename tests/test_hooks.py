"""The lecture's three backward rules and activation recording, with known answers."""

import pytest
import torch
from torch import nn

from lecturelib.core.hooks import (
    backward_rule,
    grad_input,
    hook_count,
    preserved_state,
    record_activations,
    resolve_layer,
)


def tiny_net(act=None):
    """x ∈ R² → Linear(2, 3) → act → Linear(3, 1), hand-set weights."""
    net = nn.Sequential(nn.Linear(2, 3), act or nn.ReLU(), nn.Linear(3, 1, bias=False))
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[1.0, 2.0], [-1.0, 1.0], [0.5, -1.0]]))
        net[0].bias.copy_(torch.tensor([0.0, 0.0, 1.0]))
        net[2].weight.copy_(torch.tensor([[1.0, 2.0, -3.0]]))
    return net


def input_grad(net, x, rule):
    x = x.clone().requires_grad_(True)
    with backward_rule(net, rule):
        net(x).sum().backward()
    return x.grad


# s = W1 x + b = [2, -0.5, 1] for x = [1, 0.5]; the output weights are g = [1, 2, -3].
# gradient: W1ᵀ(1{s>0}·g) = W1ᵀ[1, 0, -3] = [-0.5, 5]
# deconv:   W1ᵀ(1{g>0}·g) = W1ᵀ[1, 2, 0]  = [-1, 4]
# guided:   W1ᵀ(1{s>0}·1{g>0}·g) = W1ᵀ[1, 0, 0] = [1, 2]
EXPECTED = {"gradient": [-0.5, 5.0], "deconv": [-1.0, 4.0], "guided": [1.0, 2.0]}


@pytest.mark.parametrize("rule", sorted(EXPECTED))
@pytest.mark.parametrize("inplace", [False, True])
def test_rules_closed_form(rule, inplace):
    net = tiny_net(nn.ReLU(inplace=inplace))
    grad = input_grad(net, torch.tensor([[1.0, 0.5]]), rule)
    torch.testing.assert_close(grad, torch.tensor([EXPECTED[rule]]))


def test_gradient_rule_equals_autograd():
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 2, 3), nn.ReLU6())
    x = torch.randn(2, 3, 9, 9, requires_grad=True)
    (plain,) = torch.autograd.grad(net(x).sum(), x)
    torch.testing.assert_close(input_grad(net, x.detach(), "gradient"), plain)


def test_relu6_forward_mask():
    # s = [7, 3, -1] → ReLU6's mask 1{0<s<6} = [0, 1, 0]; g = [1, 2, -3]
    net = tiny_net(nn.ReLU6())
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor([[7.0, 0.0], [0.0, 3.0], [-1.0, 0.0]]))
        net[0].bias.zero_()
    x = torch.tensor([[1.0, 1.0]])
    w1 = net[0].weight
    expected = {
        "gradient": w1.T @ torch.tensor([0.0, 2.0, 0.0]),
        "deconv": w1.T @ torch.tensor([1.0, 2.0, 0.0]),
        "guided": w1.T @ torch.tensor([0.0, 2.0, 0.0]),
    }
    for rule, want in expected.items():
        torch.testing.assert_close(input_grad(net, x, rule)[0], want.detach())
    out = net(x)  # the forward value is untouched by the rule: ReLU6 clamps at 6
    with backward_rule(net, "guided"):
        torch.testing.assert_close(net(x), out)


class Reused(nn.Module):
    """One ReLU module called twice, as EfficientNet-Lite0 calls its ReLU6."""

    def __init__(self):
        super().__init__()
        self.l1, self.l2, self.l3 = nn.Linear(4, 5), nn.Linear(5, 3), nn.Linear(3, 1)
        self.act = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.l3(self.act(self.l2(self.act(self.l1(x)))))


def manual_guided(m, x, deconv=False):
    s1 = m.l1(x)
    s2 = m.l2(s1.clamp(min=0))
    g = m.l3.weight[0].expand_as(s2)
    g = g.clamp(min=0) * (1.0 if deconv else (s2 > 0))
    g = g @ m.l2.weight
    g = g.clamp(min=0) * (1.0 if deconv else (s1 > 0))
    return (g @ m.l1.weight).detach()


def test_module_called_twice():
    m = Reused()
    x = torch.randn(6, 4)
    torch.testing.assert_close(input_grad(m, x, "guided"), manual_guided(m, x))
    torch.testing.assert_close(
        input_grad(m, x, "deconv"), manual_guided(m, x, deconv=True)
    )
    xg = x.clone().requires_grad_(True)
    (plain,) = torch.autograd.grad(m(xg).sum(), xg)
    torch.testing.assert_close(input_grad(m, x, "gradient"), plain)


def test_rules_leave_nothing_behind():
    m = Reused().train()
    before = hook_count(m)
    x = torch.randn(2, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="boom"), backward_rule(m, "guided") as n:
        assert n == 1 and hook_count(m) == before + 2
        raise RuntimeError("boom")
    assert hook_count(m) == before
    assert not hasattr(m.act, "_lecturelib_stack")
    assert m.training
    with backward_rule(m, "deconv"):
        m(x).sum().backward()
    assert hook_count(m) == before


def test_unknown_rule():
    with pytest.raises(ValueError, match="rule"), backward_rule(tiny_net(), "guidded"):
        pass


def test_record_activations_equals_manual_forward():
    net = tiny_net(nn.ReLU(inplace=True))
    x = torch.randn(5, 2)
    with record_activations(net, ["0", "1"]) as acts:
        out = net(x)
    s = net[0](x)
    torch.testing.assert_close(acts["0"], s)  # cloned before the in-place ReLU
    torch.testing.assert_close(acts["1"], s.clamp(min=0))
    torch.testing.assert_close(out, net[2](s.clamp(min=0)))
    assert hook_count(net) == 0


def test_record_activations_removes_hooks_on_error():
    net = tiny_net()
    with pytest.raises(ZeroDivisionError), record_activations(net, "1"):
        raise ZeroDivisionError
    assert hook_count(net) == 0


def test_record_without_detach_keeps_graph():
    net = tiny_net()
    x = torch.randn(1, 2, requires_grad=True)
    with record_activations(net, "0", detach=False) as acts:
        net(x)
    (g,) = torch.autograd.grad(acts["0"][0, 0], x)
    torch.testing.assert_close(g, net[0].weight[:1].detach())


def test_unknown_layer_lists_close_names():
    with pytest.raises(ValueError, match=r"'fc1'.*'fc2'|close names"):
        resolve_layer(
            __import__("lecturelib.core.models", fromlist=["LeNet"]).LeNet(), "fc3"
        )
    with (
        pytest.raises(ValueError, match="not in the model"),
        record_activations(tiny_net(), ["9"]),
    ):
        pass


def test_preserved_state_restores_everything():
    net = tiny_net().train()
    net[0].weight.requires_grad_(False)
    grad = torch.ones(1, 3)
    net[2].weight.grad = grad
    with pytest.raises(KeyError), preserved_state(net):
        assert not net.training
        assert not any(p.requires_grad for p in net.parameters())
        net[2].weight.grad = None
        raise KeyError
    assert net.training and net[0].training
    assert [p.requires_grad for p in net.parameters()] == [False, True, True]
    assert net[2].weight.grad is grad


def test_grad_input_is_a_channels_last_leaf_copy_on_the_cpu():
    images = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).view(2, 3, 4, 5)
    source = images.clone().requires_grad_(True)
    x = grad_input(source * 1.0)  # from a non-leaf: the copy is a new leaf
    assert x.is_leaf and x.requires_grad and x.grad_fn is None
    assert x.is_contiguous(memory_format=torch.channels_last)
    assert not images.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(x, images)
    with torch.no_grad():
        x.mul_(0)  # a copy: the caller's tensor is untouched
    assert images.sum() == 7140 and source.grad is None
