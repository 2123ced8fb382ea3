"""A throwaway CA, server and client certificate for mutual-TLS tests (made with cryptography)."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write(
    folder: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey
) -> tuple[str, str]:
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return str(cert_path), str(key_path)


def make_certificates(folder: Path) -> dict[str, tuple[str, str]]:
    """``{"ca": (cert, key), "server": ..., "client": ...}`` as PEM files in ``folder``."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = _key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "arazzo test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    found = {"ca": _write(folder, "ca", ca, ca_key)}
    for name, usage in (
        ("server", ExtendedKeyUsageOID.SERVER_AUTH),
        ("client", ExtendedKeyUsageOID.CLIENT_AUTH),
    ):
        key = _key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        )
        if name == "server":
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
        found[name] = _write(folder, name, builder.sign(ca_key, hashes.SHA256()), key)
    return found


class MutualTlsEchoServer:
    """An HTTPS server on 127.0.0.1 (bound when made, serving inside ``with``) that requires a client certificate from the test CA and answers
    ``{}``; ``seen`` holds the common name of each client that got through. The test CA is trusted for
    the block (``SSL_CERT_FILE``), so the client certificate is the only thing a test varies.

    ``with MutualTlsEchoServer(tmp_path, monkeypatch) as server: ... server.url, server.certs``
    """

    def __init__(self, folder: Path, monkeypatch: Any) -> None:
        self.certs = make_certificates(folder)
        self.seen: list[str] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                peer = self.connection.getpeercert() or {}  # type: ignore[attr-defined]
                seen.append(dict(x[0] for x in peer.get("subject", ())).get("commonName", ""))
                self.send_response(200)
                self.send_header("content-length", "2")
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*self.certs["server"])
        context.load_verify_locations(self.certs["ca"][0])
        context.verify_mode = ssl.CERT_REQUIRED  # no client certificate: no handshake
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        monkeypatch.setenv("SSL_CERT_FILE", self.certs["ca"][0])  # trust the test CA
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> MutualTlsEchoServer:
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
