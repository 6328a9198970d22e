"""Notebook 06, slides 38-45: Saliency maps and SmoothGrad.

* :func:`saliency` — the gradient of a class score with respect to the input
  (Simonyan et al., 2014): which pixels, changed a little, change the score most.
* :func:`smoothgrad` — the average of that gradient over noisy copies of the input
  (Smilkov et al., 2017), which removes much of its high-frequency noise.

Both take the gradient with ``torch.autograd.grad`` with respect to the input alone,
with the model in eval mode and its parameters frozen for the call
(:func:`lecturelib.core.hooks.preserved_state`, which restores both afterwards):
autograd then skips every weight gradient and the forward pass saves less, and the
parameters' ``.grad`` stay untouched. On a CPU the input is also laid out channels-last
(oneDNN's fast convolution layout, 1.3–1.6× here); results are the same up to float
rounding. The noisy copies go through the model in batches, which pays on a GPU.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from lecturelib.core.hooks import grad_input, preserved_state
from lecturelib.core.validate import (
    check_float,
    check_images,
    check_int,
    resolve_target,
)

__all__ = [
    "compute_heatmap",
    "compute_smoothness",
    "saliency",
    "smoothgrad",
]


def _scores(model: nn.Module, x: Tensor, target) -> Tensor:
    """Sum over the batch of each row's target logit (one backward gives every row's)."""
    out = model(x)
    return out.gather(1, resolve_target(out, target).view(-1, 1)).sum()


def saliency(model: nn.Module, images: Tensor, target=None) -> Tensor:
    """Gradient of the target's logit with respect to the input (Simonyan et al., 2014).

    Args:
        model: a classifier returning (N, classes) logits.
        images: (N, C, H, W) on the model's device.
        target: class index, (N,) indices, or None for each image's predicted class.
    Returns:
        (N, C, H, W) gradient, signed, detached. Display reductions (absolute value,
        sum over channels) are :func:`compute_heatmap`'s. Parameters' ``.grad``,
        ``requires_grad`` and the model's ``training`` flag are left as they were.
    """
    check_images(images)
    with preserved_state(model):
        x = grad_input(images)
        (grad,) = torch.autograd.grad(_scores(model, x, target), x)
    return grad.contiguous()


def _noise(shape, generator: torch.Generator | None, device) -> Tensor:
    """Standard normal noise of ``shape`` on ``device``, drawn from ``generator``."""
    gen_device = generator.device if generator is not None else device
    eps = torch.randn(shape, generator=generator, device=gen_device)
    return eps.to(device)


def smoothgrad(
    model: nn.Module,
    images: Tensor,
    target=None,
    *,
    n: int = 50,
    sigma: float = 0.25,
    batch_size: int = 32,
    generator: torch.Generator | None = None,
    progress: bool = True,
    on_partial: Callable[[int, Tensor, tuple[int, Tensor]], None] | None = None,
    resume: tuple[int, Tensor] | None = None,
) -> Tensor:
    """Average gradient over ``n`` noisy copies of each image (Smilkov et al., 2017).

    ``smoothgrad(x) = 1/n Σ_k ∇_x f_target(x + ε_k)``, ``ε_k ~ N(0, σ² I)`` with
    ``σ = sigma × (max x − min x)`` per image (the lecture's σ = Δ/4 is ``sigma=0.25``).

    Args:
        images: (N, C, H, W) on the model's device.
        target: class index, (N,) indices, or None for each image's predicted class.
        n: number of noisy copies per image, ≥ 1.
        sigma: noise level as a fraction of each image's range, ≥ 0 (0 gives the
            plain gradient).
        batch_size: noisy copies per forward/backward pass (all images mixed).
        generator: ``torch.Generator`` for the noise (any device); the result does
            not depend on ``batch_size``.
        progress: show a tqdm bar when there is more than one batch.
        on_partial: called after each batch but the last with ``(copies, mean,
            state)``: the fewest noisy copies any image has had so far, the running
            mean (N, C, H, W) over each image's copies (a widget draws it as it
            goes), and the ``resume`` state of that point.
        resume: ``(copies, total)`` of one image (N = 1): the sum of the gradients
            over its first ``copies`` noisy copies, for the same image, target,
            ``sigma`` and generator seed (a state ``on_partial`` gave, or a result
            times its ``n``), with any ``n`` ≥ ``copies``: those copies are not
            computed again (``generator`` is advanced past their noise). The result
            is the same (bit for bit from a state of the same ``batch_size``).
    Returns:
        (N, C, H, W) averaged gradient, signed, detached.
    """
    check_images(images)
    n = check_int("n", n, low=1)
    sigma = check_float("sigma", sigma, low=0.0)
    batch_size = check_int("batch_size", batch_size, low=1)
    n_images = images.shape[0]
    x0 = images.detach()
    scale = sigma * (x0.flatten(1).amax(1) - x0.flatten(1).amin(1))  # (N,)
    total = torch.zeros_like(x0)
    copies = torch.arange(n_images * n, device=x0.device) // n  # image of each copy
    counts = torch.zeros(n_images, device=x0.device)
    done = 0
    if resume is not None:
        done, start = resume
        if n_images != 1 or not 0 <= done <= n:
            raise ValueError(
                f"resume must be (copies, total) of one image, copies in [0, n = {n}]; "
                f"got {done} for {n_images} images"
            )
        total, counts = start.to(x0).clone(), counts + done
        for _ in range(done):  # the generator, past the noise of those copies
            _noise(x0.shape[1:], generator, x0.device)
    chunks = torch.split(copies[done:], batch_size) if done < n else ()  # to compute
    with preserved_state(model):
        with torch.no_grad():  # None: the class predicted for the clean image
            target = resolve_target(model(x0), target)
        bar = tqdm(chunks, desc="SmoothGrad", disable=not progress or len(chunks) < 2)
        for batch, idx in enumerate(bar):
            eps = torch.stack([_noise(x0.shape[1:], generator, x0.device) for _ in idx])
            x = grad_input(x0[idx] + scale[idx].view(-1, 1, 1, 1) * eps)
            (grad,) = torch.autograd.grad(_scores(model, x, target[idx]), x)
            total.index_add_(0, idx, grad)
            if on_partial is not None and batch < len(chunks) - 1:
                counts += torch.bincount(idx, minlength=n_images)
                done += len(idx)
                shown = total / counts.clamp_min(1).view(-1, 1, 1, 1)
                on_partial(int(counts.min()), shown, (done, total.clone()))
    return total / n


def compute_heatmap(
    attribution: Tensor, *, reduce: str = "abs_sum", clip: float = 0.99
) -> Tensor:
    """Display map (N, H, W) of an attribution (N, C, H, W), scaled to [0, 1] per image.

    Args:
        reduce: ``"abs_sum"`` (Σ_c |g_c|), ``"abs_max"`` (max_c |g_c|, Simonyan et al.)
            or ``"sum"`` (Σ_c g_c, signed, scaled to [-1, 1]).
        clip: quantile of each map that is mapped to 1 (larger values saturate), so
            that a few extreme pixels do not make the rest invisible.
    """
    check_images(attribution, name="attribution")
    clip = check_float("clip", clip, low=0.5, high=1.0)
    if reduce == "abs_sum":
        m = attribution.abs().sum(1)
    elif reduce == "abs_max":
        m = attribution.abs().amax(1)
    elif reduce == "sum":
        m = attribution.sum(1)
    else:
        raise ValueError(
            f"unknown reduce {reduce!r}; choose one of ['abs_sum', 'abs_max', 'sum']"
        )
    top = torch.quantile(m.abs().flatten(1).float(), clip, dim=1).clamp_min(1e-12)
    low = -1.0 if reduce == "sum" else 0.0
    return (m / top.view(-1, 1, 1)).clamp(low, 1.0).detach()


def compute_smoothness(attribution: Tensor, *, scale: int = 8) -> Tensor:
    """Share (N,) of a map's energy at coarse scale: how smooth it is.

    The channel-summed signed map ``m`` (N, H, W) is averaged over ``scale × scale``
    blocks; the result is mean(avg²) / mean(m²) ∈ [0, 1]: near 0 for pixel noise
    whose signs alternate, 1 for a map that is constant over each block. Notebook 06
    uses it to check that SmoothGrad is smoother than the gradient.
    """
    check_images(attribution, name="attribution")
    scale = check_int("scale", scale, low=1, high=min(attribution.shape[-2:]))
    m = attribution.sum(1, keepdim=True).float()
    coarse = torch.nn.functional.avg_pool2d(m, scale)
    return coarse.pow(2).flatten(1).mean(1) / m.pow(2).flatten(1).mean(1).clamp_min(
        1e-30
    )
