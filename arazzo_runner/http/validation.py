"""Check a request (and its response) against the operation's schemas, with openapi-core.

For ``arazzo run --validate[=strict]`` and ``--dry-run``. The answer is a list of
:class:`Violation` (a message and where: parameter name and location, or a JSON pointer into
the body), never an exception, so the engine can report them as events and decide.

Why not ``OpenAPI.validate_request``: openapi-core finds the operation by matching the URL
against the path keys, and keys with a fragment (``/#X-Amz-Target=SageMaker.CreateTrainingJob``,
as in descriptions generated from AWS models) never match the URL ``/`` that is sent. We already
know the operation, so the validators are given a path finder that answers it directly
(openapi-core's ``path_finder_cls`` seam) with the path variables read from the URL; everything
else (parameter styles, media type deserialisation, schema validation with the 3.0 or 3.1
dialect) is openapi-core's.

Details:

* ``application/x-amz-json-1.0`` / ``-1.1`` and every ``+json`` type are read as JSON (openapi-core
  only knows a few JSON media types by name);
* security requirements are not checked by default: the request is usually validated before
  auth is applied (``security=True`` checks them on a signed request);
* a message never contains a value of a header, query parameter or cookie that carries a
  credential (the fixed list in :mod:`.redact` and the source's apiKey names).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, unquote

import httpx

from ..sources.openapi import OpenApiSource, Operation
from .bodies import is_json, media_type
from .redact import SECRET_HEADERS, SECRET_QUERY_PARAMS
from .security import secret_names


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a request or response differs from the description."""

    message: str
    #: ``request`` or ``response``.
    subject: str
    #: ``path``, ``query``, ``header``, ``cookie``, ``body``, ``status``, ``security`` or ``operation``.
    location: str
    #: The parameter or header name, when the violation is about one.
    name: str | None = None
    #: RFC 6901 pointer into the body, when the violation is about a body value (``""``: the whole body).
    pointer: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain data for events and the JSON result."""
        return {
            "subject": self.subject,
            "location": self.location,
            "name": self.name,
            "pointer": self.pointer,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = self.location
        if self.name:
            where += f" {self.name!r}"
        if self.pointer is not None:
            where += f" at {self.pointer or '/'}"
        return f"{self.subject} {where}: {self.message}"


# -- adapters: httpx objects as openapi-core's Request / Response protocols ----------------------


class OpenApiRequest:
    """An ``httpx.Request`` as openapi-core's ``Request`` protocol (``path_pattern`` included)."""

    def __init__(self, request: httpx.Request, path_pattern: str) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self._request = request
        self.path_pattern = path_pattern
        query = parse_qs(request.url.query.decode("ascii", "replace"), keep_blank_values=True)
        cookie = SimpleCookie()
        for value in request.headers.get_list("cookie"):
            cookie.load(value)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(_pairs(query))),
            header=Headers(list(request.headers.multi_items())),
            cookie=ImmutableMultiDict({k: m.value for k, m in cookie.items()}),
        )

    @property
    def host_url(self) -> str:
        url = self._request.url
        return f"{url.scheme}://{url.netloc.decode('ascii')}"

    @property
    def path(self) -> str:
        return self._request.url.path

    @property
    def method(self) -> str:
        return self._request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self._request.content or None

    @property
    def content_type(self) -> str:
        return str(self._request.headers.get("content-type", "")).lower()


def _pairs(query: Mapping[str, list[str]]) -> Iterator[tuple[str, str]]:
    for name, values in query.items():
        for value in values:
            yield name, value


class OpenApiResponse:
    """An ``httpx.Response`` as openapi-core's ``Response`` protocol."""

    def __init__(self, response: httpx.Response) -> None:
        from werkzeug.datastructures import Headers

        self._response = response
        self.headers = Headers(list(response.headers.multi_items()))

    @property
    def status_code(self) -> int:
        return self._response.status_code

    @property
    def content_type(self) -> str:
        return str(self._response.headers.get("content-type", "")).lower()

    @property
    def data(self) -> bytes | None:
        return self._response.content or None


