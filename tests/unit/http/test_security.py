"""OpenAPI security schemes → httpx.Auth: which requirement applies, where values come from, what is sent."""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
import pytest

from arazzo_runner.http import (
    ChainAuth,
    CredentialsError,
    SecurityEnvironment,
    SecurityUnsatisfied,
    auth_for_operation,
    endpoint_for,
    security_requirements,
)
from arazzo_runner.http.security import env_names, secret_names
from tests.unit.http.sources import DATA, openapi_source, operation

BASE = "https://api.example.test/v1"


@pytest.fixture(scope="module")
def source():
    return openapi_source(DATA / "security.yaml", name="pets-api")


def send(auth: httpx.Auth | None, url: str = BASE + "/x", *, answers=None) -> list[httpx.Request]:
    """Send one GET through ``auth`` on a MockTransport; return every request that went out."""
    seen: list[httpx.Request] = []
    answers = list(answers or [])

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if answers:
            return answers.pop(0)(request)
        return httpx.Response(200, json={})

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        client.get(url, auth=auth)
    return seen


def auth_of(source, operation_id, **credentials):
    env = SecurityEnvironment(credentials, environ={})
    return auth_for_operation(source, operation(source, operation_id), base_url=BASE, security=env)


# -- which requirements apply ------------------------------------------------------------------


def test_operation_security_overrides_the_document_and_empty_list_means_none(source) -> None:
    assert security_requirements(source, operation(source, "usesDocumentSecurity")) == [{"headerKey": []}]
    assert security_requirements(source, operation(source, "queryKey")) == [{"queryKey": []}]
    assert security_requirements(source, operation(source, "noSecurity")) == []
    assert auth_of(source, "noSecurity") is None


def test_first_satisfiable_alternative_is_used(source) -> None:
    auth = auth_of(source, "bearerOrBasic", basic={"username": "ann", "password": "pw"})
    (request,) = send(auth)
    assert request.headers["authorization"] == "Basic " + base64.b64encode(b"ann:pw").decode()
    auth = auth_of(source, "bearerOrBasic", bearer={"token": "t1"}, basic={"username": "a", "password": "b"})
    assert send(auth)[0].headers["authorization"] == "Bearer t1"


def test_empty_requirement_allows_anonymous(source) -> None:
    assert auth_of(source, "optionalAuth") is None
    assert (
        send(auth_of(source, "optionalAuth", bearer={"token": "t"}))[0].headers["authorization"] == "Bearer t"
    )


def test_a_requirement_with_two_schemes_applies_both(source) -> None:
    auth = auth_of(source, "keyAndBearer", headerKey={"apiKey": "k1"}, bearer={"token": "t1"})
    assert isinstance(auth, ChainAuth)
    (request,) = send(auth)
    assert request.headers["x-api-token"] == "k1"
    assert request.headers["authorization"] == "Bearer t1"


# -- what is sent -------------------------------------------------------------------------------


def test_api_key_in_query_is_percent_encoded_and_keeps_the_rest_of_the_query(source) -> None:
    auth = auth_of(source, "queryKey", queryKey={"apiKey": "a&b=c d"})
    (request,) = send(auth, BASE + "/query?q=x%20y&sig=old")
    assert request.url.query == b"q=x%20y&sig=a%26b%3Dc%20d"


def test_api_key_in_cookie_joins_existing_cookies(source) -> None:
    auth = auth_of(source, "cookieKey", cookieKey={"apiKey": "s3"})
    seen: list[httpx.Request] = []
    with httpx.Client(
        transport=httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(200))
    ) as client:
        client.send(client.build_request("GET", BASE + "/cookie", headers={"Cookie": "a=1"}), auth=auth)
    assert seen[0].headers["cookie"] == "a=1; session_id=s3"


def test_openid_connect_and_oauth2_access_tokens_are_bearer_tokens(source) -> None:
    assert send(auth_of(source, "openIdConnect", oidc={"accessToken": "o1"}))[0].headers["authorization"] == (
        "Bearer o1"
    )
    assert send(auth_of(source, "oauthImplicit", implicit={"accessToken": "i1"}))[0].headers[
        "authorization"
    ] == ("Bearer i1")


