"""HAR 1.2 files: the recording format, written and read here and nowhere else.

HAR ("HTTP Archive", http://www.softwareishard.com/blog/har-12-spec/) is what browsers'
devtools, proxies and API tools exchange, so a recording can be opened in any of them. We use
``log.entries`` as the spec says and add one documented extension (custom fields start with
``_``):

``log._arazzo`` — the run the entries belong to::

    {
      "formatVersion": 1,                 # this extension's version
      "workflowId": "train-and-poll-job",
      "document": "workflows/x.yml",      # as given when recording (informative)
      "inputs": {...},                    # the inputs given, secret inputs masked as "***"
      "outputs": {...},                   # the workflow outputs (masked like the CLI shows them)
      "status": "succeeded",              # or "failed"
      "error": null,                      # RunResult.error.to_dict() when it failed
      "steps": [{"stepId": "createTrainingJob", "status": "succeeded", "statusCode": 200}, ...]
    }

``entries[i]._arazzo`` — ``{"stepId": "pollTrainingJob"}``: the step that sent the request.

Request bodies are ``postData.text``; response bodies ``content.text`` (base64 with
``"encoding": "base64"`` when not UTF-8, and ``postData._encoding: "base64"`` likewise).
Everything in a :class:`Recording` is already redacted: this module only serialises.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..errors import ArazzoError

HAR_VERSION = "1.2"
EXTENSION_VERSION = 1
Headers = tuple[tuple[str, str], ...]


class HarError(ArazzoError):
    """A file that is not a HAR we can replay (not JSON, no ``log.entries``, a malformed entry)."""

    exit_code = 2  # bad input to the command, like an invalid document


class _Headed:
    """A recorded request's or response's header look-up (names are case-insensitive)."""

    __slots__ = ()
    headers: Headers

    def header(self, name: str) -> str | None:
        return next((v for n, v in self.headers if n.lower() == name.lower()), None)


@dataclass(frozen=True, slots=True)
class RecordedRequest(_Headed):
    method: str
    url: str
    headers: Headers = ()
    body: bytes = b""
    http_version: str = "HTTP/1.1"


@dataclass(frozen=True, slots=True)
class RecordedResponse(_Headed):
    status: int
    headers: Headers = ()
    content: bytes = b""
    reason: str = ""
    http_version: str = "HTTP/1.1"


@dataclass(frozen=True, slots=True)
class RecordedExchange:
    """One request and its answer, with when it started (epoch seconds) and how long it took."""

    request: RecordedRequest
    response: RecordedResponse
    started: float = 0.0
    wait_ms: float = 0.0
    receive_ms: float = 0.0
    step_id: str | None = None


@dataclass(frozen=True)
class Recording:
    """A whole recorded run: its exchanges in order and the ``_arazzo`` run summary."""

    exchanges: tuple[RecordedExchange, ...]
    workflow_id: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    status: str | None = None
    error: dict[str, Any] | None = None
    document: str | None = None
    steps: tuple[dict[str, Any], ...] = ()


# -- writing --------------------------------------------------------------------------------------


def _pairs(headers: Headers) -> list[dict[str, str]]:
    return [{"name": n, "value": v} for n, v in headers]


def _text(content: bytes) -> tuple[str, str | None]:
    try:
        return content.decode("utf-8"), None
    except UnicodeDecodeError:
        return base64.b64encode(content).decode("ascii"), "base64"


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _entry(exchange: RecordedExchange) -> dict[str, Any]:
    request, response = exchange.request, exchange.response
    query = urlsplit(request.url).query
    entry_request: dict[str, Any] = {
        "method": request.method,
        "url": request.url,
        "httpVersion": request.http_version,
        "cookies": [],
        "headers": _pairs(request.headers),
        "queryString": [{"name": n, "value": v} for n, v in parse_qsl(query, keep_blank_values=True)],
        "headersSize": -1,
        "bodySize": len(request.body),
    }
    if request.body:
        text, encoding = _text(request.body)
        post: dict[str, Any] = {"mimeType": request.header("content-type") or "", "text": text}
        if encoding:
            post["_encoding"] = encoding
        entry_request["postData"] = post
    text, encoding = _text(response.content)
    content: dict[str, Any] = {
        "size": len(response.content),
        "mimeType": response.header("content-type") or "",
        "text": text,
    }
    if encoding:
        content["encoding"] = encoding
    return {
        "startedDateTime": _iso(exchange.started),
        "time": round(exchange.wait_ms + exchange.receive_ms, 3),
        "request": entry_request,
        "response": {
            "status": response.status,
            "statusText": response.reason,
            "httpVersion": response.http_version,
            "cookies": [],
            "headers": _pairs(response.headers),
            "content": content,
            "redirectURL": response.header("location") or "",
            "headersSize": -1,
            "bodySize": len(response.content),
        },
        "cache": {},
        "timings": {"send": 0, "wait": round(exchange.wait_ms, 3), "receive": round(exchange.receive_ms, 3)},
        "_arazzo": {"stepId": exchange.step_id},
    }


def to_har(recording: Recording) -> dict[str, Any]:
    """The HAR document (a JSON-ready dict) for ``recording``."""
    from .. import __version__

    return {
        "log": {
            "version": HAR_VERSION,
            "creator": {"name": "arazzo-runner", "version": __version__},
            "pages": [],
            "entries": [_entry(e) for e in recording.exchanges],
            "_arazzo": {
                "formatVersion": EXTENSION_VERSION,
                "workflowId": recording.workflow_id,
                "document": recording.document,
                "inputs": recording.inputs,
                "outputs": recording.outputs,
                "status": recording.status,
                "error": recording.error,
                "steps": list(recording.steps),
            },
        }
    }


def write_har(path: str | Path, recording: Recording) -> None:
    """Write ``recording`` as pretty JSON (diff-friendly in code review), via a temporary file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(to_har(recording), indent=2, ensure_ascii=False, default=str) + "\n"
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


