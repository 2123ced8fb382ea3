"""Arazzo 1.1 message steps in the journal, over SQS on moto's server: a receive is a wait like any
other (journaled, resumable), a message is neither lost nor consumed twice across a crash, and a
send found in doubt is decided (arazzo_runner/journal/messages.py has the order and the rules).

A crash is a ``Crash`` (BaseException) raised at the exact point named, in the process: the
journal then holds what a SIGKILL there would leave (the run is only marked interrupted). Real
SIGKILLs of the CLI are in tests/journal/test_crash_battery_events.py. The document is
tests/data/asyncapi/orders.arazzo.yaml: send an order, receive its correlated confirmation.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import pytest

import arazzo_runner
from arazzo_runner.cli.main import main as cli_main
from arazzo_runner.drivers import RunEnvironment, loops
from arazzo_runner.engine.events import MessageReceived, Warning
from arazzo_runner.http import AwsEnvironment
from arazzo_runner.journal import Journal, list_runs, resume
from arazzo_runner.journal.in_doubt import RequestInDoubt
from arazzo_runner.journal.recorder import RunJournal
from arazzo_runner.messaging import sqs
from tests.conftest import DATA

DOCUMENT = DATA / "asyncapi" / "orders.arazzo.yaml"


class Crash(BaseException):
    """The process dies here (nothing in the drivers catches it)."""


class Setup:
    def __init__(self, sqs_moto: Any, tmp_path: Any, *, fifo: bool = False) -> None:
        self.raw = sqs_moto.client()
        suffix = uuid.uuid4().hex[:8]
        attributes = {"FifoQueue": "true"} if fifo else {}
        orders_name = f"orders-{suffix}" + (".fifo" if fifo else "")
        self.orders = self.raw.create_queue(QueueName=orders_name, Attributes=attributes)["QueueUrl"]
        self.confirmations = self.raw.create_queue(QueueName=f"confirmations-{suffix}")["QueueUrl"]
        self.url = sqs_moto.url
        self.session = sqs_moto.session()
        self.journal = tmp_path / "runs.db"
        self.inputs = {
            "orderCorrelationId": f"corr-{suffix}",
            "petId": 7,
            "ordersQueue": orders_name,
            "confirmationsQueue": f"confirmations-{suffix}",
        }
        self.document = arazzo_runner.load(DOCUMENT)

    def environment(self) -> RunEnvironment:
        return RunEnvironment(
            aws=AwsEnvironment(session=self.session, region="us-east-1"), message_endpoints={"sqs": self.url}
        )

    def run(self, **kwargs: Any) -> Any:
        return self.document.run(
            "placeAndConfirm", self.inputs, environment=self.environment(), journal=self.journal, **kwargs
        )

    def resume(self, **kwargs: Any) -> Any:
        kwargs.setdefault("environment", self.environment())
        return resume(self.record().id, journal=self.journal, **kwargs)

    def record(self) -> Any:
        (record,) = list_runs(journal=self.journal)
        with Journal(self.journal) as journal:
            return journal.get(record.id)

    def timeline(self) -> list[dict[str, Any]]:
        with Journal(self.journal) as journal:
            return journal.timeline(self.record().id)

    def confirm(self, correlation: str | None = None, order_id: str = "o-42") -> None:
        attributes = {
            "orderCorrelationId": {"DataType": "String", "StringValue": correlation or self.inputs["orderCorrelationId"]}
        }
        body = json.dumps({"orderId": order_id, "status": "confirmed"})
        self.raw.send_message(QueueUrl=self.confirmations, MessageBody=body, MessageAttributes=attributes)

    def counts(self, queue: str) -> tuple[int, int]:
        """(visible, held) messages on ``queue``."""
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        found = self.raw.get_queue_attributes(QueueUrl=queue, AttributeNames=names)["Attributes"]
        return int(found[names[0]]), int(found[names[1]])

    def orders_sent(self) -> list[dict[str, Any]]:
        found = []
        while batch := self.raw.receive_message(QueueUrl=self.orders, MaxNumberOfMessages=10).get("Messages"):
            found += [json.loads(m["Body"]) for m in batch]
        return found


def crash_when(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, *, after: bool = False) -> list[Any]:
    """Raise Crash when ``owner.name`` is called (``after``: once it has done its work); its calls."""
    original = getattr(owner, name)
    calls: list[Any] = []

    def crashing(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        if not after:
            raise Crash(name)
        original(*args, **kwargs)
        raise Crash(f"after {name}")

    monkeypatch.setattr(owner, name, crashing)
    return calls


def counting(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[Any]:
    original = getattr(owner, name)
    calls: list[Any] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def test_a_run_stopped_while_waiting_in_a_receive_resumes_and_completes_when_the_message_comes(
    sqs_moto, tmp_path, monkeypatch, capsys
) -> None:
    setup = Setup(sqs_moto, tmp_path)
    crash_when(monkeypatch, sqs.SqsTransport, "receive")  # the process dies while it long-polls
    with pytest.raises(Crash):
        setup.run()
    monkeypatch.undo()
    record = setup.record()
    assert record.status == "interrupted" and record.last_step == "confirmPetPurchaseStep"
    assert record.in_flight["action"] == "receive" and record.in_flight["channel"] == setup.inputs["confirmationsQueue"]
    assert record.in_flight["correlationId"] == setup.inputs["orderCorrelationId"]
    assert record.snapshot["state"]["pending_message"]["action"] == "receive"
    waiting = [line for line in setup.timeline() if line["kind"] == "waiting"]
    assert [line["stepId"] for line in waiting] == ["confirmPetPurchaseStep"]
    assert waiting[0]["detail"].startswith(f"waiting for a message on {setup.inputs['confirmationsQueue']}")

    # `arazzo runs` and `arazzo runs show` say what the run waits for.
    assert cli_main(["runs", "--journal", str(setup.journal)]) == 0
    listed = capsys.readouterr().out
    assert f"message on {setup.inputs['confirmationsQueue']}" in listed, listed
    assert cli_main(["runs", "show", record.id, "--journal", str(setup.journal)]) == 0
    shown = capsys.readouterr().out
    assert (
        f"in flight waiting for a message on {setup.inputs['confirmationsQueue']}"
        f" (correlationId {setup.inputs['orderCorrelationId']}) (step confirmPetPurchaseStep)"
    ) in shown, shown

    setup.confirm("someone-else", "o-0")
    setup.confirm()  # the message arrives while nobody runs
    events: list[Any] = []
    result = setup.resume(on_event=events.append)
    assert result.succeeded, result.error
    assert result.outputs == {"orderId": "o-42"}
    assert [e.message_id is not None for e in events if isinstance(e, MessageReceived)] == [True]
    assert setup.orders_sent() == [{"petId": 7}]  # the send before the wait was not repeated
    assert setup.counts(setup.confirmations) == (1, 0)  # only the stranger's confirmation is left
    assert setup.record().in_flight is None and setup.record().status == "succeeded"


def test_a_crash_after_the_match_before_the_record_leaves_the_message_on_the_queue(
    sqs_moto, tmp_path, monkeypatch
) -> None:
    setup = Setup(sqs_moto, tmp_path)
    setup.confirm()
    calls = crash_when(monkeypatch, RunJournal, "delivered")
    with pytest.raises(Crash):
        setup.run()
    monkeypatch.undo()
    ((*_, delivery),) = calls
    assert setup.counts(setup.confirmations) == (0, 1)  # held (not deleted) for HOLD_SECONDS
    assert "delivery" not in (setup.record().in_flight or {})
    # The hold ends (the test does it at once instead of waiting HOLD_SECONDS): the message is back.
    setup.raw.change_message_visibility(
        QueueUrl=setup.confirmations, ReceiptHandle=delivery.ack["receiptHandle"], VisibilityTimeout=0
    )
    receives = counting(monkeypatch, sqs.SqsTransport, "receive")
    result = setup.resume()
    assert result.succeeded and result.outputs == {"orderId": "o-42"}
    assert len(receives) == 1  # received again: it had not been recorded
    assert setup.counts(setup.confirmations) == (0, 0)  # consumed once
    assert setup.orders_sent() == [{"petId": 7}]


def test_a_crash_after_the_record_before_the_delete_is_fed_from_the_journal_and_consumed_once(
    sqs_moto, tmp_path, monkeypatch
) -> None:
    setup = Setup(sqs_moto, tmp_path)
    setup.confirm()
    crash_when(monkeypatch, loops, "_consumed")
    with pytest.raises(Crash):
        setup.run()
    monkeypatch.undo()
    record = setup.record()
    assert setup.counts(setup.confirmations) == (0, 1)  # recorded, not deleted yet
    flight = record.in_flight
    assert flight["delivery"]["message"]["payload"] == {"orderId": "o-42", "status": "confirmed"}
    # `arazzo runs --output json` names the message, never its receipt handle.
    assert "receiptHandle" not in json.dumps(record.to_dict()) and record.to_dict()["inFlight"]["received"]
    receives = counting(monkeypatch, sqs.SqsTransport, "receive")
    acks = counting(monkeypatch, sqs.SqsTransport, "ack")
    events: list[Any] = []
    result = setup.resume(on_event=events.append)
    assert result.succeeded and result.outputs == {"orderId": "o-42"}
    assert receives == [] and len(acks) == 1  # fed from the journal, deleted now, never received again
    assert setup.counts(setup.confirmations) == (0, 0)
    assert not [e for e in events if isinstance(e, Warning)]
    received = [line for line in setup.timeline() if line["kind"] == "received"]
    assert len(received) == 2 and "fed from the journal, not received again (consumed)" in received[1]["detail"]


def test_a_message_that_cannot_be_deleted_after_its_record_is_a_warning_not_a_loss(
    sqs_moto, tmp_path, monkeypatch
) -> None:
    setup = Setup(sqs_moto, tmp_path)
    setup.confirm()

    def refuse(self: Any, token: Any) -> None:
        raise sqs.MessagingError("SQS DeleteMessage: ReceiptHandleIsInvalid")

    monkeypatch.setattr(sqs.SqsTransport, "ack", refuse)
    events: list[Any] = []
    result = setup.run(on_event=events.append)
    assert result.succeeded and result.outputs == {"orderId": "o-42"}
    (warning,) = [e for e in events if isinstance(e, Warning)]
    assert "could not be consumed" in warning.message and "may be received again" in warning.message


def test_the_async_driver_records_before_it_consumes_too(sqs_moto, tmp_path, monkeypatch) -> None:
    setup = Setup(sqs_moto, tmp_path)
    setup.confirm()
    crash_when(monkeypatch, loops, "_consumed")
    document, environment = setup.document, setup.environment()
    with pytest.raises(Crash):
        asyncio.run(
            document.run_async("placeAndConfirm", setup.inputs, environment=environment, journal=setup.journal)
        )
    monkeypatch.undo()
    assert setup.record().in_flight["delivery"]["messageId"]
    assert setup.counts(setup.confirmations) == (0, 1)
    result = setup.resume()
    assert result.succeeded and result.outputs == {"orderId": "o-42"}
    assert setup.counts(setup.confirmations) == (0, 0)


def test_a_send_in_doubt_to_a_standard_queue_asks(sqs_moto, tmp_path, monkeypatch) -> None:
    setup = Setup(sqs_moto, tmp_path)
    crash_when(monkeypatch, sqs.SqsTransport, "send", after=True)  # it went; the answer was not recorded
    with pytest.raises(Crash):
        setup.run()
    monkeypatch.undo()
    record = setup.record()
    assert record.in_flight["action"] == "send" and record.in_flight["safety"] == "ask"
    with pytest.raises(RequestInDoubt, match=r"step 'purchasePetStep'.*a standard queue cannot tell whether it went"):
        setup.resume()
    assert setup.record().status == "interrupted"
    result = setup.resume(in_doubt="assume-failed")
    assert result.status == "failed" and "assumed failed" in result.error.message
    assert setup.orders_sent() == [{"petId": 7}]  # the one that went before the crash, never a second


def test_a_send_in_doubt_to_a_fifo_queue_is_sent_again_and_the_queue_drops_the_copy(
    sqs_moto, tmp_path, monkeypatch
) -> None:
    setup = Setup(sqs_moto, tmp_path, fifo=True)
    sends = crash_when(monkeypatch, sqs.SqsTransport, "send", after=True)
    with pytest.raises(Crash):
        setup.run()
    monkeypatch.undo()
    assert setup.record().in_flight["safety"] == "resend"
    # Past SQS's 5-minute deduplication window a resend could deliver it twice: ask.
    with pytest.raises(RequestInDoubt, match="deduplication window has passed"):
        setup.resume(clock=lambda: time.time() + 400)
    setup.confirm()
    again = counting(monkeypatch, sqs.SqsTransport, "send")
    result = setup.resume()
    assert result.succeeded and result.outputs == {"orderId": "o-42"}
    ((*_, first),) = sends
    ((*_, second),) = again
    assert first.deduplication_id and first.deduplication_id == second.deduplication_id
    assert setup.orders_sent() == [{"petId": 7}]  # sent twice, delivered once
    notes = [line["detail"] for line in setup.timeline() if line["kind"] == "in_doubt"]
    assert any("same deduplication id" in note for note in notes)
