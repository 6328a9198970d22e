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
  ``"device"`` (the notebook's torch device) or ``"cpu"`` (scikit-learn's t-SNE, say,
  which is CPU work on any machine).

The values, never the device, are what a result's cache key holds: a cache filled on
a GPU with ``auto`` serves a CPU laptop run with ``LECTURELIB_SETTINGS=lecture``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from typing import Any

import torch

__all__ = ["PROFILES", "Setting", "Settings", "load_settings", "settings_profile"]

PROFILES = ("lecture", "light", "auto")
_WHERE = ("device", "cpu")


@dataclasses.dataclass(frozen=True)
class Setting:
    """One setting: its lecture value, its light value, and where its work runs."""

    lecture: Any
    light: Any
    runs_on: str = "device"
    doc: str = ""

    def __post_init__(self) -> None:
        if self.runs_on not in _WHERE:
            raise ValueError(
                f"runs_on must be one of {list(_WHERE)}, got {self.runs_on!r}"
            )

    def value(self, profile: str, device: torch.device) -> Any:
        """This setting's value under ``profile`` on ``device`` (see the module)."""
        if profile == "auto":
            on_gpu = self.runs_on == "device" and device.type == "cuda"
            profile = "lecture" if on_gpu else "light"
        return self.lecture if profile == "lecture" else self.light


class Settings(Mapping):
    """A section's resolved settings: ``settings.stride`` or ``settings["stride"]``.

    ``profile`` is the profile asked for; :meth:`describe` is the notebook's one line.
    """

    def __init__(self, values: dict[str, Any], *, profile: str, device: torch.device):
        self._values = dict(values)
        self.profile = profile
        self.device = device

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
        return f"settings {self.profile!r} on {self.device.type}: {said}"

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


def load_settings(
    table: Mapping[str, Setting],
    device: torch.device | str | None = None,
    *,
    profile: str | None = None,
) -> Settings:
    """Resolve a section's ``SETTINGS`` table for ``profile`` on ``device``.

    Args:
        table: name → :class:`Setting` (a section's ``lecture.SETTINGS``).
        device: where the notebook's torch work runs (default: the CPU).
        profile: ``"lecture"``, ``"light"`` or ``"auto"``; default
            ``LECTURELIB_SETTINGS``, else ``"auto"``.
    Returns:
        :class:`Settings`, in the table's order.
    """
    profile = settings_profile(profile)
    device = torch.device(device) if device is not None else torch.device("cpu")
    values = {name: s.value(profile, device) for name, s in table.items()}
    return Settings(values, profile=profile, device=device)
