"""The installed packages import one way: corpus → index → assistant, evaluation on top, and never in a cycle.

Every module is parsed with ``ast`` and every ``import`` counts, including those inside functions
(lazy imports hide cycles from Python but not from readers) and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
# Lower layers first: a package may import only itself and the packages before it.
LAYERS = ("corpus", "index", "assistant", "evaluation")
EXPERIMENTS = "experiments"


def module_files(package: str) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of ``package`` (a package's own name for ``__init__``)."""
    found = {}
    for path in sorted((REPO_ROOT / package).rglob("*.py")):
        parts = list(path.relative_to(REPO_ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imported_names(module: str, path: Path) -> set[str]:
    """Every module name ``path`` imports, relative imports resolved, ``from m import x`` giving m and m.x."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            names.add(source)
            names.update(f"{source}.{alias.name}" for alias in node.names)
    return names


def import_graph(packages: tuple[str, ...]) -> dict[str, set[str]]:
    """Module -> the modules of ``packages`` it imports (itself excluded)."""
    files = {name: path for package in packages for name, path in module_files(package).items()}
    return {name: {other for other in imported_names(name, path) if other in files and other != name}
            for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
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
    return found


def top_package(module: str) -> str:
    return module.partition(".")[0]


def test_the_graph_sees_function_level_and_relative_imports(tmp_path: Path) -> None:
    source = tmp_path / "module.py"
    source.write_text("from . import sibling\n\ndef late():\n    from index.search import MODES\n", encoding="utf-8")
    assert imported_names("index.cli", source) == {"index", "index.sibling", "index.search", "index.search.MODES"}
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_every_package_is_parsed() -> None:
    graph = import_graph(LAYERS)
    assert {top_package(module) for module in graph} == set(LAYERS)
    assert {"index.search", "assistant.service", "evaluation.cli", "evaluation.bench.run"} <= set(graph)


def test_no_import_cycles_between_modules() -> None:
    assert cycles(import_graph(LAYERS)) == []


@pytest.mark.parametrize("layer", LAYERS)
def test_no_package_imports_a_higher_layer(layer: str) -> None:
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    graph = import_graph(LAYERS)
    upward = sorted(
        f"{module} -> {target}"
        for module, targets in graph.items()
        if top_package(module) == layer
        for target in targets
        if top_package(target) not in allowed
    )
    assert upward == []


def test_installed_packages_import_no_experiment_or_test() -> None:
    """experiments/ and tests/ are not in the wheel: the product must not need them."""
    files = {name: path for package in LAYERS for name, path in module_files(package).items()}
    leaks = sorted(
        f"{module} -> {name}"
        for module, path in files.items()
        for name in imported_names(module, path)
        if top_package(name) in {EXPERIMENTS, "tests"}
    )
    assert leaks == []


def test_experiments_do_not_form_cycles_either() -> None:
    assert cycles(import_graph((*LAYERS, EXPERIMENTS))) == []
