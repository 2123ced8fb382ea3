"""What a driver does for the engine's ``SendMessage`` / ``Receive`` needs: :func:`serve`.

(The Temporal driver receives in two activities instead: :func:`take`, then :func:`consume`.)

It picks the transport for the need's protocol (opened once per run environment), sends or
receives, and answers with a plain-data :class:`~arazzo_runner.engine.needs.Delivery`. Broker
problems become ``Delivery(error=...)`` (the step fails, its ``onFailure`` actions apply), never an
exception out of the driver. A journaled run receives with ``serve(..., ack=False)``, records the
delivery, then consumes the message with :func:`acknowledge` (the order is in
``arazzo_runner/journal/messages.py``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

from ..sources.asyncapi import CorrelationLocation
from .base import Message, MessagingError, OutgoingMessage
from .bindings import Transports

if TYPE_CHECKING:
    from ..engine.needs import Delivery, Receive, SendMessage

#: The header a message carries its correlation id in when the description declares no location.
DEFAULT_CORRELATION_HEADER = "correlationId"


def matcher(correlation_id: Any, locations: tuple[str, ...]) -> Callable[[Message], bool]:
    """Whether a message is the one a receive waits for (any message when ``correlation_id`` is None)."""
    if correlation_id is None:
        return lambda message: True
    wanted = str(correlation_id)
    parsed = [CorrelationLocation.parse(text) for text in locations] or [
        CorrelationLocation.parse(f"$message.header#/{DEFAULT_CORRELATION_HEADER}")
    ]

    def accept(message: Message) -> bool:
        for location in parsed:
            found = location.find(message.headers, message.payload)
            if found is not None and not isinstance(found, (Mapping, list)) and _text(found) == wanted:
                return True
        return False

    return accept


def serve(
    need: SendMessage | Receive,
    transports: Transports,
    clock: Callable[[], float],
    deadline: float | None = None,
    *,
    ack: bool = True,
    deduplication_id: str | None = None,
) -> Delivery:
    """Send or receive for ``need``; the outcome as plain data.

    A send gets the need's body replacements applied first (as a request's are), and
    ``deduplication_id`` (see :class:`~.base.OutgoingMessage`). A receive waits at most its
    timeout, and never past ``deadline`` (the run's, on ``clock``): the core then ends the run
    naming the wait. The message received is consumed before this returns; with ``ack=False`` it
    is returned held instead (``Delivery.ack`` set), for the caller to journal and then
    :func:`acknowledge`.
    """
    from ..engine.needs import Delivery, SendMessage
    from ..errors import ArazzoError

    started = clock()
    try:
        transport = transports.get(need.protocol, need.host, need.bindings)
        if isinstance(need, SendMessage):
            payload = need.payload
            if need.replacements and payload is not None:
                from ..http.bodies import Replacement, apply_replacements

                payload = apply_replacements(payload, tuple(Replacement(*r) for r in need.replacements))
            outgoing = OutgoingMessage(need.headers, payload, need.content_type, deduplication_id)
            message_id = transport.send(need.address, outgoing)
            return Delivery(message_id=message_id, duration_ms=(clock() - started) * 1000, payload=payload)
        timeout = need.timeout if deadline is None else max(0.0, min(need.timeout, deadline - started))
        got = transport.receive(need.address, matcher(need.correlation_id, need.correlation), timeout, clock)
        if got is not None and ack:
            transport.ack(got.ack_token)
    except (MessagingError, ArazzoError) as exc:  # ArazzoError: a replacement that does not apply
        return Delivery(error=str(exc), duration_ms=(clock() - started) * 1000)
    return Delivery(
        message=got.to_dict() if got is not None else None,
        message_id=got.message_id if got is not None else None,
        duration_ms=(clock() - started) * 1000,
        ack=None if got is None or ack else got.ack_token,
    )


def acknowledge(need: Receive, delivery: Delivery, transports: Transports) -> str | None:
    """Consume the message a ``serve(..., ack=False)`` returned; ``None``, or why it could not be.

    A message that cannot be deleted is not lost: it comes back to the queue after its hold and
    may be received again by a later receive (the caller says so in a warning).
    """
    if delivery.ack is None:
        return None
    try:
        consume(need, transports, delivery.ack)
    except MessagingError as exc:
        named = f"message {delivery.message_id}" if delivery.message_id else "message"
        return (
            f"{named} on {need.address!r} was received but could not be consumed ({exc});"
            " it returns to the queue after its hold and may be received again"
        )
    return None


def consume(need: Receive, transports: Transports, token: Any) -> None:
    """Delete the held message ``token`` names (a ``Delivery.ack`` or what :func:`take` returned).

    Raises :class:`MessagingError`: the Temporal activity that calls this is retried on it.
    """
    transports.get(need.protocol, need.host, need.bindings).ack(token)


def take(
    need: Receive,
    transports: Transports,
    clock: Callable[[], float],
    timeout: float,
    *,
    skip: Collection[str] = (),
) -> tuple[Delivery, Any]:
    """One receive of at most ``timeout`` seconds (the Temporal driver's round) that leaves the
    message it matches *held* by the transport (hidden from other consumers, not deleted); returns
    the delivery and the token to :func:`consume` it with once the delivery is recorded (``None``:
    no message).

    ``skip``: ids of messages the receiver has already recorded whose consumption may have been
    lost; such a message is consumed now (best effort) and not delivered a second time.
    """
    from ..engine.needs import Delivery

    started = clock()
    match = matcher(need.correlation_id, need.correlation)
    recorded = set(skip)
    try:
        transport = transports.get(need.protocol, need.host, need.bindings)
        while True:
            left = timeout - (clock() - started)
            got = transport.receive(
                need.address,
                lambda message: message.message_id in recorded or match(message),
                max(left, 0.0),
                clock,
            )
            if got is not None and got.message_id in recorded:
                with contextlib.suppress(MessagingError):  # it is not delivered either way
                    transport.ack(got.ack_token)
                if left > 0:
                    continue
                got = None
            break
    except MessagingError as exc:
        return Delivery(error=str(exc), duration_ms=(clock() - started) * 1000), None
    delivery = Delivery(
        message=got.to_dict() if got is not None else None,
        message_id=got.message_id if got is not None else None,
        duration_ms=(clock() - started) * 1000,
    )
    return delivery, got.ack_token if got is not None else None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
