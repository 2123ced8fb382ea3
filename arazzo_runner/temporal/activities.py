"""The ``arazzo.send`` activity: build, sign, send and parse one request, in the worker.

Credentials come from the worker's own chain (botocore's for SigV4, ``ARAZZO_*`` variables for
OpenAPI security schemes), never from the workflow, and the request as sent is redacted before it
is returned (no signature, session token, API key or cookie), so none enters Temporal's history; the
answer goes back as plain data (encrypted at rest by :mod:`.codec` when the worker uses it).
While a request is on the wire the activity heartbeats, so a worker that dies mid-request is
noticed within the heartbeat timeout and the request handed to another worker. Requests go out
through the worker's environment's shared async client (the lean transport local async runs use),
one per event loop, closed with it.

The same activity runs as a *local* activity for a run's safe reads (:mod:`.reads`): then it first
waits the short pause the task names (``wait``: the poll interval, folded in instead of a durable
timer), sends without heartbeating (a local activity is watched through its workflow task) and adds
``finishedAt``, the worker's clock when it was done: recorded in the marker, it is the workflow's
clock for what follows (``workflow.now()`` stands still between the local activities of one task).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import weakref
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from ..drivers.environment import RunEnvironment
from ..drivers.loops import send_async
from ..engine.needs import Exchange, SendRequest
from ..engine.redaction import Redactor
from ..engine.snapshot import SnapshotError
from ..errors import ArazzoError
from ..run_settings import RunSettings, SettingsError
from . import SEND_ACTIVITY
from .documents import load_document
from .messages import exchange_to_json

HEARTBEAT_EVERY = 5.0


@contextlib.asynccontextmanager
async def heartbeats(every: float | None = None) -> AsyncIterator[None]:
    """Heartbeat every ``every`` seconds (default: a third of the activity's heartbeat timeout, at
    most :data:`HEARTBEAT_EVERY`) while the block runs: a worker that dies is noticed, and a
    cancellation (delivered with a heartbeat's answer) reaches the block as ``CancelledError``."""
    if activity.info().is_local:  # watched through its workflow task: nothing to heartbeat
        yield
        return
    if every is None:
        timeout = activity.info().heartbeat_timeout
        every = HEARTBEAT_EVERY if timeout is None else min(HEARTBEAT_EVERY, timeout.total_seconds() / 3)

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(every)

    beating = asyncio.create_task(beat())
    try:
        yield
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating


class SendActivity:
    """The worker's side of every request: the environment's shared HTTP client, environments per server set."""

    def __init__(
        self,
        make_environment: Any = None,
        *,
        client: httpx.AsyncClient | None = None,
        heartbeat_every: float | None = None,
    ) -> None:
        #: ``make_environment(servers)`` → a RunEnvironment (the worker's credentials and options).
        self._make_environment = make_environment or (lambda servers: RunEnvironment(servers=servers))
        self._environments: dict[tuple[Any, ...], RunEnvironment] = {}
        #: A client the caller owns (tests); none: each environment's shared one for this event loop.
        self._client = client
        self._heartbeat_every = heartbeat_every
        #: Requests this worker sent (the multi-worker tests read it).
        self.sent = 0
        #: The worker's message activities (:class:`.message_activities.MessageActivities`), closed with this.
        self.messages: Any = None
        #: Sees each exchange as history keeps it (credentials redacted): ``arazzo worker --otel``
        #: puts its HTTP attributes on the activity's span (:mod:`arazzo_runner.telemetry.temporal`).
        self.observe: Any = None

    def environment(
        self, servers: Mapping[str, str], settings: Mapping[str, Any] | None = None
    ) -> RunEnvironment:
        """The worker's environment for a run's server overrides and settings (made once per
        distinct pair): the worker's own, with the run's settings applied on top
        (:meth:`~arazzo_runner.run_settings.RunSettings.apply_to`; one this worker does not know
        raises :class:`~arazzo_runner.run_settings.SettingsError`, never ignored)."""
        text = json.dumps(settings, sort_keys=True) if settings is not None else None
        key = (tuple(sorted(servers.items())), text)
        found = self._environments.get(key)
        if found is None:
            environment = self._make_environment(dict(servers))
            if settings is not None:
                environment = RunSettings.from_json(settings).apply_to(environment)
            found = self._environments[key] = environment
        return found

    def task_environment(self, task: Mapping[str, Any]) -> RunEnvironment:
        """:meth:`environment` for an activity's task; settings it cannot apply fail the activity
        for good (no other worker of this version could apply them either)."""
        try:
            return self.environment(task["servers"], task.get("settings"))
        except SettingsError as exc:
            raise ApplicationError(str(exc), type="SettingsError", non_retryable=True) from exc

    @activity.defn(name=SEND_ACTIVITY)
    async def send(self, task: dict[str, Any]) -> dict[str, Any]:
        try:
            environment = self.task_environment(task)
            document = load_document(
                task["document"],
                source_map=task["sourceMap"],
                allow_remote=task["allowRemote"],
                network_policy=environment.network_policy,
            )
        except (ArazzoError, SnapshotError) as exc:
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc
        client = self._client or environment.shared_async_client()
        need = SendRequest.from_json(task["request"])
        wait = task.get("wait")
        if wait:
            await asyncio.sleep(wait)
        async with heartbeats(self._heartbeat_every):
            exchange = await send_async(
                document, need, client=client, environment=environment, validate=task["validate"]
            )
        self.sent += 1
        cleaned = _without_credentials(document, exchange)
        if self.observe is not None:
            self.observe(cleaned)
        answer = exchange_to_json(cleaned)
        if wait is not None:  # a local read: the worker's clock goes into the marker
            answer["finishedAt"] = time.time()
        return answer

    async def aclose(self) -> None:
        """Close a client given to the constructor and the message transports (the environments'
        shared HTTP clients close with their event loop)."""
        if self._client is not None:
            await self._client.aclose()
        if self.messages is not None:
            self.messages.close()
        for environment in self._environments.values():
            environment.messaging.close()


def _without_credentials(document: Any, exchange: Exchange) -> Exchange:
    """The exchange as history may keep it: the signature, session token, API keys and cookies of
    the request as sent are redacted (the core never needs them; ``$request`` shows them redacted)."""
    sent = exchange.request
    if sent is None:
        return exchange
    redactor = _REDACTORS.get(document)
    if redactor is None:
        redactor = _REDACTORS[document] = Redactor.for_document(document)
    cleaned = replace(sent, url=redactor.url(sent.url), headers=tuple(redactor.headers(sent.headers)))
    return replace(exchange, request=cleaned)


_REDACTORS: weakref.WeakKeyDictionary[Any, Redactor] = weakref.WeakKeyDictionary()
