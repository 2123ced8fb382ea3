"""The journal holds no secret, and nobody else can read it (issue 25, point 2).

A server that echoes every credential it got (API key, Basic, Bearer, an AWS session token)
finds them masked on screen; here the journal's raw bytes (runs.db and its WAL), ``runs show
--output json`` and ``resume`` of the finished run must not hold them either, in any spelling the
request used (as sent, percent-encoded, base64 for Basic, JSON-escaped). Secret inputs sealed out
of the journal also cover the percent-encoded spelling (the progress line and the HAR too),
``format: password`` members of an object input, and numbers; ``resume`` still gets them back.
"""

from __future__ import annotations

import base64
import json
import os
import stat
import subprocess
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from tests.cli.in_process import run_cli_process
from tests.integration.hostile.hostile_servers import ReflectingServer

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = "workflows/amazon-sagemaker-train-and-poll-job-workflow.yml"
API_KEY = "apikey-VALUE-0123456789"
BEARER = "bearer/TOKEN+9876 543210"
BASIC_USER, BASIC_PASSWORD = "alice", "Basic-PASS word/42"
SESSION = "aws-SESSION-token-value-42"

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "echo", "version": "1"},
    "components": {
        "securitySchemes": {
            "key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"},
            "bearer": {"type": "http", "scheme": "bearer"},
            "basic": {"type": "http", "scheme": "basic"},
        }
    },
    "paths": {
        "/echo": {
            "get": {
                "operationId": "echo",
                "security": [{"key": [], "bearer": []}],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/basic": {
            "get": {
                "operationId": "basic",
                "security": [{"basic": []}],
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/login/{user}": {
            "post": {
                "operationId": "login",
                "parameters": [
                    {"name": "user", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "q", "in": "query", "schema": {"type": "string"}},
                ],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "ok"}},
            }
        },
    },
}
ECHO = """arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: api, url: api.json}]
workflows:
- workflowId: w
  steps:
  - stepId: echo
    operationId: echo
    outputs: {everything: $response.body, echoed: $response.header.x-echo}
  - stepId: basic
    operationId: basic
    outputs: {everything: $response.body, echoed: $response.header.x-echo}
  outputs: {first: $steps.echo.outputs.everything, second: $steps.basic.outputs.everything}
"""
INPUTS = """arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: api, url: api.json}]
workflows:
- workflowId: w
  inputs:
    type: object
    properties:
      user: {type: string}
      password: {type: string, format: password}
      account:
        type: object
        properties:
          name: {type: string}
          pin: {type: string, format: password}
      code: {type: integer, format: password}
  steps:
  - stepId: login
    operationId: login
    parameters:
    - {name: user, in: path, value: $inputs.user}
    - {name: q, in: query, value: '{$inputs.password}-{$inputs.account.pin}-{$inputs.code}'}
    requestBody:
      payload: {name: $inputs.account.name, pin: $inputs.account.pin, code: $inputs.code, pw: $inputs.password}
    outputs: {echoed: $response.body}
  outputs: {echoed: $steps.login.outputs.echoed}
"""
PASSWORD = "Pw SEKRIT/&x"
PIN = "pin-NESTED-777"
CODE = 90817263


