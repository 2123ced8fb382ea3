"""Run a catalog workflow once against moto, as a user would: its own file, ``--server`` to moto.

Every source description of the document is pointed at moto's URL (what ``arazzo run --server
NAME=URL`` does); nothing else about the document changes. The credentials are an IAM user's key
given to botocore's session, so the engine signs exactly as it would against AWS and moto verifies
the signatures. Each workflow runs once per module; both corpus tests read that one run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import yaml

import arazzo_runner
from arazzo_runner.engine import PollPacing, RunOptions
from arazzo_runner.http import AwsEnvironment

from .aws_state import REGION, MotoState
from .cases import Case

#: A goto loop (poll) over moto's born-terminal resources needs a handful of steps; a runaway loop
#: is stopped early instead of spinning to the default budget.
MAX_STEPS = 60


@dataclass
class CatalogRun:
    case: Case
    #: "succeeded" / "failed" (the run's status) or "invalid" (the document was refused: exit 2).
    status: str
    outputs: dict[str, Any]
    error: str | None
    events: list[Any] = field(default_factory=list)

    @property
    def warnings(self) -> list[Any]:
        return [e for e in self.events if e.kind == "warning"]

    def describe(self) -> str:
        """What a failing assertion shows: status, error, outputs, warnings, every exchange."""
        lines = [f"{self.case.id}: {self.status}", f"  error: {self.error}", f"  outputs: {self.outputs}"]
        lines += [f"  warning [{w.step_id}]: {w.message}" for w in self.warnings]
        for event in self.events:
            if event.kind == "request_built":
                lines.append(f"  -> {event.step_id}: {event.method} {event.url}")
            elif event.kind == "response_received":
                body = str(event.body)[:300]
                lines.append(f"  <- {event.step_id}: {event.status_code} {event.error_code or ''} {body}")
        return "\n".join(lines)


def source_names(case: Case) -> list[str]:
    document = yaml.safe_load(case.path.read_text())
    return [source["name"] for source in document["sourceDescriptions"]]


def workflow_id(case: Case) -> str:
    document = yaml.safe_load(case.path.read_text())
    (workflow,) = document["workflows"]
    return str(workflow["workflowId"])


class CorpusRunner:
    """Runs each case once; with ``source_map``, the documents read those OpenAPI files instead."""

    def __init__(self, url: str, state: MotoState, source_map: dict[str, str] | None = None) -> None:
        self.url = url
        self.state = state
        self.source_map = source_map
        self._runs: dict[str, CatalogRun] = {}

    @cached_property
    def aws(self) -> AwsEnvironment:
        """The IAM user's key, as botocore's credential chain would find it (here given, not read from
        the environment, so that two corpus servers can live side by side)."""
        import botocore.session

        session = botocore.session.Session()
        session.set_credentials(self.state.access_key_id, self.state.secret_access_key)
        return AwsEnvironment(session=session, region=REGION, environ={})

    def run(self, case: Case) -> CatalogRun:
        if case.id not in self._runs:
            case.prepare(self.state)
            self._runs[case.id] = self._run(case)
        return self._runs[case.id]

    def _run(self, case: Case) -> CatalogRun:
        events: list[Any] = []
        try:
            document = arazzo_runner.load(case.path, source_map=self.source_map)
        except arazzo_runner.ArazzoError as exc:
            return CatalogRun(case, "invalid", {}, str(exc))
        if self.source_map is not None:
            read = {str(source.file.path) for source in document.openapi_sources}
            assert read <= set(self.source_map.values()), f"the source map was not applied: {read}"
        result = document.run(
            workflow_id(case),
            case.inputs,
            servers={name: self.url for name in source_names(case)},
            aws=self.aws,
            options=RunOptions(pacing=PollPacing(interval=0), max_steps=MAX_STEPS),
            on_event=events.append,
            sleep=lambda seconds: None,
        )
        error = None if result.error is None else f"{result.error.type}: {result.error.message}"
        return CatalogRun(case, result.status, dict(result.outputs), error, events)


def explains(run: CatalogRun, output: str) -> bool:
    """Whether a warning explains the null of workflow output ``output``.

    It must name the output, or name the step output it reads (``$steps.S.outputs.N``: the warning is
    on step S and names N) or that step output's expression. A warning about something else (say, a
    criterion's spelling on the same step) does not explain a null.
    """
    document = yaml.safe_load(run.case.path.read_text())
    workflow = document["workflows"][0]
    expression = str(workflow.get("outputs", {}).get(output, ""))
    match = re.match(r"^\$steps\.([A-Za-z0-9_\-]+)\.outputs\.([A-Za-z0-9_\-.]+)$", expression)
    step, step_output, source = None, None, None
    if match:
        step, step_output = match.group(1), match.group(2)
        for candidate in workflow["steps"]:
            if candidate["stepId"] == step:
                source = str((candidate.get("outputs") or {}).get(step_output, "")) or None

    def names(name: str, text: str) -> bool:
        return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None

    for warning in run.warnings:
        text = warning.message
        if names(output, text) or (source is not None and source in text):
            return True
        if (
            step_output is not None
            and names(step_output, text)
            and (warning.step_id == step or names(str(step), text))
        ):
            return True
    return False
