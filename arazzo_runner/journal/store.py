"""The run journal: one SQLite file (stdlib ``sqlite3``, WAL mode) that several processes share.

One row per run in ``runs`` holds what ``arazzo runs`` lists and the run's latest snapshot (the
sans-I/O core's JSON, secrets sealed out: :mod:`.sealing`); ``timeline`` holds the run's coarse
history (steps finished, waits, resumes, the end) for ``arazzo runs show``.

**Durability (the fsync policy).** Every transition is committed before the driver sends the
next request, so a process that dies (``kill -9``, a crash, a recycled CI runner) loses nothing
but the request in flight, which the journal marks as such ("in doubt"). The journal runs in WAL
mode with ``synchronous=NORMAL``: a commit reaches the operating system before the next request
goes out, and the OS keeps it even if our process dies; the WAL is fsynced at checkpoints. A
transition that precedes a request which is *not* safe to send twice (a create, any ``POST``
without ``x-arazzo-idempotent``) is committed with ``synchronous=FULL``: fsynced before the
request leaves. So a power cut can lose at most the last few poll/read transitions (a resumed run
then repeats a read it had already made, which is harmless), never the record that an unsafe
request was about to be sent. A message an Arazzo 1.1 ``receive`` matched is recorded the same way
(fsynced) before it is deleted from its queue (:mod:`.messages`), and so is the record before a
message ``send``.

**Back-to-back reads.** A run firing requests that are safe to repeat with no wait in between
(a poll loop with ``--poll-interval 0``) writes its state at most once a second
(``Journal(read_batch_seconds=...)``, 0 for every transition): a crash there loses at most a
second of reads, which the resumed run repeats. Waits, the answer to an unsafe request and the
record before one are always written before the run moves on.

**Group commit (asyncio).** Runs on one event loop that share a :class:`Journal` queue their
transitions (:meth:`Journal.transition_soon`, :meth:`Journal.delivered_soon`) instead of
committing each alone: the writes queued in one tick of the loop are committed in one transaction
in the next (``loop.call_soon``), fsynced once if any of them must be, and each run awaits that
commit before it sends anything. A thousand runs whose answers arrive together then cost one
transaction, not a thousand; the rules above hold for each run unchanged. Any other write
(``interrupted``, ``note``...) commits what is queued first, so the order of one run's records is
kept.

**Several processes.** WAL lets readers run while one process writes; writes are short
``BEGIN IMMEDIATE`` transactions with a busy timeout, so many runs (and ``arazzo runs`` in
another terminal) share one file.

**One owner per run (the lease).** A run's row names the process that carries it on: ``pid``,
``host`` and ``claimed`` (since when). :meth:`Journal.claim` takes it in one ``BEGIN IMMEDIATE``
transaction (read the holder, decide, write: no other process can slip in between), so of two
``arazzo resume`` of one run exactly one gets it; the other is refused with
:class:`RunClaimed`, naming the holder. A holder on this host whose process is gone is taken
over, and the takeover is written to the run's timeline (``lease_taken_over``). A holder on
another host cannot be checked from here: ``--force`` takes it over.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import sqlite3
import struct
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NotRequired, TypedDict, Unpack

from ..camel_forms import CamelDict, CamelForm
from ..engine.snapshot import migrate, migrate_state
from ..errors import UsageError

SCHEMA_VERSION = 1
#: Seconds a writer waits for another process's write transaction to finish.
BUSY_TIMEOUT_MS = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY,
    workflow_id TEXT NOT NULL,
    document TEXT NOT NULL,
    identity TEXT NOT NULL,
    status TEXT NOT NULL,
    started REAL NOT NULL,
    updated REAL NOT NULL,
    last_step TEXT,
    next_poll REAL,
    in_flight TEXT,
    pid INTEGER,
    host TEXT,
    inputs TEXT NOT NULL,
    secret_inputs TEXT NOT NULL,
    sources TEXT NOT NULL,
    settings TEXT NOT NULL,
    snapshot TEXT,
    outputs TEXT,
    error TEXT,
    claimed REAL
);
CREATE INDEX IF NOT EXISTS runs_identity ON runs (identity, status);
CREATE INDEX IF NOT EXISTS runs_updated ON runs (updated);
CREATE TABLE IF NOT EXISTS timeline (
    run_id TEXT NOT NULL,
    at REAL NOT NULL,
    kind TEXT NOT NULL,
    step_id TEXT,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS timeline_run ON timeline (run_id, at);
CREATE TABLE IF NOT EXISTS records (
    run_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
);
CREATE TABLE IF NOT EXISTS source_digests (
    path TEXT PRIMARY KEY,
    stat TEXT NOT NULL,
    digest TEXT NOT NULL
);
"""

