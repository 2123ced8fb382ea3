"""``arazzo run``: load, check inputs, run with live progress, print the result, exit with its code."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import TYPE_CHECKING, Any

from .arguments import (
    ResolvedRun,
    add_aws_options,
    add_command,
    add_journal_options,
    add_recording_options,
    add_server_option,
    add_workflow_option,
    source_map,
    use_live,
)
from .arguments import servers as servers_argument

if TYPE_CHECKING:  # the CLI imports the library lazily (cold start)
    from ..running import RunnableDocument

EXAMPLES = """examples:
  arazzo run workflows/amazon-sagemaker-train-and-poll-job-workflow.yml \\
      --inputs workflows/amazon-sagemaker-train-and-poll-job-workflow.inputs.json
  arazzo run doc.arazzo.yaml --workflow buy-pet -i petId=42 -i 'tags=["a","b"]' --output json
  arazzo run doc.arazzo.yaml --server petstore=http://127.0.0.1:8080 --poll-interval 0 --max-steps 100
  arazzo run doc.arazzo.yaml --inputs inputs.json --record run.har      # write a HAR recording
  arazzo run doc.arazzo.yaml --replay run.har                           # no network, full speed
  arazzo run doc.arazzo.yaml --replay run.har --replay-match method,path,target
"""


def add_run_parser(commands: Any, add_document_options: Any) -> None:
    run = add_command(
        commands,
        "run",
        help="run a workflow",
        description="Run a workflow against its APIs and print its outputs.",
        epilog=EXAMPLES,
    )
    add_document_options(run)
    add_workflow_option(run)
    run.add_argument(
        "--inputs",
        action="append",
        metavar="FILE|JSON",
        help="inputs: a JSON/YAML file or inline JSON (repeatable)",
    )
    run.add_argument(
        "-i",
        dest="input_pairs",
        action="append",
        metavar="NAME=VALUE",
        help="one input (JSON value or string; dotted names nest)",
    )
    add_server_option(run)
    run.add_argument(
        "--poll-interval",
        type=float,
        metavar="SECONDS",
        help="first wait of a poll loop (default 5; 0 for no waiting)",
    )
    run.add_argument(
        "--max-steps", type=int, metavar="N", help="step budget for the whole run (default 20000)"
    )
    run.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="fail the run after this much wall time, poll and retry waits included",
    )
    from .settings import add_limit_options

    add_limit_options(run)
    add_aws_options(
        run,
        region_help="AWS region for SigV4 sources (default: from the server URL or the environment)",
        profile_help="AWS profile for SigV4 sources (default: AWS_PROFILE or the default chain)",
    )
    run.add_argument(
        "--no-aws-signing",
        dest="aws_signing",
        action="store_false",
        help="do not sign sources whose server is an AWS endpoint with SigV4 unless they declare it"
        " (they keep their declared security schemes)",
    )
    run.add_argument(
        "--strict",
        action="store_true",
        help="fail the run (exit 1) when it has warnings, e.g. an output read as null from an answer",
    )
    run.add_argument(
        "-v", "--verbose", action="store_true", help="show requests, responses and every criterion"
    )
    run.add_argument("-q", "--quiet", action="store_true", help="print only the result")
    run.add_argument(
        "--validate",
        nargs="?",
        const="warn",
        choices=("warn", "strict"),
        help="check requests and responses against the OpenAPI description: report violations"
        " (--validate) or also fail the step (--validate=strict)",
    )
    run.add_argument(
        "--dry-run",
        action="store_true",
        help="build, sign and validate each step's first request and print it (credentials redacted); send nothing",
    )
    run.add_argument(
        "--on-interrupt",
        metavar="[FILE#]WORKFLOW",
        help="on Ctrl-C, run this workflow (of DOC, or of FILE) with the run's inputs and last outputs,"
        " e.g. to stop the job the run started, as Step Functions does when an execution is aborted",
    )
    add_journal_options(run)
    run.add_argument(
        "--no-journal",
        action="store_true",
        help="do not journal this run (it cannot be resumed after a crash)",
    )

    from ..telemetry.cli import add_telemetry_options
    from .temporal import add_run_options

    add_run_options(run)
    add_telemetry_options(run)
    add_recording_options(
        run,
        metavar="FILE.har",
        record_help="write every request and response (secrets redacted) and the run's inputs and outputs to a"
        " HAR file",
        replay_help="answer requests from a HAR recording instead of the network (inputs and workflow default to"
        " the recording's, --inputs and -i override single inputs; poll loops do not wait unless"
        " --poll-interval is given)",
        replay_match_help="what a request must share with the recorded one: comma-separated method, path,"
        " target (X-Amz-Target), body, header:NAME (default: method,path,target,body)",
    )


def run_workflow_command(args: argparse.Namespace, document: RunnableDocument) -> int:
    """``arazzo run``: run one workflow of the loaded ``document`` here, or on Temporal."""
    from ..document.describe import pick_workflow
    from ..engine import PollPacing, RunOptions
    from ..engine.warnings_log import WarningLog
    from ..journal.store import JournalWriteError
    from . import collector
    from .exit_codes import EXIT_INTERRUPTED
    from .inputs import collect_inputs
    from .names import check_input_names, check_server_names
    from .progress import ProgressRenderer
    from .settings import settings_from

    collector.settle_for_run()  # the document is loaded: set it aside, the collector back on
    recording = _recording_for(args)
    workflow = pick_workflow(document, args.workflow or (recording.workflow_id if recording else None))
    servers = servers_argument(args.server)
    check_server_names(servers, document)
    check_input_names(args.input_pairs, document, workflow, args.inputs)
    inputs = collect_inputs(
        args.inputs, args.input_pairs, recording.inputs if recording is not None else None
    )
    _check_inputs(args, document, workflow, inputs)
    settings = settings_from(args, servers)  # the run's settings: one value, journaled, sent to Temporal
    pacing = PollPacing() if args.poll_interval is None else PollPacing(interval=args.poll_interval)
    options = RunOptions(
        pacing=pacing,
        max_steps=args.max_steps if args.max_steps is not None else RunOptions().max_steps,
        run_timeout=args.timeout,
        validate=settings.validate,
    )
    environment = settings.environment(aws=_aws(args, recording is not None))
    if args.dry_run:
        return _dry_run(args, document, workflow.workflow_id, inputs, environment)
    resolved = ResolvedRun(args, document, workflow.workflow_id, inputs, options, settings)
    if args.temporal:
        return _run_command_on_temporal(resolved)
    cleanup = _cleanup_workflow(args, document)
    from ..telemetry.cli import telemetry_from

    if getattr(args, "otel", False) and (recording is not None or args.record):
        from ..errors import UsageError

        raise UsageError("--otel does not combine with --record or --replay (yet): run without one of them")
    telemetry = telemetry_from(args)  # None without --otel: then nothing of OpenTelemetry is imported
    show_progress = not args.quiet and (args.output == "text" or use_live(sys.stderr))
    renderer = (
        ProgressRenderer(sys.stderr, live=use_live(sys.stderr) and not args.verbose, verbose=args.verbose)
        if show_progress
        else None
    )
    problems: tuple[str, ...] = ()
    violations = ViolationLog(renderer) if args.validate else None
    warnings = WarningLog(violations if violations is not None else renderer)
    # What was started, for an interrupted run's report; passes every event on (violations, renderer).
    tracker = RunProgress(warnings)
    notices: JournalNotices | None = None
    try:
        if recording is not None:
            outcome = _replay(resolved, recording, environment, tracker)
            result, problems = outcome.result, outcome.problems
        elif args.record:
            from ..recording import record

            result = record(
                document,
                workflow.workflow_id,
                inputs,
                args.record,
                options=options,
                environment=environment,
                on_event=tracker,
                label=args.document,
            )
        else:
            journal = None if args.no_journal else (args.journal or True)
            notices = JournalNotices(tracker, quiet=args.quiet)
            result = document.run(
                workflow.workflow_id,
                inputs,
                options=options,
                environment=environment,
                on_event=notices,
                journal=journal,
                telemetry=telemetry,
            )
    except JournalWriteError as exc:
        if renderer is not None:
            renderer.close()
        run_id = exc.run_id or (notices.run_id if notices is not None else None)
        return journal_failed(exc, run_id, tracker, workflow.workflow_id, args.output)
    except KeyboardInterrupt as exc:
        from .signals import interrupted_exit_code, what_stopped

        if renderer is not None:
            renderer.close()
        seen = tracker.last_step_outputs
        running = f" (last outputs: {', '.join(f'{k}={v}' for k, v in seen.items())})" if seen else ""
        what = what_stopped(exc)
        print(f"arazzo: {what} during workflow {workflow.workflow_id!r}{running}.", file=sys.stderr)
        run_id = notices.run_id if notices is not None else None
        if run_id is not None and cleanup is None:
            print(
                f"arazzo: `arazzo resume {run_id}` carries the run on from where it stopped.", file=sys.stderr
            )
        if args.output == "json":  # still exactly one JSON object on stdout
            sys.stdout.write(strict_json(tracker.interrupted(workflow.workflow_id, what, run_id)) + "\n")
        if cleanup is None:
            print(
                "Anything the run started (for example a training job) is still running on the server"
                " (--on-interrupt WORKFLOW runs a workflow that stops it).",
                file=sys.stderr,
            )
        else:
            _run_cleanup(cleanup, {**inputs, **seen}, options, environment)
        return interrupted_exit_code(exc, EXIT_INTERRUPTED)
    finally:
        if renderer is not None:
            renderer.close()
        if telemetry is not None:
            telemetry.shutdown()  # flushes what the exporters still hold
    return print_result(args, result, problems, violations, warnings)


def journal_failed(exc: Any, run_id: str | None, tracker: Any, workflow_id: str, output: str) -> int:
    """A run stopped because its journal could not be written (read-only, locked, full): say so,
    name the run and what it had started (as an interrupted run does), exit 1."""
    from .exit_codes import EXIT_FAILED

    print(f"arazzo: error: {exc}", file=sys.stderr)
    seen = tracker.last_step_outputs if tracker is not None else {}
    started = f" (last outputs: {', '.join(f'{k}={v}' for k, v in seen.items())})" if seen else ""
    name = f"run {run_id}" if run_id else "the run"
    print(f"arazzo: {name} of workflow {workflow_id!r} stopped before its next request{started}.", file=sys.stderr)
    print(
        "Anything the run started (for example a training job) is still running on the server"
        + (f"; `arazzo resume {run_id}` carries the run on once the journal can be written again." if run_id else "."),
        file=sys.stderr,
    )
    if output == "json" and tracker is not None:
        data = tracker.interrupted(workflow_id, "stopped: its journal could not be written")
        data.update(status="failed", runId=run_id)
        data["error"] = {"type": "journal", "message": str(exc), "stepId": None}
        sys.stdout.write(strict_json(data) + "\n")
    return EXIT_FAILED


class JournalNotices:
    """Passes events on (to the interrupt tracker and the renderer); says the run's id (and
    unfinished twins) on stderr."""

    def __init__(self, renderer: Any, *, quiet: bool) -> None:
        self.renderer = renderer
        self.quiet = quiet
        #: The journaled run's id, once announced (for the interruption message).
        self.run_id: str | None = None

    def __call__(self, event: Any) -> None:
        if event.kind == "run_journaled":
            self.run_id = event.run_id
            if not self.quiet:
                verb = "resuming" if event.resumed else "run"
                print(f"arazzo: {verb} {event.run_id} (journal {event.path})", file=sys.stderr)
            for warning in event.warnings:
                print(f"arazzo: warning: {warning}", file=sys.stderr)
            if event.took_over_from:
                print(
                    f"arazzo: took run {event.run_id} over from {event.took_over_from}, which is gone",
                    file=sys.stderr,
                )
            for other in event.unfinished:
                print(
                    f"arazzo: warning: run {other} of the same document, workflow and inputs is unfinished;"
                    f" `arazzo resume {other}` continues it instead of starting again",
                    file=sys.stderr,
                )
            return
        if self.renderer is not None:
            self.renderer(event)


def print_result(
    args: argparse.Namespace,
    result: Any,
    problems: tuple[str, ...] = (),
    violations: Any = None,
    warnings: Any = None,
) -> int:
    """Print a run's outputs (or its JSON result, with the ``--validate`` violations and the
    warnings) and return the exit code: 1 when the run failed, or with ``--strict`` and warnings."""
    from .exit_codes import EXIT_FAILED, EXIT_OK

    data = result.to_dict(masked=True)
    if violations is not None:
        data["validation"] = violations.entries(result.masker)
    if warnings is not None:
        data["warnings"] = warnings.entries(result.masker)
    strict = _strict_verdict(args, data)
    _print_result(args, data)
    if strict and result.succeeded:
        _say_strict(len(warnings))
        return EXIT_FAILED
    if problems:
        print(f"arazzo: the run does not match the recording {args.replay}:", file=sys.stderr)
        for problem in problems:
            print("  " + problem.replace("\n", "\n  "), file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK if result.succeeded else EXIT_FAILED


def _strict_verdict(args: argparse.Namespace, data: dict[str, Any]) -> bool:
    """With ``--strict``, a result with warnings fails: marks ``data`` so and says whether it did."""
    count = len(data.get("warnings") or ())
    if not (getattr(args, "strict", False) and count):
        return False
    data["strict"] = {"failed": True, "warnings": count}
    return True


def _say_strict(count: int) -> None:
    print(
        f"arazzo: --strict: the run fails on its {count} warning{'s' if count != 1 else ''}"
        " (an answer it could not read as its expressions need)",
        file=sys.stderr,
    )


def _check_inputs(args: argparse.Namespace, document: Any, workflow: Any, inputs: dict[str, Any]) -> None:
    """Inputs against the schema before anything runs; a number given for a string says how to quote it."""
    from ..engine.inputs import InputsError, prepare_inputs
    from ..errors import UsageError
    from .inputs import quoting_hints

    try:
        prepare_inputs(document, workflow, inputs)
    except InputsError as exc:
        hints = quoting_hints(args.input_pairs, document.spec.inputs_schema(workflow))
        if not hints:
            raise
        raise UsageError(f"{exc.message} (to pass a string, quote it as JSON: {', '.join(hints)})") from None


class ViolationLog:
    """Collects ``--validate`` violations from the events (for the JSON ``validation`` list).

    Forwards every event to ``inner`` (the progress renderer, when there is one). A violation
    repeated by a poll loop is one entry with a ``count``.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._entries: dict[tuple[Any, ...], dict[str, Any]] = {}

    def __call__(self, event: Any) -> None:
        detail = getattr(event, "violation", None)
        if detail is not None:
            key = (event.step_id, *detail.values())
            entry = self._entries.setdefault(key, {"step": event.step_id, **detail, "count": 0})
            entry["count"] += 1
        if self.inner is not None:
            self.inner(event)

    def entries(self, masker: Any) -> list[dict[str, Any]]:
        """The violations, secret input values masked."""
        return [
            {**e, "message": masker.text(e["message"]) if masker is not None else e["message"]}
            for e in self._entries.values()
        ]


