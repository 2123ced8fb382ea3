"""The drivers' journal hook: each transition of one run, written before its next request goes out.

:class:`RunJournal` is what ``drivers.loops`` calls (``journal=``) after every ``Execution.next``:
the run's snapshot (secrets sealed out), what it waits for (the request in flight, the next
poll's wall-clock time, the message a ``receive`` waits for) and a few timeline lines are
committed in one transaction. The record that precedes a request which is not safe to send twice,
or a message ``send``, is fsynced (see :mod:`.store`); so is a received message before it is
consumed (:meth:`RunJournal.delivered`, the order in :mod:`.messages`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..document.resolved import Document
from ..engine.core import Execution
from ..engine.events import Event, declare_event
from ..engine.inputs import secret_input_names, secret_input_paths
from ..engine.needs import Delivery, Done, Need, Receive, SendMessage, SendRequest, Sleep
from ..engine.result import StepRecord
from ..engine.state import encode, record_to_json
from ..sources.openapi import OpenApiSource
from . import messages
from .in_doubt import Safety, aws_target, safety
from .sealing import Sealer
from .store import Journal, JournalError, JournalWriteError, new_run_id, pack_rng

#: Prefix of a content digest taken from the parsed, canonicalised file (not its bytes).
CONTENT_DIGEST = "c1:"


def _bytes_digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except OSError:
        return "unreadable"


def _content_digest(path: Path) -> str:
    """A digest of what the run uses from ``path``: its parsed content as canonical JSON (sorted
    keys), so a comment, a blank line, quoting or key order changes nothing, and any value does."""
    from ..yaml12 import YamlReadError, read_file

    try:
        data = read_file(str(path)).data
    except (OSError, YamlReadError):
        return "unreadable"
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return CONTENT_DIGEST + hashlib.sha256(text.encode()).hexdigest()[:16]


@declare_event("run_journaled")
class RunJournaled(Event):
    """Event: the run is journaled as ``run_id`` in ``path`` (the first event of a journaled run).

    ``unfinished``: ids of unfinished runs of the same document, workflow and inputs (a new run
    only), so that a user who meant ``arazzo resume`` can say so.
    """

    run_id: str
    path: str
    resumed: bool = False
    unfinished: tuple[str, ...] = ()
    #: A resume that took the run over from a holder that is gone: who that was (else ``None``).
    took_over_from: str | None = None
    #: What the user should hear about the journal itself (a folder or file others can read).
    warnings: tuple[str, ...] = ()


#: A file changed less than this long ago is hashed but its digest not remembered: a second
#: change within the file system's timestamp granularity could keep size and times unchanged
#: (git's "racily clean" entries).
RACY_SECONDS = 2.0


def file_stat(path: Path) -> str | None:
    """What says a file is unchanged without reading it: size, modification and change times (ns),
    inode and device. ``None`` when the file cannot be stat'ed."""
    try:
        st = path.stat()
    except OSError:
        return None
    return f"size={st.st_size} mtime_ns={st.st_mtime_ns} ctime_ns={st.st_ctime_ns} inode={st.st_ino} device={st.st_dev}"


def _settled(path: Path) -> bool:
    """Whether ``path`` last changed long enough ago for its digest to be remembered."""
    try:
        st = path.stat()
    except OSError:
        return False
    return time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_SECONDS * 1e9


def source_hashes(document: Document, journal: Journal | None = None) -> dict[str, str]:
    """A content digest per local source file the run reads (``document`` and its OpenAPI sources).

    With ``journal``, a file whose size, times and inode are those recorded with its digest is
    not read again (parsing a large OpenAPI description costs a run start ~0.1 s); a file read
    is recorded there (the journal is private, 0600)."""
    found: dict[str, str] = {}
    learned: dict[str, tuple[str, str]] = {}
    seen: set[int] = set()

    def add(location: str) -> None:
        if "://" in location and not location.startswith("file://"):
            return
        path = Path(location.removeprefix("file://"))
        stat = file_stat(path) if journal is not None else None
        known = journal.known_digest(str(path), stat) if journal is not None and stat is not None else None
        if known is not None:
            found[str(path)] = known
            return
        digest = found[str(path)] = _content_digest(path)
        # Remembered only if the file did not change while it was read, nor just before.
        if stat is not None and digest != "unreadable" and file_stat(path) == stat and _settled(path):
            learned[str(path)] = (stat, digest)

    def walk(doc: Document) -> None:
        if id(doc) in seen:
            return
        seen.add(id(doc))
        add(doc.location)
        for source in doc.sources.values():
            if isinstance(source, Document):
                walk(source)
            elif isinstance(source, OpenApiSource):
                add(source.location)

    walk(document)
    if journal is not None and learned:
        journal.remember_digests(learned)
    return found


