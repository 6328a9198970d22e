"""Notebooks 05-07: the attribution methods the faithfulness and sanity checks compare.

One table, :data:`METHODS`: a method's name → where its function lives and which
options it takes. The functions belong to their sections (occlusion to 05, the
gradient and SmoothGrad to 06, deconvolution and guided back-propagation to 07);
explain names them and imports them by name when first used, so that the sections
build on explain and never the other way round.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from importlib import import_module

from lecturelib.core.validate import check_choice

__all__ = ["METHODS", "Method", "attribution"]

_SECTIONS = "lecturelib.sections"


@dataclasses.dataclass(frozen=True)
class Method:
    """Where an attribution method lives and how :func:`importance_map` calls it.

    ``function(model, images, target, **fixed, **{o: options[o] for o in options})``
    returns (N, C, H, W) attributions (``output="pixels"``) or an (N, H', W') map of
    square masks (``output="masks"``, occlusion).
    """

    module: str
    function: str
    options: tuple[str, ...] = ()
    fixed: dict = dataclasses.field(default_factory=dict)
    output: str = "pixels"


METHODS: dict[str, Method] = {
    "gradient": Method(f"{_SECTIONS}.s06_saliency.compute", "saliency"),
    "smoothgrad": Method(
        f"{_SECTIONS}.s06_saliency.compute",
        "smoothgrad",
        options=("n", "sigma", "generator"),
        fixed={"progress": False},
    ),
    "deconv": Method(
        f"{_SECTIONS}.s07_guided_backprop.compute",
        "backprop_view",
        fixed={"rule": "deconv"},
    ),
    "guided": Method(
        f"{_SECTIONS}.s07_guided_backprop.compute",
        "backprop_view",
        fixed={"rule": "guided"},
    ),
    "occlusion": Method(
        f"{_SECTIONS}.s05_occlusion.compute",
        "occlusion_sensitivity",
        options=("size", "stride"),
        fixed={"progress": False},
        output="masks",
    ),
}


def attribution(name: str) -> tuple[Method, Callable]:
    """The table entry of method ``name`` and its function."""
    method = METHODS[check_choice("method", name, tuple(METHODS))]
    return method, getattr(import_module(method.module), method.function)
