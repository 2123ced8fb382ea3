"""Which recorded request a sent request must equal, and a readable diff when it does not.

A request is compared through a :class:`RequestView`: the method, the URL without scheme and
host (so a recording made against a local emulator replays against the real AWS URL), the
``X-Amz-Target`` header (AWS JSON services send every operation to ``POST /``) and the body
(JSON compared as data, so key order and whitespace do not matter; anything else as text).
Both sides are redacted the same way first, so a recorded ``***`` equals the secret sent.

Which of these count is configurable (``--replay-match method,path,body``); the default is all
four. ``header:NAME`` adds any other header.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from ..engine.redaction import Redactor
from ..errors import UsageError
from .har import RecordedRequest

MATCH_KEYS = ("method", "path", "target", "body")
DEFAULT_MATCH: tuple[str, ...] = MATCH_KEYS
_MISSING = object()


def parse_match(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"method,path,body"`` (or a list) → validated keys; ``None`` → :data:`DEFAULT_MATCH`."""
    if value is None:
        return DEFAULT_MATCH
    items = value.split(",") if isinstance(value, str) else list(value)
    keys = tuple(k.strip() for k in items if k.strip())
    for key in keys:
        if key not in MATCH_KEYS and not (key.startswith("header:") and len(key) > len("header:")):
            raise UsageError(
                f"unknown replay match key {key!r}: use {', '.join(MATCH_KEYS)} or header:NAME (comma-separated)"
            )
    if not keys:
        raise UsageError(f"--replay-match needs at least one of {', '.join(MATCH_KEYS)}")
    return keys


def _path(url: str) -> str:
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def _body(content: bytes) -> Any:
    if not content:
        return None
    text = content.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


@dataclass(frozen=True, slots=True)
class RequestView:
    """The comparable parts of a request (already redacted)."""

    method: str
    path: str
    target: str | None
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of_sent(cls, request: httpx.Request, redactor: Redactor) -> RequestView:
        headers = dict((n.lower(), v) for n, v in redactor.headers(request.headers.multi_items()))
        return cls(
            method=request.method.upper(),
            path=_path(redactor.url(str(request.url))),
            target=headers.get("x-amz-target"),
            body=_body(redactor.body(request.content)),
            headers=headers,
        )

    @classmethod
    def of_recorded(cls, request: RecordedRequest, redactor: Redactor) -> RequestView:
        headers = dict((n.lower(), v) for n, v in redactor.headers(request.headers))
        return cls(
            method=request.method.upper(),
            path=_path(redactor.url(request.url)),
            target=headers.get("x-amz-target"),
            body=_body(redactor.body(request.body)),
            headers=headers,
        )

    def get(self, key: str) -> Any:
        if key.startswith("header:"):
            return self.headers.get(key[len("header:") :].lower())
        return getattr(self, key)

    def line(self) -> str:
        target = f" [X-Amz-Target: {self.target}]" if self.target else ""
        # A canned match may leave method or path out: "*" reads as "any".
        return f"{self.method or '*'} {self.path or '*'}{target}"


@dataclass(frozen=True, slots=True)
class Expectation:
    """What the next request must look like: a recorded view and the keys that must equal it.

    ``subset_body``: a canned response's body pattern only needs to be contained in the body sent
    (every member it names, recursively), not equal to it.
    """

    view: RequestView
    keys: tuple[str, ...]
    subset_body: bool = False

    def differences(self, sent: RequestView) -> list[str]:
        """The keys on which ``sent`` differs (empty: it matches)."""
        found = []
        for key in self.keys:
            expected, actual = self.view.get(key), sent.get(key)
            if key == "body" and self.subset_body:
                if not _contains(actual, expected):
                    found.append(key)
            elif expected != actual:
                found.append(key)
        return found


def _contains(actual: Any, pattern: Any) -> bool:
    if isinstance(pattern, Mapping):
        return isinstance(actual, Mapping) and all(
            k in actual and _contains(actual[k], v) for k, v in pattern.items()
        )
    return bool(actual == pattern)


def _lines(value: Any) -> list[str]:
    if value is None:
        return ["(no body)"]
    if isinstance(value, str):
        return value.splitlines() or [""]
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str).splitlines()


def describe_mismatch(
    index: int,
    expectation: Expectation,
    sent: RequestView,
    differences: Sequence[str],
    *,
    step_id: str | None = None,
    recorded_step: str | None = None,
) -> str:
    """A few readable lines: both requests, what differs, and a unified diff of differing bodies."""
    step = f" (step {step_id})" if step_id else ""
    from_step = f", recorded for step {recorded_step}" if recorded_step else ""
    lines = [
        f"request #{index + 1}{step} does not match the recording ({', '.join(differences)} {'differs' if len(differences) == 1 else 'differ'}{from_step}):",
        f"  expected: {expectation.view.line()}",
        f"  sent:     {sent.line()}",
    ]
    for key in differences:
        if key == "body":
            label = "expected body (contains)" if expectation.subset_body else "expected body"
            diff = difflib.unified_diff(
                _lines(expectation.view.body), _lines(sent.body), label, "sent body", lineterm="", n=2
            )
            lines.extend("  " + line for line in diff)
        elif key.startswith("header:"):
            lines.append(
                f"  {key[len('header:') :]}: expected {expectation.view.get(key)!r}, sent {sent.get(key)!r}"
            )
    return "\n".join(lines)


def describe_extra(index: int, sent: RequestView, total: int, *, step_id: str | None = None) -> str:
    step = f" (step {step_id})" if step_id else ""
    return (
        f"request #{index + 1}{step} was not in the recording (it has {total} request"
        f"{'s' if total != 1 else ''}, all already served):\n  sent:     {sent.line()}"
    )


def describe_unused(unused: Sequence[tuple[int, RequestView, str | None]]) -> str:
    lines = [f"{len(unused)} recorded request{'s' if len(unused) != 1 else ''} never sent:"]
    for index, view, step in unused[:10]:
        lines.append(f"  #{index + 1}{f' (step {step})' if step else ''}: {view.line()}")
    if len(unused) > 10:
        lines.append(f"  … and {len(unused) - 10} more")
    return "\n".join(lines)
