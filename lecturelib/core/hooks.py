"""Hook machinery shared by notebooks 03, 07 and 08.

* :func:`record_activations` — record chosen layers' outputs during a forward pass.
* :func:`layer_output` — one layer's output, the forward pass stopped after it.
* :func:`backward_rule` — change what flows back through every ReLU-like unit, with the
  lecture's three rules (plain gradient, deconvolution of Zeiler & Fergus, 2014, and
  guided back-propagation of Springenberg et al., 2015).
* :func:`preserved_state` — restore ``training``, ``requires_grad`` and ``.grad``.
* :func:`grad_input` — the input copy that input gradients are taken with respect to.

Everything registered here is removed on exit, also when an exception escapes.
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterator, Sequence

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from lecturelib.core.validate import check_choice, check_images, check_int, close_names

__all__ = [
    "RULES",
    "backward_rule",
    "compute_activations",
    "grad_input",
    "hook_count",
    "input_channels",
    "layer_names",
    "layer_output",
    "preserved_state",
    "record_activations",
    "recorded_batches",
    "relu_bounds",
    "resolve_layer",
]

RULES = ("gradient", "deconv", "guided")


def layer_names(model: nn.Module) -> list[str]:
    """Names of all sub-modules, as in ``model.named_modules()`` (the root excluded)."""
    return [name for name, _ in model.named_modules() if name]


def resolve_layer(model: nn.Module, layer: str | nn.Module) -> tuple[str, nn.Module]:
    """``(name, module)`` for a layer given by name (or by the module itself).

    Raises:
        ValueError: the name is not in the model; the message lists close names.
    """
    modules = dict(model.named_modules())
    if isinstance(layer, nn.Module):
        for name, module in modules.items():
            if module is layer:
                return name, module
        raise ValueError("layer is a module that is not part of model")
    if not isinstance(layer, str):
        raise TypeError(
            f"layer must be a layer name (str) or a module; got {type(layer).__name__}"
        )
    if layer not in modules or layer == "":
        names = layer_names(model)
        raise ValueError(
            f"layer {layer!r} is not in the model; close names: {close_names(layer, names)} "
            f"({len(names)} layers in all, see lecturelib.core.hooks.layer_names(model))"
        )
    return layer, modules[layer]


@contextlib.contextmanager
def record_activations(
    model: nn.Module, layers: str | Sequence[str], *, detach: bool = True
) -> Iterator[dict[str, torch.Tensor]]:
    """Record the outputs of ``layers`` into the dict this context manager yields.

    The outputs are cloned (a later in-place ReLU cannot change them); with
    ``detach=False`` they stay in the autograd graph (used by notebook 08). A module
    called several times keeps its last output.

    Example::

        with record_activations(model, ["conv1", "fc1"]) as acts:
            model(x)
        acts["conv1"].shape
    """
    if isinstance(layers, str):
        layers = [layers]
    resolved = [resolve_layer(model, layer) for layer in layers]
    records: dict[str, torch.Tensor] = {}
    handles = []

    def make_hook(name):
        def hook(module, inputs, output):
            out = output.detach() if detach else output
            records[name] = out.clone()

        return hook

    try:
        for name, module in resolved:
            handles.append(module.register_forward_hook(make_hook(name)))
        yield records
    finally:
        for handle in handles:
            handle.remove()


class _LayerReached(Exception):
    """Raised by :func:`layer_output`'s hook: the rest of the forward pass is not needed."""


