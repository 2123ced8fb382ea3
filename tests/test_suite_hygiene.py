"""The suite itself, started as a user starts it: it never writes the user's journal, survives an ignored
SIGINT, kills what a timed-out test left running, and fails a session that leaves a process behind.

Each test runs a small slice of pytest in a child process (issue 26, points 1 and 2).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from tests.conftest import ROOT


def nested_pytest(
    *args: str, env: dict[str, str], ignore_sigint: bool = False
) -> subprocess.CompletedProcess[str]:
    def ignore() -> None:  # what `nohup`/`cmd &` in a script do to a child: SIGINT ignored across exec
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        preexec_fn=ignore if ignore_sigint else None,
    )


def user_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """The environment of a user whose state folder is empty (and who set no ARAZZO_JOURNAL)."""
    state = tmp_path / "user-state"
    state.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("ARAZZO_JOURNAL", "ARAZZO_TEST_SESSION")}
    env["XDG_STATE_HOME"] = str(state)
    return env, state


def test_a_slice_of_the_suite_never_writes_the_users_journal(tmp_path: Path) -> None:
    env, state = user_env(tmp_path)
    # test_run.py builds its child environment from os.environ at import: the case that leaked 31 runs.
    result = nested_pytest(
        "tests/cli/test_run.py",
        "-k",
        "ctrl_c_while_polling or validate_flag_reports or journal",
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert " passed" in result.stdout
    assert list(state.rglob("*")) == []


def test_ctrl_c_tests_pass_when_the_suite_starts_with_sigint_ignored(tmp_path: Path) -> None:
    env, _state = user_env(tmp_path)
    result = nested_pytest(
        "tests/cli/test_run.py::test_ctrl_c_while_polling_exits_130", env=env, ignore_sigint=True
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "1 passed" in result.stdout


LEAKY_TESTS = """
import subprocess, sys, pytest
from pathlib import Path

PIDS = Path({pids!r})
SLEEPER = [sys.executable, "-c", "import time; time.sleep(300)"]

def test_times_out_and_leaves_its_child():
    # a child in a group of its own that has a grandchild: the whole group must go
    child = subprocess.Popen([sys.executable, "-c",
        "import subprocess, sys, time; p = subprocess.Popen({sleeper!r}); print(p.pid, flush=True); time.sleep(300)"],
        stdout=subprocess.PIPE, text=True, start_new_session=True)
    grandchild = int(child.stdout.readline())
    PIDS.write_text(f"{{child.pid}} {{grandchild}}")
    child.communicate(timeout=0.2)

@pytest.fixture(scope="session")
def forgotten():
    process = subprocess.Popen(SLEEPER)
    (PIDS.parent / "forgotten").write_text(str(process.pid))
    yield  # never stopped

def test_uses_a_fixture_that_forgets_its_server(forgotten):
    pass
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def test_leftovers_of_a_timed_out_test_and_of_the_session_are_killed(tmp_path: Path) -> None:
    env, _state = user_env(tmp_path)
    tests = ROOT / "tests" / f"test_leaky_{os.getpid()}_{time.monotonic_ns()}.py"
    tests.write_text(
        textwrap.dedent(LEAKY_TESTS).format(
            pids=str(tmp_path / "pids"), sleeper=[sys.executable, "-c", "import time; time.sleep(300)"]
        )
    )
    try:
        result = nested_pytest(str(tests), env=env)
    finally:
        tests.unlink()
    child, grandchild = map(int, (tmp_path / "pids").read_text().split())
    forgotten = int((tmp_path / "forgotten").read_text())
    assert "TimeoutExpired" in result.stdout
    assert "leftover processes" in result.stdout
    assert "1 process(es) outlived the test session" in result.stdout
    assert result.returncode == 1
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in (child, grandchild, forgotten)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in (child, grandchild, forgotten))
