"""The real service in a subprocess: `lebrq serve` -> Granian -> the app, over TLS.

For tests and benchmarks where the server matters (streaming uploads, memory limits,
HTTP/2, signals). Each service gets its own folder: a fresh SQLite database and a
development certificate under `<work_dir>/var/`, and a granian.toml made from the
project's own file plus your overrides, on a free port of 127.0.0.1.

    from tests.support.granian_process import running_service

    with running_service(tmp_path, config={"workers": 2}, env={"MAX_BODY_SIZE_MB": "1"}) as service:
        with service.client(http2=True) as client:
            assert client.get("/api/health").json()["status"] == "ok"
        print(service.process_tree_rss() / 2**20, "MiB")
        assert service.terminate() == 0

In pytest, the `granian_service` fixture (tests/integration/conftest.py) starts services
like this and stops them at teardown: `service = granian_service(config={...}, env={...})`.

Clients verify TLS against the service's certificate (`service.ca_certificate`,
`service.ssl_context()`), never with verification turned off. Leaving the `with` block
always kills the whole process tree (supervisor and workers), even if a test failed or
the service never became healthy.
"""

from __future__ import annotations

import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import msgspec
import psutil
import pytest

from lebrq.server.granian_config import toml_value
from lebrq.settings import Settings

PROJECT_GRANIAN_TOML = Path(__file__).resolve().parents[2] / "granian.toml"
HEALTH_PATH = "/api/health"
STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 30.0
# Variables that would make the service under test depend on the shell running the tests.
_INHERITED_SETTINGS = {field.name.upper() for field in msgspec.structs.fields(Settings)}


class ServiceFailedToStart(RuntimeError):
    """`lebrq serve` exited or never answered /api/health; the message holds its log."""


