"""Reference answers of notebook 08's exercises (maximum-response samples)."""

from __future__ import annotations

from lecturelib.tooling.exercise_helpers import same_answer

BLANKS = {"q1": {"prediction": ...}, "q2": {"prediction": ...}}


def q1_ok(prediction) -> bool:
    """h(2x) = 4 h(x): a sum of squares of linear maps of x."""
    return same_answer(prediction, 4)


def q2_ok(prediction) -> bool:
    """Without the prior every step goes to f: the higher score."""
    return same_answer(prediction, "without")


def reference(question: str) -> dict:
    return {"q1": {"prediction": 4}, "q2": {"prediction": "without"}}[question]
