"""`lebrq verify --base-url URL`: checks a running deployment end to end.

Prints one line per check (PASS, FAIL or SKIP, its name, what was seen) and a summary;
exits 1 if any check failed. It changes no real data beyond a clearly tagged test user
(`lebrq-verify-<time>@example.com`, name "lebrq verify test user") and, when admin
credentials are given, one small tagged poster image (`lebrq-verify-<time>.png`) used
for the upload and ranged-download round trip. The body-limit check streams a body one
MiB over MAX_BODY_SIZE_MB (default 15) without Content-Length; nothing of it is stored.
"""

from __future__ import annotations

import argparse
import importlib
import os
import ssl
import struct
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx

MIB = 1024 * 1024
VERIFY_USER_NAME = "lebrq verify test user"


class CheckFailed(Exception):
    """The deployment answered, but not as the contract says."""


class CheckSkipped(Exception):
    """The check needs something that was not given (e.g. admin credentials)."""


@dataclass
class Verification:
    client: httpx.Client
    max_body_bytes: int
    admin_email: str | None
    admin_password: str | None
    tag: str = field(default_factory=lambda: f"lebrq-verify-{int(time.time() * 1000)}")
    results: list[tuple[str, str, str]] = field(default_factory=list)

    def run(self, name: str, check: Callable[[], str]) -> None:
        try:
            outcome, detail = "PASS", check()
        except CheckSkipped as skipped:
            outcome, detail = "SKIP", str(skipped)
        except CheckFailed as failed:
            outcome, detail = "FAIL", str(failed)
        except httpx.HTTPError as error:
            outcome, detail = "FAIL", f"{type(error).__name__}: {error}"
        self.results.append((outcome, name, detail))
        print(f"{outcome} {name}: {detail}", flush=True)

    # -- checks ---------------------------------------------------------------------

    def tls(self) -> str:
        answer = self.client.get("/api/health")
        stream = answer.extensions.get("network_stream")
        ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
        if ssl_object is None:
            raise CheckFailed(f"{self.client.base_url} is not served over TLS")
        version = ssl_object.version() or "?"
        if version not in ("TLSv1.2", "TLSv1.3"):
            raise CheckFailed(f"negotiated {version}; TLS 1.2 or newer expected")
        return f"{version}, {answer.http_version}, certificate verified"

    def health(self) -> str:
        body = expect_json(self.client.get("/api/health"), 200)
        if body.get("status") != "ok":
            raise CheckFailed(f"status {body.get('status')!r}")
        return f"version {body.get('version')}"

    def ready(self) -> str:
        answer = self.client.get("/api/health/ready")
        if answer.status_code != 200:
            raise CheckFailed(f"{answer.status_code}: the database does not answer ({answer.text[:200]})")
        return "database answers"

    def memory(self) -> str:
        body = expect_json(self.client.get("/api/health/memory"), 200)
        expect_keys(
            body,
            {
                "total_gb",
                "available_gb",
                "used_gb",
                "used_percent",
                "threshold_percent",
                "critical_percent",
                "process_rss_mb",
                "status",
            },
        )
        summary = f"{body['used_percent']}% used (threshold {body['threshold_percent']}%), worker RSS {body['process_rss_mb']} MB"
        if body["status"] != "ok":
            raise CheckFailed(f"status {body['status']}: {summary}; the service is shedding load")
        return summary

    def pool(self) -> str:
        body = expect_json(self.client.get("/api/health/pool"), 200)
        expect_keys(body, {"size", "checked_in", "checked_out", "overflow", "max_overflow"})
        if body["checked_out"] > body["size"] + body["max_overflow"]:
            raise CheckFailed(f"more connections out than the pool allows: {body}")
        return f"size {body['size']}, checked out {body['checked_out']}, overflow {body['overflow']}/{body['max_overflow']}"

    def pagination(self) -> str:
        body = expect_json(self.client.get("/api/venues", params={"page": 1, "page_size": 1}), 200)
        expect_keys(body, {"items", "pagination"})
        expect_keys(body["pagination"], {"page", "page_size", "total", "total_pages", "has_next", "has_prev"})
        if body["pagination"]["page_size"] != 1 or len(body["items"]) > 1:
            raise CheckFailed(f"page_size=1 gave {len(body['items'])} items, pagination {body['pagination']}")
        too_big = self.client.get("/api/venues", params={"page_size": 101})
        if too_big.status_code != 400:
            raise CheckFailed(f"page_size=101 answered {too_big.status_code}, not 400")
        return f"GET /api/venues: {body['pagination']['total']} venues, page_size 101 refused with 400"

    def test_user(self) -> str:
        email, password = f"{self.tag}@example.com", f"{self.tag}-pw"
        created = self.client.post(
            "/api/auth/register", json={"email": email, "password": password, "name": VERIFY_USER_NAME}
        )
        if created.status_code != 201:
            raise CheckFailed(f"register answered {created.status_code}: {created.text[:200]}")
        token = expect_json(self.client.post("/api/auth/login", json={"email": email, "password": password}), 200)[
            "access_token"
        ]
        me = expect_json(self.client.get("/api/auth/me", headers=bearer(token)), 200)
        if me.get("email") != email:
            raise CheckFailed(f"/api/auth/me returned {me.get('email')!r}")
        bookings = expect_json(self.client.get("/api/bookings", headers=bearer(token)), 200)
        expect_keys(bookings, {"items", "pagination"})
        return f"registered and signed in as {email} (id {me.get('id')}); own bookings page answers"

    def upload_and_ranged_download(self) -> str:
        if not (self.admin_email and self.admin_password):
            raise CheckSkipped(
                "no admin credentials (--admin-email/--admin-password or LEBRQ_VERIFY_ADMIN_EMAIL/_PASSWORD)"
            )
        login = self.client.post("/api/auth/login", json={"email": self.admin_email, "password": self.admin_password})
        token = expect_json(login, 200)["access_token"]
        image = tagged_png(self.tag)
        files = {"file": (f"{self.tag}.png", image, "image/png")}
        media = expect_json(self.client.post("/api/uploads/poster", files=files, headers=bearer(token)), 201)
        if media.get("size") != len(image):
            raise CheckFailed(f"stored {media.get('size')} bytes of {len(image)}")
        ranged = self.client.get(media["url"], headers={"Range": "bytes=0-15", "Accept-Encoding": "gzip"})
        if ranged.status_code != 206:
            raise CheckFailed(f"Range request answered {ranged.status_code}, not 206")
        if ranged.headers.get("content-range") != f"bytes 0-15/{len(image)}" or ranged.content != image[:16]:
            raise CheckFailed(f"wrong range: {ranged.headers.get('content-range')}, {ranged.content[:16]!r}")
        if "content-encoding" in ranged.headers:
            raise CheckFailed(f"a file download was compressed ({ranged.headers['content-encoding']})")
        whole = self.client.get(media["url"])
        if whole.content != image:
            raise CheckFailed("the downloaded file differs from the uploaded one")
        return f"uploaded {media['url']} ({len(image)} bytes), 206 for bytes 0-15, uncompressed, whole file identical"

    def body_limit(self) -> str:
        size = self.max_body_bytes + MIB

        def chunks() -> Iterator[bytes]:
            # No Content-Length: the server must count the stream itself.
            sent = 0
            while sent < size:
                piece = min(64 * 1024, size - sent)
                sent += piece
                yield b" " * piece

        answer = self.client.post("/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"})
        if answer.status_code != 413:
            raise CheckFailed(f"a {size // MIB} MiB chunked body answered {answer.status_code}, not 413")
        return f"a {size // MIB} MiB chunked body without Content-Length: 413 ({answer.json().get('detail')})"

    def gzip(self) -> str:
        answer = self.client.get("/schema/openapi.json", headers={"Accept-Encoding": "gzip"})
        if answer.status_code != 200:
            raise CheckFailed(f"/schema/openapi.json answered {answer.status_code}")
        if answer.headers.get("content-encoding") != "gzip":
            raise CheckFailed(
                f"JSON of {len(answer.content)} bytes came back as {answer.headers.get('content-encoding', 'identity')}"
            )
        answer.json()
        return f"JSON of {len(answer.content)} bytes sent gzipped ({answer.headers.get('content-length', '?')} bytes on the wire)"

    def metrics(self) -> str:
        answer = self.client.get("/metrics")
        if answer.status_code != 200 or "lebrq_http_requests_total" not in answer.text:
            raise CheckFailed(f"/metrics answered {answer.status_code} without request counters")
        series = sum(1 for line in answer.text.splitlines() if line and not line.startswith("#"))
        return f"Prometheus text, {series} series"


