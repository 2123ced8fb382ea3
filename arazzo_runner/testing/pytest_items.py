"""``pytest --arazzo PATHS``: the workflows of the Arazzo documents under PATHS as pytest test items.

The same suites as ``arazzo test`` (:mod:`.discovery` finds the cases, :func:`.suite.run_case`
runs each), so pytest's own ``-k``, ``--junitxml``, ``-x`` and reporting work on workflows:

    pytest --arazzo workflows/ --arazzo-server sagemakerApi=http://127.0.0.1:8080
    pytest --arazzo workflows/ --arazzo-replay tests/recordings/suite     # no network

Each document is a collector, each workflow an item named by its workflow id; a workflow whose
required inputs are missing (or whose recording is missing) is skipped with the reason; a failure
shows the step, the reason and the API's error, located at the step's line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def add_options(group: Any) -> None:
    group.addoption(
        "--arazzo",
        action="store_true",
        default=False,
        help="collect the workflows of Arazzo documents found under the given paths as test items",
    )
    group.addoption(
        "--arazzo-replay",
        metavar="DIR",
        help="with --arazzo: answer each workflow from DIR/<document>.<workflowId>.har (no network)",
    )
    group.addoption(
        "--arazzo-server",
        action="append",
        default=[],
        metavar="SOURCE=URL",
        help="with --arazzo: send a source's requests to URL (repeatable)",
    )
    group.addoption(
        "--arazzo-poll-interval",
        type=float,
        metavar="SECONDS",
        help="with --arazzo: first wait of a poll loop (default 5)",
    )


def collect_file(file_path: Path, parent: Any) -> Any:
    """The collector for an Arazzo document when ``--arazzo`` is on (``None`` for any other file)."""
    if not parent.config.getoption("arazzo", default=False):
        return None
    from .discovery import looks_like_arazzo

    if not looks_like_arazzo(str(file_path)):
        return None
    return ArazzoDocument.from_parent(parent, path=file_path)


class ArazzoDocument(pytest.File):
    """One Arazzo document: its workflows are the items."""

    def collect(self) -> Iterator[pytest.Item]:
        from ..document.loader import load_report
        from ..errors import Severity
        from .discovery import cases_of_document

        report = load_report(self.path)
        errors = [p for p in report.problems if p.severity is Severity.ERROR]
        if report.document is None or errors:
            yield BrokenDocumentItem.from_parent(self, name="(document)", problems=errors or report.problems)
            return
        replay = self.config.getoption("arazzo_replay")
        for case in cases_of_document(str(self.path), report.document, replay_dir=replay):
            yield WorkflowItem.from_parent(self, name=case.workflow_id, case=case)


class _WorkflowFailed(Exception):
    """A workflow that ran and failed (shown without a Python traceback)."""


class WorkflowItem(pytest.Item):
    def __init__(self, *, case: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case
        self.outcome: Any = None

    def runtest(self) -> None:
        if self.case.skip_reason is not None:
            pytest.skip(self.case.skip_reason)
        from ..event_loop import run as run_loop
        from .suite import run_case

        self.outcome = run_loop(run_case(self.case, _settings(self.config), None))
        if self.outcome.status != "succeeded":
            raise _WorkflowFailed(self.outcome)

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        if isinstance(excinfo.value, _WorkflowFailed):
            from .texts import failure_text, step_timing

            return failure_text(self.outcome) + "\n\n" + step_timing(self.outcome)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        from .suite import workflow_line

        line = workflow_line(self.case.document, self.case.workflow_id)
        return self.path, (line - 1) if line else None, f"workflow {self.case.workflow_id}"


class BrokenDocumentItem(pytest.Item):
    def __init__(self, *, problems: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.problems = problems

    def runtest(self) -> None:
        raise _WorkflowFailed("\n".join(str(p) for p in self.problems))

    def repr_failure(self, excinfo: Any, style: Any = None) -> str:
        return f"{self.path}: the document does not load:\n" + "\n".join(str(p) for p in self.problems)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, "document"


def _settings(config: Any) -> Any:
    """Built once per session: every item shares the run options and environment."""
    cached = getattr(config, "_arazzo_suite_settings", None)
    if cached is not None:
        return cached
    from ..drivers import RunEnvironment
    from ..engine import PollPacing, RunOptions
    from ..errors import UsageError
    from ..recording import replay_aws_environment
    from .suite import SuiteSettings

    servers = {}
    for value in config.getoption("arazzo_server") or ():
        name, sep, url = value.partition("=")
        if not sep or not name or not url:
            raise UsageError(f"--arazzo-server expects SOURCE=URL, got {value!r}")
        servers[name] = url
    interval = config.getoption("arazzo_poll_interval")
    options = RunOptions(pacing=PollPacing() if interval is None else PollPacing(interval=interval))
    replaying = bool(config.getoption("arazzo_replay"))
    settings = SuiteSettings(
        options=options,
        environment=RunEnvironment(servers=servers),
        replay_environment=RunEnvironment(servers=servers, aws=replay_aws_environment())
        if replaying
        else None,
        replay_pace=interval is not None,
    )
    config._arazzo_suite_settings = settings
    return settings


__all__ = ["ArazzoDocument", "WorkflowItem", "add_options", "collect_file"]
