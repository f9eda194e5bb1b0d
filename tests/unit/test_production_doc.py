"""Every granian.toml setting docs/production.md shows is one `lebrq serve` accepts."""

from __future__ import annotations

import re
from pathlib import Path

from lebrq.server.granian_config import granian_options

DOC = Path(__file__).resolve().parents[2] / "docs" / "production.md"
# `key = value` in a toml block or a code span; `| `key` |` in the settings table.
SETTING = re.compile(r"^([a-z][a-z0-9-]*)\s*=", re.MULTILINE)
INLINE_SETTING = re.compile(r"`([a-z][a-z0-9-]*) = [^`]*`")
TABLE_KEY = re.compile(r"^\| `([a-z][a-z0-9-]*)`", re.MULTILINE)


def documented_keys(text: str) -> set[str]:
    keys: set[str] = set()
    for block in re.findall(r"```toml\n(.*?)```", text, re.DOTALL):
        keys.update(SETTING.findall(block))
    keys.update(INLINE_SETTING.findall(text))
    keys.update(TABLE_KEY.findall(text))
    return keys


def test_the_production_doc_names_only_keys_lebrq_serve_accepts() -> None:
    keys = documented_keys(DOC.read_text())
    assert {"workers-max-rss", "backpressure", "metrics", "metrics-port"} <= keys
    assert sorted(keys - granian_options().keys()) == []


def test_the_check_catches_a_key_granian_does_not_have() -> None:
    assert documented_keys("Turn on `metrics-enabled = true`.") - granian_options().keys() == {"metrics-enabled"}
