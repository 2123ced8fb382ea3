"""Candidate fixes for the engine's hot path, as monkeypatches, so their gain can be measured here.

This session may not edit ``arazzo_runner/``: each patch below is the smallest change that
removes one cost found by the profile of ``bench/poll_loop.py`` (see ``bench/RESULTS.md``), written
so that applying it in the package is a copy of the function body. ``apply(names)`` installs
the named patches; ``--fixes all`` on ``poll_loop.py`` / ``fleet.py`` measures them.

Each patch keeps behaviour identical (same request bytes, same parsed body, same events).
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any


def cache_parameter_definitions() -> None:
    """Cache ``http.request.parameter_definitions`` per (source, operation).

    Why: it walks the OpenAPI document through openapi-core's ``SchemaPath`` (pathable +
    jsonschema_path ``$ref`` resolution) on *every* request, ~25 % of the engine's own time on the
    flagship's poll loop, for an answer that never changes for a loaded document.
    """
    from arazzo_runner.http import request as module

    original = module.parameter_definitions
    cache: dict[tuple[int, str], dict[tuple[str, str], dict[str, Any]]] = {}

    def parameter_definitions(source: Any, operation: Any) -> dict[tuple[str, str], dict[str, Any]]:
        key = (id(source), operation.pointer)
        found = cache.get(key)
        if found is None:
            found = cache[key] = original(source, operation)
        return found

    module.parameter_definitions = parameter_definitions  # type: ignore[assignment]


def cache_operation_content_types() -> None:
    """Cache ``http.request.operation_content_types`` (same reason; used when a body has no contentType)."""
    from arazzo_runner.http import request as module

    original = module.operation_content_types
    cache: dict[tuple[int, str], list[str]] = {}

    def operation_content_types(source: Any, operation: Any) -> list[str]:
        key = (id(source), operation.pointer)
        found = cache.get(key)
        if found is None:
            found = cache[key] = original(source, operation)
        return found

    module.operation_content_types = operation_content_types  # type: ignore[assignment]


def lean_sigv4() -> None:
    """Sign with one cached botocore signer per (credentials, service, region) and plain header dicts.

    Why: ``SigV4Auth.sign`` pops four headers through ``MutableMapping.pop`` (a KeyError each
    time), builds a new botocore signer per request and copies httpx headers into botocore's
    ``email.message``-backed ``HTTPHeaders``; the signature (botocore's ``add_auth``) is unchanged.
    """
    from botocore.auth import SigV4Auth as BotocoreSigV4Auth
    from botocore.awsrequest import AWSRequest

    from arazzo_runner.http import sigv4 as module

    signers: dict[tuple[int, str, str], Any] = {}

    def sign(self: Any, request: Any) -> None:
        host = request.url.host
        headers = request.headers
        for name in module._SIGNING_HEADERS:
            if name in headers:
                del headers[name]
        credentials = self._environment.frozen_credentials()
        service, region = self.signing_name_for(host), self.region_for(host)
        key = (id(credentials), service, region)
        signer = signers.get(key)
        if signer is None or signer.credentials is not credentials:
            signer = signers[key] = BotocoreSigV4Auth(credentials, service, region)
        aws_request = AWSRequest(
            method=request.method, url=str(request.url), headers=dict(headers.items()), data=request.content
        )
        signer.add_auth(aws_request)
        signed = aws_request.headers
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            value = signed.get(name)
            if value is not None:
                headers[name] = value

    module.SigV4Auth.sign = sign  # type: ignore[method-assign]

    def auth_flow(self: Any, request: Any) -> Generator[Any, Any, None]:
        if self._hosts is None or request.url.host.lower() in self._hosts:
            self.sign(request)
        yield request

    module.SigV4Auth.auth_flow = auth_flow  # type: ignore[method-assign]


def fast_json_response() -> None:
    """Parse JSON bodies straight from bytes; skip ``charset_encoding`` unless the type says text.

    Why: ``response.charset_encoding`` parses the Content-Type with ``email.message`` on every
    response (~10 µs), and ``json.loads`` accepts UTF-8 bytes directly (RFC 8259: JSON is UTF-8).
    """
    from arazzo_runner.http import responses as module

    original_parse_body = module.parse_body

    def parse_response(response: Any) -> Any:
        content = response.content
        content_type = response.headers.get("content-type", "")
        charset = response.charset_encoding if "charset" in content_type.lower() else None
        body, root, json_error = original_parse_body(content, content_type, charset)
        error = module.error_info(response.status_code, module._plain(response.headers), body, content_type)
        return module.ParsedResponse(
            status_code=response.status_code,
            headers=response.headers,
            content_type=content_type,
            body=body,
            content=content,
            xml=root,
            json_error=json_error,
            error=error,
        )

    module.parse_response = parse_response  # type: ignore[assignment]
    # retry_loop.py imported the name: patch its reference too.
    from arazzo_runner.http import retry_loop

    retry_loop.parse_response = parse_response  # type: ignore[attr-defined]


def sniffio_present() -> None:
    """Make ``import sniffio`` succeed (the real fix: declare ``sniffio`` in pyproject's dependencies).

    Why: httpcore 1.0's ``current_async_library()`` runs ``import sniffio`` on *every* async
    request; sniffio is not installed in our venv, and a failed import is not cached, so each
    request walks ``sys.path`` with ``stat`` calls (~0.1-0.5 ms, the largest single cost of the
    async driver). Installing sniffio (what ``httpx``/``anyio`` normally pull in) removes it.
    This patch stands in for the install: a module that answers "asyncio" as sniffio would here.
    """
    import sys
    import types

    if "sniffio" in sys.modules:
        return
    try:
        import sniffio  # noqa: F401
    except ImportError:
        stub = types.ModuleType("sniffio")
        stub.current_async_library = lambda: "asyncio"  # type: ignore[attr-defined]
        sys.modules["sniffio"] = stub


def limit_in_flight(limit: int = 100) -> None:
    """Let at most ``limit`` requests wait on the httpx pool at once (asyncio driver).

    Why: httpcore's ``AsyncConnectionPool._assign_requests_to_connections`` scans every queued
    request against every connection on each request start and finish, O(queued x connections);
    with 10,000 runs queued on 100 connections that scan dominates. A semaphore sized to the pool
    in ``drivers.run_async`` around ``send_with_retries_async`` keeps the pool's queue short
    (the fix: a ``max_in_flight`` on ``RunEnvironment``, default the client's pool size).
    """
    import asyncio

    from arazzo_runner.drivers import loops as drivers

    original = drivers.send_with_retries_async
    gates: dict[int, asyncio.Semaphore] = {}

    async def send_with_retries_async(*args: Any, **kwargs: Any) -> Any:
        loop_id = id(asyncio.get_running_loop())
        gate = gates.get(loop_id)
        if gate is None:
            gate = gates[loop_id] = asyncio.Semaphore(limit)
        async with gate:
            return await original(*args, **kwargs)

    drivers.send_with_retries_async = send_with_retries_async  # type: ignore[assignment]


FIXES: dict[str, Callable[[], None]] = {
    "sniffio": sniffio_present,
    "in-flight": limit_in_flight,
    "params": cache_parameter_definitions,
    "content-types": cache_operation_content_types,
    "sigv4": lean_sigv4,
    "json": fast_json_response,
}


def apply(names: str) -> list[str]:
    """Install the comma-separated patches (``all`` for every one); returns the names applied."""
    chosen = list(FIXES) if names == "all" else [n.strip() for n in names.split(",") if n.strip()]
    for name in chosen:
        if name not in FIXES:
            raise SystemExit(f"unknown fix {name!r}; known: {', '.join(FIXES)}, all")
        FIXES[name]()
    return chosen
