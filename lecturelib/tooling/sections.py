"""The ten section packages by notebook number ("01".."10"), found on disk by name."""

from __future__ import annotations

from pathlib import Path

__all__ = ["SECTIONS_DIR", "section_dir", "section_module", "section_names"]

SECTIONS_DIR = Path(__file__).resolve().parents[1] / "sections"


def section_names() -> dict[str, str]:
    """Notebook number → section package name, e.g. ``{"05": "s05_occlusion", ...}``."""
    return {
        p.name[1:3]: p.name
        for p in sorted(SECTIONS_DIR.glob("s[0-9][0-9]_*"))
        if (p / "__init__.py").is_file()
    }


def section_dir(notebook: str) -> Path:
    """The folder of notebook ``notebook``'s section ("01".."10")."""
    names = section_names()
    if notebook not in names:
        raise ValueError(f"notebook must be one of {sorted(names)}, got {notebook!r}")
    return SECTIONS_DIR / names[notebook]


def section_module(notebook: str, leaf: str) -> str:
    """The dotted name of a section's module, e.g. ``("05", "widget")``."""
    return f"lecturelib.sections.{section_dir(notebook).name}.{leaf}"
