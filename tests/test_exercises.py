"""Every exercise check passes with the reference answer and says "Not yet" to a blank one."""

import contextlib
import io

import pytest

from lecturelib.tooling import exercises
from lecturelib.tooling.sections import section_names

QUESTIONS = [(nb, q) for nb in section_names() for q in exercises.check_names(nb)]


def _check(notebook, question, env):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = exercises.grader(notebook).check(question, global_env=env)
    return result.grade, str(result) + out.getvalue()


def test_every_notebook_has_exercises():
    assert sorted({nb for nb, _ in QUESTIONS}) == [f"{i:02d}" for i in range(1, 11)]
    for nb in {nb for nb, _ in QUESTIONS}:
        assert 2 <= len(exercises.check_names(nb)) <= 3, nb


@pytest.mark.parametrize("notebook,question", QUESTIONS)
def test_reference_passes_and_blank_says_not_yet(notebook, question):
    env = exercises.reference(notebook, question)
    grade, text = _check(notebook, question, env)
    assert grade == 1.0, text
    env.update(exercises.blanks(notebook, question))
    grade, text = _check(notebook, question, env)
    assert grade < 1.0
    assert "Not yet" in text, text


def test_unknown_notebook_is_named():
    with pytest.raises(ValueError, match="notebook must be one of"):
        exercises.grader("99")