# -- validators bound to a known operation -----------------------------------------------------


def _fixed_finder(path_key: str, method: str, variables: Mapping[str, str]) -> type:
    """An openapi-core path finder class that always answers ``path_key`` / ``method``."""
    from openapi_core.templating.datatypes import TemplateResult
    from openapi_core.templating.paths.datatypes import PathOperationServer
    from openapi_core.templating.paths.finders import BasePathFinder

    class FixedPathFinder(BasePathFinder):
        def find(self, method_: str, name: str) -> PathOperationServer:
            path = self.spec / "paths" / path_key
            return PathOperationServer(
                path, path / method, None, TemplateResult(path_key, dict(variables)), None
            )

    return FixedPathFinder


def _json_deserializers(content_types: Iterable[str]) -> dict[str, Any]:
    """JSON deserialisers for the JSON media types openapi-core does not know by name."""

    def loads(value: bytes, **parameters: str) -> Any:
        return json.loads(value)

    known = {"application/json", "application/vnd.api+json"}
    return {t: loads for t in {media_type(c) for c in content_types} if is_json(t) and t not in known}


def _content_types(source: OpenApiSource, operation: Operation) -> set[str]:
    """Every media type named in the operation's request body and responses."""
    found: set[str] = set()
    target = source.spec / "paths" / operation.path / operation.method
    if "requestBody" in target and "content" in target / "requestBody":
        with (target / "requestBody" / "content").open() as content:
            found.update(str(k) for k in content)
    if "responses" in target:
        responses = target / "responses"
        with responses.open() as codes:
            keys = [str(k) for k in codes]
        for key in keys:  # through the SchemaPath, so ``$ref``'d responses are followed
            if "content" in responses / key:
                with (responses / key / "content").open() as content:
                    found.update(str(k) for k in content)
    return found


def _path_variables(operation: Operation, request: httpx.Request, base_path: str) -> dict[str, str]:
    """Path parameter values read from the URL with openapi-core's own template parser."""
    from openapi_core.templating.paths.parsers import PathParser

    template = operation.path.split("#", 1)[0].split("?", 1)[0] or "/"  # a path key may carry a query
    path = request.url.raw_path.decode("ascii").split("?", 1)[0]
    if base_path and path.startswith(base_path):
        path = path[len(base_path) :] or "/"
    result = PathParser(template).parse(path)
    return {k: unquote(v) for k, v in result.named.items()} if result else {}


def _validator_classes(source: OpenApiSource) -> tuple[type, type, type, type]:
    from openapi_core.validation.request import validators as rq
    from openapi_core.validation.response import validators as rs

    if source.version.startswith("3.0"):
        return (
            rq.V30RequestParametersValidator,
            rq.V30RequestBodyValidator,
            rq.V30RequestSecurityValidator,
            rs.V30ResponseValidator,
        )
    return (
        rq.V31RequestParametersValidator,
        rq.V31RequestBodyValidator,
        rq.V31RequestSecurityValidator,
        rs.V31ResponseValidator,
    )


def validate_request(
    source: OpenApiSource,
    operation: Operation,
    request: httpx.Request,
    *,
    base_url: str | None = None,
    security: bool = False,
) -> list[Violation]:
    """Violations of ``request`` against ``operation``'s parameters and body (and security).

    ``base_url`` is the endpoint's base URL; its path is cut from the request's path before
    path parameters are read (``https://h/v2`` + ``/pets/{id}``).
    """
    parameters_cls, body_cls, security_cls, _ = _validator_classes(source)
    base_path = httpx.URL(base_url).raw_path.decode("ascii").rstrip("/") if base_url else ""
    finder = _fixed_finder(operation.path, operation.method, _path_variables(operation, request, base_path))
    options = {
        "path_finder_cls": finder,
        "extra_media_type_deserializers": _json_deserializers(_content_types(source, operation)),
    }
    adapted = OpenApiRequest(request, operation.path)
    errors: list[Exception] = []
    if security:
        errors.extend(security_cls(source.spec, **options).iter_errors(adapted))
    errors.extend(parameters_cls(source.spec, **options).iter_errors(adapted))
    errors.extend(body_cls(source.spec, **options).iter_errors(adapted))
    hidden = _hidden_names(source)
    return [v for error in errors for v in _violations("request", error, hidden)]


