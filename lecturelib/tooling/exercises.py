"""Exercises at the end of every notebook: checks that give hints, never answers.

A notebook's exercise cells read::

    grader = exercises.grader("04")      # once, in the first check cell
    q1_perplexity = ...                  # the student's answer cell (its own name per question)
    grader.check("q1")                   # "q1: right ..." or "q1: not yet ... Hint 1 of 3: ..."

Each section's ``checks.py`` holds ``QUESTIONS``: for every question the names its answer
cell sets and a check. A check compares the answer with what the library *measures*
(a prediction, with a tolerance) or runs the student's function on cases drawn at check
time (another seed, another shape) against an independent computation (torch's own
operator, the section's library function). So the package holds no answer: the reference
answers and the plausible wrong ones live in the repository's ``instructor/`` folder, which
``tools/exercises.py`` turns into the instructor's notebooks and which the wheel never ships.

A check never raises: a blank answer, an unfinished function or one that throws gets
"not yet" and one hint; each failed attempt shows the next hint, never the answer.
"""

from __future__ import annotations

import html
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass

from lecturelib.tooling.sections import section_module, section_names

__all__ = ["CheckResult", "Grader", "Question", "check_names", "grader", "questions"]


@dataclass(frozen=True)
class Question:
    """One checked exercise.

    ``names``: the names the answer cell sets, in the order ``check`` takes them.
    ``kind``: "predict" (a number, checked against a measurement) or "code".
    ``check(*answers)``: ``None`` when right, ``""`` when wrong, or a short diagnostic
    (what was wrong with the answer's shape or type; never the expected value).
    ``hints``: one per failed attempt, in order (the last one repeats).
    ``reveal(*answers)``: optional, what a right answer is told (the measured value).
    """

    names: tuple[str, ...]
    kind: str
    check: Callable[..., str | None]
    hints: tuple[str, ...]
    reveal: Callable[..., str] | None = None

    def __post_init__(self):
        if self.kind not in ("predict", "code"):
            raise ValueError(f"kind must be 'predict' or 'code', got {self.kind!r}")
        if not self.names or not self.hints:
            raise ValueError("a question needs at least one name and one hint")


@dataclass(frozen=True)
class CheckResult:
    """What ``Grader.check`` shows: right, or not yet with one hint."""

    question: str
    passed: bool
    message: str

    def __repr__(self) -> str:
        mark = "right" if self.passed else "not yet"
        return f"{self.question}: {mark}. {self.message}".rstrip()

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#9a6700"
        mark = "✔ right" if self.passed else "✘ not yet"
        return (
            f"<p><strong style='color:{colour}'>{self.question}: {mark}.</strong> "
            f"{html.escape(self.message)}</p>"
        )


def questions(notebook: str) -> dict[str, Question]:
    """The checked questions of notebook ``notebook`` ("01".."10"), by name."""
    return dict(importlib.import_module(section_module(notebook, "checks")).QUESTIONS)


def check_names(notebook: str) -> list[str]:
    """The checked questions of a notebook, in order: ["q1", "q2", ...]."""
    return sorted(questions(notebook))


def _blank_function(*args, **kwargs): ...


def _is_blank(value) -> bool:
    """``...``, or a function whose body is still the blank's ``...``."""
    if value is Ellipsis:
        return True
    code = getattr(value, "__code__", None)
    return code is not None and code.co_code == _blank_function.__code__.co_code


class Grader:
    """The checks of one notebook; ``check("q1")`` reads the answer from the notebook."""

    def __init__(self, notebook: str):
        self.notebook = notebook
        self.questions = questions(notebook)
        self.attempts = dict.fromkeys(self.questions, 0)

    def check(self, question: str, global_env: dict | None = None) -> CheckResult:
        """Right, or not yet with the next hint; reads names from ``global_env``
        (by default the namespace of the cell that calls it). Never raises on an answer."""
        if question not in self.questions:
            raise ValueError(
                f"question must be one of {sorted(self.questions)} for notebook "
                f"{self.notebook}, got {question!r}"
            )
        if global_env is None:
            frame = inspect.currentframe()
            global_env = frame.f_back.f_globals if frame and frame.f_back else {}
        q = self.questions[question]
        answers = [global_env.get(name, Ellipsis) for name in q.names]
        missing = [n for n, a in zip(q.names, answers, strict=True) if _is_blank(a)]
        if missing:
            said = f"Answer first: set `{'`, `'.join(missing)}` in the cell above."
            return CheckResult(question, False, f"{said} Hint: {q.hints[0]}")
        try:
            verdict = q.check(*answers)
        except Exception as err:  # noqa: BLE001 (a student's code may raise anything)
            verdict = f"your answer raised {type(err).__name__}: {err}."
        if verdict is None:
            told = ""
            if q.reveal is not None:
                try:
                    told = q.reveal(*answers)
                except Exception:  # noqa: BLE001
                    told = ""
            return CheckResult(question, True, told)
        k = min(self.attempts[question], len(q.hints) - 1)
        self.attempts[question] += 1
        hint = f"Hint {k + 1} of {len(q.hints)}: {q.hints[k]}"
        return CheckResult(question, False, f"{verdict} {hint}".strip())


def grader(notebook: str) -> Grader:
    """The grader of notebook ``notebook`` ("01".."10"): ``grader.check("q1")``."""
    if notebook not in section_names():
        raise ValueError(f"notebook must be one of {section_names()}, got {notebook!r}")
    return Grader(notebook)
