"""``arazzo test [PATHS|GLOBS]...``: every workflow of every document found, as a CI test suite.

A thin layer: discovery, running and the reports live in :mod:`arazzo_runner.testing` and
:mod:`arazzo_runner.reports`; this module turns options into settings, prints one line per
finished workflow (and, on a terminal, what is running), writes the reports and picks the exit
code: 0 when every workflow that ran succeeded (skips are reported, not failed), 1 when one failed,
2 for bad usage or a document that does not load.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

from .arguments import (
    add_aws_options,
    add_command,
    add_journal_options,
    add_output_option,
    add_recording_options,
    add_server_option,
    add_source_options,
)
from .settings import add_limit_options, add_network_options

EXAMPLES = """examples:
  arazzo test workflows/                                  # every workflow of every document
  arazzo test 'workflows/*-workflow.yml' -j 4 --junit report.xml --html report.html
  arazzo test workflows/ --replay tests/recordings/suite  # one HAR per workflow, no network
  arazzo test workflows/ --server sagemakerApi=http://127.0.0.1:8080 --record tests/recordings/suite
  arazzo test doc.arazzo.yaml -k buy --inputs inputs.json --report-json results.json

inputs: --inputs, else NAME.inputs.json|yaml next to the document (an object per workflow id when
the document has several), else a replayed recording's. A workflow whose required inputs are
missing is skipped, with the reason.
"""


def add_test_parser(commands: Any) -> None:
    test = add_command(
        commands,
        "test",
        help="run every workflow of the documents found as a test suite (JUnit, HTML, -j N)",
        description="Run every workflow of every Arazzo document found under PATHS (files, folders,"
        " globs; default: the current folder) as test cases, and report them for CI.",
        epilog=EXAMPLES,
    )
    test.add_argument("paths", nargs="*", metavar="PATH|GLOB", help="documents, folders or globs")
    select = test.add_argument_group("selection")
    select.add_argument(
        "--workflow", action="append", metavar="ID", help="only this workflow id (repeatable)"
    )
    select.add_argument(
        "-k",
        dest="keyword",
        action="append",
        metavar="TEXT",
        help="only cases whose DOC::WORKFLOW name contains TEXT ('not TEXT' excludes; repeatable: all must hold)",
    )
    test.add_argument(
        "--inputs", metavar="FILE|JSON", help="inputs for every document (instead of NAME.inputs.json)"
    )
    test.add_argument(
        "-j", "--jobs", type=int, default=1, metavar="N", help="run N workflows at a time (default 1)"
    )
    test.add_argument(
        "--parallel-depends-on",
        action="store_true",
        help="let dependsOn workflows of a document that do not depend on each other run concurrently"
        " (default: in order, as the spec runs them)",
    )
    reports = test.add_argument_group("reports")
    reports.add_argument(
        "--junit", metavar="FILE.xml", help="write a JUnit XML report (one testsuite per document)"
    )
    reports.add_argument(
        "--html", metavar="FILE.html", help="write one self-contained HTML report with timelines"
    )
    reports.add_argument(
        "--report-json", metavar="FILE.json", help="write every result object (as --output json) in one array"
    )
    add_output_option(test, help="stdout: lines (text) or the JSON array")
    test.add_argument("-q", "--quiet", action="store_true", help="print only failures and the summary")
    documents = test.add_argument_group("documents")
    add_source_options(documents, several=True)
    run = test.add_argument_group("run options (as for arazzo run)")
    add_server_option(run)
    run.add_argument(
        "--poll-interval", type=float, metavar="SECONDS", help="first wait of a poll loop (default 5)"
    )
    run.add_argument(
        "--max-steps", type=int, metavar="N", help="step budget per workflow run (default 20000)"
    )
    run.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="fail a workflow after this much wall time"
    )
    add_network_options(run)
    add_limit_options(run)
    add_aws_options(run)
    run.add_argument(
        "--no-aws-signing",
        dest="aws_signing",
        action="store_false",
        help="do not sign sources whose server is an AWS endpoint with SigV4 unless they declare it",
    )
    run.add_argument(
        "--strict",
        action="store_true",
        help="a workflow that succeeds with warnings (e.g. an output read as null from an answer) fails",
    )
    run.add_argument(
        "--validate",
        nargs="?",
        const="warn",
        choices=("warn", "strict"),
        help="check against the OpenAPI description",
    )
    add_journal_options(run)
    run.add_argument("--no-journal", action="store_true", help="do not journal the live runs")
    add_recording_options(
        test,
        metavar="DIR",
        record_help="run for real and write DIR/<document>.<workflowId>.har per workflow",
        replay_help="answer each workflow from DIR/<document>.<workflowId>.har; no network",
        replay_match_help="what a request must share with the recorded one (as for run)",
    )


def test_command(args: argparse.Namespace, source_map: dict[str, str]) -> int:
    from ..errors import UsageError
    from ..testing import find_documents
    from .exit_codes import EXIT_FAILED, EXIT_OK, EXIT_USAGE

    if args.jobs < 1:
        raise UsageError("-j must be 1 or more")
    if args.record and args.replay:
        raise UsageError("--record and --replay cannot be used together")
    if args.replay_match and not args.replay:
        raise UsageError("--replay-match only applies with --replay DIR")
    if args.replay and not os.path.isdir(args.replay):
        raise UsageError(f"--replay {args.replay}: not a folder (it holds one HAR per workflow)")
    for flag, value in (("--workflow", args.workflow), ("-k", args.keyword)):
        if value is not None and not all(value):
            raise UsageError(f"{flag} needs a value")
    given_inputs = _given_inputs(args.inputs)
    paths = find_documents(args.paths)
    cases, broken = _collect(args, paths, source_map, given_inputs)
    if not cases and not broken:
        raise UsageError(
            f"arazzo test: no workflows found in {' '.join(args.paths) or '.'}"
            + (" (after --workflow/-k)" if args.workflow or args.keyword else "")
        )
    settings = _settings(args)
    renderer = LineRenderer(
        sys.stdout if args.output == "text" else sys.stderr, quiet=args.quiet, total=len(cases) + len(broken)
    )
    from ..event_loop import run as run_loop
    from ..testing.suite import broken_document, run_suite

    started = time.time()
    unloadable = [broken_document(b, started) for b in broken]
    for outcome in unloadable:  # said first, each on its line, as any other case that ends
        renderer.case_finished(outcome)
    try:
        outcomes = run_loop(
            run_suite(
                cases,
                settings,
                jobs=args.jobs,
                parallel_depends_on=args.parallel_depends_on,
                listener=renderer,
            )
        )
    except KeyboardInterrupt:
        # The reports still say what finished (the interrupted workflows are not in them).
        renderer.close()
        _write_reports(args, renderer.outcomes)
        print(
            f"arazzo: test interrupted after {len(renderer.outcomes) - len(unloadable)} of {len(cases)} workflows"
            + ("; the reports hold the finished ones" if args.junit or args.html or args.report_json else ""),
            file=sys.stderr,
        )
        raise
    finally:
        renderer.close()
        if settings.journal is not None:
            settings.journal.close()
    outcomes = unloadable + outcomes
    _write_reports(args, outcomes)
    renderer.summary(outcomes, time.time() - started)
    if os.environ.get("GITHUB_ACTIONS") == "true":
        from ..reports.annotations import error_annotations

        # stdout, where the runner reads workflow commands; stderr with --output json (stdout is the JSON)
        stream = sys.stdout if args.output == "text" else sys.stderr
        for line in error_annotations(outcomes):
            stream.write(line + "\n")
    if args.output == "json":
        from .run import strict_json

        sys.stdout.write(strict_json([o.result for o in outcomes]) + "\n")
    if broken:
        return EXIT_USAGE
    return EXIT_OK if all(o.status in ("succeeded", "skipped") for o in outcomes) else EXIT_FAILED


def _given_inputs(value: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    from .inputs import load_inputs_argument

    return load_inputs_argument(value)


def _selector(args: argparse.Namespace) -> Any:
    workflows = set(args.workflow or ())
    keywords = list(args.keyword or ())
    if not workflows and not keywords:
        return None

    def select(name: str, workflow_id: str) -> bool:
        if workflows and workflow_id not in workflows:
            return False
        for keyword in keywords:
            negate = keyword.startswith("not ")
            text = keyword[4:].strip() if negate else keyword
            if (text.lower() in name.lower()) == negate:
                return False
        return True

    return select


def _collect(
    args: argparse.Namespace, paths: list[str], source_map: dict[str, str], given_inputs: Any
) -> tuple[list[Any], list[Any]]:
    from ..document.loader import load_report
    from ..errors import ArazzoError, Severity, UsageError
    from ..testing import BrokenDocument, cases_of_document
    from .names import openapi_source_names
    from .settings import network_policy_from

    select = _selector(args)
    servers = _servers_option(args.server)
    known_sources: set[str] = set()
    cases, broken = [], []
    for path in paths:
        report = load_report(
            path,
            allow_remote=args.allow_remote,
            source_map=source_map,
            allow_outside=args.allow_outside,
            network_policy=network_policy_from(args),  # --allow-remote fetches obey the host flags too
        )
        errors = [p for p in report.problems if p.severity is Severity.ERROR]
        if report.document is None or errors:
            broken.append(BrokenDocument(path, tuple(errors or report.problems)))
            continue
        known_sources |= set(openapi_source_names(report.document))
        try:
            cases.extend(
                cases_of_document(
                    path, report.document, given_inputs=given_inputs, replay_dir=args.replay, select=select
                )
            )
        except ArazzoError as exc:
            broken.append(BrokenDocument(path, (_problem(path, str(exc)),)))
    unknown = [name for name in servers if name not in known_sources]
    if unknown and paths:
        raise UsageError(
            f"--server {unknown[0]!r} names no source description of the documents found"
            f" (their sources are: {', '.join(sorted(known_sources)) or 'none'})"
        )
    return cases, broken


def _problem(path: str, message: str) -> Any:
    from ..errors import Location, Problem, Severity

    return Problem(message, Location(path), Severity.ERROR)


def _servers_option(values: list[str] | None) -> dict[str, str]:
    from .arguments import servers

    return servers(values)


def _settings(args: argparse.Namespace) -> Any:
    from ..engine import PollPacing, RunOptions
    from ..http import AwsEnvironment
    from ..testing import SuiteSettings
    from .settings import settings_from

    pacing = PollPacing() if args.poll_interval is None else PollPacing(interval=args.poll_interval)
    options = RunOptions(
        pacing=pacing,
        max_steps=args.max_steps if args.max_steps is not None else RunOptions().max_steps,
        run_timeout=args.timeout,
        validate=args.validate or "off",
    )
    # The settings `run` journals and carries (servers, network policy, limits): every live run has them.
    run_settings = settings_from(args, _servers_option(args.server))
    replay_environment = None
    if args.replay:
        from ..recording import replay_aws_environment

        replay_environment = run_settings.environment(
            aws=replay_aws_environment(region=args.region, profile=args.profile)
        )
    environment = run_settings.environment(aws=AwsEnvironment(region=args.region, profile=args.profile))
    live = not args.replay and not args.record
    return SuiteSettings(
        options=options,
        environment=environment,
        replay_environment=replay_environment,
        journal=_journal(args) if live and not args.no_journal else None,
        replay_match=args.replay_match,
        replay_pace=args.poll_interval is not None,
        record_dir=args.record,
        strict=args.strict,
    )


def _journal(args: argparse.Namespace) -> Any:
    """One journal for the whole suite: its runs' transitions share a transaction per event-loop
    tick (group commit), as a fleet's do, instead of one connection per run."""
    from ..journal import open_journal

    return open_journal(args.journal)


