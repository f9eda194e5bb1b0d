"""The development certificate: what Granian and clients need from it, made once and
reused, replaced when it can no longer be used."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from lebrq.server.dev_certificate import ensure_development_certificate

NOW = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)


def test_certificate_names_local_addresses_and_key_is_unencrypted_pkcs8_for_owner_only(tmp_path: Path) -> None:
    made = ensure_development_certificate(tmp_path / "tls", now=NOW)

    assert made.created
    key_pem = made.key.read_bytes()
    assert key_pem.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, not "EC PRIVATE KEY"
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert stat.S_IMODE(made.key.stat().st_mode) == 0o600
    certificate = x509.load_pem_x509_certificate(made.certificate.read_bytes())
    assert certificate.public_key() == key.public_key()
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    assert ipaddress.ip_address("127.0.0.1") in names.get_values_for_type(x509.IPAddress)
    assert certificate.not_valid_before_utc < NOW < certificate.not_valid_after_utc


def test_a_valid_certificate_is_reused(tmp_path: Path) -> None:
    first = ensure_development_certificate(tmp_path, now=NOW)
    certificate, key = first.certificate.read_bytes(), first.key.read_bytes()

    again = ensure_development_certificate(tmp_path, now=NOW + dt.timedelta(days=300))

    assert not again.created
    assert (again.certificate.read_bytes(), again.key.read_bytes()) == (certificate, key)


def test_a_certificate_about_to_expire_is_replaced(tmp_path: Path) -> None:
    first = ensure_development_certificate(tmp_path, now=NOW)
    old = first.certificate.read_bytes()

    renewed = ensure_development_certificate(tmp_path, now=first.not_valid_after - dt.timedelta(days=1))

    assert renewed.created
    assert renewed.certificate.read_bytes() != old
    assert renewed.not_valid_after > first.not_valid_after


def test_a_damaged_or_mismatched_key_is_replaced(tmp_path: Path) -> None:
    first = ensure_development_certificate(tmp_path, now=NOW)
    first.key.write_text("not a key")
    assert ensure_development_certificate(tmp_path, now=NOW).created

    other = ensure_development_certificate(tmp_path / "other", now=NOW)
    first.key.write_bytes(other.key.read_bytes())
    replaced = ensure_development_certificate(tmp_path, now=NOW)

    assert replaced.created
    key = serialization.load_pem_private_key(replaced.key.read_bytes(), password=None)
    assert x509.load_pem_x509_certificate(replaced.certificate.read_bytes()).public_key() == key.public_key()