#: Statuses of a run that has not ended (``arazzo resume`` continues it).
UNFINISHED = ("running", "interrupted")
FINISHED = ("succeeded", "failed")


class JournalError(UsageError):
    """The journal cannot be opened or does not hold the run asked for."""


class DamagedRun(JournalError):
    """A run's row cannot be read back (edited by hand, a disk fault): that run is reported, the
    others still read."""

    def __init__(self, run_id: str, why: str) -> None:
        super().__init__(f"run {run_id} in the journal is damaged and cannot be read ({why})")
        self.run_id = run_id


class JournalWriteError(JournalError):
    """The journal could not record a write: read-only, locked by another process for longer than
    the busy timeout, or out of space. Mid-run, the run stops before its next request (exit 1);
    ``run_id`` names it when the write was one run's."""

    exit_code = 1

    def __init__(self, message: str, run_id: str | None = None) -> None:
        super().__init__(message)
        self.run_id = run_id


def _write_failure(path: Path, exc: BaseException) -> JournalWriteError:
    text = str(exc) or type(exc).__name__
    lowered = text.lower()
    if "locked" in lowered or "busy" in lowered:
        why = f"another process held its lock for more than {BUSY_TIMEOUT_MS / 1000:g} s"
    elif "readonly" in lowered or "read-only" in lowered or isinstance(exc, PermissionError):
        why = "it is read-only"
    elif "full" in lowered or "disk i/o" in lowered or getattr(exc, "errno", None) in (28, 27):  # ENOSPC, EFBIG
        why = "the disk is full or failing (or the file may grow no larger)"
    else:
        why = "a write failed"
    return JournalWriteError(f"the journal {path} could not be written: {why} ({text})")


@dataclass(frozen=True)
class Lease:
    """Who carries a run on: process ``pid`` on ``host`` since ``since`` (epoch seconds)."""

    pid: int
    host: str
    since: float | None

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.since)) if self.since else "an unknown time"
        return f"process {self.pid} on {self.host} (since {when})"


class RunClaimed(JournalError):
    """Another live process holds the run (``arazzo resume`` of a run that is already running)."""

    def __init__(self, message: str, holder: Lease) -> None:
        super().__init__(message)
        self.holder = holder


def open_journal(journal: Journal | str | Path | None) -> Journal:
    """``journal`` itself, or the journal at that path (``None``: :func:`default_path`)."""
    if isinstance(journal, Journal):
        return journal
    return Journal(journal)


def default_path() -> Path:
    """``$ARAZZO_JOURNAL``, else ``$XDG_STATE_HOME/arazzo/runs.db`` (``~/.local/state/arazzo/runs.db``)."""
    explicit = os.environ.get("ARAZZO_JOURNAL")
    if explicit:
        return Path(explicit).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "arazzo" / "runs.db"


def new_run_id() -> str:
    """Short, sortable by start time: ``20261126-033512-9f3ac1d0``. 32 random bits: 10,000 runs
    started in one second clash about once in a hundred fleets, and :meth:`RunJournal.start` draws
    again when one does."""
    return time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:8]


