"""Turn an operation and a step's evaluated parameters and body into an ``httpx.Request``.

Rules (each one tested):

* Parameter Objects come from the path item and the operation (the operation's win, matched by
  ``name`` + ``in``, header names case-insensitively), ``$ref``s resolved through
  ``source.spec``. A step parameter without a definition is sent with the location's default
  style. Definitions of the headers ``Accept``, ``Content-Type`` and ``Authorization`` are
  ignored, as OpenAPI requires, but the step's value is still sent.
* A parameter whose value is ``None`` (an optional input that was not given) is left out.
* The path key loses its fragment (``/#X-Amz-Target=SageMaker.CreateTrainingJob`` → ``/``);
  every ``{name}`` in its path must get a value. A greedy label ``{Key+}`` (AWS's) keeps ``/``
  unencoded and takes a parameter named ``Key+`` or ``Key``.
* A path key that carries a query (``/{Bucket}?uploads``, ``/{Bucket}?uploadId={uploadId}``,
  ``/?Action=RunInstances``) sends its literal items as they are; an item ``k={name}`` is sent
  once, from the query parameter ``name`` when the step gives one (else from a path parameter of
  that name; else it is left out): neither sent twice nor asked for as a path parameter.
* A required query or header parameter the step does not give, whose schema allows one value
  only (``const``), is sent with that value: it is part of the operation's address (a
  ``?uploads`` or ``Action=RunInstances`` that ``arazzo aws-openapi`` writes this way).
* A path parameter marked ``x-aws-greedy`` (an AWS greedy label, ``{Key+}``) keeps its ``/``;
  everything else in it is percent-encoded, as botocore does.
* ``in: querystring`` (Arazzo 1.1, OpenAPI 3.2) is the whole query string, in the media type
  of the operation's ``querystring`` parameter (see :mod:`.querystring`); it cannot be combined
  with ``query`` parameters, and there is at most one.
* The body's media type: the step's ``contentType``, else the operation's first
  ``requestBody.content`` type, else one guessed from the payload (see :mod:`.bodies`).
  The body's ``Content-Type`` replaces a ``Content-Type`` header parameter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from ..sources.openapi import REFERENCED, OpenApiSource, Operation
from .bodies import RequestBody, default_content_type, encode_body
from .errors import RequestBuildError
from .querystring import querystring_media_type, serialize_querystring
from .serialize import (
    ParameterStyle,
    scalar_text,
    serialize_cookie,
    serialize_header,
    serialize_path,
    serialize_query,
)
from .servers import join_url

LOCATIONS = ("path", "query", "querystring", "header", "cookie")
_IGNORED_HEADER_DEFINITIONS = frozenset({"accept", "content-type", "authorization"})
_TEMPLATE = re.compile(r"\{([^{}]+)\}")


class EvaluatedParameter(Protocol):
    """What :func:`build_request` reads of a parameter (the engine's plain ``needs.Parameter`` has
    this shape; this layer does not import the engine)."""

    @property
    def name(self) -> str: ...
    @property
    def location(self) -> str | None: ...
    @property
    def value(self) -> Any: ...


@dataclass(frozen=True, slots=True)
class StepParameter:
    """An evaluated step parameter: ``in`` is ``location`` (``None`` for workflow inputs)."""

    name: str
    location: str | None
    value: Any


def _key(name: str, location: str) -> tuple[str, str]:
    return (name.lower() if location == "header" else name, location)


def parameter_definitions(
    source: OpenApiSource, operation: Operation
) -> dict[tuple[str, str], dict[str, Any]]:
    """Parameter Objects of ``operation`` by ``(name, in)``, ``$ref``s resolved (operation wins).

    Worked out once per operation (walking the description through SchemaPath costs ~60 µs,
    and a poll loop sends the same operation thousands of times); callers must not mutate it.
    """
    found: dict[tuple[str, str], dict[str, Any]] = source.once(
        "parameters", operation, _parameter_definitions
    )
    return found


def _parameter_definitions(
    source: OpenApiSource, operation: Operation
) -> dict[tuple[str, str], dict[str, Any]]:
    plain = _plain_parameter_definitions(source, operation)
    return plain if plain is not None else _resolved_parameter_definitions(source, operation)


def _plain_parameter_definitions(
    source: OpenApiSource, operation: Operation
) -> dict[tuple[str, str], dict[str, Any]] | None:
    """From the parsed file, when no ``$ref`` stands before a parameter (else ``None``)."""
    item = source.parsed_node("paths", operation.path)
    if not isinstance(item, Mapping):
        return None
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for owner in (item, item.get(operation.method)):
        if not isinstance(owner, Mapping) or "$ref" in owner:
            return None
        parameters = owner.get("parameters")
        if parameters is None:
            continue
        if not isinstance(parameters, list | tuple):
            return None
        for parameter in parameters:
            if not isinstance(parameter, Mapping) or "$ref" in parameter:
                return None
            name, location = parameter.get("name"), parameter.get("in")
            if isinstance(name, str) and location in LOCATIONS:
                found[_key(name, location)] = dict(parameter)
    return found


def _resolved_parameter_definitions(
    source: OpenApiSource, operation: Operation
) -> dict[tuple[str, str], dict[str, Any]]:
    item = source.spec / "paths" / operation.path
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for owner in (item, item / operation.method):
        if "parameters" not in owner:
            continue
        for parameter in owner / "parameters":
            with parameter.open() as data:
                definition = dict(data)
            name, location = definition.get("name"), definition.get("in")
            if isinstance(name, str) and location in LOCATIONS:
                found[_key(name, location)] = definition
    return found


def operation_content_types(source: OpenApiSource, operation: Operation) -> list[str]:
    """Media types of the operation's ``requestBody.content``, in document order (cached)."""
    found: list[str] = source.once("content-types", operation, _operation_content_types)
    return found