def arazzo(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_cli_process(args, env=env, cwd=ROOT)


def spellings(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote(secret), quote_plus(secret), json.dumps(secret)[1:-1]}


def journal_bytes(folder: Path) -> str:
    return "".join(
        path.read_bytes().decode("latin-1") for path in folder.iterdir() if path.name.startswith("runs.db")
    )


@pytest.fixture(scope="module")
def reflecting():
    with ReflectingServer() as server:
        yield server


def test_echoed_credentials_never_reach_the_journal_or_what_it_prints_back(reflecting, tmp_path) -> None:
    (tmp_path / "api.json").write_text(json.dumps(OPENAPI))
    (tmp_path / "doc.arazzo.yaml").write_text(ECHO)
    journal = tmp_path / "state" / "runs.db"
    env = {
        **os.environ,
        "ARAZZO_API_KEY_API_KEY": API_KEY,
        "ARAZZO_API_BEARER_TOKEN": BEARER,
        "ARAZZO_API_BASIC_USERNAME": BASIC_USER,
        "ARAZZO_API_BASIC_PASSWORD": BASIC_PASSWORD,
    }
    run = arazzo("run", str(tmp_path / "doc.arazzo.yaml"), "--server", f"api={reflecting.url}",
                 "--journal", str(journal), "--output", "json", env=env)  # fmt: skip
    assert run.returncode == 0, run.stderr
    run_id = json.loads(run.stdout)["runId"]
    shown = arazzo("runs", "show", run_id, "--journal", str(journal), "--output", "json", env=env)
    resumed = arazzo("resume", run_id, "--journal", str(journal), "--output", "json", env=env)
    assert shown.returncode == 0 and resumed.returncode == 0, shown.stderr + resumed.stderr
    basic = base64.b64encode(f"{BASIC_USER}:{BASIC_PASSWORD}".encode()).decode()
    everything = journal_bytes(journal.parent) + shown.stdout + resumed.stdout + resumed.stderr
    assert "***" in shown.stdout
    for secret in (API_KEY, BEARER, basic, f"{BASIC_USER}:{BASIC_PASSWORD}", BASIC_PASSWORD):
        for spelled in spellings(secret):
            assert spelled not in everything, spelled


def test_an_echoed_aws_session_token_never_reaches_the_journal(reflecting, tmp_path) -> None:
    inputs = tmp_path / "inputs.json"
    inputs.write_text(json.dumps({
        "trainingJobName": "job", "trainingImage": "img:1", "roleArn": "arn:aws:iam::123456789012:role/R",
        "s3OutputPath": "s3://b/o", "instanceType": "ml.m5.large", "instanceCount": 1, "volumeSizeInGB": 10,
        "maxRuntimeInSeconds": 60,
    }))  # fmt: skip
    env = {
        **os.environ, "AWS_ACCESS_KEY_ID": "AKIDREFLECT", "AWS_SECRET_ACCESS_KEY": "reflect/secret",
        "AWS_SESSION_TOKEN": SESSION, "AWS_REGION": "us-east-1",
    }  # fmt: skip
    env.pop("AWS_PROFILE", None)
    journal = tmp_path / "runs.db"
    run = arazzo("run", FLAGSHIP, "--inputs", str(inputs), "--server", f"sagemakerApi={reflecting.url}",
                 "--journal", str(journal), "--output", "json", "--poll-interval", "0", env=env)  # fmt: skip
    run_id = json.loads(run.stdout)["runId"]
    shown = arazzo("runs", "show", run_id, "--journal", str(journal), "--output", "json", env=env)
    everything = journal_bytes(tmp_path) + run.stdout + shown.stdout
    for spelled in spellings(SESSION):
        assert spelled not in everything, spelled


def test_secret_inputs_in_every_spelling_nested_and_numeric_are_sealed_and_given_back(
    reflecting, tmp_path
) -> None:
    (tmp_path / "api.json").write_text(json.dumps(OPENAPI))
    (tmp_path / "doc.arazzo.yaml").write_text(INPUTS)
    journal = tmp_path / "runs.db"
    har = tmp_path / "run.har"
    given = {"user": "bob", "password": PASSWORD, "account": {"name": "acct", "pin": PIN}, "code": CODE}
    args = [
        "run",
        str(tmp_path / "doc.arazzo.yaml"),
        "--server",
        f"api={reflecting.url}",
        "--inputs",
        json.dumps(given),
    ]
    run = arazzo(*args, "--journal", str(journal), env=dict(os.environ))
    verbose = arazzo(*args, "--no-journal", "--record", str(har), "-v", env=dict(os.environ))
    assert run.returncode == 0 and verbose.returncode == 0, run.stderr + verbose.stderr
    everything = (
        journal_bytes(tmp_path) + run.stdout + run.stderr + verbose.stdout + verbose.stderr + har.read_text()
    )
    for secret in (PASSWORD, PIN, str(CODE)):
        for spelled in spellings(secret):
            assert spelled not in everything, spelled
    from arazzo_runner.journal import Journal

    with Journal(journal) as opened:
        (record,) = opened.runs()
    assert record.secret_inputs == ["account", "code", "password"]
    # Given back on resume, in the spelling each place had (the URL's query is percent-encoded).
    again = {"password": PASSWORD, "account": {"name": "acct", "pin": PIN}, "code": CODE}
    resumed = arazzo("resume", record.id, "--journal", str(journal), "--inputs", json.dumps(again),
                     "--output", "json", env=dict(os.environ))  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    from arazzo_runner.journal.sealing import Sealer, unseal

    sealer = Sealer(["password"], {"password": PASSWORD})
    url = f"http://h/login/bob?q={quote(PASSWORD, safe='')}&r={quote_plus(PASSWORD)}"
    sealed = sealer.seal({"url": url, "body": json.dumps({"pw": PASSWORD + '"'})})
    assert PASSWORD not in json.dumps(sealed) and quote(PASSWORD, safe="") not in json.dumps(sealed)
    assert unseal(sealed, ["password"], {"password": PASSWORD}) == {
        "url": url, "body": json.dumps({"pw": PASSWORD + '"'})
    }  # fmt: skip


def test_the_journal_is_private_and_a_wider_one_is_reported(tmp_path) -> None:
    folder = tmp_path / "state" / "arazzo"
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    env.pop("ARAZZO_JOURNAL", None)
    listed = arazzo("runs", env=env)
    assert listed.returncode == 0, listed.stderr
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "runs.db").stat().st_mode) == 0o600
    assert "warning" not in listed.stderr
    os.chmod(folder, 0o755)
    os.chmod(folder / "runs.db", 0o644)
    listed = arazzo("runs", env=env)
    assert listed.returncode == 0
    assert f"the journal's folder {folder} can be read by other users (mode 755)" in listed.stderr
    assert f"the journal {folder / 'runs.db'} can be read by other users (mode 644)" in listed.stderr


def test_nested_and_numeric_secrets_sealed_in_every_spelling_come_back_exactly() -> None:
    from arazzo_runner.journal.sealing import Sealer, unseal

    inputs = {"account": {"name": "acct", "pin": PIN}, "code": CODE, "password": PASSWORD}
    paths = [("account", ("pin",)), ("code", ()), ("password", ())]
    names = ["account", "code", "password"]
    sealer = Sealer(names, inputs, paths)
    state = {
        "inputs": inputs,
        "url": f"http://h/x/{quote(PIN, safe='')}?q={quote_plus(PASSWORD)}&c={CODE}",
        "body": {"pin": PIN, "code": CODE, "other": CODE + 1, "text": json.dumps({"pw": PASSWORD})},
    }
    sealed = sealer.seal(state, input_keys=True)
    text = json.dumps(sealed)
    for secret in (PIN, PASSWORD, str(CODE)):
        for spelled in spellings(secret):
            assert spelled not in text, spelled
    assert sealed["body"]["other"] == CODE + 1  # other numbers are left alone
    assert unseal(json.loads(text), names, inputs) == state
