"""A dry run shows byte for byte what a run sends (one step preparation, one request builder).

For every workflow in ``workflows/`` and in the conformance corpora documents that load as they
are, the first request a real run sends (through httpx, with auth, captured by a ``MockTransport``:
no socket, no server) is compared with the one ``--dry-run`` builds for that step: method, URL,
every header and the body bytes. SigV4's clock is frozen so that both signatures are comparable.
Only the first request is compared: later ones depend on answers, which a dry run shows as
placeholders by design. The conformance cases (jentic, usearazzo: documents run with their
source maps and subsets) make the same comparison on every run, in
``tests/conformance/harness.py`` (``check_dry_run_matches``).
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

import arazzo_runner
from arazzo_runner.drivers import RunEnvironment, run_sync
from arazzo_runner.drivers.dry_run import dry_request, plan_requests
from arazzo_runner.engine import Execution, PollPacing, RunOptions
from arazzo_runner.engine.needs import SendRequest
from arazzo_runner.engine.preparation import context_for
from arazzo_runner.errors import ArazzoError
from tests.engine.test_security_schemes import ARAZZO, OPENAPI

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = sorted((ROOT / "workflows").glob("*.yml")) + sorted(
    p
    for p in (ROOT / "tests" / "data" / "conformance").rglob("*")
    if p.suffix in {".yaml", ".yml", ".json"} and ".arazzo." in p.name
)
START = 1_750_000_000.0
FROZEN = datetime.datetime(2026, 1, 2, 3, 4, 5)


@pytest.fixture(autouse=True)
def frozen_sigv4_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("botocore.auth.get_current_datetime", lambda *a, **k: FROZEN)


def _example(schema: Any) -> Any:
    """A value an input schema accepts, good enough to build a request with."""
    if not isinstance(schema, dict):
        return "x"
    for key in ("default", "const"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    if schema.get("examples"):
        return schema["examples"][0]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        return {name: _example(sub) for name, sub in (schema.get("properties") or {}).items()}
    return {"integer": 1, "number": 1.5, "boolean": True, "array": [], "null": None}.get(kind, "x1")


def _inputs(document: Path, workflow: Any) -> dict[str, Any]:
    given = document.with_name(document.name.replace(".yml", ".inputs.json"))
    if document.parent.name == "workflows" and given.exists():
        return json.loads(given.read_text())
    value = _example(workflow.inputs or {"type": "object"})
    return value if isinstance(value, dict) else {}


def _run_request(
    doc: Any, workflow_id: str, inputs: dict[str, Any], environment: RunEnvironment
) -> httpx.Request | None:
    """The first request a run sends, as it left httpx."""
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        execution = Execution(
            doc, workflow_id, inputs, options=RunOptions(max_steps=5, pacing=PollPacing(interval=0))
        )
        run_sync(execution, client=client, environment=environment, sleep=lambda s: None)
    return seen[0] if seen else None


def _same(run: httpx.Request, dry: httpx.Request) -> None:
    assert (dry.method, str(dry.url)) == (run.method, str(run.url))
    assert dry.headers.multi_items() == run.headers.multi_items()
    assert dry.read() == run.read()


def _dry_first(
    doc: Any, workflow_id: str, inputs: dict[str, Any], environment: RunEnvironment
) -> httpx.Request | None:
    """The dry run's request for the step a run starts with (a called or depended-on workflow's first step too)."""
    execution = Execution(doc, workflow_id, inputs)
    if not isinstance(execution.next(START), SendRequest):
        return None
    frame = execution.state.stack[-1]
    document = execution.machine.index.document_at(frame.document_path)
    workflow = document.workflow(frame.workflow_id)
    ctx = context_for(document, frame.inputs, {}, {}, {})
    if frame.index != 0:
        return None
    return dry_request(document, workflow, workflow.steps[0], ctx, environment)[0]


def _checked(document: Path, environment: RunEnvironment) -> int:
    try:
        doc = arazzo_runner.load(document)
    except ArazzoError:
        return 0  # a corpus document that is invalid on purpose
    compared = 0
    for workflow in doc.workflows:
        inputs = _inputs(document, workflow)
        try:
            dry = _dry_first(doc, workflow.workflow_id, inputs, environment)
        except (ArazzoError, ValueError, httpx.InvalidURL):
            continue  # bad inputs for this workflow, or a request that cannot be built
        if dry is None:
            continue
        run = _run_request(doc, workflow.workflow_id, inputs, environment)
        assert run is not None, f"{document.name} {workflow.workflow_id}: the run sent nothing"
        _same(run, dry)
        compared += 1
    return compared


def test_every_corpus_workflow_dry_runs_what_it_runs() -> None:
    environment = RunEnvironment()
    compared = {str(document.relative_to(ROOT)): _checked(document, environment) for document in DOCUMENTS}
    assert all(compared[str(p.relative_to(ROOT))] >= 1 for p in (ROOT / "workflows").glob("*.yml")), compared
    assert sum(compared.values()) >= 12, compared


def test_dry_run_shows_the_x_security_header_the_run_sends(tmp_path: Path) -> None:
    (tmp_path / "api.json").write_text(json.dumps(OPENAPI))
    (tmp_path / "x.arazzo.yaml").write_text(
        ARAZZO.replace(
            "  - {stepId: list, operationId: listThings, successCriteria: [{condition: $statusCode == 200}]}",
            """  inputs: {type: object, properties: {apiKey: {type: string}}}
  steps:
  - stepId: list
    operationId: listThings
    x-security:
    - schemeName: key
      values: {apiKey: $inputs.apiKey}""",
        ).replace("  steps:\n  inputs:", "  inputs:")
    )
    doc = arazzo_runner.load(tmp_path / "x.arazzo.yaml")
    environment = RunEnvironment(servers={"api": "http://127.0.0.1:9"})  # never contacted: MockTransport
    inputs = {"apiKey": "from-x-security"}
    run = _run_request(doc, "w", inputs, environment)
    assert run is not None and run.headers["X-Api-Key"] == "from-x-security"
    workflow = doc.workflow("w")
    dry, *_ = dry_request(doc, workflow, workflow.steps[0], context_for(doc, inputs, {}, {}, {}), environment)
    _same(run, dry)
    shown = plan_requests(doc, "w", inputs, environment=environment)[0]
    assert ("x-api-key", "[redacted]") in [(n.lower(), v) for n, v in shown.headers]
