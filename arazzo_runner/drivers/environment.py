"""What a run needs from the outside world, resolved once and shared across its steps.

An :class:`RunEnvironment` holds the per-source server overrides, the AWS configuration
(botocore session and credentials: created once, ~4 ms, not once per request) and the cache of
:class:`~arazzo_runner.http.Endpoint` objects (base URL, auth, retry policy) per operation.
One environment may serve many runs (the fleet benchmark shares one).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from ..errors import UsageError
from ..http import AwsEnvironment, Endpoint, SecurityEnvironment, endpoint_for
from ..http.retry_loop import DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUT, ResponseLimits, bounded_client
from ..sources.openapi import OpenApiSource, Operation

#: Per event loop: the environments ``run_async`` made for default arguments (see ``shared``).
_SHARED: weakref.WeakKeyDictionary[Any, dict[Any, RunEnvironment]] = weakref.WeakKeyDictionary()


class RunEnvironment:
    def __init__(
        self,
        *,
        servers: Mapping[str, str] | None = None,
        aws: AwsEnvironment | None = None,
        transport_retries: bool = False,
        max_attempts: int | None = None,
        server_variables: Mapping[str, Mapping[str, str]] | None = None,
        security: SecurityEnvironment | None = None,
        credentials: Mapping[str, Mapping[str, Any]] | None = None,
        max_in_flight: int = 100,
        request_timeout: float | None = None,
        max_response_size: int | None = None,
        network_policy: Any = None,
        message_endpoints: Mapping[str, str] | None = None,
        aws_signing: bool = True,
    ) -> None:
        self.servers = dict(servers or {})
        #: Sign sources whose declared server is an AWS endpoint with SigV4 (``http.aws_recognition``);
        #: ``False`` (``--no-aws-signing``) keeps every source's declared schemes.
        self.aws_signing = aws_signing
        self._aws = aws
        self.transport_retries = transport_retries
        self.max_attempts = max_attempts
        self.server_variables = {k: dict(v) for k, v in (server_variables or {}).items()}
        #: OpenAPI security schemes: credentials from ``credentials`` or ARAZZO_* variables. An
        #: operation whose scheme has no credentials is sent without auth and the step's events
        #: say what to set (a server that checks answers 401 with that note attached).
        self.security = security or SecurityEnvironment(credentials, missing="skip")
        self._endpoints: dict[tuple[str, str], Endpoint] = {}
        self._x_endpoints: dict[tuple[str, str, str], Endpoint] = {}
        self._lock = threading.Lock()
        #: Async runs sharing this environment send at most this many requests at once.
        #: httpcore's pool does work per queued request x connection on every request, so
        #: thousands of runs queueing inside it slow every request down; waiting here is cheap.
        self.max_in_flight = max_in_flight
        self._in_flight: weakref.WeakKeyDictionary[Any, asyncio.Semaphore] = weakref.WeakKeyDictionary()
        self._async_clients: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
        self._closers: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()
        #: Seconds to wait for a connection or an answer when the run makes its own HTTP client
        #: (default 30 s to read, 10 s to connect: ``http.retry_loop.DEFAULT_TIMEOUT``).
        #: It bounds each exchange as a whole too (connect to last body byte: ``response_limits``).
        self.request_timeout = request_timeout
        #: Largest answer body read, counted decoded (``http.retry_loop.DEFAULT_MAX_RESPONSE_BYTES``).
        self.max_response_size = max_response_size
        #: Where requests may go (``http.network_policy.NetworkPolicy``; ``None``: anywhere).
        self.network_policy = network_policy
        #: Arazzo 1.1 AsyncAPI steps: explicit broker endpoints per protocol (e.g. ``{"sqs": url}``;
        #: SQS otherwise follows botocore: ``AWS_ENDPOINT_URL_SQS``, profile, AWS).
        self.message_endpoints = dict(message_endpoints or {})
        self._messaging: Any = None
        #: The :class:`~arazzo_runner.run_settings.RunSettings` this environment was built from
        #: (``None``: a caller's own; the journal then reads the settings off the fields above).
        self.settings: Any = None

    def response_limits(self, deadline: float | None = None, now: float = 0.0) -> Any:
        """Bounds of each exchange: body size, ``request_timeout`` (default 30 s) for the whole
        exchange, and the run's ``deadline`` (on the driver's clock, which reads ``now``).

        The deadline becomes time left, counted on ``time.monotonic`` while reading: a driver's
        clock may be a test's fake one, and the core's deadline stays the one in its state."""
        return ResponseLimits(
            max_bytes=self.max_response_size or DEFAULT_MAX_RESPONSE_BYTES,
            seconds=self.request_timeout if self.request_timeout is not None else DEFAULT_TIMEOUT.read,
            deadline=None if deadline is None else time.monotonic() + (deadline - now),
            clock=time.monotonic,
        )

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for the sync httpx client a run makes itself (timeouts, mTLS mounts)."""
        options: dict[str, Any] = {"timeout": self.http_timeout()}
        if self.network_policy is not None and self.network_policy.client_certs:
            options["mounts"] = self.network_policy.mounts()
        return options

    @contextlib.contextmanager
    def sync_client(self, client: Any = None) -> Iterator[Any]:
        """``client`` (the caller's, left open), or a client of the run's own made with
        :meth:`client_options` (:func:`~arazzo_runner.http.retry_loop.bounded_client`), closed when
        the block ends."""
        if client is not None:
            yield client
            return
        own = bounded_client(**self.client_options())
        try:
            yield own
        finally:
            own.close()

    def new_async_client(self) -> Any:
        """An ``httpx.AsyncClient`` over the chosen async transport (lean by default: see
        ``http.clients``), presenting the network policy's client certificates per host."""
        from ..http.clients import new_async_client

        tls = None
        if self.network_policy is not None and self.network_policy.client_certs:
            tls = self.network_policy.ssl_contexts()
        return new_async_client(self.http_timeout(), tls_by_host=tls)

    @property
    def messaging(self) -> Any:
        """The message transports of this environment (:class:`arazzo_runner.messaging.Transports`)."""
        if self._messaging is None:
            from ..messaging import Transports

            with self._lock:
                if self._messaging is None:
                    self._messaging = Transports(aws=self.aws, endpoints=self.message_endpoints)
        return self._messaging

    def http_timeout(self) -> Any:
        """The httpx timeout for clients a run makes itself."""
        import httpx

        return (
            DEFAULT_TIMEOUT
            if self.request_timeout is None
            else httpx.Timeout(self.request_timeout, connect=min(self.request_timeout, 10.0))
        )

    @property
    def aws(self) -> AwsEnvironment:
        if self._aws is None:
            self._aws = AwsEnvironment()
        return self._aws

    def endpoint(
        self, source: OpenApiSource, operation: Operation, x_security: Sequence[Mapping[str, Any]] = ()
    ) -> Endpoint:
        if x_security:
            return self._x_security_endpoint(source, operation, x_security)
        key = (source.location + "#" + source.name, operation.pointer)
        found = self._endpoints.get(key)
        if found is not None:
            return found
        with self._lock:
            found = self._endpoints.get(key)
            if found is None:
                found = self._endpoints[key] = self._build_endpoint(source, operation)
        return found

    def _build_endpoint(
        self, source: OpenApiSource, operation: Operation, x_security: Sequence[Mapping[str, Any]] = ()
    ) -> Endpoint:
        """The endpoint (base URL, auth, retry policy) with this environment's settings."""
        return endpoint_for(
            source,
            operation,
            aws=self.aws,
            server_override=self.servers.get(source.name),
            server_variables=self.server_variables.get(source.name),
            transport_retries=self.transport_retries,
            max_attempts=self.max_attempts,
            security=self.security,
            x_security=x_security,
            aws_recognition=self.aws_signing,
        )

    #: x-security endpoints kept (their values may differ per run: tokens from earlier steps).
    X_SECURITY_ENDPOINTS = 256

    def _x_security_endpoint(
        self, source: OpenApiSource, operation: Operation, x_security: Sequence[Mapping[str, Any]]
    ) -> Endpoint:
        """An endpoint for a step's evaluated ``x-security``: built once per distinct value, not per request.

        A poll loop re-sends the same step with the same values hundreds of times; building the
        auth each time cost a security-scheme resolution per request. Keyed by the values
        themselves (kept in memory only, like the endpoint's own auth), bounded, oldest dropped.
        """
        values = json.dumps(x_security, sort_keys=True, default=str)
        key = (source.location + "#" + source.name, operation.pointer, values)
        found = self._x_endpoints.get(key)
        if found is not None:
            return found
        found = self._build_endpoint(source, operation, x_security)
        with self._lock:
            while len(self._x_endpoints) >= self.X_SECURITY_ENDPOINTS:
                self._x_endpoints.pop(next(iter(self._x_endpoints)))
            self._x_endpoints[key] = found
        return found

    def shared_async_client(self) -> Any:
        """The running event loop's ``httpx.AsyncClient`` for runs that bring none (made once per
        loop and environment: a client per run cost ~1.1 MB and its own connection pool)."""
        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None or client.is_closed:
            client = self._async_clients[loop] = self.new_async_client()
            self._close_with(loop, client)
        return client

    def _close_with(self, loop: asyncio.AbstractEventLoop, client: Any) -> None:
        """Close ``client`` when ``loop`` ends (``asyncio.run`` closes a loop's async generators
        before closing it), and forget what was kept for that loop: a client's open connections
        refer to their loop, so the per-loop entries would otherwise keep finished loops alive."""

        async def closing() -> AsyncIterator[None]:
            try:
                yield
            finally:
                self._async_clients.pop(loop, None)
                self._closers.pop(loop, None)
                self._in_flight.pop(loop, None)
                _SHARED.pop(loop, None)
                await client.aclose()

        generator = closing()

        async def start() -> None:
            await generator.__anext__()  # now the loop knows it (and will close it)

        # Held until the loop's end closes the generator (the loop itself only holds it weakly).
        self._closers[loop] = (generator, loop.create_task(start()))

    @classmethod
    def shared(
        cls, servers: Mapping[str, str] | None = None, aws: AwsEnvironment | None = None
    ) -> RunEnvironment:
        """The running event loop's environment for these server overrides and AWS configuration,
        so concurrent ``run_async`` calls with default arguments share credentials, endpoints,
        the in-flight bound and the client."""
        loop = asyncio.get_running_loop()
        key = (tuple(sorted((servers or {}).items())), id(aws))
        per_loop = _SHARED.setdefault(loop, {})
        found = per_loop.get(key)
        if found is None:
            found = per_loop[key] = cls(servers=servers, aws=aws)
        return found

    def in_flight(self) -> asyncio.Semaphore:
        """The running event loop's semaphore bounding requests in flight."""
        loop = asyncio.get_running_loop()
        semaphore = self._in_flight.get(loop)
        if semaphore is None:
            semaphore = self._in_flight.setdefault(loop, asyncio.Semaphore(self.max_in_flight))
        return semaphore


def environment_for(
    environment: RunEnvironment | None, servers: Mapping[str, str] | None, aws: AwsEnvironment | None
) -> RunEnvironment:
    """The run's environment: ``environment`` as given, or one made of ``servers`` and ``aws``
    (giving both kinds is an error: the environment already holds them)."""
    if environment is not None:
        given = [name for name, value in (("servers", servers), ("aws", aws)) if value is not None]
        if given:
            raise UsageError(
                f"{' and '.join(given)}= cannot be combined with environment=: the environment already"
                f" holds them (pass RunEnvironment({', '.join(n + '=...' for n in given)}) instead)"
            )
        return environment
    return RunEnvironment(servers=servers, aws=aws)
