"""The MCP server: the official SDK's low-level ``Server`` with handlers over :mod:`.tools` and :mod:`.runs`.

Tools: one per served workflow, plus ``arazzo_runs``, ``arazzo_run_status`` and ``arazzo_resume``.
Resources: each served document (``arazzo://documents/N``, its text, so an agent can read what a
workflow does before calling it) and each run's timeline (``arazzo://runs/{runId}/timeline``).
The protocol (framing, sessions, progress, cancellation, stdio, streamable HTTP) is the SDK's.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import mcp_types as types
from mcp.server import Server, ServerRequestContext

from .. import __version__
from ..engine.events import Event
from ..engine.masking import Masker
from ..errors import ArazzoError
from .events import RunCancelled, ToolAnswered, ToolCalled
from .runs import RunRegistry, ServedRun
from .tools import WorkflowTool, check_arguments

_WAIT = {
    "type": "number",
    "minimum": 0,
    "maximum": 600,
    "description": "seconds to wait for the run to end before answering (arazzo_run_status: default 0, answer now; arazzo_resume: the server's --wait)",
}
#: What arazzo_run_status and arazzo_resume take: the run, and how long to wait for it to end.
_RUN_ID_AND_WAIT = {
    "type": "object",
    "properties": {
        "runId": {"type": "string", "description": "a run id (a unique prefix is enough)"},
        "wait": _WAIT,
    },
    "required": ["runId"],
}


class _ServerTool(NamedTuple):
    """One of the server's own tools, beside one per workflow."""

    name: str
    description: str
    input_schema: dict[str, Any]
    #: Listed with ``readOnlyHint`` (it only reads the journal); False: no annotations.
    read_only: bool


_SERVER_TOOLS: tuple[_ServerTool, ...] = (
    _ServerTool(
        "arazzo_runs",
        "List the runs in the server's journal, newest first: id, workflow, status,"
        " last step, next poll, outputs (secrets masked).",
        {"type": "object", "properties": {"limit": {"type": "integer", "minimum": 1, "maximum": 500}}},
        read_only=True,
    ),
    _ServerTool(
        "arazzo_run_status",
        "A run's state: status, outputs so far, current step and next poll time;"
        " the full result once it ended. 'wait' waits up to that many seconds for it to end.",
        _RUN_ID_AND_WAIT,
        read_only=True,
    ),
    _ServerTool(
        "arazzo_resume",
        "Carry an interrupted run on from where it stopped (its journal), with the"
        " server's secrets; answers like a workflow tool.",
        _RUN_ID_AND_WAIT,
        read_only=False,
    ),
)


@dataclass(frozen=True)
class ServerSettings:
    """What the server serves and how long a call waits for its run."""

    tools: Sequence[WorkflowTool]
    #: (path as given, text) of each served document, for the resources.
    documents: Sequence[tuple[str, str]]
    wait: float = 20.0


def build_server(
    settings: ServerSettings, registry: RunRegistry, on_event: Callable[[Event], None] | None = None
) -> Server[Any]:
    """The SDK server with this project's handlers (transport-independent)."""
    handlers = _Handlers(settings, registry, on_event or (lambda event: None))
    return Server(
        "arazzo-runner",
        version=__version__,
        instructions="Each tool runs an Arazzo workflow against its APIs. A call that outlives the server's"
        " wait answers with status 'running' and a runId: poll arazzo_run_status. Secrets are the server's.",
        on_list_tools=handlers.list_tools,
        on_call_tool=handlers.call_tool,
        on_list_resources=handlers.list_resources,
        on_list_resource_templates=handlers.list_resource_templates,
        on_read_resource=handlers.read_resource,
    )