def test_credentials_never_go_to_another_origin(source) -> None:
    auth = auth_of(source, "keyAndBearer", headerKey={"apiKey": "k1"}, bearer={"token": "t1"})
    for url in ("https://evil.test/v1/x", "http://api.example.test/v1/x", "https://api.example.test:8443/x"):
        (request,) = send(auth, url)
        assert "authorization" not in request.headers
        assert "x-api-token" not in request.headers


# -- where values come from ---------------------------------------------------------------------


def test_environment_variable_names() -> None:
    assert env_names("pets-api", "petstore_auth", "apiKey") == [
        "ARAZZO_PETS_API_PETSTORE_AUTH_API_KEY",
        "ARAZZO_PETSTORE_AUTH_API_KEY",
    ]
    assert env_names(None, "OAuth2", "clientSecret") == ["ARAZZO_OAUTH2_CLIENT_SECRET"]


def test_explicit_credentials_win_over_environment_and_source_specific_over_generic(source) -> None:
    environ = {"ARAZZO_BEARER_TOKEN": "from-env", "ARAZZO_PETS_API_HEADERKEY_API_KEY": "env-specific"}
    env = SecurityEnvironment(
        {"pets-api.bearer": {"token": "specific"}, "bearer": {"token": "generic"}}, environ=environ
    )
    assert env.values_for("pets-api", "bearer")["token"] == "specific"
    assert env.values_for("other", "bearer")["token"] == "generic"
    assert env.values_for("pets-api", "headerKey")["apiKey"] == "env-specific"
    assert SecurityEnvironment(environ=environ).values_for("x", "bearer")["token"] == "from-env"


def test_unsatisfiable_security_names_schemes_and_what_to_set(source) -> None:
    env = SecurityEnvironment({"bearer": {"token": ""}, "basic": {"username": "user-zq7"}}, environ={})
    with pytest.raises(SecurityUnsatisfied) as caught:
        auth_for_operation(source, operation(source, "bearerOrBasic"), base_url=BASE, security=env)
    message = str(caught.value)
    assert "'bearer'" in message and "'basic'" in message
    assert "ARAZZO_BEARER_TOKEN" in message and "ARAZZO_BASIC_PASSWORD" in message
    assert 'credentials["basic"]["password"]' in message
    assert "user-zq7" not in message
    assert isinstance(caught.value, CredentialsError)


def test_skip_mode_sends_without_auth_and_says_why(source) -> None:
    env = SecurityEnvironment(environ={}, missing="skip")
    endpoint = endpoint_for(source, operation(source, "usesDocumentSecurity"), security=env)
    assert endpoint.auth is None
    assert "ARAZZO_HEADERKEY_API_KEY" in (endpoint.auth_problem or "")


def test_endpoint_without_security_environment_applies_no_scheme(source) -> None:
    assert endpoint_for(source, operation(source, "usesDocumentSecurity")).auth is None


def test_endpoint_with_security_environment_applies_the_scheme(source) -> None:
    env = SecurityEnvironment(environ={"ARAZZO_HEADERKEY_API_KEY": "k9"})
    endpoint = endpoint_for(source, operation(source, "usesDocumentSecurity"), security=env)
    assert send(endpoint.auth, endpoint.base_url + "/default")[0].headers["x-api-token"] == "k9"
    assert endpoint.secret_names.headers == {"x-api-token"}


def test_secret_names_come_from_api_key_schemes(source) -> None:
    names = secret_names(source)
    assert names.headers == {"x-api-token"} and names.query == {"sig"} and names.cookies == {"session_id"}


# -- oauth2 client credentials (MockTransport token endpoint; the wire test uses the echo server) --


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def token_server(expires_in: int | None = 100):
    state = {"issued": 0, "api": []}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            state["issued"] += 1
            body = {"access_token": f"tok{state['issued']}", "token_type": "Bearer"}
            if expires_in is not None:
                body["expires_in"] = expires_in
            state["last_token_request"] = request
            return httpx.Response(200, json=body)
        state["api"].append(request.headers.get("authorization"))
        if request.headers.get("authorization") == state.get("revoked"):
            return httpx.Response(401)
        return httpx.Response(200, json={})

    return state, handler


def oauth_auth(source, clock, **extra):
    env = SecurityEnvironment(
        {"oauth": {"clientId": "cid", "clientSecret": "csecret", **extra}}, environ={}, clock=clock
    )
    return env, auth_for_operation(
        source, operation(source, "oauthClientCredentials"), base_url=BASE, security=env
    )


