"""The CLI's Temporal options become a connection target: TLS files, API key, encryption key."""

from __future__ import annotations

import base64
import os

import pytest

from arazzo_runner.cli.main import build_parser
from arazzo_runner.cli.temporal import target_from
from arazzo_runner.errors import UsageError


def parse(*args: str):
    return build_parser().parse_args(["runs", "--temporal", "ns.acct.tmprl.cloud:7233", *args])


def test_plain_connection_has_no_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TEMPORAL_API_KEY", raising=False)
    monkeypatch.delenv("ARAZZO_TEMPORAL_KEY", raising=False)
    target = target_from(parse())
    assert target.tls_config() is False
    assert target.api_key is None and target.encryption_key is None


def test_mtls_files_and_api_key_file(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARAZZO_TEMPORAL_KEY", raising=False)
    (tmp_path / "c.pem").write_bytes(b"CERT")
    (tmp_path / "k.pem").write_bytes(b"KEY")
    (tmp_path / "ca.pem").write_bytes(b"CA")
    (tmp_path / "api").write_text("the-api-key\n")
    key = os.urandom(32)
    (tmp_path / "enc").write_text(base64.b64encode(key).decode())
    target = target_from(
        parse(
            "--namespace",
            "ns.acct",
            "--tls-cert",
            str(tmp_path / "c.pem"),
            "--tls-key",
            str(tmp_path / "k.pem"),
            "--tls-ca",
            str(tmp_path / "ca.pem"),
            "--tls-server-name",
            "srv",
            "--api-key-file",
            str(tmp_path / "api"),
            "--encryption-key-file",
            str(tmp_path / "enc"),
        )
    )
    tls = target.tls_config()
    assert (tls.client_cert, tls.client_private_key, tls.server_root_ca_cert, tls.domain) == (
        b"CERT",
        b"KEY",
        b"CA",
        "srv",
    )
    assert target.namespace == "ns.acct" and target.api_key == "the-api-key" and target.encryption_key == key


def test_api_key_from_environment_implies_tls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEMPORAL_API_KEY", "env-key")
    target = target_from(parse())
    assert target.api_key == "env-key"
    assert target.tls_config() is not False


def test_half_a_client_certificate_is_a_usage_error(tmp_path) -> None:
    (tmp_path / "c.pem").write_bytes(b"CERT")
    with pytest.raises(UsageError, match="--tls-cert and --tls-key go together"):
        target_from(parse("--tls-cert", str(tmp_path / "c.pem"))).tls_config()
    with pytest.raises(UsageError, match="cannot read the API key file"):
        target_from(parse("--api-key-file", str(tmp_path / "missing")))
