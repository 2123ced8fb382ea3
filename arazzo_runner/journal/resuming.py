"""``resume(run_id)``: carry a journaled run on from its last durable state, in this process.

Restore = the journal's snapshot with the secret inputs given again (:mod:`.sealing`), checked
against the document and its source files as they are now (a change is refused, naming it, unless
``force``), then :meth:`Execution.restore`. The run's settings come back from the journal
(:class:`~arazzo_runner.run_settings.RunSettings`: network policy, limits, client certificates,
servers, remote/outside permissions) and rebuild the same environment and client the run had; a
resume may tighten them, and one that loosens them or sends the run to another server is refused
unless ``force``. A poll wait keeps its wall-clock deadline: resumed
after it, the poll happens at once; resumed early, the run waits what is left. A request that was
in flight when the process died is decided by :mod:`.in_doubt`; an Arazzo 1.1 message step (a
``receive`` waiting, a message received but maybe not consumed, a ``send`` in doubt) by
:mod:`.messages`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Literal

import httpx

from ..document.resolved import Document
from ..engine.core import Execution
from ..engine.events import Event
from ..engine.needs import Delivery, Exchange, Receive, Response, SendMessage, SendRequest
from ..engine.result import RunResult
from ..engine.snapshot import differences, fingerprint
from ..errors import ArazzoError
from ..run_settings import RunSettings, loosenings
from . import messages
from .in_doubt import (
    ASSUMED_FAILED,
    RequestInDoubt,
    aws_target,
    describe_request,
    not_found,
    response_members,
    safety,
    same_resource,
    user_choice,
)
from .recorder import RunJournal, RunJournaled, changed_sources, source_hashes
from .sealing import unseal
from .store import FINISHED, Journal, JournalError, Lease, RunClaimed, open_journal

InDoubt = Literal["safe", "resend", "assume-failed"]


def _send_once(
    document: Document, need: SendRequest, environment: Any, client: httpx.Client, sleep: Callable[[float], None]
) -> Exchange:
    """Send ``need`` as a run would (signed, transport retries) and return the exchange."""
    from ..drivers import adapter
    from ..drivers.loops import prepare_send, transmit

    request, endpoint, payload, error = prepare_send(document, need, environment)
    if request is None:  # it could not be built: error says why
        return Exchange(request=None, error=error)
    try:  # the look-up obeys the run's network policy and limits as its steps do
        sent = transmit(client, request, endpoint, environment, sleep=sleep)
    except (ArazzoError, httpx.HTTPError) as exc:
        return adapter.failed(request, payload, exc, time.time(), time.time)
    return Exchange(request=adapter.sent(request, payload), response=adapter.response(sent.response))


def _not_found(response: Response) -> bool:
    return not_found(response.status_code, response.error_code, f"{response.said or ''} {response.body}")


def _in_doubt_message(need: SendRequest, why: str) -> str:
    what = aws_target(need) or f"{need.method.upper()} {need.operation_path}"
    return (
        f"step {need.step_id!r} of workflow {need.workflow_id!r}: the request {what} was in flight when the run"
        f" stopped and {why}. Resume with --resend to send it again, or --assume-failed to treat it as failed"
        " (the step's onFailure actions apply); mark an operation that is safe to repeat with"
        " `x-arazzo-idempotent: true` in its OpenAPI description"
    )


def _settle_in_doubt(
    execution: Execution,
    need: SendRequest,
    choice: InDoubt,
    *,
    environment: Any,
    client: httpx.Client,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    note: Callable[[str], None],
) -> Exchange | None:
    """The exchange to feed for the request in doubt, or ``None`` to send it again."""
    document = execution.document
    what = aws_target(need) or f"{need.method.upper()} {need.operation_path}"
    chosen = user_choice(choice, what, note)
    if chosen == "assume-failed":
        return Exchange(request=None, error=ASSUMED_FAILED.format("request was in flight"))
    if chosen == "resend":
        return None
    risk = safety(document, need)
    if risk == "resend":
        note(f"{what} in doubt: safe to repeat, sent again")
        return None
    if risk == "ask":
        raise RequestInDoubt(_in_doubt_message(need, "repeating it may do the work twice"))
    # "look": an AWS create; is the resource there, and is it ours?
    look = describe_request(document, need)
    looked = _send_once(document, look, environment, client, sleep)
    answer = looked.response
    twin = aws_target(look) or look.operation_path
    if answer is not None and _not_found(answer):
        note(f"{what} in doubt: {twin} found no such resource, so the create is sent")
        return None
    if answer is None or not 200 <= answer.status_code < 300 or not isinstance(answer.body, Mapping):
        shown = looked.error or (f"{answer.status_code} {answer.error_code or ''}".strip() if answer else "no answer")
        raise RequestInDoubt(_in_doubt_message(need, f"{twin} could not tell whether it was done ({shown})"))
    if not same_resource(need.payload, answer.body):
        raise RequestInDoubt(
            _in_doubt_message(need, f"{twin} shows a resource of that name that differs from what this run sent")
        )
    members = response_members(document, need) or []
    body = {name: answer.body[name] for name in members if name in answer.body}
    if not body:
        raise RequestInDoubt(_in_doubt_message(need, f"its answer cannot be rebuilt from {twin}"))
    note(f"{what} in doubt: {twin} shows this run's resource, so it is not sent again")
    content_type = need.body.content_type if need.body is not None and need.body.content_type else "application/json"
    return Exchange(
        request=looked.request,
        response=Response(200, (("content-type", content_type),), body),
        received_at=clock(),
        note=f"answer rebuilt from {twin}: the create was done before the run stopped",
    )


def resume(
    run_id: str,
    *,
    journal: Journal | str | Any | None = None,
    inputs: Mapping[str, Any] | None = None,
    document: Document | None = None,
    force: bool = False,
    in_doubt: InDoubt = "safe",
    servers: Mapping[str, str] | None = None,
    aws: Any = None,
    environment: Any = None,
    client: httpx.Client | None = None,
    on_event: Callable[[Event], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    allow_remote: bool = False,
    tighten: Mapping[str, Any] | None = None,
    telemetry: Any = None,
) -> RunResult:
    """Continue the journaled run ``run_id`` to its end; returns its :class:`RunResult`.

    ``inputs``: the run's secret inputs (the journal never keeps them). The run's settings are
    the journaled ones; ``tighten`` (keyword arguments of
    :meth:`~arazzo_runner.run_settings.RunSettings.tightened`: ``deny_hosts``, ``allow_hosts``,
    ``max_response_size``...), ``servers`` and ``allow_remote`` change them: a change that
    loosens them or points a source at another server raises :class:`~.store.JournalError`
    unless ``force``; the settings in force are journaled for the next resume. An
    ``environment`` given is used as it is, but must have the run's network policy if it had one.
    Raises :class:`RequestInDoubt` when a request that is not
    safe to repeat was in flight (``in_doubt="resend"`` / ``"assume-failed"`` decide), and
    :class:`~.store.JournalError` when the run is unknown, running elsewhere, or its document or
    sources changed (``force=True`` accepts the change). ``telemetry``
    (:class:`arazzo_runner.telemetry.Telemetry`): the resume continues the run's trace.
    """
    store = open_journal(journal)
    try:
        return _resume(
            store, run_id, inputs=inputs, document=document, force=force, in_doubt=in_doubt, servers=servers,
            aws=aws, environment=environment, client=client, on_event=on_event, sleep=sleep, clock=clock,
            allow_remote=allow_remote, tighten=tighten, telemetry=telemetry,
        )  # fmt: skip
    finally:
        if not isinstance(journal, Journal):
            store.close()


def _resume(
    store: Journal,
    run_id: str,
    *,
    inputs: Mapping[str, Any] | None,
    document: Document | None,
    force: bool,
    in_doubt: InDoubt,
    servers: Mapping[str, str] | None,
    aws: Any,
    environment: Any,
    client: httpx.Client | None,
    on_event: Callable[[Event], None] | None,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    allow_remote: bool,
    tighten: Mapping[str, Any] | None = None,
    telemetry: Any = None,
) -> RunResult:
    from ..drivers import loops

    record = store.get(run_id)
    if record.snapshot is None:
        raise JournalError(f"run {record.id} has no recorded state yet: start it again with `arazzo run`")
    if record.status == "running" and not force:  # a first look; the claim below decides, atomically
        lease = Lease(record.pid or 0, record.host or "?", record.claimed)
        raise RunClaimed(
            f"run {record.id} is held by {lease.describe()}; resuming it here too would repeat its requests."
            " Wait for it, stop it, or --force if that process is gone",
            lease,
        )
    recorded = RunSettings.from_json(record.settings)
    asked = {"servers": servers, "allow_remote": allow_remote, **(tighten or {})}
    settings = recorded.tightened(**asked)
    loosened = loosenings(recorded, settings)
    if loosened and not force:
        raise JournalError(
            f"run {record.id} cannot resume with {'; '.join(loosened)}: a resume may tighten the run's"
            " settings, not loosen them or send it to another server (--force to accept the change)"
        )
    if document is None:
        from ..document.loader import load

        document = load(
            record.document,
            allow_remote=settings.allow_remote,
            allow_outside=settings.allow_outside,
            network_policy=settings.network_policy(),
            root=recorded.confinement_root,  # the folder tree the run started with, from any directory
        )
    snapshot = unseal(record.snapshot, record.secret_inputs, dict(inputs or {}))
    changes = differences(snapshot["document"]["fingerprint"], fingerprint(document))
    changes += changed_sources(record.sources, source_hashes(document, store))
    if changes and not force:
        raise JournalError(
            f"run {record.id} cannot resume: since it started, {'; '.join(changes)}."
            " A run resumes with the document and sources it started with (--force to accept the change)"
        )
    if force:
        snapshot["document"]["fingerprint"] = fingerprint(document)
    environment = _settled_environment(environment, settings, aws, record.id)
    execution = Execution.restore(document, snapshot)
    if record.status in FINISHED:
        return replace(loops.run_sync(execution, environment=environment, clock=clock), run_id=record.id)
    hook = RunJournal(store, record.id, execution, record.secret_inputs)
    hook.clock = clock
    # The lease, taken atomically before anything is sent: of two resumes, one carries on.
    previous = store.claim(record.id, force=force)
    store.note(record.id, "resumed", f"after {record.last_step or 'start'}", now=clock())
    if settings != recorded:
        store.update_settings(record.id, settings.to_json())
        changed = f" (--force: {'; '.join(loosened)})" if loosened else " (tightened)"
        store.note(record.id, "settings", "the run's settings changed on resume" + changed, now=clock())
    if on_event is not None:
        on_event(
            RunJournaled(
                record.id, str(store.path), resumed=True, at=clock(),
                took_over_from=previous.describe() if previous is not None else None,
                warnings=tuple(store.warnings),
            )
        )  # fmt: skip
    from ..drivers.telemetry_wiring import telemetry_wiring

    with (
        environment.sync_client(client) as client,  # the caller's, or the run's own, closed at the end
        # The same trace as the run's first process, the resume a linked span.
        telemetry_wiring(
            telemetry, execution, journal=hook, on_event=on_event, client=client, clock=clock, resumed=True
        ) as (on_event, hook),
    ):
        driver: loops.SyncTools = {"environment": environment, "client": client, "sleep": sleep, "clock": clock}
        try:
            if execution.state.pending is not None:
                need = execution.next(clock())
                assert isinstance(need, SendRequest | SendMessage | Receive)
                try:
                    if isinstance(need, SendRequest):
                        exchange = _settle_in_doubt(
                            execution,
                            need,
                            in_doubt,
                            note=lambda text: store.note(record.id, "in_doubt", text, now=clock()),
                            **driver,
                        )
                        if exchange is not None:
                            execution.feed(exchange, clock())
                    else:
                        delivery = _settle_message(store, record, need, in_doubt, environment, clock, inputs)
                        if delivery is not None:
                            execution.feed_message(delivery, clock())
                except RequestInDoubt:
                    store.transition(
                        record.id, hook.snapshot_json(_drained(execution, on_event)), now=clock(),
                        last_step=need.step_id, next_poll=None, in_flight=record.in_flight, status="interrupted",
                    )  # fmt: skip
                    raise
                _drained(execution, on_event)
            return loops.run_sync(execution, on_event=on_event, journal=hook, **driver)
        except RequestInDoubt:
            raise
        except BaseException as exc:
            hook.interrupted(exc)
            raise


def _settled_environment(environment: Any, settings: RunSettings, aws: Any, run_id: str) -> Any:
    """The environment of the resumed run: built from its settings, or the caller's own, which
    must then enforce the run's network policy (a resume never quietly drops it)."""
    if environment is None:
        return settings.environment(aws=aws)
    if aws is not None:
        from ..errors import UsageError

        raise UsageError("aws= cannot be combined with environment=: the environment already holds it")
    wanted = settings.network_policy()
    if wanted is not None and wanted.restricts and environment.network_policy is None:
        raise JournalError(
            f"run {run_id} has a network policy ({_policy_text(settings)}) that the environment given to"
            " resume does not enforce: pass environment=None (the run's settings rebuild it), or give it"
            " that network_policy"
        )
    return environment


