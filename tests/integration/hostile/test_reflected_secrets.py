"""Secrets a server echoes back are masked by value everywhere (issue 17, point 5).

A hostile (or merely chatty) server reflects every credential it received: API keys and bearer
tokens from ``ARAZZO_*`` variables, an AWS session token. None may reach stdout, ``-v`` output,
``--output json`` or a HAR recording.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from hostile_servers import ReflectingServer

from tests.cli.in_process import run_cli_process

ROOT = Path(__file__).resolve().parents[3]
FLAGSHIP = "workflows/amazon-sagemaker-train-and-poll-job-workflow.yml"
API_KEY = "apikey-VALUE-0123456789"
QUERY_KEY = "querykey-VALUE-abcdef"
BEARER = "bearer-TOKEN-9876543210"
SESSION = "aws-SESSION-token-value-42"

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "echo", "version": "1"},
    "components": {
        "securitySchemes": {
            "key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            "q": {"type": "apiKey", "in": "query", "name": "key"},
            "bearer": {"type": "http", "scheme": "bearer"},
        }
    },
    "security": [{"key": [], "q": [], "bearer": []}],
    "paths": {"/echo": {"get": {"operationId": "echo", "responses": {"200": {"description": "ok"}}}}},
}
ARAZZO = """arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: api, url: api.json}]
workflows:
- workflowId: w
  steps:
  - stepId: echo
    operationId: echo
    outputs: {everything: $response.body, echoed: $response.header.x-echo}
  outputs: {everything: $steps.echo.outputs.everything, echoed: $steps.echo.outputs.echoed}
"""


def arazzo(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_cli_process(args, env=env, cwd=ROOT)


@pytest.fixture(scope="module")
def reflecting():
    with ReflectingServer() as server:
        yield server


def test_api_keys_and_bearer_tokens_echoed_back_are_masked(reflecting, tmp_path) -> None:
    (tmp_path / "api.json").write_text(json.dumps(OPENAPI))
    (tmp_path / "doc.arazzo.yaml").write_text(ARAZZO)
    env = {
        **os.environ,
        "ARAZZO_API_KEY_API_KEY": API_KEY,
        "ARAZZO_API_Q_API_KEY": QUERY_KEY,
        "ARAZZO_API_BEARER_TOKEN": BEARER,
    }
    har = tmp_path / "run.har"
    args = ["run", str(tmp_path / "doc.arazzo.yaml"), "--server", f"api={reflecting.url}"]
    verbose = arazzo(*args, "-v", "--record", str(har), env=env)
    as_json = arazzo(*args, "--output", "json", env=env)
    assert verbose.returncode == 0 and as_json.returncode == 0, verbose.stderr + as_json.stderr
    everything = verbose.stdout + verbose.stderr + as_json.stdout + as_json.stderr + har.read_text()
    for secret in (API_KEY, QUERY_KEY, BEARER):
        assert secret not in everything, secret
    assert "***" in as_json.stdout


def test_aws_session_token_echoed_back_is_masked(reflecting, tmp_path) -> None:
    inputs = tmp_path / "inputs.json"
    inputs.write_text(
        json.dumps(
            {
                "trainingJobName": "job",
                "trainingImage": "img:1",
                "roleArn": "arn:aws:iam::123456789012:role/R",
                "s3OutputPath": "s3://b/o",
                "instanceType": "ml.m5.large",
                "instanceCount": 1,
                "volumeSizeInGB": 10,
                "maxRuntimeInSeconds": 60,
            }
        )
    )
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIDREFLECT",
        "AWS_SECRET_ACCESS_KEY": "reflect/secret",
        "AWS_SESSION_TOKEN": SESSION,
        "AWS_REGION": "us-east-1",
    }
    env.pop("AWS_PROFILE", None)
    har = tmp_path / "run.har"
    args = ["run", FLAGSHIP, "--inputs", str(inputs), "--server", f"sagemakerApi={reflecting.url}"]
    verbose = arazzo(*args, "-v", "--record", str(har), env=env)
    as_json = arazzo(*args, "--output", "json", env=env)
    everything = verbose.stdout + verbose.stderr + as_json.stdout + as_json.stderr
    everything += har.read_text() if har.exists() else ""
    assert SESSION not in everything
    assert "Traceback" not in everything


def test_secrets_quoted_by_openapi_violations_are_masked(reflecting, tmp_path) -> None:
    spec = json.loads(json.dumps(OPENAPI))
    spec["paths"]["/echo"]["get"]["responses"]["200"] = {
        "description": "ok",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "headers": {"type": "object", "additionalProperties": {"type": "integer"}}
                    },
                }
            }
        },
    }
    (tmp_path / "api.json").write_text(json.dumps(spec))
    (tmp_path / "doc.arazzo.yaml").write_text(ARAZZO)
    env = {
        **os.environ,
        "ARAZZO_API_KEY_API_KEY": API_KEY,
        "ARAZZO_API_Q_API_KEY": QUERY_KEY,
        "ARAZZO_API_BEARER_TOKEN": BEARER,
    }
    args = ["run", str(tmp_path / "doc.arazzo.yaml"), "--server", f"api={reflecting.url}", "--validate", "-v"]
    result = arazzo(*args, env=env)
    assert "OpenAPI" in result.stderr, result.stderr  # the violations were reported...
    for secret in (API_KEY, QUERY_KEY, BEARER):
        assert secret not in result.stdout + result.stderr, secret  # ...without the secrets they quote
