"""Transport retries against a scripted server on 127.0.0.1 (503s, throttling, resets, refused, hangs).

The sleeper is a list's ``append``: nothing sleeps, every delay is asserted.
"""

from __future__ import annotations

import httpx
import pytest
from http_test_servers import free_port

from arazzo_runner.http import RetryPolicy, TransportFailure, send_with_retries

THROTTLED = (
    400,
    {"Content-Type": "application/x-amz-json-1.1"},
    '{"__type":"ThrottlingException","message":"Rate exceeded"}',
)
UNAVAILABLE = (503, {"Content-Type": "text/plain"}, "busy")


def _get(url: str) -> httpx.Request:
    return httpx.Request("GET", url + "/thing")


def test_aws_policy_retries_503_then_succeeds(scripted) -> None:
    scripted.play(UNAVAILABLE, UNAVAILABLE)
    sleeps: list[float] = []
    with httpx.Client() as client:
        result = send_with_retries(
            client, _get(scripted.url), policy=RetryPolicy.aws_standard(rng=lambda: 1.0), sleep=sleeps.append
        )
    assert result.response.status_code == 200
    assert result.attempts == 3 and len(scripted.received) == 3
    assert sleeps == [0.05, 0.1]  # 50 ms * 2 ** (attempt - 1), jitter 1.0
    assert [r.reason for r in result.retries] == ["HTTP 503", "HTTP 503"]


def test_aws_policy_gives_up_after_max_attempts(scripted) -> None:
    scripted.play(THROTTLED, THROTTLED, THROTTLED, THROTTLED)
    sleeps: list[float] = []
    with httpx.Client() as client:
        result = send_with_retries(
            client, _get(scripted.url), policy=RetryPolicy.aws_standard(rng=lambda: 0.5), sleep=sleeps.append
        )
    assert result.attempts == 3
    assert result.response.error.code == "ThrottlingException"
    assert sleeps == [0.5, 1.0]  # throttling scale 1 s


def test_retry_after_is_honoured(scripted) -> None:
    scripted.play((429, {"Retry-After": "3"}, "slow down"))
    sleeps: list[float] = []
    with httpx.Client() as client:
        result = send_with_retries(
            client, _get(scripted.url), policy=RetryPolicy.http_standard(rng=lambda: 0.0), sleep=sleeps.append
        )
    assert result.response.status_code == 200 and sleeps == [3.0]


def test_other_sources_leave_503_to_the_workflow(scripted) -> None:
    scripted.play(UNAVAILABLE)
    sleeps: list[float] = []
    with httpx.Client() as client:
        result = send_with_retries(
            client, _get(scripted.url), policy=RetryPolicy.connection_only(), sleep=sleeps.append
        )
    assert result.response.status_code == 503 and result.attempts == 1 and sleeps == []


def test_reset_is_retried_for_aws_but_not_for_other_sources(scripted) -> None:
    scripted.play("reset")
    with httpx.Client() as client:
        result = send_with_retries(
            client, _get(scripted.url), policy=RetryPolicy.aws_standard(rng=lambda: 0.0), sleep=lambda s: None
        )
    assert result.response.status_code == 200 and result.attempts == 2

    scripted.play("reset")
    with httpx.Client() as client, pytest.raises(TransportFailure) as caught:
        send_with_retries(
            client, _get(scripted.url), policy=RetryPolicy.connection_only(), sleep=lambda s: None
        )
    assert caught.value.attempts == 1


def test_connection_refused_is_retried_then_reported() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    sleeps: list[float] = []
    with httpx.Client() as client, pytest.raises(TransportFailure) as caught:
        send_with_retries(
            client, _get(url), policy=RetryPolicy.connection_only(rng=lambda: 1.0), sleep=sleeps.append
        )
    assert caught.value.attempts == 3 and len(sleeps) == 2
    assert "ConnectError" in str(caught.value) and "/thing" not in str(caught.value)


def test_read_timeout_against_a_server_that_never_answers(scripted) -> None:
    scripted.play("hang")
    with httpx.Client(timeout=httpx.Timeout(0.2)) as client, pytest.raises(TransportFailure) as caught:
        send_with_retries(
            client, _get(scripted.url), policy=RetryPolicy.connection_only(), sleep=lambda s: None
        )
    assert "ReadTimeout" in str(caught.value) and caught.value.attempts == 1


@pytest.mark.parametrize(
    "policy", [RetryPolicy.aws_standard(rng=lambda: 0.0), RetryPolicy.http_standard(rng=lambda: 0.0)]
)
def test_a_post_that_timed_out_after_it_went_out_is_not_sent_again(scripted, policy: RetryPolicy) -> None:
    """Issue 25: a POST whose bytes reached a server that then never answered was sent 3 times."""
    scripted.play("hang", "hang", "hang")
    request = httpx.Request("POST", scripted.url + "/orders", json={"item": "one"})
    with httpx.Client(timeout=httpx.Timeout(0.2)) as client, pytest.raises(TransportFailure) as caught:
        send_with_retries(client, request, policy=policy, sleep=lambda s: None)
    assert caught.value.attempts == 1 and len(scripted.received) == 1
    assert "ReadTimeout" in str(caught.value)


def test_a_read_and_an_aws_describe_that_timed_out_are_still_retried(scripted) -> None:
    policy = RetryPolicy.aws_standard(rng=lambda: 0.0)
    scripted.play("hang")
    with httpx.Client(timeout=httpx.Timeout(0.2)) as client:
        result = send_with_retries(client, _get(scripted.url), policy=policy, sleep=lambda s: None)
    assert result.attempts == 2 and len(scripted.received) == 2
    scripted.play("hang")
    describe = httpx.Request(
        "POST", scripted.url + "/", headers={"X-Amz-Target": "SageMaker.DescribeTrainingJob"}, content=b"{}"
    )
    with httpx.Client(timeout=httpx.Timeout(0.2)) as client:
        result = send_with_retries(client, describe, policy=policy, sleep=lambda s: None)
    assert result.attempts == 2 and len(scripted.received) == 2


def test_a_post_that_never_reached_the_server_is_retried() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    request = httpx.Request("POST", url + "/orders", json={"item": "one"})
    with httpx.Client() as client, pytest.raises(TransportFailure) as caught:
        send_with_retries(client, request, policy=RetryPolicy.http_standard(rng=lambda: 0.0), sleep=lambda s: None)
    assert caught.value.attempts == 3 and "ConnectError" in str(caught.value)
