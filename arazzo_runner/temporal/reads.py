"""Which requests a Temporal run sends as local activities, and the limits of that path.

A local activity runs in the worker that runs the workflow task, and its result is written to
history as one ``MarkerRecorded`` event when the task completes — not the three events of an
activity plus a round of workflow-task events each (Temporal, "Local Activity":
https://docs.temporal.io/local-activity). The price: a worker that dies before the task completes
loses the results of the local activities it ran, and the worker that takes over runs them again.
So only requests that may be sent twice with no effect go that way: **safe reads**.

A request is a safe read when

1. its method is safe by HTTP's definition (RFC 9110 §9.2.1: ``GET``, ``HEAD``, ``OPTIONS``,
   ``TRACE``: the client asks for no state change), or
2. it is an AWS operation sent as ``POST`` (the JSON protocols' ``X-Amz-Target``, the query
   protocols' ``Action=``) whose name begins with a read verb, ``Describe``, ``Get`` or ``List``:
   AWS's own naming convention for read access (IAM's "Read" and "List" access levels are these
   actions; botocore's waiters poll only ``Describe*``/``Get*``/``List*``/``Head*`` operations;
   the journal's in-doubt rule, :mod:`arazzo_runner.journal.in_doubt`, resends the same set), and
3. its OpenAPI operation does not say ``x-arazzo-idempotent: false`` (the document's veto for an
   API that breaks the convention, e.g. a ``GET`` that changes something).

Everything else — a create, any other ``POST``/``PUT``/``PATCH``/``DELETE`` — stays a regular
activity, recorded in history before the run moves on, so a killed worker never sends it twice
once it is recorded.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from ..document.resolved import Document
from ..engine.lookups import operation_of
from ..engine.needs import SendRequest
from ..errors import ArazzoError
from ..journal.in_doubt import AWS_READ_PREFIXES, aws_target

#: RFC 9110 §9.2.1 safe methods.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

#: Waits up to this many seconds before a safe read are taken inside its local activity; longer ones
#: stay durable timers. Temporal's polling guidance calls polling "every second or faster" frequent
#: (poll inside the worker) and a minute or slower infrequent (a durable wait per poll):
#: https://github.com/temporalio/samples-go/blob/main/polling/frequent/README.md. A wait inside a
#: local activity holds the workflow task open, and a worker that dies loses it and the reads
#: before it since the task began; at one second that costs at most a few re-sent reads.
LOCAL_WAIT = 1.0
#: A run continues as new once its history may have reached this many events (Temporal warns at
#: 10,240 and fails a run at 51,200: https://docs.temporal.io/workflow-execution/continue-as-new).
#: Counted by the workflow itself, since the server's suggestion only changes at workflow-task
#: starts and one task may hold many local activities.
HISTORY_BUDGET = 8000
#: At most this many local reads in a row (then a 1 ms durable timer ends the workflow task): bounds
#: a task's completion (every marker carries a response) and the workflow's count of its history
#: between two exact measures, and lets the server's own continue-as-new suggestion (by count and by
#: size) be read again.
MAX_READS_PER_TASK = 100


def aws_operation(need: SendRequest) -> str | None:
    """The AWS operation name a ``POST`` names: ``X-Amz-Target: Service.Op`` or ``Action=Op``
    (in the operation path's fragment or query, as ``arazzo aws-openapi`` writes query APIs)."""
    target = aws_target(need)
    if target is not None:
        return target.rpartition(".")[2]
    path, _, fragment = need.operation_path.partition("#")
    query = path.partition("?")[2]
    for part in (fragment, query):
        for name, value in parse_qsl(part):
            if name == "Action" and value:
                return value
    return None


def safe_read(document: Document, need: SendRequest) -> bool:
    """Whether ``need`` may go out as a local activity (see the module's rule)."""
    method = need.method.upper()
    if method not in SAFE_METHODS:
        name = aws_operation(need) if method == "POST" else None
        if name is None or not name.startswith(AWS_READ_PREFIXES):
            return False
    return _declared_idempotent(document, need) is not False


def _declared_idempotent(document: Document, need: SendRequest) -> bool | None:
    try:
        _, operation = operation_of(document, need)
    except (ArazzoError, KeyError, AssertionError):
        return None
    data = operation.data
    declared = data.get("x-arazzo-idempotent") if isinstance(data, Mapping) else None
    return declared if isinstance(declared, bool) else None