#: model → {layer name: calls of that layer in one forward pass}, learnt on first use.
_LAYER_CALLS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def layer_output(model: nn.Module, x: Tensor, layer: str | nn.Module) -> Tensor:
    """The output of ``layer`` for ``x`` (its last call, as :func:`record_activations`),
    still in the autograd graph; the forward pass stops once it is made.

    The layers after it are not run (notebook 07: an inner layer of EfficientNet-Lite0
    in about a third of a whole forward pass). How many times the layer is called in
    one forward pass (a module may be used twice) is learnt by the first call for a
    model, which runs the whole pass. Hooks are removed on exit; the model's mode and
    gradients are the caller's (:func:`preserved_state`).
    """
    name, module = resolve_layer(model, layer)
    calls = _LAYER_CALLS.setdefault(model, {}).get(name)
    seen, out = [0], [None]

    def hook(_module, _inputs, output):
        seen[0] += 1
        out[0] = output.clone()  # as record_activations: safe from in-place layers
        if seen[0] == calls:
            raise _LayerReached

    handle = module.register_forward_hook(hook)
    try:
        model(x)
    except _LayerReached:
        pass
    finally:
        handle.remove()
    if out[0] is None:
        raise ValueError(f"layer {name!r} is not called by the model's forward pass")
    _LAYER_CALLS[model][name] = seen[0]
    return out[0]


class _RuleFunction(torch.autograd.Function):
    """y = clamp(s, low, high) with the backward of one of the lecture's rules."""

    @staticmethod
    def forward(ctx, s, low, high, rule):
        mask = s > low
        if high is not None:
            mask = mask & (s < high)
        ctx.save_for_backward(mask)
        ctx.rule = rule
        return s.clamp(min=low, max=high)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        if ctx.rule == "gradient":
            out = grad * mask
        elif ctx.rule == "deconv":
            out = grad.clamp(min=0)
        else:  # guided
            out = grad.clamp(min=0) * mask
        return out, None, None, None


def relu_bounds(module: nn.Module) -> tuple[float, float | None] | None:
    """(low, high) of a ReLU-like module (``nn.ReLU``, ``nn.ReLU6``, ``Hardtanh(0, ·)``),
    or None if it is not one: the package's one test of "is this unit ReLU-like"."""
    if isinstance(module, nn.ReLU):
        return 0.0, None
    if isinstance(module, nn.Hardtanh) and module.min_val == 0.0:  # ReLU6 and kin
        return 0.0, float(module.max_val)
    return None


@contextlib.contextmanager
def backward_rule(model: nn.Module, rule: str = "guided") -> Iterator[int]:
    """Change the backward pass of every ReLU-like module of ``model``.

    With the unit's input ``s`` and the gradient ``g`` = ∂l/∂x arriving at its output:

    * ``"gradient"``: 1{s>0}·g (plain back-propagation);
    * ``"deconv"``: 1{g>0}·g (Zeiler & Fergus, 2014);
    * ``"guided"``: 1{s>0}·1{g>0}·g (Springenberg et al., 2015).

    For ``nn.ReLU6`` the forward mask is 1{0<s<6}. Works with ``inplace=True`` and
    with a module called several times in one forward: each call's input is taken by a
    forward pre-hook before the unit runs, and the unit's output is replaced by the
    output of an ``autograd.Function`` applied to that input (copied first when the
    unit is in place). Yields the number of
    modules changed. Every hook is removed on exit.
    """
    check_choice("rule", rule, RULES)
    handles = []
    count = 0

    def pre_hook(module, inputs):
        s = inputs[0]  # an in-place unit overwrites its input: keep a copy of it then
        module._lecturelib_stack.append(
            s.clone() if getattr(module, "inplace", False) else s
        )

    def make_hook(low, high):
        def hook(module, inputs, output):
            s = module._lecturelib_stack.pop()
            return _RuleFunction.apply(s, low, high, rule)

        return hook

    patched = []
    try:
        for module in model.modules():
            bounds = relu_bounds(module)
            if bounds is None:
                continue
            module._lecturelib_stack = []
            patched.append(module)
            handles.append(module.register_forward_pre_hook(pre_hook))
            handles.append(module.register_forward_hook(make_hook(*bounds)))
            count += 1
        yield count
    finally:
        for handle in handles:
            handle.remove()
        for module in patched:
            del module._lecturelib_stack


def hook_count(model: nn.Module) -> int:
    """Number of hooks registered on all modules of ``model`` (forward, pre, backward)."""
    total = 0
    for module in model.modules():
        for attr in (
            "_forward_hooks",
            "_forward_pre_hooks",
            "_backward_hooks",
            "_backward_pre_hooks",
        ):
            total += len(getattr(module, attr, {}) or {})
    return total


