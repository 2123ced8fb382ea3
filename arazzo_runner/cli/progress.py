"""Rendering a run's events for people: a live view on a terminal, plain lines elsewhere.

* **Terminal** (stderr is a TTY, no ``NO_COLOR``): one line per finished step, and for a poll
  loop a single live line updated in place (step, poll count, the outputs that changed,
  elapsed time, time to the next poll), drawn with rich.
* **Plain** (CI, pipes, ``NO_COLOR``): the same information as plain lines with no control
  codes; a poll loop prints a line when its outputs change and every 10th poll otherwise.
* ``verbose`` adds requests and responses (secrets already redacted by the engine) and every
  criterion's explanation; ``quiet`` shows nothing (only the result is printed).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any, TextIO

from ..engine import events as ev


def _short(value: Any, limit: int = 80) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pairs(outputs: dict[str, Any]) -> str:
    return " · ".join(f"{k}={_short(v, 120)}" for k, v in outputs.items() if v is not None)


def _path(url: str) -> str:
    """The path and query of ``url`` (the host is in ``--server`` or the source)."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class ProgressRenderer:
    """Consumes engine events (``__call__``) and writes progress to ``stream``."""

    def __init__(self, stream: TextIO | None = None, *, live: bool = False, verbose: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.verbose = verbose
        self.started = time.monotonic()
        self.request: dict[str, ev.RequestBuilt] = {}
        self.last_outputs: dict[str, dict[str, Any]] = {}
        self.polls: dict[str, int] = {}
        self.next_poll_at: float | None = None
        self.current: str | None = None
        #: The live line: its text, or what it is made of until it is drawn (``status_line``).
        self._status_line = ""
        self._status: tuple[str, int, dict[str, Any]] | None = None
        self._drawn: tuple[str, int, dict[str, Any]] | None = None
        self.last_step_outputs: dict[str, Any] = {}
        self._violations_shown: set[tuple[str | None, str]] = set()
        self._warnings_shown: set[tuple[str | None, str]] = set()
        #: Distinct warnings that are not OpenAPI violations (the summary line counts them).
        self._plain_warnings: set[tuple[str | None, str]] = set()
        #: (step, event, poll number) of a poll not printed yet: printed if it turns out to be the last.
        self._unshown_poll: tuple[str, ev.StepFinished, int] | None = None
        #: Failure reasons already printed on a step line (the run's error then refers to them).
        self._shown_reasons: list[str] = []
        self._live: Any = None
        self._console: Any = None
        #: Event kind -> its handler (``None``: the kind is not shown).
        self._handlers: dict[str, Any] = {}
        if live:
            from rich.console import Console
            from rich.live import Live

            self._console = Console(file=self.stream, highlight=False)
            self._live = Live(
                console=self._console, refresh_per_second=4, transient=True, get_renderable=self._render_live
            )
            self._live.start()

    # -- output ------------------------------------------------------------------------------
    def _line(self, text: str, style: str | None = None) -> None:
        if self._console is not None:
            self._console.print(text, style=style, markup=False)
        else:
            self.stream.write(text + "\n")
            self.stream.flush()

    def _render_live(self) -> Any:
        from rich.text import Text

        if not self.status_line:
            return Text("")
        extra = ""
        if self.next_poll_at is not None:
            remaining = self.next_poll_at - time.monotonic()
            if remaining > 0:
                extra = f" · next poll in {_duration(remaining)}"
        elapsed = _duration(time.monotonic() - self.started)
        # One terminal row, whatever the outputs: cut with an ellipsis, never wrapped.
        return Text(
            f"⟳ {self.status_line} · {elapsed} elapsed{extra}",
            style="cyan",
            no_wrap=True,
            overflow="ellipsis",
        )

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    # -- events ------------------------------------------------------------------------------
    def __call__(self, event: ev.Event) -> None:
        try:
            handler = self._handlers[event.kind]
        except KeyError:
            handler = self._handlers[event.kind] = getattr(self, f"on_{event.kind}", None)
        if handler is not None:
            handler(event)

    def on_workflow_started(self, event: ev.WorkflowStarted) -> None:
        if event.depth > 0:
            self._line(f"{'  ' * event.depth}↳ workflow {event.workflow_id} ({event.reason})")

    def _flush_poll(self, unless_step: str | None = None) -> None:
        """Print a poll loop's last poll (the answer that ended it) once the loop is over."""
        if self._unshown_poll is None or self._unshown_poll[0] == unless_step:
            return
        _, event, poll = self._unshown_poll
        self._unshown_poll = None
        self._line(self._poll_line(event, poll) + _pairs(event.outputs))

    @property
    def status_line(self) -> str:
        """The live line's text (step, poll count, outputs), made when it is drawn."""
        status = self._status  # set by the run's thread; read by rich's refresh thread too
        if status is not None and status is not self._drawn:
            step, poll, outputs = status
            self._status_line = f"{step} · poll {poll} · {_pairs(outputs) or 'no outputs'}"
            self._drawn = status
        return self._status_line

    @status_line.setter
    def status_line(self, text: str) -> None:
        self._status_line, self._status = text, None

    def on_step_started(self, event: ev.StepStarted) -> None:
        self._flush_poll(unless_step=event.step_id)
        self.current = event.step_id
        self.next_poll_at = None
        if event.execution > 1:
            self.polls[event.step_id] = event.execution - 1

    def on_request_built(self, event: ev.RequestBuilt) -> None:
        self.request[event.step_id] = event
        if self.verbose:
            self._line(f"  → {event.method} {event.url}", "dim")
            for name, value in event.headers:
                self._line(f"    {name}: {value}", "dim")
            if event.body is not None:
                self._line(f"    {_short(event.body, 400)}", "dim")

    def on_response_received(self, event: ev.ResponseReceived) -> None:
        if self.verbose:
            code = f" {event.error_code}" if event.error_code else ""
            self._line(
                f"  ← {event.status_code}{code} in {event.duration_ms:.0f} ms: {_short(event.body, 400)}",
                "dim",
            )

    def on_message_sent(self, event: ev.MessageSent) -> None:
        if self.verbose:
            self._line(f"  → {event.protocol} send to {event.address}: {_short(event.payload, 400)}", "dim")

    def on_message_received(self, event: ev.MessageReceived) -> None:
        if self.verbose:
            got = _short(event.payload, 400) if event.headers is not None else "no matching message"
            self._line(f"  ← {event.protocol} {event.address} in {event.duration_ms:.0f} ms: {got}", "dim")

    def on_transport_retried(self, event: ev.TransportRetried) -> None:
        wait = f"retrying in {event.delay:.1f} s" if event.delay >= 0.05 else "retrying"
        self._line(f"  ↻ {event.step_id}: attempt {event.attempt} failed ({event.reason}); {wait}", "yellow")

    def on_criterion_evaluated(self, event: ev.CriterionEvaluated) -> None:
        if self.verbose:
            mark = "✓" if event.passed else "✗"
            self._line(f"    {mark} {event.purpose}: {event.explanation}", "dim")

    def on_action_chosen(self, event: ev.ActionChosen) -> None:
        if self.verbose or event.type != "goto" or event.target != event.step_id:
            self._flush_poll()  # the loop is over: its last poll comes before what it chose
            target = f" → {event.target}" if event.target else ""
            self._line(f"  {event.type} {event.name!r}{target}", "dim" if event.type != "retry" else "yellow")

    def on_sleeping(self, event: ev.Sleeping) -> None:
        self.next_poll_at = time.monotonic() + event.seconds
        if self._live is None and event.reason == "retry" and event.seconds >= 0.05:
            self._line(f"  waiting {event.seconds:.1f} s before retrying {event.step_id}")

    def on_warning(self, event: ev.Warning) -> None:
        if event.violation is None:  # every mode: a warning explains a null or an odd answer
            self._plain_warnings.add((event.step_id, event.message))
            if (event.step_id, event.message) not in self._warnings_shown:  # a poll loop repeats them
                self._warnings_shown.add((event.step_id, event.message))
                if self.verbose:
                    self._line(f"  warning: {event.message}", "yellow")
                else:
                    named = not event.step_id or repr(event.step_id) in event.message
                    where = "" if named else f"{event.step_id}: "
                    self._line(f"  warning: {where}{_short(event.message, 240)}", "yellow")
        elif self.verbose:
            if (event.step_id, event.message) not in self._warnings_shown:
                self._warnings_shown.add((event.step_id, event.message))
                self._line(f"  warning: {event.message}", "yellow")
        else:  # --validate: one line per distinct violation, even without -v
            key = (event.step_id, event.message)
            if key not in self._violations_shown:
                self._violations_shown.add(key)
                self._line(f"  ! {event.step_id}: {_short(event.message, 160)}", "yellow")

    @property
    def warning_count(self) -> int:
        """Distinct warnings of the run (not OpenAPI violations): the summary line counts them."""
        return len(self._plain_warnings)

    def on_limit_hit(self, event: ev.LimitHit) -> None:
        self._flush_poll()
        self._line(f"✗ {event.message}", "red")

    def on_transport_failed(self, event: ev.TransportFailed) -> None:
        pass  # the step's own line says why it failed (once)

    def on_step_finished(self, event: ev.StepFinished) -> None:
        self.last_step_outputs.update({k: v for k, v in event.outputs.items() if v is not None})
        polls = self.polls.get(event.step_id, 0)
        previous = self.last_outputs.get(event.step_id)
        self.last_outputs[event.step_id] = event.outputs
        changed = {k: v for k, v in event.outputs.items() if previous is None or previous.get(k) != v}
        mark = "✓" if event.status == "succeeded" else "✗"
        style = "green" if event.status == "succeeded" else "red"
        reason = f" — {event.reason}" if event.reason else ""
        if reason:
            self._shown_reasons.append(event.reason or "")
        code = f" {event.status_code}" if event.status_code is not None else ""
        if polls:
            # A poll loop finishes a step thousands of times: its lines are made only when shown.
            self._status = (event.step_id, polls + 1, event.outputs)
            self._unshown_poll = None
            if self._live is None and (changed or (polls + 1) % 10 == 0 or event.status != "succeeded"):
                self._line(self._poll_line(event, polls + 1) + f"{_pairs(changed)}{reason}")
            elif self._live is not None and event.status != "succeeded":
                self._line(f"{mark} {event.step_id} poll {polls + 1}{code}{reason}", style)
            else:  # shown when the loop ends, if this was its last poll
                self._unshown_poll = (event.step_id, event, polls + 1)
            return
        self.status_line = f"{event.step_id} · {_pairs(event.outputs) or 'waiting'}"
        request = self.request.get(event.step_id)
        where = f"{request.method} {_path(request.url)}" if request else "workflow"
        self._line(
            f"{mark} {event.step_id}  {where}{code}  {_duration(event.duration_ms / 1000)}  {_pairs(event.outputs)}{reason}",
            style,
        )

    @staticmethod
    def _poll_line(event: ev.StepFinished, poll: int) -> str:
        mark = "✓" if event.status == "succeeded" else "✗"
        code = f" {event.status_code}" if event.status_code is not None else ""
        return f"{mark} {event.step_id} poll {poll}{code} {_duration(event.duration_ms / 1000)}  "

    def on_run_finished(self, event: ev.RunFinished) -> None:
        self.close()
        self._flush_poll()
        steps = sum(self.polls.values())
        status = "succeeded" if event.status == "succeeded" else "FAILED"
        self._line(
            f"{event.workflow_id}: {status} · {event.requests} request{'s' if event.requests != 1 else ''}"
            f" · {_duration(event.duration_ms / 1000)}"
            + (f" · {steps} polls" if steps else "")
            + (f" · {warned} warning{'s' if warned != 1 else ''}" if (warned := self.warning_count) else ""),
            "bold green" if event.status == "succeeded" else "bold red",
        )
        if event.error:
            message = event.error["message"]
            for reason in self._shown_reasons:  # already on a step line: say it once
                if len(reason) > 20 and message.endswith(reason):
                    message = message[: -len(reason)].rstrip(": ") + " (see above)"
                    break
            self._line(f"  error ({event.error['type']}): {message}", "red")
