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

from ..sources.asyncapi import DEFAULT_RECEIVE_TIMEOUT as DEFAULT_RECEIVE_TIMEOUT  # re-exported

#: Bodies larger than this are kept as text (SQS's own maximum is 1 MiB).
MAX_MESSAGE_BYTES = 1024 * 1024


class MessagingError(Exception):
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
    #: The broker's handle for a message received with ``hold`` (see :class:`HoldingTransport`):
    #: what :meth:`HoldingTransport.acknowledge` deletes it with. Never shown, never compared.
    receipt: str | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {"headers": dict(self.headers), "payload": self.payload, "messageId": self.message_id}


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """A message to send: headers (message attributes) and a payload (serialised as JSON unless a string)."""

    headers: Mapping[str, str]
    payload: Any
    content_type: str | None = None

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
    """One broker connection (per run and protocol). Implementations live in their own module."""

    def send(self, address: str, message: OutgoingMessage) -> str | None:
        """Send ``message`` to the channel ``address``; returns the broker's message id if any."""
        ...

    def receive(
        self, address: str, accept: Accept, timeout: float, clock: Callable[[], float]
    ) -> Message | None:
        """The first message on ``address`` that ``accept`` takes, waiting up to ``timeout`` seconds.

        Only the accepted message is consumed (removed from the broker); messages not accepted are
        left for other consumers. ``None`` when none came in time. Raises :class:`MessagingError`.
        """
        ...

    def close(self) -> None: ...


class HoldingTransport(Transport, Protocol):
    """A transport that can take a message in two phases (SQS can): receive it *held* — hidden from
    other consumers for ``hold`` seconds but not deleted, its :attr:`Message.receipt` set — and
    delete it with :meth:`acknowledge` once the receiver has recorded it. The Temporal driver uses
    this so a worker that dies between taking a message and reporting it loses nothing (the message
    comes back when ``hold`` ends). Transports without it consume the message they accept."""

    def receive(
        self,
        address: str,
        accept: Accept,
        timeout: float,
        clock: Callable[[], float],
        hold: float | None = None,
    ) -> Message | None: ...

    def acknowledge(self, address: str, receipt: str) -> None:
        """Delete the message received held with ``receipt``. Raises :class:`MessagingError`."""
        ...
