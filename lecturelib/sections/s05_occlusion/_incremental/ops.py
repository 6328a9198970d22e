"""Notebook 05, slides 34-37: Per-layer rules of the incremental occlusion engine (:mod:`.engine`).

Each rule maps the :class:`~.patch.Patch` of a layer's inputs to the patch
of its output, computing only the changed region (convolutions, pooling, padding,
element-wise layers, sums and products of two activations).
"""

from __future__ import annotations

import math
import operator

import torch
import torch.nn.functional as F
from torch import Tensor, fx, nn

from .patch import Patch, union, windowed


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[-1]))


def _bind(n, names, defaults):
    out = dict(defaults)
    out.update(zip(names, n.args))
    out.update(n.kwargs)
    return out


_CONV = (
    ("input", "weight", "bias", "stride", "padding", "dilation", "groups"),
    {"bias": None, "stride": 1, "padding": 0, "dilation": 1, "groups": 1},
)
_MAXPOOL = (
    (
        "input",
        "kernel_size",
        "stride",
        "padding",
        "dilation",
        "ceil_mode",
        "return_indices",
    ),
    {
        "stride": None,
        "padding": 0,
        "dilation": 1,
        "ceil_mode": False,
        "return_indices": False,
    },
)
_AVGPOOL = (
    (
        "input",
        "kernel_size",
        "stride",
        "padding",
        "ceil_mode",
        "count_include_pad",
        "divisor_override",
    ),
    {
        "stride": None,
        "padding": 0,
        "ceil_mode": False,
        "count_include_pad": True,
        "divisor_override": None,
    },
)
_PAD = (("input", "pad", "mode", "value"), {"mode": "constant", "value": None})


def conv_params(n, gm):
    """Bound arguments of a convolution node (module or function), or None."""
    if n.op == "call_module":
        m = gm.get_submodule(n.target)
        if type(m) is not nn.Conv2d or m.padding_mode != "zeros":
            return None
        return {
            "input": n.args[0],
            "weight": m.weight,
            "bias": m.bias,
            "stride": m.stride,
            "padding": m.padding,
            "dilation": m.dilation,
            "groups": m.groups,
        }
    if n.op == "call_function" and n.target in (F.conv2d, torch.conv2d):
        return _bind(n, *_CONV)
    return None


def _const(v, clean):
    return clean[v] if hasattr(v, "op") else v


