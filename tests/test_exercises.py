"""The exercises: the reference answer passes, a blank gets a hint, plausible wrong answers
fail, nothing raises; the student notebooks hold the blanks of ``instructor/``."""

import contextlib
import importlib.util
import io
import json
from pathlib import Path

import pytest

from lecturelib.tooling import exercises
from lecturelib.tooling.sections import section_names

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location(
    "build_exercises", ROOT / "tools" / "exercises.py"
)
build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build)

NOTEBOOKS = section_names()
QUESTIONS = [(nb, q) for nb in NOTEBOOKS for q in exercises.check_names(nb)]


def _run(code: str, label: str) -> dict:
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(code, f"<{label}>", "exec"), namespace)  # noqa: S102 (our own answers)
    return namespace


def _check(notebook: str, question: str, namespace: dict) -> exercises.CheckResult:
    with contextlib.redirect_stdout(io.StringIO()):
        return exercises.grader(notebook).check(question, global_env=namespace)


def test_every_notebook_has_two_or_three_checked_exercises_and_an_open_question():
    for nb in NOTEBOOKS:
        qs = exercises.questions(nb)
        assert 2 <= len(qs) <= 3, nb
        kinds = {q.kind for q in qs.values()}
        assert kinds == {"predict", "code"}, (nb, kinds)
        names = [n for q in qs.values() for n in q.names]
        assert len(names) == len(set(names)), f"{nb}: each answer needs its own name"
        assert sorted(build.exercises_of(nb)) == sorted(qs), nb
        cells = json.loads(build.notebook_paths()[nb].read_text())["cells"]
        text = "".join(build.source(c) for c in cells if c["cell_type"] == "markdown")
        assert "Going further (open question" in text, nb


def test_student_notebooks_hold_the_blanks():
    assert build.main(["--check"]) == 0


@pytest.mark.parametrize("notebook,question", QUESTIONS)
def test_reference_passes_blank_gets_a_hint_wrong_answers_fail(notebook, question):
    source = build.exercises_of(notebook)[question]
    blank = _check(notebook, question, _run(source["blank"], "blank"))
    assert not blank.passed and "Hint" in blank.message, blank
    right = _check(notebook, question, _run(source["answer"], "answer"))
    assert right.passed, right
    assert source["wrong"], "every exercise names plausible wrong answers"
    for label, code in source["wrong"].items():
        result = _check(notebook, question, _run(code, label))
        assert not result.passed, f"{notebook} {question}: {label!r} passed"
        assert "Hint" in result.message


@pytest.mark.parametrize("notebook,question", QUESTIONS)
def test_checks_never_raise(notebook, question):
    def raises(*args, **kwargs):
        raise RuntimeError("unfinished")

    for junk in ("abc", None, float("nan"), raises, [1, 2]):
        q = exercises.questions(notebook)[question]
        result = _check(notebook, question, dict.fromkeys(q.names, junk))
        assert not result.passed, (junk, result)


def test_hints_come_one_per_attempt_and_the_last_repeats():
    notebook, question = QUESTIONS[0]
    q = exercises.questions(notebook)[question]
    grader = exercises.grader(notebook)
    env = dict.fromkeys(q.names, "abc")
    with contextlib.redirect_stdout(io.StringIO()):
        shown = [
            grader.check(question, global_env=env).message
            for _ in range(len(q.hints) + 1)
        ]
    for k, hint in enumerate(q.hints):
        assert f"Hint {k + 1} of {len(q.hints)}: {hint}" in shown[k]
    assert q.hints[-1] in shown[-1]


def test_instructor_copy_holds_the_answers():
    for nb, path in build.notebook_paths().items():
        copy = build.instructor_copy(
            json.loads(path.read_text()), build.exercises_of(nb)
        )
        cells = build.answer_cells(copy)
        for q, source in build.exercises_of(nb).items():
            assert build.source(copy["cells"][cells[q]]) == source["answer"]


def test_unknown_notebook_and_question_are_named():
    with pytest.raises(ValueError, match="notebook must be one of"):
        exercises.grader("99")
    with pytest.raises(ValueError, match="question must be one of"):
        exercises.grader("01").check("q9", global_env={})
