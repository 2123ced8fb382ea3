"""Span attributes from events, following OpenTelemetry's semantic conventions, secrets removed.

HTTP client spans: ``http.request.method``, ``url.full`` (secret query values redacted),
``server.address``/``server.port``, ``http.response.status_code``, ``error.type``. A request to
AWS (an ``X-Amz-Target`` or ``X-Amz-Date`` header, or an ``amazonaws.com`` host) adds
``rpc.system=aws-api``, ``rpc.service``, ``rpc.method`` and, from the answer, ``aws.request_id``.

Every value goes through :class:`Attributes`, which runs the run's Redactor over it: the events
are already redacted, this is the second lock on the same door.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..engine.redaction import Redactor

#: Response headers carrying the AWS request id (lower case), in the order they are looked for.
AWS_REQUEST_ID_HEADERS = ("x-amzn-requestid", "x-amz-request-id", "x-amzn-request-id")
#: The longest string value kept in an attribute (an explanation, a reason); longer ones are cut.
MAX_TEXT = 512


class Attributes:
    """Makes attribute dictionaries whose every string went through ``redactor``."""

    def __init__(self, redactor: Redactor | None = None) -> None:
        self.redactor = redactor or Redactor()

    def clean(self, values: dict[str, Any]) -> dict[str, Any]:
        """``values`` without ``None``s, strings redacted and cut to :data:`MAX_TEXT`."""
        cleaned: dict[str, Any] = {}
        for name, value in values.items():
            if value is None:
                continue
            if isinstance(value, str):
                value = self.redactor.text(value)[:MAX_TEXT]
            elif not isinstance(value, (bool, int, float)):
                value = self.redactor.text(str(value))[:MAX_TEXT]
            cleaned[name] = value
        return cleaned

    def request(self, method: str, url: str, headers: Iterable[tuple[str, str]]) -> dict[str, Any]:
        shown = self.redactor.url(url)
        split = urlsplit(shown)
        values: dict[str, Any] = {
            "http.request.method": method.upper(),
            "url.full": shown,
            "server.address": split.hostname,
        }
        with contextlib.suppress(ValueError):
            values["server.port"] = split.port or (443 if split.scheme == "https" else 80)
        values.update(aws_request(split.hostname or "", split.query, headers))
        return self.clean(values)

    def response(self, status_code: int, headers: Iterable[tuple[str, str]]) -> dict[str, Any]:
        values: dict[str, Any] = {"http.response.status_code": status_code}
        if status_code >= 400:
            values["error.type"] = str(status_code)
        lowered = {name.lower(): value for name, value in headers}
        for name in AWS_REQUEST_ID_HEADERS:
            if name in lowered:
                values["aws.request_id"] = lowered[name]
                break
        return self.clean(values)


def aws_request(host: str, query: str, headers: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """``rpc.*`` attributes of a request to AWS (empty for any other request).

    The service and operation come from ``X-Amz-Target`` (``SageMaker.CreateTrainingJob``) for
    the JSON protocols, from ``Action=`` for the query protocols, else the service from the host.
    """
    lowered = {name.lower(): value for name, value in headers}
    target = lowered.get("x-amz-target")
    is_aws = target is not None or "x-amz-date" in lowered or host.endswith(".amazonaws.com")
    if not is_aws:
        return {}
    values: dict[str, Any] = {"rpc.system": "aws-api"}
    if target:
        service, _, operation = target.rpartition(".")
        values["rpc.service"] = service.split("_")[0] or None
        values["rpc.method"] = operation
    else:
        action = dict(parse_qsl(query)).get("Action")
        if action:
            values["rpc.method"] = action
        if host.endswith(".amazonaws.com"):
            values["rpc.service"] = host.split(".")[0]
    return values
