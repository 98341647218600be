"""The workbook layer's four floors import downhill only, without circles, and the core never
imports the Excel face (``nqp_udfs``): read from every module's syntax tree, not by importing."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "nqp_xl"
WORKBOOK = PKG / "workbook"
FLOORS = ["ooxml", "engine", "template", "commands"]  # lowest first


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> list[tuple[str, int]]:
    """Every module ``path`` imports (relative imports resolved; ``from X import y`` counts X.y
    when X is a package of ours and y one of its modules), with the line."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> list[tuple[str, int]]:
    tree = ast.parse(source)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[:len(package.split(".")) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            out.append((mod, node.lineno))
            for a in node.names:
                sub = f"{mod}.{a.name}"
                if (PKG.parent / (sub.replace(".", "/") + ".py")).exists() or \
                        (PKG.parent / sub.replace(".", "/")).is_dir():
                    out.append((sub, node.lineno))
    return out


def floor_of(module: str) -> int | None:
    parts = module.split(".")
    if parts[:2] != ["nqp_xl", "workbook"] or len(parts) < 3:
        return None
    return FLOORS.index(parts[2]) if parts[2] in FLOORS else None


WORKBOOK_FILES = sorted(WORKBOOK.rglob("*.py"))


def test_every_workbook_module_sits_on_a_floor():
    loose = [str(p.relative_to(WORKBOOK)) for p in WORKBOOK_FILES
             if p != WORKBOOK / "__init__.py" and p.relative_to(WORKBOOK).parts[0] not in FLOORS]
    assert loose == []
    assert all((WORKBOOK / f / "__init__.py").exists() for f in FLOORS)


@pytest.mark.parametrize("path", WORKBOOK_FILES, ids=lambda p: str(p.relative_to(WORKBOOK)))
def test_imports_run_downhill(path):
    here = floor_of(module_name(path))
    if here is None:
        return
    upward = [f"line {line}: {mod}" for mod, line in imported(path)
              if (floor_of(mod) or -1) > here]
    assert upward == [], f"{module_name(path)} ({FLOORS[here]}) imports from a floor above it"


def find_circle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of ``graph`` (module -> modules it imports) as a path, or []."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(m: str) -> list[str]:
        state[m] = 1
        path.append(m)
        for d in sorted(graph.get(m, ())):
            if state.get(d) == 1:
                return path[path.index(d):] + [d]
            if d not in state and (found := visit(d)):
                return found
        path.pop()
        state[m] = 2
        return []

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return []


def test_no_import_circle():
    modules = {module_name(p): p for p in WORKBOOK_FILES}
    graph = {m: {d for d, _ in imported(p) if d in modules and d != m} for m, p in modules.items()}
    assert find_circle(graph) == []
    assert find_circle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]  # the check can fail


def test_the_core_never_imports_the_excel_face():
    found = [f"{p.relative_to(PKG.parent)}:{line}" for p in sorted(PKG.rglob("*.py"))
             for mod, line in imported(p) if mod.split(".")[0] == "nqp_udfs"]
    assert found == []


def test_the_walker_sees_an_upward_import_and_nqp_udfs():
    """The checks above can fail: a module of the ooxml floor importing a command, nqp_udfs (in
    each form) and a function-local import are all found."""
    source = ("from ..commands import refresh\nimport nqp_udfs\n"
              "def f():\n    from nqp_udfs import NQP_KMO\n    from ..engine.engine import Engine\n")
    mods = [m for m, _ in imports_in(source, "nqp_xl.workbook.ooxml")]
    assert "nqp_xl.workbook.commands.refresh" in mods and mods.count("nqp_udfs") == 2
    assert "nqp_xl.workbook.engine.engine" in mods
    assert floor_of("nqp_xl.workbook.commands.refresh") > floor_of("nqp_xl.workbook.ooxml.package")
