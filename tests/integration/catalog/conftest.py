"""One moto server (SigV4 checked) for the whole catalog corpus, and a runner that runs each workflow once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.moto_servers import admin_access_key, moto_server

from .aws_state import REGION, MotoState
from .corpus import CorpusRunner

#: The same launcher the HTTP tests use: moto with ``INITIAL_NO_AUTH_ACTION_COUNT`` set, so only the
#: first 3 calls (the IAM user and its key) go unchecked and every later request must be signed.
MOTO_LAUNCHER = Path(__file__).resolve().parents[1] / "http" / "moto_process.py"


@pytest.fixture(scope="module")
def corpus() -> Iterator[CorpusRunner]:
    with moto_server(MOTO_LAUNCHER, "3") as url, pytest.MonkeyPatch.context() as env:
        key, secret = admin_access_key(url, "catalog")
        env.setenv("AWS_ACCESS_KEY_ID", key)
        env.setenv("AWS_SECRET_ACCESS_KEY", secret)
        env.setenv("AWS_REGION", REGION)
        env.setenv("AWS_DEFAULT_REGION", REGION)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE"):
            env.delenv(name, raising=False)
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        yield CorpusRunner(url, MotoState(url, key, secret))
