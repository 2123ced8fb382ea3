"""A pytest plugin: the suite leaves nothing behind, however it was started (issue 26, points 1 and 2).

- **The user's journal and state stay untouched.** Before any test module is imported (some build their
  child environment from ``os.environ`` at import), ``ARAZZO_JOURNAL`` and ``XDG_STATE_HOME`` point into a
  folder of this session, so no ``arazzo`` started by a test writes ``$XDG_STATE_HOME/arazzo/runs.db``.
- **Children get the default signal dispositions.** Started with SIGINT ignored (``nohup``, ``make test &``
  from a script), every child would inherit "ignored" and the Ctrl-C tests would wait forever. The
  session gives itself the default dispositions back, so ``exec``'d children start with them.
- **A test's leftovers die with it.** Every process a test started (it carries this session's marker in its
  environment, or is our own child) and that is still alive when the test ends (e.g. after
  ``communicate(timeout=…)`` timed out) is killed with its process group, and the test is reported.
- **No process outlives the suite**: checked at session end; any survivor is killed and fails the session.

Linux only where it looks into ``/proc``; elsewhere the process checks are skipped.
"""

from __future__ import annotations

import os
import signal
import tempfile
import uuid
from pathlib import Path

import pytest

MARKER = "ARAZZO_TEST_SESSION"
#: Helpers that multiprocessing keeps for the whole session and that exit with it.
_SESSION_HELPERS = ("multiprocessing.forkserver", "multiprocessing.resource_tracker")
_PROC = Path("/proc")


def _restore_default_signal_dispositions() -> None:
    """An ignored SIGINT/SIGTERM/SIGQUIT is inherited across exec; a handled one is reset to default."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    for sig in (signal.SIGTERM, signal.SIGQUIT):
        if signal.getsignal(sig) is signal.SIG_IGN:
            signal.signal(sig, signal.SIG_DFL)


def pytest_configure(config: pytest.Config) -> None:
    state = Path(tempfile.mkdtemp(prefix="arazzo-test-state-"))
    state.chmod(0o700)
    config.stash[_STATE_KEY] = state
    os.environ["XDG_STATE_HOME"] = str(state)
    os.environ["ARAZZO_JOURNAL"] = str(state / "arazzo" / "runs.db")
    os.environ[MARKER] = f"{os.getpid()}-{uuid.uuid4().hex}"
    _restore_default_signal_dispositions()


_STATE_KEY = pytest.StashKey[Path]()


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, pgid) of ``pid`` from /proc, or None if it is gone."""
    try:
        raw = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[2])


def _ours(pid: int, ppid: int) -> bool:
    if ppid == os.getpid():
        return True
    try:
        environ = (_PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return False
    return f"{MARKER}={os.environ[MARKER]}".encode() in environ.split(b"\0")


def _is_session_helper(pid: int) -> bool:
    try:
        command = (_PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return True
    return any(helper in command for helper in _SESSION_HELPERS)


def living_processes() -> dict[int, tuple[int, int]]:
    """Every living (not zombie) process this session started: pid -> (ppid, pgid)."""
    if not _PROC.is_dir() or MARKER not in os.environ:
        return {}
    found = {}
    me = os.getpid()
    for entry in _PROC.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        pid = int(entry.name)
        stat = _stat(pid)
        if stat is None or stat[0] in ("Z", "X"):
            continue
        if _ours(pid, stat[1]) and not _is_session_helper(pid):
            found[pid] = (stat[1], stat[2])
    return found


def _direct_children() -> dict[int, tuple[int, int]] | None:
    """Our own living children, from ``/proc/self/task/*/children`` (cheap: no scan of every process);
    None where the kernel does not list them."""
    pids: set[int] = set()
    try:
        for task in (_PROC / "self" / "task").iterdir():
            pids.update(int(p) for p in (task / "children").read_text().split())
    except OSError:
        return None
    found = {}
    for pid in pids:
        stat = _stat(pid)
        if stat is not None and stat[0] not in ("Z", "X") and not _is_session_helper(pid):
            found[pid] = (stat[1], stat[2])
    return found


def kill(processes: dict[int, tuple[int, int]]) -> None:
    """SIGKILL each process, and its whole group when it leads one of its own (never our own group)."""
    own_group = os.getpgrp()
    for pid, (_ppid, pgid) in processes.items():
        try:
            if pgid == pid and pgid != own_group:
                os.killpg(pgid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _describe(processes: dict[int, tuple[int, int]]) -> str:
    lines = []
    for pid in processes:
        try:
            command = (_PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            command = "?"
        lines.append(f"  pid {pid}: {command.strip()[:200]}")
    return "\n".join(lines)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    """Snapshot before the test body; the children it started and left running (e.g. after
    ``communicate(timeout=…)`` timed out) are killed with their process group. Only our direct children
    are looked at here, which is cheap; anything deeper that escapes is caught at session end."""
    listed = _direct_children()
    before = set(listed) if listed is not None else set(living_processes())
    try:
        return (yield)
    finally:
        now = _direct_children()
        if now is None:  # no per-task children list: scan, and leave a fixture's grandchildren alone
            now = {pid: v for pid, v in living_processes().items() if v[0] == os.getpid() or v[0] not in before}
        leftovers = {pid: v for pid, v in now.items() if pid not in before}
        if leftovers:
            item.add_report_section("call", "leftover processes", "killed:\n" + _describe(leftovers))
            kill(leftovers)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After every fixture has been torn down, nothing this session started may still be running."""
    survivors = living_processes()
    if survivors:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        message = f"{len(survivors)} process(es) outlived the test session (now killed):\n{_describe(survivors)}"
        if reporter is not None:
            reporter.write_line(message, red=True)
        kill(survivors)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    import shutil

    state = config.stash.get(_STATE_KEY, None)
    if state is not None:
        shutil.rmtree(state, ignore_errors=True)
