"""No credential appears in reprs, errors, redacted headers / URLs or validation messages (issue 5)."""

from __future__ import annotations

import httpx
import pytest

from arazzo_runner.http import (
    CredentialsError,
    SecurityEnvironment,
    auth_from_x_security,
    endpoint_for,
    redacted_headers,
    redacted_url,
    resolve_security,
    validate_request,
)
from tests.unit.http.sources import DATA, openapi_source, operation

SECRETS = {
    "headerKey": {"apiKey": "SECRET-header-key-1"},
    "queryKey": {"apiKey": "SECRET-query-key-2"},
    "cookieKey": {"apiKey": "SECRET-cookie-key-3"},
    "bearer": {"token": "SECRET-bearer-4"},
    "basic": {"username": "SECRET-user-5", "password": "SECRET-pass-6"},
    "oauth": {"clientId": "SECRET-client-7", "clientSecret": "SECRET-client-secret-8"},
    "oidc": {"accessToken": "SECRET-oidc-10"},
    "implicit": {"accessToken": "SECRET-implicit-11"},
}
ALL = [v for values in SECRETS.values() for v in values.values()] + ["SECRET-token-9"]


@pytest.fixture(scope="module")
def source():
    return openapi_source(DATA / "security.yaml", name="api")


def assert_clean(text: str) -> None:
    leaked = [s for s in ALL if s in text]
    assert not leaked, f"secrets leaked: {leaked} in {text!r}"


def test_secrets_stay_out_of_everything_shown(source) -> None:
    env = SecurityEnvironment(SECRETS, environ={})
    shown: list[str] = [repr(env)]
    wire: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            return httpx.Response(200, json={"access_token": "SECRET-token-9", "expires_in": 60})
        return httpx.Response(200, json={})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        for op in source.operations():
            endpoint = endpoint_for(source, op, security=env)
            shown += [repr(endpoint), repr(endpoint.auth)]
            names = endpoint.secret_names
            url = endpoint.base_url + op.path + "?q=1"
            request = client.build_request("GET", url, headers={"Cookie": "a=b"})
            response = client.send(request, auth=endpoint.auth)
            sent = response.request
            wire.append(str(sent.url) + str(sent.headers.raw))
            shown.append(str(redacted_headers(sent.headers, extra=names.headers)))
            shown.append(redacted_url(sent.url, extra=names.query))
            shown += [str(v) for v in validate_request(source, op, sent)]
            shown.append(repr(resolve_security(source, op, base_url=endpoint.base_url, security=env)))
    shown.append(repr(env.tokens))
    assert_clean("\n".join(shown))
    # and they did go out on the wire (the test would be vacuous otherwise)
    on_wire = "\n".join(wire)
    for secret in ("SECRET-header-key-1", "SECRET-query-key-2", "SECRET-cookie-key-3", "SECRET-oidc-10"):
        assert secret in on_wire


def test_token_endpoint_errors_and_x_security_reprs_are_clean(source) -> None:
    env = SecurityEnvironment(SECRETS, environ={})
    op = operation(source, "oauthClientCredentials")
    endpoint = endpoint_for(source, op, security=env)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"error": "invalid_client"})

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        pytest.raises(CredentialsError) as caught,
    ):
        client.get(endpoint.base_url + "/oauth", auth=endpoint.auth)
    auth = auth_from_x_security(
        [{"schemeName": name, "values": values} for name, values in SECRETS.items()],
        source,
        base_url=endpoint.base_url,
        tokens=env.tokens,
    )
    assert_clean(str(caught.value) + repr(caught.value) + repr(auth))


def test_redacted_url_hides_api_key_query_parameters() -> None:
    url = "https://h/x?sig=SECRET-query-key-2&q=1&X-Amz-Signature=abc&api_key=k"
    shown = redacted_url(url, extra={"sig"})
    assert shown == "https://h/x?sig=[redacted]&q=1&X-Amz-Signature=[redacted]&api_key=[redacted]"
