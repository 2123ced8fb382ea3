"""Redocly's x-security, reproducing Respect's e2e cases (redocly-respect/tests/e2e/respect/x-security-*)."""

from __future__ import annotations

import base64

import httpx
import pytest

from arazzo_runner.http import SecurityEnvironment, XSecurityError, auth_from_x_security, endpoint_for
from tests.unit.http.sources import DATA, openapi_source, operation

BASE = "https://api.example.test/v1"


@pytest.fixture(scope="module")
def source():
    return openapi_source(DATA / "security.yaml", name="cafe-api")


def sent(auth, headers=None) -> httpx.Request:
    seen: list[httpx.Request] = []
    with httpx.Client(
        transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200))
    ) as client:
        client.send(client.build_request("GET", BASE + "/menu", headers=headers), auth=auth)
    return seen[0]


def test_apply_order_last_wins_and_cookies_accumulate(source) -> None:
    """x-security-scheme-apply-order: workflow entries, then the step's; the snapshot's final headers."""
    workflow = [
        {"scheme": {"type": "http", "scheme": "bearer"}, "values": {"token": "workflow-bearer-token"}},
        {
            "scheme": {"type": "apiKey", "in": "cookie", "name": "X-API-KEY-WORKFLOW"},
            "values": {"apiKey": "workflow-api-key-auth"},
        },
        {
            "scheme": {"type": "apiKey", "in": "header", "name": "X-API-KEY"},
            "values": {"apiKey": "overridden"},
        },
    ]
    step = [
        {"schemeName": "bearer", "values": {"token": "will-be-overridden"}},
        {
            "scheme": {
                "type": "oauth2",
                "flows": {"password": {"tokenUrl": "https://example.com/token", "scopes": {}}},
            },
            "values": {"accessToken": "will-be-overridden", "clientId": "some-password"},
        },
        {
            "scheme": {"type": "apiKey", "in": "header", "name": "X-API-KEY"},
            "values": {"apiKey": "api-key-final"},
        },
        {
            "scheme": {"type": "apiKey", "in": "cookie", "name": "X-API-KEY"},
            "values": {"apiKey": "cookie-final"},
        },
        {
            "scheme": {"type": "http", "scheme": "basic"},
            "values": {"username": "basic-final", "password": "pw"},
        },
    ]
    env = SecurityEnvironment(environ={})
    auth = auth_from_x_security(workflow + step, source, base_url=BASE, tokens=env.tokens)
    request = sent(auth, headers={"Authorization": "step-authorization-header"})
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"basic-final:pw").decode()
    assert request.headers["x-api-key"] == "api-key-final"
    assert request.headers["cookie"] == "X-API-KEY-WORKFLOW=workflow-api-key-auth; X-API-KEY=cookie-final"


def test_scheme_name_resolves_in_the_source_and_oauth2_access_token_is_bearer(source) -> None:
    auth = auth_from_x_security(
        [{"schemeName": "oauth", "values": {"accessToken": "secret-token"}}],
        source,
        base_url=BASE,
        tokens=SecurityEnvironment().tokens,
    )
    assert sent(auth).headers["authorization"] == "Bearer secret-token"


def test_api_key_keeps_an_unrelated_authorization_parameter(source) -> None:
    """x-security-api-key-auth: Authorization: Basic Og== stays, X-API-KEY is added."""
    auth = auth_from_x_security(
        [
            {
                "scheme": {"type": "apiKey", "name": "X-API-KEY", "in": "header"},
                "values": {"apiKey": "some-api-key"},
            }
        ],
        source,
        base_url=BASE,
        tokens=SecurityEnvironment().tokens,
    )
    request = sent(auth, headers={"Authorization": "Basic Og=="})
    assert request.headers["authorization"] == "Basic Og=="
    assert request.headers["x-api-key"] == "some-api-key"


def test_open_id_connect_access_token(source) -> None:
    auth = auth_from_x_security(
        [
            {
                "scheme": {"type": "openIdConnect", "openIdConnectUrl": "https://e/x"},
                "values": {"accessToken": "oidc"},
            }
        ],
        source,
        base_url=BASE,
        tokens=SecurityEnvironment().tokens,
    )
    assert sent(auth).headers["authorization"] == "Bearer oidc"


def test_errors_name_the_entry_and_what_is_missing(source) -> None:
    tokens = SecurityEnvironment().tokens
    with pytest.raises(XSecurityError, match=r"no security scheme 'OAuth2' \(it has: .*bearer"):
        auth_from_x_security([{"schemeName": "OAuth2", "values": {}}], source, base_url=BASE, tokens=tokens)
    with pytest.raises(XSecurityError, match=r"x-security\[0\].*needs username and password in 'values'"):
        auth_from_x_security(
            [{"scheme": {"type": "http", "scheme": "basic"}, "values": {"username": "u-only"}}],
            source,
            base_url=BASE,
            tokens=tokens,
        )


def test_endpoint_for_prefers_x_security_over_the_operation_security(source) -> None:
    env = SecurityEnvironment(environ={"ARAZZO_HEADERKEY_API_KEY": "from-env"})
    endpoint = endpoint_for(
        source,
        operation(source, "usesDocumentSecurity"),
        security=env,
        x_security=[{"schemeName": "bearer", "values": {"token": "xs"}}],
    )
    request = sent(endpoint.auth)
    assert request.headers["authorization"] == "Bearer xs"
    assert "x-api-token" not in request.headers
