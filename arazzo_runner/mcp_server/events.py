"""What the MCP server reports about its callers, as events (the library never prints; the CLI logs them).

Declared as the engine's events are, with ``@declare_event("<kind>")``."""

from __future__ import annotations

from dataclasses import field
from typing import Any

from ..engine.events import Event, declare_event


@declare_event("mcp_tool_called")
class ToolCalled(Event):
    """A caller called ``tool`` with ``arguments`` (secret values already masked)."""

    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)


@declare_event("mcp_tool_answered")
class ToolAnswered(Event):
    """The call to ``tool`` answered: ``status`` (succeeded, failed, running, interrupted, error)."""

    tool: str
    status: str
    run_id: str | None = None
    detail: str | None = None


@declare_event("mcp_run_cancelled")
class RunCancelled(Event):
    """The client cancelled the call following run ``run_id``: the run was interrupted, as Ctrl-C does."""

    tool: str
    run_id: str | None
