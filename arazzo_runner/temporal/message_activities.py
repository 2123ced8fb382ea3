"""Arazzo 1.1 message steps on Temporal: ``arazzo.send_message``, ``arazzo.receive``, ``arazzo.acknowledge``.

A ``receive`` may wait as long as its step's timeout says (a training job runs for days), so it
is a *durable* activity: it long-polls in short rounds (:data:`ROUND_SECONDS`, SQS's longest long
poll), heartbeats all along and between rounds, and is cancelled at a heartbeat like any other.
Its start-to-close timeout is the wait itself (the workflow computes it from the step's timeout
and the run's deadline); a worker that dies is noticed by its missing heartbeat, and another
worker's attempt carries on until the same absolute ``until``.

Exactly once, from the run's view: the receive *holds* the message it matched (hidden by the
transport for its hold, 30 s on SQS, not deleted: :func:`arazzo_runner.messaging.steps.take`) and
returns it; the workflow records that result, then runs ``arazzo.acknowledge``, which deletes it
(:func:`arazzo_runner.messaging.steps.consume`, the same ``Transport.ack`` a journaled local run uses). A worker that dies after matching and before its result is recorded loses nothing: the message comes back when
the hold ends and the retried attempt takes it. An acknowledgement that never happens (every
attempt failed) leaves a message the run has recorded: the workflow passes the ids it recorded to
its next receives, which delete such a message instead of delivering it twice.

Messages go through the worker's environment (:attr:`RunEnvironment.messaging`), so the worker's
credentials and ``AWS_ENDPOINT_URL_SQS`` apply, as for a local run. botocore blocks, so each round
runs in this activity's own thread pool (one thread per concurrent activity, not the event loop's
small default pool).
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from ..drivers.environment import RunEnvironment
from ..engine.needs import Delivery, Receive, SendMessage, message_need_from_json
from ..messaging import MessagingError
from ..messaging.steps import consume, serve, take
from . import ACKNOWLEDGE_ACTIVITY, RECEIVE_ACTIVITY, SEND_MESSAGE_ACTIVITY
from .activities import heartbeats
from .messages import delivery_to_json

#: The longest long-poll round (SQS's longest long poll; no longer than the heartbeat timeout either).
ROUND_SECONDS = 20.0


class MessageActivities:
    """The worker's message activities, on the same environments as its requests."""

    def __init__(
        self,
        environment: Callable[[Mapping[str, str]], RunEnvironment],
        *,
        max_concurrent: int = 100,
        round_seconds: float = ROUND_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        #: ``environment(servers)``: the worker's environment for a run (shared with the send activity).
        self._environment = environment
        self._threads = ThreadPoolExecutor(max_workers=max_concurrent, thread_name_prefix="arazzo-message")
        self._round = round_seconds
        self._clock = clock
        #: Messages this worker sent and received and acknowledged (the tests read them).
        self.sent = 0
        self.received = 0
        self.acknowledged = 0

    async def _in_thread(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._threads, functools.partial(function, *args, **kwargs))

    @activity.defn(name=SEND_MESSAGE_ACTIVITY)
    async def send_message(self, task: dict[str, Any]) -> dict[str, Any]:
        need = _need(task, SendMessage)
        transports = self._environment(task["servers"]).messaging
        async with heartbeats():
            delivery: Delivery = await self._in_thread(serve, need, transports, self._clock)
        if delivery.error is None:
            self.sent += 1
        return delivery_to_json(delivery)

    @activity.defn(name=RECEIVE_ACTIVITY)
    async def receive(self, task: dict[str, Any]) -> dict[str, Any]:
        """Wait for the step's message until ``task["until"]`` (epoch seconds, the same for every
        attempt); ``{"delivery": ..., "receipt": ...}`` — a receipt to acknowledge, or None."""
        need = _need(task, Receive)
        transports = self._environment(task["servers"]).messaging
        until, skip = float(task["until"]), tuple(task.get("skip") or ())
        delivery, receipt, rounds = Delivery(), None, 0
        # No round longer than the heartbeat timeout: what a dead worker's last long poll took (SQS
        # hides it for the round, plus a margin) is back by the time another worker takes over.
        beat = activity.info().heartbeat_timeout
        longest = self._round if beat is None else max(1.0, min(self._round, beat.total_seconds()))
        async with heartbeats():
            while (left := until - self._clock()) > 0:
                activity.heartbeat({"rounds": rounds})
                delivery, receipt = await self._in_thread(
                    take, need, transports, self._clock, min(longest, left), skip=skip
                )
                rounds += 1
                if delivery.message is not None or delivery.error is not None:
                    break
        if delivery.message is not None:
            self.received += 1
        # The wait as the step saw it: from when the workflow asked, across attempts and rounds.
        waited = max(self._clock() - float(task["startedAt"]), 0.0) * 1000
        return {"delivery": delivery_to_json(replace(delivery, duration_ms=waited)), "receipt": receipt}

    @activity.defn(name=ACKNOWLEDGE_ACTIVITY)
    async def acknowledge(self, task: dict[str, Any]) -> None:
        """Delete the message a receive held (retried by Temporal when the broker refuses)."""
        need = _need(task, Receive)
        transports = self._environment(task["servers"]).messaging
        try:
            await self._in_thread(consume, need, transports, task["receipt"])
        except MessagingError as exc:
            raise ApplicationError(str(exc), type="MessagingError") from exc
        self.acknowledged += 1

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)


def _need(task: Mapping[str, Any], kind: type[Any]) -> Any:
    need = message_need_from_json(task["need"])
    if not isinstance(need, kind):
        raise ApplicationError(
            f"expected a {kind.__name__} need, got {type(need).__name__}", type="BadTask", non_retryable=True
        )
    return need
