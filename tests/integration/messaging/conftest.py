"""moto's server with SigV4 checking (after 3 free calls), an IAM user's key, and SQS clients on it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.moto_servers import admin_access_key, moto_server

MOTO_PROCESS = Path(__file__).resolve().parent.parent / "http" / "moto_process.py"


@dataclass(frozen=True)
class SqsMoto:
    url: str
    access_key_id: str
    secret_access_key: str

    def session(self, secret: str | None = None) -> Any:
        import botocore.session

        session = botocore.session.Session()
        session.set_credentials(self.access_key_id, secret or self.secret_access_key)
        return session

    def client(self) -> Any:
        return self.session().create_client("sqs", region_name="us-east-1", endpoint_url=self.url)


@pytest.fixture(scope="module")
def sqs_moto() -> Iterator[SqsMoto]:
    with moto_server(MOTO_PROCESS, "3") as url:
        yield SqsMoto(url, *admin_access_key(url, "messaging"))
