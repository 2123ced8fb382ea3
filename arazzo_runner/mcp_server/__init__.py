"""``arazzo mcp``: serve workflows to AI agents as Model Context Protocol tools.

Named ``mcp_server`` so as not to shadow the official MCP SDK (the ``mcp`` package, the
``[mcp]`` extra), which speaks the protocol; nothing here frames a message by hand.

:mod:`.tools` (workflows as tool definitions, argument checks; no SDK), :mod:`.runs` (runs that
outlive the call that started them: follow, status, resume, interrupt), :mod:`.server` (the SDK's
low-level server with our handlers: tools and resources), :mod:`.serve` (stdio and streamable
HTTP), :mod:`.events` (each call, as an event the CLI logs with secrets masked).
"""

from __future__ import annotations

__all__ = ["RunRegistry", "ServerSettings", "WorkflowTool", "build_server", "workflow_tools"]

from .runs import RunRegistry
from .server import ServerSettings, build_server
from .tools import WorkflowTool, workflow_tools
