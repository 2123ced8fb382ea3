"""Retry decisions, pure: botocore's constants, codes, backoff, Retry-After."""

from __future__ import annotations

import email.utils

import httpx
from botocore.retries import standard

from arazzo_runner.http.responses import parse_response
from arazzo_runner.http.retries import RetryPolicy, botocore_standard, retry_after_seconds


def _answer(status: int, json_body=None, headers=None):
    return parse_response(httpx.Response(status, json=json_body, headers=headers))


def test_constants_come_from_botocore() -> None:
    config = botocore_standard()
    assert config.max_attempts == standard.DEFAULT_MAX_ATTEMPTS
    assert "ThrottlingException" in config.throttling_codes
    assert {
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
    } <= config.throttling_codes
    assert config.transient_statuses == {500, 502, 503, 504}
    assert config.throttling_statuses == {429}


def test_aws_backoff_is_exponential_and_capped() -> None:
    policy = RetryPolicy.aws_standard(max_attempts=10, rng=lambda: 1.0)
    throttled = _answer(400, {"__type": "ThrottlingException"})
    delays = [policy.decide(n, response=throttled).delay for n in range(1, 8)]
    assert delays == [1, 2, 4, 8, 16, 20, 20]
    assert policy.decide(10, response=throttled) is None


def test_aws_does_not_retry_client_errors() -> None:
    policy = RetryPolicy.aws_standard()
    assert policy.decide(1, response=_answer(400, {"__type": "ValidationException"})) is None
    assert policy.decide(1, response=_answer(403, {"__type": "AccessDeniedException"})) is None
    assert policy.decide(1, response=_answer(200, {})) is None


def test_connection_only_policy() -> None:
    policy = RetryPolicy.connection_only()
    assert policy.decide(1, response=_answer(503)) is None
    assert policy.decide(1, error=httpx.ReadError("reset")) is None
    assert policy.decide(1, error=httpx.ConnectError("refused")).reason == "ConnectError"


def test_retry_after_forms() -> None:
    assert retry_after_seconds({"Retry-After": "7"}) == 7.0
    assert retry_after_seconds({"x-amz-retry-after": "1500"}) == 1.5
    date = email.utils.formatdate(1000.0 + 30, usegmt=True)
    assert retry_after_seconds({"Retry-After": date}, clock=lambda: 1000.0) == 30.0
    assert retry_after_seconds({"Retry-After": "soon"}) is None


def test_aws_caps_retry_after_like_botocore() -> None:
    policy = RetryPolicy.aws_standard(rng=lambda: 0.0)
    answer = _answer(503, None, {"x-amz-retry-after": "60000"})
    assert policy.decide(1, response=answer).delay == 5.0  # backoff 0 + at most 5 s
