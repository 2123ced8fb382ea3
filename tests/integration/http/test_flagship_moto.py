"""The unmodified flagship against moto's server with SigV4 checking on (a third-party verifier)."""

from __future__ import annotations

import json

import pytest

import arazzo_runner
from arazzo_runner.engine import PollPacing, RunOptions
from tests.conftest import flagship_inputs

ROOT = __import__("pathlib").Path(__file__).resolve().parents[3]
FLAGSHIP = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.yml"
INPUTS = flagship_inputs()


@pytest.fixture
def keys(moto, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", moto.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", moto.secret_access_key)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER"):
        monkeypatch.delenv(name, raising=False)
    return moto


def test_flagship_signed_requests_are_accepted_by_moto(keys) -> None:
    doc = arazzo_runner.load(FLAGSHIP)
    result = doc.run(
        None,
        {**INPUTS, "trainingJobName": "moto-flagship-1"},
        servers={"sagemakerApi": keys.url},
        options=RunOptions(pacing=PollPacing(interval=0)),
    )
    assert result.status == "succeeded", result.error
    # moto's jobs are born Completed: one create, one describe; the outputs are moto's.
    assert result.outputs["trainingJobStatus"] == "Completed"
    assert result.outputs["trainingJobArn"].endswith(":training-job/moto-flagship-1")
    assert result.step("pollTrainingJob").attempts == 1


def test_flagship_with_a_wrong_secret_is_refused_by_moto(keys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong" + keys.secret_access_key)
    events = []
    doc = arazzo_runner.load(FLAGSHIP)
    result = doc.run(
        None,
        {**INPUTS, "trainingJobName": "moto-flagship-2"},
        servers={"sagemakerApi": keys.url},
        options=RunOptions(pacing=PollPacing(interval=0)),
        on_event=events.append,
    )
    assert result.status == "failed"
    assert [e.error_code for e in events if e.kind == "response_received"] == ["SignatureDoesNotMatch"]
    assert keys.secret_access_key not in json.dumps([e.to_dict() for e in events], default=str)


@pytest.mark.parametrize("transport", ["lean", "lean-h11", "httpx"])
def test_async_flagship_signed_over_each_transport_is_accepted_by_moto(
    keys, monkeypatch: pytest.MonkeyPatch, transport: str
) -> None:
    """``run_async`` makes its own client over the transport ``ARAZZO_HTTP_TRANSPORT`` names."""
    import asyncio

    from arazzo_runner.http.clients import TRANSPORT_VARIABLE, async_transport_name

    monkeypatch.setenv(TRANSPORT_VARIABLE, transport)
    assert async_transport_name() == transport
    doc = arazzo_runner.load(FLAGSHIP)
    result = asyncio.run(
        doc.run_async(
            None,
            {**INPUTS, "trainingJobName": f"moto-async-{transport}"},
            servers={"sagemakerApi": keys.url},
            options=RunOptions(pacing=PollPacing(interval=0)),
        )
    )
    assert result.status == "succeeded", result.error
    assert result.outputs["trainingJobArn"].endswith(f":training-job/moto-async-{transport}")
