from __future__ import annotations

import pytest

from .scripted_server import ScriptedServer


@pytest.fixture(scope="session")
def _server():
    server = ScriptedServer()
    yield server
    server.close()


@pytest.fixture
def server(_server: ScriptedServer) -> ScriptedServer:
    _server.reset({})
    return _server


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Throwaway credentials: SigV4 signing runs for real, against our local servers only."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLETESTKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test/secret/key/never/printed")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_SAGEMAKER", raising=False)