class RunProgress:
    """Listens to a run's events (passing them on to the renderer, if any) and keeps what an
    interrupted run must still report: the last outputs of each step (masked, as events are),
    the steps finished and the requests sent."""

    def __init__(self, renderer: Any) -> None:
        self.renderer = renderer
        self.last_step_outputs: dict[str, Any] = {}
        self.steps: list[dict[str, Any]] = []
        self.requests = 0
        self.transport_retries = 0
        self.started = time.monotonic()
        #: The run's workflow, from its first event that names one (``resume`` knows no other way).
        self.workflow_id: str | None = None

    def __call__(self, event: Any) -> None:
        kind = event.kind  # by kind, not isinstance: thousands of events a second in a poll loop
        if self.workflow_id is None:
            self.workflow_id = getattr(event, "workflow_id", None)
        if kind == "step_finished":
            self.last_step_outputs.update({k: v for k, v in event.outputs.items() if v is not None})
            from ..engine.result import StepRecord

            self.steps.append(StepRecord.from_event(event).to_dict())
        elif kind == "request_built":
            self.requests += 1
        elif kind == "transport_retried":  # counted in requests too, as a finished run's are
            self.requests += 1
            self.transport_retries += 1
        if self.renderer is not None:
            self.renderer(event)

    def interrupted(self, workflow_id: str, what: str, run_id: str | None = None) -> dict[str, Any]:
        """The ``--output json`` object of a run stopped by a signal (status ``interrupted``): the same
        schema as every other ending (``result.schema.json``), with the ``runId`` to resume."""
        data: dict[str, Any] = {
            "workflowId": workflow_id,
            "status": "interrupted",
            "outputs": dict(self.last_step_outputs),
            "steps": self.steps,
            "error": {
                "type": "interrupted",
                "message": f"the run was {what}",
                "stepId": None,
                "workflowId": workflow_id,
            },
            "requests": self.requests,
            "transportRetries": self.transport_retries,
            "durationMs": round((time.monotonic() - self.started) * 1000, 3),
        }
        if run_id is not None:
            data["runId"] = run_id
        return data


