"""Where the event crash battery's CLI child SIGKILLs itself: exact points of a message step.

Installed in the forked child before `arazzo run` starts (``cli_child(..., prepare=...)``); the
child kills itself with SIGKILL, so nothing after that point runs (no exit code, no journal write).

Points (``k``: the k-th occurrence in this process):
  ``send-arrive``  before the k-th HTTP request goes out (k=1: the CreateTrainingJob)
  ``send-answered`` after the k-th HTTP request was answered, before anything is recorded
  ``waiting``      when the k-th SQS receive starts (the run waits in its long poll)
  ``matched``      the k-th receive matched a message, before the journal recorded it
  ``recorded``     the journal recorded the k-th delivery (fsynced), before the message is deleted
  ``acked``        the k-th message was deleted, before the core was fed and the next record
  ``timer``        a seeded delay (milliseconds in ``k``) after the run's driver starts
"""

from __future__ import annotations

import functools
import os
import signal
import threading
from typing import Any

#: SQS visibility for the children: 0 instead of 30 s, so a message matched by a killed child is
#: back on the queue at once for the resumed run (moto counts visibility in real seconds, and the
#: battery must not wait; the 30-second hold itself is tested in
#: tests/integration/messaging/test_journaled_messages.py).
HOLD_SECONDS = 0


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _counting(owner: Any, name: str, k: int, *, before: bool, when: Any = None) -> None:
    original = getattr(owner, name)
    seen = [0]

    @functools.wraps(original)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if before:
            seen[0] += 1
            if seen[0] == k:
                _die()
            return original(*args, **kwargs)
        result = original(*args, **kwargs)
        if when is None or when(result):
            seen[0] += 1
            if seen[0] == k:
                _die()
        return result

    setattr(owner, name, wrapped)


def install(point: str | None, k: int) -> None:
    """Arm one kill point (``None``: none, only the short hold), in the child."""
    from arazzo_runner.drivers import loops
    from arazzo_runner.journal.recorder import RunJournal
    from arazzo_runner.messaging import sqs

    sqs.HOLD_SECONDS = HOLD_SECONDS
    if point is None:
        return
    if point == "send-arrive":
        _counting(loops, "send_with_retries", k, before=True)
    elif point == "send-answered":
        _counting(loops, "send_with_retries", k, before=False)
    elif point == "waiting":
        _counting(sqs.SqsTransport, "receive", k, before=True)
    elif point == "matched":
        _counting(sqs.SqsTransport, "receive", k, before=False, when=lambda got: got is not None)
    elif point == "recorded":
        _counting(RunJournal, "delivered", k, before=False)
    elif point == "acked":
        _counting(sqs.SqsTransport, "ack", k, before=False)
    elif point == "timer":
        drive = loops.drive

        def timed(*args: Any, **kwargs: Any) -> Any:  # counted from the run's first transition
            timer = threading.Timer(k / 1000, _die)
            timer.daemon = True
            timer.start()
            return drive(*args, **kwargs)

        loops.drive = timed
    else:
        raise ValueError(point)
