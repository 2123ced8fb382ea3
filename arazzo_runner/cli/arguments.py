"""Command-line values several commands read the same way: ``--source-map``, ``--server``,
``--journal``, and whether progress may redraw the terminal. Here, below the command modules, so
that none of them imports another for a helper."""

from __future__ import annotations

import os
from typing import Any


def source_map(values: list[str] | None) -> dict[str, str]:
    """``--source-map URL=FILE`` values as {URL: absolute FILE}."""
    mapping: dict[str, str] = {}
    for value in values or ():
        url, sep, path = value.rpartition("=")
        if not sep or not url or not path:
            raise SystemExit(f"arazzo: error: --source-map expects URL=FILE, got {value!r}")
        mapping[url] = os.path.abspath(path)
    return mapping


def servers(values: list[str] | None) -> dict[str, str]:
    """``--server SOURCE=URL`` values as {SOURCE: URL}."""
    from ..errors import UsageError

    found = {}
    for value in values or ():
        name, sep, url = value.partition("=")
        if not sep or not name or not url:
            raise UsageError(f"--server expects SOURCE=URL, got {value!r}")
        found[name] = url
    return found


def use_live(stream: Any) -> bool:
    """Whether progress on ``stream`` may redraw in place (a terminal, colour allowed)."""
    return (
        bool(getattr(stream, "isatty", lambda: False)())
        and not os.environ.get("NO_COLOR")
        and os.environ.get("TERM") != "dumb"
    )


def add_journal_options(parser: Any) -> None:
    parser.add_argument(
        "--journal",
        metavar="PATH",
        help="the run journal (default: $ARAZZO_JOURNAL, else $XDG_STATE_HOME/arazzo/runs.db)",
    )
