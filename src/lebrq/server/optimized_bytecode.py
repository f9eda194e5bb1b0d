"""Serving processes run under `python -OO`; this makes sure their bytecode is on disk.

Why -OO (lebrq.server.launch): it leaves out docstrings and `assert` statements, and the
docstrings of the libraries a worker imports (SQLAlchemy's above all) are ~3 MiB of every
worker's memory (issue 14, docs/benchmarks.md). Serving uses neither: the OpenAPI document
states its descriptions explicitly and is served byte for byte the same
(tests/integration/serving/test_optimized_serving.py); the test suite runs the same code
with its assertions on.

Python reads -OO bytecode from `__pycache__/*.opt-2.pyc`, which `pip install` does not
write. Without it each worker compiles every module it imports when it starts (seconds of
CPU and more memory in each worker), and again at every start when the install is
read-only. So before Granian starts, `lebrq serve` checks the modules every worker
imports and, where their optimized bytecode is missing or stale, imports them once in a
short-lived `python -OO` child, which writes it (a few seconds, once per install). The
child writes it even under PYTHONDONTWRITEBYTECODE, which is meant to keep ad-hoc runs
from leaving files behind, not to make every worker compile at every start. Where it
cannot be written (a read-only install), the log says so and names the command for the
install step.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

logger = logging.getLogger("lebrq.serve")

# Passed to every serving interpreter (Granian's supervisor, hence its forked workers).
SERVING_INTERPRETER_FLAGS = ("-OO",)
OPTIMIZATION_LEVEL = 2
# What Granian's supervisor and every worker import when they start (the drivers and
# the rest of the application follow from these). Each is checked, then imported by the
# child that writes what is missing.
SERVING_MODULES = (
    "asyncio",
    "granian.cli",
    "litestar",
    "sqlalchemy",
    "lebrq.server.worker",
    "lebrq.bootstrap",
    "asyncmy",
    "aiosqlite",
)
WARM_UP_TIMEOUT_SECONDS = 300


def ensure_optimized_bytecode(modules: Sequence[str] = SERVING_MODULES) -> bool:
    """True when every module's optimized bytecode is current (written now if needed)."""
    stale = _stale_modules(modules)
    if not stale:
        return True
    logger.info("writing the optimized bytecode serving uses (-OO), once per install: %s", ", ".join(stale))
    _import_in_optimized_child(modules)
    still_stale = _stale_modules(modules)
    if still_stale:
        folders = sorted({str(_import_root(name)) for name in still_stale})
        logger.warning(
            "optimized bytecode could not be written for %s (read-only install?): "
            "each worker compiles these modules whenever it starts; write it at install time with "
            "`%s -OO -m compileall -q %s`",
            ", ".join(still_stale),
            sys.executable,
            " ".join(folders),
        )
        return False
    return True


def _stale_modules(modules: Sequence[str]) -> list[str]:
    return [name for name in modules if not _bytecode_is_current(name)]


def _bytecode_is_current(module: str) -> bool:
    """The test Python itself makes before it uses a cached file: same magic number, and
    the source's modification time and size recorded in the header."""
    source = _source_of(module)
    if source is None:
        return True  # not installed, or not from a source file: nothing to compile
    cached = Path(importlib.util.cache_from_source(str(source), optimization=OPTIMIZATION_LEVEL))
    try:
        with cached.open("rb") as file:
            header = file.read(16)
        stat = source.stat()
    except OSError:
        return False
    if len(header) < 16 or header[:4] != importlib.util.MAGIC_NUMBER:
        return False
    if int.from_bytes(header[4:8], "little") != 0:
        return True  # hash-based bytecode (reproducible builds): valid whatever the time
    recorded_mtime = int.from_bytes(header[8:12], "little")
    recorded_size = int.from_bytes(header[12:16], "little")
    return recorded_mtime == int(stat.st_mtime) & 0xFFFFFFFF and recorded_size == stat.st_size & 0xFFFFFFFF


def _source_of(module: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.has_location or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def _import_root(module: str) -> Path:
    """The sys.path folder the module was found in (site-packages, the standard library)."""
    source = _source_of(module)
    assert source is not None, "only modules with a source file are ever stale"
    depth = module.count(".") + (1 if source.name == "__init__.py" else 0)
    return source.parents[depth]


def _import_in_optimized_child(modules: Sequence[str]) -> None:
    command = [sys.executable, *SERVING_INTERPRETER_FLAGS, "-c", f"import {', '.join(modules)}"]
    try:
        environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=WARM_UP_TIMEOUT_SECONDS, env=environment
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.warning("could not write the optimized bytecode: %s", exc)
        return
    if finished.returncode != 0:
        last_line = (finished.stderr.strip().splitlines() or ["(no output)"])[-1]
        logger.warning("could not write the optimized bytecode: the import failed: %s", last_line)
