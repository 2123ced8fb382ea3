"""Arazzo 1.1 message steps in the journal: a ``receive`` is a wait like any other, a ``send`` may be in doubt.

**A receive: the order that loses nothing and consumes nothing twice.**

1. *receive and match*: the transport returns the matching message **held**, not consumed (SQS:
   hidden for ``sqs.HOLD_SECONDS``; messages that did not match are given back at once);
2. *record*: the delivery (the message, and the token that consumes it) is written to the run's
   ``in_flight`` record and **fsynced**, as the record before an unsafe request is;
3. *ack*: the message is consumed (SQS ``DeleteMessage``);
4. *feed*: the core takes the delivery, and the next transition records the run after it.

A crash before 2 leaves the message on the broker: it becomes visible again when its hold ends
and the resumed receive (which is just the pending ``Receive`` handed out again) long-polls until
it comes back: at most ``HOLD_SECONDS`` later than it would have. A crash between 2 and 4 leaves a
recorded delivery: ``resume`` acks it again (SQS accepts a handle it already deleted; a handle
that no longer works is noted in the timeline and as a warning on the step) and feeds it to the
core **without receiving again**. The resumed run never waits twice for a message it already had.

One thing no journal can see: a process killed during a long poll leaves that poll open on the
broker's side, and SQS may hand the next message to the dead connection. That message is then
hidden for its hold like any other the run was shown, and the resumed receive may take later
messages first (a standard queue promises no order anyway). The short hold bounds how long.

**A send found in doubt** (recorded "about to send", no later record) is decided like an HTTP
request in doubt (:mod:`.in_doubt`): a journaled send carries a deduplication id derived from the
run, the step and the attempt (the run's step-record count, the same after a restore), so

* to an SQS **FIFO** queue (``.fifo``) it is safe to send again within SQS's 5-minute
  deduplication window: the queue drops the second copy. Later than that: ask;
* to a **standard** queue nothing can tell whether it went: *ask*, as for an unsafe POST
  (``resume --resend`` sends it again, ``--assume-failed`` fails the step so its ``onFailure``
  actions apply).
"""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from ..engine.needs import Delivery, Receive, SendMessage
from ..messaging.sqs import DEDUPLICATION_WINDOW_SECONDS
from .in_doubt import ASSUMED_FAILED, RequestInDoubt, user_choice

#: SQS FIFO queues drop a resend with the same deduplication id within their window; this much
#: of it (seconds) is used, leaving a margin for clocks and the resume itself.
FIFO_WINDOW_SECONDS = DEDUPLICATION_WINDOW_SECONDS - 30


def fifo(need: SendMessage) -> bool:
    """A send to a queue that deduplicates (SQS FIFO: the queue name or URL ends in ``.fifo``)."""
    return need.protocol == "sqs" and need.address.rstrip("/").endswith(".fifo")


def send_safety(need: SendMessage) -> Literal["resend", "ask"]:
    return "resend" if fifo(need) else "ask"


def deduplication_id(run_id: str, need: SendMessage, attempt: int) -> str:
    """The same for every resend of one send of one run (SQS allows 128 characters)."""
    text = f"{run_id}\x00{need.workflow_id}\x00{need.step_id}\x00{attempt}"
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def in_flight(need: SendMessage | Receive, now: float, deadline: float | None, masker: Any) -> dict[str, Any]:
    """The run's ``in_flight`` record before a message step (what ``arazzo runs`` shows)."""
    if isinstance(need, SendMessage):
        return {
            "stepId": need.step_id,
            "workflowId": need.workflow_id,
            "action": "send",
            "protocol": need.protocol,
            "channel": need.address,
            "safety": send_safety(need),
            "at": now,
        }
    until = now + need.timeout
    if deadline is not None:
        until = min(until, deadline)
    found: dict[str, Any] = {
        "stepId": need.step_id,
        "workflowId": need.workflow_id,
        "action": "receive",
        "protocol": need.protocol,
        "channel": need.address,
        "until": until,
        "at": now,
    }
    if need.correlation_id is not None:
        found["correlationId"] = masker.text(str(need.correlation_id))
    return found


def waiting_text(flight: dict[str, Any]) -> str:
    """``waiting for a message on Q (correlationId X)`` / ``sending a message to Q``."""
    if flight.get("action") == "send":
        return f"sending a message to {flight.get('channel')}"
    correlation = f" (correlationId {flight['correlationId']})" if flight.get("correlationId") else ""
    received = " (received, not consumed yet)" if flight.get("delivery") else ""
    return f"waiting for a message on {flight.get('channel')}{correlation}{received}"


def send_in_doubt(
    need: SendMessage, flight: dict[str, Any] | None, choice: str, now: float, note: Any
) -> Delivery | None:
    """What to feed for a send found in doubt, or ``None`` to send it again (same deduplication id).

    Raises :class:`RequestInDoubt` when nothing can tell whether it went.
    """
    what = f"the message to {need.address!r}"
    chosen = user_choice(choice, f"send to {need.address}", note)
    if chosen == "assume-failed":
        return Delivery(error=ASSUMED_FAILED.format("message was being sent"))
    if chosen == "resend":
        return None
    if fifo(need):
        at = (flight or {}).get("at")
        if isinstance(at, int | float) and now - at <= FIFO_WINDOW_SECONDS:
            note(
                f"send to {need.address} in doubt: sent again with the same deduplication id"
                " (a FIFO queue drops the copy if the first one went)"
            )
            return None
        why = "SQS's 5-minute deduplication window has passed, so a resend may deliver it twice"
    else:
        why = "a standard queue cannot tell whether it went, so a resend may deliver it twice"
    raise RequestInDoubt(
        f"step {need.step_id!r} of workflow {need.workflow_id!r}: {what} was being sent when the run stopped"
        f" and {why}. Resume with --resend to send it again, or --assume-failed to treat it as failed"
        " (the step's onFailure actions apply)"
    )


def recorded_delivery(flight: dict[str, Any] | None, need: Receive) -> Delivery | None:
    """The delivery journaled for this pending receive (received, maybe not consumed), if any."""
    if not flight or flight.get("action") != "receive" or flight.get("stepId") != need.step_id:
        return None
    data = flight.get("delivery")
    return Delivery.from_json(data) if isinstance(data, dict) else None
