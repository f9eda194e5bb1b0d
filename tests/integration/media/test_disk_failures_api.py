"""A disk that fails under the media folder (full, I/O error): the API answers 503 with
Retry-After and names the file storage, as it does for S3 and the database, never a 500;
a failed upload leaves neither a file (not even a temporary one) nor a media row.

The failures are injected at the adapter's own disk calls: a real full or failing disk
cannot be made on demand on every machine the suite runs on."""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from lebrq.adapters.storage import filesystem
from tests.support.media import file_body, files_under, sample_file


def _failing_with(code: int) -> Callable[..., Any]:
    def fail(*_args: object, **_kwargs: object) -> Any:
        raise OSError(code, f"[simulated] {code}")

    return fail


def _assert_storage_unavailable(answer: Any) -> None:
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["retry-after"]) > 0
    assert answer.json()["extra"]["dependency"] == "file storage"
    assert "Traceback" not in answer.text


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EIO, errno.EROFS])
def test_an_upload_onto_a_failing_disk_is_503_and_leaves_nothing(
    media_client: TestClient,
    admin_headers: dict[str, str],
    media_dir: Path,
    media_rows: Callable[[], list[tuple]],
    monkeypatch: pytest.MonkeyPatch,
    code: int,
) -> None:
    files, rows = files_under(media_dir), media_rows()
    monkeypatch.setattr(filesystem, "_write_all", _failing_with(code))
    body = file_body("image/png", sample_file("image/png"))
    answer = media_client.post("/api/uploads/image", content=body.body(), headers=body.headers(**admin_headers))
    _assert_storage_unavailable(answer)
    assert files_under(media_dir) == files
    assert media_rows() == rows
    # Once the disk is back, the same upload goes through.
    monkeypatch.undo()
    answer = media_client.post("/api/uploads/image", content=body.body(), headers=body.headers(**admin_headers))
    assert answer.status_code == 201, answer.text


def test_a_download_from_a_failing_disk_is_503(
    media_client: TestClient, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    body = file_body("image/png", sample_file("image/png"))
    uploaded = media_client.post("/api/uploads/image", content=body.body(), headers=body.headers(**admin_headers))
    assert uploaded.status_code == 201, uploaded.text
    url = uploaded.json()["url"]
    monkeypatch.setattr(filesystem.FilesystemBlobStorage, "_read_small", _failing_with(errno.EIO))
    _assert_storage_unavailable(media_client.get(url))
    _assert_storage_unavailable(media_client.get(url, headers={"Range": "bytes=0-9"}))
    monkeypatch.undo()
    assert media_client.get(url).status_code == 200


def test_a_missing_file_is_still_404_not_503(
    media_client: TestClient, admin_headers: dict[str, str], media_dir: Path
) -> None:
    body = file_body("image/png", sample_file("image/png"))
    uploaded = media_client.post("/api/uploads/image", content=body.body(), headers=body.headers(**admin_headers))
    assert uploaded.status_code == 201, uploaded.text
    for stored in files_under(media_dir):
        (media_dir / stored).unlink()
    assert media_client.get(uploaded.json()["url"]).status_code == 404
