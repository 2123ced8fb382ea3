"""Recorded Temporal histories of the flagships, for the replay test (``python -m tests.temporal.histories``).

Recording runs the unmodified flagship through a dev server and the SageMaker emulator and writes
each run's history to ``tests/data/temporal/histories/``; the event flagship
(``event-flagship-completed``: create, then receives, held messages acknowledged) runs against the
emulator publishing to moto's EventBridge, routed to an SQS queue, as its tests do. The checkout's absolute path in the
payloads (the document's location) is stored as ``${ROOT}`` so the files replay in any checkout. Re-record only when
a change to the workflow's commands is intended (and say so: runs in flight would break); ``--only NAME`` records one
case. ``flagship-completed`` and ``flagship-failed`` were recorded before local reads existed (issue 31): keep them,
they prove that runs started by older code still replay.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
from pathlib import Path
from typing import Any

from tests.conftest import FLAGSHIP, ROOT, flagship_inputs

FOLDER = ROOT / "tests" / "data" / "temporal" / "histories"
PLACEHOLDER = "${ROOT}"


def _rewrite_paths(history: Any, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in every JSON payload (the workflow's and the activities' inputs)."""
    if isinstance(history, list):
        for item in history:
            _rewrite_paths(item, old, new)
        return
    if not isinstance(history, dict):
        return
    if "data" in history and isinstance(history.get("metadata"), dict):
        text = base64.b64decode(history["data"]).decode("utf-8", "replace")
        if old in text:
            history["data"] = base64.b64encode(text.replace(old, new).encode()).decode()
        return
    for value in history.values():
        _rewrite_paths(value, old, new)


def load_history(path: Path) -> str:
    """A recorded history as JSON, its document path pointing into this checkout."""
    history = json.loads(path.read_text())
    _rewrite_paths(history, PLACEHOLDER, str(ROOT))
    return json.dumps(history)


CASES = {
    # name: (training job name, InProgress answers before the outcome, the run's local wait)
    # Recorded before local reads (issue 31): runs without ``localWait`` take that path still.
    "flagship-completed": ("replay-completed", 3, None),
    "flagship-failed": ("replay--polls2-fail", 0, None),
    # Polls as local reads (``.reads``), short waits folded in: one marker per poll.
    "flagship-local-reads-completed": ("replay-local-reads", 3, 1.0),
}


async def _record(address: str, folder: Path, only: str | None = None) -> None:
    import arazzo_runner
    from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
    from arazzo_runner.engine import PollPacing, RunOptions
    from arazzo_runner.temporal.connection import TemporalTarget, connect
    from arazzo_runner.temporal.runs import follow, new_request, submit
    from arazzo_runner.temporal.worker import build_worker

    document = arazzo_runner.load(FLAGSHIP)
    inputs = flagship_inputs()
    # Short polls with jitter: the histories hold timers whose lengths come from the seeded RNG.
    options = RunOptions(pacing=PollPacing(interval=0.05, backoff=1.5, jitter=0.1))
    client = await connect(TemporalTarget(address))
    folder.mkdir(parents=True, exist_ok=True)
    for name, (job, in_progress, local_wait) in CASES.items():
        if only is not None and name != only:
            continue
        with EmulatorServer(SageMakerEmulator(in_progress=in_progress, stopping=0)) as emulator:
            worker, sender = build_worker(client, task_queue=f"record-{name}")
            async with worker:
                request = new_request(
                    document,
                    None,
                    {**inputs, "trainingJobName": job},
                    options=options,
                    servers={"sagemakerApi": emulator.url},
                    local_wait=local_wait,
                )
                handle = await submit(client, request, task_queue=f"record-{name}", run_id=f"record-{name}")
                result = await follow(handle)
            await sender.aclose()
        history = json.loads((await handle.fetch_history()).to_json())
        _rewrite_paths(history, str(ROOT), PLACEHOLDER)
        (folder / f"{name}.json").write_text(json.dumps(history, indent=1) + "\n")
        print(f"{name}: {result['status']} {result['outputs'].get('trainingJobStatus')}")


async def _record_events(address: str, folder: Path) -> None:
    """The event flagship: EventBridge → SQS on moto (signature checking on), the emulator's jobs
    moving on with time; the history holds receive and acknowledge activities."""
    import botocore.session

    import arazzo_runner
    from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
    from arazzo_runner.aws.training_events import EventBridgePublisher, EventPump, route_to_queue
    from arazzo_runner.temporal.connection import TemporalTarget, connect
    from arazzo_runner.temporal.runs import follow, new_request, submit
    from arazzo_runner.temporal.worker import build_worker
    from tests.moto_servers import admin_access_key, moto_server

    name = "event-flagship-completed"
    workflow = ROOT / "workflows" / "amazon-sagemaker-train-and-wait-for-event-workflow.yml"
    inputs = json.loads(workflow.with_suffix(".inputs.json").read_text())
    with moto_server(ROOT / "tests" / "integration" / "http" / "moto_process.py", "3") as url:
        key, secret = admin_access_key(url, "recorder")
        os.environ.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, AWS_ENDPOINT_URL_SQS=url)
        session = botocore.session.Session()
        session.set_credentials(key, secret)
        events = session.create_client("events", region_name="us-east-1", endpoint_url=url)
        sqs = session.create_client("sqs", region_name="us-east-1", endpoint_url=url)
        route_to_queue(events, sqs, "replay-training-events", rule="replay-training-events")
        emulator = SageMakerEmulator(
            credentials={key: secret}, in_progress=2, advance="time", seconds_per_phase=0.2
        )
        client = await connect(TemporalTarget(address))
        with (
            EmulatorServer(emulator) as server,
            EventPump(emulator, EventBridgePublisher(events), interval=0.02),
        ):
            worker, sender = build_worker(client, task_queue=f"record-{name}")
            async with worker:
                request = new_request(
                    arazzo_runner.load(workflow),
                    None,
                    {**inputs, "trainingJobName": "replay-events", "eventQueue": "replay-training-events"},
                    servers={"sagemakerApi": server.url},
                )
                handle = await submit(client, request, task_queue=f"record-{name}", run_id=f"record-{name}")
                result = await follow(handle)
            await sender.aclose()
    history = json.loads((await handle.fetch_history()).to_json())
    _rewrite_paths(history, str(ROOT), PLACEHOLDER)
    (folder / f"{name}.json").write_text(json.dumps(history, indent=1) + "\n")
    print(f"{name}: {result['status']} {result['outputs'].get('trainingJobStatus')}")


def main() -> None:
    from arazzo_runner.aws.sagemaker_emulator import DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY
    from arazzo_runner.temporal.devserver import DevServer

    os.environ.update(
        AWS_ACCESS_KEY_ID=DEMO_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=DEMO_SECRET_ACCESS_KEY,
        AWS_REGION="us-east-1",
    )
    only_events = "--events" in sys.argv  # record only the event flagship's history
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None  # one of CASES
    with DevServer() as server:
        if not only_events:
            asyncio.run(_record(server.address, FOLDER, only))
        if only is None:
            asyncio.run(_record_events(server.address, FOLDER))
    os._exit(0)  # temporalio/sdk-python#300: native threads can abort the interpreter's shutdown


if __name__ == "__main__":
    main()
