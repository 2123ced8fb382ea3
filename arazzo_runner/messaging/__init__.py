"""Message transports for Arazzo 1.1 AsyncAPI steps: one interface, one module per protocol.

:class:`~.base.Transport` is the whole contract (``send`` one message to an address;
``receive`` the first message an ``accept`` predicate takes, within a timeout, holding it;
``ack`` consumes the message held, so a journaled run records it in between).
:mod:`.bindings` maps an AsyncAPI server ``protocol`` to the module that
implements it — :mod:`.sqs` (Amazon SQS over botocore) is the first. Adding AMQP or MQTT is a new
module with an ``open_transport`` function and one line in :data:`.bindings.BINDINGS` (or an entry
point in the ``arazzo_runner.messaging`` group): the engine and the drivers do not change.

:mod:`.steps` is what the drivers call for the engine's ``SendMessage`` / ``Receive`` needs.
"""

from __future__ import annotations

from .base import (
    DEFAULT_RECEIVE_TIMEOUT,
    MAX_MESSAGE_BYTES,
    Message,
    MessagingError,
    OutgoingMessage,
    Transport,
)
from .bindings import BINDINGS, Transports, transport_module

__all__ = [
    "BINDINGS",
    "DEFAULT_RECEIVE_TIMEOUT",
    "MAX_MESSAGE_BYTES",
    "Message",
    "MessagingError",
    "OutgoingMessage",
    "Transport",
    "Transports",
    "transport_module",
]
