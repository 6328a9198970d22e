"""Notebook 05, slides 34-37: Incremental inference for occlusion maps (Nakandala et al., SIGMOD 2019).

An occluded square changes only the activations inside its *footprint*, which grows
layer by layer with each kernel, stride, padding and dilation. The clean image is run
once and every activation is kept; then, for a batch of mask positions, each layer
recomputes only the footprint, reading the unchanged surroundings from the clean
activations. Where the footprint covers the whole map, or at the head (global
pooling, flatten, fully connected), computation goes on in full. Exact: the same
numbers as full forward passes, up to float rounding.

The model is traced with ``torch.fx``; supported on the changed region: ``Conv2d``
(``nn.Conv2d`` or ``F.conv2d``, any stride, padding, dilation, groups), ``MaxPool2d``,
``AvgPool2d``, constant padding, element-wise modules and functions (ReLU, ReLU6, …,
``BatchNorm2d`` and ``Dropout`` in eval mode) and additions / products of two
activations (residual blocks). Anything else on a spatial activation raises
:class:`Unsupported`; :func:`lecturelib.sections.s05_occlusion.compute.occlusion_sensitivity` then falls back
to full forward passes.
"""

from __future__ import annotations

import functools
import operator

import torch
import torch.nn.functional as F
from torch import fx, nn
from torch.nn.utils.fusion import fuse_conv_bn_weights

from lecturelib.core.hooks import hook_count

from . import ops, patch
from .patch import Unsupported

__all__ = ["IncrementalOcclusion", "Unsupported"]


_INPLACE_FUNCS = {operator.iadd, operator.isub, operator.imul, operator.itruediv}


class _Recorder(fx.Interpreter):
    """Runs the traced model once and keeps every node's value.

    ``mutated`` nodes' values, which a later in-place operation overwrites, are cloned.
    """

    def __init__(self, gm, mutated):
        super().__init__(gm)
        self.values, self.mutated = {}, mutated

    def run_node(self, n):
        out = super().run_node(n)
        self.values[n] = out.clone() if n in self.mutated else out
        return out


class IncrementalOcclusion:
    """Occluded-image outputs of ``model`` by incremental inference.

    Args:
        model: the classifier, in eval mode with its parameters frozen (the caller,
            :func:`~lecturelib.sections.s05_occlusion.compute.occlusion_sensitivity`, sees to it).

    Raises:
        Unsupported: ``torch.fx`` cannot trace the model, the model carries hooks, an
            in-place operation would be unsafe, or a layer acting on a spatial
            activation has no incremental rule (the message names it).
    """

    def __init__(self, model: nn.Module):
        if hook_count(model):
            raise Unsupported("the model has hooks, which incremental inference skips")
        try:
            self.gm = fx.symbolic_trace(model)
        except Exception as err:  # noqa: BLE001 - any tracing failure
            raise Unsupported(f"torch.fx cannot trace it: {type(err).__name__}: {err}")
        _fold_batch_norms(self.gm)
        nodes = list(self.gm.graph.nodes)
        inputs = [n for n in nodes if n.op == "placeholder"]
        if len(inputs) != 1:
            raise Unsupported(f"forward takes {len(inputs)} inputs, not one image")
        self.input, self.nodes = inputs[0], nodes
        self.dynamic = _dynamic_nodes(nodes, self.input)
        self.rules, self.mutated = {}, set()
        self._check(nodes)
        self.macs_done = self.macs_full = 0
        self._macs = {}

    def _full_macs(self, n, clean) -> int:
        if n not in self._macs:
            self._macs[n] = ops.full_macs(n, self.gm, clean)
        return self._macs[n]

    def _check(self, nodes):
        """Give each node a rule; raise :class:`Unsupported` for an unknown layer."""
        full = set()  # nodes computed in full (batch of whole activations)
        for n in nodes:
            if n not in self.dynamic or n.op in ("placeholder", "output"):
                continue
            if _check_inplace(n, self.gm):
                self.mutated |= _aliases(n.args[0], self.gm)
            rule = ops.make_rule(n, self.gm, self.dynamic)
            if any(a in full for a in n.all_input_nodes):
                full.add(n)
            elif rule is not None:
                self.rules[n] = rule
            elif ops.is_head(n, self.gm):
                full.add(n)
            else:
                raise Unsupported(f"layer {ops.describe(n, self.gm)} is not supported")
            if rule is not None and n not in self.rules:
                self.rules[n] = rule  # used when its inputs happen to be patches

    def __call__(self, image, ys, xs, size, fill, batch_size, bar, on_batch=None):
        """(clean output (1, K), outputs (P, K)) for the squares at ``(ys, xs)``.

        ``on_batch(start, outputs, clean output)``: called after each batch with its
        first position, its outputs (B, K) and the clean output (1, K)."""
        rec = _Recorder(self.gm, self.mutated)
        base = rec.run(image)
        clean = rec.values
        outs = []
        for start in range(0, len(ys), batch_size):
            y, x = ys[start : start + batch_size], xs[start : start + batch_size]
            data = image.new_full((len(y), image.shape[1], size, size), fill)
            outs.append(self._run(clean, patch.Patch(data, y, x, y, x, size, size)))
            bar.update(len(y))
            if on_batch is not None:
                on_batch(start, outs[-1], base)
        return base, torch.cat(outs)

    def _run(self, clean, patch0):
        env = {self.input: patch0}
        batch = patch0.data.shape[0]

        def value(n, materialize=True):
            if n not in self.dynamic:
                return clean[n]
            v = env[n]
            if materialize and isinstance(v, patch.Patch):
                v = env[n] = patch.materialize(v, clean[n])
            return v

        for n in self.nodes:
            if n not in self.dynamic or n.op == "placeholder":
                continue
            if n.op == "output":
                return fx.node.map_arg(n.args[0], value)
            ins = [env[a] for a in n.all_input_nodes if a in self.dynamic]
            rule, res = self.rules.get(n), None
            if rule is not None and all(isinstance(v, patch.Patch) for v in ins):
                res = rule(n, lambda a: value(a, False), clean, batch)
            full = batch * self._full_macs(n, clean)
            if res is None:
                args = fx.node.map_arg(n.args, value)
                res = ops.call(n, self.gm, args, fx.node.map_arg(n.kwargs, value)), full
            out, macs = res
            if isinstance(out, patch.Patch) and out.covers(clean[n]):
                out = out.data
            self.macs_done += macs
            self.macs_full += full
            env[n] = out
        raise RuntimeError("the traced graph has no output")  # pragma: no cover


