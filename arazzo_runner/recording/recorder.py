"""Capture every request and response of a run, then hand them over redacted as a :class:`Recording`.

The capture is an httpx transport wrapped around the real one, because only the transport sees
the request exactly as it leaves (after SigV4 signed it, with every header httpx added) and the
answer before anything interprets it; it also times each exchange. The engine's events tell it
which step sent each request (``StepStarted`` comes right before its send).

Nothing is redacted while the run goes on (the secret input values are only known to the
engine's masker); :meth:`Recorder.recording` redacts everything before any of it is written.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx

from ..engine.events import Event, StepStarted
from ..engine.redaction import Redactor
from ..http.retry_loop import DEFAULT_MAX_RESPONSE_BYTES
from .har import RecordedExchange, RecordedRequest, RecordedResponse, Recording

#: Headers that describe the wire encoding, not the content we store (decoded) in the recording.
_WIRE_HEADERS = frozenset({"content-encoding", "transfer-encoding"})


def _http_version(response: httpx.Response) -> str:
    version = response.extensions.get("http_version", b"HTTP/1.1")
    return version.decode("ascii", "replace") if isinstance(version, bytes) else str(version)


def _reason(response: httpx.Response) -> str:
    phrase = response.extensions.get("reason_phrase")
    if isinstance(phrase, bytes):
        return phrase.decode("ascii", "replace")
    return response.reason_phrase


@dataclass
class Recorder:
    """Collects the exchanges of one run. Use :attr:`transport` / :attr:`async_transport` and :meth:`on_event`."""

    clock: Callable[[], float] = time.perf_counter
    wall: Callable[[], float] = time.time
    #: Largest answer body recorded, counted decoded (the run's ``--max-response-size``): the
    #: recording transport reads answers whole, so it applies the limit itself.
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES

    def __post_init__(self) -> None:
        self.exchanges: list[RecordedExchange] = []
        self._step: str | None = None

    def on_event(self, event: Event) -> None:
        """Note which step is about to send (pass as, or chain into, the run's ``on_event``)."""
        if isinstance(event, StepStarted):
            self._step = event.step_id

    def transport(self, inner: httpx.BaseTransport | None = None) -> RecordingTransport:
        return RecordingTransport(self, inner=inner)

    def async_transport(self, inner: httpx.AsyncBaseTransport | None = None) -> AsyncRecordingTransport:
        return AsyncRecordingTransport(self, inner=inner)

    def add(
        self,
        request: httpx.Request,
        response: httpx.Response,
        started: float,
        wait_s: float,
        receive_s: float,
    ) -> None:
        self.exchanges.append(
            RecordedExchange(
                request=RecordedRequest(
                    method=request.method,
                    url=str(request.url),
                    headers=tuple(request.headers.multi_items()),
                    body=request.content,
                ),
                response=RecordedResponse(
                    status=response.status_code,
                    headers=tuple(
                        (n, v) for n, v in response.headers.multi_items() if n.lower() not in _WIRE_HEADERS
                    ),
                    content=response.content,
                    reason=_reason(response),
                    http_version=_http_version(response),
                ),
                started=started,
                wait_ms=wait_s * 1000,
                receive_ms=receive_s * 1000,
                step_id=self._step,
            )
        )

    def recording(
        self,
        redactor: Redactor,
        *,
        result: Any = None,
        inputs: Mapping[str, Any] | None = None,
        document: str | None = None,
    ) -> Recording:
        """Everything captured, redacted by ``redactor``, with the run's summary from ``result``."""
        exchanges = tuple(_redacted(e, redactor) for e in self.exchanges)
        if result is None:
            return Recording(exchanges, inputs=redactor.masker.mask(dict(inputs or {})), document=document)
        summary = result.to_dict(masked=True)
        return Recording(
            exchanges,
            workflow_id=result.workflow_id,
            inputs=redactor.masker.mask(dict(inputs or {})),
            outputs=summary["outputs"],
            status=result.status,
            error=summary["error"],
            document=document,
            steps=tuple(
                {"stepId": s["stepId"], "status": s["status"], "statusCode": s["statusCode"]}
                for s in summary["steps"]
            ),
        )


def _redacted(exchange: RecordedExchange, redactor: Redactor) -> RecordedExchange:
    request, response = exchange.request, exchange.response
    return replace(
        exchange,
        request=replace(
            request,
            url=redactor.url(request.url),
            headers=tuple(redactor.headers(request.headers)),
            body=redactor.body(request.body),
        ),
        response=replace(
            response,
            headers=tuple(redactor.headers(response.headers)),
            content=redactor.body(response.content),
        ),
    )


def _check_size(request: httpx.Request, size: int, limit: int) -> None:
    if size > limit:
        from ..http.retry_loop import ResponseLimitExceeded

        where = f"{request.method} {request.url.scheme}://{request.url.netloc.decode('ascii', 'replace')}"
        raise ResponseLimitExceeded(
            f"{where}: the answer passed {size} bytes after decoding, over the limit of {limit} bytes"
            " (--max-response-size); stopped reading",
            1,
        )


class RecordingTransport(httpx.BaseTransport):
    """Sends through ``inner`` (a real ``httpx.HTTPTransport`` by default) and records each exchange."""

    def __init__(self, recorder: Recorder, inner: httpx.BaseTransport | None = None) -> None:
        self.recorder = recorder
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        request.read()
        started, begin = self.recorder.wall(), self.recorder.clock()
        response = self.inner.handle_request(request)
        answered = self.recorder.clock()
        try:
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                _check_size(request, size, self.recorder.max_response_bytes)
                chunks.append(chunk)
            response._content = b"".join(chunks)  # what read() would have kept
        finally:
            response.close()
        self.recorder.add(request, response, started, answered - begin, self.recorder.clock() - answered)
        return response

    def close(self) -> None:
        self.inner.close()


class AsyncRecordingTransport(httpx.AsyncBaseTransport):
    """The asyncio twin of :class:`RecordingTransport`."""

    def __init__(self, recorder: Recorder, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.recorder = recorder
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        started, begin = self.recorder.wall(), self.recorder.clock()
        response = await self.inner.handle_async_request(request)
        answered = self.recorder.clock()
        try:
            chunks, size = [], 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                _check_size(request, size, self.recorder.max_response_bytes)
                chunks.append(chunk)
            response._content = b"".join(chunks)  # what aread() would have kept
        finally:
            await response.aclose()
        self.recorder.add(request, response, started, answered - begin, self.recorder.clock() - answered)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