def _operation_content_types(source: OpenApiSource, operation: Operation) -> list[str]:
    body = source.parsed_node("paths", operation.path, operation.method, "requestBody")
    if body is None:
        return []
    content = body.get("content") if isinstance(body, Mapping) else REFERENCED
    if content is None:
        return []
    if isinstance(content, Mapping) and "$ref" not in content:
        return [str(k) for k in content]
    target = source.spec / "paths" / operation.path / operation.method
    if "requestBody" not in target:
        return []
    body = target / "requestBody"
    if "content" not in body:
        return []
    with (body / "content").open() as content:
        return [str(k) for k in content]


def style_of(definition: Mapping[str, Any] | None, location: str) -> ParameterStyle:
    if definition is None:
        return ParameterStyle.for_location(location)
    return ParameterStyle.for_location(
        location,
        definition.get("style"),
        definition.get("explode"),
        bool(definition.get("allowReserved", False)) and location == "query",
    )


def build_request(
    source: OpenApiSource,
    operation: Operation,
    parameters: Iterable[EvaluatedParameter],
    body: RequestBody | None = None,
    *,
    base_url: str,
) -> httpx.Request:
    """The request for one step call (unsigned; auth is applied when it is sent)."""
    definitions = parameter_definitions(source, operation)
    path_values: dict[str, str] = {}
    query: list[str] = []
    query_names: list[str] = []
    querystring: list[str] = []
    headers: list[tuple[str, str]] = []
    cookies: list[str] = []
    parameters = list(parameters)
    parameters.extend(_constants_not_given(definitions, parameters))
    for parameter in parameters:
        location = parameter.location
        if location is None:
            raise RequestBuildError(
                f"parameter {parameter.name!r} has no 'in'; steps that call an operation must say where"
                " each parameter goes (path, query, header or cookie)"
            )
        if location not in LOCATIONS:
            raise RequestBuildError(f"parameter {parameter.name!r} has an unknown 'in': {location!r}")
        if parameter.value is None:
            continue
        definition = definitions.get(_key(parameter.name, location))
        if location == "querystring":
            # An operation has at most one querystring parameter: it is that one, whatever its name.
            definition = next((d for (_, where), d in definitions.items() if where == "querystring"), None)
            media_type = querystring_media_type(definition)
            querystring.append(serialize_querystring(parameter.name, parameter.value, media_type))
            continue
        if location == "header" and parameter.name.lower() in _IGNORED_HEADER_DEFINITIONS:
            definition = None
        style = style_of(definition, location)
        if location == "path":
            if (
                definition is not None
                and definition.get("x-aws-greedy") is True
                and not isinstance(parameter.value, list | dict)
            ):
                path_values[parameter.name] = _greedy(parameter.value)
            else:
                path_values[parameter.name] = serialize_path(parameter.name, parameter.value, style)
        elif location == "query":
            texts = serialize_query(parameter.name, parameter.value, style)
            query.extend(texts)
            query_names.extend(parameter.name for _ in texts)
        elif location == "header":
            headers.append((parameter.name, serialize_header(parameter.name, parameter.value, style)))
        else:
            cookies.extend(serialize_cookie(parameter.name, parameter.value, style))

    if querystring:
        if query or len(querystring) > 1:
            raise RequestBuildError(
                "an 'in: querystring' parameter is the whole query string: it cannot be combined"
                " with query parameters or another querystring parameter"
            )
        query = [text for text in querystring if text]
    path = _fill_path(operation, path_values, set(query_names))
    url = join_url(base_url, path)
    if query:
        url += ("&" if "?" in url else "?") + "&".join(query)
    if cookies:
        headers.append(("Cookie", "; ".join(cookies)))

    content: bytes | None = None
    if body is not None:
        content_type = body.content_type or next(iter(operation_content_types(source, operation)), None)
        content_type = content_type or default_content_type(body.payload)
        encoded = encode_body(body, content_type, request_body_root(source, operation, content_type))
        headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
        headers.append(("Content-Type", encoded.content_type))
        content = encoded.content
    return new_request(operation.method.upper(), parsed_url(url), headers, content)


