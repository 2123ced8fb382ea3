"""The message transport interface, and the plain-data messages that cross it.

A :class:`Message` is what the engine sees of a received message: its headers (string values) and
its payload (parsed JSON when the body is JSON, else the text), so ``$message.header.<name>`` and
``$message.payload#/pointer`` evaluate against it exactly as ``$response`` does against an answer.
Messages are untrusted input: bodies over :data:`MAX_MESSAGE_BYTES` or nested too deeply to parse
stay text; they are never evaluated.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..errors import ArazzoError
from ..sources.asyncapi import DEFAULT_RECEIVE_TIMEOUT as DEFAULT_RECEIVE_TIMEOUT  # re-exported

#: Bodies larger than this are kept as text (SQS's own maximum is 1 MiB).
MAX_MESSAGE_BYTES = 1024 * 1024


class MessagingError(ArazzoError):
    """A message could not be sent or received (the step fails with this message)."""


@dataclass(frozen=True, slots=True)
class Message:
    """A received message as plain data."""

    headers: Mapping[str, str]
    payload: Any
    #: The broker's id for it (SQS MessageId), for events and logs.
    message_id: str | None = None
    #: The raw body, as received.
    body: str = field(default="", repr=False)
    #: What :meth:`Transport.ack` needs to consume it (plain JSON data, e.g. SQS's queue URL and
    #: receipt handle): journaled with the delivery, so a resumed run can still consume it.
    ack_token: Any = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"headers": dict(self.headers), "payload": self.payload, "messageId": self.message_id}


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A message to send: headers (message attributes) and a payload (serialised as JSON unless a string)."""

    headers: Mapping[str, str]
    payload: Any
    content_type: str | None = None
    #: Stable across resends of the same send (a journaled run derives it from run, step and
    #: attempt): a broker that deduplicates (SQS FIFO queues) drops the second copy.
    deduplication_id: str | None = None

    def body(self) -> str:
        if isinstance(self.payload, str):
            return self.payload
        return json.dumps(self.payload, separators=(",", ":"), ensure_ascii=False)


def parse_body(body: str) -> Any:
    """The payload of a body: parsed JSON when it is JSON and small enough, else the text itself."""
    if len(body) > MAX_MESSAGE_BYTES:
        return body
    stripped = body.lstrip()
    if not stripped or stripped[0] not in '{["-0123456789tfn':
        return body
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return body


Accept = Callable[[Message], bool]


class Transport(Protocol):
    """One broker connection (per run and protocol). Implementations live in their own module.

    Receiving is two calls so that a journaled run can record a message before it consumes it:
    :meth:`receive` finds the message and holds it (hidden from other consumers for a short while,
    given back by the broker on its own if this process dies), :meth:`ack` consumes it. AMQP's
    ``basic.get`` without auto-ack and ``basic.ack`` map one to one.
    """

    def send(self, address: str, message: OutgoingMessage) -> str | None:
        """Send ``message`` to the channel ``address``; returns the broker's message id if any."""
        ...

    def receive(
        self, address: str, accept: Accept, timeout: float, clock: Callable[[], float]
    ) -> Message | None:
        """The first message on ``address`` that ``accept`` takes, waiting up to ``timeout`` seconds.

        The accepted message is held, not consumed: :meth:`ack` it (with its ``ack_token``) to
        remove it from the broker; left alone it comes back to the queue after a short hold.
        Messages not accepted are left for other consumers. ``None`` when none came in time.
        Raises :class:`MessagingError`.
        """
        ...

    def ack(self, token: Any) -> None:
        """Consume the message a :meth:`receive` returned (its ``ack_token``); idempotent as far as
        the broker allows. Raises :class:`MessagingError`."""
        ...

    def close(self) -> None: ...
