"""The hexagon's rules (DESIGN.md), checked on the import graph of the source tree."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[2] / "src" / "lebrq"
STDLIB = set(sys.stdlib_module_names) | {"__future__"}


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def module_name(path: Path, root: Path) -> str:
    parts = [root.name, *path.relative_to(root).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the lebrq modules it imports (anywhere in the file, TYPE_CHECKING and
    function-level imports included: a cycle of names is a cycle of ideas)."""
    paths = {module_name(path, root): path for path in root.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                # `from package import module` imports the module, not just the package.
                submodules = {f"{node.module}.{alias.name}" for alias in node.names} & paths.keys()
                targets.update(submodules or {node.module})
        graph[name] = {target for target in targets if target in paths and target != name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

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
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)


def modules_in(layer: str) -> list[Path]:
    return sorted((SOURCE / layer).rglob("*.py"))


def top(name: str) -> str:
    return name.split(".")[0]


@pytest.mark.parametrize("path", modules_in("domain"), ids=lambda p: str(p.relative_to(SOURCE)))
def test_domain_imports_only_stdlib_msgspec_and_ports(path: Path) -> None:
    allowed_lebrq = ("lebrq.domain", "lebrq.ports")
    for name in imports_of(path):
        if name.startswith("lebrq"):
            assert name.startswith(allowed_lebrq), f"{path.name} imports {name}"
        else:
            assert top(name) in STDLIB | {"msgspec"}, f"{path.name} imports {name}"


@pytest.mark.parametrize("path", modules_in("domain/model"), ids=lambda p: str(p.relative_to(SOURCE)))
def test_entities_and_value_objects_import_no_port_and_no_use_case(path: Path) -> None:
    for name in imports_of(path):
        if name.startswith("lebrq"):
            assert name.startswith("lebrq.domain.model"), f"{path.name} imports {name}"
        else:
            assert top(name) in STDLIB | {"msgspec"}, f"{path.name} imports {name}"


def test_no_module_of_lebrq_takes_part_in_an_import_cycle() -> None:
    graph = import_graph(SOURCE)
    assert len(graph) >= 100, "the graph covers every module"
    assert import_cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle_through_a_type_checking_import(tmp_path: Path) -> None:
    # The rule's own check: the cycle that once ran model -> ports -> model is found,
    # even when one side hides behind `if TYPE_CHECKING:`.
    package = tmp_path / "lebrq"
    (package / "domain").mkdir(parents=True)
    (package / "ports").mkdir()
    (package / "domain" / "invoices.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from lebrq.ports.invoices import Repo\n"
    )
    (package / "ports" / "invoices.py").write_text("from lebrq.domain.invoices import Invoice\n")
    (package / "ports" / "other.py").write_text("import lebrq.domain.invoices\n")
    assert import_cycles(import_graph(package)) == [["lebrq.domain.invoices", "lebrq.ports.invoices"]]


@pytest.mark.parametrize("path", modules_in("ports"), ids=lambda p: str(p.relative_to(SOURCE)))
def test_ports_import_only_domain_types_and_stdlib(path: Path) -> None:
    for name in imports_of(path):
        if name.startswith("lebrq"):
            assert name.startswith(("lebrq.domain", "lebrq.ports")), f"{path.name} imports {name}"
        else:
            assert top(name) in STDLIB | {"msgspec"}, f"{path.name} imports {name}"


@pytest.mark.parametrize("path", modules_in("adapters"), ids=lambda p: str(p.relative_to(SOURCE)))
def test_adapters_never_import_http_or_bootstrap(path: Path) -> None:
    for name in imports_of(path):
        assert not name.startswith(("lebrq.http", "lebrq.bootstrap")), f"{path.name} imports {name}"


@pytest.mark.parametrize("path", modules_in("http"), ids=lambda p: str(p.relative_to(SOURCE)))
def test_http_does_not_choose_adapters(path: Path) -> None:
    for name in imports_of(path):
        assert not name.startswith(("lebrq.adapters", "lebrq.bootstrap", "sqlalchemy")), f"{path.name} imports {name}"


def test_the_rules_are_checked_on_real_modules() -> None:
    # Guards against the parametrised tests passing vacuously on an empty glob.
    assert len(modules_in("domain/model")) >= 4 and len(modules_in("adapters")) >= 4