def _constants_not_given(
    definitions: Mapping[tuple[str, str], Mapping[str, Any]], given: list[EvaluatedParameter]
) -> list[StepParameter]:
    """Required query/header parameters with a ``const`` schema that the step leaves out."""
    present = {_key(p.name, p.location) for p in given if p.location}
    found = []
    for (_, location), definition in definitions.items():
        if location not in ("query", "header") or definition.get("required") is not True:
            continue
        name = definition.get("name")
        schema = definition.get("schema")
        if not isinstance(name, str) or not isinstance(schema, Mapping) or "const" not in schema:
            continue
        if _key(name, location) not in present and isinstance(schema["const"], str | int | float):
            found.append(StepParameter(name, location, schema["const"]))
    return found


def _greedy(value: Any) -> str:
    """An AWS greedy label's value: each segment percent-encoded, the ``/`` between them kept."""
    return "/".join(quote(segment, safe="") for segment in scalar_text(value).split("/"))


_BODY_METHODS = ("POST", "PUT", "PATCH")


def new_request(
    method: str, url: httpx.URL, headers: list[tuple[str, str]], content: bytes | None
) -> httpx.Request:
    """What ``httpx.Request(method, url, headers=headers, content=content)`` makes, in one pass.

    httpx normalises the headers, adds ``Content-Length`` one lookup at a time, then normalises
    them all again to put ``Host`` first: about a quarter of building a step's request. The
    headers come out the same and in the same order (a property test compares the two):
    ``Host`` (unless given), ``Content-Length: 0`` for a POST/PUT/PATCH without body (unless a
    length or ``Transfer-Encoding`` is given), the given headers, then the body's
    ``Content-Length`` (unless given).
    """
    body = content or b""
    names = {name.lower() for name, _ in headers}
    first: list[tuple[str, str]] = []
    if "host" not in names and url.host:
        first.append(("Host", url.netloc.decode("ascii")))  # netloc is ASCII: IDNA-encoded host
    given_length = "content-length" in names
    if body and not given_length:
        raw = [*first, *headers, ("Content-Length", str(len(body)))]
    else:
        if not given_length and "transfer-encoding" not in names and method in _BODY_METHODS:
            first.append(("Content-Length", "0"))
        raw = [*first, *headers]
    request = httpx.Request(method, url, headers=raw, stream=httpx.ByteStream(body))
    request.read()
    return request


@lru_cache(maxsize=4096)
def parsed_url(url: str) -> httpx.URL:
    """``httpx.URL`` objects are immutable, and a poll loop sends the same URL thousands of times:
    parse each once (about half the cost of building a request)."""
    return _URL(url)


class _URL(httpx.URL):
    """An ``httpx.URL`` that writes its text once: the signer, the exchange record and the
    transport each ask for it on every request, and httpx rebuilds it from the parts each time."""

    _text: str | None = None

    def __str__(self) -> str:
        text = self._text
        if text is None:
            text = self._text = super().__str__()
        return text


def _fill_path(operation: Operation, values: Mapping[str, str], query_names: Set[str] = frozenset()) -> str:
    template = operation.path.split("#", 1)[0] or "/"
    path_part, has_query, query_part = template.partition("?")
    names = _TEMPLATE.findall(path_part)
    query_items = [item for item in query_part.split("&") if item] if has_query else []
    query_labels = {label for item in query_items for label in _TEMPLATE.findall(item)}

    def value_of(name: str) -> str | None:
        if name in values:
            found = values[name]
        elif name.endswith("+") and name[:-1] in values:
            found = values[name[:-1]]
        else:
            return None
        return found.replace("%2F", "/").replace("%2f", "/") if name.endswith("+") else found

    known = set(names) | {n[:-1] for n in names if n.endswith("+")} | query_labels
    unknown = sorted(set(values) - known)
    if unknown:
        raise RequestBuildError(
            f"path parameter {unknown[0]!r} does not appear in the path {template!r} of {operation.summary}"
        )
    missing = [n for n in names if value_of(n) is None]
    if missing:
        raise RequestBuildError(f"path parameter {missing[0]!r} of {operation.summary} has no value")
    path = _TEMPLATE.sub(lambda m: value_of(m.group(1)) or "", path_part)
    sent = []
    for item in query_items:
        labels = _TEMPLATE.findall(item)
        if not labels:
            sent.append(item)  # a literal: ?uploads, ?list-type=2, ?Action=RunInstances
            continue
        if any(label in query_names for label in labels):
            continue  # the query parameter of that name is sent (once) with the others
        filled = [value_of(label) for label in labels]
        if all(v is not None for v in filled):
            sent.append(_TEMPLATE.sub(lambda m: value_of(m.group(1)) or "", item))
    return path + ("?" + "&".join(sent) if sent else "")


def request_body_root(source: OpenApiSource, operation: Operation, content_type: str) -> str | None:
    """The XML root element's name from the operation's request body schema for ``content_type``
    (``xml.name``, else the ``$ref``'d schema's name), for objects written as XML."""
    from .bodies import is_xml, media_type
    from .xml_objects import root_name_from_schema

    if not is_xml(content_type):
        return None
    body = operation.data.get("requestBody")
    content = body.get("content") if isinstance(body, Mapping) else None
    if not isinstance(content, Mapping):
        return None
    kind = media_type(content_type)
    for name, entry in content.items():
        if media_type(str(name)) == kind and isinstance(entry, Mapping):
            return root_name_from_schema(entry.get("schema"))
    return None