def _byte_size(text: str) -> int:
    """``--max-response-size``'s parser (kept here for callers of the old name)."""
    from .settings import byte_size

    return byte_size(text)


def strict_json(data: Any) -> str:
    """``data`` as strict JSON: a non-finite float (from an input, say) is written as ``null``.

    Answers are already read that way (see :mod:`arazzo_runner.body_parsing`); this is the last
    guard, because strict parsers reject the ``NaN`` that ``json.dumps`` writes by default.
    """
    try:
        return json.dumps(data, ensure_ascii=False, default=str, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(data), ensure_ascii=False, default=str, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _run_command_on_temporal(resolved: ResolvedRun) -> int:
    """Submit to Temporal and follow with the same progress and result as a local run (or --detach).

    The run's settings go in the workflow's input and every worker applies them; one a worker
    cannot apply is refused here, before anything is submitted."""
    from ..errors import UsageError
    from ..run_settings import temporal_refusals
    from .exit_codes import EXIT_FAILED, EXIT_OK
    from .progress import ProgressRenderer
    from .temporal import run_on_temporal

    args = resolved.args
    local_only = [name for name in ("record", "replay", "on_interrupt") if getattr(args, name)]
    if local_only:
        raise UsageError(
            f"--{local_only[0].replace('_', '-')} is for local runs; it cannot be combined with --temporal"
        )
    if args.region or args.profile:
        raise UsageError(
            "--region and --profile are the workers' settings with --temporal (pass them to arazzo worker)"
        )
    refused = temporal_refusals(resolved.settings)
    if refused:
        raise UsageError(f"a Temporal worker cannot apply {'; '.join(refused)}: nothing was submitted")
    show_progress = not args.detach and not args.quiet and (args.output == "text" or use_live(sys.stderr))
    renderer = (
        ProgressRenderer(sys.stderr, live=use_live(sys.stderr) and not args.verbose, verbose=args.verbose)
        if show_progress
        else None
    )
    try:
        data, run_id = run_on_temporal(resolved, source_map(args.source_map), renderer)
    except KeyboardInterrupt:
        print(
            "arazzo: stopped following; the run goes on on Temporal (arazzo runs show ID).", file=sys.stderr
        )
        raise
    finally:
        if renderer is not None:
            renderer.close()
    if data is None:
        sys.stdout.write(run_id + "\n")
        return EXIT_OK
    data.setdefault("runId", run_id)  # as a local run's: the id `arazzo runs show ID` takes
    strict = _strict_verdict(args, data)
    _print_result(args, data)
    if strict and data["status"] == "succeeded":
        _say_strict(data["strict"]["warnings"])
        return EXIT_FAILED
    return EXIT_OK if data["status"] == "succeeded" else EXIT_FAILED


def _print_result(args: argparse.Namespace, data: dict[str, Any]) -> None:
    """A run's result (local or on Temporal): one JSON object, or its outputs one per line."""
    if args.output == "json":
        sys.stdout.write(strict_json(data) + "\n")
        return
    for name, value in data["outputs"].items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        sys.stdout.write(f"{name}: {text}\n")
    if data["error"] is not None and args.quiet:
        print(f"arazzo: {data['error']['message']}", file=sys.stderr)


def _recording_for(args: argparse.Namespace) -> Any:
    """The recording to replay (``None`` when not replaying); checks the record/replay options."""
    from ..errors import UsageError

    if args.record and args.replay:
        raise UsageError(
            "--record and --replay cannot be used together (re-record by running without --replay)"
        )
    if args.replay_match and not args.replay:
        raise UsageError("--replay-match only applies with --replay FILE.har")
    if not args.replay:
        return None
    from ..recording import parse_match, read_har

    parse_match(args.replay_match)  # a bad value is a usage error before anything runs
    return read_har(args.replay)


def _aws(args: argparse.Namespace, replaying: bool) -> Any:
    """The run's AWS environment; a replay signs with throwaway keys unless credentials are configured."""
    from ..http import AwsEnvironment

    if replaying:
        from ..recording import replay_aws_environment

        return replay_aws_environment(region=args.region, profile=args.profile)
    return AwsEnvironment(region=args.region, profile=args.profile)


def _replay(resolved: ResolvedRun, recording: Any, environment: Any, renderer: Any) -> Any:
    """Replay at full speed unless ``--poll-interval`` asks for pacing."""
    from ..recording import replay

    return replay(
        resolved.document,
        recording,
        workflow_id=resolved.workflow_id,
        inputs=resolved.inputs,
        match=resolved.args.replay_match,
        pace=resolved.args.poll_interval is not None,
        options=resolved.options,
        environment=environment,
        on_event=renderer,
    )


def _dry_run(
    args: argparse.Namespace, document: Any, workflow_id: str, inputs: dict[str, Any], environment: Any
) -> int:
    """Print each step's first request, signed and validated, without sending anything."""
    from ..drivers.dry_run import plan_requests
    from .exit_codes import EXIT_FAILED, EXIT_OK

    planned = plan_requests(document, workflow_id, inputs, environment=environment)
    if any((p.note or "").startswith("cannot build the request: no AWS credentials found") for p in planned):
        # Nothing is sent: show the requests signed with placeholder keys rather than not at all.
        from ..drivers import RunEnvironment
        from ..recording.runs import THROWAWAY_ACCESS_KEY_ID, replay_aws_environment

        placeholder = RunEnvironment(
            servers=environment.servers, aws=replay_aws_environment(region=args.region, environ={})
        )
        planned = plan_requests(document, workflow_id, inputs, environment=placeholder)
        print(
            f"arazzo: no AWS credentials found; --dry-run signs with placeholder credentials"
            f" ({THROWAWAY_ACCESS_KEY_ID}) to show the requests. A real run needs credentials.",
            file=sys.stderr,
        )
    if args.output == "json":
        sys.stdout.write(json.dumps([p.to_dict() for p in planned], ensure_ascii=False, default=str) + "\n")
    else:
        for plan in planned:
            sys.stdout.write(f"# {plan.step_id}\n")
            if plan.method is None:
                sys.stdout.write(f"  ({plan.note})\n\n")
                continue
            sys.stdout.write(f"{plan.method} {plan.url}\n")
            for name, value in plan.headers:
                sys.stdout.write(f"{name}: {value}\n")
            if plan.body is not None:
                body = (
                    plan.body
                    if isinstance(plan.body, str)
                    else json.dumps(plan.body, indent=2, ensure_ascii=False)
                )
                sys.stdout.write(f"\n{body}\n")
            for violation in plan.violations:
                sys.stdout.write(f"! OpenAPI: {violation}\n")
            sys.stdout.write("\n")
    fine = ("calls workflow", "AsyncAPI ")  # a workflow call, a message step (1.1): nothing to send
    broken = [p for p in planned if p.method is None and not (p.note or "").startswith(fine)]
    strict = args.validate == "strict" and any(p.violations for p in planned)
    return EXIT_FAILED if broken or strict else EXIT_OK


def _cleanup_workflow(args: argparse.Namespace, document: Any) -> tuple[Any, str] | None:
    """The (document, workflow id) named by --on-interrupt, loaded and checked before the run starts."""
    if not args.on_interrupt:
        return None
    from ..document.describe import pick_workflow

    path, sep, workflow_id = args.on_interrupt.rpartition("#")
    target = document
    if sep and path:
        from ..running import load

        target = load(path, allow_remote=args.allow_remote, allow_outside=args.allow_outside)
    else:
        workflow_id = args.on_interrupt
    return target, pick_workflow(target, workflow_id or None).workflow_id


def _run_cleanup(cleanup: tuple[Any, str], available: dict[str, Any], options: Any, environment: Any) -> None:
    """Run the --on-interrupt workflow with the inputs it declares, reporting what it did."""
    from ..engine.inputs import inputs_for

    target, workflow_id = cleanup
    workflow = target.workflow(workflow_id)
    print(f"arazzo: running {workflow_id!r} (--on-interrupt)...", file=sys.stderr)
    try:
        result = target.run(
            workflow_id, inputs_for(target, workflow, available), options=options, environment=environment
        )
    except KeyboardInterrupt:
        print(f"arazzo: {workflow_id!r} interrupted too; giving up.", file=sys.stderr)
        return
    except Exception as exc:  # the cleanup's own problem must not hide the interruption
        print(f"arazzo: {workflow_id!r} could not run: {exc}", file=sys.stderr)
        return
    outputs = ", ".join(f"{k}={v}" for k, v in result.to_dict(masked=True)["outputs"].items())
    verdict = "done" if result.succeeded else f"failed: {result.error.message if result.error else ''}"
    print(f"arazzo: {workflow_id!r} {verdict}" + (f" ({outputs})" if outputs else ""), file=sys.stderr)
