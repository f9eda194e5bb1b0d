"""A serving worker keeps out of memory the libraries serving does not use (issue 14,
lebrq/deferred_imports.py), yet each of them still works the moment it is needed.

Each probe runs in a fresh interpreter, as a Granian worker starts: build the app, run
its lifespan (which opens the database pool: on MariaDB, asyncmy's handshake) and
answer a request, then report which modules were loaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Loaded only by code serving does not run: the async ORM session, cryptography (for a
# MySQL RSA password exchange), PyYAML (for /schema/openapi.yaml; `yaml` itself is the
# not-yet-run module, its submodules appear once its code runs), psutil (/proc is read),
# prometheus_client's exposition (until /metrics is scraped) and pdb (`bdb` is what it
# imports first).
DEFERRED = ["sqlalchemy.orm", "cryptography", "yaml.loader", "psutil", "prometheus_client.exposition", "bdb"]
# The other database's SQL dialect.
UNUSED_DIALECT = {"sqlite": [], "mariadb": ["sqlalchemy.dialects.sqlite"]}

_SERVE_ONE_REQUEST = """
import asyncio, json, sys
from lebrq.server.worker import create_app

async def main():
    app = create_app()
    inbox, outbox = asyncio.Queue(), asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    lifespan = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get, outbox.put))
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    sent = []
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}
    async def send(message):
        sent.append(message)
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "https",
             "path": "/api/health", "raw_path": b"/api/health", "query_string": b"", "headers": [(b"host", b"x")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 443), "state": {}}
    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    await inbox.put({"type": "lifespan.shutdown"})
    await outbox.get()
    await lifespan
    return sent[0]["status"], json.loads(body)

status, health = asyncio.run(main())
names = sys.argv[1:]
print(json.dumps({"status": status, "health": health,
                  "loaded": [n for n in names if any(m == n or m.startswith(n + ".") for m in sys.modules)]}))
"""


def _run(code: str, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("database", ["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def test_a_worker_serves_without_loading_what_serving_does_not_use(
    database: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = request.getfixturevalue("sqlite_database_url" if database == "sqlite" else "mariadb_database_url")
    env = {"DATABASE_URL": url, "VAR_DIR": str(tmp_path), "JWT_SECRET": "w" * 40, "LOG_LEVEL": "WARNING"}
    report = json.loads(_run(_SERVE_ONE_REQUEST, *DEFERRED, *UNUSED_DIALECT[database], env=env))
    assert report["status"] == 200 and report["health"]["status"] == "ok", report
    assert report["loaded"] == []


def test_the_deferred_orm_session_yaml_and_pdb_load_when_first_used() -> None:
    code = (
        "import json, sys\n"
        "import lebrq.adapters.sql\n"
        "from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine\n"
        "before = 'sqlalchemy.orm' in sys.modules\n"
        "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n"
        "import pdb, yaml\n"
        "print(json.dumps([before, 'sqlalchemy.orm' in sys.modules, AsyncSession.__module__,\n"
        "                  yaml.safe_dump({'a': [1, 2]}), yaml.safe_load('b: 3'), pdb.Pdb.__name__]))"
    )
    before, after, session_module, dumped, loaded, debugger = json.loads(_run(code))
    assert debugger == "Pdb"
    assert (before, after) == (False, True)
    assert session_module == "sqlalchemy.ext.asyncio.session"
    assert (dumped, loaded) == ("a:\n- 1\n- 2\n", {"b": 3})


def test_asyncmy_still_rsa_encrypts_a_password_loading_cryptography_on_first_use() -> None:
    # MySQL's sha256_password / caching_sha2_password full authentication over plain TCP:
    # the server's public key encrypts the password XORed with the handshake salt.
    code = (
        "import json, sys\n"
        "from lebrq.deferred_imports import defer_asyncmy_cryptography\n"
        "defer_asyncmy_cryptography()\n"
        "import asyncmy.auth as auth\n"
        "before = 'cryptography' in sys.modules\n"
        "from cryptography.hazmat.primitives import hashes, serialization\n"
        "from cryptography.hazmat.primitives.asymmetric import padding, rsa\n"
        "key = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n"
        "public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)\n"
        "salt = bytes(range(20))\n"
        "sealed = auth.sha2_rsa_encrypt(b'secret-password', salt, public)\n"
        "oaep = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)\n"
        "opened = key.decrypt(sealed, oaep)\n"
        "password = bytes(b ^ salt[i % len(salt)] for i, b in enumerate(opened)).rstrip(b'\\0')\n"
        "print(json.dumps([before, password.decode()]))"
    )
    before, password = json.loads(_run(code))
    assert before is False
    assert password == "secret-password"


def test_a_worker_freezes_what_it_inherited_before_it_imports_the_app(tmp_path: Path) -> None:
    # Objects a forked worker inherits from Granian's supervisor stay out of the garbage
    # collector's reach, so their memory pages are not copied into the worker.
    code = (
        "import gc, json, sys\n"
        "import lebrq.server.worker as worker\n"
        "frozen, imported = gc.get_freeze_count(), 'lebrq.bootstrap' in sys.modules\n"
        "app = worker.create_app()\n"
        "print(json.dumps([frozen, imported, type(app).__name__]))"
    )
    env = {"JWT_SECRET": "w" * 40, "VAR_DIR": str(tmp_path)}
    frozen, imported_before_the_call, app = json.loads(_run(code, env=env))
    assert frozen > 1000
    assert imported_before_the_call is False
    assert app == "Litestar"


def test_a_deferred_module_used_by_two_threads_at_once_runs_once_and_serves_both(tmp_path: Path) -> None:
    # A slow package: the second thread asks while the first is still running its code.
    package = tmp_path / "slowpkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        "import time\nRUNS = [1]\ntime.sleep(0.3)\nVALUE = 'ready'\n", encoding="utf-8"
    )
    code = (
        "import json, sys, threading\n"
        f"sys.path.insert(0, {str(tmp_path)!r})\n"
        "from lebrq.deferred_imports import defer_until_first_use\n"
        "defer_until_first_use('slowpkg')\n"
        "import slowpkg\n"
        "seen = []\n"
        "threads = [threading.Thread(target=lambda: seen.append(slowpkg.VALUE)) for _ in range(2)]\n"
        "[t.start() for t in threads]; [t.join() for t in threads]\n"
        "print(json.dumps([seen, len(slowpkg.RUNS)]))"
    )
    seen, runs = json.loads(_run(code))
    assert seen == ["ready", "ready"]
    assert runs == 1
