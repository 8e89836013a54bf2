"""glm_lib's layout: imports flow one way, and public namespaces show only their API.

The implementation lives in private packages by job (``_model``, ``_engine``,
``_formula``, ``_symbolic``, ``_data``, ``_glm``, ``_inference``, ``_models``),
each of which may import only the packages below it (its docstring says which).
The graph is built from the source, with imports inside functions counted too,
so a cycle cannot hide behind a deferred import.
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
from pathlib import Path

import pytest

import glm_lib as gl

PACKAGE = Path(gl.__file__).resolve().parent
PRIVATE = sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name.startswith("_") and (p / "__init__.py").exists())
PUBLIC = ["glm_lib"] + [f"glm_lib.{name}" for name in gl.__all__ if isinstance(getattr(gl, name), type(gl))]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    base = module.split(".") if is_package else module.split(".")[:-1]
    if node.level:
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if not target.startswith("glm_lib"):
        return []
    found = [target]
    for alias in node.names:  # `from . import _links`: the submodule itself
        candidate = f"{target}.{alias.name}"
        if MODULES.get(candidate):
            found.append(candidate)
    return found


@functools.cache
def _paths() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


MODULES = {name: True for name in _paths()}


@functools.cache
def import_graph() -> dict[str, set[str]]:
    """Every glm_lib module and the glm_lib modules it imports, anywhere in its source."""
    graph: dict[str, set[str]] = {}
    for name, path in _paths().items():
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                edges.update(_resolve(name, path.name == "__init__.py", node))
            elif isinstance(node, ast.Import):
                edges.update(a.name for a in node.names if a.name.startswith("glm_lib"))
        graph[name] = {e for e in edges if e in MODULES and e != name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_find_cycle_finds_a_cycle_through_a_deferred_import():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_the_module_graph_has_no_cycle():
    graph = {m: {e for e in edges if not _is_package_init(e) or e == "glm_lib"} for m, edges in import_graph().items()}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def _is_package_init(name: str) -> bool:
    return _paths()[name].name == "__init__.py"


def _allowed(package: str) -> set[str]:
    doc = importlib.import_module(f"glm_lib.{package}").__doc__ or ""
    match = re.search(r"May import:(.*)", doc, flags=re.S)
    return set(re.findall(r"glm_lib\.(_\w+)", match.group(1))) if match else set()


@pytest.mark.parametrize("package", PRIVATE)
def test_each_private_package_imports_only_what_its_docstring_allows(package):
    allowed = _allowed(package) | {package}
    wrong = sorted(
        f"{module} imports {target}"
        for module, targets in import_graph().items()
        if module.startswith(f"glm_lib.{package}.") or module == f"glm_lib.{package}"
        for target in targets
        if target.count(".") >= 1 and (target.split(".")[1] not in allowed)
    )
    assert not wrong, f"glm_lib.{package} may import only {sorted(allowed)}:\n" + "\n".join(wrong)


def test_the_package_graph_is_layered():
    """The docstrings' permissions themselves form no cycle."""
    graph = {p: _allowed(p) for p in PRIVATE}
    assert find_cycle(graph) is None


@pytest.mark.parametrize("name", PUBLIC)
def test_a_public_namespace_shows_only_its_api(name):
    module = importlib.import_module(name)
    shown = {n for n in dir(module) if not n.startswith("_")}
    assert shown == set(module.__all__), (
        f"{name}: tab completion offers {sorted(shown - set(module.__all__))} beyond its API; "
        f"missing from the namespace: {sorted(set(module.__all__) - shown)}"
    )


def test_public_modules_are_not_private_implementation():
    for name in PUBLIC[1:]:
        path = Path(importlib.import_module(name).__file__)
        assert not any(part.startswith("_") for part in path.relative_to(PACKAGE).parts[:-1]), name


def test_version_is_the_distribution_version():
    from importlib.metadata import PackageNotFoundError, version

    assert re.fullmatch(r"\d+\.\d+\.\d+", gl.__version__)
    try:
        installed = version("glm_lib")
    except PackageNotFoundError:
        pytest.skip("glm_lib is not installed as a distribution here")
    assert installed == gl.__version__


def test_the_wheel_carries_every_package_and_the_data_with_provenance(tmp_path):
    """`pip install .` from a checkout: the wheel has the private packages, the data and their README."""
    import subprocess
    import sys
    import zipfile

    root = PACKAGE.parent
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(root)], check=True, cwd=tmp_path)
    (wheel,) = tmp_path.glob("glm_lib-*.whl")
    assert wheel.name.startswith(f"glm_lib-{gl.__version__}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {str(p.relative_to(root)) for p in PACKAGE.rglob("*") if p.suffix in {".py", ".csv", ".md"}}
    assert shipped <= names, sorted(shipped - names)[:10]
