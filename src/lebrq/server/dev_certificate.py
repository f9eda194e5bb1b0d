"""A self-signed development certificate, so `lebrq serve` speaks TLS (and therefore
HTTP/2 via ALPN) on a fresh machine with nothing configured.

Granian reads only unencrypted PKCS#8 keys reliably (encrypted keys crash workers on
2.7.9-2.8.7, FIELD-NOTES), so the key is written that way, readable by its owner only.
The certificate is its own trust anchor: clients verify it with
`curl --cacert <var_dir>/tls/dev-cert.pem` or `httpx.Client(verify=ssl_context)`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERTIFICATE_FILE = "dev-cert.pem"
KEY_FILE = "dev-key.pem"
HOST_NAMES = ("localhost",)
IP_ADDRESSES = ("127.0.0.1", "::1")
VALIDITY = dt.timedelta(days=365)
# A certificate this close to expiry is replaced rather than reused.
RENEW_BEFORE = dt.timedelta(days=7)


@dataclass(frozen=True)
class DevelopmentCertificate:
    certificate: Path
    key: Path
    not_valid_after: dt.datetime
    created: bool

    @property
    def names(self) -> tuple[str, ...]:
        return HOST_NAMES + IP_ADDRESSES


def ensure_development_certificate(tls_dir: Path, *, now: dt.datetime | None = None) -> DevelopmentCertificate:
    """Reuse the certificate in `tls_dir` while it is readable and valid; otherwise make
    a new one. Reuse matters: clients that trusted it keep working across restarts."""
    now = now or dt.datetime.now(dt.UTC)
    certificate_path, key_path = tls_dir / CERTIFICATE_FILE, tls_dir / KEY_FILE
    existing = _load_usable(certificate_path, key_path, now)
    if existing is not None:
        return DevelopmentCertificate(certificate_path, key_path, existing.not_valid_after_utc, created=False)

    key = ec.generate_private_key(ec.SECP256R1())
    certificate = _self_signed(key, now)
    tls_dir.mkdir(parents=True, exist_ok=True)
    _write_atomically(
        key_path,
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
        mode=0o600,
    )
    _write_atomically(certificate_path, certificate.public_bytes(serialization.Encoding.PEM), mode=0o644)
    return DevelopmentCertificate(certificate_path, key_path, certificate.not_valid_after_utc, created=True)


def _self_signed(key: ec.EllipticCurvePrivateKey, now: dt.datetime) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "LeBRQ development certificate")])
    key_id = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    alternative_names: list[x509.GeneralName] = [x509.DNSName(host) for host in HOST_NAMES]
    alternative_names += [x509.IPAddress(ipaddress.ip_address(address)) for address in IP_ADDRESSES]
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        # An hour of slack for clocks that disagree slightly.
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(key_id, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(key_id), critical=False)
        .sign(key, hashes.SHA256())
    )


def _load_usable(certificate_path: Path, key_path: Path, now: dt.datetime) -> x509.Certificate | None:
    try:
        certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        # Missing, unreadable, garbled or encrypted: make a fresh pair.
        return None
    if certificate.not_valid_after_utc - RENEW_BEFORE <= now:
        return None
    if certificate.public_key() != key.public_key():
        return None
    return certificate


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    """A reader never sees half a key: write a temporary file, then rename it."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
