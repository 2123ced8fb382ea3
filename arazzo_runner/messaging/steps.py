"""What a driver does for the engine's ``SendMessage`` / ``Receive`` needs: one function, :func:`serve`.

(The Temporal driver receives in two phases instead: :func:`take` then :func:`acknowledge`.)

It picks the transport for the need's protocol (opened once per run environment), sends or
receives, and answers with a plain-data :class:`~arazzo_runner.engine.needs.Delivery`. Broker
problems become ``Delivery(error=...)`` (the step fails, its ``onFailure`` actions apply), never an
exception out of the driver.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any, cast

from ..sources.asyncapi import CorrelationLocation
from .base import HoldingTransport, Message, MessagingError, OutgoingMessage
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
) -> Delivery:
    """Send or receive for ``need``; the outcome as plain data.

    A send gets the need's body replacements applied first (as a request's are). A receive waits
    at most its timeout, and never past ``deadline`` (the run's, on ``clock``): the core then
    ends the run naming the wait.
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
            message_id = transport.send(
                need.address, OutgoingMessage(need.headers, payload, need.content_type)
            )
            return Delivery(message_id=message_id, duration_ms=(clock() - started) * 1000, payload=payload)
        timeout = need.timeout if deadline is None else max(0.0, min(need.timeout, deadline - started))
        got = transport.receive(need.address, matcher(need.correlation_id, need.correlation), timeout, clock)
    except (MessagingError, ArazzoError) as exc:  # ArazzoError: a replacement that does not apply
        return Delivery(error=str(exc), duration_ms=(clock() - started) * 1000)
    return Delivery(
        message=got.to_dict() if got is not None else None,
        message_id=got.message_id if got is not None else None,
        duration_ms=(clock() - started) * 1000,
    )


def take(
    need: Receive,
    transports: Transports,
    clock: Callable[[], float],
    timeout: float,
    *,
    hold: float,
    skip: Collection[str] = (),
) -> tuple[Delivery, str | None]:
    """One receive of at most ``timeout`` seconds that *holds* the message it matches (hidden from
    other consumers for ``hold`` seconds, not deleted) when the transport can
    (:class:`~.base.HoldingTransport`); returns the delivery and the receipt to :func:`acknowledge`
    it with once the delivery is recorded (``None``: nothing to acknowledge — no message, or a
    transport that consumed it on receipt).

    ``skip``: ids of messages the receiver has already recorded whose acknowledgement may have
    been lost; such a message is acknowledged now and not delivered a second time.
    """
    from ..engine.needs import Delivery

    started = clock()
    match = matcher(need.correlation_id, need.correlation)
    recorded = set(skip)
    try:
        transport = transports.get(need.protocol, need.host, need.bindings)
        holding = callable(getattr(transport, "acknowledge", None))
        holder = cast(HoldingTransport, transport)
        while True:
            left = timeout - (clock() - started)
            if not holding:
                got = transport.receive(need.address, match, max(left, 0.0), clock)
            else:
                got = holder.receive(
                    need.address,
                    lambda message: message.message_id in recorded or match(message),
                    max(left, 0.0),
                    clock,
                    hold=hold,
                )
            if got is not None and holding and got.message_id in recorded:
                with contextlib.suppress(MessagingError):  # best effort: it is not delivered either way
                    holder.acknowledge(need.address, got.receipt or "")
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
    return delivery, got.receipt if got is not None and holding else None


def acknowledge(need: Receive, transports: Transports, receipt: str) -> None:
    """Delete the message :func:`take` held (raises :class:`MessagingError`)."""
    transport = cast(HoldingTransport, transports.get(need.protocol, need.host, need.bindings))
    transport.acknowledge(need.address, receipt)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
