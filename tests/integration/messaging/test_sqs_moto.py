"""The SQS message transport against moto's server: SigV4-signed, AWS_ENDPOINT_URL_SQS, correlation.

Every call goes over loopback to moto with signature checking on, so a wrongly signed request fails.
"""

from __future__ import annotations

import itertools

import pytest

from arazzo_runner.http import AwsEnvironment
from arazzo_runner.messaging import Message, MessagingError, OutgoingMessage, Transports


def _transports(sqs_moto, monkeypatch, secret: str | None = None) -> Transports:
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", sqs_moto.url)  # botocore's own endpoint setting
    aws = AwsEnvironment(session=sqs_moto.session(secret), region="us-east-1")
    return Transports(aws=aws)


def _by(header: str, value: str):
    return lambda message: message.headers.get(header) == value


def test_send_then_receive_takes_only_the_matching_message(sqs_moto, monkeypatch) -> None:
    raw = sqs_moto.client()
    raw.create_queue(QueueName="orders")
    sqs = _transports(sqs_moto, monkeypatch).get("sqs", "sqs.us-east-1.amazonaws.com")
    for correlation in ("a", "b", "c"):
        sent = sqs.send("orders", OutgoingMessage({"corr": correlation}, {"order": correlation, "n": 1}))
        assert sent
    got = sqs.receive("orders", _by("corr", "b"), timeout=5, clock=itertools.count().__next__)
    assert isinstance(got, Message)
    assert got.headers == {"corr": "b"} and got.payload == {"order": "b", "n": 1}
    url = raw.get_queue_url(QueueName="orders")["QueueUrl"]
    # "b" is held, not consumed, until it is acked (a journaled run records it in between).
    held = raw.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert held["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"
    assert got.ack_token == {"queueUrl": url, "receiptHandle": got.ack_token["receiptHandle"]}
    sqs.ack(got.ack_token)
    sqs.ack(got.ack_token)  # again (a resumed run acks what it recorded): SQS accepts it
    # Only "b" was consumed; "a" and "c" are visible again at once (released, not hidden).
    left = raw.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    assert sorted(m["MessageAttributes"]["corr"]["StringValue"] for m in left["Messages"]) == ["a", "c"]


def test_a_receive_without_a_match_times_out_and_leaves_the_queue_as_it_was(sqs_moto, monkeypatch) -> None:
    raw = sqs_moto.client()
    url = raw.create_queue(QueueName="quiet")["QueueUrl"]
    sqs = _transports(sqs_moto, monkeypatch).get("sqs")
    sqs.send(url, OutgoingMessage({"corr": "other"}, "not json"))
    ticks = iter([0.0, 0.5, 7.0])  # start, first poll (answered at once: a message is there), past 5 s
    assert sqs.receive(url, _by("corr", "mine"), timeout=5, clock=lambda: next(ticks)) is None
    left = raw.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"]
    assert [(m["Body"], m["MessageAttributes"]["corr"]["StringValue"]) for m in left] == [
        ("not json", "other")
    ]


def test_a_wrong_signature_is_a_clear_messaging_error(sqs_moto, monkeypatch) -> None:
    sqs = _transports(sqs_moto, monkeypatch, secret="wrong-secret").get("sqs")
    with pytest.raises(MessagingError, match=r"SQS GetQueueUrl: .*Signature"):
        sqs.send("orders", OutgoingMessage({}, {"x": 1}))


def test_an_unknown_queue_and_an_unknown_protocol_are_clear_errors(sqs_moto, monkeypatch) -> None:
    transports = _transports(sqs_moto, monkeypatch)
    with pytest.raises(MessagingError, match=r"SQS GetQueueUrl: .*NonExistentQueue"):
        transports.get("sqs").send("no-such-queue", OutgoingMessage({}, {}))
    with pytest.raises(MessagingError, match="no message transport for protocol 'kafka'"):
        transports.get("kafka")
