"""``make demo-events``: the event-driven flagship against the SageMaker emulator and moto's EventBridge + SQS.

Starts moto's server in-process on 127.0.0.1 (EventBridge and SQS), creates the event queue and an
EventBridge rule that sends "SageMaker Training Job State Change" events to it, starts the SageMaker
emulator (SigV4 verified, throwaway credentials) whose jobs move on with time and publish every
state change to moto's EventBridge (:mod:`arazzo_runner.aws.training_events`), then runs ``arazzo run`` on
``workflows/amazon-sagemaker-train-and-wait-for-event-workflow.yml`` with ``AWS_ENDPOINT_URL_SQS``
pointing at moto. It reports how many DescribeTrainingJob calls were made: none, when all goes well.
Nothing leaves the machine; moto is a development dependency (``make`` installs it).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from ..aws.sagemaker_emulator import (
    DEMO_ACCESS_KEY_ID,
    DEMO_SECRET_ACCESS_KEY,
    EmulatorServer,
    SageMakerEmulator,
)
from ..aws.training_events import EventBridgePublisher, EventPump, route_to_queue

WORKFLOW = "workflows/amazon-sagemaker-train-and-wait-for-event-workflow.yml"
INPUTS = "workflows/amazon-sagemaker-train-and-wait-for-event-workflow.inputs.json"


def _clients(url: str) -> tuple[object, object]:
    import botocore.session

    session = botocore.session.Session()
    session.set_credentials(DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY)
    return (
        session.create_client("events", region_name="us-east-1", endpoint_url=url),
        session.create_client("sqs", region_name="us-east-1", endpoint_url=url),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m arazzo_runner.cli.demo_events", description=__doc__)
    parser.add_argument("--workflow-file", default=WORKFLOW)
    parser.add_argument("--inputs", default=INPUTS)
    parser.add_argument("--in-progress", type=int, default=5, help="InProgress phases before Completed")
    parser.add_argument("--seconds-per-phase", type=float, default=1.0, help="how long each phase lasts")
    parser.add_argument("--output", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    for path in (args.workflow_file, args.inputs):
        if not os.path.exists(path):
            print(
                f"demo-events: {path} not found (run it from the repository root: make demo-events)",
                file=sys.stderr,
            )
            return 2
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        print(
            "demo-events: moto is not installed (it is a development dependency: run 'make demo-events')",
            file=sys.stderr,
        )
        return 2
    with open(args.inputs, encoding="utf-8") as handle:
        queue = json.load(handle).get("eventQueue", "arazzo-demo-sagemaker-training-events")
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request otherwise
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        moto_url = f"http://127.0.0.1:{moto.get_host_and_port()[1]}"
        events, sqs = _clients(moto_url)
        route_to_queue(events, sqs, queue)
        # Throwaway credentials only: the emulator verifies signatures made with them; moto accepts any.
        os.environ.update(
            AWS_ACCESS_KEY_ID=DEMO_ACCESS_KEY_ID,
            AWS_SECRET_ACCESS_KEY=DEMO_SECRET_ACCESS_KEY,
            AWS_REGION="us-east-1",
            AWS_ENDPOINT_URL_SQS=moto_url,
        )
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER"):
            os.environ.pop(name, None)
        from .main import main as arazzo

        emulator = SageMakerEmulator(
            in_progress=args.in_progress, advance="time", seconds_per_phase=args.seconds_per_phase
        )
        publisher = EventBridgePublisher(events)
        with (
            EmulatorServer(emulator) as server,
            EventPump(emulator, publisher, interval=args.seconds_per_phase / 4),
        ):
            command = [
                "run",
                args.workflow_file,
                "--inputs",
                args.inputs,
                "--server",
                f"sagemakerApi={server.url}",
                "--output",
                args.output,
            ]
            print(
                f"Local SageMaker emulator at {server.url} (SigV4 verified, throwaway credentials)",
                file=sys.stderr,
            )
            print(
                f"moto's EventBridge + SQS at {moto_url}: rule {{source: aws.sagemaker, detail-type: SageMaker"
                f" Training Job State Change}} -> queue {queue}",
                file=sys.stderr,
            )
            print(f"$ AWS_ENDPOINT_URL_SQS={moto_url} arazzo " + " ".join(command), file=sys.stderr)
            code = arazzo(command)
        print(
            f"Emulator saw {emulator.count('CreateTrainingJob')} CreateTrainingJob and"
            f" {emulator.count('DescribeTrainingJob')} DescribeTrainingJob calls;"
            f" it published {publisher.published} state change events to EventBridge.",
            file=sys.stderr,
        )
        return code
    finally:
        moto.stop()


if __name__ == "__main__":
    sys.exit(main())
