"""Fixtures: an echo / scripted server per module, moto's server with SigV4 checking once per session."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.moto_servers import admin_access_key, moto_server

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from http_test_servers import EchoServer  # noqa: E402


@pytest.fixture(scope="module")
def echo_server() -> Iterator[EchoServer]:
    with EchoServer() as server:
        yield server


@pytest.fixture
def scripted(echo_server: EchoServer) -> Iterator[EchoServer]:
    """The module's server with an empty script and request log; left echoing afterwards."""
    echo_server.play()
    yield echo_server
    echo_server.play()


@dataclass(frozen=True)
class MotoKeys:
    url: str
    access_key_id: str
    secret_access_key: str


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoKeys]:
    """moto's server (signature checking after 3 free calls) and an IAM user's access key."""
    with moto_server(HERE / "moto_process.py", "3") as url:
        yield MotoKeys(url, *admin_access_key(url, "arazzo"))
