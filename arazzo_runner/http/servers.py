"""Choose the base URL a request goes to.

Order, first match wins:

1. an explicit override for the source (``--server <sourceName>=<url>``);
2. for AWS sources, the endpoint boto3 would use: ``AWS_ENDPOINT_URL_<SERVICE>``,
   ``AWS_ENDPOINT_URL``, the profile's ``endpoint_url`` (see :meth:`AwsEnvironment.endpoint_url`);
3. the first Server Object of the operation, else of its path item, else of the document, else
   ``/`` (OpenAPI's default). Variables take an explicit value, else (AWS sources, variable
   ``region``) the run's region, else their ``default``; an explicit value outside ``enum`` is an
   error. A relative server URL is resolved against the source's own URL when that is http(s).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from ..sources.openapi import OpenApiSource, Operation
from .errors import RequestBuildError

_VARIABLE = re.compile(r"\{([^{}]+)\}")


def server_objects(source: OpenApiSource, operation: Operation | None) -> tuple[Mapping[str, Any], ...]:
    """The Server Objects in effect for ``operation`` (operation, path item, document)."""
    if operation is not None:
        if operation.data.get("servers"):
            return tuple(operation.data["servers"])
        paths = source.data.get("paths") or {}
        item = paths.get(operation.path) if isinstance(paths, Mapping) else None
        if isinstance(item, Mapping) and item.get("servers"):
            return tuple(item["servers"])
    return source.servers


def resolve_base_url(
    source: OpenApiSource,
    operation: Operation | None = None,
    *,
    override: str | None = None,
    variables: Mapping[str, str] | None = None,
    aws_endpoint: str | None = None,
    aws_region: str | None = None,
) -> str:
    """The base URL (no trailing slash) for a request to ``operation`` of ``source``.

    ``aws_endpoint`` and ``aws_region`` are what :class:`AwsEnvironment` answered for an AWS
    source (``None`` otherwise); they are passed in so that this function stays pure.
    """
    if override:
        return _absolute(override, source).rstrip("/")
    if aws_endpoint:
        return _absolute(aws_endpoint, source).rstrip("/")
    servers = server_objects(source, operation)
    server = servers[0] if servers else {"url": "/"}
    url = str(server.get("url", "/"))
    declared = server.get("variables") or {}
    given = dict(variables or {})

    def substitute(match: re.Match[str]) -> str:
        name = match.group(1)
        spec = declared.get(name) if isinstance(declared, Mapping) else None
        if name in given:
            value = str(given[name])
            allowed = spec.get("enum") if isinstance(spec, Mapping) else None
            if allowed and value not in [str(a) for a in allowed]:
                raise RequestBuildError(
                    f"server variable {name!r} of source {source.name!r} must be one of"
                    f" {', '.join(map(str, allowed))}; got {value!r}"
                )
            return value
        if name == "region" and aws_region:
            return aws_region
        if isinstance(spec, Mapping) and "default" in spec:
            return str(spec["default"])
        raise RequestBuildError(
            f"server URL {url!r} of source {source.name!r} uses variable {{{name}}}, which has no default;"
            f" give it a value or override the server URL"
        )

    return _absolute(_VARIABLE.sub(substitute, url), source).rstrip("/")


def _absolute(url: str, source: OpenApiSource) -> str:
    if "://" in url:
        return url
    base = source.url if source.url.startswith(("http://", "https://")) else None
    if base is None:
        raise RequestBuildError(
            f"source {source.name!r} has a relative server URL {url!r} and was not loaded from http(s);"
            f" override its server URL (--server {source.name}=https://…)"
        )
    return urljoin(base, url)


def join_url(base_url: str, path: str) -> str:
    """Append an already-encoded path to a base URL (``https://h/v2`` + ``/pets`` → ``https://h/v2/pets``)."""
    if not path.startswith("/"):
        path = "/" + path
    return base_url.rstrip("/") + path
