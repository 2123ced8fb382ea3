"""The ``arazzo.send`` activity: build, sign, send and parse one request, in the worker.

Credentials come from the worker's own chain (botocore's for SigV4, ``ARAZZO_*`` variables for
OpenAPI security schemes), never from the workflow, and the request as sent is redacted before it
is returned (no signature, session token, API key or cookie), so none enters Temporal's history; the
answer goes back as plain data (encrypted at rest by :mod:`.codec` when the worker uses it).
While a request is on the wire the activity heartbeats, so a worker that dies mid-request is
noticed within the heartbeat timeout and the request handed to another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Mapping
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
from . import SEND_ACTIVITY
from .documents import load_document
from .messages import exchange_to_json

HEARTBEAT_EVERY = 5.0


class SendActivity:
    """The worker's side of every request: one shared HTTP client, environments per server set."""

    def __init__(
        self,
        make_environment: Any = None,
        *,
        client: httpx.AsyncClient | None = None,
        heartbeat_every: float = HEARTBEAT_EVERY,
    ) -> None:
        #: ``make_environment(servers)`` → a RunEnvironment (the worker's credentials and options).
        self._make_environment = make_environment or (lambda servers: RunEnvironment(servers=servers))
        self._environments: dict[tuple[tuple[str, str], ...], RunEnvironment] = {}
        self._client = client
        self._heartbeat_every = heartbeat_every
        #: Requests this worker sent (the multi-worker tests read it).
        self.sent = 0

    def _environment(self, servers: Mapping[str, str]) -> RunEnvironment:
        key = tuple(sorted(servers.items()))
        found = self._environments.get(key)
        if found is None:
            found = self._environments[key] = self._make_environment(dict(servers))
        return found

    @activity.defn(name=SEND_ACTIVITY)
    async def send(self, task: dict[str, Any]) -> dict[str, Any]:
        try:
            document = load_document(
                task["document"], source_map=task["sourceMap"], allow_remote=task["allowRemote"]
            )
        except (ArazzoError, SnapshotError) as exc:
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc
        environment = self._environment(task["servers"])
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=environment.http_timeout())
        need = SendRequest.from_json(task["request"])
        beating = asyncio.create_task(self._heartbeat())
        try:
            exchange = await send_async(
                document, need, client=self._client, environment=environment, validate=task["validate"]
            )
        finally:
            beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beating
        self.sent += 1
        return exchange_to_json(_without_credentials(document, exchange))

    async def _heartbeat(self) -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(self._heartbeat_every)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()


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