def _conv_rule(a):
    def rule(n, get, clean, batch):
        w, bias = _const(a["weight"], clean), _const(a["bias"], clean)
        k, s, d = tuple(w.shape[-2:]), _pair(a["stride"]), _pair(a["dilation"])
        p = a["padding"]
        if p == "valid":
            p = (0, 0)
        elif p == "same":
            p = tuple(di * (ki - 1) // 2 for ki, di in zip(k, d))
        out = windowed(
            get(a["input"]),
            clean[a["input"]],
            clean[n],
            k,
            s,
            d,
            _pair(p),
            0.0,
            lambda x: F.conv2d(x, w, bias, s, 0, d, a["groups"]),
        )
        return out, out.data.numel() * w[0].numel()

    return rule


def _pool_rule(a, kind):
    k = _pair(a["kernel_size"])
    s = _pair(a["stride"] if a["stride"] not in (None, []) else a["kernel_size"])
    p = _pair(a["padding"])
    if kind == "max":
        d = _pair(a["dilation"])
        op = lambda x: F.max_pool2d(x, k, s, 0, d)
        pad = -math.inf
    else:
        d, pad = (1, 1), 0.0
        op = lambda x: F.avg_pool2d(x, k, s, 0, False, True, a["divisor_override"])

    def rule(n, get, clean, batch):
        out = windowed(
            get(a["input"]), clean[a["input"]], clean[n], k, s, d, p, pad, op
        )
        return out, 0

    return rule


def _pool_params(n, gm):
    """(bound arguments, "max" | "avg") of a supported pooling node, or None."""
    if n.op == "call_module":
        m = gm.get_submodule(n.target)
        if type(m) is nn.MaxPool2d and not m.return_indices:
            return {
                "input": n.args[0],
                "kernel_size": m.kernel_size,
                "stride": m.stride,
                "padding": m.padding,
                "dilation": m.dilation,
            }, "max"
        if (
            type(m) is nn.AvgPool2d
            and not m.ceil_mode
            and (m.count_include_pad or not any(_pair(m.padding)))
        ):
            return {
                "input": n.args[0],
                "kernel_size": m.kernel_size,
                "stride": m.stride,
                "padding": m.padding,
                "divisor_override": m.divisor_override,
            }, "avg"
        return None
    if n.op != "call_function":
        return None
    if n.target in (F.max_pool2d, torch.max_pool2d):
        a = _bind(n, *_MAXPOOL)
        return (a, "max") if not a["return_indices"] else None
    if n.target in (F.avg_pool2d, torch._C._nn.avg_pool2d):
        a = _bind(n, *_AVGPOOL)
        ok = not a["ceil_mode"] and (
            a["count_include_pad"] or not any(_pair(a["padding"]))
        )
        return (a, "avg") if ok else None
    return None


def _pad_amounts(n, gm):
    """(left, top) of a constant padding node, or None."""
    if n.op == "call_module":
        m = gm.get_submodule(n.target)
        pad = m.padding if type(m) in (nn.ZeroPad2d, nn.ConstantPad2d) else None
    elif n.op == "call_function" and n.target is F.pad:
        a = _bind(n, *_PAD)
        pad = a["pad"] if a["mode"] == "constant" else None
    else:
        return None
    if pad is None or len(pad) not in (2, 4) or min(pad) < 0:
        return None
    return pad[0], (pad[2] if len(pad) == 4 else 0)


def _pad_rule(left, top):
    def rule(n, get, clean, batch):
        x = get(n.args[0])  # constant padding only moves the patch
        return Patch(
            x.data, x.r + top, x.c + left, x.nr + top, x.nc + left, x.nh, x.nw
        ), 0

    return rule


def call(n, gm, args, kwargs):
    """Run node ``n``'s own operation on the given arguments."""
    if n.op == "call_module":
        return gm.get_submodule(n.target)(*args, **kwargs)
    if n.op == "call_function":
        return n.target(*args, **kwargs)
    return getattr(args[0], n.target)(*args[1:], **kwargs)


def _call_with(n, gm, subst, clean):
    def value(a):
        return subst[a] if a in subst else clean[a]

    return call(n, gm, fx.node.map_arg(n.args, value), fx.node.map_arg(n.kwargs, value))


def _pointwise_rule(gm, src):
    def rule(n, get, clean, batch):
        x = get(src)
        if clean[n].shape != clean[src].shape:
            return None
        out = _call_with(n, gm, {src: x.data}, clean)
        return Patch(out, x.r, x.c, x.nr, x.nc, x.nh, x.nw), 0

    return rule


def _local_const(v) -> bool:
    """A constant operand that does not vary across the map (a number, a per-channel tensor)."""
    return not isinstance(v, Tensor) or v.dim() < 2 or tuple(v.shape[-2:]) == (1, 1)


def _binary_rule(gm, dyn):
    def rule(n, get, clean, batch):
        if len(dyn) == 2:
            a, b = dyn
            if not clean[a].shape == clean[b].shape == clean[n].shape:
                return None
            fn = lambda wa, wb: _call_with(n, gm, {a: wa, b: wb}, clean)
            return union(get(a), get(b), clean[a], clean[b], fn), 0
        others = [
            _const(v, clean) for v in (*n.args, *n.kwargs.values()) if v is not dyn[0]
        ]
        if not all(map(_local_const, others)):
            return None
        return _pointwise_rule(gm, dyn[0])(n, get, clean, batch)

    return rule


def _size_rule(src):
    def rule(n, get, clean, batch):
        shape = torch.Size((batch, *clean[src].shape[1:]))
        if n.op == "call_function":  # getattr(x, "shape")
            return shape, 0
        dim = n.args[1] if len(n.args) > 1 else n.kwargs.get("dim")
        return (shape if dim is None else shape[dim]), 0

    return rule


_POINTWISE_MODULES = (
    nn.ReLU,
    nn.ReLU6,
    nn.Hardtanh,
    nn.LeakyReLU,
    nn.ELU,
    nn.SiLU,
    nn.GELU,
    nn.Sigmoid,
    nn.Tanh,
    nn.Hardswish,
    nn.Hardsigmoid,
    nn.Mish,
    nn.Softplus,
    nn.Identity,
)
_POINTWISE_FUNCS = {
    torch.relu,
    torch.relu_,
    F.relu,
    F.relu6,
    F.hardtanh,
    F.leaky_relu,
    F.elu,
    torch.sigmoid,
    torch.tanh,
    F.silu,
    F.gelu,
    F.hardswish,
    torch.clamp,
    F.dropout,
}
_POINTWISE_METHODS = {
    "relu",
    "relu_",
    "sigmoid",
    "sigmoid_",
    "tanh",
    "clamp",
    "clamp_",
    "contiguous",
    "clone",
}
_BINARY_FUNCS = {
    operator.add,
    operator.iadd,
    operator.sub,
    operator.isub,
    operator.mul,
    operator.imul,
    operator.truediv,
    torch.add,
    torch.sub,
    torch.mul,
}
_BINARY_METHODS = {"add", "add_", "sub", "sub_", "mul", "mul_"}
_HEAD_MODULES = (
    nn.AdaptiveAvgPool2d,
    nn.AdaptiveMaxPool2d,
    nn.Flatten,
    nn.Linear,
    nn.Softmax,
    nn.LogSoftmax,
    nn.Dropout,
)
_HEAD_FUNCS = {
    torch.flatten,
    F.adaptive_avg_pool2d,
    F.adaptive_max_pool2d,
    torch.mean,
    F.linear,
    torch.softmax,
    F.softmax,
    F.log_softmax,
    torch.squeeze,
    torch.sum,
    torch.amax,
    getattr,
}
_HEAD_METHODS = {
    "view",
    "reshape",
    "flatten",
    "mean",
    "sum",
    "amax",
    "squeeze",
    "softmax",
    "log_softmax",
    "size",
    "dim",
}


def _is_pointwise(n, gm) -> bool:
    if n.op == "call_module":
        m = gm.get_submodule(n.target)
        if isinstance(m, (nn.Dropout, nn.Dropout2d)):
            return not m.training
        if type(m) is nn.BatchNorm2d:
            return not m.training and m.running_mean is not None
        return type(m) in _POINTWISE_MODULES
    if n.op == "call_function":
        if n.target is F.dropout:
            return (
                _bind(n, ("input", "p", "training"), {"training": True})["training"]
                is False
            )
        return n.target in _POINTWISE_FUNCS
    return n.op == "call_method" and n.target in _POINTWISE_METHODS


def _is_size(n) -> bool:
    if n.op == "call_method":
        return n.target == "size"
    return n.op == "call_function" and n.target is getattr and n.args[1:] == ("shape",)


def make_rule(n, gm, dynamic):
    """The incremental rule of node ``n``, or None if it has none."""
    dyn = [a for a in n.all_input_nodes if a in dynamic]
    first = n.args[0] if n.args else None
    if (a := conv_params(n, gm)) is not None:
        return _conv_rule(a) if dyn == [a["input"]] else None
    if (pool := _pool_params(n, gm)) is not None:
        return _pool_rule(*pool) if dyn == [pool[0]["input"]] else None
    if (pad := _pad_amounts(n, gm)) is not None:
        return _pad_rule(*pad) if dyn == [first] else None
    if _is_size(n):
        return _size_rule(first) if dyn == [first] else None
    if _is_pointwise(n, gm):
        return _pointwise_rule(gm, first) if dyn == [first] else None
    binary = (n.op == "call_function" and n.target in _BINARY_FUNCS) or (
        n.op == "call_method" and n.target in _BINARY_METHODS
    )
    return _binary_rule(gm, dyn) if binary and 1 <= len(dyn) <= 2 else None


def is_head(n, gm) -> bool:
    """Whether ``n`` is a head layer, computed on whole activations without complaint."""
    if n.op == "call_module":
        return isinstance(gm.get_submodule(n.target), _HEAD_MODULES)
    if n.op == "call_function":
        return n.target in _HEAD_FUNCS
    return n.op == "call_method" and n.target in _HEAD_METHODS


def describe(n, gm) -> str:
    if n.op == "call_module":
        return f"{n.target!r} ({type(gm.get_submodule(n.target)).__name__})"
    if n.op == "call_method":
        return f".{n.target}()"
    return getattr(n.target, "__name__", str(n.target))


def full_macs(n, gm, clean) -> int:
    """Multiply-adds of node ``n`` for one whole image (convolutions and linear layers)."""
    if (a := conv_params(n, gm)) is not None:
        return clean[n].numel() * _const(a["weight"], clean)[0].numel()
    if n.op == "call_module" and isinstance(gm.get_submodule(n.target), nn.Linear):
        return clean[n].numel() * gm.get_submodule(n.target).in_features
    return 0