def _policy_text(settings: RunSettings) -> str:
    parts = [f"--allow-host {p}" for p in settings.allow_hosts] + [
        f"--deny-host {p}" for p in settings.deny_hosts
    ]
    if settings.deny_private_networks:
        parts.append("--deny-private-networks")
    return " ".join(parts)


def _settle_message(
    store: Journal,
    record: Any,
    need: SendMessage | Receive,
    choice: InDoubt,
    environment: Any,
    clock: Callable[[], float],
    inputs: Mapping[str, Any] | None,
) -> Delivery | None:
    """The delivery to feed for the message step the run stopped in, or ``None`` to serve it again.

    A receive whose message was recorded is fed that message (consumed now if it was not yet),
    never received again; a receive without one waits again. A send is decided by
    :func:`.messages.send_in_doubt`. The order that makes this safe is in :mod:`.messages`.
    """
    from ..messaging.steps import acknowledge

    def note(text: str, kind: str = "in_doubt") -> None:
        store.note(record.id, kind, text, now=clock())

    if isinstance(need, SendMessage):
        return messages.send_in_doubt(need, record.in_flight, choice, clock(), note)
    delivery = messages.recorded_delivery(record.in_flight, need)
    if delivery is None:
        note(f"{need.step_id}: waiting again for a message on {need.address}", "waiting")
        return None
    delivery = Delivery.from_json(unseal(delivery.to_json(), record.secret_inputs, dict(inputs or {})))
    problem = acknowledge(need, delivery, environment.messaging)
    note(
        f"{need.step_id}: message {delivery.message_id or '(no id)'} was recorded before the run stopped:"
        f" fed from the journal, not received again ({problem or 'consumed'})",
        "received",
    )
    return replace(delivery, ack=None, note=problem)


def _drained(execution: Execution, on_event: Callable[[Event], None] | None) -> Execution:
    for event in execution.drain():
        if on_event is not None:
            on_event(event)
    return execution


def list_runs(
    *, journal: Journal | str | Any | None = None, status: str | None = None, limit: int | None = None
) -> list[Any]:
    """The journal's runs, newest first (:class:`~.store.RunRecord`, secrets masked)."""
    return open_journal(journal).runs(status=status, limit=limit)