@dataclass
class RunningService:
    """A started service. Stable API for other tests: keep these names."""

    base_url: str
    """https://127.0.0.1:<port> (http:// with LEBRQ_TLS=off), no trailing slash."""
    port: int
    ca_certificate: Path | None
    """The certificate clients trust to verify the server (the development one by default);
    None when the service serves plain HTTP (LEBRQ_TLS=off)."""
    pid: int
    """The supervisor: `lebrq serve` exec'd into Granian's main process."""
    work_dir: Path
    var_dir: Path
    config_file: Path
    log_file: Path
    process: subprocess.Popen[bytes]

    def ssl_context(self) -> ssl.SSLContext:
        assert self.ca_certificate is not None, "this service serves plain HTTP"
        return ssl.create_default_context(cafile=str(self.ca_certificate))

    def _verify(self) -> ssl.SSLContext | bool:
        return self.ssl_context() if self.ca_certificate is not None else True

    def client(self, *, http2: bool = False, **kwargs: object) -> httpx.Client:
        """An httpx client on base_url that verifies the server certificate."""
        return httpx.Client(base_url=self.base_url, verify=self._verify(), http2=http2, **kwargs)

    def async_client(self, *, http2: bool = False, **kwargs: object) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, verify=self._verify(), http2=http2, **kwargs)

    def processes(self) -> list[psutil.Process]:
        """The supervisor and every descendant (Granian workers) still alive."""
        try:
            supervisor = psutil.Process(self.pid)
            return [supervisor, *supervisor.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def worker_pids(self) -> list[int]:
        return [process.pid for process in self.processes() if process.pid != self.pid]

    def process_tree_rss(self) -> int:
        """Resident memory of the supervisor plus all its descendants, in bytes."""
        total = 0
        for process in self.processes():
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue  # a worker that exited (or was respawned) while we looked
        return total

    def log(self) -> str:
        """Everything `lebrq serve` and Granian wrote so far (stdout and stderr)."""
        return self.log_file.read_text(encoding="utf-8", errors="replace")

    def terminate(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """SIGTERM to the supervisor, as a process manager stops it; returns its exit
        code once it and its workers are gone. Raises TimeoutError if it hangs."""
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def kill_tree(self) -> None:
        """SIGKILL to every process of the service; safe to call more than once."""
        processes = self.processes()
        # Its own session: the group also catches workers orphaned by a dead supervisor.
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        for process in processes:
            with suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(processes, timeout=10)
        if self.process.poll() is None:
            self.process.wait(timeout=10)


@contextmanager
def running_service(
    work_dir: Path,
    *,
    config: Mapping[str, object] | None = None,
    env: Mapping[str, str] | None = None,
    base_config: Path = PROJECT_GRANIAN_TOML,
    startup_timeout: float = STARTUP_TIMEOUT_SECONDS,
    serve_arguments: Sequence[str] = (),
    python: str = sys.executable,
) -> Iterator[RunningService]:
    """Start `lebrq serve` in `work_dir` and yield once /api/health answers over TLS.

    config: granian.toml keys set over the project's file (`{"workers": 2}`); a value of
        None removes the key. `port` defaults to a free port, `host` is 127.0.0.1.
    env: extra environment variables (lebrq settings such as MAX_BODY_SIZE_MB or
        DATABASE_URL, GRANIAN_* overrides). The service otherwise inherits no lebrq or
        GRANIAN_* variables from the shell; VAR_DIR is `<work_dir>/var`, so the SQLite
        database, media, JWT secret and certificate are all fresh.
    serve_arguments: more `lebrq serve` arguments, e.g. `("--app", "tests.support.fault_routes:create_app_with_fault_routes")`.
    python: the interpreter to run it with (a benchmark passes a production install's).
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    settings = tomllib.loads(base_config.read_text(encoding="utf-8"))
    settings.update({"host": "127.0.0.1", "port": _free_port()})
    for key, value in (config or {}).items():
        if value is None:
            settings.pop(key, None)
        else:
            settings[key] = value
    config_file = work_dir / "granian.toml"
    config_file.write_text("".join(f"{key} = {toml_value(value)}\n" for key, value in settings.items()))

    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("GRANIAN_") and name not in _INHERITED_SETTINGS
    }
    environment.update({"VAR_DIR": str(work_dir / "var"), "PYTHONUNBUFFERED": "1"})
    environment.update(env or {})
    var_dir = work_dir / environment["VAR_DIR"]  # an absolute VAR_DIR replaces work_dir
    tls = environment.get("LEBRQ_TLS", "auto") != "off"
    certificate = settings.get("ssl-certificate") or var_dir / "tls" / "dev-cert.pem"

    log_file = work_dir / "service.log"
    with log_file.open("wb") as log:
        process = subprocess.Popen(
            [python, "-m", "lebrq.cli", "serve", "--config", str(config_file), *serve_arguments],
            cwd=work_dir,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    service = RunningService(
        base_url=f"{'https' if tls else 'http'}://127.0.0.1:{settings['port']}",
        port=int(settings["port"]),
        ca_certificate=work_dir / certificate if tls else None,
        pid=process.pid,
        work_dir=work_dir,
        var_dir=var_dir,
        config_file=config_file,
        log_file=log_file,
        process=process,
    )
    try:
        _wait_until_healthy(service, startup_timeout)
        yield service
    finally:
        service.kill_tree()


def _wait_until_healthy(service: RunningService, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise ServiceFailedToStart(
                f"lebrq serve exited with {service.process.returncode} before answering:\n{service.log()}"
            )
        if service.ca_certificate is None or service.ca_certificate.exists():
            try:
                with service.client(timeout=5) as client:
                    if client.get(HEALTH_PATH).status_code == 200:
                        return
            except (httpx.TransportError, ssl.SSLError):
                pass  # not listening yet, or the certificate is still being written
        time.sleep(0.2)
    raise ServiceFailedToStart(f"no answer from {service.base_url}{HEALTH_PATH} within {timeout} s:\n{service.log()}")


def _free_port() -> int:
    # The kernel picks a port that is free now; the service binds it a moment later.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServiceStarter:
    """What the `granian_service` fixture gives a test: call it to start a service."""

    def __init__(self, tmp_path: Path) -> None:
        self._tmp_path = tmp_path
        self._stack = ExitStack()
        self._started = 0

    def __call__(
        self,
        *,
        config: Mapping[str, object] | None = None,
        env: Mapping[str, str] | None = None,
        serve_arguments: Sequence[str] = (),
    ) -> RunningService:
        self._started += 1
        work_dir = self._tmp_path / f"service-{self._started}"
        return self._stack.enter_context(
            running_service(work_dir, config=config, env=env, serve_arguments=serve_arguments)
        )

    def close(self) -> None:
        self._stack.close()


@pytest.fixture
def granian_service(tmp_path: Path) -> Iterator[ServiceStarter]:
    """Starts real services (`granian_service(config=..., env=...)`, see running_service);
    every one is killed at teardown."""
    starter = ServiceStarter(tmp_path)
    try:
        yield starter
    finally:
        starter.close()
