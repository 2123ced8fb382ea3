"""Arazzo 1.1 AsyncAPI steps in the core without a broker: SendMessage/Receive handed out as plain
data, answered with a Delivery through feed_message, and carried through snapshot/restore.

Document: ``tests/data/asyncapi/orders.arazzo.yaml`` (send an order, then receive its confirmation
by correlation id). The driver here is a few lines; the SQS end to end is in
``tests/integration/messaging``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from arazzo_runner import load
from arazzo_runner.engine import Execution, RunOptions
from arazzo_runner.engine.events import LimitHit, MessageReceived, MessageSent
from arazzo_runner.engine.needs import (
    Delivery,
    Done,
    Exchange,
    Receive,
    SendMessage,
    message_need_from_json,
)
from arazzo_runner.engine.state import Phase
from arazzo_runner.expressions import MISSING
from arazzo_runner.messaging.base import Message
from arazzo_runner.messaging.steps import serve
from tests.conftest import DATA

START = 1_750_000_000.0
CORRELATION = "corr-7"
INPUTS = {
    "orderCorrelationId": CORRELATION,
    "petId": 7,
    "ordersQueue": "orders",
    "confirmationsQueue": "confirmations",
}
CONFIRMED = {"orderId": "o-42", "status": "confirmed"}


@pytest.fixture(scope="module")
def doc():
    return load(DATA / "asyncapi" / "orders.arazzo.yaml")


def confirmation(payload: Any = CONFIRMED) -> Delivery:
    message = {"headers": {"orderCorrelationId": CORRELATION}, "payload": payload, "messageId": "m-2"}
    return Delivery(message=message, message_id="m-2", duration_ms=12.0)


def through_json(snapshot: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(snapshot))
    return loaded


def sent(ex: Execution) -> Receive:
    """Run the send step; returns the receive the core asks for next."""
    send = ex.next(START)
    assert isinstance(send, SendMessage)
    ex.feed_message(Delivery(message_id="m-1", duration_ms=3.0, payload=send.payload), START + 1)
    receive = ex.next(START + 1)
    assert isinstance(receive, Receive)
    return receive


def test_the_core_asks_for_plain_message_needs(doc) -> None:
    ex = Execution(doc, "placeAndConfirm", INPUTS)
    send = ex.next(START)
    assert isinstance(send, SendMessage)
    assert (send.step_id, send.protocol, send.address) == ("purchasePetStep", "sqs", "orders")
    assert send.headers == {"orderCorrelationId": CORRELATION} and send.payload == {"petId": 7}
    assert send.content_type == "application/json"
    assert ex.state.stack[-1].phase is Phase.AWAIT_RESPONSE
    assert message_need_from_json(through_json(send.to_json())) == send
    ex.feed_message(Delivery(message_id="m-1", duration_ms=3.0), START + 1)
    receive = ex.next(START + 1)
    assert isinstance(receive, Receive)
    assert (receive.address, receive.correlation_id, receive.timeout) == ("confirmations", CORRELATION, 6.0)
    assert receive.correlation == ("$message.header#/orderCorrelationId",)
    assert message_need_from_json(through_json(receive.to_json())) == receive
    kinds = [type(e) for e in ex.drain()]
    assert MessageSent in kinds


def test_a_run_snapshotted_while_waiting_on_a_receive_restores_and_completes(doc) -> None:
    ex = Execution(doc, "placeAndConfirm", INPUTS)
    receive = sent(ex)
    ex.drain()
    snapshot = through_json(ex.snapshot())
    state = snapshot["state"]
    assert state["pending_message"] == receive.to_json() and state["pending_request"] is None
    del ex  # the process that waited is gone

    restored = Execution.restore(doc, snapshot)
    again = restored.next(START + 100)
    assert again == receive  # the receive in doubt is handed out again
    assert restored.next(START + 100) == receive  # and again, until it is answered
    with pytest.raises(RuntimeError, match="feed\\(\\) without a pending request"):
        restored.feed(Exchange(None, error="not a request"), START + 100)

    restored = Execution.restore(doc, snapshot)  # (the failed feed put that one in the error phase)
    assert restored.next(START + 100) == receive
    restored.feed_message(confirmation(), START + 101)
    events = restored.drain()
    received = [e for e in events if isinstance(e, MessageReceived)]
    assert received and received[0].payload == CONFIRMED
    done = restored.next(START + 101)
    assert isinstance(done, Done) and done.result.succeeded, done.result.error
    assert done.result.outputs == {"orderId": "o-42"}
    assert [s.step_id for s in done.result.steps] == ["purchasePetStep", "confirmPetPurchaseStep"]
    assert done.result.steps[1].outputs == {"orderId": "o-42", "correlation": CORRELATION}


def test_message_values_live_in_the_frame_state_and_survive_a_snapshot(doc) -> None:
    """$message is kept where the exchange is: plain data in the frame, loaded into the context on restore."""
    ex = Execution(doc, "placeAndConfirm", INPUTS)
    sent(ex)
    ex.feed_message(confirmation(), START + 2)  # the last step is done; the workflow ends at next()
    ex.drain()
    snapshot = through_json(ex.snapshot())
    (frame,) = snapshot["state"]["stack"]
    assert frame["exchange"] == {
        "message_headers": {"orderCorrelationId": CORRELATION},
        "message_payload": CONFIRMED,
    }
    assert snapshot["state"]["pending_message"] is None
    restored = Execution.restore(doc, snapshot)
    ctx = restored.machine.contexts[-1]
    assert ctx.message_payload == CONFIRMED and ctx.message_headers["orderCorrelationId"] == CORRELATION
    done = restored.next(START + 3)
    assert isinstance(done, Done) and done.result.outputs == {"orderId": "o-42"}


def test_success_criteria_read_the_message_and_no_message_fails_the_step(doc) -> None:
    ex = Execution(doc, "placeAndConfirm", INPUTS)
    sent(ex)
    ex.feed_message(confirmation({"orderId": "o-1", "status": "rejected"}), START + 2)
    done = ex.next(START + 2)
    assert isinstance(done, Done) and not done.result.succeeded
    assert "success criterion not met: $message.payload#/status == 'confirmed'" in done.result.error.message

    ex = Execution(doc, "placeAndConfirm", INPUTS)
    sent(ex)
    ex.feed_message(Delivery(duration_ms=6000.0), START + 8)
    done = ex.next(START + 8)
    assert (
        f"no message with correlationId '{CORRELATION}' on 'confirmations' within 6 s"
        in done.result.error.message
    )


def test_a_new_step_starts_without_the_last_message(doc) -> None:
    ex = Execution(doc, "placeAndConfirm", INPUTS)
    sent(ex)
    ex.feed_message(confirmation(), START + 2)
    frame, ctx = ex.state.stack[-1], ex.machine.contexts[-1]
    assert ctx.message_payload == CONFIRMED
    ex.machine.clear_exchange(frame, ctx)  # what starting the next step does
    assert ctx.message_payload is MISSING and dict(ctx.message_headers) == {} and frame.exchange == {}


def test_a_receive_cut_at_the_run_deadline_ends_the_run_naming_the_wait(doc) -> None:
    ex = Execution(doc, "placeAndConfirm", INPUTS, options=RunOptions(run_timeout=5))
    sent(ex)
    ex.feed_message(Delivery(duration_ms=4000.0), START + 5)
    limits = [e for e in ex.drain() if isinstance(e, LimitHit)]
    assert limits and "while step 'confirmPetPurchaseStep' waited for a message" in limits[0].message
    done = ex.next(START + 5)
    assert isinstance(done, Done) and done.result.error.type == "limit"


class _Transport:
    def __init__(self) -> None:
        self.timeouts: list[float] = []
        self.sent: list[Any] = []

    def send(self, address: str, message: Any) -> str:
        self.sent.append((address, message.payload))
        return "m-9"

    def receive(self, address: str, accept: Any, timeout: float, clock: Any) -> Message | None:
        self.timeouts.append(timeout)
        return None


class _Transports:
    def __init__(self) -> None:
        self.transport = _Transport()

    def get(self, protocol: str, host: str, bindings: Any) -> _Transport:
        return self.transport


def test_the_driver_side_applies_replacements_and_bounds_a_receive_by_the_deadline() -> None:
    transports = _Transports()
    send = SendMessage("w", "s", "sqs", "h", "q", {}, {"a": 1}, replacements=(("/b", 2, None, None),))
    delivery = serve(send, transports, lambda: START)  # type: ignore[arg-type]
    assert transports.transport.sent == [("q", {"a": 1, "b": 2})]
    assert delivery.payload == {"a": 1, "b": 2} and delivery.message_id == "m-9"
    receive = Receive("w", "s", "sqs", "h", "q", None, (), 900.0)
    serve(receive, transports, lambda: START, START + 30)  # type: ignore[arg-type]
    serve(receive, transports, lambda: START)  # type: ignore[arg-type]
    assert transports.transport.timeouts == [30.0, 900.0]
