"""What the MCP server reports about its callers, as events (the library never prints; the CLI logs them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..engine.events import Event


@dataclass(frozen=True, slots=True)
class ToolCalled(Event):
    """A caller called ``tool`` with ``arguments`` (secret values already masked)."""

    kind: ClassVar[str] = "mcp_tool_called"
    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ToolAnswered(Event):
    """The call to ``tool`` answered: ``status`` (succeeded, failed, running, interrupted, error)."""

    kind: ClassVar[str] = "mcp_tool_answered"
    tool: str
    status: str
    run_id: str | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class RunCancelled(Event):
    """The client cancelled the call following run ``run_id``: the run was interrupted, as Ctrl-C does."""

    kind: ClassVar[str] = "mcp_run_cancelled"
    tool: str
    run_id: str | None