def _pid_alive(pid: int | None, since: float | None = None) -> bool:
    """Whether process ``pid`` of this host is alive and, when ``since`` (the lease's start) is
    known, is the process that took the lease: a process that started after it only reuses the
    number of a holder that is gone (Linux: its start time from ``/proc``; elsewhere, trusted)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    if since is not None:
        started = _process_start(pid)
        if started is not None and started > since + 2:  # clock-tick rounding and boot-time jitter
            return False
    return True


def _process_start(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds), from ``/proc``; ``None`` where it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rpartition(")")[2].split()
        with open("/proc/stat") as handle:
            boot = next(float(line.split()[1]) for line in handle if line.startswith("btime "))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


@dataclass(frozen=True)
class RunRecord(CamelDict):
    """One run as the journal knows it (``inputs`` with secret values masked)."""

    # Field order is this record's JSON key order (its camel_form): a format, do not reorder.
    id: str
    workflow_id: str
    document: str
    identity: str
    status: str
    started: float
    updated: float
    last_step: str | None
    next_poll: float | None
    in_flight: dict[str, Any] | None
    pid: int | None
    host: str | None
    inputs: dict[str, Any]
    secret_inputs: list[str]
    sources: dict[str, str]
    settings: dict[str, Any]
    snapshot: dict[str, Any] | None
    outputs: dict[str, Any] | None
    error: dict[str, Any] | None
    #: Since when ``pid`` on ``host`` holds the run (its lease; ``None`` in journals from before it).
    claimed: float | None = None

    @property
    def unfinished(self) -> bool:
        return self.status in UNFINISHED



def _shown_in_flight(flight: dict[str, Any]) -> dict[str, Any]:
    """``in_flight`` as listed: a received message's id, not the message and its receipt handle."""
    if "delivery" not in flight:
        return flight
    shown = {k: v for k, v in flight.items() if k != "delivery"}
    delivery = flight["delivery"]
    shown["received"] = delivery.get("messageId") if isinstance(delivery, dict) else None
    return shown


#: ``to_dict``: what ``arazzo runs --output json`` shows.
RunRecord.camel_form = CamelForm(
    RunRecord,
    hidden=("identity", "host", "sources", "settings", "snapshot", "claimed"),
    keys={"id": "runId"},
    shown={"in_flight": _shown_in_flight},
)


def pack_rng(state: dict[str, Any]) -> None:
    """The run's RNG state (625 ints, most of a snapshot as JSON) as base64 bytes, in place."""
    rng = state.get("rng")
    if isinstance(rng, list) and len(rng) == 3 and isinstance(rng[1], list):
        version, internal, gauss = rng
        packed = base64.b64encode(struct.pack(f"<{len(internal)}I", *internal)).decode()
        state["rng"] = {"version": version, "packed": packed, "gauss": gauss}


def unpack_rng(state: dict[str, Any]) -> None:
    rng = state.get("rng")
    if isinstance(rng, dict) and "packed" in rng:
        raw = base64.b64decode(rng["packed"])
        state["rng"] = [rng["version"], list(struct.unpack(f"<{len(raw) // 4}I", raw)), rng["gauss"]]


