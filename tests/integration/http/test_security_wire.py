"""Security schemes on the wire against the echo server (and its /oauth/token endpoint) on 127.0.0.1."""

from __future__ import annotations

import base64

import httpx
import pytest

from arazzo_runner.http import (
    CredentialsError,
    SecurityEnvironment,
    StepParameter,
    build_request,
    endpoint_for,
    send_with_retries,
)
from tests.unit.http.sources import DATA, openapi_source, operation


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def source():
    return openapi_source(DATA / "security.yaml", name="shop")


def call(source, server, env, operation_id, parameters=()):
    op = operation(source, operation_id)
    endpoint = endpoint_for(source, op, security=env, server_override=server.url + "/v1")
    request = build_request(source, op, list(parameters), base_url=endpoint.base_url)
    with httpx.Client() as client:
        result = send_with_retries(client, request, policy=endpoint.retry_policy, auth=endpoint.auth)
    return result


def headers_of(record) -> dict[str, str]:
    return {k.lower(): v for k, v in record["headers"]}


def test_oauth2_client_credentials_token_fetched_once_then_refreshed(scripted, source) -> None:
    scripted.oauth.oauth_clients["shop-client"] = "shop-secret"
    scripted.oauth.oauth_expires_in = 120
    scripted.oauth.tokens_issued = 0
    clock = Clock()
    env = SecurityEnvironment(
        environ={"ARAZZO_OAUTH_CLIENT_ID": "shop-client", "ARAZZO_SHOP_OAUTH_CLIENT_SECRET": "shop-secret"},
        clock=clock,
    )
    for _ in range(3):
        call(source, scripted, env, "oauthClientCredentials")
    clock.now = 115  # within the refresh margin (min(30, 12) = 12 s before expiry)
    call(source, scripted, env, "oauthClientCredentials")
    targets = [r["target"] for r in scripted.received]
    assert targets == ["/oauth/token", "/v1/oauth", "/v1/oauth", "/v1/oauth", "/oauth/token", "/v1/oauth"]
    api = [headers_of(r)["authorization"] for r in scripted.received if r["target"] == "/v1/oauth"]
    assert api == ["Bearer token-1"] * 3 + ["Bearer token-2"]
    token_request = scripted.received[0]
    assert base64.b64decode(token_request["body"]) == b"grant_type=client_credentials&scope=read+write"


def test_oauth2_wrong_client_secret_is_a_clear_error(scripted, source) -> None:
    scripted.oauth.oauth_clients["shop-client"] = "shop-secret"
    env = SecurityEnvironment(
        {"oauth": {"clientId": "shop-client", "clientSecret": "wrong-secret-x"}}, environ={}
    )
    with pytest.raises(CredentialsError) as caught:
        call(source, scripted, env, "oauthClientCredentials")
    message = str(caught.value)
    assert "invalid_client" in message and "'oauth'" in message and "/oauth/token" in message
    assert "wrong-secret-x" not in message
    assert [r["target"] for r in scripted.received] == ["/oauth/token"]


def test_api_keys_in_header_query_and_cookie_arrive(scripted, source) -> None:
    env = SecurityEnvironment(
        {"headerKey": {"apiKey": "hk"}, "queryKey": {"apiKey": "q k/1"}, "cookieKey": {"apiKey": "ck"}},
        environ={},
    )
    call(source, scripted, env, "usesDocumentSecurity")
    call(source, scripted, env, "queryKey", [StepParameter("q", "query", "a b")])
    call(source, scripted, env, "cookieKey")
    header, query, cookie = scripted.received
    assert headers_of(header)["x-api-token"] == "hk"
    assert query["target"] == "/v1/query?q=a%20b&sig=q%20k%2F1"
    assert headers_of(cookie)["cookie"] == "session_id=ck"


def test_basic_auth_arrives(scripted, source) -> None:
    env = SecurityEnvironment({"basic": {"username": "ann", "password": "p:w"}}, environ={})
    call(source, scripted, env, "bearerOrBasic")
    (record,) = scripted.received
    assert headers_of(record)["authorization"] == "Basic " + base64.b64encode(b"ann:p:w").decode()
