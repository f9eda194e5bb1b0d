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
"""

from __future__ import annotations

import logging
import os
import sys
from typing import NoReturn

from lebrq.server.granian_config import GranianConfig


def exec_granian(config: GranianConfig) -> NoReturn:
    command = [sys.executable, "-m", "granian", *config.arguments]
    environment = {**os.environ, **config.environment}
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, command, environment)
