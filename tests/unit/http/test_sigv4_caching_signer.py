"""The caching SigV4 signer signs byte-for-byte as botocore's own ``SigV4Auth`` does.

The signer caches the derived key and hashes our body bytes directly, and our ``SigV4Auth`` hands it
a light ``SigningRequest`` instead of botocore's ``AWSRequest`` (see ``http/sigv4.py``); these
property tests sign random requests both ways and compare every header botocore sets.
"""

from __future__ import annotations

import datetime

import botocore.auth
import botocore.session
import httpx
import pytest
from botocore.auth import SigV4Auth as BotocoreSigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from arazzo_runner.http import AwsEnvironment, SigV4Auth
from arazzo_runner.http.sigv4 import SigningHeaders, SigningRequest, caching_signer_class

token_chars = st.characters(min_codepoint=0x21, max_codepoint=0x7E)
header_names = st.sampled_from(
    [
        "X-Amz-Target",
        "Content-Type",
        "X-Custom",
        "x-amz-meta-a",
        "Accept",
        "Host",
        "User-Agent",
        "Expect",
        "Date",
    ]
)
header_values = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20)


@st.composite
def signed_cases(draw: st.DrawFn) -> tuple:
    scheme = draw(st.sampled_from(["http", "https"]))
    host = draw(st.sampled_from(["127.0.0.1:8080", "api.sagemaker.eu-west-1.amazonaws.com", "h"]))
    path = "/" + "/".join(draw(st.lists(st.text(token_chars, min_size=1, max_size=6), max_size=3)))
    query = draw(st.sampled_from(["", "?a=1", "?b=2&a=%20x", "?z&y=1"]))
    headers = draw(st.dictionaries(header_names, header_values, max_size=4))
    body = draw(st.one_of(st.just(b""), st.binary(max_size=64)))
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE"]))
    region = draw(st.sampled_from(["us-east-1", "eu-west-1", "ap-south-2"]))
    service = draw(st.sampled_from(["sagemaker", "sqs", "execute-api"]))
    secret = draw(st.text(token_chars, min_size=1, max_size=40))
    token = draw(st.one_of(st.none(), st.text(token_chars, min_size=1, max_size=20)))
    when = draw(
        st.datetimes(min_value=datetime.datetime(2020, 1, 1), max_value=datetime.datetime(2030, 1, 1))
    )
    return f"{scheme}://{host}{path}{query}", method, headers, body, region, service, secret, token, when


def _sign(signer_class: type, case: tuple, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    url, method, headers, body, region, service, secret, token, when = case
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: when)
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
    signer_class(Credentials("AKIDEXAMPLE", secret, token), service, region).add_auth(request)
    return dict(request.headers.items())


@settings(max_examples=300, deadline=None)
@given(case=signed_cases())
def test_caching_signer_signs_exactly_as_botocore(case: tuple) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        expected = _sign(BotocoreSigV4Auth, case, monkeypatch)
        # Twice: the second signature comes from the cached derived key.
        assert _sign(caching_signer_class(), case, monkeypatch) == expected
        assert _sign(caching_signer_class(), case, monkeypatch) == expected


def _sign_light(case: tuple, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    url, method, headers, body, region, service, secret, token, when = case
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: when)
    request = SigningRequest(method, url, SigningHeaders((k.lower(), v) for k, v in headers.items()), body)
    caching_signer_class()(Credentials("AKIDEXAMPLE", secret, token), service, region).add_auth(request)
    return dict(request.headers.items())


@settings(max_examples=300, deadline=None)
@given(case=signed_cases())
def test_light_signing_request_signs_exactly_as_botocore_on_an_awsrequest(case: tuple) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        expected = {k.lower(): v for k, v in _sign(BotocoreSigV4Auth, case, monkeypatch).items()}
        assert _sign_light(case, monkeypatch) == expected


#: One botocore session for every example below, each setting its own credentials on it (making a
#: session, ~15 ms, was most of an example's time); our signer reads them afresh through its environment.
SESSION = botocore.session.Session()


@settings(max_examples=300, deadline=None)
@given(case=signed_cases(), retry=st.booleans())
def test_sigv4_auth_on_an_httpx_request_signs_as_botocore(case: tuple, retry: bool) -> None:
    """Our whole ``SigV4Auth.sign`` (httpx request in, headers set on it) against botocore's plain
    signer on an ``AWSRequest`` made of the same request, first attempt and re-signed retry alike."""
    url, method, headers, body, region, service, secret, token, when = case
    SESSION.set_credentials("AKIDEXAMPLE", secret, token)
    auth = SigV4Auth(AwsEnvironment(session=SESSION, environ={}), signing_name=service, region=region)
    request = httpx.Request(method, url, headers=headers, content=body)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: when)
        expected = AWSRequest(
            method=method, url=str(request.url), headers=dict(request.headers.items()), data=body
        )
        BotocoreSigV4Auth(Credentials("AKIDEXAMPLE", secret, token), service, region).add_auth(expected)
        if retry:  # a stale signature from an earlier attempt is replaced, never kept beside the new one
            request.headers["Authorization"] = "stale"
            request.headers["X-Amz-Date"] = "stale"
            if token:
                request.headers["X-Amz-Security-Token"] = "stale"
        auth.sign(request)
    for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "Date"):
        assert request.headers.get_list(name) == expected.headers.get_all(name, [])
