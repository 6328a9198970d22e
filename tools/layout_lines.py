"""Code lines of lecturelib by kind, at any revision: teaching code vs plumbing.

    python tools/layout_lines.py 11efff2 HEAD

Teaching code: what a section computes and draws, and the shared core it stands on
(compute, plots, lecture tables, explain, core). Plumbing: caching, precompute, the
notebook runner, widgets and their panel, exercise machinery, set-up. Code lines leave
out blank lines, comments and docstrings. Issue 20's before/after.
"""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import tokenize

PLUMBING_OLD = ("cache", "_cache_store", "precompute", "notebook_runner", "widgets/",
                "exercises/", "embedding_cache")  # fmt: skip
PLUMBING_NEW = ("tooling/", "widget.py", "results.py", "embedding_cache", "exercises/",
                "checks.py", "workbook.py")  # fmt: skip


def _files(rev: str) -> list[str]:
    out = subprocess.run(["git", "ls-tree", "-r", "--name-only", rev, "lecturelib"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    return [f for f in out.split() if f.endswith(".py") and "/checks/" not in f]


def _code_lines(text: str) -> int:
    docstrings = set()
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        value = first.value if isinstance(first, ast.Expr) else None
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            docstrings |= set(range(first.lineno, first.end_lineno + 1))
    lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
        ):
            continue  # fmt: skip
        lines |= set(range(tok.start[0], tok.end[0] + 1))
    return len(lines - docstrings)


def count(rev: str) -> dict[str, int]:
    totals = {"teaching": 0, "plumbing": 0, "files": 0}
    for path in _files(rev):
        text = subprocess.run(["git", "show", f"{rev}:{path}"], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
        plumbing = any(m in path for m in PLUMBING_OLD + PLUMBING_NEW)
        kind = "plumbing" if plumbing else "teaching"
        totals[kind] += _code_lines(text)
        totals["files"] += 1
    return totals


if __name__ == "__main__":
    for rev in sys.argv[1:] or ["HEAD"]:
        t = count(rev)
        print(
            f"{rev}: {t['files']} files, teaching {t['teaching']}, "
            f"plumbing {t['plumbing']} code lines"
        )
