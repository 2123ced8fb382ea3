"""``arazzo worker``, ``arazzo runs`` and ``arazzo run --temporal``: the CLI over :mod:`arazzo_runner.temporal`.

Thin: options become a :class:`~arazzo_runner.temporal.connection.TemporalTarget`, the library
does the rest. ``temporalio`` is imported only when one of these commands runs; without the
extra installed the user is told what to install.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .arguments import ResolvedRun

WORKER_EXAMPLES = """examples:
  temporal server start-dev                         # a local Temporal (UI on http://localhost:8233)
  arazzo worker --temporal localhost:7233           # start one or more workers
  arazzo worker --temporal localhost:7233 --task-queue training --max-concurrent 200
  arazzo worker --temporal NS.ACCT.tmprl.cloud:7233 --namespace NS.ACCT --api-key-file key.txt
"""


def add_connection_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    group = parser.add_argument_group("Temporal")
    group.add_argument(
        "--temporal",
        metavar="HOST:PORT",
        required=required,
        help="the Temporal frontend (e.g. localhost:7233, or NS.ACCT.tmprl.cloud:7233)",
    )
    group.add_argument("--namespace", default="default", help="Temporal namespace (default: default)")
    group.add_argument(
        "--task-queue", default=None, metavar="Q", help="task queue of the workers (default: arazzo-runner)"
    )
    group.add_argument("--tls", action="store_true", help="connect with TLS (implied by the options below)")
    group.add_argument("--tls-cert", metavar="FILE", help="client certificate (PEM) for mTLS")
    group.add_argument("--tls-key", metavar="FILE", help="client private key (PEM) for mTLS")
    group.add_argument(
        "--tls-ca", metavar="FILE", help="CA certificate (PEM) the server's certificate must chain to"
    )
    group.add_argument("--tls-server-name", metavar="NAME", help="server name to verify (SNI override)")
    group.add_argument(
        "--api-key-file",
        metavar="FILE",
        help="Temporal Cloud API key, read from FILE (or set TEMPORAL_API_KEY); implies TLS",
    )
    group.add_argument(
        "--encryption-key-file",
        metavar="FILE",
        help="encrypt every payload (inputs, responses, results) with this AES-256 key (32 bytes, base64;"
        " or set ARAZZO_TEMPORAL_KEY); clients and workers must use the same key",
    )


#: What a worker timeout may be: a millisecond (Temporal counts in them; less would read as 0,
#: "the server's default") to a day (``inf`` or ``1e400`` would overflow after connecting).
TIMEOUT_RANGE = (0.001, 86_400.0)


def _positive_seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:  # NaN too
        raise argparse.ArgumentTypeError(f"not a positive number of seconds: {text!r}")
    low, high = TIMEOUT_RANGE
    if not low <= seconds <= high:  # inf too
        raise argparse.ArgumentTypeError(f"{text!r} seconds is outside {low:g} to {high:g}")
    return seconds


def add_worker_parser(commands: Any) -> None:
    from .arguments import add_aws_options, add_command, add_server_option

    worker = add_command(
        commands,
        "worker",
        help="run a Temporal worker that executes submitted runs",
        description="Poll a Temporal task queue and execute Arazzo runs: the workflow logic and every request"
        " (signed here, with this machine's credentials).",
        epilog=WORKER_EXAMPLES,
    )
    add_connection_options(worker, required=True)
    worker.add_argument(
        "--max-concurrent",
        type=int,
        default=100,
        metavar="N",
        help="workflow and request tasks at once (default 100)",
    )
    worker.add_argument(
        "--sticky-timeout",
        type=_positive_seconds,
        default=10.0,
        metavar="SECONDS",
        help="how long a run's next workflow task waits for this worker (which has the run cached) before"
        " any worker takes it: after a crash, the delay before another worker carries on (default 10)",
    )
    add_server_option(worker)
    add_aws_options(
        worker,
        region_help="AWS region for SigV4 sources (default: from the URL or the environment)",
        profile_help="AWS profile for SigV4 sources (default: AWS_PROFILE or the default chain)",
    )
    worker.add_argument(
        "--transport-retries", action="store_true", help="also retry 5xx/429 on non-AWS sources"
    )
    worker.add_argument(
        "--http-timeout",
        type=float,
        metavar="SECONDS",
        help="wait this long for an answer (default 30; a run's own --http-timeout replaces it for that run)",
    )
    worker.add_argument(
        "--client-cert",
        action="append",
        metavar="HOST=CERT.pem[,KEY.pem]",
        help="client certificate for mutual TLS with HOST, for every run (repeatable)",
    )
    worker.add_argument(
        "--otel",
        action="store_true",
        help="join each run's OpenTelemetry trace (temporalio's interceptor) and export over OTLP/HTTP,"
        " configured by the standard OTEL_* variables (the [otel] extra)",
    )
    from .settings import add_network_options

    add_network_options(worker)  # the worker's own rules; each run's own apply on top of them


def add_run_options(run: argparse.ArgumentParser) -> None:
    """``arazzo run DOC --temporal HOST:PORT [--detach]`` (the rest of the run options apply as locally)."""
    add_connection_options(run, required=False)
    run.add_argument(
        "--detach", action="store_true", help="with --temporal: submit, print the run's id and exit"
    )
    run.add_argument(
        "--run-id", metavar="ID", help="with --temporal: the workflow id to use (default: generated)"
    )


# -- connection ----------------------------------------------------------------------------
def _read_secret(path: str, what: str) -> str:
    from ..errors import UsageError

    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError as exc:
        raise UsageError(f"cannot read the {what} file {path}: {exc.strerror}") from exc


def target_from(args: argparse.Namespace) -> Any:
    try:
        from ..temporal.codec import key_from_environment, parse_key
        from ..temporal.connection import TemporalTarget
    except ImportError as exc:
        from ..errors import UsageError

        raise UsageError(
            f"Temporal support is not installed ({exc.name} is missing): pip install 'arazzo-runner[temporal]'"
        ) from exc
    api_key = (
        _read_secret(args.api_key_file, "API key")
        if args.api_key_file
        else os.environ.get("TEMPORAL_API_KEY")
    )
    key = (
        parse_key(_read_secret(args.encryption_key_file, "encryption key"))
        if args.encryption_key_file
        else key_from_environment()
    )
    return TemporalTarget(
        address=args.temporal,
        namespace=args.namespace,
        tls=args.tls,
        tls_cert=args.tls_cert,
        tls_key=args.tls_key,
        tls_ca=args.tls_ca,
        tls_server_name=args.tls_server_name,
        api_key=api_key or None,
        encryption_key=key,
    )


def _task_queue(args: argparse.Namespace) -> str:
    from ..temporal import TASK_QUEUE

    return args.task_queue or TASK_QUEUE


# -- commands ------------------------------------------------------------------------------
def temporal_command(args: argparse.Namespace) -> int:
    """``worker`` and ``runs``: errors are one line and an exit code, never a traceback."""
    from .. import event_loop
    from ..errors import ArazzoError

    try:
        if args.command == "worker":
            return event_loop.run(_worker(args))  # a fleet's activities: uvloop when installed
        return asyncio.run(_runs(args))
    except ArazzoError as exc:
        print(f"arazzo: error: {exc}", file=sys.stderr)
        return exc.exit_code


async def _worker(args: argparse.Namespace) -> int:
    from ..drivers import RunEnvironment
    from ..http import AwsEnvironment, NetworkPolicy
    from ..temporal.connection import connect
    from ..temporal.worker import serve
    from .arguments import servers as servers_argument
    from .settings import client_certs_from, network_policy_from

    target = target_from(args)
    servers = servers_argument(args.server)
    aws = AwsEnvironment(region=args.region, profile=args.profile)
    certs = client_certs_from(args)
    own = network_policy_from(args)
    policy = (
        NetworkPolicy(
            allow_hosts=own.allow_hosts if own else (),
            deny_hosts=own.deny_hosts if own else (),
            deny_private_networks=bool(own and own.deny_private_networks),
            client_certs={host: (cert, key) for host, cert, key in certs},
        )
        if own is not None or certs
        else None
    )

    def make_environment(run_servers: dict[str, str]) -> RunEnvironment:
        # A fresh environment per run's servers and settings: the send activity applies the run's
        # settings (network policy, limits) on top of this one (RunSettings.apply_to).
        return RunEnvironment(
            servers={**servers, **run_servers},
            aws=aws,
            transport_retries=args.transport_retries,
            request_timeout=args.http_timeout,
            network_policy=policy,
        )

    from ..telemetry.cli import telemetry_from

    telemetry = telemetry_from(args)  # None without --otel: nothing of OpenTelemetry imported
    client = await connect(target, interceptors=_interceptors(telemetry))
    queue = _task_queue(args)

    def ready(identity: str) -> None:
        print(
            f"arazzo worker {identity}: polling task queue {queue!r} at {target.address}"
            f" (namespace {target.namespace}); Ctrl-C to stop",
            file=sys.stderr,
            flush=True,
        )

    try:
        sent = await serve(
            client,
            task_queue=queue,
            max_concurrent=args.max_concurrent,
            make_environment=make_environment,
            on_ready=ready,
            observe=_observer(telemetry),
            sticky_timeout=args.sticky_timeout,
        )
    finally:
        if telemetry is not None:
            telemetry.shutdown()
    print(f"arazzo worker: stopped after {sent} requests", file=sys.stderr, flush=True)
    return 0


async def _runs(args: argparse.Namespace) -> int:
    from ..errors import UsageError
    from ..temporal.connection import connect
    from ..temporal.runs import list_runs, show_run

    client = await connect(target_from(args))
    if args.action == "show":
        if not args.run_id:
            raise UsageError("runs show needs the run's id (arazzo runs show ID --temporal HOST:PORT)")
        data = await show_run(client, args.run_id)
        if args.output == "json":
            sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
        else:
            _render_run(data)
        return 0
    if args.run_id:
        raise UsageError(
            f"unexpected argument {args.run_id!r} (did you mean: arazzo runs show {args.run_id}?)"
        )
    found = await list_runs(client, limit=args.limit or 20)
    if args.output == "json":
        sys.stdout.write(json.dumps(found, ensure_ascii=False, default=str) + "\n")
    else:
        _table(found)
        if not found:
            print("no runs yet", file=sys.stderr)
    return 0


def _table(found: list[dict[str, Any]]) -> None:
    """The same columns and words as the local ``arazzo runs`` (NEXT POLL: Temporal keeps it to itself)."""
    from datetime import datetime

    from .arguments import runs_table

    def when(iso: str | None) -> str:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S") if iso else "-"

    rows = [
        (r["id"], r.get("workflowId") or "-", r["status"], when(r["started"]), r.get("lastStep") or "-", "-")
        for r in found
    ]
    runs_table(rows, sys.stdout)


def _render_run(data: dict[str, Any]) -> None:
    sys.stdout.write(f"run {data['id']}  {data['status']} (started {data['started']}")
    sys.stdout.write(f", closed {data['closed']})\n" if data.get("closed") else ")\n")
    if data.get("step"):
        sys.stdout.write(f"  running step: {data['step']}\n")
    result = data.get("result")
    if result is not None:
        sys.stdout.write(f"  workflow {result['workflowId']}: {result['status']}\n")
        for name, value in result["outputs"].items():
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
            sys.stdout.write(f"  {name}: {text}\n")
        if result.get("error"):
            sys.stdout.write(f"  error: {result['error']['message']}\n")
    if data.get("failure"):
        sys.stdout.write(f"  failure: {data['failure']}\n")


def run_on_temporal(
    resolved: ResolvedRun, source_map: dict[str, str], renderer: Any
) -> tuple[dict[str, Any] | None, str]:
    """Submit the run; follow it (result) or, with ``--detach``, return (None, its id)."""
    from ..temporal.connection import connect
    from ..temporal.runs import follow, new_request, submit

    args, document, workflow_id = resolved.args, resolved.document, resolved.workflow_id
    inputs, options, settings = resolved.inputs, resolved.options, resolved.settings
    request = new_request(
        document, workflow_id, inputs, options=options, settings=settings, source_map=source_map
    )
    target = target_from(args)
    from ..telemetry.cli import telemetry_from

    telemetry = telemetry_from(args)

    async def go() -> tuple[dict[str, Any] | None, str]:
        client = await connect(target, interceptors=_interceptors(telemetry))
        with _submission(telemetry, workflow_id, renderer, document, inputs) as listener:
            handle = await submit(client, request, task_queue=_task_queue(args), run_id=args.run_id)
            if args.detach:
                return None, handle.id
            if renderer is not None:
                print(f"arazzo: run {handle.id} submitted to {target.address}", file=sys.stderr, flush=True)
            hint = asyncio.ensure_future(_hint_without_worker(client, _task_queue(args), target.address))
            try:
                return await follow(handle, listener), handle.id
            finally:
                hint.cancel()

    try:
        return asyncio.run(go())
    finally:
        if telemetry is not None:
            telemetry.shutdown()


def _interceptors(telemetry: Any) -> list[Any]:
    """temporalio's OpenTelemetry interceptor with ``--otel`` (nothing imported without it)."""
    if telemetry is None:
        return []
    from ..telemetry.temporal import interceptors

    return interceptors(telemetry)


