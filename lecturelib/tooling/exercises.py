"""Exercises at the end of every notebook, checked with otter-grader.

A notebook's exercise cells read::

    grader = exercises.grader("04")      # once, in the first exercise cell
    prediction = ...                     # the student's answer
    grader.check("q1")                   # "All test cases passed!" or a "Not yet: ..." hint

The checks are otter's OK-format files in each section's ``exercises/checks/qK.py``
(shipped as package data).
Each case's ``failure_message`` starts with "Not yet:" and says what to look at, so a blank
answer gets a hint rather than an error. The reference answers are in
the section's ``exercises/solutions.py``: ``reference(question) -> dict`` gives the names a check reads,
answered; ``BLANKS[question]`` the names as a student's untouched cell sets them.
``tests/test_exercises.py`` runs every check with both.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import otter

from lecturelib.tooling.sections import section_dir, section_module

__all__ = ["blanks", "check_names", "grader", "reference"]


def _checks_dir(notebook: str) -> Path:
    return section_dir(notebook) / "exercises" / "checks"


def grader(notebook: str) -> otter.Notebook:
    """The otter grader of notebook ``notebook`` ("01".."10"): ``grader.check("q1")``."""
    return otter.Notebook(tests_dir=str(_checks_dir(notebook)))


def check_names(notebook: str) -> list[str]:
    """The questions of a notebook, in order: ["q1", "q2", ...]."""
    return sorted(p.stem for p in _checks_dir(notebook).glob("q*.py"))


def _solutions(notebook: str):
    return importlib.import_module(section_module(notebook, "exercises.solutions"))


def reference(notebook: str, question: str) -> dict:
    """The names question ``question``'s check reads, set to the reference answer."""
    return _solutions(notebook).reference(question)


def blanks(notebook: str, question: str) -> dict:
    """The names as a student's untouched answer cell sets them."""
    return dict(_solutions(notebook).BLANKS[question])
