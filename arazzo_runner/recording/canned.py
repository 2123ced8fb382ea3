"""Canned responses declared inline in a test: a list of ``(match, response)`` served in order.

For a test that needs no recording file::

    [
        ("POST SageMaker.CreateTrainingJob", (200, {"TrainingJobArn": "arn:…"})),
        ("SageMaker.DescribeTrainingJob", (200, {"TrainingJobStatus": "InProgress"})),
        ({"target": "SageMaker.DescribeTrainingJob", "body": {"TrainingJobName": "job-1"}},
         {"status": 200, "json": {"TrainingJobStatus": "Completed"}}),
    ]

A **match** is a string ``"METHOD /path"``, ``"METHOD Service.Operation"`` (an ``X-Amz-Target``),
``"/path"`` or ``"Service.Operation"`` alone, ``"*"`` (any request), or a dict with any of
``method``, ``path`` (with its query, if any), ``target``, ``body`` (a dict matches any body
*containing* its members) and ``headers`` (``{name: value}``). Only what is named is compared.

A **response** is a status (``204``), ``(status, body)``, ``(status, body, headers)`` or a dict
``{"status", "json" | "body", "headers"}``. A dict or list body is JSON: the content type is
``application/x-amz-json-1.1`` when the match names an ``X-Amz-Target``, else
``application/json``; a ``str`` body is ``text/plain``, ``bytes`` ``application/octet-stream``.
Requests are matched in order, exactly like a recording: write a poll loop's answers one per poll.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import UsageError
from .har import RecordedResponse
from .matching import Expectation, RequestView
from .replay import ReplayEntry

Canned = tuple[Any, Any]


def _match(spec: Any) -> tuple[RequestView, tuple[str, ...], bool]:
    if isinstance(spec, str):
        words = spec.split()
        fields: dict[str, Any] = {}
        if words and words[0].isalpha() and words[0].isupper() and words[0] != "*":
            fields["method"] = words.pop(0)
        if len(words) > 1:
            raise UsageError(
                f"cannot read canned match {spec!r}: use 'METHOD /path' or 'METHOD Service.Operation'"
            )
        if words and words[0] != "*":
            fields["path" if words[0].startswith("/") else "target"] = words[0]
    elif isinstance(spec, Mapping):
        fields = dict(spec)
    else:
        raise UsageError(f"a canned match is a string or a dict, not {type(spec).__name__}")
    unknown = set(fields) - {"method", "path", "target", "body", "headers"}
    if unknown:
        raise UsageError(
            f"unknown canned match keys {sorted(unknown)}: use method, path, target, body, headers"
        )
    headers = {str(k).lower(): str(v) for k, v in (fields.get("headers") or {}).items()}
    keys: list[str] = [k for k in ("method", "path", "target", "body") if k in fields]
    keys += [f"header:{name}" for name in headers]
    view = RequestView(
        method=str(fields.get("method", "")).upper(),
        path=str(fields.get("path", "")),
        target=fields.get("target"),
        body=fields.get("body"),
        headers=headers,
    )
    return view, tuple(keys), isinstance(fields.get("body"), Mapping)


def _response(spec: Any, aws: bool) -> RecordedResponse:
    headers: dict[str, str] = {}
    if isinstance(spec, int):
        status, body = spec, None
    elif isinstance(spec, tuple | list) and 2 <= len(spec) <= 3:
        status, body = spec[0], spec[1]
        headers = dict(spec[2]) if len(spec) == 3 else {}
    elif isinstance(spec, Mapping):
        status = spec.get("status", 200)
        body = spec.get("json", spec.get("body"))
        headers = dict(spec.get("headers") or {})
    else:
        raise UsageError(
            f"cannot read canned response {spec!r}: use a status, (status, body[, headers]) or a dict"
        )
    if body is None:
        content, kind = b"", None
    elif isinstance(body, bytes):
        content, kind = body, "application/octet-stream"
    elif isinstance(body, str):
        content, kind = body.encode("utf-8"), "text/plain; charset=utf-8"
    else:
        content = json.dumps(body).encode("utf-8")
        kind = "application/x-amz-json-1.1" if aws else "application/json"
    if kind and not any(k.lower() == "content-type" for k in headers):
        headers["content-type"] = kind
    return RecordedResponse(int(status), tuple((str(k), str(v)) for k, v in headers.items()), content)


def canned_entries(responses: Iterable[Canned]) -> list[ReplayEntry]:
    """Replay entries for inline ``(match, response)`` pairs."""
    entries = []
    for item in responses:
        if not (isinstance(item, tuple | list) and len(item) == 2):
            raise UsageError(f"canned responses are (match, response) pairs, got {item!r}")
        view, keys, subset = _match(item[0])
        entries.append(
            ReplayEntry(Expectation(view, keys, subset_body=subset), _response(item[1], bool(view.target)))
        )
    return entries
