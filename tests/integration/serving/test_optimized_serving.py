"""Serving processes run under `python -OO` (no docstrings, no asserts: ~3 MiB less per
worker, issue 14), and `lebrq serve` writes the optimized bytecode they read once, before
Granian starts (lebrq.server.optimized_bytecode)."""

from __future__ import annotations

import json
import logging
import marshal
import sys
from collections.abc import Iterator
from importlib.util import cache_from_source
from pathlib import Path

import pytest

from lebrq.server.optimized_bytecode import ensure_optimized_bytecode
from tests.support.granian_process import ServiceStarter

COMMITTED_DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"
DOCSTRING = "Only a debugger would read this."


def test_optimized_workers_serve_the_committed_openapi_document_with_its_descriptions(
    granian_service: ServiceStarter,
) -> None:
    service = granian_service()
    interpreters = [process.cmdline()[1] for process in service.processes()]
    assert interpreters == ["-OO"] * len(interpreters) and len(interpreters) >= 2  # supervisor and worker
    with service.client() as client:
        served = client.get("/schema/openapi.json")
        assert client.get("/api/health").json()["status"] == "ok"
    assert served.status_code == 200
    # Clients generate their code from this document: -OO must not cost it a description.
    assert served.json() == json.loads(COMMITTED_DOCUMENT.read_text(encoding="utf-8"))


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An importable package (on sys.path here and in the child) with one documented module."""
    root = tmp_path / "site"
    (root / "sample_pkg").mkdir(parents=True)
    (root / "sample_pkg" / "__init__.py").write_text("")
    (root / "sample_pkg" / "tool.py").write_text(f'"""{DOCSTRING}"""\n\nVALUE = 1\n')
    monkeypatch.syspath_prepend(str(root))
    monkeypatch.setenv("PYTHONPATH", str(root))
    yield root / "sample_pkg"
    # Finding a submodule imports its package: forget this test's copy.
    sys.modules.pop("sample_pkg", None)


def _optimized(source: Path) -> Path:
    return Path(cache_from_source(str(source), optimization=2))


def _constants(bytecode: Path) -> tuple[object, ...]:
    return tuple(marshal.loads(bytecode.read_bytes()[16:]).co_consts)


def test_missing_optimized_bytecode_is_written_once_without_docstrings(
    package: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lebrq.serve")
    assert ensure_optimized_bytecode(["sample_pkg.tool"]) is True
    written = _optimized(package / "tool.py")
    assert written.exists()
    assert DOCSTRING not in _constants(written)
    assert "writing the optimized bytecode" in caplog.text

    caplog.clear()
    assert ensure_optimized_bytecode(["sample_pkg.tool"]) is True
    assert "writing" not in caplog.text, "current bytecode is not written again"


def test_bytecode_older_than_its_source_is_rewritten(package: Path) -> None:
    assert ensure_optimized_bytecode(["sample_pkg.tool"]) is True
    (package / "tool.py").write_text("VALUE = 2  # a new release\n")
    assert ensure_optimized_bytecode(["sample_pkg.tool"]) is True
    assert 2 in _constants(_optimized(package / "tool.py"))


def test_it_is_written_even_when_the_environment_asks_python_not_to(
    package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    assert ensure_optimized_bytecode(["sample_pkg.tool"]) is True
    assert _optimized(package / "tool.py").exists()


def test_a_read_only_install_is_reported_with_the_command_that_fixes_it(
    package: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A file where the cache folder would go: nothing can be written there, even by root.
    (package / "__pycache__").write_text("")
    assert ensure_optimized_bytecode(["sample_pkg.tool"]) is False
    warning = next(record for record in caplog.records if record.levelno == logging.WARNING)
    message = warning.getMessage()
    assert "sample_pkg.tool" in message
    assert f"{sys.executable} -OO -m compileall -q {package.parent}" in message


def test_a_module_that_fails_to_import_is_reported_and_serving_goes_on(
    package: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (package / "broken.py").write_text("raise RuntimeError('needs a setting')\n")
    # The import stops at the broken module, so the one after it is never compiled.
    assert ensure_optimized_bytecode(["sample_pkg.broken", "sample_pkg.tool"]) is False
    assert "RuntimeError: needs a setting" in caplog.text
    assert not _optimized(package / "tool.py").exists()