def validate_response(
    source: OpenApiSource, operation: Operation, request: httpx.Request, response: httpx.Response
) -> list[Violation]:
    """Violations of ``response`` against ``operation``'s responses (status, body, headers)."""
    *_, response_cls = _validator_classes(source)
    finder = _fixed_finder(operation.path, operation.method, {})
    validator = response_cls(
        source.spec,
        path_finder_cls=finder,
        extra_media_type_deserializers=_json_deserializers(_content_types(source, operation)),
    )
    errors = validator.iter_errors(OpenApiRequest(request, operation.path), OpenApiResponse(response))
    hidden = _hidden_names(source)
    return [v for error in errors for v in _violations("response", error, hidden)]


def validate_exchange(
    source: OpenApiSource,
    operation: Operation,
    request: httpx.Request,
    response: httpx.Response | None = None,
    *,
    base_url: str | None = None,
) -> list[Violation]:
    """Request violations, then (when given) response violations."""
    found = validate_request(source, operation, request, base_url=base_url)
    if response is not None:
        found.extend(validate_response(source, operation, request, response))
    return found


# -- openapi-core errors → violations ---------------------------------------------------------


def _hidden_names(source: OpenApiSource) -> frozenset[str]:
    names = secret_names(source)
    return frozenset(
        SECRET_HEADERS
        | SECRET_QUERY_PARAMS
        | names.headers
        | {n.lower() for n in names.query | names.cookies}
    )


def _violations(subject: str, error: Exception, hidden: frozenset[str]) -> Iterator[Violation]:
    from openapi_core.templating.media_types.exceptions import MediaTypeNotFound
    from openapi_core.templating.responses.exceptions import ResponseNotFound
    from openapi_core.validation.request.exceptions import (
        MissingRequiredRequestBody,
        ParameterValidationError,
        SecurityValidationError,
    )
    from openapi_core.validation.response.exceptions import HeaderValidationError, MissingData

    cause = error.__cause__
    if isinstance(error, ParameterValidationError):
        name, location = error.name, error.location
        if name.lower() in hidden:
            yield Violation(f"{error} (value hidden: it carries a credential)", subject, location, name)
            return
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            for schema_error in schema_errors:
                yield Violation(
                    _schema_message(schema_error), subject, location, name, _pointer(schema_error)
                )
            return
        yield Violation(str(cause or error), subject, location, name)
        return
    if isinstance(error, HeaderValidationError):
        if error.name.lower() in hidden or cause is None:
            yield Violation(str(error), subject, "header", error.name)
            return
        for schema_error in getattr(cause, "schema_errors", None) or [cause]:
            yield Violation(_schema_message(schema_error), subject, "header", error.name)
        return
    if isinstance(error, SecurityValidationError):
        yield Violation(f"no security requirement is met ({cause or error})", subject, "security")
        return
    if isinstance(error, ResponseNotFound):
        yield Violation(str(error), subject, "status")
        return
    if isinstance(error, MissingRequiredRequestBody | MissingData):
        yield Violation(str(error), subject, "body", pointer="")
        return
    if isinstance(cause, MediaTypeNotFound):
        yield Violation(str(cause), subject, "body")
        return
    schema_errors = getattr(cause, "schema_errors", None)
    if schema_errors:
        for schema_error in schema_errors:
            yield Violation(_schema_message(schema_error), subject, "body", pointer=_pointer(schema_error))
        return
    yield Violation(str(cause or error), subject, "body" if cause is not None else "operation")


def _pointer(schema_error: Any) -> str:
    """The RFC 6901 pointer of a jsonschema error's instance (``/Items/0/Name``)."""
    path = getattr(schema_error, "absolute_path", None) or ()
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _schema_message(schema_error: Any) -> str:
    return str(getattr(schema_error, "message", schema_error))
