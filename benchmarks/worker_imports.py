"""Benchmark (issue 14): what each import costs the web worker, and what the worker holds.

    ./dev bench worker_imports

For each package, in the order a Granian worker meets them: the memory it adds (RSS and
USS growth, imported after the packages above it, so shared dependencies count once) and
its import time (`python -X importtime`, cumulative, alone in a fresh interpreter, median
of 3), each under the serving interpreter's flags (`-OO`). Then whether the modules serving does not need at start are absent from a worker
that has built the app (`create_app()`), e.g. fpdf2 (render child only), the unused SQL
driver, Alembic, the CLI, the test fakes. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.production_install import production_python

from lebrq.server.optimized_bytecode import SERVING_INTERPRETER_FLAGS

# (module, what it is for in the worker)
ORDER = [
    ("msgspec", "JSON encoding/decoding, settings"),
    ("sqlalchemy", "SQL Core"),
    ("lebrq.adapters.sql", "async engine without sqlalchemy.orm (lebrq.deferred_imports)"),
    ("litestar", "web framework (PyYAML deferred)"),
    ("prometheus_client", "/metrics (multiprocess mode)"),
    ("argon2", "password hashing"),
    ("asyncmy", "MariaDB driver (only when DATABASE_URL is mysql; cryptography deferred)"),
    ("aiosqlite", "SQLite driver (only when DATABASE_URL is sqlite)"),
    ("lebrq.http.app", "routes, schemas, middleware"),
    ("lebrq.bootstrap", "use cases, adapters, composition"),
    ("granian", "the server itself (in every worker)"),
    ("fpdf", "PDF layout: in the render child only"),
]
NOT_AT_START = [
    "sqlalchemy.orm",
    "cryptography",
    "yaml.loader",
    "psutil",
    "fpdf",
    "fontTools",
    "PIL",
    "alembic",
    "aiosqlite",
    "lebrq.commands",
    "lebrq.cli",
    "lebrq.adapters.memory.unit_of_work",
    "lebrq.adapters.sql.migrations",
    "lebrq.adapters.sql.demo_data",
    "lebrq.server.dev_certificate",
    "multiprocessing",
]

_MEASURE = """
import json, sys
def sizes():
    values = {}
    for line in open('/proc/self/smaps_rollup'):
        key, value = line.split(':', 1)[0], line.split()[1]
        values[key] = values.get(key, 0) + (int(value) if value.isdigit() else 0)
    return values['Rss'], values['Private_Clean'] + values['Private_Dirty']
out = []
for name in sys.argv[1:]:
    if name == 'asyncmy':  # as lebrq's engine imports it: cryptography deferred
        from lebrq.deferred_imports import defer_asyncmy_cryptography
    before = sizes()
    try:
        if name == 'asyncmy':
            defer_asyncmy_cryptography()
        __import__(name)
        after = sizes()
        out.append([name, after[0] - before[0], after[1] - before[1], after[0]])
    except ImportError as exc:
        out.append([name, None, None, str(exc)])
print(json.dumps(out))
"""

_AFTER_APP = """
import json, os, sys
os.environ.setdefault('JWT_SECRET', 'x' * 40)
from lebrq.bootstrap import create_app
create_app()
print(json.dumps({name: any(m == name or m.startswith(name + '.') for m in sys.modules) for name in sys.argv[1:]}))
"""


def import_ms(python: str, name: str) -> float:
    times = []
    for _ in range(3):
        result = subprocess.run(
            [python, *SERVING_INTERPRETER_FLAGS, "-X", "importtime", "-c", f"import {name}"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        own = [line for line in result.stderr.splitlines() if re.search(rf"\|\s*{re.escape(name)}$", line)]
        if own:
            times.append(int(own[-1].split("|")[1]) / 1000)
    return statistics.median(times) if times else float("nan")


def main() -> int:
    # What a production install imports (no test tools: see benchmarks/production_install.py).
    python = production_python()
    rows = json.loads(
        subprocess.run(
            [python, *SERVING_INTERPRETER_FLAGS, "-c", _MEASURE, *(name for name, _ in ORDER)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
    )
    print(
        f"# worker imports, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, Python {platform.python_version()}, "
        f"load {os.getloadavg()[0]:.1f}"
    )
    print("| module | for | + RSS MiB | + USS MiB | RSS after MiB | import ms (alone) |")
    print("|---|---|---|---|---|---|")
    purpose = dict(ORDER)
    for name, rss, uss, total in rows:
        if rss is None:
            print(f"| {name} | {purpose[name]} | not installed | | | |")
            continue
        print(
            f"| `{name}` | {purpose[name]} | {rss / 1024:.1f} | {uss / 1024:.1f} | {total / 1024:.1f} | {import_ms(python, name):.0f} |"
        )
    with tempfile.TemporaryDirectory() as var:
        env = {**os.environ, "VAR_DIR": var, "DATABASE_URL": "mysql+asyncmy://u@127.0.0.1/unused"}
        loaded = json.loads(
            subprocess.run(
                [python, *SERVING_INTERPRETER_FLAGS, "-c", _AFTER_APP, *NOT_AT_START],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
                env=env,
            ).stdout
        )
    print()
    print(
        "after create_app() on MariaDB settings: "
        + ", ".join(f"{name} {'LOADED' if hit else 'absent'}" for name, hit in loaded.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