class _Handlers:
    def __init__(
        self, settings: ServerSettings, registry: RunRegistry, on_event: Callable[[Event], None]
    ) -> None:
        self.settings = settings
        self.registry = registry
        self.on_event = on_event
        self.tools = {tool.name: tool for tool in settings.tools}
        secret_names = {name for tool in settings.tools for name in tool.secret_inputs}
        #: Masks the server's secret values and secret-named arguments in the log of calls.
        self.masker = Masker.for_inputs(secret_names | set(registry.secrets), registry.secrets)

    # -- tools ---------------------------------------------------------------------------------------

    async def list_tools(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        tools = [
            types.Tool(
                name=tool.name,
                title=tool.workflow.summary or tool.workflow_id,
                description=tool.description,
                input_schema=tool.input_schema,
                output_schema=tool.output_schema,
                annotations=types.ToolAnnotations(read_only_hint=False, open_world_hint=True),
            )
            for tool in self.settings.tools
        ]
        tools += [
            types.Tool(
                name=tool.name,
                description=tool.description,
                input_schema=tool.input_schema,
                annotations=types.ToolAnnotations(read_only_hint=True) if tool.read_only else None,
            )
            for tool in _SERVER_TOOLS
        ]
        return types.ListToolsResult(tools=tools)

    async def call_tool(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        arguments = dict(params.arguments or {})
        self.on_event(ToolCalled(tool=params.name, arguments=self.masker.mask(arguments), at=time.time()))
        try:
            result = await self._call(ctx, params.name, arguments)
        except ArazzoError as exc:
            result = _error(self.masker.text(str(exc)))
        status = (result.structured_content or {}).get("status") if not result.is_error else "error"
        run_id = (result.structured_content or {}).get("runId")
        detail = (
            result.content[0].text
            if result.is_error and isinstance(result.content[0], types.TextContent)
            else None
        )
        self.on_event(
            ToolAnswered(tool=params.name, status=str(status), run_id=run_id, detail=detail, at=time.time())
        )
        return result

    async def _call(
        self, ctx: ServerRequestContext[Any], name: str, arguments: dict[str, Any]
    ) -> types.CallToolResult:
        if name == "arazzo_runs":
            limit = arguments.get("limit", 50)
            if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= 500:
                return _error("invalid arguments for arazzo_runs:\n- limit: an integer from 1 to 500")
            runs = self.registry.listing(limit)
            text = "\n".join(f"{r['runId']} {r['workflowId']} {r['status']}" for r in runs) or "no runs"
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=text)], structured_content={"runs": runs}
            )
        if name in ("arazzo_run_status", "arazzo_resume"):
            default = self.settings.wait if name == "arazzo_resume" else 0.0
            run_id, wait, problems = _run_arguments(arguments, default)
            if problems:
                return _invalid(name, problems)
            if name == "arazzo_resume":
                here = self.registry.runs.get(self.registry.record(run_id).id)
                if here is not None and not here.done:
                    return _error(
                        f"run {here.run_id} is running in this server: follow it with arazzo_run_status"
                    )
                served = self.registry.resume(run_id)
                return await self._follow(ctx, name, served, wait)
            served_here = self.registry.runs.get(run_id) or self.registry.runs.get(
                self.registry.record(run_id).id
            )
            if served_here is not None and wait > 0:  # cancelling a status call leaves the run alone
                return await self._follow(ctx, name, served_here, wait, interrupt=False)
            return _answer(self.registry.status(run_id), failed_is_error=False)
        tool = self.tools.get(name)
        if tool is None:
            return _error(
                f"no tool {name!r}; this server has: {', '.join([*self.tools, 'arazzo_runs', 'arazzo_run_status', 'arazzo_resume'])}"
            )
        inputs, problems = check_arguments(tool, arguments, self.registry.secrets)
        if problems:
            return _invalid(name, problems)
        served = self.registry.start(tool, inputs)
        return await self._follow(ctx, name, served, self.settings.wait)

    async def _follow(
        self,
        ctx: ServerRequestContext[Any],
        name: str,
        served: ServedRun,
        wait: float,
        *,
        interrupt: bool = True,
    ) -> types.CallToolResult:
        async def progress(done: int, message: str) -> None:
            await ctx.session.report_progress(done, None, message)

        try:
            state = await self.registry.follow(served, wait, progress, interrupt=interrupt)
        except asyncio.CancelledError:
            if interrupt:
                self.on_event(RunCancelled(tool=name, run_id=served.run_id, at=time.time()))
            raise
        return _answer(state, failed_is_error=interrupt)

    # -- resources -----------------------------------------------------------------------------------

    async def list_resources(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        resources = [
            types.Resource(
                name=Path(path).name,
                uri=f"arazzo://documents/{index}",
                description=f"The Arazzo document {path} (its workflows are this server's tools)",
                mime_type=_mime(path),
            )
            for index, (path, _) in enumerate(self.settings.documents)
        ]
        for row in self.registry.listing(limit=50):
            resources.append(
                types.Resource(
                    name=f"run {row['runId']} timeline",
                    uri=f"arazzo://runs/{row['runId']}/timeline",
                    description=f"What run {row['runId']} of {row['workflowId']} did ({row['status']})",
                    mime_type="application/json",
                )
            )
        return types.ListResourcesResult(resources=resources)

    async def list_resource_templates(
        self, ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        return types.ListResourceTemplatesResult(
            resource_templates=[
                types.ResourceTemplate(
                    name="run timeline",
                    uri_template="arazzo://runs/{runId}/timeline",
                    description="A journaled run's timeline: each transition, step and note, in order",
                    mime_type="application/json",
                )
            ]
        )

    async def read_resource(
        self, ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        from mcp.shared.exceptions import MCPError

        uri = str(params.uri)
        prefix, _, rest = uri.partition("://")
        parts = rest.split("/")
        text: str | None = None
        mime = "application/json"
        if prefix == "arazzo" and len(parts) == 2 and parts[0] == "documents" and parts[1].isdigit():
            index = int(parts[1])
            if index < len(self.settings.documents):
                path, text = self.settings.documents[index]
                mime = _mime(path)
        elif prefix == "arazzo" and len(parts) == 3 and parts[0] == "runs" and parts[2] == "timeline":
            try:
                text = json.dumps(self.registry.timeline(parts[1]), ensure_ascii=False, default=str)
            except ArazzoError as exc:
                raise MCPError(types.INVALID_PARAMS, str(exc)) from None
        if text is None:
            raise MCPError(types.INVALID_PARAMS, f"no resource {uri}")
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=uri, mime_type=mime, text=text)]
        )