@contextlib.contextmanager
def preserved_state(
    model: nn.Module, *, eval_mode: bool = True, freeze: bool = True
) -> Iterator[nn.Module]:
    """Run a block with the model in eval mode and its parameters frozen, then restore.

    Restores every module's ``training`` flag, each parameter's ``requires_grad`` and
    ``.grad`` (the same tensor object), also on error. Freezing the parameters is what
    makes input gradients cheap on a CPU: autograd then skips the weight gradients.
    """
    modes = [(m, m.training) for m in model.modules()]
    params = [(p, p.requires_grad, p.grad) for p in model.parameters()]
    try:
        if eval_mode:
            model.eval()
        if freeze:
            for p, _, _ in params:
                p.requires_grad_(False)
        yield model
    finally:
        for m, training in modes:
            m.training = training
        for p, requires_grad, grad in params:
            p.requires_grad_(requires_grad)
            p.grad = grad


def grad_input(images: Tensor) -> Tensor:
    """Detached copy of ``images`` that requires grad: the leaf of an input gradient.

    Channels-last on a CPU (oneDNN's fast convolution layout, 1.3–1.6× for the
    backward pass of notebooks 06 and 07), contiguous elsewhere; the gradient with
    respect to it is the same up to float rounding (``.contiguous()`` it to return it).
    """
    fmt = (
        torch.channels_last if images.device.type == "cpu" else torch.contiguous_format
    )
    return images.detach().clone(memory_format=fmt).requires_grad_(True)


def input_channels(model: nn.Module) -> int | None:
    """In-channels of the model's first ``nn.Conv2d`` (None without one)."""
    conv = next((m for m in model.modules() if isinstance(m, nn.Conv2d)), None)
    return None if conv is None else conv.in_channels


@torch.no_grad()
def compute_activations(
    model: nn.Module,
    images: Tensor,
    layers: str | Sequence[str],
    *,
    batch_size: int = 256,
    progress: bool = False,
) -> dict[str, Tensor]:
    """Outputs of ``layers`` for ``images``, computed in batches on ``images.device``.

    The package's one activation recorder for a dataset (notebooks 03, 04 and 07):
    :func:`lecturelib.sections.s04_embeddings.compute.layer_features` is this, flattened on the CPU.

    Args:
        images: (N, C, H, W), C = the first convolution's in-channels.
        layers: a layer name or names (``lecturelib.core.hooks.layer_names(model)``).
    Returns:
        dict layer name → (N, ...) output of that layer (a module called several times
        keeps its last call). Eval mode during the call; hooks, mode and gradients are
        restored.
    """
    names = [layers] if isinstance(layers, str) else list(layers)
    parts: dict[str, list[Tensor]] = {name: [] for name in names}
    batches = recorded_batches(
        model, images, names, batch_size=batch_size, progress=progress
    )
    for _, acts in batches:
        for name in names:
            parts[name].append(acts[name])
    return {name: torch.cat(chunks) for name, chunks in parts.items()}


def recorded_batches(
    model: nn.Module,
    images: Tensor,
    layers: Sequence[str],
    *,
    batch_size: int,
    progress: bool = False,
) -> Iterator[tuple[Tensor, dict[str, Tensor]]]:
    """Run ``images`` through ``model`` in batches; yield ``(batch, {layer: output})``.

    The shared loop of :func:`compute_activations` and
    :func:`lecturelib.sections.s04_embeddings.compute.layer_features`: inputs and layer
    names are checked first; the batches stay on ``images.device`` (the caller puts
    the model there); the model is in eval mode and its hooks, mode and gradients are
    restored when the loop ends.
    """
    check_images(images, channels=input_channels(model))
    batch_size = check_int("batch_size", batch_size, low=1)
    for name in layers:
        resolve_layer(model, name)
    with preserved_state(model), record_activations(model, list(layers)) as acts:
        starts = range(0, len(images), batch_size)
        bar = tqdm(starts, desc="activations", disable=not progress or len(starts) < 2)
        for start in bar:
            x = images[start : start + batch_size]
            model(x)
            yield x, {name: acts[name] for name in layers}
