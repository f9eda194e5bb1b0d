"""Uploads over HTTP (the real app, SQLite, media on disk): answers per API.md, and that
a refused, malformed or interrupted upload leaves the media folder and table unchanged."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from lebrq.bootstrap import create_app
from lebrq.settings import Settings
from tests.support.apps import fast_hasher, sql_adapters_with
from tests.support.asgi import concurrent_client
from tests.support.media import Multipart, closing, file_body, files_under, part_header, sample_file, sha256_hex

MIB = 1024 * 1024

ACCEPTED = {
    "poster": ["image/jpeg", "image/png", "image/webp"],
    "image": ["image/jpeg", "image/png", "image/webp", "image/gif"],
    "video": ["video/mp4", "video/webm", "video/quicktime"],
}
REFUSED = {
    "poster": ["image/gif", "video/mp4", "application/pdf", "text/plain"],
    "image": ["video/mp4", "audio/mpeg", "application/pdf", "text/plain"],
    "video": ["image/png", "audio/mpeg", "audio/wav", "text/plain"],
}


class Unchanged:
    """Snapshot of the media folder and table, to prove a refusal wrote nothing."""

    def __init__(self, media_dir: Path, media_rows: Callable[[], list[tuple]]) -> None:
        self.media_dir, self.media_rows = media_dir, media_rows
        self.files, self.rows = files_under(media_dir), media_rows()

    def check(self) -> None:
        assert files_under(self.media_dir) == self.files
        assert self.media_rows() == self.rows


@pytest.fixture
def unchanged(
    media_client: TestClient, admin_headers: dict[str, str], media_dir: Path, media_rows: Callable[[], list[tuple]]
) -> Unchanged:
    # One accepted upload first, so "unchanged" means more than "still empty".
    body = file_body("image/png", sample_file("image/png"))
    assert (
        media_client.post("/api/uploads/image", content=body.body(), headers=body.headers(**admin_headers)).status_code
        == 201
    )
    return Unchanged(media_dir, media_rows)


def upload(client: TestClient, kind: str, body: Multipart | bytes, headers: dict[str, str], **extra: str) -> Any:
    if isinstance(body, Multipart):
        return client.post(f"/api/uploads/{kind}", content=body.body(), headers=body.headers(**headers, **extra))
    return client.post(f"/api/uploads/{kind}", content=body, headers={**headers, **extra})


@pytest.mark.parametrize(("kind", "content_type"), [(k, t) for k, types in ACCEPTED.items() for t in types])
def test_accepted_types_answer_201_with_the_media(
    media_client: TestClient, admin_headers: dict[str, str], media_dir: Path, kind: str, content_type: str
) -> None:
    data = sample_file(content_type, 50_000)
    # The declared type is ignored: the bytes decide.
    answer = upload(
        media_client, kind, file_body("application/octet-stream", data, filename="a/b/clip.bin"), admin_headers
    )
    assert answer.status_code == 201, answer.text
    media = answer.json()
    assert set(media) == {"id", "kind", "content_type", "size", "sha256", "url", "original_name", "created_at"}
    assert (media["kind"], media["content_type"], media["size"]) == (kind, content_type, len(data))
    assert media["sha256"] == sha256_hex(data)
    assert media["url"] == f"/api/files/{media['id']}"
    assert media["original_name"] == "clip.bin"  # no client-chosen path survives
    assert media_client.get(media["url"]).content == data
    stored = [p for p in media_dir.rglob("*") if p.is_file()]
    assert len(stored) == 1 and stored[0].read_bytes() == data


@pytest.mark.parametrize(("kind", "content_type"), [(k, t) for k, types in REFUSED.items() for t in types])
def test_wrong_type_is_415_and_leaves_nothing(
    media_client: TestClient, admin_headers: dict[str, str], unchanged: Unchanged, kind: str, content_type: str
) -> None:
    # Declared as an accepted type: the lie is caught from the bytes.
    answer = upload(media_client, kind, file_body(ACCEPTED[kind][0], sample_file(content_type)), admin_headers)
    assert answer.status_code == 415, answer.text
    assert answer.json()["extra"]["field"] == "file"
    unchanged.check()


def test_limit_is_inclusive(media_client: TestClient, admin_headers: dict[str, str]) -> None:
    answer = upload(media_client, "poster", file_body("image/png", sample_file("image/png", 1 * MIB)), admin_headers)
    assert answer.status_code == 201, answer.text


def test_one_byte_over_the_kind_limit_is_413_and_leaves_nothing(
    media_client: TestClient, admin_headers: dict[str, str], unchanged: Unchanged
) -> None:
    answer = upload(
        media_client, "poster", file_body("image/png", sample_file("image/png", 1 * MIB + 1)), admin_headers
    )
    assert answer.status_code == 413, answer.text
    assert answer.json()["extra"]["max_bytes"] == 1 * MIB
    unchanged.check()


def test_chunked_body_over_the_limit_is_413_and_leaves_nothing(
    media_client: TestClient, admin_headers: dict[str, str], unchanged: Unchanged
) -> None:
    boundary = "chunked-boundary"
    produced = 0

    def body() -> Iterator[bytes]:
        nonlocal produced
        yield part_header(boundary, "file", "big.mp4", "video/mp4") + sample_file("video/mp4", 64 * 1024)
        produced += 64 * 1024
        while produced < 20 * MIB:  # far beyond the 2 MiB video limit; never sent whole
            yield bytes(64 * 1024)
            produced += 64 * 1024
        yield b"\r\n" + closing(boundary)

    answer = media_client.post(
        "/api/uploads/video",
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **admin_headers},
    )
    assert answer.status_code == 413, answer.text
    unchanged.check()


def test_declared_content_length_over_the_limit_is_413_before_reading(
    media_client: TestClient, admin_headers: dict[str, str], unchanged: Unchanged
) -> None:
    body = file_body("image/png", sample_file("image/png", 100))
    answer = media_client.post(
        "/api/uploads/image",
        content=body.body(),
        headers=body.headers(**admin_headers, **{"Content-Length": str(50 * MIB)}),
    )
    assert answer.status_code == 413
    unchanged.check()


@pytest.mark.parametrize(
    ("name", "content_type", "body"),
    [
        ("not multipart", "application/json", b'{"file": "x"}'),
        ("no boundary", "multipart/form-data", b"--x\r\n"),
        (
            "no file part",
            "multipart/form-data; boundary=B",
            b'--B\r\nContent-Disposition: form-data; name="title"\r\n\r\nhello\r\n--B--\r\n',
        ),
        (
            "file under another name",
            "multipart/form-data; boundary=B",
            b'--B\r\nContent-Disposition: form-data; name="upload"; filename="a.png"\r\n\r\n\x89PNG\r\n\x1a\n\r\n--B--\r\n',
        ),
        (
            "truncated",
            "multipart/form-data; boundary=B",
            b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n\x89PNG\r\n\x1a\nrest-of-the-file',
        ),
        ("garbage", "multipart/form-data; boundary=B", b"this is not multipart at all"),
        (
            "part without disposition",
            "multipart/form-data; boundary=B",
            b"--B\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x1a\n\r\n--B--\r\n",
        ),
        (
            "empty file",
            "multipart/form-data; boundary=B",
            b'--B\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n\r\n--B--\r\n',
        ),
        ("empty body", "multipart/form-data; boundary=B", b""),
    ],
)
def test_malformed_or_incomplete_body_is_400_and_leaves_nothing(
    media_client: TestClient,
    admin_headers: dict[str, str],
    unchanged: Unchanged,
    name: str,
    content_type: str,
    body: bytes,
) -> None:
    answer = media_client.post(
        "/api/uploads/image", content=body, headers={"Content-Type": content_type, **admin_headers}
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["detail"]
    unchanged.check()


def test_two_files_on_a_single_file_route_is_400_and_keeps_neither(
    media_client: TestClient, admin_headers: dict[str, str], unchanged: Unchanged
) -> None:
    png = sample_file("image/png")
    body = Multipart([("file", "a.png", "image/png", png), ("file", "b.png", "image/png", png)])
    answer = upload(media_client, "image", body, admin_headers)
    assert answer.status_code == 400
    assert "at most 1" in answer.json()["detail"]
    unchanged.check()


def test_other_form_fields_are_ignored(media_client: TestClient, admin_headers: dict[str, str]) -> None:
    png = sample_file("image/png")
    body = Multipart([("title", None, "text/plain", b"my poster"), ("file", "p.png", "image/png", png)])
    answer = upload(media_client, "poster", body, admin_headers)
    assert answer.status_code == 201
    assert answer.json()["sha256"] == sha256_hex(png)


def test_uploads_are_for_admins_only(
    media_client: TestClient, new_user: Callable[[], tuple[int, dict[str, str]]], unchanged: Unchanged
) -> None:
    body = file_body("image/png", sample_file("image/png"))
    assert upload(media_client, "image", body, {}).status_code == 401
    assert upload(media_client, "image", body, new_user()[1]).status_code == 403
    unchanged.check()


def test_gallery_lists_public_images_newest_first_paginated(
    media_client: TestClient, admin_headers: dict[str, str]
) -> None:
    ids = [
        upload(media_client, "image", file_body("image/png", sample_file("image/png")), admin_headers).json()["id"]
        for _ in range(3)
    ]
    upload(
        media_client, "poster", file_body("image/png", sample_file("image/png")), admin_headers
    )  # not a gallery image
    first = media_client.get("/api/gallery", params={"page": 1, "page_size": 2}).json()
    second = media_client.get("/api/gallery", params={"page": 2, "page_size": 2}).json()
    assert [m["id"] for m in first["items"] + second["items"]] == ids[::-1]
    next_cursor = first["pagination"].pop("next_cursor")
    assert first["pagination"] == {
        "page": 1,
        "page_size": 2,
        "total": 3,
        "total_pages": 2,
        "has_next": True,
        "has_prev": False,
    }
    by_cursor = media_client.get("/api/gallery", params={"cursor": next_cursor, "page_size": 2}).json()
    assert by_cursor == second
    assert second["pagination"]["next_cursor"] is None
    assert all(m["kind"] == "image" for m in first["items"])
    assert media_client.get("/api/gallery", params={"page_size": 0}).status_code == 400
    assert media_client.get("/api/gallery", params={"page": 9}).json()["items"] == []


@pytest.mark.anyio
async def test_client_disconnect_mid_body_leaves_nothing(
    media_settings: Settings, media_dir: Path, media_rows: Callable[[], list[tuple]]
) -> None:
    """Drives the ASGI app directly: half a body, then `http.disconnect`."""
    from tests.integration.media.conftest import ADMIN_EMAIL, ADMIN_PASSWORD

    app = create_app(media_settings, adapters=sql_adapters_with(password_hasher=fast_hasher()))
    async with concurrent_client(app) as client:
        login = await client.post("/api/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        token = login.json()["access_token"]
        before = (files_under(media_dir), media_rows())
        boundary = "cut"
        messages = [
            {"type": "http.request", "body": part_header(boundary, "file", "v.mp4", "video/mp4"), "more_body": True},
            {"type": "http.request", "body": sample_file("video/mp4", 300_000), "more_body": True},
            {"type": "http.request", "body": bytes(300_000), "more_body": True},
            {"type": "http.disconnect"},
        ]
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return messages.pop(0)

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/api/uploads/video",
            "raw_path": b"/api/uploads/video",
            "root_path": "",
            "query_string": b"",
            "headers": [
                (b"host", b"testserver"),
                (b"authorization", f"Bearer {token}".encode()),
                (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
                (b"content-length", str(1_500_000).encode()),  # under the limit: the cut is the failure
            ],
            "client": ("127.0.0.1", 1234),
            "server": ("testserver", 80),
            "state": {},
        }
        await app(scope, receive, send)  # type: ignore[arg-type]
        assert messages == []  # the whole half-body was read before the disconnect
        assert sent and sent[0]["status"] == 400
        assert (files_under(media_dir), media_rows()) == before
