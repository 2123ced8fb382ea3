"""The two-phase receive (take, then consume) against moto's server, as the Temporal driver uses it.

``take`` leaves the message it matched held (the transport's hold) instead of deleting it, so a
receiver that dies before it recorded the message loses nothing; ``consume`` deletes it once
recorded; a message recorded but never consumed is deleted, not delivered again, by a later
``take`` that names it in ``skip``.
"""

from __future__ import annotations

import itertools

from arazzo_runner.engine.needs import Receive
from arazzo_runner.http import AwsEnvironment
from arazzo_runner.messaging import OutgoingMessage, Transports
from arazzo_runner.messaging import sqs as sqs_binding
from arazzo_runner.messaging.steps import consume, take


def _setup(sqs_moto, monkeypatch, queue: str, hold: int = 0):
    """``hold`` 0: a held message is visible again at once (moto counts visibility in real seconds)."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", sqs_moto.url)
    monkeypatch.setattr(sqs_binding, "HOLD_SECONDS", hold)
    transports = Transports(aws=AwsEnvironment(session=sqs_moto.session(), region="us-east-1"))
    raw = sqs_moto.client()
    url = raw.create_queue(QueueName=queue)["QueueUrl"]
    sqs = transports.get("sqs")
    for correlation in ("other", "mine"):
        sqs.send(url, OutgoingMessage({"correlationId": correlation}, {"job": correlation}))
    need = Receive("w", "wait", "sqs", "", url, "mine", (), 900.0)
    return transports, raw, url, need


def _visible(raw, url) -> list[str]:
    found = raw.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    messages = found.get("Messages") or []
    for message in messages:  # put them back at once
        raw.change_message_visibility(
            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    return sorted(m["MessageAttributes"]["correlationId"]["StringValue"] for m in messages)


def test_a_held_message_is_not_deleted_until_consumed(sqs_moto, monkeypatch) -> None:
    transports, raw, url, need = _setup(sqs_moto, monkeypatch, "hold-then-ack")
    clock = itertools.count().__next__
    delivery, receipt = take(need, transports, clock, 5)  # hold 0: visible again at once
    assert delivery.message == {
        "headers": {"correlationId": "mine"},
        "payload": {"job": "mine"},
        "messageId": delivery.message_id,
    }
    assert receipt
    # Not deleted: a receiver that died now would see it come back (here at once: hold 0).
    assert _visible(raw, url) == ["mine", "other"]
    again, receipt = take(need, transports, clock, 5)
    assert again.message_id == delivery.message_id and receipt
    consume(need, transports, receipt)
    assert _visible(raw, url) == ["other"]  # deleted; the other job's message was never taken


def test_a_held_message_stays_hidden_for_the_hold(sqs_moto, monkeypatch) -> None:
    transports, raw, url, need = _setup(sqs_moto, monkeypatch, "hold-hides", hold=600)
    delivery, receipt = take(need, transports, itertools.count().__next__, 5)
    assert delivery.message is not None and receipt
    assert _visible(raw, url) == ["other"]  # hidden from every other consumer meanwhile


def test_a_recorded_message_that_comes_back_is_deleted_not_delivered_twice(sqs_moto, monkeypatch) -> None:
    transports, raw, url, need = _setup(sqs_moto, monkeypatch, "skip-recorded")
    clock = itertools.count().__next__
    first, _ = take(need, transports, clock, 5)  # recorded, its consumption lost
    assert first.message_id
    # Each reading of the clock is a second later: one poll (it answers at once), then time is up.
    second, receipt = take(need, transports, itertools.count().__next__, 5, skip=[first.message_id])
    assert second.message is None and receipt is None  # nothing new for this run in time
    assert _visible(raw, url) == ["other"]  # and the recorded one is gone from the queue
