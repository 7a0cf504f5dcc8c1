"""The code's structure: no import cycles between the project's modules.

Every ``import`` counts, including those deferred into function bodies: a
deferred import hides a cycle from Python's start-up, not from a reader.
Importing ``a.b.c`` also runs the packages ``a`` and ``a.b``, so those are
edges too.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO_ROOT

PACKAGES = ("benchmark", "scorers")


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules(root: Path = REPO_ROOT) -> dict[str, Path]:
    """Module name -> file, for every module of the project's packages."""
    return {_module_name(path, root): path for package in PACKAGES for path in sorted((root / package).rglob("*.py"))}


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts) + 1)]


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports anywhere in its body (parents of a dotted import included)."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        is_package = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: resolve against this module's package
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)]
                    module = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                # ``from package import submodule`` imports the submodule.
                imported = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module for alias in node.names]
            else:
                continue
            targets.update(m for target in imported for m in _with_parents(target) if m in modules and m != name)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted, in sorted order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_project_has_no_import_cycles():
    graph = import_graph(project_modules())
    assert "scorers.results" in graph and "benchmark.cli" in graph  # the walk found the project
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_deferred_cycle(tmp_path):
    """A cycle closed only by an import inside a function is still a cycle (and a parent package counts)."""
    for package in PACKAGES:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "scorers" / "config.py").write_text("def default():\n    from scorers.texts import THRESHOLD\n    return THRESHOLD\n")
    (tmp_path / "scorers" / "texts.py").write_text("from scorers.config import default\nTHRESHOLD = 0.5\n")
    (tmp_path / "benchmark" / "__init__.py").write_text("def lazy():\n    from benchmark import runner\n")
    (tmp_path / "benchmark" / "runner.py").write_text("from benchmark import lazy\nfrom scorers import config\n")
    graph = import_graph(project_modules(tmp_path))
    assert graph["scorers.texts"] == {"scorers", "scorers.config"}
    assert cycles(graph) == [["benchmark", "benchmark.runner"], ["scorers.config", "scorers.texts"]]
