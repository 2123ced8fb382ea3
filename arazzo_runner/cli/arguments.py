"""Command-line values several commands read the same way: ``--source-map``, ``--server``,
``--journal``, and whether progress may redraw the terminal; and the options and subcommand shape
several commands declare alike. Here, below the command modules, so that none of them imports
another for a helper."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # annotations only: the CLI imports the library lazily (cold start)
    from ..engine.options import RunOptions
    from ..run_settings import RunSettings
    from ..running import RunnableDocument


def source_map(values: list[str] | None) -> dict[str, str]:
    """``--source-map URL=FILE`` values as {URL: absolute FILE}."""
    mapping: dict[str, str] = {}
    for value in values or ():
        url, sep, path = value.rpartition("=")
        if not sep or not url or not path:
            from ..errors import UsageError  # exit 2 (a SystemExit string was exit 1, and never JSON)

            raise UsageError(f"--source-map expects URL=FILE, got {value!r}")
        mapping[url] = os.path.abspath(path)
    return mapping


def servers(values: list[str] | None) -> dict[str, str]:
    """``--server SOURCE=URL`` values as {SOURCE: URL}; each URL must have an http(s) scheme and a host."""
    from urllib.parse import urlsplit

    from ..errors import UsageError

    found = {}
    for value in values or ():
        name, sep, url = value.partition("=")
        if not sep or not name or not url:
            raise UsageError(f"--server expects SOURCE=URL, got {value!r}")
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            # `127.0.0.1:8080` parses as scheme "127.0.0.1": say so now, not as a failed first step.
            raise UsageError(
                f"--server {name}={url}: the URL needs a scheme and a host, e.g. {name}=http://{url.split('://')[-1]}"
            )
        found[name] = url
    return found


def use_live(stream: Any) -> bool:
    """Whether progress on ``stream`` may redraw in place (a terminal, colour allowed)."""
    return (
        bool(getattr(stream, "isatty", lambda: False)())
        and not os.environ.get("NO_COLOR")
        and os.environ.get("TERM") != "dumb"
    )


def add_command(
    commands: Any, name: str, *, help: str, epilog: str, description: str | None = None
) -> argparse.ArgumentParser:
    """A subcommand of ``arazzo``; its epilog (the examples) is printed with its line breaks kept."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help,
        description=description,
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def add_workflow_option(parser: Any) -> None:
    """``--workflow ID``, for commands that act on one workflow of a document."""
    parser.add_argument("--workflow", metavar="ID", help="workflow id (optional when there is only one)")


def add_output_option(parser: Any, help: str = "output format (default: text)") -> None:
    parser.add_argument("--output", choices=("text", "json"), default="text", help=help)


def add_server_option(parser: Any, help: str = "send a source's requests to URL (repeatable)") -> None:
    parser.add_argument("--server", action="append", metavar="SOURCE=URL", help=help)


def add_aws_options(
    parser: Any,
    *,
    region_help: str = "AWS region for SigV4 sources",
    profile_help: str = "AWS profile for SigV4 sources",
) -> None:
    """``--region`` and ``--profile``: where SigV4 credentials and regions come from."""
    parser.add_argument("--region", help=region_help)
    parser.add_argument("--profile", help=profile_help)


def add_source_options(parser: Any, *, several: bool = False) -> None:
    """``--allow-remote``, ``--allow-outside`` and ``--source-map``: where the command's document
    (``several``: documents) may read its sources from, as the loader's ``LoadOptions`` says."""
    document, its = ("the documents", "their") if several else ("the document", "its")
    parser.add_argument(
        "--allow-remote", action="store_true", help="fetch http(s) source descriptions (off by default)"
    )
    parser.add_argument(
        "--allow-outside",
        action="store_true",
        help=f"let {document} read local files outside {its} folder tree (off by default)",
    )
    parser.add_argument(
        "--source-map",
        action="append",
        metavar="URL=FILE",
        help="read the source description at URL from a local FILE (repeatable; a URL ending in / maps a folder)",
    )


def add_recording_options(
    parser: Any, *, metavar: str, record_help: str, replay_help: str, replay_match_help: str
) -> None:
    """The ``record and replay`` group: ``--record`` and ``--replay`` (to or from ``metavar``) and
    ``--replay-match``."""
    group = parser.add_argument_group("record and replay")
    group.add_argument("--record", metavar=metavar, help=record_help)
    group.add_argument("--replay", metavar=metavar, help=replay_help)
    group.add_argument("--replay-match", metavar="KEYS", help=replay_match_help)


def add_journal_options(parser: Any) -> None:
    parser.add_argument(
        "--journal",
        metavar="PATH",
        help="the run journal (default: $ARAZZO_JOURNAL, else $XDG_STATE_HOME/arazzo/runs.db)",
    )


@dataclass(frozen=True)
class ResolvedRun:
    """A run as ``arazzo run`` settled it from its arguments: the loaded document, the workflow
    picked, the inputs collected and checked, the run's options and settings. What each way of
    running it (locally, replayed, on Temporal) starts from."""

    args: argparse.Namespace
    document: RunnableDocument
    workflow_id: str
    inputs: dict[str, Any]
    options: RunOptions
    settings: RunSettings


RUNS_COLUMNS = ("ID", "WORKFLOW", "STATUS", "STARTED", "LAST STEP", "NEXT POLL")


def runs_table(rows: Sequence[Sequence[str]], out: Any) -> None:
    """The runs table, local or ``--temporal``: the same columns, aligned."""
    rows = [RUNS_COLUMNS, *rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(RUNS_COLUMNS))]
    for row in rows:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n")
