"""The package works outside the checkout: a wheel, installed into a fresh environment.

The wheel is built from this checkout and installed (without dependencies) into a new
virtual environment in a temporary folder; the dependencies come from the test's own
environment through a path file, so nothing is downloaded. Python then runs from a
folder outside the checkout and loads what the notebooks load: LeNet, the AllConvNet,
the pooling-free ResNet, the ImageNet model, and the exercises' checks. The wheel holds
no answer: no ``instructor/`` module, no solutions module, and no line of any reference
answer of ``instructor/nbNN.py``.
"""

import importlib.util
import os
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import lecturelib
    from lecturelib.tooling.sections import SECTIONS_DIR
    from lecturelib.core.imagenet import load_imagenet_model
    from lecturelib.core.models import load_all_conv, load_lenet, load_resnet_nopool
    here = Path(lecturelib.__file__).resolve()
    assert Path(sys.prefix) in here.parents, here  # the wheel's copy, not the checkout
    print("lecturelib from", here.parent)
    print("LeNet", sum(p.numel() for p in load_lenet().parameters()))
    print("AllConvNet", sum(p.numel() for p in load_all_conv().parameters()))
    print("ResNetNoPool depth", load_resnet_nopool().depth)
    model, preprocess, classes = load_imagenet_model()
    print("ImageNet", type(model).__name__, len(classes), "classes")
    from lecturelib.tooling import exercises
    from lecturelib.tooling.sections import section_names
    print("exercises", sum(len(exercises.check_names(nb)) for nb in section_names()))
    """
)


@pytest.fixture(scope="module")
def fresh_env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("install")
    # setuptools from this environment when it has it (Python < 3.12 venvs do),
    # else pip fetches it into an isolated build environment
    isolation = (
        []
        if importlib.util.find_spec("setuptools") is None
        else ["--no-build-isolation"]
    )
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation,
         "-q", "-w", str(tmp / "dist"), str(ROOT)],
        check=True, cwd=tmp,
    )  # fmt: skip
    (wheel,) = (tmp / "dist").glob("lecturelib-*.whl")
    env_dir = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)],
                   check=True)  # fmt: skip
    python = env_dir / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    # the dependencies: this environment's site-packages (not its editable lecturelib)
    deps = sysconfig.get_paths()["purelib"]
    Path(site, "_deps.pth").write_text(deps + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "-q", str(wheel)],
        check=True,
    )  # fmt: skip
    return python, tmp


def test_wheel_ships_the_checkpoints_and_the_exercises(fresh_env):
    python, tmp = fresh_env
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PYTHONPATH", "LECTURELIB_DATA")
    }
    env["LECTURELIB_OFFLINE"] = "1"
    out = subprocess.run(
        [str(python), "-c", SCRIPT], check=False, cwd=tmp, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    print(out.stdout)
    assert "LeNet 105" in out.stdout  # 105,506 parameters
    assert "AllConvNet" in out.stdout and "ResNetNoPool depth 10" in out.stdout
    assert "1000 classes" in out.stdout
    n_checks = len(list((ROOT / "instructor").glob("nb*.py")))
    assert n_checks == 10
    assert "exercises 2" in out.stdout  # 20 to 30 checked questions


def _code_lines(text: str) -> list[str]:
    """Lines of code without comments and indentation, empty ones dropped."""
    return [c for c in (ln.split("#")[0].strip() for ln in text.splitlines()) if c]


# The house's hook idiom (a hook removed in ``finally``): in the package by rule, so a
# pair of these lines marks no answer.
IDIOM = {
    "try:",
    "finally:",
    "handle.remove()",
    "with torch.no_grad():",
    "model(images)",
}


def _answer_snippets() -> set[str]:
    """Every reference answer of instructor/ as snippets that mark it: its one line, or each
    pair of consecutive lines that the blank does not have (pairs of idiom lines aside)."""
    snippets = set()
    for path in (ROOT / "instructor").glob("nb*.py"):
        namespace: dict = {}
        exec(compile(path.read_text(), str(path), "exec"), namespace)  # noqa: S102 (ours)
        for exercise in namespace["EXERCISES"].values():
            blank = set(_code_lines(exercise["blank"]))
            lines = [c for c in _code_lines(exercise["answer"]) if c not in blank]
            pairs = ["\n".join(lines[i : i + 2]) for i in range(len(lines) - 1)]
            snippets.update(
                s for s in pairs or lines if not set(s.split("\n")) <= IDIOM
            )
    return snippets


def test_wheel_holds_no_answer(fresh_env):
    python, _ = fresh_env
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    files = [p for p in Path(site, "lecturelib").rglob("*") if p.is_file()]
    assert files and not [
        p for p in files if "solution" in p.name or "instructor" in p.parts
    ]
    answers = _answer_snippets()
    assert len(answers) >= 20
    texts = {
        p: "\n".join(_code_lines(p.read_text(errors="replace")))
        for p in files
        if p.suffix == ".py"
    }
    leaked = {(p.name, a) for p, text in texts.items() for a in answers if a in text}
    assert not leaked, leaked
