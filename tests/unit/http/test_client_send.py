"""``http.client_send``: the short send path does what ``Client.send`` does for the requests runs make.

Each test runs on the sync and the asyncio client, over ``httpx.MockTransport`` (the transport seam the
short path keeps), and checks one thing ``Client.send`` does: auth flows (a Digest challenge
answered), cookies, the client's timeout and auth, mounts, errors carrying their request, and the
clients the short path hands back to ``Client.send`` (event hooks, redirects, credentials in the URL).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from arazzo_runner.http import client_send

Handler = Callable[[httpx.Request], httpx.Response]


def _send(
    kind: str, handler: Handler, request: httpx.Request, flow: httpx.Auth | None = None, **options: Any
):
    """(answer with its body read, the client after the send) on a ``kind`` client."""
    if kind == "sync":
        client = httpx.Client(transport=httpx.MockTransport(handler), **options)
        with client:
            response = client_send.send(client, request, flow)
            response.read()
            response.close()
        return response, client

    async def go() -> tuple[httpx.Response, httpx.AsyncClient]:
        client = httpx.AsyncClient(transport=httpx.MockTransport(handler), **options)
        async with client:
            response = await client_send.send_async(client, request, flow)
            await response.aread()
            await response.aclose()
        return response, client

    return asyncio.run(go())


KINDS = pytest.mark.parametrize("kind", ["sync", "async"])


@KINDS
def test_a_digest_challenge_is_answered_through_the_auth_flow(kind: str) -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        if "authorization" not in request.headers:
            challenge = 'Digest realm="r", nonce="abc", qop="auth", algorithm=MD5'
            return httpx.Response(401, headers={"WWW-Authenticate": challenge})
        return httpx.Response(200, text="in")

    request = httpx.Request("GET", "http://api.test/secret")
    response, _ = _send(kind, handler, request, httpx.DigestAuth("user", "pass"))
    assert response.status_code == 200 and response.text == "in"
    assert seen[0] is None and seen[1] is not None and seen[1].startswith('Digest username="user"')
    assert response.request.headers["authorization"] == seen[1]


@KINDS
def test_the_clients_auth_applies_when_none_is_given(kind: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text=request.headers.get("authorization", ""))

    response, _ = _send(kind, handler, httpx.Request("GET", "http://api.test/"), None, auth=("u", "p"))
    assert response.text.startswith("Basic ")


@KINDS
def test_set_cookie_answers_still_fill_the_clients_jar_and_others_leave_it_alone(kind: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/login":
            return httpx.Response(200, headers={"Set-Cookie": "session=s1; Path=/"})
        return httpx.Response(200)

    _, client = _send(kind, handler, httpx.Request("GET", "http://api.test/login"))
    assert client.cookies.get("session") == "s1"
    _, client = _send(kind, handler, httpx.Request("GET", "http://api.test/other"))
    assert not list(client.cookies.jar)


@KINDS
def test_the_clients_timeout_is_set_on_a_request_without_one_and_a_requests_own_is_kept(kind: str) -> None:
    timeouts: list[dict[str, Any]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"])
        return httpx.Response(200)

    _send(kind, handler, httpx.Request("GET", "http://api.test/"), timeout=httpx.Timeout(7.0, connect=2.0))
    own = httpx.Request("GET", "http://api.test/", extensions={"timeout": httpx.Timeout(1.0).as_dict()})
    _send(kind, handler, own, timeout=httpx.Timeout(7.0))
    assert timeouts[0] == {"connect": 2.0, "read": 7.0, "write": 7.0, "pool": 7.0}
    assert timeouts[1] == {"connect": 1.0, "read": 1.0, "write": 1.0, "pool": 1.0}


@KINDS
def test_a_mounted_transport_serves_its_host(kind: str) -> None:
    mounted = httpx.MockTransport(lambda request: httpx.Response(200, text="mounted"))
    response, _ = _send(
        kind,
        lambda request: httpx.Response(200, text="default"),
        httpx.Request("GET", "https://tls.test/"),
        mounts={"https://tls.test": mounted},
    )
    assert response.text == "mounted"


@KINDS
def test_a_transport_error_carries_its_request(kind: str) -> None:
    request = httpx.Request("GET", "http://api.test/")

    def handler(_: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")  # no request attached, as a transport raises it

    with pytest.raises(httpx.ConnectError) as caught:
        _send(kind, handler, request)
    assert caught.value.request is request


@KINDS
def test_event_hooks_redirects_and_url_credentials_go_through_client_send(kind: str) -> None:
    hooked: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(302, headers={"Location": "/new"})
        return httpx.Response(200, text=request.headers.get("authorization", "none"))

    def hook(request: httpx.Request) -> None:
        hooked.append(request.url.path)

    async def async_hook(request: httpx.Request) -> None:
        hook(request)

    hooks = {"request": [hook if kind == "sync" else async_hook]}
    _send(kind, handler, httpx.Request("GET", "http://api.test/x"), event_hooks=hooks)
    assert hooked == ["/x"]
    response, _ = _send(kind, handler, httpx.Request("GET", "http://api.test/old"), follow_redirects=True)
    assert response.request.url.path == "/new"
    response, _ = _send(kind, handler, httpx.Request("GET", "http://u:p@api.test/"))
    assert response.text.startswith("Basic ")


@KINDS
def test_the_request_line_still_goes_to_httpxs_logger(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="httpx"):
        _send(kind, lambda request: httpx.Response(204), httpx.Request("DELETE", "http://api.test/jobs/1"))
    assert [r.getMessage() for r in caplog.records if r.name == "httpx"] == [
        'HTTP Request: DELETE http://api.test/jobs/1 "HTTP/1.1 204 No Content"'
    ]
