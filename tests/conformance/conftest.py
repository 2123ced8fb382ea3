"""One canned-response server for the whole session (see :mod:`.canned_server`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conformance.canned_server import CannedServer


@pytest.fixture(scope="session")
def canned_server() -> Iterator[CannedServer]:
    with CannedServer() as server:
        yield server