def _loads(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


#: SQL statements of one write, parameters encoded: (sql, rows, many).
_Statements = list[tuple[str, Any, bool]]


def _settle(future: asyncio.Future[None], exc: Exception | None) -> None:
    """Wake the run awaiting ``future`` (one cancelled meanwhile, or whose loop is gone, has its
    write in all the same and nothing to wake)."""
    if future.done() or future.get_loop().is_closed():
        return
    if exc is None:
        future.set_result(None)
    else:
        future.set_exception(exc)


def _execute(db: sqlite3.Connection, statements: _Statements) -> None:
    for sql, params, many in statements:
        if many:
            db.executemany(sql, params)
        else:
            db.execute(sql, params)


class TransitionFields(TypedDict):
    """What one transition records besides the run's id and snapshot (:meth:`Journal.transition`):
    the time, the last step, the next poll's time, what is in flight, timeline lines, new step
    records; a finished run's status, outputs and error."""

    now: float
    last_step: str | None
    next_poll: float | None
    in_flight: dict[str, Any] | None
    timeline: NotRequired[list[tuple[float, str, str | None, str | None]]]
    records: NotRequired[tuple[int, list[Any]] | None]
    status: NotRequired[str]
    outputs: NotRequired[dict[str, Any] | None]
    error: NotRequired[dict[str, Any] | None]


def _transition_statements(
    run_id: str,
    snapshot_json: str,
    *,
    now: float,
    last_step: str | None,
    next_poll: float | None,
    in_flight: dict[str, Any] | None,
    timeline: list[tuple[float, str, str | None, str | None]] = (),  # type: ignore[assignment]
    records: tuple[int, list[Any]] | None = None,
    status: str = "running",
    outputs: dict[str, Any] | None = None,
    error: dict[str, Any] | None = None,
) -> _Statements:
    """What :meth:`Journal.transition` writes, every value encoded now."""
    statements: _Statements = [
        (
            "UPDATE runs SET snapshot=?, updated=?, last_step=COALESCE(?, last_step), next_poll=?,"
            " in_flight=?, status=?, outputs=?, error=?, pid=? WHERE id=?",
            (
                snapshot_json,
                now,
                last_step,
                next_poll,
                None if in_flight is None else _dumps(in_flight),
                status,
                None if outputs is None else _dumps(outputs),
                None if error is None else _dumps(error),
                os.getpid() if status == "running" else None,
                run_id,
            ),
            False,
        )
    ]
    if timeline:
        statements.append(
            ("INSERT INTO timeline VALUES (?,?,?,?,?)", [(run_id, *item) for item in timeline], True)
        )
    if records:
        first, items = records
        statements.append(
            (
                "INSERT OR REPLACE INTO records VALUES (?,?,?)",
                [(run_id, first + i, _dumps(item)) for i, item in enumerate(items)],
                True,
            )
        )
    return statements


def _delivered_statements(
    run_id: str, in_flight: dict[str, Any], *, now: float, step_id: str, detail: str
) -> _Statements:
    return [
        ("UPDATE runs SET in_flight=?, updated=? WHERE id=?", (_dumps(in_flight), now, run_id), False),
        ("INSERT INTO timeline VALUES (?,?,?,?,?)", (run_id, now, "received", step_id, detail), False),
    ]


#: Default of :attr:`Journal.read_batch_seconds`.
READ_BATCH_SECONDS = 1.0


class Journal:
    """A journal file. Cheap to open; one connection per instance (use one per thread).

    ``read_batch_seconds``: a run making back-to-back requests that are safe to repeat (reads, a
    poll loop without waits) writes its state at most this often; every other transition is
    written before the next request goes out (0: every transition, always).
    """

    def __init__(
        self, path: str | os.PathLike[str] | None = None, *, read_batch_seconds: float = READ_BATCH_SECONDS
    ) -> None:
        self.read_batch_seconds = read_batch_seconds
        #: Transactions committed through this instance (tests and benchmarks count them).
        self.commits = 0
        #: Writes queued for the next group commit: (statements, fsync, the future its run awaits).
        self._queued: list[tuple[_Statements, bool, asyncio.Future[None]]] = []
        self.path = Path(path).expanduser() if path is not None else default_path()
        #: What the user should hear about this journal (a folder or file others can read).
        self.warnings: list[str] = []
        try:
            self._make_private()
            self._db = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
            )
            self._db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self._db.execute("PRAGMA synchronous = NORMAL")
            with self._write():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._db.execute(statement)
                columns = {row[1] for row in self._db.execute("PRAGMA table_info(runs)")}
                if "claimed" not in columns:  # a journal from before the lease
                    self._db.execute("ALTER TABLE runs ADD COLUMN claimed REAL")
                version = self._db.execute("PRAGMA user_version").fetchone()[0]
                if version == 0:
                    self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                elif version != SCHEMA_VERSION:
                    raise JournalError(
                        f"journal {self.path} has schema version {version}; this version of arazzo-runner"
                        f" reads version {SCHEMA_VERSION}"
                    )
        except (sqlite3.Error, OSError, JournalWriteError) as exc:
            raise JournalError(f"cannot open the run journal {self.path}: {exc}") from exc
        #: "wal" unless the file system cannot do it (then SQLite's rollback journal is used).
        self.mode = mode

    def _make_private(self) -> None:
        """The journal holds run data: its folder is created 0700 and the file 0600 (SQLite gives
        its -wal and -shm files the database file's mode). An existing folder or file that others
        can read is left as it is (it may be shared on purpose) and said so in :attr:`warnings`."""
        folder = self.path.parent
        if not folder.exists():
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(folder, 0o700)  # mkdir's mode is filtered by the umask
        elif folder.stat().st_mode & 0o077:
            self.warnings.append(
                f"the journal's folder {folder} can be read by other users (mode"
                f" {folder.stat().st_mode & 0o777:o}); `chmod 700 {folder}` keeps run data private"
            )
        try:
            created = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            created = None
        if created is not None:
            os.close(created)
            os.chmod(self.path, 0o600)
        else:
            for file in (self.path, Path(f"{self.path}-wal"), Path(f"{self.path}-shm")):
                mode = file.stat().st_mode if file.exists() else 0
                if mode & 0o077:
                    self.warnings.append(
                        f"the journal {file} can be read by other users (mode {mode & 0o777:o});"
                        f" `chmod 600 {file}` keeps run data private"
                    )

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self, *, fsync: bool = False) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction; ``fsync``: committed with ``synchronous=FULL``.

        Writes queued for a group commit are committed first (they came first)."""
        if self._queued:
            self.flush()
        with self._transaction(fsync=fsync) as db:
            yield db

    @contextmanager
    def _transaction(self, *, fsync: bool = False) -> Iterator[sqlite3.Connection]:
        """One write transaction. A failure of the file (read-only, locked past the busy timeout,
        full) is a :class:`JournalWriteError`; a constraint (a run id taken) stays
        ``sqlite3.IntegrityError`` for the caller to decide."""
        try:
            with self._raw_transaction(fsync=fsync) as db:
                yield db
        except sqlite3.IntegrityError:
            raise
        except (sqlite3.Error, OSError) as exc:
            raise _write_failure(self.path, exc) from exc

    @contextmanager
    def _raw_transaction(self, *, fsync: bool = False) -> Iterator[sqlite3.Connection]:
        db = self._db
        if fsync:
            db.execute("PRAGMA synchronous = FULL")
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):  # a failed statement or COMMIT may have ended it
                    db.execute("ROLLBACK")
                raise
            self.commits += 1
        finally:
            if fsync:
                with contextlib.suppress(sqlite3.Error):
                    db.execute("PRAGMA synchronous = NORMAL")

    # -- writing -----------------------------------------------------------------------------
    def start_run(
        self,
        run_id: str,
        *,
        workflow_id: str,
        document: str,
        identity: str,
        inputs: Mapping[str, Any],
        secret_inputs: list[str],
        sources: Mapping[str, str],
        settings: Mapping[str, Any],
        now: float,
    ) -> None:
        # A new run's row: nothing queued for a group commit can be this run's, so no need to
        # commit the queue first (a fleet starting its runs keeps their first records grouped).
        with self._transaction() as db:
            db.execute(
                "INSERT INTO runs (id, workflow_id, document, identity, status, started, updated, pid, host,"
                " inputs, secret_inputs, sources, settings, claimed) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    run_id,
                    workflow_id,
                    document,
                    identity,
                    "running",
                    now,
                    now,
                    os.getpid(),
                    os.uname().nodename,
                    _dumps(dict(inputs)),
                    _dumps(list(secret_inputs)),
                    _dumps(dict(sources)),
                    _dumps(dict(settings)),
                    now,
                ),
            )
            db.execute("INSERT INTO timeline VALUES (?,?,?,?,?)", (run_id, now, "started", None, None))

    def transition(
        self, run_id: str, snapshot_json: str, *, fsync: bool = False, **fields: Unpack[TransitionFields]
    ) -> None:
        """Record the run's new state (one transaction: durable when this returns).

        ``snapshot_json`` leaves out the run's step records (they only grow: a long poll loop would
        make every snapshot, and so every transition, larger); ``records`` is ``(index of the
        first, new records)``, appended here and put back into the snapshot by :meth:`get`.
        """
        statements = _transition_statements(run_id, snapshot_json, **fields)
        with self._write(fsync=fsync) as db:
            _execute(db, statements)

    def transition_soon(
        self, run_id: str, snapshot_json: str, *, fsync: bool = False, **fields: Unpack[TransitionFields]
    ) -> asyncio.Future[None]:
        """:meth:`transition` by group commit: queued now (encoded now), committed with the other
        writes of this event-loop tick; the run awaits the future before it sends anything."""
        return self._queue(_transition_statements(run_id, snapshot_json, **fields), fsync)

    def _queue(self, statements: _Statements, fsync: bool) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        if not self._queued:
            loop.call_soon(self.flush)
        self._queued.append((statements, fsync, future))
        return future

    def flush(self) -> None:
        """Commit the queued writes in one transaction (fsynced once if any must be), then wake
        their runs. When the group fails, each write is tried alone, so each run gets its own
        outcome (one bad write does not fail the others)."""
        queued, self._queued = self._queued, []
        if not queued:
            return
        try:
            with self._transaction(fsync=any(fsync for _, fsync, _ in queued)) as db:
                for statements, _, _ in queued:
                    _execute(db, statements)
        except Exception:
            for statements, fsync, future in queued:
                try:
                    with self._transaction(fsync=fsync) as db:
                        _execute(db, statements)
                except Exception as exc:
                    _settle(future, exc)
                else:
                    _settle(future, None)
            return
        for _, _, future in queued:
            _settle(future, None)

    def delivered(
        self, run_id: str, in_flight: dict[str, Any], *, now: float, step_id: str, detail: str
    ) -> None:
        """Record a message a ``receive`` matched, before it is consumed: fsynced (``in_flight`` holds
        it; the run's snapshot still waits for it, so ``resume`` feeds it instead of receiving again)."""
        with self._write(fsync=True) as db:
            _execute(db, _delivered_statements(run_id, in_flight, now=now, step_id=step_id, detail=detail))

    def delivered_soon(
        self, run_id: str, in_flight: dict[str, Any], *, now: float, step_id: str, detail: str
    ) -> asyncio.Future[None]:
        """:meth:`delivered` by group commit (fsynced with its group): await it before consuming."""
        statements = _delivered_statements(run_id, in_flight, now=now, step_id=step_id, detail=detail)
        return self._queue(statements, True)

    def note(self, run_id: str, kind: str, detail: str | None = None, *, now: float | None = None) -> None:
        """Add a line to the run's timeline (a resume, a decision about a request in doubt)."""
        with self._write() as db:
            db.execute(
                "INSERT INTO timeline VALUES (?,?,?,?,?)",
                (run_id, time.time() if now is None else now, kind, None, detail),
            )

    def interrupted(self, run_id: str, detail: str, *, now: float) -> None:
        """The run's process stops without finishing it (Ctrl-C, an exception): resumable."""
        with self._write() as db:
            db.execute("UPDATE runs SET status='interrupted', pid=NULL, updated=? WHERE id=?", (now, run_id))
            db.execute("INSERT INTO timeline VALUES (?,?,?,?,?)", (run_id, now, "interrupted", None, detail))

    def update_settings(self, run_id: str, settings: Mapping[str, Any]) -> None:
        """Journal the settings a resumed run now has (tightened, or changed with ``--force``)."""
        with self._write() as db:
            db.execute("UPDATE runs SET settings=? WHERE id=?", (_dumps(dict(settings)), run_id))

    def claim(self, run_id: str, *, force: bool = False, now: float | None = None) -> Lease | None:
        """Take the run's lease for this process (``arazzo resume``), atomically. ``now`` is wall-clock
        time (the lease's start is compared with process start times; never a test's fake clock).

        Raises :class:`RunClaimed` when another process holds it and may be alive (on this host
        and running; or on another host, which cannot be checked: ``force`` takes it anyway).
        Returns the lease taken over from a holder that is gone (logged in the timeline), or
        ``None`` when the run was free."""
        now = time.time() if now is None else now
        me, here = os.getpid(), os.uname().nodename
        with self._write(fsync=True) as db:
            row = db.execute("SELECT status, pid, host, claimed FROM runs WHERE id=?", (run_id,)).fetchone()
            if row is None:
                raise JournalError(f"no run {run_id!r} in the journal {self.path}")
            status, pid, host, since = row
            since = since if isinstance(since, int | float) else None  # a damaged one is not trusted
            previous = None
            if status == "running" and pid and (pid, host) != (me, here):
                previous = Lease(pid, host or "?", since)
                alive = host != here or _pid_alive(pid, since)
                if alive and not force:
                    where = "" if host == here else " (another host: this one cannot tell whether it is alive)"
                    raise RunClaimed(
                        f"run {run_id} is held by {previous.describe()}{where}; resuming it here too would"
                        " repeat its requests. Wait for it, stop it, or --force if that process is gone",
                        previous,
                    )
            db.execute(
                "UPDATE runs SET status='running', pid=?, host=?, claimed=? WHERE id=?", (me, here, now, run_id)
            )
            if previous is not None:
                db.execute(
                    "INSERT INTO timeline VALUES (?,?,?,?,?)",
                    (run_id, now, "lease_taken_over", None,
                     f"{previous.describe()} is gone; process {me} on {here} took the run over"),
                )  # fmt: skip
        return previous

    def prune(self, older_than: float, *, now: float | None = None) -> list[str]:
        """Delete finished runs last updated more than ``older_than`` seconds ago; their ids."""
        cutoff = (time.time() if now is None else now) - older_than
        with self._write() as db:
            ids = [
                row[0]
                for row in db.execute(
                    "SELECT id FROM runs WHERE updated < ? AND status IN (?, ?)", (cutoff, *FINISHED)
                )
            ]
            db.executemany("DELETE FROM timeline WHERE run_id=?", [(i,) for i in ids])
            db.executemany("DELETE FROM records WHERE run_id=?", [(i,) for i in ids])
            db.executemany("DELETE FROM runs WHERE id=?", [(i,) for i in ids])
        return ids

    # -- reading -----------------------------------------------------------------------------
    _COLUMNS = (
        "id, workflow_id, document, identity, status, started, updated, last_step, next_poll, in_flight,"
        " pid, host, inputs, secret_inputs, sources, settings, {snapshot}, outputs, error, claimed"
    )

    def _record(self, row: tuple[Any, ...]) -> RunRecord:
        """A row as a :class:`RunRecord`; :class:`DamagedRun` when a field cannot be read back."""
        try:
            return self._decode(row)
        except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, struct.error) as exc:
            raise DamagedRun(str(row[0]), f"{type(exc).__name__}: {str(exc)[:200]}") from None

    def _decode(self, row: tuple[Any, ...]) -> RunRecord:
        (rid, wf, doc, identity, status, started, updated, last, nxt, flight, pid, host, inputs, secret,
         sources, settings, snapshot, outputs, error, claimed) = row  # fmt: skip
        if status not in (*UNFINISHED, *FINISHED):
            raise ValueError(f"unknown status {status!r}")
        started, updated = float(started), float(updated)
        nxt = None if nxt is None else float(nxt)
        pid = None if pid is None else int(pid)
        claimed = None if claimed is None else float(claimed)
        if status == "running" and host == os.uname().nodename and not _pid_alive(pid, claimed):
            status = "interrupted"  # its process is gone: resume continues it
        record = RunRecord(
            str(rid), str(wf), str(doc), identity, status, started, updated, last, nxt, _loads(flight), pid, host,
            _loads(inputs), _loads(secret), _loads(sources), _loads(settings), _loads(snapshot),
            _loads(outputs), _loads(error), claimed,
        )  # fmt: skip
        kinds = (
            (record.in_flight, dict, True), (record.inputs, dict, False), (record.secret_inputs, list, False),
            (record.sources, dict, False), (record.settings, dict, False), (record.snapshot, dict, True),
            (record.outputs, dict, True), (record.error, dict, True),
        )  # fmt: skip
        for value, kind, optional in kinds:
            if not isinstance(value, kind) and not (optional and value is None):
                raise TypeError(f"a {type(value).__name__} where a {kind.__name__} was written")
        return record

    def get(self, run_id: str) -> RunRecord:
        """The run ``run_id`` (a unique prefix is enough); :class:`JournalError` if unknown."""
        sql = f"SELECT {self._COLUMNS.format(snapshot='snapshot')} FROM runs WHERE id = ? OR id LIKE ?"
        pattern = run_id.replace("\\", "").replace("%", "").replace("_", "\\_") + "%"
        rows = self._db.execute(sql + " ESCAPE '\\' LIMIT 3", (run_id, pattern)).fetchall()
        exact = [row for row in rows if row[0] == run_id]
        if not exact and not rows:
            raise JournalError(f"no run {run_id!r} in the journal {self.path} (`arazzo runs` lists them)")
        if not exact and len(rows) > 1:
            raise JournalError(f"{run_id!r} names several runs ({', '.join(r[0] for r in rows)}...): give more")
        record = self._record((exact or rows)[0])
        if record.snapshot is not None:
            try:
                if not isinstance(record.snapshot.get("state"), dict):
                    raise TypeError("the snapshot holds no run state")
                unpack_rng(record.snapshot["state"])
                found = self._db.execute("SELECT data FROM records WHERE run_id = ? ORDER BY seq", (record.id,))
                record.snapshot["state"]["records"] = [json.loads(data) for (data,) in found]
                # A journal written by an earlier version (or resumed across versions: step records of
                # both shapes) reads as the current format.
                snapshot = record.snapshot
                snapshot.update(migrate(snapshot))
                snapshot["state"] = migrate_state(snapshot["state"])
            except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError, struct.error) as exc:
                raise DamagedRun(record.id, f"its saved state: {type(exc).__name__}: {str(exc)[:200]}") from None
        return record

    def runs(
        self, *, status: str | None = None, limit: int | None = None, damaged: list[DamagedRun] | None = None
    ) -> list[RunRecord]:
        """Runs, newest first (without snapshots); ``status`` as shown (``interrupted`` included).

        A row that cannot be read is left out, and added to ``damaged`` when given (the others
        are listed all the same)."""
        sql = f"SELECT {self._COLUMNS.format(snapshot='NULL')} FROM runs ORDER BY started DESC"
        records = self._readable(self._db.execute(sql), damaged)
        if status is not None:
            records = [r for r in records if r.status == status]
        return records[:limit] if limit is not None else records

    def unfinished_like(self, identity: str, *, excluding: str | None = None) -> list[RunRecord]:
        """Unfinished runs of the same document, workflow and inputs (for ``arazzo run``'s warning)."""
        sql = f"SELECT {self._COLUMNS.format(snapshot='NULL')} FROM runs WHERE identity = ? AND status IN ('running', 'interrupted')"
        found = self._readable(self._db.execute(sql, (identity,)), None)
        return [r for r in found if r.id != excluding]

    def _readable(self, rows: Any, damaged: list[DamagedRun] | None) -> list[RunRecord]:
        records = []
        for row in rows:
            try:
                records.append(self._record(row))
            except DamagedRun as exc:
                if damaged is not None:
                    damaged.append(exc)
        return records

    # -- the source digest cache -------------------------------------------------------------
    def known_digest(self, path: str, stat: str) -> str | None:
        """The content digest recorded for ``path`` when its file had this ``stat`` (size, times,
        inode: :func:`arazzo_runner.journal.recorder.file_stat`), else ``None``."""
        row = self._db.execute("SELECT stat, digest FROM source_digests WHERE path = ?", (path,)).fetchone()
        return row[1] if row is not None and row[0] == stat else None

    def remember_digests(self, digests: Mapping[str, tuple[str, str]]) -> None:
        """Record ``{path: (stat, digest)}`` so the next run start need not read the files again.

        Best effort: a journal that cannot be written now says so at the run's own first write."""
        with contextlib.suppress(JournalWriteError), self._write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO source_digests VALUES (?,?,?)",
                [(path, stat, digest) for path, (stat, digest) in digests.items()],
            )

    def timeline(self, run_id: str) -> list[dict[str, Any]]:
        rows = self._db.execute(
            "SELECT at, kind, step_id, detail FROM timeline WHERE run_id = ? ORDER BY at, rowid", (run_id,)
        )
        return [{"at": at, "kind": kind, "stepId": step, "detail": detail} for at, kind, step, detail in rows]