# -- reading --------------------------------------------------------------------------------------


def _headers(items: Any, where: str) -> Headers:
    if not isinstance(items, list):
        raise HarError(f"{where}: headers must be a list of {{name, value}}")
    return tuple((str(h.get("name", "")), str(h.get("value", ""))) for h in items if isinstance(h, dict))


def _content(text: Any, encoding: Any) -> bytes:
    if not isinstance(text, str):
        return b""
    return base64.b64decode(text) if encoding == "base64" else text.encode("utf-8")


def _started(value: Any) -> float:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def _exchange(entry: Any, index: int) -> RecordedExchange:
    where = f"entry {index + 1}"
    if not isinstance(entry, dict) or not isinstance(entry.get("request"), dict):
        raise HarError(f"{where}: no request")
    request, response = entry["request"], entry.get("response")
    if not isinstance(response, dict) or not isinstance(response.get("status"), int):
        raise HarError(f"{where}: no response status")
    if not isinstance(request.get("method"), str) or not isinstance(request.get("url"), str):
        raise HarError(f"{where}: a request needs a method and a url")
    post = request.get("postData") or {}
    content = response.get("content") or {}
    timings = entry.get("timings") or {}
    extension = entry.get("_arazzo") or {}
    return RecordedExchange(
        request=RecordedRequest(
            method=request["method"].upper(),
            url=request["url"],
            headers=_headers(request.get("headers", []), where),
            body=_content(post.get("text"), post.get("_encoding")),
            http_version=str(request.get("httpVersion") or "HTTP/1.1"),
        ),
        response=RecordedResponse(
            status=response["status"],
            headers=_headers(response.get("headers", []), where),
            content=_content(content.get("text"), content.get("encoding")),
            reason=str(response.get("statusText") or ""),
            http_version=str(response.get("httpVersion") or "HTTP/1.1"),
        ),
        started=_started(entry.get("startedDateTime")),
        wait_ms=max(float(timings.get("wait") or 0), 0.0),
        receive_ms=max(float(timings.get("receive") or 0), 0.0),
        step_id=extension.get("stepId") if isinstance(extension, dict) else None,
    )


def from_har(data: Any, *, name: str = "<har>") -> Recording:
    """A :class:`Recording` from a parsed HAR document (``_arazzo`` is optional: any HAR replays)."""
    log = data.get("log") if isinstance(data, dict) else None
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        raise HarError(f"{name}: not a HAR file (no log.entries)")
    try:
        exchanges = tuple(_exchange(e, i) for i, e in enumerate(log["entries"]))
    except HarError as exc:
        raise HarError(f"{name}: {exc.message}") from None
    extension = log.get("_arazzo")
    if not isinstance(extension, dict):
        extension = {}
    return Recording(
        exchanges=exchanges,
        workflow_id=extension.get("workflowId"),
        inputs=dict(extension.get("inputs") or {}),
        outputs=dict(extension.get("outputs") or {}),
        status=extension.get("status"),
        error=extension.get("error"),
        document=extension.get("document"),
        steps=tuple(extension.get("steps") or ()),
    )


def read_har(path: str | Path) -> Recording:
    """Read a HAR file; :class:`HarError` says plainly what is wrong with it."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HarError(f"{path}: no such recording") from None
    except (OSError, ValueError) as exc:
        raise HarError(f"{path}: cannot read the recording: {exc}") from None
    return from_har(data, name=str(path))
