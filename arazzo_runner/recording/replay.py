"""Serve a run's responses from a recording, in order, through an httpx transport.

The replay transport replaces the network: the engine builds and signs each request exactly as
it would for the real API (SigV4 runs, with throwaway credentials when none are configured), the
client hands it to this transport, and the transport answers with the next recorded response,
provided the request matches the next recorded request (:mod:`.matching`). Nothing is sent
anywhere: no socket is opened.

An unmatched request, or one more than the recording holds, raises :class:`ReplayMismatch`
(its message a one-line summary); the engine fails the step with that message (it is an :class:`~arazzo_runner.errors.ArazzoError`, not a transport error, so no
transport retry hides it). Every problem is kept whole, with the diff of what was expected and
what was sent, in :attr:`ReplayTransport.problems`, and
:meth:`ReplayTransport.unused` lists recorded requests never sent, so callers can fail a run that
ended early.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import httpx

from ..engine.events import Event, StepStarted
from ..engine.redaction import Redactor
from ..errors import ArazzoError
from .har import RecordedResponse, Recording
from .matching import (
    DEFAULT_MATCH,
    Expectation,
    RequestView,
    describe_extra,
    describe_mismatch,
    describe_unused,
)

_DROPPED_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding", "connection"})


class ReplayMismatch(ArazzoError):
    """A request the recording did not expect (the message is the diff)."""


@dataclass(frozen=True, slots=True)
class ReplayEntry:
    expectation: Expectation
    response: RecordedResponse
    step_id: str | None = None


class ReplayTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """Answers requests from ``entries`` in order (usable by ``httpx.Client`` and ``httpx.AsyncClient``)."""

    def __init__(self, entries: Sequence[ReplayEntry], *, redactor: Redactor | None = None) -> None:
        self.entries = tuple(entries)
        #: Applied to each sent request before comparing (set it to the run's masker's redactor).
        self.redactor = redactor or Redactor()
        self.served = 0
        self.problems: list[str] = []
        self.sent: list[RequestView] = []
        self._step: str | None = None

    @classmethod
    def from_recording(
        cls, recording: Recording, *, match: Iterable[str] = DEFAULT_MATCH, redactor: Redactor | None = None
    ) -> ReplayTransport:
        redactor = redactor or Redactor()
        keys = tuple(match)
        entries = [
            ReplayEntry(
                Expectation(RequestView.of_recorded(e.request, redactor), keys), e.response, e.step_id
            )
            for e in recording.exchanges
        ]
        return cls(entries, redactor=redactor)

    def on_event(self, event: Event) -> None:
        """Note the step about to send, so a diff can name it (chain into the run's ``on_event``)."""
        if isinstance(event, StepStarted):
            self._step = event.step_id

    # -- answering ---------------------------------------------------------------------------------

    def _answer(self, request: httpx.Request) -> httpx.Response:
        sent = RequestView.of_sent(request, self.redactor)
        index = len(self.sent)
        self.sent.append(sent)
        if self.served >= len(self.entries):
            self._fail(describe_extra(index, sent, len(self.entries), step_id=self._step))
        entry = self.entries[self.served]
        differences = entry.expectation.differences(sent)
        if differences:
            self._fail(
                describe_mismatch(
                    self.served,
                    entry.expectation,
                    sent,
                    differences,
                    step_id=self._step,
                    recorded_step=entry.step_id if entry.step_id != self._step else None,
                )
            )
        self.served += 1
        return _response(entry.response, request)

    def _fail(self, message: str) -> None:
        # The run's error gets the headline (renderers repeat it per event); the diff is kept whole
        # in ``problems`` for the CLI, the pytest plugin and ``ReplayOutcome.check()`` to show once.
        self.problems.append(message)
        raise ReplayMismatch("replay: " + message.splitlines()[0].rstrip(":"))

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        return self._answer(request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        return self._answer(request)

    # -- after the run -----------------------------------------------------------------------------

    def unused(self) -> list[ReplayEntry]:
        """Recorded entries never served (the run ended before reaching them)."""
        return list(self.entries[self.served :])

    def report(self) -> list[str]:
        """Every problem of this replay: mismatches, extra requests, then unused entries."""
        problems = list(self.problems)
        unused = self.unused()
        if unused and not self.problems:
            start = self.served
            problems.append(
                describe_unused([(start + i, e.expectation.view, e.step_id) for i, e in enumerate(unused)])
            )
        return problems


def _response(recorded: RecordedResponse, request: httpx.Request) -> httpx.Response:
    extensions = {"http_version": recorded.http_version.encode("ascii", "replace")}
    if recorded.reason:
        extensions["reason_phrase"] = recorded.reason.encode("ascii", "replace")
    return httpx.Response(
        recorded.status,
        headers=[(n, v) for n, v in recorded.headers if n.lower() not in _DROPPED_HEADERS],
        content=recorded.content,
        request=request,
        extensions=extensions,
    )
