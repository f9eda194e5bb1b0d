"""The S3 client (obstore) costs memory in every worker that imports it: only a worker
configured with MEDIA_STORAGE=s3 may load it (issue 14's lean workers)."""

from __future__ import annotations

import subprocess
import sys

from lebrq.bootstrap import build_blob_storage
from lebrq.settings import settings_from_env


def modules_loaded_by(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint('\\n'.join(sys.modules))"
    output = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True, text=True).stdout
    return set(output.split())


def test_building_the_app_with_filesystem_storage_never_imports_obstore() -> None:
    loaded = modules_loaded_by(
        "from lebrq.bootstrap import build_blob_storage, create_app\n"
        "from lebrq.settings import settings_from_env\n"
        "build_blob_storage(settings_from_env({}, media_dir='/tmp/lebrq-lazy-probe'))"
    )
    assert "lebrq.bootstrap" in loaded
    assert not {name for name in loaded if name.split(".")[0] == "obstore"}


def test_s3_storage_is_chosen_by_the_setting() -> None:
    settings = settings_from_env({"MEDIA_STORAGE": "s3", "S3_BUCKET": "media", "S3_ENDPOINT_URL": "http://127.0.0.1:9"})
    assert type(build_blob_storage(settings)).__name__ == "S3BlobStorage"
    assert type(build_blob_storage(settings_from_env({}))).__name__ == "FilesystemBlobStorage"
