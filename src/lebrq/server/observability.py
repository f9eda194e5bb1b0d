"""What `lebrq serve` prepares once, before Granian starts, for metrics and logs.

- Metrics: an empty `<VAR_DIR>/metrics/` named by PROMETHEUS_MULTIPROC_DIR, inherited by
  every worker (prometheus_client must see it before it is imported; see
  lebrq.adapters.system.prometheus_metrics). Emptied on every start so figures of a
  previous run, and files of its dead workers, are not merged into this one.
- Logs: `<VAR_DIR>/logging.json` (JSON lines, lebrq.server.json_logs) passed to Granian as
  GRANIAN_LOG_CONFIG, unless granian.toml or the environment already names a log config.
"""

from __future__ import annotations

import json
from pathlib import Path

from lebrq.adapters.system.prometheus_metrics import MULTIPROCESS_ENV, prepare_multiprocess_directory
from lebrq.server.json_logs import logging_config

LOG_CONFIG_ENV = "GRANIAN_LOG_CONFIG"


def observability_environment(var_dir: Path, *, log_level: str, log_config_configured: bool) -> dict[str, str]:
    """Variables to add to Granian's environment. `log_config_configured`: granian.toml or
    GRANIAN_LOG_CONFIG already names one (that one wins)."""
    environment = {MULTIPROCESS_ENV: str(prepare_multiprocess_directory(var_dir.resolve() / "metrics"))}
    if not log_config_configured:
        log_file = var_dir.resolve() / "logging.json"
        log_file.write_text(json.dumps(logging_config(log_level), indent=2))
        environment[LOG_CONFIG_ENV] = str(log_file)
    return environment
