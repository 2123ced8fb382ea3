"""A worker: polls a task queue, runs ``ArazzoRun`` workflows (sandboxed) and their activities
(``arazzo.send`` for requests, run as a local activity for a run's safe reads; ``arazzo.send_message``, ``arazzo.receive`` and
``arazzo.acknowledge`` for Arazzo 1.1 message steps).

Start as many as you like, on as many machines: Temporal hands each task to one of them; a
worker that dies loses nothing (its workflow tasks go to another worker, its in-flight request
or receive is retried after the heartbeat timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio.client import Client
from temporalio.worker import Worker

from . import TASK_QUEUE
from .activities import SendActivity
from .message_activities import MessageActivities
from .workflow import ArazzoRun

#: Seconds a workflow task waits on this worker's sticky queue (its cached runs' next tasks) before
#: Temporal hands it to any worker of the task queue: the SDK's default. A worker that dies without
#: shutting down keeps its runs waiting this long (once each) before another worker replays them.
STICKY_TIMEOUT = 10.0


def build_worker(
    client: Client,
    *,
    task_queue: str = TASK_QUEUE,
    max_concurrent: int = 100,
    make_environment: Callable[[dict[str, str]], Any] | None = None,
    identity: str | None = None,
    sticky_timeout: float = STICKY_TIMEOUT,
) -> tuple[Worker, SendActivity]:
    """A worker for ``client`` (not started) and its send activity (closed by the caller, which
    closes the message activities too: ``sender.messages``). ``sticky_timeout``: see
    :data:`STICKY_TIMEOUT`."""
    from .preload import preload

    preload()  # before the sandbox: a first workflow task imports nothing (no TMPRL1101 under load)
    sender = SendActivity(make_environment)
    messages = sender.messages = MessageActivities(sender.environment, max_concurrent=max_concurrent)
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=[ArazzoRun],
        activities=[sender.send, messages.send_message, messages.receive, messages.acknowledge],
        max_concurrent_activities=max_concurrent,
        max_concurrent_local_activities=max_concurrent,  # a run's safe reads (see .reads)
        max_concurrent_workflow_tasks=max_concurrent,
        identity=identity or f"arazzo-worker-{os.getpid()}@{os.uname().nodename}",
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=sticky_timeout),
    )
    return worker, sender


async def serve(
    client: Client,
    *,
    task_queue: str = TASK_QUEUE,
    max_concurrent: int = 100,
    make_environment: Callable[[dict[str, str]], Any] | None = None,
    on_ready: Callable[[str], None] | None = None,
    observe: Callable[[Any], None] | None = None,
    sticky_timeout: float = STICKY_TIMEOUT,
) -> int:
    """Run a worker until SIGINT/SIGTERM, then shut down gracefully; returns the requests it sent.

    ``observe``: called with each exchange the send activity made (credentials redacted);
    ``sticky_timeout``: see :data:`STICKY_TIMEOUT`."""
    worker, sender = build_worker(
        client,
        task_queue=task_queue,
        max_concurrent=max_concurrent,
        make_environment=make_environment,
        sticky_timeout=sticky_timeout,
    )
    sender.observe = observe
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        async with worker:
            if on_ready is not None:
                on_ready(worker.config()["identity"] or "")
            await stop.wait()
    finally:
        await sender.aclose()
    return sender.sent