def expect_json(answer: httpx.Response, status: int) -> Any:
    if answer.status_code != status:
        raise CheckFailed(
            f"{answer.request.method} {answer.request.url.path} answered {answer.status_code}, not {status}: {answer.text[:200]}"
        )
    try:
        return answer.json()
    except ValueError:
        raise CheckFailed(f"{answer.request.url.path} did not answer JSON") from None


def expect_keys(body: Any, keys: set[str]) -> None:
    if not isinstance(body, dict) or not keys <= body.keys():
        shown = sorted(body) if isinstance(body, dict) else type(body).__name__
        raise CheckFailed(f"missing fields {sorted(keys - set(body or {}))}; got {shown}")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def tagged_png(tag: str) -> bytes:
    """A valid 1x1 PNG carrying `tag` in a text chunk, so the stored file says what made it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"Comment\x00" + tag.encode())
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base-url", required=True, help="e.g. https://api.example.com")
    parser.add_argument("--ca-file", help="a certificate to trust besides the system ones (e.g. var/tls/dev-cert.pem)")
    parser.add_argument("--admin-email", default=os.environ.get("LEBRQ_VERIFY_ADMIN_EMAIL"))
    parser.add_argument("--admin-password", default=os.environ.get("LEBRQ_VERIFY_ADMIN_PASSWORD"))
    parser.add_argument(
        "--max-body-mb",
        type=int,
        default=int(os.environ.get("MAX_BODY_SIZE_MB", "15")),
        help="the deployment's MAX_BODY_SIZE_MB (default: this environment's, else 15)",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")


def http2_available() -> bool:
    """httpx speaks HTTP/2 only with the `h2` package, which a production install (no
    test extra) may lack; verify then checks everything over HTTP/1.1."""
    try:
        importlib.import_module("h2")
    except ImportError:
        return False
    return True


def run(args: argparse.Namespace) -> int:
    context = ssl.create_default_context(cafile=args.ca_file) if args.ca_file else ssl.create_default_context()
    http2 = http2_available()
    if not http2:
        print("lebrq verify: the h2 package is not installed; checking over HTTP/1.1")
    with httpx.Client(base_url=args.base_url.rstrip("/"), verify=context, http2=http2, timeout=args.timeout) as client:
        verification = Verification(
            client=client,
            max_body_bytes=args.max_body_mb * MIB,
            admin_email=args.admin_email,
            admin_password=args.admin_password,
        )
        print(f"lebrq verify {args.base_url} (test data tagged {verification.tag})")
        for name, check in (
            ("tls", verification.tls),
            ("health", verification.health),
            ("ready", verification.ready),
            ("memory", verification.memory),
            ("pool", verification.pool),
            ("pagination", verification.pagination),
            ("test-user", verification.test_user),
            ("upload-and-ranged-download", verification.upload_and_ranged_download),
            ("body-limit", verification.body_limit),
            ("gzip", verification.gzip),
            ("metrics", verification.metrics),
        ):
            verification.run(name, check)
    counts = {
        outcome: sum(1 for result in verification.results if result[0] == outcome)
        for outcome in ("PASS", "FAIL", "SKIP")
    }
    print(f"{counts['PASS']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
    return 1 if counts["FAIL"] else 0
