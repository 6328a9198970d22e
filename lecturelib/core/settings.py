"""Settings as tables: each section's values for the profiles ``lecture`` and ``light``.

A section's ``lecture.py`` declares its settings once, as data::

    SETTINGS = {
        "stride": Setting(lecture=2, light=16, doc="occlusion stride (pixels)"),
        "perplexity": Setting(lecture=50, light=30, runs_on="cpu"),
    }

and a notebook reads them by name (``settings.stride``), never through an
``x if HEAVY else y`` of its own. Three profiles, chosen by ``LECTURELIB_SETTINGS``:

* ``lecture`` — the lecture's own values, everywhere;
* ``light`` — values a 2-core CPU computes within the notebook's budget;
* ``auto`` (the default) — per setting, ``lecture`` where that setting's work runs on
  a GPU and ``light`` otherwise. A setting's ``runs_on`` says where its work runs:
  ``"device"`` (the notebook's torch device) or ``"cpu"`` (04's t-SNE, say,
  which is CPU work on any machine).

A third level for costly models: where a notebook's ImageNet model costs more than
:data:`LARGE_GFLOPS` per forward pass (VGG, ResNet-152: ``imagenet_info(model).spec.gflops``),
a setting's ``light_large`` value replaces its ``light`` one (default: the same), so a
2-core CPU on VGG19 runs fewer steps than on AlexNet. ``load_settings(..., model=model)``
decides; the lecture's values never depend on the model.

The values, never the device, are what a result's cache key holds: a cache filled on
a GPU with ``auto`` serves a CPU laptop run with ``LECTURELIB_SETTINGS=lecture``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from typing import Any

import torch

__all__ = [
    "LARGE_GFLOPS",
    "PROFILES",
    "Setting",
    "Settings",
    "is_large_model",
    "load_settings",
    "settings_profile",
]

PROFILES = ("lecture", "light", "auto")
_WHERE = ("device", "cpu")
LARGE_GFLOPS = 2.0  # above: VGG16/19 (15-20), ResNet-152 (11.5); below: AlexNet (0.7)
_SAME = object()  # light_large's default: the light value


@dataclasses.dataclass(frozen=True)
class Setting:
    """One setting: its lecture value, its light value, and where its work runs.

    ``light_large`` is the light value for a model above :data:`LARGE_GFLOPS`
    (default: ``light``).
    """

    lecture: Any
    light: Any
    runs_on: str = "device"
    doc: str = ""
    light_large: Any = _SAME

    def __post_init__(self) -> None:
        if self.runs_on not in _WHERE:
            raise ValueError(
                f"runs_on must be one of {list(_WHERE)}, got {self.runs_on!r}"
            )

    def value(self, profile: str, device: torch.device, *, large: bool = False) -> Any:
        """This setting's value under ``profile`` on ``device`` (see the module).

        ``large``: the notebook's model costs more than :data:`LARGE_GFLOPS`.
        """
        if profile == "auto":
            on_gpu = self.runs_on == "device" and device.type == "cuda"
            profile = "lecture" if on_gpu else "light"
        if profile == "lecture":
            return self.lecture
        return (
            self.light if not large or self.light_large is _SAME else self.light_large
        )


class Settings(Mapping):
    """A section's resolved settings: ``settings.stride`` or ``settings["stride"]``.

    ``profile`` is the profile asked for; :meth:`describe` is the notebook's one line.
    """

    def __init__(
        self,
        values: dict[str, Any],
        *,
        profile: str,
        device: torch.device,
        large: bool = False,
    ):
        self._values = dict(values)
        self.profile = profile
        self.device = device
        self.large = large

    def __getattr__(self, name: str) -> Any:
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        raise AttributeError(f"no setting {name!r}; the settings are {sorted(values)}")

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def describe(self) -> str:
        """One line: ``settings 'auto' on cpu: stride 16, photos ['coffee']``."""
        said = ", ".join(f"{k} {v}" for k, v in self._values.items())
        large = f" (a model above {LARGE_GFLOPS:g} GFLOPs)" if self.large else ""
        return f"settings {self.profile!r} on {self.device.type}{large}: {said}"

    def __repr__(self) -> str:
        return f"<Settings {self.describe()}>"


def settings_profile(profile: str | None = None) -> str:
    """``profile``, else ``LECTURELIB_SETTINGS``, else ``"auto"``; checked."""
    if profile is None:
        profile = os.environ.get("LECTURELIB_SETTINGS", "").strip() or "auto"
        where = "LECTURELIB_SETTINGS"
    else:
        where = "profile"
    if profile not in PROFILES:
        raise ValueError(f"{where} must be one of {list(PROFILES)}, got {profile!r}")
    return profile


def is_large_model(model: torch.nn.Module | None) -> bool:
    """Whether ``model`` is an ImageNet model above :data:`LARGE_GFLOPS` per forward pass.

    ``None`` and models without an ImageNet table entry (LeNet, one's own) are not.
    """
    info = getattr(model, "lecturelib_info", None)
    spec = getattr(info, "spec", None)
    return spec is not None and spec.gflops > LARGE_GFLOPS


def load_settings(
    table: Mapping[str, Setting],
    device: torch.device | str | None = None,
    *,
    profile: str | None = None,
    model: torch.nn.Module | None = None,
) -> Settings:
    """Resolve a section's ``SETTINGS`` table for ``profile`` on ``device``.

    Args:
        table: name → :class:`Setting` (a section's ``lecture.SETTINGS``).
        device: where the notebook's torch work runs (default: the CPU).
        profile: ``"lecture"``, ``"light"`` or ``"auto"``; default
            ``LECTURELIB_SETTINGS``, else ``"auto"``.
        model: the notebook's model, for the settings with a ``light_large`` value
            (see :func:`is_large_model`); ``None``: the ``light`` values.
    Returns:
        :class:`Settings`, in the table's order.
    """
    profile = settings_profile(profile)
    device = torch.device(device) if device is not None else torch.device("cpu")
    large = is_large_model(model)
    values = {name: s.value(profile, device, large=large) for name, s in table.items()}
    return Settings(values, profile=profile, device=device, large=large)
