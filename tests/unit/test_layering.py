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
    assert len(modules_in("domain")) >= 4 and len(modules_in("adapters")) >= 4