def changed_sources(saved: Mapping[str, str], current: Mapping[str, str]) -> list[str]:
    """The files whose content changed since the run started. A digest journaled before content
    digests existed (the file's bytes) is compared with the file's bytes as they are now."""

    def same(path: str, digest: str) -> bool:
        if digest.startswith(CONTENT_DIGEST) or digest == "unreadable":
            return current.get(path, digest) == digest
        return _bytes_digest(Path(path)) == digest

    changes = [f"{path} changed" for path, digest in saved.items() if path in current and not same(path, digest)]
    changes += [f"{path} is no longer read" for path in saved if path not in current]
    return changes


def identity_of(document: Document, workflow_id: str, sealed_inputs: Any) -> str:
    """Same document, workflow and inputs (secret values left out) → same identity."""
    text = json.dumps([document.location, workflow_id, sealed_inputs], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


#: Fresh ids drawn for a new run before giving up (a clash needs two runs in one second).
_ID_ATTEMPTS = 8


class RunJournal:
    """One run's journaling; pass it to the drivers as ``journal=``."""

    def __init__(self, journal: Journal, run_id: str, execution: Execution, secret_names: list[str]) -> None:
        self.journal = journal
        self.run_id = run_id
        workflow = execution.document.workflow(execution.workflow_id)
        paths = secret_input_paths(execution.document, workflow, execution.state.inputs) if workflow else None
        self.sealer = Sealer(secret_names, execution.state.inputs, paths)
        self.masker = execution.masker
        #: Credentials learned from the requests as sent are scrubbed out of everything written.
        self.redactor = execution.redactor
        self._safety: dict[tuple[Any, ...], Safety] = {}
        self.document = execution.document
        #: Set by whoever opened ``journal`` for this run alone: closed when the run stops.
        self.owns_journal = False
        #: Wall-clock time source (tests inject theirs).
        self.clock = time.time
        #: Same document, workflow and inputs → same identity (``arazzo run``'s unfinished-run warning).
        self.identity = ""
        self._seen: list[tuple[float, str, str | None, str | None]] = []
        #: Step records already in the journal (a resumed run starts with its restored ones).
        self.records_written = len(execution.state.records)
        self._last_step: str | None = None
        self._last_line: dict[Any, str] = {}
        #: Safety of the request handed out at the previous transition (None: not a request).
        self._previous_safety: str | None = None
        self._last_write = float("-inf")
        #: The snapshot's encoded envelope, for the execution it was made for (snapshot_json).
        self._head_text = ""
        self._head_for: Execution | None = None

    @classmethod
    def start(
        cls,
        journal: Journal,
        execution: Execution,
        *,
        settings: Mapping[str, Any] | None = None,
        run_id: str | None = None,
    ) -> RunJournal:
        """Give a new run an id and its row in the journal (before any request)."""
        document = execution.document
        workflow = document.workflow(execution.workflow_id)
        assert workflow is not None
        names = sorted(secret_input_names(document, workflow) & set(execution.state.inputs))
        run = cls(journal, run_id or new_run_id(), execution, names)
        sealed_inputs = run.sealer.seal(execution.state.inputs, input_keys=True)
        run.identity = identity_of(document, execution.workflow_id, sealed_inputs)
        sources = source_hashes(document, journal)
        for _ in range(_ID_ATTEMPTS):
            try:
                journal.start_run(
                    run.run_id,
                    workflow_id=execution.workflow_id,
                    document=document.location,
                    identity=run.identity,
                    inputs=execution.masker.mask(execution.state.inputs),
                    secret_inputs=names,
                    sources=sources,
                    settings=settings or {},
                    now=time.time(),
                )
                return run
            except JournalWriteError as exc:  # nothing was sent yet: a problem of the journal, exit 2
                raise JournalError(str(exc)) from None
            except sqlite3.IntegrityError:
                # A fleet starting thousands of runs in one second can draw an id twice: draw
                # again. An id the caller chose that is already taken is the caller's error.
                if run_id is not None:
                    raise JournalError(
                        f"run id {run_id!r} is already in the journal {journal.path}"
                    ) from None
                run.run_id = new_run_id()
        raise JournalError(f"no free run id after {_ID_ATTEMPTS} draws in the journal {journal.path}")

    def safety_of(self, need: SendRequest) -> Safety:
        key = (need.document_path, need.source, need.operation_path, need.method)
        found = self._safety.get(key)
        if found is None:
            found = self._safety[key] = safety(self.document, need)
        return found

    def snapshot_json(self, execution: Execution) -> str:
        """The snapshot without the step records (see :meth:`new_records`), secrets sealed, as JSON.

        Encoded once, straight from the live state (no copy through JSON first), and its envelope
        (document fingerprint, options: the same all run long) encoded once per run; the text
        decodes to what sealing ``execution.snapshot()`` gives (tested)."""
        # A fresh dict sharing the live values (not mutated below); the step records are written apart
        # (new_records), so the view holds none.
        view = execution.snapshot_state_view(records=False)
        pack_rng(view)
        if self.sealer.names:
            view = self.sealer.seal(view)
        if self._head_for is not execution:
            head = execution.snapshot_head()
            if self.sealer.names:
                head = self.sealer.seal(head)
            self._head_text = encode(head)[:-1] + ',"state":'
            self._head_for = execution
        text = self._head_text + encode(view) + "}"
        return self.redactor.learned_out_of_json(text) if self.masker.learned else text

    def new_records(self, execution: Execution) -> tuple[int, list[dict[str, Any]]] | None:
        """Step records made since the last transition: (index of the first, records as JSON)."""
        records = execution.state.records
        first = self.records_written
        if len(records) <= first:
            return None
        self.records_written = len(records)
        fresh = records[first:]
        self._seen.extend(self._step_lines(fresh))
        self._last_step = fresh[-1].step_id
        written = [record_to_json(record) for record in fresh]
        written = self.sealer.seal(written) if self.sealer.names else written
        if self.masker.learned:  # a credential a server echoed never reaches the journal
            written = json.loads(self.redactor.learned_out_of_json(encode(written)))
        return first, written

    def interrupted(self, exc: BaseException) -> None:
        """Record that this process stops the run unfinished (``resume`` continues it)."""
        with contextlib.suppress(sqlite3.Error, JournalError):
            self.journal.interrupted(self.run_id, self.masker.text(type(exc).__name__), now=self.clock())
        with contextlib.suppress(sqlite3.Error, JournalError):
            self.release()

    def release(self) -> None:
        """Close the journal when this run opened it (a path was given, not a Journal)."""
        if self.owns_journal:
            self.journal.close()
            self.owns_journal = False

    def observe(self, events: list[Event]) -> None:
        self._seen.extend(self._timeline(events))

    def deduplication_id(self, execution: Execution, need: SendMessage) -> str:
        """The send's deduplication id: the same when a resumed run sends it again."""
        return messages.deduplication_id(self.run_id, need, len(execution.state.records))

    def delivered(self, execution: Execution, need: Receive, delivery: Delivery) -> None:
        """Record a received message, fsynced, before the driver consumes it (see :mod:`.messages`)."""
        record = self._delivery_record(execution, need, delivery)
        if record is not None:
            with self._naming_run():
                self.journal.delivered(self.run_id, record[0], **record[1])

    async def delivered_async(self, execution: Execution, need: Receive, delivery: Delivery) -> None:
        """:meth:`delivered` for a run on an event loop: fsynced with the loop's other journal
        writes of this tick (group commit, :meth:`Journal.delivered_soon`), awaited before the
        message is consumed."""
        record = self._delivery_record(execution, need, delivery)
        if record is not None:
            with self._naming_run():
                await self.journal.delivered_soon(self.run_id, record[0], **record[1])

    def _delivery_record(
        self, execution: Execution, need: Receive, delivery: Delivery
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(in_flight, the other fields) recording ``delivery``; None when there is nothing to lose
        (a timeout or a broker error is recorded with the next transition)."""
        if delivery.message is None:
            return None
        now = self.clock()
        flight = messages.in_flight(need, now, execution.state.deadline, self.masker)
        data = delivery.to_json()
        flight["delivery"] = self.sealer.seal(data) if self.sealer.names else data
        line = f"message {delivery.message_id or '(no id)'} on {need.address}"
        return flight, {"now": now, "step_id": need.step_id, "detail": line}

    def _may_skip(self, need: Need, previous: str | None, now: float) -> bool:
        """Back-to-back safe reads within ``Journal.read_batch_seconds`` of the last write need no
        record each: losing them to a crash only repeats reads that are safe to repeat. Never
        skipped: the record before a request that is not safe to repeat, the first record after
        one (its answer), waits, and the end."""
        if not isinstance(need, SendRequest) or self.journal.read_batch_seconds <= 0:
            return False
        if previous != "resend" or self.safety_of(need) != "resend":
            return False
        return now - self._last_write < self.journal.read_batch_seconds

    def transition(self, execution: Execution, need: Need, events: list[Event]) -> Need:
        """Record the run's state before ``need`` is fulfilled: committed when this returns."""
        write = self._write_for(execution, need, events)
        if write is None:
            return need
        fsync, fields = write
        with self._naming_run():
            self.journal.transition(self.run_id, fsync=fsync, **fields)
        return self._written(need)

    async def transition_async(self, execution: Execution, need: Need, events: list[Event]) -> Need:
        """:meth:`transition` for a run on an event loop: its write joins the other runs' writes of
        this tick in one transaction (group commit, :meth:`Journal.transition_soon`); it is
        committed when this returns, so before the run's next request goes out."""
        write = self._write_for(execution, need, events)
        if write is None:
            return need
        fsync, fields = write
        with self._naming_run():
            await self.journal.transition_soon(self.run_id, fsync=fsync, **fields)
        return self._written(need)

    @contextlib.contextmanager
    def _naming_run(self) -> Iterator[None]:
        """A write that failed names this run (the CLI says which run stopped, and what it started)."""
        try:
            yield
        except JournalWriteError as exc:
            exc.run_id = self.run_id
            raise

    def _written(self, need: Need) -> Need:
        if isinstance(need, Done):
            self.release()
            return Done(replace(need.result, run_id=self.run_id))
        return need

    def _write_for(self, execution: Execution, need: Need, events: list[Event]) -> tuple[bool, dict[str, Any]] | None:
        """What to write for this transition: (fsync, the journal's fields); None: nothing (a
        back-to-back read within the batch, :meth:`_may_skip`)."""
        now = self.clock()
        previous = self._previous_safety
        self._previous_safety = self.safety_of(need) if isinstance(need, SendRequest) else None
        if self._may_skip(need, previous, now):
            self._seen.extend(self._timeline(events))
            return None
        self._last_write = now
        records = self.new_records(execution)
        timeline = self._seen + self._timeline(events)
        self._seen = []
        last_step = self._last_step
        next_poll = None
        in_flight = None
        fsync = False
        if isinstance(need, SendRequest):
            last_step = need.step_id
            risk = self.safety_of(need)
            in_flight = {
                "stepId": need.step_id,
                "workflowId": need.workflow_id,
                "method": need.method.upper(),
                "operation": aws_target(need) or need.operation_path,
                "safety": risk,
                "at": now,
            }
            fsync = risk != "resend"
        elif isinstance(need, Sleep):
            next_poll = need.until or (now + need.seconds)
            last_step = need.step_id
        elif isinstance(need, SendMessage | Receive):
            last_step = need.step_id
            in_flight = messages.in_flight(need, now, execution.state.deadline, self.masker)
            fsync = isinstance(need, SendMessage)  # a send may not be safe to repeat
            line = messages.waiting_text(in_flight)
            if isinstance(need, Receive) and self._last_line.get(("wait", need.step_id)) != line:
                # a receive loop: one line, not one per message
                self._last_line[("wait", need.step_id)] = line
                timeline.append((self.clock(), "waiting", need.step_id, line))  # after the step lines
        fields: dict[str, Any] = {
            "snapshot_json": self.snapshot_json(execution),
            "now": now,
            "last_step": last_step,
            "next_poll": next_poll,
            "in_flight": in_flight,
            "timeline": timeline,
            "records": records,
        }
        if isinstance(need, Done):
            result = need.result
            fields.update(
                next_poll=None,
                in_flight=None,
                status=result.status,
                outputs=self.masker.mask(result.outputs),
                error=self.masker.mask(result.error.to_dict()) if result.error else None,
            )
            fsync = False
        return fsync, fields

    def _timeline(self, events: list[Event]) -> list[tuple[float, str, str | None, str | None]]:
        """Limits and the end, from the events (the steps come from the step records)."""
        lines = []
        wall = self.clock()
        for event in events:
            if event.kind in ("run_finished", "limit_hit"):
                text = getattr(event, "status", None) or getattr(event, "message", None)
                step = getattr(event, "step_id", None)
                lines.append((wall, event.kind, step, self.masker.text(str(text)) if text else None))
        return lines

    def _step_lines(self, records: list[StepRecord]) -> list[tuple[float, str, str | None, str | None]]:
        """A step's outcome when it differs from its previous one: a poll loop of 10,000 identical
        answers is one line, not 10,000 (the step records keep every execution)."""
        lines: list[tuple[float, str, str | None, str | None]] = []
        wall = self.clock()
        for record in records:
            step, status, code, reason = record.step_id, record.status, record.status_code, record.reason
            text = " ".join(str(x) for x in (status, code) if x) + (f": {self.masker.text(str(reason))}" if reason else "")
            if self._last_line.get(step) != text:
                self._last_line[step] = text
                lines.append((wall, "step_finished", step, text))
        return lines
