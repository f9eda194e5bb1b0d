"""The project's own nginx configuration (deploy/nginx/lebrq.conf) running for a test:
the same file with the upstream addresses, the listening port and the certificate paths
put in, inside a small main configuration of its own (`nginx -p DIR -c FILE`, daemon
off, pid, logs and temporary files under DIR), over TLS with a test certificate.

    with running_nginx(tmp_path / "nginx", upstreams=["127.0.0.1:8001", "127.0.0.1:8002"]) as proxy:
        httpx.get(proxy.base_url + "/api/health", verify=proxy.ssl_context())

nginx comes from Debian (`./dev test` installs nginx-light when missing).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from lebrq.server.dev_certificate import ensure_development_certificate

PROJECT_NGINX_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "lebrq.conf"
START_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True)
class RunningNginx:
    base_url: str
    certificate: Path
    folder: Path
    process: subprocess.Popen[bytes]

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.certificate))

    def error_log(self) -> str:
        return (self.folder / "error.log").read_text(errors="replace")


def nginx_binary() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)
    if found is None:
        pytest.skip("nginx is not installed (./dev test installs nginx-light as root)")
    return found


def site_config(upstreams: Sequence[str], port: int, certificate: Path, key: Path) -> str:
    """deploy/nginx/lebrq.conf for this test: every replacement must find its target, so
    a change to the shipped file that this does not understand fails loudly."""
    text = PROJECT_NGINX_CONF.read_text()
    servers = "".join(f"    server {address} max_fails=3 fail_timeout=10s;\n" for address in upstreams)
    replacements = [
        (r"(    server 10\.0\.0\.\d+:8000 [^;]*;\n)+", servers),
        # The plain-HTTP redirect needs port 80: not part of the test.
        (r"server \{\n    listen 80;.*?\n\}\n", ""),
        (r"    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{port} ssl http2;\n"),
        (r"    listen \[::\]:443 ssl http2;\n", ""),
        (r"ssl_certificate +/\S+;", f"ssl_certificate {certificate};"),
        (r"ssl_certificate_key +/\S+;", f"ssl_certificate_key {key};"),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement, text, count=1, flags=re.S)
        assert count == 1, f"deploy/nginx/lebrq.conf no longer has {pattern!r}"
    return text


def main_config(folder: Path, site: Path) -> str:
    temp = folder / "temp"
    return "\n".join(
        [
            # As root, nginx's workers would switch to `nobody`, who cannot read the test's folders.
            "user root;" if os.geteuid() == 0 else "",
            "daemon off;",
            "worker_processes 1;",
            f"pid {folder / 'nginx.pid'};",
            f"error_log {folder / 'error.log'} info;",
            "events { worker_connections 512; }",
            "http {",
            f"    access_log {folder / 'access.log'};",
            f"    client_body_temp_path {temp / 'body'};",
            f"    proxy_temp_path {temp / 'proxy'};",
            f"    fastcgi_temp_path {temp / 'fastcgi'};",
            f"    uwsgi_temp_path {temp / 'uwsgi'};",
            f"    scgi_temp_path {temp / 'scgi'};",
            f"    include {site};",
            "}",
            "",
        ]
    )


@contextmanager
def running_nginx(folder: Path, *, upstreams: Sequence[str]) -> Iterator[RunningNginx]:
    binary = nginx_binary()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "temp").mkdir(exist_ok=True)
    development = ensure_development_certificate(folder / "tls")
    port = _free_port()
    site = folder / "lebrq.conf"
    site.write_text(site_config(upstreams, port, development.certificate, development.key))
    config = folder / "nginx.conf"
    config.write_text(main_config(folder, site))
    checked = subprocess.run([binary, "-t", "-p", str(folder), "-c", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, f"nginx -t refused the configuration:\n{checked.stderr}"
    process = subprocess.Popen(
        [binary, "-p", str(folder), "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    proxy = RunningNginx(f"https://127.0.0.1:{port}", development.certificate, folder, process)
    try:
        _wait_for_port(port, process, folder)
        yield proxy
    finally:
        # Its own session and process group: master and worker go together.
        try:
            os.killpg(process.pid, signal.SIGQUIT)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _wait_for_port(port: int, process: subprocess.Popen[bytes], folder: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nginx exited with {process.returncode}:\n{(folder / 'error.log').read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nginx did not listen on {port} within {START_TIMEOUT_SECONDS} s")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
