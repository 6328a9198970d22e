"""The workbook's widgets: one panel helper and one module per notebook.

Every widget is a :class:`~lecturelib.widgets.panel.Panel`: ``.controls`` (by name),
``.readout`` (the text line) and ``.output`` (the figure area). Notebooks import the
widget from the module named after their section, e.g.
``from lecturelib.widgets.occlusion import occlusion_widget``.
"""

from importlib import import_module

from .panel import EVERY, Panel, sweep_all

__all__ = ["EVERY", "Panel", "describe_sweep", "sweep_all", "sweep_plans"]

_MODULES = {
    "01": "hidden_units",
    "02": "filters",
    "03": "activations",
    "04": "embeddings",
    "05": "occlusion",
    "06": "saliency",
    "07": "guided",
    "08": "maximize",
    "09": "adversarial",
    "10": "dilation",
}


def describe_sweep(plan: dict) -> str:
    """A sweep plan in words: ``"size 8, 16, 24; image every value"``."""
    return "; ".join(
        f"{name} {v if v is EVERY else ', '.join(map(str, v))}"
        for name, v in plan.items()
    )


def sweep_plans() -> dict[str, str]:
    """Notebook number → what ``make precompute`` sweeps there (each module's SWEEPS)."""
    plans = {}
    for nb, name in _MODULES.items():
        sweeps = getattr(import_module(f"{__name__}.{name}"), "SWEEPS", {})
        said = [f"{widget}: {describe_sweep(plan)}" for widget, plan in sweeps.items()]
        plans[nb] = " | ".join(said) or "no sweep (its widgets compute nothing heavy)"
    return plans