def _observer(telemetry: Any) -> Any:
    """With ``--otel``: each request's HTTP attributes on its activity's span."""
    if telemetry is None:
        return None
    from ..telemetry.temporal import exchange_attributes

    return exchange_attributes


def _submission(telemetry: Any, workflow_id: str, renderer: Any, document: Any, inputs: Any) -> Any:
    if telemetry is None:
        import contextlib

        return contextlib.nullcontext(renderer)
    from ..telemetry.temporal import submission

    return submission(telemetry, workflow_id, renderer, document=document, inputs=inputs)


#: Seconds after submitting before ``run --temporal`` checks that a worker polls its task queue.
NO_WORKER_HINT_AFTER = 3.0


async def _hint_without_worker(client: Any, task_queue: str, address: str) -> None:
    """A run nobody picks up waits silently: after a few seconds with no poller on the task queue, say
    so and name the command that starts a worker (``ARAZZO_NO_WORKER_HINT_AFTER`` sets the seconds)."""
    from ..temporal.runs import has_workflow_pollers

    await asyncio.sleep(float(os.environ.get("ARAZZO_NO_WORKER_HINT_AFTER", NO_WORKER_HINT_AFTER)))
    try:
        if await has_workflow_pollers(client, task_queue):
            return
    except Exception:  # the hint is a courtesy: a server that cannot say is not an error
        return
    queue = "" if task_queue == _default_task_queue() else f" --task-queue {task_queue}"
    print(
        f"arazzo: no worker is polling task queue {task_queue!r} on {address}; the run waits until one does."
        f" Start one with: arazzo worker --temporal {address}{queue}",
        file=sys.stderr,
        flush=True,
    )


def _default_task_queue() -> str:
    from ..temporal import TASK_QUEUE

    return TASK_QUEUE
