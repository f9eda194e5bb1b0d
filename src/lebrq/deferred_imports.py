"""Keep libraries that serving does not use out of every worker's memory.

Each is pulled in by an import of something a worker does need, and costs memory in
every worker for as long as it runs (issue 14, docs/benchmarks.md):

- Litestar imports PyYAML at start (~1 MiB) for one page, /schema/openapi.yaml, and
  `pdb` (~0.5 MiB with `cmd`, `bdb`, `code`) for its `pdb_on_exception` option.
- `prometheus_client`'s package `__init__` loads its exposition half (an HTTP server, a
  WSGI app and their standard-library modules) and default collectors this service does
  not register; the metrics adapter imports the submodules it uses, and the exposition
  when /metrics is first scraped.
- `sqlalchemy.ext.asyncio` is needed for its engine, but its package `__init__` also
  imports the async ORM session, which imports all of `sqlalchemy.orm` (~6 MiB). This
  project uses SQLAlchemy Core only.
- `asyncmy.auth` imports `cryptography` (~10 MiB: its Rust module and OpenSSL) for one
  function: RSA-encrypting the password for MySQL's `sha256_password` /
  `caching_sha2_password` full authentication over an unencrypted connection. MariaDB's
  `mysql_native_password`, and any connection over TLS, never call it.

Nothing is patched away: YAML loads when that page is first asked for, the rest of
prometheus_client when a name of its package is first looked up, the ORM session
on first use of a name that needs it, and `cryptography` the first time a password has
to be RSA-encrypted. Standard library only, so that applying a deferral imports nothing
heavy itself.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import Any

_ASYNCIO_PACKAGE = "sqlalchemy.ext.asyncio"
# What the package's __init__ takes from its engine and result modules (SQLAlchemy 2.x).
# A name missing here still works: it loads the whole package, ORM included.
_ASYNCIO_CORE_NAMES = {
    "engine": (
        "AsyncConnection",
        "AsyncEngine",
        "AsyncTransaction",
        "async_engine_from_config",
        "create_async_engine",
        "create_async_pool_from_url",
    ),
    "result": ("AsyncMappingResult", "AsyncResult", "AsyncScalarResult", "AsyncTupleResult"),
}


def defer_until_first_use(name: str, *, ready: Mapping[str, Sequence[str]] | None = None) -> None:
    """Make `import name` give the module without running its code; the code runs when
    a name the module does not have yet is first looked up (PEP 562 `__getattr__`).

    `ready` maps submodules to names of theirs to put into the module at once, so that
    those can be used without running the rest (the engine half of
    `sqlalchemy.ext.asyncio`). Importing a submodule works as usual: the module has its
    real spec and `__path__`. (importlib's LazyLoader cannot do this on Python 3.11: the
    import statement itself reads `__spec__`, which makes it load.) Does nothing if the
    module is imported already or not installed."""
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        for submodule, names in (ready or {}).items():
            loaded = importlib.import_module(f"{name}.{submodule}")
            module.__dict__.update({attribute: getattr(loaded, attribute) for attribute in names})
    except BaseException:
        del sys.modules[name]
        raise
    loader = spec.loader
    # Another thread asking for a name while the code runs waits for it to finish rather
    # than seeing a half-filled module; the running code's own lookups (re-entrant) find
    # the module as a normal import would, without running it again.
    lock = threading.RLock()
    started = False

    def load_the_rest(attribute: str) -> Any:
        nonlocal started
        with lock:
            if not started:
                started = True
                loader.exec_module(module)
                module.__dict__.pop("__getattr__", None)
        try:
            return module.__dict__[attribute]
        except KeyError:
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}") from None

    module.__dict__["__getattr__"] = load_the_rest


def defer_sqlalchemy_async_orm() -> None:
    """`sqlalchemy.ext.asyncio` with its engine and results ready and the ORM session
    (`AsyncSession`, `async_sessionmaker`, ...) loaded when first used."""
    defer_until_first_use(_ASYNCIO_PACKAGE, ready=_ASYNCIO_CORE_NAMES)


def defer_asyncmy_cryptography() -> None:
    """Import `asyncmy.auth` without `cryptography`; its RSA step loads it when first
    needed. Does nothing if either is imported already (a CLI process that made a
    certificate has it anyway)."""
    if "asyncmy.auth" in sys.modules or "cryptography" in sys.modules:
        return
    # None in sys.modules makes `import cryptography...` raise ImportError at once, which
    # asyncmy.auth handles by recording that cryptography is unavailable.
    modules: dict[str, Any] = sys.modules
    modules["cryptography"] = None
    try:
        auth: Any = importlib.import_module("asyncmy.auth")
    finally:
        del modules["cryptography"]
    encrypt = auth.sha2_rsa_encrypt

    def sha2_rsa_encrypt(password: bytes, salt: bytes, public_key: bytes) -> bytes:
        if not auth._have_cryptography:
            _load_cryptography_into(auth)
        result: bytes = encrypt(password, salt, public_key)
        return result

    auth.sha2_rsa_encrypt = sha2_rsa_encrypt


def _load_cryptography_into(auth: Any) -> None:
    """The names asyncmy.auth would have imported at its top."""
    auth.default_backend = importlib.import_module("cryptography.hazmat.backends").default_backend
    auth.hashes = importlib.import_module("cryptography.hazmat.primitives.hashes")
    auth.serialization = importlib.import_module("cryptography.hazmat.primitives.serialization")
    auth.padding = importlib.import_module("cryptography.hazmat.primitives.asymmetric.padding")
    auth._have_cryptography = True