def _mime(path: str) -> str:
    return "application/json" if path.endswith(".json") else "application/yaml"


def _run_arguments(arguments: Mapping[str, Any], default: float) -> tuple[str, float, list[str]]:
    problems = []
    run_id = arguments.get("runId")
    if not isinstance(run_id, str) or not run_id:
        problems.append("runId: required, a run id string")
    wait = arguments.get("wait", default)
    if isinstance(wait, bool) or not isinstance(wait, int | float) or wait < 0:
        problems.append("wait: a number of seconds, 0 or more")
        wait = 0
    unknown = sorted(set(arguments) - {"runId", "wait"})
    problems += [f"{name}: no such argument" for name in unknown]
    return str(run_id), min(float(wait), 600.0), problems


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


def _invalid(name: str, problems: Sequence[str]) -> types.CallToolResult:
    """Bad arguments: every problem named, nothing sent."""
    return _error(
        f"invalid arguments for {name} (nothing was run):\n" + "\n".join(f"- {p}" for p in problems)
    )


def _answer(state: dict[str, Any], *, failed_is_error: bool = True) -> types.CallToolResult:
    """A run's state as structured content plus a short summary for the model.

    A workflow that failed is a tool error for the call that ran it (not for a status query).
    """
    state = _finite(
        json.loads(json.dumps(state, ensure_ascii=False, default=str))
    )  # as --output json prints it
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=summary(state))],
        structured_content=state,
        is_error=failed_is_error and state.get("status") == "failed",
    )


def _finite(value: Any) -> Any:
    """Strict JSON, as ``--output json``: a non-finite float (from an input, say) becomes ``null``."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def summary(state: Mapping[str, Any]) -> str:
    """One or two lines: how the run ended (or where it is), its outputs, what to do next."""
    status = state.get("status")
    run = f" (run {state['runId']})" if state.get("runId") else ""
    outputs = ", ".join(
        f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in (state.get("outputs") or {}).items()
    )
    outputs_text = f"; outputs: {outputs}" if outputs else ""
    if status == "running":
        where = f" at step {state['currentStep']}" if state.get("currentStep") else ""
        return (
            f"Workflow {state.get('workflowId')} is still running{where}{run}{outputs_text}. It carries on in the"
            " server: call arazzo_run_status with this runId to follow it."
        )
    if status == "interrupted":
        return f"Workflow {state.get('workflowId')} was interrupted{run}; arazzo_resume carries it on."
    text = f"Workflow {state.get('workflowId')} {status}{run}{outputs_text}."
    error = state.get("error")
    if isinstance(error, Mapping) and error.get("message"):
        text += f" Error: {error['message']}"
    return text
