"""Count the workbook's widget code at a git revision (issue 13: "the widget lines").

Widget code is every top-level function and class of ``lecturelib/widgets/``, plus,
in older revisions where widgets lived in the section modules, each ``*_widget``
function, the panel helpers (``_panel``, ``_widget``, ``plot.show_in``,
``precompute.attach_sweep``) and precompute's sweep runner (``sweep``, ``_allowed``,
``sweep_all``). Two counts per definition: code lines (no docstrings, comments or
blank lines) and physical lines. Module-level lines (imports, constants) are listed
apart, for ``lecturelib/widgets/`` only: in the older layout they were shared with
the compute code and cannot be told apart.

    python tools/widget_lines.py b1bcec0^ HEAD
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tokenize

OLD_NAMES = re.compile(r"_widget$|^_panel$|^show_in$|^attach_sweep$")
RUNNER = {"sweep", "_allowed", "sweep_all"}  # precompute's, before it moved


def _code_lines(src: str) -> set[int]:
    tree, docs = ast.parse(src), set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)  # a lambda's body is no list
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            docs.update(range(first.lineno, first.end_lineno + 1))
    lines, skip = set(), {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE}
    skip |= {tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type not in skip:
            lines.update(set(range(tok.start[0], tok.end[0] + 1)) - docs)
    return lines


def count(rev: str) -> dict[str, int]:
    """Code and physical lines at ``rev``: all definitions, the ``*_widget`` functions
    alone (``widgets_code``) and the module-level lines of ``lecturelib/widgets/``."""
    files = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", rev, "lecturelib"],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    total = {"code": 0, "physical": 0, "widgets_code": 0, "module_level": 0}
    for path in (f for f in files if f.endswith(".py")):
        src = subprocess.run(
            ["git", "show", f"{rev}:{path}"], capture_output=True, text=True, check=True
        ).stdout
        tree, code, layer = ast.parse(src), _code_lines(src), "/widgets/" in path
        inside = set()
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef | ast.ClassDef):
                continue
            old = OLD_NAMES.search(node.name) or (
                path.endswith("precompute.py") and node.name in RUNNER
            )
            if layer or old:
                span = set(range(node.lineno, node.end_lineno + 1))
                inside |= span
                total["code"] += len(code & span)
                total["physical"] += len(span)
                if node.name.endswith("_widget") and node.name != "_widget":
                    total["widgets_code"] += len(code & span)
        if layer:
            total["module_level"] += len(code - inside)
    return total


if __name__ == "__main__":
    for rev in sys.argv[1:] or ["HEAD"]:
        n = count(rev)
        print(
            f"{rev}: {n['code']} code lines in definitions ({n['physical']} physical; "
            f"the *_widget functions {n['widgets_code']}, the shared helpers "
            f"{n['code'] - n['widgets_code']}), {n['module_level']} module-level lines "
            "in lecturelib/widgets/"
        )
