"""Remote source descriptions (``--allow-remote``) obey the run's network policy (issue 25, point 1).

A source fetched over http(s) goes where ``--deny-host``/``--allow-host``/``--deny-private-networks``
allow, every redirect hop checked before it is followed, and the whole fetch has a deadline.
Servers are real, on 127.0.0.1; ``localhost`` stands for "another host" (denied by name).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from hostile_servers import HostileServer, drip_body

from arazzo_runner.http import NetworkPolicy
from arazzo_runner.sources.fetch import SourceFetcher
from arazzo_runner.yaml12 import YamlReadError
from tests.cli.in_process import CliResult, run_cli
from tests.conftest import ROOT
from tests.engine.scripted_server import ScriptedServer

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "remote", "version": "1"},
    "paths": {"/echo": {"get": {"operationId": "echo", "responses": {"200": {"description": "ok"}}}}},
}


def arazzo_doc(folder: Path, source_url: str) -> Path:
    path = folder / "doc.arazzo.yaml"
    path.write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
        f"sourceDescriptions: [{{name: api, url: '{source_url}', type: openapi}}]\n"
        "workflows:\n- workflowId: w\n  steps:\n  - {stepId: echo, operationId: echo}\n"
    )
    return path


def arazzo(*args: str) -> CliResult:
    """The CLI in this process (tests/cli/in_process.py): what is tested is its flags and answers."""
    return run_cli(args, env=os.environ, cwd=ROOT)


@pytest.fixture
def server():
    server = ScriptedServer({("GET", "/real.json"): [(200, OPENAPI)]})
    yield server
    server.close()


def test_a_redirect_to_a_denied_host_is_not_followed(tmp_path, server) -> None:
    port = server.url.rsplit(":", 1)[1]
    server.script[("GET", "/api.json")] = [(302, {}, {"Location": f"http://localhost:{port}/real.json"})]
    doc = arazzo_doc(tmp_path, f"{server.url}/api.json")
    allowed = arazzo("validate", str(doc), "--allow-remote")
    assert allowed.returncode == 0, allowed.stderr  # the redirect itself works
    server.requests.clear()

    refused = arazzo("validate", str(doc), "--allow-remote", "--deny-host", "localhost")
    assert refused.returncode == 2
    assert "host 'localhost' is refused by --deny-host 'localhost'" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert [r.path for r in server.requests] == ["/api.json"]  # the denied hop was never sent


def test_remote_sources_obey_deny_private_networks_and_allow_host(tmp_path, server) -> None:
    doc = arazzo_doc(tmp_path, f"{server.url}/real.json")
    private = arazzo("validate", str(doc), "--allow-remote", "--deny-private-networks")
    assert private.returncode == 2
    assert "a loopback address (--deny-private-networks)" in private.stderr
    outside = arazzo("validate", str(doc), "--allow-remote", "--allow-host", "*.example.com")
    assert outside.returncode == 2 and "is not allowed (--allow-host *.example.com)" in outside.stderr
    # `run` loads its document under the same policy (before a single step)
    run = arazzo("run", str(doc), "--allow-remote", "--deny-host", "127.0.0.1", "--no-journal")
    assert run.returncode == 2 and "refused by --deny-host '127.0.0.1'" in run.stderr
    assert server.requests == []


def test_each_redirect_hop_is_checked_and_the_chain_is_bounded(server) -> None:
    port = server.url.rsplit(":", 1)[1]
    server.script[("GET", "/hop")] = [(302, {}, {"Location": "/hop2"})]
    server.script[("GET", "/hop2")] = [(301, {}, {"Location": f"http://2130706433:{port}/real.json"})]
    # The first hop is a name the policy lets through (its resolver says it is a public address;
    # the connection reaches 127.0.0.1 all the same); the third spells 127.0.0.1 as one number.
    policy = NetworkPolicy(deny_hosts=("127.0.0.1",), resolver=lambda host, port: ["203.0.113.5"])
    fetcher = SourceFetcher(allow_remote=True, network_policy=policy)
    with pytest.raises(YamlReadError, match=r"2130706433 \(= 127.0.0.1\)' is refused"):
        fetcher.fetch(f"http://localhost:{port}/hop")
    assert [r.path for r in server.requests] == ["/hop", "/hop2"]

    server.script[("GET", "/loop")] = [(302, {}, {"Location": "/loop"})]
    with pytest.raises(YamlReadError, match="more than 5 redirects"):
        SourceFetcher(allow_remote=True).fetch(f"{server.url}/loop")
    server.script[("GET", "/file")] = [(302, {}, {"Location": "file:///etc/passwd"})]
    with pytest.raises(YamlReadError, match="a redirect to file: is not followed"):
        SourceFetcher(allow_remote=True).fetch(f"{server.url}/file")


def test_a_trickling_source_is_stopped_at_the_fetch_deadline() -> None:
    with HostileServer(drip_body(interval=0.02)) as trickle:
        started = time.monotonic()
        with pytest.raises(YamlReadError, match=r"not read within 0.5 s"):
            SourceFetcher(allow_remote=True, timeout=0.5).fetch(f"{trickle.url}/api.json")
        assert time.monotonic() - started < 3.0  # each byte came in time: only the total bound stops it


def test_a_local_source_needs_no_network_policy(tmp_path) -> None:
    (tmp_path / "x.json").write_text(json.dumps(OPENAPI))
    fetcher = SourceFetcher(network_policy=NetworkPolicy(deny_private_networks=True))
    assert fetcher.fetch(str(tmp_path / "x.json")).data == OPENAPI
