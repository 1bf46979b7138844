"""Certificates for the server: a local CA (kept, so a client trusts it once) and a server
certificate it signs on every start.

The CA carries name constraints: it can only vouch for Salesforce's domains, loopback and the
host names the server was started with, so a CA file that leaks cannot impersonate anyone else.
The Salesforce domains are there so that unmodified clients (which call login.salesforce.com)
can be routed here through the proxy (see `proxy.py`).
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SALESFORCE_NAMES = ("salesforce.com", "*.salesforce.com", "*.my.salesforce.com", "force.com", "*.force.com")
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
_CA_DOMAINS = ("salesforce.com", "force.com", "localhost")
_CA_NETWORKS = ("127.0.0.0/8", "::1/128")


def default_dir() -> Path:
    """Where the CA lives unless told otherwise: the user's cache, so it survives restarts."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "crmweaver" / "serve"


def server_certificate(tls_dir: Path, names: list[str]) -> tuple[Path, Path, Path]:
    """(certificate, key, CA) files for a server answering to `names` (host names or IPs).
    Reuses the CA in `tls_dir` when its constraints cover the names, else makes a new one."""
    tls_dir.mkdir(parents=True, exist_ok=True)
    names = list(dict.fromkeys([*SALESFORCE_NAMES, *LOOPBACK_NAMES, *names]))
    ca_path, ca_key_path = tls_dir / "ca.pem", tls_dir / "ca-key.pem"
    ca = _load_ca(ca_path, ca_key_path, names)
    if ca is None:
        ca = _new_ca(names)
        _write(ca_key_path, _key_pem(ca[1]), private=True)
        _write(ca_path, ca[0].public_bytes(serialization.Encoding.PEM))
    cert, key = _issue(ca, names)
    stem = "server-" + hashlib.sha256("\n".join(names).encode()).hexdigest()[:12]  # one file per name set
    cert_path, key_path = tls_dir / f"{stem}.pem", tls_dir / f"{stem}-key.pem"
    _write(key_path, _key_pem(key), private=True)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM) + ca[0].public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path, ca_path


def bundle_with_system_roots(ca_path: Path) -> Path:
    """The CA appended to certifi's roots: for REQUESTS_CA_BUNDLE in a program that also calls
    real HTTPS hosts through requests (requests trusts only the bundle it is given)."""
    import certifi  # a dependency of requests, which every Salesforce client here uses

    out = ca_path.with_name("bundle.pem")
    _write(out, Path(certifi.where()).read_bytes().rstrip(b"\n") + b"\n" + ca_path.read_bytes())
    return out


def _split(names: list[str]) -> tuple[list[str], list]:
    dns, ips = [], []
    for n in names:
        try:
            ips.append(ipaddress.ip_address(n))
        except ValueError:
            dns.append(n)
    return dns, ips


def _covered(ca: x509.Certificate, names: list[str]) -> bool:
    try:
        nc = ca.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return False
    domains = [g.value for g in nc.permitted_subtrees or () if isinstance(g, x509.DNSName)]
    networks = [g.value for g in nc.permitted_subtrees or () if isinstance(g, x509.IPAddress)]
    dns, ips = _split(names)
    dns_ok = all(any(_within(n.lstrip("*."), d) for d in domains) for n in dns)
    return dns_ok and all(any(ip in net for net in networks) for ip in ips)


def _within(name: str, domain: str) -> bool:
    name, domain = name.lower(), domain.lower()
    return name == domain or name.endswith("." + domain)


def _load_ca(cert_path: Path, key_path: Path, names: list[str]):
    if not (cert_path.is_file() and key_path.is_file()):
        return None
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except ValueError:
        return None  # a damaged CA file is replaced, as a missing one is
    fresh = cert.not_valid_after_utc > datetime.now(timezone.utc) + timedelta(days=30)
    return (cert, key) if fresh and _covered(cert, names) else None


def _new_ca(names: list[str]):
    key = ec.generate_private_key(ec.SECP256R1())
    dns, ips = _split(names)
    domains = list(dict.fromkeys([*_CA_DOMAINS, *(n.lstrip("*.") for n in dns)]))
    networks = [ipaddress.ip_network(n) for n in _CA_NETWORKS]
    networks += [ipaddress.ip_network(ip) for ip in ips if not any(ip in net for net in networks)]
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "crmweaver serve local CA")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(
            x509.NameConstraints(
                permitted_subtrees=[x509.DNSName(d) for d in domains] + [x509.IPAddress(n) for n in networks],
                excluded_subtrees=None,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _issue(ca, names: list[str]):
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    dns, ips = _split(names)
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "crmweaver serve")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=397))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in dns] + [x509.IPAddress(i) for i in ips]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _usage(cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
        key_agreement=False, key_cert_sign=cert_sign, crl_sign=cert_sign, encipher_only=False, decipher_only=False,
    )


def _key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def _write(path: Path, data: bytes, private: bool = False) -> None:
    """Write atomically (a server starting at the same time reads the old file or the new one)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
