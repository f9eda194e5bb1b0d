"""Structured logs: every line one JSON object, Granian's access fields as fields."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from lebrq.server.json_logs import JsonLinesFormatter, logging_config
from lebrq.server.observability import LOG_CONFIG_ENV, observability_environment


def formatted(record: logging.LogRecord) -> dict[str, object]:
    line = JsonLinesFormatter().format(record)
    assert "\n" not in line
    return json.loads(line)  # type: ignore[no-any-return]


def test_application_records_carry_level_logger_message_and_extra_fields() -> None:
    record = logging.LogRecord("lebrq.memory", logging.WARNING, __file__, 1, "memory %s -> %s", ("ok", "warning"), None)
    record.used_percent = 91.5
    line = formatted(record)
    assert line["level"] == "warning" and line["logger"] == "lebrq.memory"
    assert line["message"] == "memory ok -> warning"
    assert line["used_percent"] == 91.5
    assert str(line["time"]).endswith("Z")


def test_granian_access_records_become_fields() -> None:
    fields = {"addr": "127.0.0.1", "time": "local", "method": "GET", "path": "/api/venues", "status": 200, "dt_ms": 1.5}
    record = logging.LogRecord(
        "granian.access", logging.INFO, __file__, 1, "%(method)s %(path)s %(status)d", (fields,), None
    )
    line = formatted(record)
    assert line["method"] == "GET" and line["path"] == "/api/venues" and line["status"] == 200
    assert line["message"] == "GET /api/venues 200"
    assert line["time"] != "local"  # ours, in UTC


def test_exceptions_are_kept_in_one_line() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = logging.LogRecord("lebrq.http", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    assert "RuntimeError: boom" in str(formatted(record)["exception"])


def test_the_config_granian_receives_sends_granian_and_lebrq_logs_through_the_json_formatter(tmp_path: Path) -> None:
    environment = observability_environment(tmp_path, log_level="debug", log_config_configured=False)
    config = json.loads(Path(environment[LOG_CONFIG_ENV]).read_text())
    assert config == logging_config("debug")
    assert config["formatters"]["json"] == {"()": "lebrq.server.json_logs.JsonLinesFormatter"}
    for name in ("_granian", "granian.access", "lebrq"):
        assert config["loggers"][name]["handlers"] == ["json"], name
    assert config["loggers"]["lebrq"]["level"] == "DEBUG"


@pytest.mark.parametrize("configured", [True, False])
def test_a_log_config_named_by_the_operator_wins(tmp_path: Path, configured: bool) -> None:
    environment = observability_environment(tmp_path, log_level="info", log_config_configured=configured)
    assert (LOG_CONFIG_ENV in environment) is not configured
    assert Path(environment["PROMETHEUS_MULTIPROC_DIR"]) == (tmp_path / "metrics").resolve()
