"""``arazzo`` command line: a thin layer over the library.

Imports are lazy (the library, httpx, openapi-core and jsonschema are only imported by the
command that needs them) so ``arazzo --help`` and ``arazzo --version`` stay fast.

Exit codes: 0 success; 1 workflow failed; 2 bad usage or invalid document; 70 internal error
(a bug of ours: the message says how to get the traceback); 130 interrupted (Ctrl-C); 143
terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .arguments import add_command, add_output_option, add_source_options, add_workflow_option, source_map
from .exit_codes import EXIT_FAILED, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE

__all__ = ["EXIT_FAILED", "EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _add_document_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("document", metavar="DOC", help="Arazzo document (YAML or JSON)")
    add_output_option(parser)
    add_source_options(parser)
    from .settings import add_network_options

    add_network_options(parser)
    parser.add_argument(
        "--with-document",
        action="append",
        default=[],
        metavar="FILE",
        help="another Arazzo 1.1 document that sources may name by its $self (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _Parser(
        prog="arazzo",
        description="Run and inspect Arazzo 1.0.x and 1.1.x workflows.",
        epilog="Exit codes: 0 ok, 1 workflow failed, 2 bad usage or invalid document, 70 internal error (a bug:"
        " please report it), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).",
    )
    parser.add_argument("--version", action="version", version=f"arazzo-runner {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    validate = add_command(
        commands,
        "validate",
        help="check a document and its sources; list every problem",
        epilog="examples:\n  arazzo validate workflows/amazon-sagemaker-train-and-poll-job-workflow.yml\n"
        "  arazzo validate doc.arazzo.yaml --strict --output json\n"
        "  arazzo validate doc.arazzo.yaml --source-map https://example.com/openapi.yaml=local/openapi.yaml",
    )
    _add_document_options(validate)
    validate.add_argument("--strict", action="store_true", help="treat warnings as errors")

    listing = add_command(
        commands,
        "list",
        help="list the workflows with their inputs and outputs",
        epilog="examples:\n  arazzo list workflows/amazon-sagemaker-train-and-poll-job-workflow.yml\n"
        "  arazzo list doc.arazzo.yaml --output json",
    )
    _add_document_options(listing)

    show = add_command(
        commands,
        "show",
        help="show a workflow's steps, operations, actions and outputs",
        epilog="examples:\n  arazzo show workflows/amazon-sagemaker-train-and-poll-job-workflow.yml\n"
        "  arazzo show doc.arazzo.yaml --workflow buy-pet --output json",
    )
    _add_document_options(show)
    add_workflow_option(show)

    graph = add_command(
        commands,
        "graph",
        help="draw a workflow as a Mermaid flowchart",
        epilog="examples:\n  arazzo graph workflows/amazon-sagemaker-train-and-poll-job-workflow.yml\n"
        "  arazzo graph doc.arazzo.yaml --workflow buy-pet -o buy-pet.mmd",
    )
    _add_document_options(graph)
    add_workflow_option(graph)
    graph.add_argument(
        "-o", "--out", metavar="FILE.mmd", help="write the flowchart to a file instead of stdout"
    )

    from .run import add_run_parser

    add_run_parser(commands, _add_document_options)

    from .resume import add_resume_parser
    from .runs import add_runs_parser

    add_resume_parser(commands)
    add_runs_parser(commands)

    from .aws_openapi import add_aws_openapi_parser

    add_aws_openapi_parser(commands)

    from .aws_native import add_aws_native_parsers

    add_aws_native_parsers(commands, _add_document_options)

    from .temporal import add_worker_parser

    add_worker_parser(commands)  # `runs --temporal` is part of the runs parser (cli/runs.py)

    from .test_command import add_test_parser

    add_test_parser(commands)

    from .mcp import add_mcp_parser

    add_mcp_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from . import collector

    with collector.paused():  # starting makes no garbage worth collecting (see cli/collector.py)
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command != "run":
            collector.resume()
        code = _main(parser, args)
    if getattr(args, "temporal", None):
        # The Temporal SDK's native threads can abort the interpreter's shutdown ("PyGILState_Release:
        # thread state must be current", temporalio/sdk-python#300): the work is done, leave now.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _main(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from ..errors import ArazzoError

    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "aws-openapi":
            from .aws_openapi import run_aws_openapi

            return run_aws_openapi(args)
        if args.command == "worker" or (args.command == "runs" and getattr(args, "temporal", None)):
            from .temporal import temporal_command

            return temporal_command(args)
        if args.command in ("iam-policy", "export-asl"):
            from .aws_native import run_aws_native
            from .commands import usage_error

            try:
                mapping = source_map(args.source_map)
            except ArazzoError as exc:
                return usage_error(args, exc)
            return run_aws_native(args, mapping)
        from .signals import sigterm_as_interrupt

        with sigterm_as_interrupt():
            if args.command in ("resume", "runs", "test", "mcp"):
                return _journal_command(args)
            from .commands import document_command, usage_error

            try:
                mapping = source_map(args.source_map)
            except ArazzoError as exc:  # with --output json, stdout still holds only JSON
                return usage_error(args, exc)
            return document_command(args, mapping)
    except KeyboardInterrupt as exc:
        from .signals import interrupted_exit_code, what_stopped

        print(f"arazzo: {what_stopped(exc)}", file=sys.stderr)
        return interrupted_exit_code(exc, EXIT_INTERRUPTED)
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:  # never a traceback at the CLI; -v or ARAZZO_DEBUG=1 shows it
        if os.environ.get("ARAZZO_DEBUG") or getattr(args, "verbose", False):
            import traceback

            traceback.print_exc()
        print(
            f"arazzo: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in arazzo-runner; re-run with -v (or ARAZZO_DEBUG=1) for the traceback and report it"
            " with the command you ran.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _journal_command(args: argparse.Namespace) -> int:
    """``resume``, ``runs`` and ``mcp``: read the journal, not a document given on the command line."""
    from ..errors import ArazzoError

    try:
        if args.command == "resume":
            from .resume import resume_command

            return resume_command(args)
        if args.command == "mcp":
            from .mcp import mcp_command

            return mcp_command(args)
        if args.command == "test":  # many documents, each loaded (and reported) by the command
            from .test_command import test_command

            return test_command(args, source_map(args.source_map))
        from .runs import runs_command

        return runs_command(args)
    except ArazzoError as exc:
        print(f"arazzo: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
