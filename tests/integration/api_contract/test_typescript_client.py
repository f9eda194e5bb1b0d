"""The front ends' path, proven: openapi-typescript (npm) generates types from the
committed docs/openapi.json and `tsc --noEmit` type-checks a small client written
against them (tests/typescript/client.ts), including lines that must NOT compile.

The npm packages are pinned in tests/typescript/package.json and package-lock.json;
`./dev test` installs them (`npm ci`) when they are missing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PROJECT = ROOT / "tests" / "typescript"
BIN = PROJECT / "node_modules" / ".bin"


@pytest.fixture(scope="module")
def tools() -> Path:
    if not (BIN / "tsc").exists() or not (BIN / "openapi-typescript").exists():
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed: the TypeScript client check needs node and npm")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=PROJECT, check=True, capture_output=True)
    return BIN


@pytest.fixture(scope="module")
def generated_types(tools: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """api.d.ts from the committed document, generated once for this module."""
    output = tmp_path_factory.mktemp("openapi-typescript") / "api.d.ts"
    generate = subprocess.run(
        [str(tools / "openapi-typescript"), str(ROOT / "docs" / "openapi.json"), "-o", str(output)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert generate.returncode == 0, generate.stdout + generate.stderr
    return output


def _typecheck(tools: Path, types: Path, work: Path, client_source: str) -> subprocess.CompletedProcess[str]:
    shutil.copy(PROJECT / "tsconfig.json", work / "tsconfig.json")
    shutil.copy(types, work / "api.d.ts")
    (work / "client.ts").write_text(client_source, encoding="utf-8")
    return subprocess.run(
        [str(tools / "tsc"), "--noEmit", "-p", str(work / "tsconfig.json")], capture_output=True, text=True, timeout=180
    )


def test_a_client_typed_from_the_document_compiles(tools: Path, generated_types: Path, tmp_path: Path) -> None:
    checked = _typecheck(tools, generated_types, tmp_path, (PROJECT / "client.ts").read_text(encoding="utf-8"))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_type_check_catches_a_client_mistake(tools: Path, generated_types: Path, tmp_path: Path) -> None:
    """The check can fail: a client reading a field the document does not have."""
    source = (PROJECT / "client.ts").read_text(encoding="utf-8")
    broken = source.replace("const total: number = booking.total_paise;", "const total: number = booking.grand_total;")
    assert broken != source
    checked = _typecheck(tools, generated_types, tmp_path, broken)
    assert checked.returncode != 0 and "grand_total" in checked.stdout
