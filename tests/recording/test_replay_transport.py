"""The replay transport on its own: order, extra and unused requests, canned responses, match keys."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from arazzo_runner.errors import UsageError
from arazzo_runner.recording import ReplayMismatch, ReplayTransport, canned_entries, parse_match, replay
from arazzo_runner.recording.matching import DEFAULT_MATCH

from .conftest import FLAGSHIP_INPUTS

CREATE = "SageMaker.CreateTrainingJob"
DESCRIBE = "SageMaker.DescribeTrainingJob"


def canned(in_progress: int) -> list[tuple[object, object]]:
    return [
        (f"POST {CREATE}", (200, {"TrainingJobArn": "arn:canned"})),
        *[
            (
                {"target": DESCRIBE, "body": {"TrainingJobName": FLAGSHIP_INPUTS["trainingJobName"]}},
                (200, {"TrainingJobStatus": "InProgress"}),
            )
        ]
        * in_progress,
        (DESCRIBE, {"status": 200, "json": {"TrainingJobStatus": "Failed", "FailureReason": "boom"}}),
    ]


def test_canned_responses_drive_the_flagship(flagship, no_network) -> None:
    outcome = replay(flagship, responses=canned(2), inputs=FLAGSHIP_INPUTS)
    assert outcome.ok, outcome.problems
    result = outcome.result
    assert result.outputs["trainingJobArn"] == "arn:canned"
    assert result.outputs["trainingJobStatus"] == "Failed"
    assert result.step("pollTrainingJob").attempts == 3
    assert result.step("pollTrainingJob").outputs["failureReason"] == "boom"


def test_an_extra_request_fails_the_run(flagship) -> None:
    responses = canned(0)[:2]
    responses[1] = (DESCRIBE, (200, {"TrainingJobStatus": "InProgress"}))
    outcome = replay(flagship, responses=responses, inputs=FLAGSHIP_INPUTS)
    assert outcome.result.status == "failed"
    assert outcome.result.error.step_id == "pollTrainingJob"
    (problem,) = outcome.problems
    assert problem.startswith("request #3 (step pollTrainingJob) was not in the recording (it has 2 requests")
    assert f"sent:     POST / [X-Amz-Target: {DESCRIBE}]" in problem


def test_requests_never_sent_are_reported(flagship) -> None:
    responses = [*canned(0), (DESCRIBE, 200)]
    outcome = replay(flagship, responses=responses, inputs=FLAGSHIP_INPUTS)
    assert outcome.result.succeeded
    assert not outcome.ok
    assert outcome.problems[0].splitlines() == [
        "1 recorded request never sent:",
        f"  #3: * * [X-Amz-Target: {DESCRIBE}]",
    ]


def test_canned_subset_body_mismatch_shows_the_pattern(flagship) -> None:
    responses = [(f"POST {CREATE}", 200), ({"target": DESCRIBE, "body": {"TrainingJobName": "other"}}, 200)]
    outcome = replay(flagship, responses=responses, inputs=FLAGSHIP_INPUTS)
    (problem,) = outcome.problems
    assert "(body differs)" in problem and "--- expected body (contains)" in problem
    assert '-  "TrainingJobName": "other"' in problem


def test_transport_serves_sync_and_async_clients_in_order() -> None:
    transport = ReplayTransport(canned_entries([("GET /a", (200, {"n": 1})), ("GET /b?x=1", (201, "text"))]))
    with httpx.Client(transport=transport, base_url="http://anywhere") as client:
        assert client.get("/a").json() == {"n": 1}

    async def second() -> httpx.Response:
        async with httpx.AsyncClient(transport=transport, base_url="http://elsewhere") as client:
            return await client.get("/b", params={"x": "1"})

    response = asyncio.run(second())
    assert (response.status_code, response.text) == (201, "text")
    assert response.headers["content-type"].startswith("text/plain")
    with (
        httpx.Client(transport=transport) as client,
        pytest.raises(ReplayMismatch, match="not in the recording"),
    ):
        client.get("http://h/c")


def test_out_of_order_request_is_a_mismatch() -> None:
    transport = ReplayTransport(canned_entries([("GET /a", 200), ("GET /b", 200)]))
    with httpx.Client(transport=transport) as client, pytest.raises(ReplayMismatch, match="path differs"):
        client.get("http://h/b")
    assert "expected: GET /a" in transport.problems[0]


def test_header_match_key() -> None:
    transport = ReplayTransport(canned_entries([({"headers": {"X-Tenant": "a"}}, 200)]))
    with httpx.Client(transport=transport) as client, pytest.raises(ReplayMismatch):
        client.get("http://h/", headers={"X-Tenant": "b"})
    assert "X-Tenant: expected 'a', sent 'b'" in transport.problems[0].replace("x-tenant", "X-Tenant")


def test_parse_match() -> None:
    assert parse_match(None) == DEFAULT_MATCH
    assert parse_match("method, path,body") == ("method", "path", "body")
    assert parse_match(["header:X-Tenant"]) == ("header:X-Tenant",)
    with pytest.raises(UsageError, match="unknown replay match key 'url'"):
        parse_match("method,url")
    with pytest.raises(UsageError):
        parse_match("")


@pytest.mark.parametrize("bad", [("GET /a /b", 200), (42, 200), ({"verb": "GET"}, 200), ("GET /a", object())])
def test_bad_canned_responses_are_usage_errors(bad) -> None:
    with pytest.raises(UsageError):
        canned_entries([bad])
