"""What ``make precompute`` sweeps: each section widget module's ``SWEEPS``, in words.

Every widget is a :class:`~lecturelib.tooling.panel.Panel` built in its section's
``widget.py`` (e.g. ``lecturelib.sections.s05_occlusion.widget``). The sections are
found by name, so tooling imports no section module at import time.
"""

from importlib import import_module

from lecturelib.tooling.panel import EVERY
from lecturelib.tooling.sections import section_module, section_names

__all__ = ["describe_sweep", "sweep_plans"]


def describe_sweep(plan: dict) -> str:
    """A sweep plan in words: ``"size 8, 16, 24; image every value"``."""
    return "; ".join(
        f"{name} {v if v is EVERY else ', '.join(map(str, v))}"
        for name, v in plan.items()
    )


def sweep_plans() -> dict[str, str]:
    """Notebook number → what ``make precompute`` sweeps there (each module's SWEEPS)."""
    plans = {}
    for nb in section_names():
        sweeps = getattr(import_module(section_module(nb, "widget")), "SWEEPS", {})
        said = [f"{widget}: {describe_sweep(plan)}" for widget, plan in sweeps.items()]
        plans[nb] = " | ".join(said) or "no sweep (its widgets compute nothing heavy)"
    return plans
