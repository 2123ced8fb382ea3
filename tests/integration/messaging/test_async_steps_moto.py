"""Arazzo 1.1 AsyncAPI send/receive steps run end to end over SQS (moto's server, SigV4 checked).

The document is the spec root example's AsyncAPI pair (tests/data/asyncapi/orders.arazzo.yaml):
send an order with its correlation id in a header, then receive the confirmation that carries the
same id, among others that do not.
"""

from __future__ import annotations

import asyncio
import json
import uuid

import arazzo_runner
from arazzo_runner.drivers import RunEnvironment
from arazzo_runner.engine.events import MessageReceived, MessageSent
from arazzo_runner.http import AwsEnvironment
from tests.conftest import DATA

DOCUMENT = DATA / "asyncapi" / "orders.arazzo.yaml"


def _setup(sqs_moto):
    raw = sqs_moto.client()
    suffix = uuid.uuid4().hex[:8]
    orders = raw.create_queue(QueueName=f"orders-{suffix}")["QueueUrl"]
    confirmations = raw.create_queue(QueueName=f"confirmations-{suffix}")["QueueUrl"]
    environment = RunEnvironment(
        aws=AwsEnvironment(session=sqs_moto.session(), region="us-east-1"),
        message_endpoints={"sqs": sqs_moto.url},
    )
    inputs = {
        "orderCorrelationId": f"corr-{suffix}",
        "petId": 7,
        "ordersQueue": f"orders-{suffix}",
        "confirmationsQueue": confirmations,  # a queue URL works as well as a name
    }
    return raw, orders, confirmations, environment, inputs


def _confirm(raw, queue: str, correlation: str, **payload) -> None:
    attributes = {"orderCorrelationId": {"DataType": "String", "StringValue": correlation}}
    raw.send_message(QueueUrl=queue, MessageBody=json.dumps(payload), MessageAttributes=attributes)


def test_send_then_receive_the_correlated_confirmation(sqs_moto) -> None:
    raw, orders, confirmations, environment, inputs = _setup(sqs_moto)
    _confirm(raw, confirmations, "someone-else", orderId="o-0", status="confirmed")
    _confirm(raw, confirmations, inputs["orderCorrelationId"], orderId="o-42", status="confirmed")
    events = []
    document = arazzo_runner.load(DOCUMENT)
    result = document.run("placeAndConfirm", inputs, environment=environment, on_event=events.append)
    assert result.succeeded, result.error
    assert result.outputs == {"orderId": "o-42"}
    assert result.steps[1].outputs == {"orderId": "o-42", "correlation": inputs["orderCorrelationId"]}
    (sent,) = raw.receive_message(QueueUrl=orders, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(sent["Body"]) == {"petId": 7}
    assert sent["MessageAttributes"]["orderCorrelationId"]["StringValue"] == inputs["orderCorrelationId"]
    # The other run's confirmation was left on the queue.
    (left,) = raw.receive_message(QueueUrl=confirmations, MessageAttributeNames=["All"])["Messages"]
    assert json.loads(left["Body"])["orderId"] == "o-0"
    kinds = [type(e) for e in events if isinstance(e, (MessageSent, MessageReceived))]
    assert kinds == [MessageSent, MessageReceived]


def test_success_criteria_read_the_message_and_a_timeout_fails_the_step(sqs_moto) -> None:
    raw, _, confirmations, environment, inputs = _setup(sqs_moto)
    _confirm(raw, confirmations, inputs["orderCorrelationId"], orderId="o-1", status="rejected")
    document = arazzo_runner.load(DOCUMENT)
    result = document.run("placeAndConfirm", inputs, environment=environment)
    assert result.status == "failed" and result.error.step_id == "confirmPetPurchaseStep"
    assert "success criterion not met: $message.payload#/status == 'confirmed'" in result.error.message
    # Only a stranger's message now: the receive times out (clock injected: no real 6 s wait).
    _confirm(raw, confirmations, "stranger", orderId="o-2", status="confirmed")
    ticks = iter(range(0, 10_000, 4))
    result = document.run("placeAndConfirm", inputs, environment=environment, clock=lambda: next(ticks))
    assert result.status == "failed"
    assert f"no message with correlationId '{inputs['orderCorrelationId']}'" in result.error.message
    assert "within 6 s (timeout)" in result.error.message


def test_the_asyncio_driver_serves_message_steps_too(sqs_moto) -> None:
    raw, _, confirmations, environment, inputs = _setup(sqs_moto)
    _confirm(raw, confirmations, inputs["orderCorrelationId"], orderId="o-9", status="confirmed")
    document = arazzo_runner.load(DOCUMENT)
    result = asyncio.run(document.run_async("placeAndConfirm", inputs, environment=environment))
    assert result.succeeded and result.outputs == {"orderId": "o-9"}


def test_a_broker_error_fails_the_step_with_its_reason(sqs_moto) -> None:
    _, _, _, environment, inputs = _setup(sqs_moto)
    inputs["ordersQueue"] = "no-such-queue"
    result = arazzo_runner.load(DOCUMENT).run("placeAndConfirm", inputs, environment=environment)
    assert result.status == "failed" and result.error.step_id == "purchasePetStep"
    assert "SQS GetQueueUrl: AWS.SimpleQueueService.NonExistentQueue" in result.error.message


def test_a_send_over_its_step_timeout_fails_the_step(sqs_moto, tmp_path) -> None:
    raw, orders, _, environment, inputs = _setup(sqs_moto)
    text = DOCUMENT.read_text().replace("    action: send\n", "    action: send\n    timeout: 10\n")
    (tmp_path / "orders.asyncapi.yaml").write_text((DOCUMENT.parent / "orders.asyncapi.yaml").read_text())
    (tmp_path / "orders.arazzo.yaml").write_text(text)
    ticks = iter(range(0, 10**9, 1))  # every reading of the clock is a second later: the send "took" 1 s
    result = arazzo_runner.load(tmp_path / "orders.arazzo.yaml").run(
        "placeAndConfirm", inputs, environment=environment, clock=lambda: next(ticks)
    )
    assert result.status == "failed" and result.error.step_id == "purchasePetStep"
    assert "timeout" in result.error.message and "10 ms" in result.error.message
    assert raw.receive_message(QueueUrl=orders)["Messages"]  # it was sent all the same (no broker ack modelled)
