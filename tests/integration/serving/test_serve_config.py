"""`lebrq serve` reading granian.toml: every key and value is checked by Granian's own
parser before anything is created or started, and --print-config shows what would run.

These run the command in-process up to the point where it would hand over to Granian
(errors and --print-config return before that); real Granian processes are in
test_granian_tls.py."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from lebrq.cli import main
from lebrq.server.granian_config import APP_TARGET
from tests.support.granian_process import PROJECT_GRANIAN_TOML


@pytest.fixture
def serve_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with its own var/ and no lebrq or GRANIAN_* variables."""
    monkeypatch.chdir(tmp_path)
    for name in ("GRANIAN_PORT", "GRANIAN_WORKERS", "GRANIAN_SSL_CERTIFICATE", "GRANIAN_SSL_KEYFILE"):
        monkeypatch.delenv(name, raising=False)
    for name in ("DATABASE_URL", "JWT_SECRET", "MEDIA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    return tmp_path


def write_config(folder: Path, text: str) -> Path:
    path = folder / "granian.toml"
    path.write_text(text)
    return path


def serve(*arguments: str) -> int:
    return main(["serve", *arguments])


def assert_nothing_created(folder: Path) -> None:
    # No database, no JWT secret, no certificate: the command stopped before preparing.
    assert not (folder / "var").exists()


def test_unknown_key_is_refused_naming_it_before_anything_starts(
    serve_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(serve_dir, 'host = "127.0.0.1"\nworker-max-rss = 512\n')

    assert serve("--config", str(config)) == 2

    error = capsys.readouterr().err
    assert "unknown key `worker-max-rss`" in error
    assert "did you mean `workers-max-rss`" in error
    assert str(config) in error
    assert_nothing_created(serve_dir)


@pytest.mark.parametrize(
    ("line", "key", "reason"),
    [
        ("workers = 0", "workers", "0 is not in the range x>=1"),
        ('http = "3"', "http", "'3' is not one of"),
        ('ssl-protocol-min = "tls1.1"', "ssl-protocol-min", "'tls1.1' is not one of"),
        ('workers-lifetime = "10s"', "workers-lifetime", "less than the minimum allowed value of 60"),
        ('port = "https"', "port", "'https' is not a valid integer"),
        ('ssl-certificate = "missing.pem"', "ssl-certificate", "does not exist"),
        ('access-log = "yes"', "access-log", "must be true or false"),
        ("backpressure = true", "backpressure", "must be a number or a string"),
        ("backlog = [256, 512]", "backlog", "must be a single value"),
    ],
)
def test_bad_value_is_refused_naming_the_key_before_anything_starts(
    serve_dir: Path, capsys: pytest.CaptureFixture[str], line: str, key: str, reason: str
) -> None:
    config = write_config(serve_dir, f'host = "127.0.0.1"\n{line}\n')

    assert serve("--config", str(config)) == 2

    error = capsys.readouterr().err
    assert f"`{key}`" in error
    assert reason in error
    assert_nothing_created(serve_dir)


@pytest.mark.parametrize("line", ['interface = "rsgi"', "factory = false"])
def test_what_lebrq_fixes_cannot_be_changed_by_the_file(
    serve_dir: Path, capsys: pytest.CaptureFixture[str], line: str
) -> None:
    config = write_config(serve_dir, line + "\n")

    assert serve("--config", str(config)) == 2

    assert "cannot be set: lebrq serve always runs Granian with --interface asgi --factory" in capsys.readouterr().err


def test_broken_toml_and_missing_file_are_reported(serve_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = write_config(serve_dir, "workers = \n")
    assert serve("--config", str(broken)) == 2
    assert "not valid TOML" in capsys.readouterr().err

    assert serve("--config", str(serve_dir / "absent.toml")) == 2
    assert "absent.toml: no such file" in capsys.readouterr().err
    assert_nothing_created(serve_dir)


def test_print_config_shows_effective_settings_with_their_origin(
    serve_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(serve_dir, PROJECT_GRANIAN_TOML.read_text())

    assert serve("--config", str(config), "--print-config") == 0

    output = capsys.readouterr().out
    effective = tomllib.loads(output)  # the output is TOML itself
    project = tomllib.loads(PROJECT_GRANIAN_TOML.read_text())
    for key, value in project.items():
        assert effective[key] == value
        assert f"# {config}" in next(line for line in output.splitlines() if line.startswith(f"{key} ="))
    tls_dir = serve_dir / "var" / "tls"
    assert effective["ssl-certificate"] == str(tls_dir / "dev-cert.pem")
    assert effective["ssl-keyfile"] == str(tls_dir / "dev-key.pem")
    assert "# development certificate" in output
    assert "reload = false  # Granian default" in output
    assert f"--interface asgi --factory {APP_TARGET}" in output
    assert "interface" not in effective and "factory" not in effective
    # Printing prepares nothing else: no database, no JWT secret.
    assert sorted(path.name for path in (serve_dir / "var").iterdir()) == ["tls"]


def test_granian_environment_variable_overrides_the_file(
    serve_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(serve_dir, "port = 8443\nworkers = 1\n")
    monkeypatch.setenv("GRANIAN_PORT", "9443")

    assert serve("--config", str(config), "--print-config") == 0

    output = capsys.readouterr().out
    assert "port = 9443  # GRANIAN_PORT" in output
    assert f"workers = 1  # {config}" in output


def test_bad_environment_variable_is_named(
    serve_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config(serve_dir, "workers = 1\n")
    monkeypatch.setenv("GRANIAN_WORKERS", "none")

    assert serve("--config", str(config)) == 2

    assert (
        "GRANIAN_WORKERS (environment, overrides `workers`): 'none' is not a valid integer" in capsys.readouterr().err
    )
    assert_nothing_created(serve_dir)


def test_configured_certificate_replaces_the_development_one(
    serve_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (serve_dir / "cert.pem").write_text("certificate")
    (serve_dir / "key.pem").write_text("key")
    config = write_config(serve_dir, 'ssl-certificate = "cert.pem"\nssl-keyfile = "key.pem"\n')

    assert serve("--config", str(config), "--print-config") == 0

    output = capsys.readouterr().out
    assert f'ssl-certificate = "cert.pem"  # {config}' in output
    assert not (serve_dir / "var" / "tls").exists()


def test_certificate_without_key_is_refused(serve_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (serve_dir / "cert.pem").write_text("certificate")
    config = write_config(serve_dir, 'ssl-certificate = "cert.pem"\n')

    assert serve("--config", str(config)) == 2

    assert "`ssl-certificate` and `ssl-keyfile` go together" in capsys.readouterr().err
    assert_nothing_created(serve_dir)


def test_development_certificate_is_made_once_and_then_reused(
    serve_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = write_config(serve_dir, "workers = 1\n")
    certificate = serve_dir / "var" / "tls" / "dev-cert.pem"

    assert serve("--config", str(config), "--print-config") == 0
    first_log = caplog.text
    first = certificate.read_bytes()
    caplog.clear()
    assert serve("--config", str(config), "--print-config") == 0
    second_log = caplog.text

    assert certificate.read_bytes() == first
    assert "made a new self-signed development certificate" in first_log
    assert "using the self-signed development certificate" in second_log
    assert f"curl --cacert {certificate}" in second_log
