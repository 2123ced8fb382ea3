"""``make demo-events``: the event-driven flagship against the SageMaker emulator and moto's EventBridge + SQS.

Starts moto's server in-process on 127.0.0.1 (EventBridge and SQS), creates the event queue and an
EventBridge rule that sends "SageMaker Training Job State Change" events to it, starts the SageMaker
emulator (SigV4 verified, throwaway credentials) whose jobs move on with time and publish every
state change to moto's EventBridge (:mod:`arazzo_runner.aws.training_events`), then runs ``arazzo run`` on
``workflows/amazon-sagemaker-train-and-wait-for-event-workflow.yml`` with ``AWS_ENDPOINT_URL_SQS``
pointing at moto. It reports how many DescribeTrainingJob calls were made: none, when all goes well.
Nothing leaves the machine; moto is a development dependency (``make`` installs it).

``--temporal HOST:PORT`` runs it on Temporal instead (a dev server you started): an ``arazzo worker``
is started with the same environment (credentials, ``AWS_ENDPOINT_URL_SQS``) on a task queue of its
own, the run is submitted with ``arazzo run … --temporal``, and the worker is stopped afterwards.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator

from ..aws.sagemaker_emulator import (
    DEMO_ACCESS_KEY_ID,
    DEMO_SECRET_ACCESS_KEY,
    EmulatorServer,
    SageMakerEmulator,
)
from ..aws.training_events import EventBridgePublisher, EventPump, route_to_queue
from .demo import emulator_run_command, use_demo_credentials

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


@contextlib.contextmanager
def _worker(address: str, task_queue: str, moto_url: str) -> Iterator[None]:
    """``arazzo worker`` in a child process (this process's environment: the throwaway credentials
    and moto's SQS), ready before the run is submitted, stopped (SIGTERM) after it."""
    command = ["worker", "--temporal", address, "--task-queue", task_queue]
    print(f"$ AWS_ENDPOINT_URL_SQS={moto_url} arazzo " + " ".join(command) + " &", file=sys.stderr)
    worker = subprocess.Popen(
        [sys.executable, "-m", "arazzo_runner", *command], stderr=subprocess.PIPE, text=True
    )
    try:
        said = []
        for line in worker.stderr or ():  # until it says it is polling (or exits)
            said.append(line.rstrip())
            print(said[-1], file=sys.stderr)
            if "polling" in line:
                break
        else:
            raise SystemExit(f"demo-events: the worker did not start: {' '.join(said)}")
        yield
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            _, rest = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            _, rest = worker.communicate()
        if rest:
            print(rest.rstrip(), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m arazzo_runner.cli.demo_events", description=__doc__)
    parser.add_argument("--workflow-file", default=WORKFLOW)
    parser.add_argument("--inputs", default=INPUTS)
    parser.add_argument("--in-progress", type=int, default=5, help="InProgress phases before Completed")
    parser.add_argument("--seconds-per-phase", type=float, default=1.0, help="how long each phase lasts")
    parser.add_argument("--output", choices=("text", "json"), default="text")
    parser.add_argument(
        "--temporal", metavar="HOST:PORT", help="run on this Temporal server, with a worker started here"
    )
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
        use_demo_credentials(AWS_ENDPOINT_URL_SQS=moto_url)  # moto accepts any credentials
        from .main import main as arazzo

        emulator = SageMakerEmulator(
            in_progress=args.in_progress, advance="time", seconds_per_phase=args.seconds_per_phase
        )
        publisher = EventBridgePublisher(events)
        with (
            EmulatorServer(emulator) as server,
            EventPump(emulator, publisher, interval=args.seconds_per_phase / 4),
        ):
            command = [*emulator_run_command(args, server.url), "--output", args.output]
            print(
                f"moto's EventBridge + SQS at {moto_url}: rule {{source: aws.sagemaker, detail-type: SageMaker"
                f" Training Job State Change}} -> queue {queue}",
                file=sys.stderr,
            )
            if args.temporal:
                queue_name = f"demo-events-{os.getpid()}"
                command += ["--temporal", args.temporal, "--task-queue", queue_name]
                with _worker(args.temporal, queue_name, moto_url):
                    print(f"$ AWS_ENDPOINT_URL_SQS={moto_url} arazzo " + " ".join(command), file=sys.stderr)
                    # A child process: `arazzo … --temporal` leaves with os._exit (see cli.main).
                    code = subprocess.run([sys.executable, "-m", "arazzo_runner", *command]).returncode
            else:
                # As `make demo`: the emulator and moto live only as long as the demo, so its run could
                # never be resumed; it stays out of the user's journal (and its unfinished-run warnings).
                command.append("--no-journal")
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
