"""``--deny-host`` holds for every spelling of a host (issue 25, point 1).

A deny entry of ``127.0.0.1`` let 13 of 24 spellings of that address through (``127.1``,
``2130706433``, ``0x7f.1``, ``[::ffff:127.0.0.1]``, ``127.0.0.1.``...): the host was compared as
text. Each spelling here is first shown to reach a real server on 127.0.0.1 with no policy (so it
is one a connection really takes there), then refused by the deny entry, and never sent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from echo_document import write_echo_document

import arazzo_runner
from arazzo_runner.drivers import RunEnvironment
from arazzo_runner.http import NetworkPolicy
from tests.engine.scripted_server import ScriptedServer

SPELLINGS = [
    "127.0.0.1", "127.1", "127.0.1", "2130706433", "0x7f000001", "0X7F000001", "017700000001",
    "0x7f.0.0.1", "0x7f.0x0.0x0.0x1", "0x7f.1", "0177.1", "0177.0.1", "0x7f.0.1", "127.0x0.1",
    "127.0.0x1", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[0:0:0:0:0:ffff:127.0.0.1]",
    "[0:0:0:0:0:ffff:7f00:1]", "[::FFFF:127.0.0.1]", "[0000::ffff:127.0.0.1]", "127.0x000001",
    "0x7f.00.1", "0x0000007f.1",
]  # fmt: skip


@pytest.fixture(scope="module")
def server():
    server = ScriptedServer({("GET", "/echo"): [(200, {"ok": True})]})
    yield server
    server.close()


@pytest.fixture(scope="module")
def document(tmp_path_factory) -> arazzo_runner.Document:
    folder: Path = tmp_path_factory.mktemp("spellings")
    return arazzo_runner.load(write_echo_document(folder))


def test_there_are_24_spellings() -> None:
    assert len(set(SPELLINGS)) == 24


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_of_a_denied_address_is_refused(spelling, server, document) -> None:
    port = server.url.rsplit(":", 1)[1]
    url = f"http://{spelling}:{port}"
    server.requests.clear()
    reached = document.run(None, {}, environment=RunEnvironment(servers={"api": url}))
    assert reached.succeeded, reached.error  # a spelling a connection really takes to 127.0.0.1
    assert len(server.requests) == 1
    server.requests.clear()
    for deny in ("127.0.0.1", "127.0.0.0/8", "[::ffff:127.0.0.1]", "2130706433"):
        policy = NetworkPolicy(deny_hosts=(deny,))
        refused = document.run(
            None, {}, environment=RunEnvironment(servers={"api": url}, network_policy=policy)
        )
        assert not refused.succeeded
        assert refused.error is not None and f"refused by --deny-host '{deny}'" in refused.error.message
    assert server.requests == []  # never sent


@pytest.mark.parametrize(
    ("host", "pattern", "matches"),
    [
        ("API.Example.COM.", "*.example.com", True),
        ("localhost.", "localhost", True),
        ("[::1]", "::1", True),
        ("api.example.com", "*.EXAMPLE.com.", True),
        ("::1", "[0:0:0:0:0:0:0:1]", True),
        ("10.2.3.4", "10.0.0.0/8", True),
        ("11.2.3.4", "10.0.0.0/8", False),
        ("example.com", "127.0.0.1", False),
        ("1.2.3.256", "1.2.3.0/24", False),  # not an address: compared as a name
    ],
)
def test_host_matching(host, pattern, matches) -> None:
    from arazzo_runner.http.network_policy import canonical_host, host_matches

    assert host_matches(canonical_host(host), pattern) is matches


def test_a_name_that_resolves_to_a_denied_address_is_refused(server, document) -> None:
    port = server.url.rsplit(":", 1)[1]
    policy = NetworkPolicy(deny_hosts=("169.254.169.254",), resolver=lambda host, port: ["169.254.169.254"])
    env = RunEnvironment(servers={"api": f"http://metadata.internal.test:{port}"}, network_policy=policy)
    refused = document.run(None, {}, environment=env)
    assert refused.error is not None
    assert "resolves to 169.254.169.254, refused by --deny-host '169.254.169.254'" in refused.error.message
