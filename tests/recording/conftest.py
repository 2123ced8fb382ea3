"""Shared fixtures for record/replay tests: the flagship, its inputs, and a network kill switch."""

from __future__ import annotations

import socket

import pytest

import arazzo_runner
from tests.conftest import FLAGSHIP, ROOT, flagship_inputs

FLAGSHIP_INPUTS = flagship_inputs()
FLAGSHIP_HAR = ROOT / "tests" / "recordings" / "amazon-sagemaker-train-and-poll-job.har"


@pytest.fixture(scope="session")
def flagship():
    return arazzo_runner.load(FLAGSHIP)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Make every socket connection fail loudly (and count the attempts)."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise AssertionError(f"a socket tried to connect to {address!r} during a replay")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", lambda address, *a, **k: refuse(None, address))  # type: ignore[arg-type]
    return attempts
