"""The journal's rules for message steps, without a broker (arazzo_runner/journal/messages.py)."""

from __future__ import annotations

import pytest

from arazzo_runner.engine.masking import Masker
from arazzo_runner.engine.needs import Delivery, Receive, SendMessage
from arazzo_runner.journal import messages
from arazzo_runner.journal.in_doubt import RequestInDoubt


def send(address: str = "orders") -> SendMessage:
    return SendMessage("w", "place", "sqs", "sqs.us-east-1.amazonaws.com", address, {}, {"petId": 7})


def test_a_delivery_survives_json_with_its_ack_token() -> None:
    delivery = Delivery(
        message={"headers": {"a": "1"}, "payload": {"x": [1]}, "messageId": "m-1"},
        message_id="m-1",
        duration_ms=3.5,
        ack={"queueUrl": "http://q", "receiptHandle": "h"},
    )
    assert Delivery.from_json(delivery.to_json()) == delivery


def test_the_deduplication_id_is_the_same_for_a_resend_and_differs_per_attempt_and_run() -> None:
    first = messages.deduplication_id("run-1", send(), 3)
    assert first == messages.deduplication_id("run-1", send(), 3)
    assert len(first) <= 128 and first.isalnum()
    assert first != messages.deduplication_id("run-1", send(), 4)
    assert first != messages.deduplication_id("run-2", send(), 3)


def test_which_sends_may_be_repeated() -> None:
    assert messages.send_safety(send("orders.fifo")) == "resend"
    assert messages.send_safety(send("https://sqs.us-east-1.amazonaws.com/1/orders.fifo")) == "resend"
    assert messages.send_safety(send("orders")) == "ask"
    notes: list[str] = []
    fifo = send("orders.fifo")
    assert messages.send_in_doubt(fifo, {"at": 1000.0}, "safe", 1000.0 + 60, notes.append) is None
    with pytest.raises(RequestInDoubt, match="deduplication window has passed"):
        messages.send_in_doubt(fifo, {"at": 1000.0}, "safe", 1000.0 + 301, notes.append)
    with pytest.raises(RequestInDoubt, match="standard queue cannot tell"):
        messages.send_in_doubt(send(), {"at": 1000.0}, "safe", 1000.0, notes.append)
    assert messages.send_in_doubt(send(), None, "resend", 0.0, notes.append) is None
    failed = messages.send_in_doubt(send(), None, "assume-failed", 0.0, notes.append)
    assert failed is not None and failed.error and "assumed failed" in failed.error


def test_what_a_receive_records_and_shows() -> None:
    masker = Masker.for_inputs({"token"}, {"token": "s3cret"})
    need = Receive("w", "wait", "sqs", "", "events", "job-s3cret", (), 900.0)
    flight = messages.in_flight(need, 1000.0, 1500.0, masker)
    assert flight["until"] == 1500.0  # the run's deadline comes first
    assert "s3cret" not in str(flight)
    assert messages.waiting_text(flight).startswith("waiting for a message on events (correlationId job-")
    assert messages.recorded_delivery(flight, need) is None
    flight["delivery"] = Delivery(message={"payload": 1}, message_id="m").to_json()
    assert messages.recorded_delivery(flight, need) == Delivery(message={"payload": 1}, message_id="m")
    other = Receive("w", "another", "sqs", "", "events", None, (), 900.0)
    assert messages.recorded_delivery(flight, other) is None
