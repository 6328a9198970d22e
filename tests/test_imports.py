"""The package's import graph: no cycles, and imports at the top of each module.

An import inside a function hides a cycle and the module's real dependencies; the only
ones allowed are the optional heavy libraries in ``LAZY`` (each with a comment saying so).
"""

import ast
import importlib.metadata
import json
import re
import sys
from pathlib import Path

import pytest

import lecturelib

PACKAGE = Path(lecturelib.__file__).parent
# Optional or heavy, imported where used (and each such line carries a comment).
LAZY = {"captum", "playwright"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    return {
        _module_name(p): ast.parse(p.read_text(), str(p))
        for p in sorted(PACKAGE.rglob("*.py"))
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


def test_the_root_package_imports_nothing():
    tree = _modules()["lecturelib"]
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]


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


# Imported from an extra, not the core: module -> (extra, the only lecturelib modules
# that import it). The notebooks never import these (test_notebooks_need_only_the_core).
EXTRA_IMPORTS = {
    "nbclient": ("tools", {"lecturelib.tooling.notebook_runner"}),
    "nbformat": ("tools", {"lecturelib.tooling.notebook_runner"}),
    "jupyter_client": ("tools", {"lecturelib.tooling.notebook_runner"}),
    "traitlets": ("tools", {"lecturelib.tooling.notebook_runner"}),
    "psutil": ("tools", {"lecturelib.tooling.notebook_runner"}),
}


def _project():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text())["project"]


def _names(requirements) -> set[str]:
    return {
        re.split(r"[<>=!~\[; ]", d)[0].lower().replace("_", "-") for d in requirements
    }


def _third_party(tree: ast.Module) -> set[str]:
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            imported.add(node.module.split(".")[0])
    return imported - set(sys.stdlib_module_names) - {"lecturelib"}


def _distributions(module: str) -> set[str]:
    dists = importlib.metadata.packages_distributions()
    return {d.lower().replace("_", "-") for d in dists.get(module, [module])}


def test_every_imported_library_is_a_declared_dependency():
    project = _project()
    core = _names(project["dependencies"])
    extras = {k: _names(v) for k, v in project["optional-dependencies"].items()}
    importers: dict[str, set[str]] = {}
    for name, tree in _modules().items():
        for module in _third_party(tree):
            importers.setdefault(module, set()).add(name)
    assert {"torch", "sklearn", "nbclient"} <= set(importers)
    wrong = {}
    for module, users in sorted(importers.items()):
        extra, allowed = EXTRA_IMPORTS.get(module, (None, None))
        declared = core if extra is None else extras[extra]
        if not _distributions(module) & declared:
            wrong[module] = f"not declared in {extra or 'the core dependencies'}"
        elif allowed is not None and not users <= allowed:
            wrong[module] = f"[{extra}] only, but imported by {sorted(users - allowed)}"
        elif extra is not None and _distributions(module) & core:
            wrong[module] = f"in the core, although EXTRA_IMPORTS says [{extra}]"
    assert not wrong, wrong


