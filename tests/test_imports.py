"""The package's import graph: no cycles, and imports at the top of each module.

An import inside a function hides a cycle and the module's real dependencies; the only
ones allowed are the optional heavy libraries in ``LAZY`` (each with a comment saying so).
"""

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

import lecturelib

PACKAGE = Path(lecturelib.__file__).parent
# Optional or heavy, imported where used (and each such line carries a comment).
LAZY = {"captum", "playwright", "openTSNE"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    return {
        _module_name(p): ast.parse(p.read_text(), str(p))
        for p in sorted(PACKAGE.rglob("*.py"))
        if "checks" not in p.parts  # otter's check files are data, not modules
    }


def _imported(node, module: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level == 0:
        base = node.module or ""
    else:
        parts = module.split(".")
        keep = len(parts) - node.level + (1 if is_package else 0)
        base = ".".join(parts[:keep] + ([node.module] if node.module else []))
    # "from .x import y": y may be a submodule; "from . import y" imports only y
    subs = [f"{base}.{a.name}" for a in node.names]
    return subs if node.module is None else [base, *subs]


def _graph():
    modules = _modules()
    packages = {m for m in modules if (PACKAGE.parent / m.replace(".", "/")).is_dir()}
    graph, nested = {}, []
    for name, tree in modules.items():
        edges = set()
        top = set(map(id, tree.body))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = _imported(node, name, name in packages)
            if id(node) not in top and not any(
                isinstance(parent, ast.If | ast.Try) and node in parent.body
                for parent in tree.body
            ):
                nested.append((name, node.lineno, targets[0]))
            edges |= {t for t in targets if t in modules and t != name}
        graph[name] = edges
    return graph, nested


def _cycle(graph):
    state, stack = {}, []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle():
    graph, _ = _graph()
    assert len(graph) > 30
    assert _cycle(graph) is None, " → ".join(_cycle(graph))


def test_cycle_finder_finds_one():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_imports_only_at_the_top():
    _, nested = _graph()
    bad = [
        f"{m}:{line} imports {target}"
        for m, line, target in nested
        if target.split(".")[0] not in LAZY
    ]
    assert not bad, "imports inside functions:\n" + "\n".join(bad)


def test_lazy_imports_say_why():
    _, nested = _graph()
    for module, line, _target in nested:
        path = PACKAGE.parent / (module.replace(".", "/") + ".py")
        if not path.exists():
            path = path.with_suffix("") / "__init__.py"
        text = path.read_text().splitlines()[line - 1]
        assert "#" in text, f"{module}:{line}: say why this import is lazy"


def test_every_imported_library_is_a_declared_dependency():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]
    declared = {
        re.split(r"[<>=!~\[; ]", d)[0].lower().replace("_", "-")
        for d in project["dependencies"]
    }
    dists = importlib.metadata.packages_distributions()
    imported = set()
    for tree in _modules().values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = imported - set(sys.stdlib_module_names) - {"lecturelib"}
    assert {"torch", "otter", "sklearn"} <= third_party
    missing = {
        m: dists.get(m)
        for m in third_party
        if not {d.lower().replace("_", "-") for d in dists.get(m, [m])} & declared
    }
    assert not missing, f"imported but not in [project] dependencies: {missing}"
