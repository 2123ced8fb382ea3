"""Shared machinery of the document-driven conformance cases: run one case, check what happened.

A case names a document, a workflow, its inputs and the canned responses; the run goes through
the real HTTP layer (httpx, a socket) to :mod:`.canned_server`. Expectations are plain data:

* ``rejected``: a regex the loader's :class:`DocumentError` must match (the case never runs);
* ``status`` (``succeeded`` / ``failed``), ``error`` (the ``RunError.type``), ``error_message``
  (a regex searched in ``RunError.message``);
* ``calls`` (requests the server saw), ``requests`` (their ``"METHOD /path"`` lines, in order; a
  line with ``?`` is compared with its query string);
* ``steps`` (step ids of the case's own workflow in order of first execution), ``attempts``
  (executions per step id of that workflow);
* ``outputs`` (a subset: ``null`` means "absent or null");
* ``sleeps`` (seconds the run asked to sleep, in order);
* ``workflow_outputs`` (``{workflowId: [outputs of each run of it, in order]}``, subset each).

Documents that hold deliberately malformed workflows next to good ones (the usearazzo fixtures
do) are run through :func:`subset_document`: the case's workflow and every workflow it reaches,
nothing else, so that one case's authoring error is not every case's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

import arazzo_runner
from arazzo_runner.drivers import RunEnvironment
from arazzo_runner.drivers.dry_run import dry_request
from arazzo_runner.engine.events import WorkflowFinished
from arazzo_runner.engine.inputs import prepare_inputs
from arazzo_runner.engine.options import PollPacing, RunOptions
from arazzo_runner.engine.preparation import context_for
from arazzo_runner.engine.result import RunResult
from arazzo_runner.errors import ArazzoError, DocumentError
from arazzo_runner.yaml12 import read_file
from tests.conformance.canned_server import Scenario

_ACTION_LISTS = ("onSuccess", "onFailure")
_WORKFLOW_ACTION_LISTS = ("successActions", "failureActions")


def _referenced_workflows(workflow: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    for target in workflow.get("dependsOn") or []:
        if isinstance(target, str):
            found.add(target)
    actions: list[Any] = []
    for key in _WORKFLOW_ACTION_LISTS:
        value = workflow.get(key)
        if isinstance(value, list):
            actions.extend(value)
    steps = workflow.get("steps")
    for step in steps if isinstance(steps, list) else []:
        if not isinstance(step, Mapping):
            continue
        if isinstance(step.get("workflowId"), str):
            found.add(step["workflowId"])
        for key in _ACTION_LISTS:
            value = step.get(key)
            if isinstance(value, list):
                actions.extend(value)
    for action in actions:
        if isinstance(action, Mapping) and isinstance(action.get("workflowId"), str):
            found.add(action["workflowId"])
    return found


def subset_document(source: Path, workflow_id: str, into: Path) -> Path:
    """A copy of ``source`` keeping only ``workflow_id`` and the workflows it reaches.

    Source URLs are made absolute so that the copy (written as JSON under ``into``) resolves the
    same files as the original. Written once per (document, workflow).
    """
    target = into / f"{source.stem}.{workflow_id}.json"
    if target.exists():
        return target
    document = read_file(str(source)).data
    workflows = {w.get("workflowId"): w for w in document.get("workflows") or [] if isinstance(w, Mapping)}
    keep: list[str] = []
    pending = [workflow_id]
    while pending:
        current = pending.pop()
        if current in keep or current not in workflows:
            continue
        keep.append(current)
        pending.extend(sorted(_referenced_workflows(workflows[current])))
    subset = dict(document)
    subset["workflows"] = [w for w in document["workflows"] if w.get("workflowId") in keep]
    sources = []
    for description in document.get("sourceDescriptions") or []:
        description = dict(description)
        url = description.get("url")
        if isinstance(url, str) and "://" not in url:
            description["url"] = str((source.parent / url).resolve())
        sources.append(description)
    subset["sourceDescriptions"] = sources
    target.write_text(json.dumps(subset, indent=1))
    return target


def run_options(spec: Mapping[str, Any] | None) -> RunOptions:
    """Test defaults: no poll pacing; waits go to the recording ``sleep`` (never real)."""
    return RunOptions(pacing=PollPacing(interval=0), **dict(spec or {}))


def check_rejected(path: Path, pattern: str, source_map: Mapping[str, str] | None = None) -> None:
    with pytest.raises(DocumentError) as info:
        arazzo_runner.load(path, source_map=source_map, allow_outside=True)
    assert re.search(pattern, str(info.value)), str(info.value)


def run(
    path: Path,
    workflow_id: str,
    inputs: Mapping[str, Any] | None,
    servers: Mapping[str, str],
    options: Mapping[str, Any] | None = None,
    source_map: Mapping[str, str] | None = None,
) -> tuple[RunResult, list[float], list[Any]]:
    # Cases are written to a temporary folder and name the corpus files where they are.
    document = arazzo_runner.load(path, source_map=source_map, allow_outside=True)
    sleeps: list[float] = []
    events: list[Any] = []
    sent: list[httpx.Request] = []
    environment = RunEnvironment(servers=dict(servers))
    with httpx.Client(event_hooks={"request": [sent.append]}) as client:  # sees requests as signed
        result = document.run(
            workflow_id,
            dict(inputs or {}),
            environment=environment,
            client=client,
            options=run_options(options),
            on_event=events.append,
            sleep=sleeps.append,
        )
    check_dry_run_matches(document, workflow_id, inputs, environment, sent[0] if sent else None)
    return result, sleeps, events


def check_dry_run_matches(
    document: Any,
    workflow_id: str,
    inputs: Mapping[str, Any] | None,
    environment: RunEnvironment,
    first: httpx.Request | None,
) -> None:
    """The dry run builds byte for byte the first request the run sent (see tests/engine/test_dry_run_matches_run.py).

    Compared when the workflow starts with an operation step (no dependsOn), the request can be
    built, and the run sent it.
    """
    workflow = document.workflow(workflow_id)
    if first is None or not workflow.steps or workflow.steps[0].workflow_id or workflow.depends_on:
        return
    try:
        prepared = prepare_inputs(document, workflow, dict(inputs or {}))
        dry, *_ = dry_request(
            document, workflow, workflow.steps[0], context_for(document, prepared, {}, {}, {}), environment
        )
    except (ArazzoError, ValueError, httpx.InvalidURL):
        return
    assert (dry.method, str(dry.url)) == (first.method, str(first.url))
    assert dry.headers.multi_items() == first.headers.multi_items()
    assert dry.read() == first.read()


def _request_line(request: Any, with_query: bool) -> str:
    line = request.line
    if with_query and request.query:
        line += "?" + urlencode(sorted(request.query))
    return line


def _subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            _subset(v, actual.get(k)) if v is not None else actual.get(k) is None for k, v in expected.items()
        )
    return expected == actual


def check(
    expect: Mapping[str, Any],
    result: RunResult,
    scenario: Scenario,
    sleeps: list[float],
    events: list[Any],
) -> None:
    """Assert every expectation present in ``expect`` (see the module docstring)."""
    explain = f"error={result.error}; requests={scenario.lines}"
    if "status" in expect:
        assert result.status == expect["status"], explain
    if "error" in expect:
        assert result.error is not None and result.error.type == expect["error"], explain
    if "error_message" in expect:
        assert result.error is not None and re.search(expect["error_message"], result.error.message), explain
    if "calls" in expect:
        assert len(scenario.requests) == expect["calls"], explain
    if "requests" in expect:
        wanted = list(expect["requests"])
        got = [_request_line(r, "?" in w) for r, w in zip(scenario.requests, wanted, strict=False)]
        assert got == wanted[: len(got)] and len(got) == len(wanted), explain
    own = [r for r in result.steps if r.workflow_id == result.workflow_id]
    if "steps" in expect:
        order: list[str] = []
        for record in own:
            if record.step_id not in order:
                order.append(record.step_id)
        assert order == list(expect["steps"]), explain
    for step_id, count in (expect.get("attempts") or {}).items():
        assert sum(1 for r in own if r.step_id == step_id) == count, f"{step_id}: {explain}"
    if "outputs" in expect:
        for name, value in expect["outputs"].items():
            assert result.outputs.get(name) == value, f"output {name!r}: {result.outputs}; {explain}"
    if "sleeps" in expect:
        assert sleeps == [float(s) for s in expect["sleeps"]], explain
    for workflow_id, runs in (expect.get("workflow_outputs") or {}).items():
        seen = [e.outputs for e in events if isinstance(e, WorkflowFinished) and e.workflow_id == workflow_id]
        assert len(seen) == len(runs) and all(_subset(w, s) for w, s in zip(runs, seen, strict=True)), (
            f"{workflow_id}: {seen}"
        )