def _fetch(gm, target: str):
    """The tensor a ``get_attr`` node reads."""
    return functools.reduce(getattr, target.split("."), gm)


def _fold_batch_norms(gm: fx.GraphModule) -> None:
    """Fold each eval-mode ``BatchNorm2d`` into the convolution that feeds it only.

    Changes our trace, never the model: the folded weights are new buffers of ``gm``.
    Saves one pass over each convolution's output (ResNet, EfficientNet).
    """

    for k, bn_node in enumerate(list(gm.graph.nodes)):
        bn = gm.get_submodule(bn_node.target) if bn_node.op == "call_module" else None
        if type(bn) is not nn.BatchNorm2d or bn.training or bn.running_mean is None:
            continue
        conv = bn_node.args[0]
        a = ops.conv_params(conv, gm) if isinstance(conv, fx.Node) else None
        if (
            a is None
            or len(conv.users) != 1
            or len(bn_node.args) != 1
            or bn_node.kwargs
        ):
            continue
        weight, bias = (
            _fetch(gm, v.target) if isinstance(v, fx.Node) else v
            for v in (a["weight"], a["bias"])
        )
        w, b = fuse_conv_bn_weights(
            weight, bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
        )
        gm.register_buffer(f"_folded_{k}_weight", w.detach())
        gm.register_buffer(f"_folded_{k}_bias", b.detach())
        with gm.graph.inserting_before(conv):
            w_node = gm.graph.get_attr(f"_folded_{k}_weight")
            b_node = gm.graph.get_attr(f"_folded_{k}_bias")
            new = gm.graph.call_function(
                F.conv2d,
                (
                    a["input"],
                    w_node,
                    b_node,
                    a["stride"],
                    a["padding"],
                    a["dilation"],
                    a["groups"],
                ),
            )
        bn_node.replace_all_uses_with(new)
        gm.graph.erase_node(bn_node)
        gm.graph.erase_node(conv)
        for v in (a["weight"], a["bias"]):
            if isinstance(v, fx.Node) and not v.users:
                gm.graph.erase_node(v)
    gm.recompile()


def _dynamic_nodes(nodes, source) -> set:
    """Nodes whose value depends on the input image."""
    dynamic = {source}
    for n in nodes:
        if any(a in dynamic for a in n.all_input_nodes):
            dynamic.add(n)
    return dynamic


_VIEWS = {
    "view",
    "reshape",
    "flatten",
    "squeeze",
    "unsqueeze",
    "permute",
    "transpose",
    "contiguous",
    "expand",
    "view_as",
    "reshape_as",
}


def _aliases(n, gm) -> set:
    """``n`` and the nodes whose value ``n``'s value may share memory with (views)."""
    out = {n}
    view = (
        (n.op == "call_method" and n.target in _VIEWS)
        or (
            n.op == "call_function"
            and n.target in (torch.flatten, torch.reshape, operator.getitem)
        )
        or (
            n.op == "call_module"
            and isinstance(
                gm.get_submodule(n.target), (nn.Flatten, nn.Identity, nn.Dropout)
            )
        )
    )
    if (view or _inplace(n, gm)) and n.args and isinstance(n.args[0], fx.Node):
        out |= _aliases(n.args[0], gm)
    return out


def _inplace(n, gm) -> bool:
    if n.op == "call_module":
        return bool(getattr(gm.get_submodule(n.target), "inplace", False))
    if n.op == "call_function":
        return n.target in _INPLACE_FUNCS or bool(n.kwargs.get("inplace", False))
    return (
        n.op == "call_method"
        and n.target.endswith("_")
        and not n.target.startswith("_")
    )


def _check_inplace(n, gm) -> bool:
    """Whether ``n`` works in place; it may only overwrite a value nothing else reads."""
    if not (_inplace(n, gm) and n.args and isinstance(n.args[0], fx.Node)):
        return False
    if len(n.args[0].users) > 1:
        raise Unsupported(
            f"in-place {ops.describe(n, gm)} overwrites a value used elsewhere"
        )
    return True
