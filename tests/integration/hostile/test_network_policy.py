"""A network policy (issue 17, point 8): allow/deny host globs, private networks refused after
DNS resolution, client certificates per host; as library options and CLI flags."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from echo_document import write_echo_document
from hostile_servers import ReflectingServer

import arazzo_runner
from arazzo_runner.drivers import RunEnvironment
from arazzo_runner.http import NetworkPolicy
from arazzo_runner.http.network_policy import private_kind
from tests.cli.in_process import CliResult, run_cli

ROOT = Path(__file__).resolve().parents[3]
@pytest.fixture(scope="module")
def reflecting():
    with ReflectingServer() as server:
        yield server


@pytest.fixture
def doc(tmp_path: Path) -> Path:
    return write_echo_document(tmp_path, criteria=False)


def run(doc: Path, url: str, policy: NetworkPolicy, mode: str = "sync") -> arazzo_runner.RunResult:
    document = arazzo_runner.load(doc)
    env = RunEnvironment(servers={"api": url}, network_policy=policy)
    if mode == "sync":
        return document.run(None, {}, environment=env)
    return asyncio.run(document.run_async(None, {}, environment=env))


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1%eth0", "link-local"),
        ("10.1.2.3", "private"),
        ("172.16.0.9", "private"),
        ("192.168.1.1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("8.8.8.8", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_private_kinds(address: str, kind: str | None) -> None:
    assert private_kind(address) == kind


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_private_networks_are_refused_before_sending(doc, reflecting, mode) -> None:
    result = run(doc, reflecting.url, NetworkPolicy(deny_private_networks=True), mode)
    assert result.status == "failed"
    assert "resolves to 127.0.0.1, a loopback address (--deny-private-networks)" in result.error.message
    assert result.step("echo").last.status_code is None  # never answered: never sent


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_name_resolving_to_the_metadata_service_is_refused(doc, mode) -> None:
    policy = NetworkPolicy(deny_private_networks=True, resolver=lambda host, port: ["169.254.169.254"])
    result = run(doc, "http://metadata.example.test", policy, mode)
    assert "resolves to 169.254.169.254, a link-local address" in result.error.message


def test_host_globs(doc, reflecting) -> None:
    refused = run(doc, reflecting.url, NetworkPolicy(allow_hosts=("*.amazonaws.com",)))
    assert "host '127.0.0.1' is not allowed (--allow-host *.amazonaws.com)" in refused.error.message
    denied = run(doc, reflecting.url, NetworkPolicy(allow_hosts=("127.0.0.*",), deny_hosts=("127.*",)))
    assert "refused by --deny-host '127.*'" in denied.error.message
    allowed = run(doc, reflecting.url, NetworkPolicy(allow_hosts=("127.0.0.*", "*.example.com")))
    assert allowed.succeeded, allowed.error


def test_cli_flags(doc, reflecting) -> None:
    def arazzo(*args: str) -> CliResult:  # in this process (tests/cli/in_process.py): flags and answers
        return run_cli(["run", str(doc), "--server", f"api={reflecting.url}", *args], env=os.environ, cwd=ROOT)

    refused = arazzo("--deny-private-networks")
    assert refused.returncode == 1 and "loopback address" in refused.stderr
    assert arazzo("--allow-host", "127.0.0.1").returncode == 0
    assert arazzo("--deny-host", "127.0.0.1").returncode == 1
    bad = arazzo("--client-cert", "nothing")
    assert bad.returncode == 2 and "HOST=CERT.pem" in bad.stderr


@pytest.mark.parametrize("mode", ["sync", "async-lean", "async-lean-h11", "async-httpx"])
def test_client_certificate_is_presented_for_mutual_tls(doc, tmp_path, monkeypatch, mode) -> None:
    from tls_certs import MutualTlsEchoServer

    server = MutualTlsEchoServer(tmp_path, monkeypatch)
    certs, seen = server.certs, server.seen
    if mode != "sync":  # the async run's own client: either transport mounts the certificate
        monkeypatch.setenv("ARAZZO_HTTP_TRANSPORT", mode.removeprefix("async-"))
    how = "sync" if mode == "sync" else "async"
    with server:
        url = server.url
        without = run(doc, url, NetworkPolicy(), how)
        with_cert = run(doc, url, NetworkPolicy(client_certs={"127.0.0.1": certs["client"]}), how)
        elsewhere = run(doc, url, NetworkPolicy(client_certs={"other.example.com": certs["client"]}), how)
    assert without.status == "failed"
    assert with_cert.succeeded, with_cert.error
    assert seen == ["client"]  # presented to its host only
    assert elsewhere.status == "failed"
