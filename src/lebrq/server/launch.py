"""Hand the process over to Granian's own CLI.

`lebrq serve` replaces itself (exec) with `python -m granian <validated arguments>`
instead of running Granian in-process because:
- Granian forks its workers from the supervisor (the default start method on Linux).
  After exec the supervisor is a fresh interpreter holding only Granian, so the workers
  do not inherit what lebrq serve loaded to get ready (Alembic, SQLAlchemy engines used
  for migrations, cryptography): smaller processes, no state copied across a fork.
- The process id stays the same, so signals sent to `lebrq serve` (SIGTERM from systemd,
  a container runtime or a test) reach Granian's supervisor directly.
- Granian parses the very arguments already validated with its own parser, so what runs
  is exactly what `--print-config` shows.

The interpreter runs with `-OO` (no docstrings, no asserts): ~3 MiB less in every worker;
lebrq.server.optimized_bytecode says why that is safe and writes the bytecode it reads.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn

from lebrq.server.granian_config import APP_TARGET, GranianConfig
from lebrq.server.optimized_bytecode import SERVING_INTERPRETER_FLAGS, ensure_optimized_bytecode


def exec_granian(config: GranianConfig, app_target: str = APP_TARGET) -> NoReturn:
    """`app_target` replaces the application factory (tests add test-only routes this way)."""
    assert config.arguments[0] == APP_TARGET, "the factory comes first in Granian's arguments"
    ensure_optimized_bytecode()
    command = [sys.executable, *SERVING_INTERPRETER_FLAGS, "-m", "granian", app_target, *config.arguments[1:]]
    environment = {**os.environ, **config.environment}
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, command, environment)