def test_notebooks_need_only_the_core():
    """A notebook imports core dependencies, lecturelib modules that need only those."""
    core = _names(_project()["dependencies"])
    for path in sorted((PACKAGE.parent / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        source = "\n".join(
            "".join(c["source"]) for c in cells if c["cell_type"] == "code"
        )
        lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith("%")]
        tree = ast.parse("\n".join(lines))
        for module in _third_party(tree):
            assert _distributions(module) & core, f"{path.name} imports {module}"
        extra = _extras_needed(tree)
        assert not extra, f"{path.name} needs {extra}, from an extra"


def _extras_needed(tree: ast.Module) -> set[str]:
    """The EXTRA_IMPORTS modules that code importing what ``tree`` imports loads."""
    graph, _ = _graph()
    todo = [
        t
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for t in _imported(node, "notebook", False)
        if t in graph
    ]
    seen = set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += [t for t in graph[name] | _parents(name) if t in graph]
    trees = _modules()
    return {m for name in seen for m in _third_party(trees[name]) & set(EXTRA_IMPORTS)}


def test_extras_needed_follows_the_imports():
    runner = ast.parse("from lecturelib.tooling import precompute\n")
    assert _extras_needed(runner) >= {"nbclient", "psutil"}
    assert (
        _extras_needed(ast.parse("from lecturelib.tooling import exercises\n")) == set()
    )


def _parents(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


# ------------------------------------------------------------------ the layer rules
# Arrows point one way: notebooks -> sections -> explain -> core; a section's
# widget side (widget.py, embedding_cache.py) may also use tooling; tooling uses core.
SECTION_COMPUTE = {
    "compute",
    "plots",
    "lecture",
    "top_patches",
    "fooling",
    "tsne_from_scratch",
}


def _allowed(module: str) -> tuple[str, ...] | None:
    """The lecturelib packages ``module`` may import from (None: no rule)."""
    parts = module.split(".")
    if parts[1:2] == ["core"]:
        return ("lecturelib.core",)
    if parts[1:2] == ["explain"]:
        return ("lecturelib.core", "lecturelib.explain")
    if parts[1:2] == ["tooling"]:
        return ("lecturelib.core", "lecturelib.tooling")
    if parts[1:2] == ["sections"] and len(parts) == 3:  # a section's __init__
        return ("lecturelib.core", module)
    if parts[1:2] == ["sections"] and len(parts) > 3:
        own = ".".join(parts[:3])
        if parts[3] in SECTION_COMPUTE or parts[3] == "_incremental":
            return ("lecturelib.core", "lecturelib.explain", own)
        return ("lecturelib.core", "lecturelib.explain", "lecturelib.tooling", own)
    if module == "lecturelib.workbook":
        return ("lecturelib.core", "lecturelib.tooling")
    return None


def _lecturelib_imports(tree: ast.Module, module: str) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("lecturelib")}
        elif isinstance(node, ast.ImportFrom):
            target = _imported(node, module, False)[0] if node.level else node.module
            if target and target.startswith("lecturelib"):
                found.add(target)
    return found


RULED = sorted(m for m in _modules() if _allowed(m) is not None)


def test_every_module_has_a_rule():
    unruled = sorted(m for m in _modules() if _allowed(m) is None and m.count(".") > 1)
    assert not unruled, unruled
    sections = {m.split(".")[2] for m in RULED if m.startswith("lecturelib.sections.")}
    assert len(sections) == 10, sorted(sections)
    for name in sections:
        assert f"lecturelib.sections.{name}.compute" in RULED, name
        assert f"lecturelib.sections.{name}.widget" in RULED, name


@pytest.mark.parametrize("module", RULED)
def test_module_imports_follow_the_layers(module):
    tree = _modules()[module]
    allowed = _allowed(module)
    bad = sorted(
        t
        for t in _lecturelib_imports(tree, module)
        if not any(t == a or t.startswith(a + ".") for a in allowed)
        and t != "lecturelib"  # the root package: only __version__ and REPOSITORY
    )
    assert not bad, f"{module} may import only {allowed}; it imports {bad}"
    private = sorted(
        t
        for t in _lecturelib_imports(tree, module)
        if any(p.startswith("_") for p in t.split(".")[1:])
        and not t.startswith(".".join(module.split(".")[:3]))
    )
    assert not private, f"{module} imports another package's private module {private}"


@pytest.mark.parametrize("module", RULED)
def test_compute_side_imports_no_widgets(module):
    if module.split(".")[-1] not in SECTION_COMPUTE and ".core." not in module:
        pytest.skip("widget side")
    names = set()
    for node in ast.walk(_modules()[module]):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    assert not names & {"ipywidgets", "IPython"}, module


def test_each_module_says_which_notebook_it_serves():
    for module in RULED:
        if not module.startswith("lecturelib.sections."):
            continue
        doc = ast.get_docstring(_modules()[module]) or ""
        first = doc.splitlines()[0] if doc else ""
        number = module.split(".")[2][1:3]
        assert first.startswith(f"Notebook {number}"), f"{module}: {first!r}"


def test_the_layer_rule_catches_a_leak():
    tree = ast.parse("from lecturelib.tooling.cache import cached\n")
    module = "lecturelib.sections.s05_occlusion.compute"
    allowed = _allowed(module)
    leaks = [t for t in _lecturelib_imports(tree, module) if not t.startswith(allowed)]
    assert leaks == ["lecturelib.tooling.cache"]


def test_compute_side_draws_nothing():
    """Figures live in a section's plots.py: its compute side (compute.py,
    top_patches.py, ...) imports no matplotlib and defines no ``plot_*`` function."""
    compute_side = [
        m
        for m in RULED
        if m.startswith("lecturelib.sections.")
        and m.split(".")[-1] in SECTION_COMPUTE - {"plots"}
    ]
    assert len(compute_side) >= 12, compute_side
    bad = []
    for module in compute_side:
        tree = _modules()[module]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            bad += [
                f"{module} imports {n}" for n in names if n.startswith("matplotlib")
            ]
        bad += [
            f"{module} defines {n.name} (it belongs in plots.py)"
            for n in tree.body
            if isinstance(n, ast.FunctionDef) and n.name.startswith("plot_")
        ]
    assert not bad, "\n".join(bad)


def test_every_section_has_plots():
    with_plots = {
        m.split(".")[2]
        for m in RULED
        if m.startswith("lecturelib.sections.") and m.endswith(".plots")
    }
    assert len(with_plots) == 10, sorted(with_plots)
