"""Exercises at the end of every notebook, checked with otter-grader.

A notebook's exercise cells read::

    grader = exercises.grader("04")      # once, in the first exercise cell
    prediction = ...                     # the student's answer
    grader.check("q1")                   # "All test cases passed!" or a "Not yet: ..." hint

The checks are otter's OK-format files in ``checks/nbNN/qK.py`` (shipped as package data).
Each case's ``failure_message`` starts with "Not yet:" and says what to look at, so a blank
answer gets a hint rather than an error. The reference answers are in
``solutions/nbNN.py``: ``reference(question) -> dict`` gives the names a check reads,
answered; ``BLANKS[question]`` the names as a student's untouched cell sets them.
``tests/test_exercises.py`` runs every check with both.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import otter

__all__ = ["CHECKS_DIR", "blanks", "check_names", "grader", "reference"]

CHECKS_DIR = Path(__file__).with_name("checks")


def _checks_dir(notebook: str) -> Path:
    folder = CHECKS_DIR / f"nb{notebook}"
    if not folder.is_dir():
        known = sorted(p.name[2:] for p in CHECKS_DIR.glob("nb*") if p.is_dir())
        raise ValueError(f"notebook must be one of {known}, got {notebook!r}")
    return folder


def grader(notebook: str) -> otter.Notebook:
    """The otter grader of notebook ``notebook`` ("01".."10"): ``grader.check("q1")``."""
    return otter.Notebook(tests_dir=str(_checks_dir(notebook)))


def check_names(notebook: str) -> list[str]:
    """The questions of a notebook, in order: ["q1", "q2", ...]."""
    return sorted(p.stem for p in _checks_dir(notebook).glob("q*.py"))


def _solutions(notebook: str):
    _checks_dir(notebook)
    return importlib.import_module(f"{__name__}.solutions.nb{notebook}")


def reference(notebook: str, question: str) -> dict:
    """The names question ``question``'s check reads, set to the reference answer."""
    return _solutions(notebook).reference(question)


def blanks(notebook: str, question: str) -> dict:
    """The names as a student's untouched answer cell sets them."""
    return dict(_solutions(notebook).BLANKS[question])
