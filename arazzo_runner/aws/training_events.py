"""The emulator's "SageMaker Training Job State Change" events, published as SageMaker does.

SageMaker sends an EventBridge event each time a training job's status or secondary status changes
(source ``aws.sagemaker``, detail-type ``SageMaker Training Job State Change``, the detail shaped
like DescribeTrainingJob's answer). Step Functions' ``.sync`` integration waits on exactly these,
through an EventBridge rule it manages. The emulator does the same: every state change is put on
an EventBridge bus (moto's, in the tests and ``make demo-events``) with ``PutEvents``, and a rule
there targets an SQS queue — :func:`route_to_queue` creates that rule — which a workflow's AsyncAPI
``receive`` step reads. Publishing goes through botocore (SigV4, ``AWS_ENDPOINT_URL_EVENTS``).

:class:`EventPump` drives it: a background thread that moves time-mode jobs on
(``SageMakerJobs.tick``) and publishes what changed, so nobody has to call DescribeTrainingJob.
"""

from __future__ import annotations

import json
import threading
from typing import Any

SOURCE = "aws.sagemaker"
DETAIL_TYPE = "SageMaker Training Job State Change"
#: The EventBridge rule pattern that selects these events.
PATTERN = {"source": [SOURCE], "detail-type": [DETAIL_TYPE]}


def entry(detail: dict[str, Any], bus: str = "default") -> dict[str, Any]:
    """A PutEvents entry for one state change (``detail``: DescribeTrainingJob's answer then)."""
    return {
        "Source": SOURCE,
        "DetailType": DETAIL_TYPE,
        "Resources": [detail["TrainingJobArn"]],
        "Detail": json.dumps(detail, default=str, separators=(",", ":")),
        "EventBusName": bus,
    }


class EventBridgePublisher:
    """Puts state changes on an EventBridge bus (a botocore ``events`` client)."""

    def __init__(self, client: Any, bus: str = "default") -> None:
        self.client = client
        self.bus = bus
        self.published = 0

    def publish(self, details: list[dict[str, Any]]) -> None:
        for start in range(0, len(details), 10):  # PutEvents takes at most 10 entries
            batch = [entry(d, self.bus) for d in details[start : start + 10]]
            answer = self.client.put_events(Entries=batch)
            if answer.get("FailedEntryCount"):
                raise RuntimeError(f"PutEvents refused {answer['FailedEntryCount']} of {len(batch)} events")
            self.published += len(batch)


def route_to_queue(
    events_client: Any, sqs_client: Any, queue_name: str, rule: str = "sagemaker-training-state"
) -> str:
    """Create the queue and an EventBridge rule sending the training events to it; returns its URL."""
    url: str = sqs_client.create_queue(QueueName=queue_name)["QueueUrl"]
    arn = sqs_client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events_client.put_rule(Name=rule, EventPattern=json.dumps(PATTERN), State="ENABLED")
    events_client.put_targets(Rule=rule, Targets=[{"Id": "training-events-queue", "Arn": arn}])
    return url


class EventPump:
    """A thread that ticks the emulator's jobs every ``interval`` seconds and publishes their changes.

    ``with EventPump(emulator, publisher, interval=0.05): ...``; stopping publishes what is left.
    """

    def __init__(self, emulator: Any, publisher: EventBridgePublisher, *, interval: float = 0.5) -> None:
        self.emulator = emulator
        self.publisher = publisher
        self.interval = interval
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sagemaker-events", daemon=True)
        emulator.jobs.record_changes = True

    def pump(self) -> None:
        """Tick once and publish every change since the last pump."""
        self.emulator.jobs.tick()
        changes = self.emulator.jobs.drain_changes()
        if changes:
            try:
                self.publisher.publish(changes)
            except Exception as exc:  # keep pumping; the run's receive times out and falls back
                self.errors.append(f"{type(exc).__name__}: {exc}")

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.pump()

    def __enter__(self) -> EventPump:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.pump()
