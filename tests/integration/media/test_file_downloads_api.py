"""GET/HEAD /api/files/{id} against the real app: every Range and conditional case
of API.md (RFC 9110 sections 13-14), then visibility of private media."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from lebrq.http.downloads import WHOLE_BODY_MAX_BYTES
from lebrq.settings import Settings
from tests.conftest import make_settings
from tests.integration.media.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, TEST_LIMITS
from tests.support.media import file_body, sample_file, sha256_hex
from tests.support.s3 import TEST_CREDENTIALS, MotoS3

# Larger than WHOLE_BODY_MAX_BYTES: the table covers both ways a body is sent, read whole
# in one go (the short ranges) and streamed in chunks (the whole file, `a-`, long suffixes).
SIZE = 300_000
WHOLE = (0, SIZE)
assert WHOLE_BODY_MAX_BYTES < SIZE - 100


class Case:
    def __init__(
        self,
        name: str,
        headers: Callable[[str, str], dict[str, str]],
        status: int,
        span: tuple[int, int] | None = WHOLE,
    ) -> None:
        """`headers(etag, last_modified)` builds the request headers; `span` is the
        (start, end) of the expected body for 200/206 answers."""
        self.name, self.headers, self.status, self.span = name, headers, status, span


def shifted(last_modified: str, **delta: float) -> str:
    return format_datetime(parsedate_to_datetime(last_modified) + timedelta(**delta), usegmt=True)


CASES = [
    Case("no conditions", lambda e, lm: {}, 200),
    # Single ranges -> 206 with Content-Range.
    Case("a-b", lambda e, lm: {"Range": "bytes=0-99"}, 206, (0, 100)),
    Case("a-b inside", lambda e, lm: {"Range": "bytes=100-199"}, 206, (100, 200)),
    Case("a-", lambda e, lm: {"Range": "bytes=100-"}, 206, (100, SIZE)),
    Case("-n", lambda e, lm: {"Range": "bytes=-100"}, 206, (SIZE - 100, SIZE)),
    Case("-n longer than the file", lambda e, lm: {"Range": f"bytes=-{SIZE + 5000}"}, 206, WHOLE),
    Case(
        "b past the end is clamped", lambda e, lm: {"Range": f"bytes={SIZE - 10}-{SIZE + 5000}"}, 206, (SIZE - 10, SIZE)
    ),
    Case("last byte", lambda e, lm: {"Range": f"bytes={SIZE - 1}-{SIZE - 1}"}, 206, (SIZE - 1, SIZE)),
    Case("spaces tolerated", lambda e, lm: {"Range": "bytes= 10 - 19"}, 206, (10, 20)),
    # Unsatisfiable -> 416 with bytes */SIZE.
    Case("start at the end", lambda e, lm: {"Range": f"bytes={SIZE}-"}, 416, None),
    Case("start past the end", lambda e, lm: {"Range": f"bytes={SIZE}-{SIZE + 1000}"}, 416, None),
    Case("empty suffix", lambda e, lm: {"Range": "bytes=-0"}, 416, None),
    # Malformed or not understood -> ignored -> 200 whole file.
    Case("not numbers", lambda e, lm: {"Range": "bytes=abc"}, 200),
    Case("last before first", lambda e, lm: {"Range": "bytes=5-1"}, 200),
    Case("other unit", lambda e, lm: {"Range": "items=0-5"}, 200),
    Case("no spec", lambda e, lm: {"Range": "bytes="}, 200),
    Case("only a dash", lambda e, lm: {"Range": "bytes=-"}, 200),
    Case("negative", lambda e, lm: {"Range": "bytes=--5"}, 200),
    Case("several ranges: whole file (documented)", lambda e, lm: {"Range": "bytes=0-1,5-6"}, 200),
    # If-Range: the range only if the validator is current.
    Case("If-Range current ETag", lambda e, lm: {"Range": "bytes=0-9", "If-Range": e}, 206, (0, 10)),
    Case("If-Range stale ETag", lambda e, lm: {"Range": "bytes=0-9", "If-Range": '"stale"'}, 200),
    Case("If-Range weak ETag never matches", lambda e, lm: {"Range": "bytes=0-9", "If-Range": "W/" + e}, 200),
    Case("If-Range current date", lambda e, lm: {"Range": "bytes=0-9", "If-Range": lm}, 206, (0, 10)),
    Case("If-Range older date", lambda e, lm: {"Range": "bytes=0-9", "If-Range": shifted(lm, days=-1)}, 200),
    Case("If-Range newer date", lambda e, lm: {"Range": "bytes=0-9", "If-Range": shifted(lm, days=1)}, 200),
    # If-None-Match -> 304 on a match (weak comparison).
    Case("If-None-Match current", lambda e, lm: {"If-None-Match": e}, 304, None),
    Case("If-None-Match weak form of current", lambda e, lm: {"If-None-Match": "W/" + e}, 304, None),
    Case("If-None-Match in a list", lambda e, lm: {"If-None-Match": f'"other", {e}'}, 304, None),
    Case("If-None-Match star", lambda e, lm: {"If-None-Match": "*"}, 304, None),
    Case("If-None-Match other", lambda e, lm: {"If-None-Match": '"other"'}, 200),
    # If-Modified-Since -> 304 when not modified since.
    Case("If-Modified-Since = Last-Modified", lambda e, lm: {"If-Modified-Since": lm}, 304, None),
    Case("If-Modified-Since later", lambda e, lm: {"If-Modified-Since": shifted(lm, hours=1)}, 304, None),
    Case("If-Modified-Since earlier", lambda e, lm: {"If-Modified-Since": shifted(lm, seconds=-1)}, 200),
    Case("If-Modified-Since not a date", lambda e, lm: {"If-Modified-Since": "yesterday"}, 200),
    # RFC 9110 13.2.2: If-None-Match is evaluated and If-Modified-Since then ignored.
    Case(
        "If-None-Match other wins over a fresh If-Modified-Since",
        lambda e, lm: {"If-None-Match": '"other"', "If-Modified-Since": shifted(lm, hours=1)},
        200,
    ),
    Case(
        "If-None-Match current wins over an old If-Modified-Since",
        lambda e, lm: {"If-None-Match": e, "If-Modified-Since": shifted(lm, days=-1)},
        304,
        None,
    ),
    # 304 comes before Range is looked at.
    Case("If-None-Match current with a Range", lambda e, lm: {"If-None-Match": e, "Range": "bytes=0-9"}, 304, None),
    Case(
        "If-None-Match other with a Range",
        lambda e, lm: {"If-None-Match": '"other"', "Range": "bytes=0-9"},
        206,
        (0, 10),
    ),
    # If-Match / If-Unmodified-Since -> 412 when they fail.
    Case("If-Match current", lambda e, lm: {"If-Match": e}, 200),
    Case("If-Match other", lambda e, lm: {"If-Match": '"other"'}, 412, None),
    Case("If-Match weak never matches", lambda e, lm: {"If-Match": "W/" + e}, 412, None),
    Case("If-Unmodified-Since earlier", lambda e, lm: {"If-Unmodified-Since": shifted(lm, days=-1)}, 412, None),
    Case("If-Unmodified-Since later", lambda e, lm: {"If-Unmodified-Since": shifted(lm, days=1)}, 200),
]


@pytest.fixture(params=["filesystem", "s3"])
def media_settings(request: pytest.FixtureRequest, tmp_path: Path, sqlite_database_url: str) -> Settings:
    """Every case runs on files under MEDIA_DIR and on S3 (moto): ranges and conditions
    are answered the same whichever storage holds the bytes."""
    storage: dict[str, object] = {}
    if request.param == "s3":
        moto_s3: MotoS3 = request.getfixturevalue("moto_s3")
        storage = {
            "media_storage": "s3",
            "s3_bucket": moto_s3.new_bucket(),
            "s3_endpoint_url": moto_s3.endpoint,
            "aws_access_key_id": TEST_CREDENTIALS["access_key_id"],
            "aws_secret_access_key": TEST_CREDENTIALS["secret_access_key"],
        }
    return make_settings(
        tmp_path,
        sqlite_database_url,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        **TEST_LIMITS,
        **storage,
    )


@pytest.fixture
def stored(media_client: TestClient, admin_headers: dict[str, str]) -> dict[str, Any]:
    data = sample_file("image/jpeg", SIZE)
    body = file_body("image/jpeg", data, filename="photo.jpg")
    answer = media_client.post("/api/uploads/image", content=body.body(), headers=body.headers(**admin_headers))
    assert answer.status_code == 201, answer.text
    first = media_client.get(answer.json()["url"])
    return {
        "data": data,
        "url": answer.json()["url"],
        "etag": first.headers["etag"],
        "last_modified": first.headers["last-modified"],
    }


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_range_and_conditional_requests(
    media_client: TestClient, stored: dict[str, Any], case: Case, method: str
) -> None:
    answer = media_client.request(method, stored["url"], headers=case.headers(stored["etag"], stored["last_modified"]))
    assert answer.status_code == case.status, answer.text
    assert answer.headers["etag"] == stored["etag"]
    assert answer.headers["accept-ranges"] == "bytes"
    assert answer.headers["last-modified"] == stored["last_modified"]
    if case.status == 416:
        assert answer.headers["content-range"] == f"bytes */{SIZE}"
    if case.status == 304:
        assert answer.content == b""
        assert "content-range" not in answer.headers
    if case.span is not None:
        start, end = case.span
        assert answer.headers["content-length"] == str(end - start)
        assert answer.headers["content-type"] == "image/jpeg"
        assert answer.content == (b"" if method == "HEAD" else stored["data"][start:end])
        if case.status == 206:
            assert answer.headers["content-range"] == f"bytes {start}-{end - 1}/{SIZE}"
        else:
            assert "content-range" not in answer.headers


def test_validators_describe_the_stored_bytes(media_client: TestClient, stored: dict[str, Any]) -> None:
    answer = media_client.get(stored["url"])
    assert answer.headers["etag"] == f'"{sha256_hex(stored["data"])}"'  # strong: no W/
    assert parsedate_to_datetime(answer.headers["last-modified"]).tzinfo is not None
    assert answer.headers["content-disposition"].startswith('inline; filename="photo.jpg"')
    assert "public" in answer.headers["cache-control"]


def test_unknown_file_is_404(media_client: TestClient) -> None:
    assert media_client.get("/api/files/999999").status_code == 404
    assert media_client.head("/api/files/999999").status_code == 404


def test_download_is_not_compressed(media_client: TestClient, admin_headers: dict[str, str]) -> None:
    data = sample_file("image/png", 100_000)[:16] + b"a" * 99_984  # very compressible
    body = file_body("image/png", data)
    url = media_client.post("/api/uploads/image", content=body.body(), headers=body.headers(**admin_headers)).json()[
        "url"
    ]
    answer = media_client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert "content-encoding" not in answer.headers
    assert answer.headers["content-length"] == str(len(data))
