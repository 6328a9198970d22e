"""Notebook 06, slides 38-45: a faster copy of a model for SmoothGrad's widget, BatchNorm folded.

In eval mode a ``BatchNorm2d`` is an affine map per channel, y = s·(x − μ) + β with
s = γ / √(σ² + ε). When it reads a convolution's output and nothing else does, it folds
into that convolution: W' = s·W and b' = s·(b − μ) + β. The folded copy computes the
same function up to float rounding and skips the BatchNorm's passes over every
activation, forward and backward. On a CPU these passes are bound by memory, not
arithmetic: 24 SmoothGrad copies on EfficientNet-Lite0 take 0.61 s instead of 0.98 s
on 2 cores (``benchmarks/bench_fold.py``).

Not for 08's maximization: its Adam ascent on the input is chaotic, and a rounding
difference at the first step ends, 20 steps later, in another image (same benchmark).

* :func:`fold_batchnorm` — the copy (the model itself when nothing folds).
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable

import torch
import torch.fx
from torch import Tensor, nn
from torch.nn.utils.fusion import fuse_conv_bn_weights

from lecturelib.core.hooks import preserved_state

__all__ = ["fold_batchnorm"]


class _ConvBatchNormTracer(torch.fx.Tracer):
    """Traces down to convolutions and BatchNorms (custom conv subclasses included)."""

    def is_leaf_module(self, m: nn.Module, qualified_name: str) -> bool:
        if isinstance(m, nn.Conv2d | nn.BatchNorm2d):
            return True
        return super().is_leaf_module(m, qualified_name)


def _foldable_pairs(model: nn.Module, keep: set[str]) -> list[tuple[str, str]]:
    """(conv name, BatchNorm name) pairs where the BatchNorm alone reads the conv's output.

    Each module is called once in the traced graph, the conv is not in ``keep`` (its
    output would change) and the BatchNorm has running statistics. A model that does
    not trace (data-dependent control flow) has no pairs.
    """
    try:
        with preserved_state(model):  # traced as evaluated: eval-mode branches
            graph = _ConvBatchNormTracer().trace(model)
    except Exception:  # noqa: BLE001 — any tracing failure: fold nothing
        return []
    modules = dict(model.named_modules())
    calls = Counter(n.target for n in graph.nodes if n.op == "call_module")
    pairs = []
    for node in graph.nodes:
        bn = modules.get(node.target) if node.op == "call_module" else None
        if not isinstance(bn, nn.BatchNorm2d) or bn.running_mean is None:
            continue
        source = node.args[0] if len(node.args) == 1 and not node.kwargs else None
        if not isinstance(source, torch.fx.Node) or source.op != "call_module":
            continue
        conv = modules.get(source.target)
        if (
            isinstance(conv, nn.Conv2d)
            and conv.out_channels == bn.num_features
            and len(source.users) == 1
            and calls[source.target] == calls[node.target] == 1
            and source.target not in keep
        ):
            pairs.append((source.target, node.target))
    return pairs


def _fold_pair(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> None:
    """W' = s·W, b' = s·(b − μ) + β, s = γ / √(σ² + ε), in place on ``conv``."""
    requires_grad = conv.weight.requires_grad
    conv.weight, conv.bias = fuse_conv_bn_weights(
        conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps,
        bn.weight, bn.bias,
    )  # fmt: skip
    for p in (conv.weight, conv.bias):
        p.requires_grad_(requires_grad)


def _same_function(model: nn.Module, folded: nn.Module, example: Tensor) -> bool:
    """Whether both give the same output on ``example`` up to float rounding."""
    with torch.no_grad(), preserved_state(model), preserved_state(folded):
        want, got = model(example), folded(example)
    if not isinstance(want, Tensor) or not isinstance(got, Tensor):
        return False
    scale = want.abs().max().clamp_min(1e-6)
    return bool(torch.allclose(got, want, rtol=0, atol=1e-3 * float(scale)))


def fold_batchnorm(
    model: nn.Module, *, keep: Iterable[str] = (), example: Tensor | None = None
) -> nn.Module:
    """A copy of ``model`` with each foldable ``BatchNorm2d`` folded into its conv.

    For evaluation only (the copy is in eval mode: the running statistics are baked
    in). Folded BatchNorms become ``nn.Identity`` under the same name, so a hook by
    name still finds every module. ``model`` is not changed.

    Args:
        keep: names of the convolutions whose own output must stay as it is (layers a
            widget records): their BatchNorm is kept.
        example: an input: the copy is used only if it gives the model's output on it
            (up to 1e-3 of the output's largest value), else ``model`` is returned.
    Returns:
        the folded copy, or ``model`` itself when nothing folds (no BatchNorm, a model
        that does not trace, or a copy that fails the ``example`` check).
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    pairs = _foldable_pairs(model, set(keep))
    if not pairs:
        return model
    folded = copy.deepcopy(model).eval()
    for conv_name, bn_name in pairs:
        _fold_pair(folded.get_submodule(conv_name), folded.get_submodule(bn_name))
        parent, _, attr = bn_name.rpartition(".")
        setattr(folded.get_submodule(parent), attr, nn.Identity())
    if example is not None and not _same_function(model, folded, example):
        return model
    return folded