def _write_reports(args: argparse.Namespace, outcomes: list[Any]) -> None:
    from ..reports import write_private

    if args.junit:
        from ..reports.junit import junit_xml

        write_private(args.junit, junit_xml(outcomes))
    if args.report_json:
        from .run import strict_json

        write_private(args.report_json, strict_json([o.result for o in outcomes]) + "\n")
    if args.html:
        from ..reports.html import html_report

        write_private(args.html, html_report(outcomes))


_MARK = {"succeeded": "PASS", "failed": "FAIL", "skipped": "SKIP", "error": "ERROR"}


class LineRenderer:
    """One line per finished workflow. What is running: on a terminal, one rewritten status line;
    in a CI log (no terminal), a ``... running:`` line at most every ``heartbeat`` seconds, so a
    long live suite never looks hung."""

    def __init__(
        self,
        stream: Any,
        *,
        quiet: bool,
        total: int,
        heartbeat: float = 30.0,
        clock: Any = time.monotonic,
    ) -> None:
        self.stream = stream
        self.heartbeat = heartbeat
        self.clock = clock
        self._last_note = clock()
        self.quiet = quiet
        self.total = total
        self.finished = 0
        self.live = bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"
        self.running: dict[str, str] = {}  # case name -> current step (and poll count)
        #: Finished cases in the order they finished (what an interrupted suite still reports).
        self.outcomes: list[Any] = []
        self._status_shown = False

    def case_started(self, case: Any) -> None:
        self.running[case.name] = "starting"
        self._status()

    def case_event(self, case: Any, event: Any) -> None:
        if event.kind != "step_started":
            return
        poll = f" #{event.execution}" if event.execution > 1 else ""
        self.running[case.name] = f"{event.step_id}{poll}"
        if self.live:
            self._status()
        elif not self.quiet and self.clock() - self._last_note >= self.heartbeat:
            self._last_note = self.clock()
            self.stream.write(f"... {self._running_text()}\n")
            self.stream.flush()

    def case_finished(self, outcome: Any) -> None:
        self.outcomes.append(outcome)
        self.running.pop(outcome.name, None)
        self.finished += 1
        if not (self.quiet and outcome.status in ("succeeded", "skipped")):
            self._clear()
            self.stream.write(self.line(outcome) + "\n")
        self._status()

    def line(self, outcome: Any) -> str:
        mark = _MARK[outcome.status]
        if outcome.status == "skipped":
            return f"{mark:5} {outcome.name}: {outcome.result['error']['message']}"
        detail = f"({outcome.duration:.2f}s, {outcome.result.get('requests', 0)} requests)"
        if outcome.failure is not None:
            return f"{mark:5} {outcome.name} {detail}: {outcome.failure.summary()}"
        return f"{mark:5} {outcome.name} {detail}"

    def _status(self) -> None:
        if not self.live:
            return
        self._clear()
        if self.running:
            text = self._running_text()
            try:
                width = os.get_terminal_size(self.stream.fileno()).columns
            except (OSError, ValueError, AttributeError):  # not a real terminal (a test's stream)
                width = 100
            self.stream.write(text[: max(20, width - 1)])
            self.stream.flush()
            self._status_shown = True

    def _running_text(self) -> str:
        names = ", ".join(f"{n.rsplit('::', 1)[-1]} ({step})" for n, step in list(self.running.items())[:4])
        more = f" +{len(self.running) - 4}" if len(self.running) > 4 else ""
        return f"[{self.finished}/{self.total}] running: {names}{more}"

    def _clear(self) -> None:
        if self._status_shown:
            self.stream.write("\r\x1b[2K")
            self._status_shown = False

    def close(self) -> None:
        self._clear()
        self.stream.flush()

    def summary(self, outcomes: list[Any], seconds: float) -> None:
        counts = {status: sum(o.status == status for o in outcomes) for status in _MARK}
        parts = [f"{counts['succeeded']} passed", f"{counts['failed']} failed"]
        if counts["skipped"]:
            parts.append(f"{counts['skipped']} skipped")
        if counts["error"]:
            parts.append(f"{counts['error']} errors")
        self.stream.write(f"{', '.join(parts)} in {seconds:.2f}s\n")
        self.stream.flush()
