"""Issue 16 point 11: shared work done once across concurrent runs, on the wire (127.0.0.1)."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from arazzo_runner.http import (
    SecurityEnvironment,
    build_request,
    endpoint_for,
    send_with_retries,
    send_with_retries_async,
)
from tests.unit.http.sources import DATA, openapi_source, operation

ENVIRON = {"ARAZZO_OAUTH_CLIENT_ID": "shop-client", "ARAZZO_SHOP_OAUTH_CLIENT_SECRET": "shop-secret"}


@pytest.fixture(scope="module")
def source():
    return openapi_source(DATA / "security.yaml", name="shop")


def prepared(source, scripted, env):
    op = operation(source, "oauthClientCredentials")
    endpoint = endpoint_for(source, op, security=env, server_override=scripted.url + "/v1")
    return endpoint, (lambda: build_request(source, op, [], base_url=endpoint.base_url))


def test_oauth2_token_is_fetched_once_by_concurrent_async_runs(scripted, source) -> None:
    scripted.oauth.oauth_clients["shop-client"] = "shop-secret"
    scripted.oauth.tokens_issued = 0
    env = SecurityEnvironment(environ=ENVIRON)
    endpoint, request = prepared(source, scripted, env)

    async def runs() -> list[int]:
        async with httpx.AsyncClient() as client:
            sent = await asyncio.gather(
                *(
                    send_with_retries_async(
                        client, request(), policy=endpoint.retry_policy, auth=endpoint.auth
                    )
                    for _ in range(8)
                )
            )
        return [s.response.status_code for s in sent]

    assert asyncio.run(runs()) == [200] * 8
    targets = [r["target"] for r in scripted.received]
    assert targets.count("/oauth/token") == 1, targets
    assert targets.count("/v1/oauth") == 8


def test_oauth2_token_is_fetched_once_by_concurrent_threads(scripted, source) -> None:
    scripted.oauth.oauth_clients["shop-client"] = "shop-secret"
    scripted.oauth.tokens_issued = 0
    env = SecurityEnvironment(environ=ENVIRON)
    endpoint, request = prepared(source, scripted, env)
    start = threading.Barrier(6)
    codes: list[int] = []

    def run() -> None:
        with httpx.Client() as client:
            start.wait()
            sent = send_with_retries(client, request(), policy=endpoint.retry_policy, auth=endpoint.auth)
            codes.append(sent.response.status_code)

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert codes == [200] * 6
    assert [r["target"] for r in scripted.received].count("/oauth/token") == 1
