"""Send one request through an httpx client's transport, driving the ``httpx.Auth`` flow here.

Why: ``Client.send`` does work on every request that a run's requests never need, and it
measured about a tenth of the engine's own CPU per step (``bench/engine_cost.py``): the redirect
and event-hook loops, a stream wrapper that times the answer, and above all the cookie jar's
``extract_cookies`` on every answer (a ``urllib.request.Request`` and an ``http.cookiejar`` pass)
even when the answer sets no cookie.

What stays as ``Client.send`` does it:

* the transport is the client's for that URL (its mounts: ``--client-cert`` hosts);
* the client's timeout applies when the request has none, the client's auth when none is given;
* the auth flow is the auth's own ``sync_auth_flow``/``async_auth_flow``, so SigV4 signs every
  attempt, a Digest challenge is answered, an OAuth2 token request goes out;
* an answer with ``Set-Cookie`` still goes into ``client.cookies`` (runs never send the jar's
  cookies: requests are built from the document, not by ``client.build_request``; the jar is
  kept for callers who look at it);
* a transport error carries its request;
* httpx's ``HTTP Request: ...`` line still goes to the ``httpx`` logger when INFO is on for it.

A client this path cannot serve the same way (event hooks, redirects followed, credentials in
the URL and no auth, closed, or an httpx whose internals :mod:`.httpx_internals` cannot reach) goes through
``Client.send`` exactly as before. ``MockTransport`` tests and HAR replay are transports, so they
take this path too.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

from . import httpx_internals

#: httpx's own logger: ``Client.send`` logs every answered request there at INFO.
_LOGGER = logging.getLogger("httpx")


def _direct(
    client: httpx.Client | httpx.AsyncClient, request: httpx.Request, auth: httpx.Auth | None
) -> bool:
    """Whether ``client.send`` would do nothing here that :func:`send_async`/:func:`send` leave out."""
    if client.is_closed or client.follow_redirects or not httpx_internals.has_transport_for_url(client):
        return False
    hooks = client.event_hooks
    if hooks["request"] or hooks["response"]:
        return False
    # With no auth at all, httpx would make a BasicAuth of credentials in the URL.
    return not (auth is None and client.auth is None and request.url.userinfo)


def _set_timeout(client: httpx.Client | httpx.AsyncClient, request: httpx.Request) -> None:
    if "timeout" not in request.extensions:
        request.extensions = {**request.extensions, "timeout": client.timeout.as_dict()}


def _answered(
    client: httpx.Client | httpx.AsyncClient, request: httpx.Request, response: httpx.Response
) -> None:
    response.request = request
    if "set-cookie" in response.headers:
        client.cookies.extract_cookies(response)
    if _LOGGER.isEnabledFor(logging.INFO):
        _LOGGER.info(
            'HTTP Request: %s %s "%s %d %s"',
            request.method,
            request.url,
            response.http_version,
            response.status_code,
            response.reason_phrase,
        )


async def send_async(
    client: httpx.AsyncClient, request: httpx.Request, auth: httpx.Auth | None = None
) -> httpx.Response:
    """``await client.send(request, auth=auth, stream=True)``, less the machinery runs do not use."""
    if not _direct(client, request, auth):
        if auth is None:
            return await client.send(request, stream=True)
        return await client.send(request, auth=auth, stream=True)
    _set_timeout(client, request)
    auth = auth if auth is not None else client.auth
    if auth is None:
        return await _send_single_async(client, request)
    flow = auth.async_auth_flow(request)
    try:
        request = await flow.__anext__()
        while True:
            response = await _send_single_async(client, request)
            try:
                try:
                    next_request = await flow.asend(response)
                except StopAsyncIteration:
                    return response
                await response.aread()  # an answer the auth flow replied to (a challenge): done with it
            except BaseException:
                await response.aclose()
                raise
            request = next_request
    finally:
        await flow.aclose()


async def _send_single_async(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    transport: Any = httpx_internals.transport_for_url(client, request.url)
    try:
        response: httpx.Response = await transport.handle_async_request(request)
    except httpx.RequestError as exc:
        exc.request = request
        raise
    _answered(client, request, response)
    return response


def send(client: httpx.Client, request: httpx.Request, auth: httpx.Auth | None = None) -> httpx.Response:
    """The sync twin of :func:`send_async`: ``client.send(request, auth=auth, stream=True)``."""
    if not _direct(client, request, auth):
        if auth is None:
            return client.send(request, stream=True)
        return client.send(request, auth=auth, stream=True)
    _set_timeout(client, request)
    auth = auth if auth is not None else client.auth
    if auth is None:
        return _send_single(client, request)
    flow = auth.sync_auth_flow(request)
    try:
        request = next(flow)
        while True:
            response = _send_single(client, request)
            try:
                try:
                    next_request = flow.send(response)
                except StopIteration:
                    return response
                response.read()
            except BaseException:
                response.close()
                raise
            request = next_request
    finally:
        flow.close()


def _send_single(client: httpx.Client, request: httpx.Request) -> httpx.Response:
    transport: Any = httpx_internals.transport_for_url(client, request.url)
    try:
        response: httpx.Response = transport.handle_request(request)
    except httpx.RequestError as exc:
        exc.request = request
        raise
    _answered(client, request, response)
    return response