def test_oauth2_token_is_fetched_once_cached_and_refreshed_before_expiry(source) -> None:
    clock = Clock()
    env, auth = oauth_auth(source, clock)
    state, handler = token_server(expires_in=100)
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        client.get(BASE + "/oauth", auth=auth)
        client.get(BASE + "/oauth", auth=auth)
        clock.now += 89  # 11 s left: more than the margin (min(30, 100/10) = 10 s)
        client.get(BASE + "/oauth", auth=auth)
        clock.now += 2  # 9 s left: refreshed before it expires
        client.get(BASE + "/oauth", auth=auth)
    assert state["api"] == ["Bearer tok1", "Bearer tok1", "Bearer tok1", "Bearer tok2"]
    assert env.tokens.fetches == 2
    token_request = state["last_token_request"]
    assert str(token_request.url) == "https://api.example.test/oauth/token"
    assert token_request.headers["authorization"] == "Basic " + base64.b64encode(b"cid:csecret").decode()
    assert token_request.content == b"grant_type=client_credentials&scope=read+write"


def test_oauth2_token_is_shared_by_endpoints_of_one_run(source) -> None:
    clock = Clock()
    env = SecurityEnvironment({"oauth": {"clientId": "cid", "clientSecret": "cs"}}, environ={}, clock=clock)
    state, handler = token_server()
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        for _ in range(3):
            endpoint = endpoint_for(source, operation(source, "oauthClientCredentials"), security=env)
            client.get(endpoint.base_url + "/oauth", auth=endpoint.auth)
    assert state["issued"] == 1


def test_oauth2_refetches_once_after_a_401_with_a_cached_token(source) -> None:
    _env, auth = oauth_auth(source, Clock())
    state, handler = token_server(expires_in=None)
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        client.get(BASE + "/oauth", auth=auth)
        state["revoked"] = "Bearer tok1"
        response = client.get(BASE + "/oauth", auth=auth)
    assert response.status_code == 200
    assert state["api"] == ["Bearer tok1", "Bearer tok1", "Bearer tok2"]


def test_oauth2_token_errors_are_credentials_errors_without_secrets(source) -> None:
    _env, auth = oauth_auth(source, Clock())

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid_client", "error_description": "bad client"})

    with (
        httpx.Client(transport=httpx.MockTransport(handler)) as client,
        pytest.raises(CredentialsError) as caught,
    ):
        client.get(BASE + "/oauth", auth=auth)
    message = str(caught.value)
    assert "'oauth'" in message and "invalid_client" in message and "HTTP 401" in message
    assert "csecret" not in message and "cid" not in message


def test_oauth2_works_under_the_async_client_inside_a_chain(source) -> None:
    clock = Clock()
    env = SecurityEnvironment(
        {"oauth": {"clientId": "cid", "clientSecret": "cs"}, "headerKey": {"apiKey": "k"}},
        environ={},
        clock=clock,
    )
    from arazzo_runner.http.security import resolve_security

    oauth = resolve_security(
        source, operation(source, "oauthClientCredentials"), base_url=BASE, security=env
    ).auth
    key = resolve_security(
        source, operation(source, "usesDocumentSecurity"), base_url=BASE, security=env
    ).auth
    state, handler = token_server()

    async def run() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            await client.get(BASE + "/oauth", auth=ChainAuth([key, oauth]))

    asyncio.run(run())
    assert state["api"] == ["Bearer tok1"]
    # the token request went out untouched by the apiKey auth
    assert "x-api-token" not in state["last_token_request"].headers


def test_client_secret_post(source) -> None:
    env = SecurityEnvironment(
        {"oauth": {"clientId": "cid", "clientSecret": "cs", "scopes": "read"}},
        environ={},
        oauth2_client_auth="body",
    )
    auth = auth_for_operation(
        source, operation(source, "oauthClientCredentials"), base_url=BASE, security=env
    )
    state, handler = token_server()
    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        client.get(BASE + "/oauth", auth=auth)
    token_request = state["last_token_request"]
    assert "authorization" not in token_request.headers
    assert token_request.content == b"grant_type=client_credentials&scope=read&client_id=cid&client_secret=cs"
    assert json.loads(b"{}") == {}
