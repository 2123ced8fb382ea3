"""``arazzo mcp DOC...``: serve the documents' workflows as MCP tools (a thin layer over arazzo_runner.mcp_server)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

EXAMPLES = """examples:
  arazzo mcp workflows/amazon-sagemaker-train-and-poll-job-workflow.yml        # stdio: a client starts it
  arazzo mcp doc.arazzo.yaml --transport http --port 8765                      # http://127.0.0.1:8765/mcp
  arazzo mcp a.yaml b.yaml --deny-workflow 'delete*' --secrets secrets.json --wait 5

Secret inputs (format: password, writeOnly, secret-like names) are not in the tools' schemas: the
server reads them from ARAZZO_SECRET_<NAME> (e.g. ARAZZO_SECRET_API_TOKEN) or --secrets FILE.
Every tool call is logged to stderr (or --log FILE) as a JSON line, secrets masked.
"""


def add_mcp_parser(commands: Any) -> None:
    from .arguments import (
        add_aws_options,
        add_command,
        add_journal_options,
        add_server_option,
        add_source_options,
    )

    mcp = add_command(
        commands,
        "mcp",
        help="serve workflows to AI agents as MCP tools",
        description="Serve every workflow of the documents as a Model Context Protocol tool.",
        epilog=EXAMPLES,
    )
    mcp.add_argument("documents", metavar="DOC", nargs="+", help="Arazzo documents to serve (only these)")
    mcp.add_argument("--transport", choices=("stdio", "http"), default="stdio", help="default: stdio")
    mcp.add_argument("--host", default="127.0.0.1", help="http: address to listen on (default 127.0.0.1)")
    mcp.add_argument("--port", type=int, default=8765, help="http: port (default 8765; 0: any free port)")
    mcp.add_argument(
        "--wait",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="answer a call after this long with the run id and its state so far; the run goes on (default 20)",
    )
    mcp.add_argument(
        "--allow-workflow", action="append", metavar="GLOB", help="serve only these (repeatable)"
    )
    mcp.add_argument(
        "--deny-workflow", action="append", metavar="GLOB", help="never serve these (repeatable)"
    )
    mcp.add_argument(
        "--secrets", metavar="FILE", help="JSON/YAML object of secret input values (server-side)"
    )
    mcp.add_argument("--log", metavar="FILE", help="append the call log (JSON lines) here instead of stderr")
    add_source_options(mcp, several=True)
    runs = mcp.add_argument_group("run options (applied to every run the server starts)")
    add_server_option(runs, help="send a source's requests to URL")
    runs.add_argument(
        "--poll-interval", type=float, metavar="SECONDS", help="first wait of a poll loop (default 5)"
    )
    runs.add_argument("--max-steps", type=int, metavar="N", help="step budget per run (default 20000)")
    runs.add_argument("--timeout", type=float, metavar="SECONDS", help="fail a run after this much wall time")
    from .settings import add_limit_options, add_network_options

    add_network_options(runs)  # --deny-private-networks: on by default with --transport http
    runs.add_argument(
        "--allow-private-networks",
        action="store_true",
        help="with --transport http: let runs reach loopback and private addresses (denied by default)",
    )
    add_limit_options(runs)
    add_aws_options(runs)
    runs.add_argument(
        "--validate", nargs="?", const="warn", choices=("warn", "strict"), help="check against OpenAPI"
    )
    add_journal_options(runs)


def mcp_command(args: argparse.Namespace) -> int:
    """Load the documents, build the tools and serve until the client (or Ctrl-C) stops it."""
    from ..errors import UsageError
    from .exit_codes import EXIT_OK, EXIT_USAGE

    try:
        import mcp  # noqa: F401  the SDK speaks the protocol
    except ImportError:
        print(
            "arazzo: error: `arazzo mcp` needs the MCP SDK: pip install 'arazzo-runner[mcp]'", file=sys.stderr
        )
        return EXIT_USAGE
    if args.deny_private_networks and args.allow_private_networks:
        raise UsageError("--deny-private-networks and --allow-private-networks contradict each other")
    if args.wait < 0:
        raise UsageError("--wait must be 0 or more seconds")
    documents = _load(args)
    if documents is None:
        return EXIT_USAGE
    import asyncio

    from ..mcp_server import RunRegistry, ServerSettings, build_server, workflow_tools
    from ..mcp_server.serve import serve_http, serve_stdio

    tools = workflow_tools(
        [(path, doc) for path, doc, _ in documents],
        allow=args.allow_workflow or (),
        deny=args.deny_workflow or (),
    )
    if not tools:
        raise UsageError("no workflow left to serve (see --allow-workflow/--deny-workflow)")
    secrets = _secrets(args.secrets, tools)
    log = _EventLog(args.log)
    registry = RunRegistry(
        environment=_environment(args, [doc for _, doc, _ in documents]),
        options=_options(args),
        journal=_journal_path(args.journal),
        secrets=secrets,
        on_event=log,
        served=frozenset((tool.document.location, tool.workflow_id) for tool in tools),
    )
    settings = ServerSettings(
        tools=tools, documents=[(path, text) for path, _, text in documents], wait=args.wait
    )
    server = build_server(settings, registry, on_event=log)
    _warn_missing_secrets(tools, secrets)
    if args.transport == "http" and args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"arazzo: warning: serving on {args.host} without authentication: whoever reaches it can run"
            " these workflows with this server's credentials (bind 127.0.0.1, or put an authenticating proxy"
            " in front)",
            file=sys.stderr,
        )
    try:
        if args.transport == "http":
            announce = lambda url: print(f"arazzo: MCP server at {url}", file=sys.stderr, flush=True)  # noqa: E731
            asyncio.run(serve_http(server, registry, args.host, args.port, announce))
        else:
            asyncio.run(serve_stdio(server, registry))
    finally:
        log.close()
    return EXIT_OK


def _load(args: argparse.Namespace) -> list[tuple[str, Any, str]] | None:
    """(path, document, text) of each document; their problems printed and ``None`` if any is invalid."""
    from ..document.loader import load_report
    from ..errors import Severity
    from .arguments import source_map

    loaded = []
    broken = False
    for path in args.documents:
        report = load_report(
            path,
            allow_remote=args.allow_remote,
            source_map=source_map(args.source_map),
            allow_outside=args.allow_outside,
        )
        errors = [p for p in report.problems if p.severity is Severity.ERROR]
        if report.document is None or errors:
            broken = True
            for problem in report.problems:
                print(problem, file=sys.stderr)
            continue
        with open(path, encoding="utf-8") as handle:
            loaded.append((path, report.document, handle.read()))
    return None if broken else loaded


def _environment(args: argparse.Namespace, documents: list[Any]) -> Any:
    """Every run's environment, from the same flags (and the same RunSettings) as ``arazzo run``'s."""
    from ..errors import UsageError
    from ..http import AwsEnvironment
    from .arguments import servers as servers_argument
    from .names import openapi_source_names
    from .settings import settings_from

    servers = servers_argument(args.server)
    known = {name for document in documents for name in openapi_source_names(document)}
    unknown = sorted(set(servers) - known)
    if unknown:
        raise UsageError(
            f"--server {', '.join(unknown)}: no such source in the documents (the sources are: {', '.join(sorted(known))})"
        )
    # An agent reaching the server over HTTP must not make it reach the metadata service or the LAN.
    args.deny_private_networks = args.deny_private_networks or (
        args.transport == "http" and not args.allow_private_networks
    )
    return settings_from(args, servers).environment(
        aws=AwsEnvironment(region=args.region, profile=args.profile)
    )


def _options(args: argparse.Namespace) -> Any:
    from ..engine import PollPacing, RunOptions

    pacing = PollPacing() if args.poll_interval is None else PollPacing(interval=args.poll_interval)
    return RunOptions(
        pacing=pacing,
        max_steps=args.max_steps if args.max_steps is not None else RunOptions().max_steps,
        run_timeout=args.timeout,
        validate=args.validate or "off",
    )


def _journal_path(journal: str | None) -> str:
    from ..journal import default_path

    return str(journal or os.environ.get("ARAZZO_JOURNAL") or default_path())


def _secrets(path: str | None, tools: list[Any]) -> dict[str, Any]:
    """Secret input values: ARAZZO_SECRET_<NAME> variables, then --secrets FILE (the file wins)."""
    from ..errors import UsageError
    from ..mcp_server.tools import secret_variable

    names = {name for tool in tools for name in tool.secret_inputs}
    values: dict[str, Any] = {
        name: os.environ[secret_variable(name)] for name in names if secret_variable(name) in os.environ
    }
    if path:
        import yaml

        try:
            with open(path, encoding="utf-8") as handle:
                data = yaml.safe_load(handle)
        except (OSError, yaml.YAMLError) as exc:
            raise UsageError(f"--secrets {path}: cannot read it ({type(exc).__name__})") from None
        if not isinstance(data, dict):
            raise UsageError(f"--secrets {path}: expected an object of secret input values")
        values.update({str(k): v for k, v in data.items()})
    return values


def _warn_missing_secrets(tools: list[Any], secrets: dict[str, Any]) -> None:
    from ..mcp_server.tools import secret_variable

    for tool in tools:
        for name in sorted(tool.secret_inputs - set(secrets)):
            print(
                f"arazzo: note: {tool.name}: secret input {name} is not configured"
                f" (set {secret_variable(name)} or give it in --secrets FILE)",
                file=sys.stderr,
            )


class _EventLog:
    """Each server event as one JSON line (stderr, or an append-only 0600 file)."""

    def __init__(self, path: str | None) -> None:
        self.handle: Any = sys.stderr
        if path:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            self.handle = os.fdopen(fd, "a", encoding="utf-8")

    def __call__(self, event: Any) -> None:
        self.handle.write(json.dumps(event.to_dict(), ensure_ascii=False, default=str) + "\n")
        self.handle.flush()

    def close(self) -> None:
        if self.handle is not sys.stderr:
            self.handle.close()
