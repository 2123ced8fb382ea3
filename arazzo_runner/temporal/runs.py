"""Submitting, following, listing and showing runs on Temporal (the CLI's side).

A submitted run is a workflow execution of ``ArazzoRun`` with id ``arazzo-<workflow>-<random>``.
Following it polls the workflow's ``events`` query and hands each event to the same listener a
local run feeds (the CLI's progress renderer), then returns the same JSON result a local run
prints.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.service import RPCError

from ..document.describe import pick_workflow
from ..document.resolved import Document
from ..engine.events import Event
from ..engine.inputs import prepare_inputs
from ..engine.options import RunOptions
from ..engine.snapshot import fingerprint, options_to_json
from ..errors import ArazzoError, UsageError
from ..run_settings import RunSettings, SettingsError, temporal_refusals
from . import TASK_QUEUE, WORKFLOW_NAME
from .messages import event_from_dict, run_request
from .reads import LOCAL_WAIT


async def has_workflow_pollers(client: Client, task_queue: str) -> bool:
    """Whether any worker polls ``task_queue`` for workflow tasks (Temporal's DescribeTaskQueue)."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    answer = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    return bool(answer.pollers)


class RemoteRunFailed(ArazzoError):
    """The workflow execution itself failed (not the Arazzo workflow: that is a result)."""

    exit_code = 1


def new_request(
    document: Document,
    workflow_id: str | None,
    inputs: Mapping[str, Any],
    *,
    options: RunOptions | None = None,
    servers: Mapping[str, str] | None = None,
    source_map: Mapping[str, str] | None = None,
    allow_remote: bool = False,
    heartbeat_timeout: float | None = None,
    settings: RunSettings | None = None,
    local_wait: float | None = LOCAL_WAIT,
    history_budget: int | None = None,
    reads_per_task: int | None = None,
) -> dict[str, Any]:
    """The workflow input for a run; inputs are checked here so a bad one fails before submitting.

    ``settings``: the run's :class:`~arazzo_runner.run_settings.RunSettings` (network policy, limits,
    validation...), applied by every worker to this run's requests; ``servers`` and ``allow_remote``
    are taken from them when given. A setting a worker cannot apply raises
    :class:`~arazzo_runner.run_settings.SettingsError` here, before anything is submitted.
    ``local_wait`` / ``history_budget`` / ``reads_per_task``: how the run polls, when it continues
    as new and when it ends a workflow task of local reads (:func:`.messages.run_request`,
    :mod:`.reads`)."""
    if settings is not None:
        refused = temporal_refusals(settings)
        if refused:
            raise SettingsError(f"a Temporal worker cannot apply {'; '.join(refused)}: nothing was submitted")
        servers = settings.server_map
        allow_remote = settings.allow_remote
    workflow = pick_workflow(document, workflow_id)
    prepare_inputs(document, workflow, inputs)  # raises InputsError (exit 2) before anything is sent
    location = str(document.location)
    if "://" not in location:
        location = os.path.abspath(location)  # workers resolve it themselves, from any directory
    return run_request(
        location,
        fingerprint(document),
        workflow.workflow_id,
        inputs,
        options_to_json(options or RunOptions()),
        servers=servers,
        source_map=source_map,
        allow_remote=allow_remote,
        heartbeat_timeout=heartbeat_timeout,
        settings=None if settings is None else settings.to_json(),
        local_wait=local_wait,
        history_budget=history_budget,
        reads_per_task=reads_per_task,
    )


async def submit(
    client: Client,
    request: Mapping[str, Any],
    *,
    task_queue: str = TASK_QUEUE,
    run_id: str | None = None,
    task_timeout: float | None = None,
) -> WorkflowHandle[Any, Any]:
    """Start the run; the handle names the run by id only, so it follows it across continue-as-new.

    ``task_timeout`` (seconds; ``None``: Temporal's default, 10 s): the run's workflow task timeout,
    kept by its continued executions. A worker that dies amid a workflow task (e.g. amid local reads)
    is replaced after it; a task of local reads that lasts longer is heartbeated by the SDK at 80%
    of it (3 history events each: a short timeout costs history). It is an option of the execution,
    not of the workflow's input: replays do not see it."""
    run_id = run_id or f"arazzo-{request['workflowId']}-{uuid.uuid4().hex[:12]}"
    started = await client.start_workflow(
        WORKFLOW_NAME,
        dict(request),
        id=run_id,
        task_queue=task_queue,
        memo={"workflowId": request["workflowId"]},  # what `arazzo runs --temporal` lists, as local runs do
        task_timeout=None if task_timeout is None else timedelta(seconds=task_timeout),
    )
    return client.get_workflow_handle(started.id)


async def follow(
    handle: WorkflowHandle[Any, Any],
    on_event: Callable[[Event], None] | None = None,
    *,
    every: float = 0.25,
) -> dict[str, Any]:
    """Wait for the run's result, handing its events to ``on_event`` as they happen."""
    result = asyncio.ensure_future(handle.result())
    seen = 0
    run_id: str | None = None
    try:
        while True:
            done = result.done()
            if on_event is not None:
                seen, run_id = await _deliver(handle, on_event, seen, run_id)
            if done:
                break
            await asyncio.wait({result}, timeout=every)
        data: dict[str, Any] = result.result()
        return data
    except WorkflowFailureError as exc:
        cause = exc.cause
        raise RemoteRunFailed(
            f"run {handle.id} failed on Temporal: {getattr(cause, 'message', cause)}"
        ) from exc
    finally:
        if not result.done():
            result.cancel()


async def _deliver(
    handle: WorkflowHandle[Any, Any], on_event: Callable[[Event], None], seen: int, run_id: str | None
) -> tuple[int, str | None]:
    try:
        answer = await handle.query("events", seen)
    except RPCError:
        return seen, run_id  # no worker to answer just now, or the run closed: the result says the rest
    except Exception:
        return seen, run_id
    if run_id is not None and answer["runId"] != run_id:  # continued as new: its events start at 0
        seen = 0
        answer = await handle.query("events", 0)
    for data in answer["events"]:
        event = event_from_dict(data)
        if event is not None:
            on_event(event)
    return answer["next"], answer["runId"]


async def list_runs(client: Client, *, limit: int = 50, query: str | None = None) -> list[dict[str, Any]]:
    """The most recent runs first, in the local journal's words (id, workflow, status, started, last step)."""
    filter_ = f"WorkflowType = '{WORKFLOW_NAME}'" + (f" AND ({query})" if query else "")
    found = []
    async for execution in client.list_workflows(filter_, limit=limit):
        summary = _summary(execution)
        summary["workflowId"] = await _workflow_id(execution)
        if execution.status == WorkflowExecutionStatus.COMPLETED:  # succeeded or failed: the result says
            result = await _result_of(client, execution.id)
            if result is not None:
                summary["status"] = result.get("status", summary["status"])
                steps = result.get("steps") or []
                summary["lastStep"] = steps[-1].get("stepId") if steps else None
        found.append(summary)
        if len(found) >= limit:
            break
    return found


#: Temporal's execution statuses in the local journal's words (``arazzo runs``): a completed execution is
#: ``succeeded`` or ``failed`` by its Arazzo result; one cancelled or terminated from outside was interrupted.
LOCAL_WORDS = {
    "running": "running",
    "continued_as_new": "running",
    "completed": "succeeded",
    "failed": "failed",
    "timed_out": "failed",
    "canceled": "interrupted",
    "terminated": "interrupted",
}


async def _workflow_id(execution: Any) -> str | None:
    try:
        memo = await execution.memo()
    except Exception:  # an execution started without the memo (older clients): its id says it
        memo = {}
    workflow_id = memo.get("workflowId") if isinstance(memo, Mapping) else None
    return workflow_id if isinstance(workflow_id, str) else None


async def _result_of(client: Client, run_id: str) -> dict[str, Any] | None:
    try:
        result = await client.get_workflow_handle(run_id).result()
    except Exception:
        return None
    return result if isinstance(result, dict) else None


def _summary(execution: Any) -> dict[str, Any]:
    status = execution.status
    temporal_status = status.name.lower() if isinstance(status, WorkflowExecutionStatus) else str(status)
    return {
        "id": execution.id,
        "runId": execution.run_id,
        "status": LOCAL_WORDS.get(temporal_status, temporal_status),
        "temporalStatus": temporal_status,
        "started": execution.start_time.isoformat() if execution.start_time else None,
        "closed": execution.close_time.isoformat() if execution.close_time else None,
        "taskQueue": execution.task_queue,
    }


async def show_run(client: Client, run_id: str) -> dict[str, Any]:
    """One run: its summary, the Arazzo workflow's result when closed, the current step when running."""
    handle = client.get_workflow_handle(run_id)
    try:
        description = await handle.describe()
    except RPCError as exc:
        raise UsageError(f"no run {run_id!r} on Temporal ({exc.message})") from exc
    data = _summary(description)
    if description.status == WorkflowExecutionStatus.RUNNING:
        try:
            data["step"] = await handle.query("step")
        except Exception:
            data["step"] = None
    elif description.status == WorkflowExecutionStatus.COMPLETED:
        data["result"] = await handle.result()
        if isinstance(data["result"], dict):
            data["status"] = data["result"].get("status", data["status"])
    else:
        try:
            await handle.result()
        except WorkflowFailureError as exc:
            data["failure"] = str(getattr(exc.cause, "message", exc.cause))
    return data
