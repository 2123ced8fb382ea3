"""Load an Arazzo document: read, route by version, validate, build, attach sources, check.

Every stage collects problems instead of stopping at the first, so ``arazzo validate`` shows a
user everything wrong with a document at once. A stage whose input is unusable (unparseable
YAML, a schema-invalid document) stops that document's later stages, since their messages would
only be noise.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypedDict, Unpack

from ..errors import DocumentError, Location, Problem, Severity, did_you_mean
from ..keywords import check_keywords
from ..sources.asyncapi import AsyncApiSource, check_asyncapi
from ..sources.fetch import SourceFetcher, is_remote, resolve_reference
from ..sources.openapi import OpenApiSource
from ..sources.references import reference_problems
from ..yaml12 import ParsedFile, YamlReadError
from .base_uri import base_uri, resolve_self, retrieval_uri
from .build import build_document
from .resolved import Document
from .schema import validate_schema

_VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-.+)?$")

#: major.minor versions this runner executes; each is read with its own schema and rules.
SUPPORTED_VERSIONS = {(1, 0), (1, 1)}
KNOWN_LATER_VERSIONS: set[tuple[int, int]] = set()
_SUPPORTED_TEXT = "Arazzo 1.0.x and 1.1.x"


class LoadOptions(TypedDict, total=False):
    """What every way of loading a document (:func:`load`, :func:`load_with_problems`,
    :func:`load_report`, :func:`validate`) takes besides the path: where it may read from.

    ``allow_remote`` (default False): fetch http(s) sources. ``source_map``: read the source at a URL
    from a local file. ``documents``: other Arazzo documents an Arazzo 1.1 source may name by their
    ``$self`` (identity before location: such a source is read from the document that has that
    ``$self``). ``allow_outside`` (default False): local files the document names (sources, ``$ref``
    targets) may be outside its folder tree (see :func:`confinement_root`). ``root`` replaces
    :func:`confinement_root` (``resume`` passes the one its run was started with).
    ``network_policy`` (``http.network_policy.NetworkPolicy``) bounds where ``allow_remote`` fetches
    may go, redirects included.
    """

    allow_remote: bool
    source_map: Mapping[str, str] | None
    documents: Sequence[str | os.PathLike[str]]
    allow_outside: bool
    root: str | None
    network_policy: Any


@dataclass
class _Session:
    """State of one load: shared fetcher, loaded documents, cycle detection stack."""

    fetcher: SourceFetcher
    problems: list[Problem] = field(default_factory=list)
    #: ``major.minor`` of each document read whose ``arazzo`` field is a supported version.
    versions: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: Arazzo 1.1 identities: a document's ``$self`` (absolute) → where it is read from.
    identities: dict[str, str] = field(default_factory=dict)
    loaded: dict[str, Document] = field(default_factory=dict)
    stack: list[str] = field(default_factory=list)


@dataclass
class LoadReport:
    """What a load found: the document (None when unusable), every problem, and whose rules applied."""

    document: Document | None
    problems: list[Problem]
    #: ``"1.0"`` or ``"1.1"``: the version of the Arazzo rules the entry document was checked
    #: against (None when its ``arazzo`` field could not be read).
    rules: str | None


def document_version(parsed: ParsedFile) -> tuple[int, int] | None:
    """``(major, minor)`` of the document's ``arazzo`` field, when it is a version string."""
    data = parsed.data
    version = data.get("arazzo") if isinstance(data, dict) else None
    match = _VERSION.match(version) if isinstance(version, str) else None
    return (int(match[1]), int(match[2])) if match else None


def check_version(parsed: ParsedFile) -> Problem | None:
    """The ``arazzo`` field decides how the document is read (GEN-02)."""
    data = parsed.data
    if not isinstance(data, dict):
        return None  # the schema reports "expected object"
    if "arazzo" not in data:
        if "openapi" in data or "swagger" in data:
            return Problem(
                "this is an OpenAPI description, not an Arazzo document (no 'arazzo' field)",
                parsed.locate(""),
                code="not-arazzo",
            )
        return None  # the schema reports the missing field
    version = data["arazzo"]
    if not isinstance(version, str):
        return None
    match = _VERSION.match(version)
    location = parsed.locate("/arazzo")
    if not match:
        return Problem(f"arazzo version {version!r} is not major.minor.patch", location, code="version")
    major_minor = (int(match[1]), int(match[2]))
    if major_minor in SUPPORTED_VERSIONS:
        return None
    if major_minor in KNOWN_LATER_VERSIONS:
        return Problem(
            f"Arazzo {version} documents are not supported yet: this runner executes {_SUPPORTED_TEXT}",
            location,
            code="version",
        )
    return Problem(
        f"unsupported Arazzo version {version!r}: this runner executes {_SUPPORTED_TEXT}",
        location,
        code="version",
    )


def load(path: str | os.PathLike[str], **options: Unpack[LoadOptions]) -> Document:
    """Load, validate and resolve the Arazzo document at ``path`` (``options``: :class:`LoadOptions`).

    Raises :class:`~arazzo_runner.errors.DocumentError` carrying every problem found. Warnings
    (things that are legal but probably not meant) are on the returned document's ``warnings``.
    """
    check_keywords("load", options, LoadOptions)
    document, problems = load_with_problems(path, **options)
    if document is None or any(p.severity is Severity.ERROR for p in problems):
        raise DocumentError(problems)
    document.warnings = [p for p in problems if p.severity is Severity.WARNING]
    return document


def load_with_problems(
    path: str | os.PathLike[str], *, unused_source_map: bool = False, **options: Unpack[LoadOptions]
) -> tuple[Document | None, list[Problem]]:
    """Like :func:`load` but returns the problems (errors and warnings) instead of raising.

    ``unused_source_map=True`` (the CLI's ``--source-map``) also reports every map key that no
    source description used: a typo there would otherwise read the real URL, or fail far away.
    """
    check_keywords("load_with_problems", options, LoadOptions)
    report = load_report(path, unused_source_map=unused_source_map, **options)
    return report.document, report.problems


def load_report(
    path: str | os.PathLike[str], *, unused_source_map: bool = False, **options: Unpack[LoadOptions]
) -> LoadReport:
    """Like :func:`load_with_problems`, and also say which version's rules were applied."""
    check_keywords("load_report", options, LoadOptions)
    location = os.fspath(path)
    root = options.get("root")
    if is_remote(location):
        root = None
    else:
        location = os.path.abspath(location)
        root = root or confinement_root(location)
    fetcher = SourceFetcher(
        allow_remote=options.get("allow_remote", False),
        source_map=dict(options.get("source_map") or {}),
        root=root,
        allow_outside=options.get("allow_outside", False),
        network_policy=options.get("network_policy"),
    )
    if root is not None:
        fetcher.allow(location)  # the document itself, wherever a symbolic link points
    session = _Session(fetcher)
    for candidate in options.get("documents") or ():
        if not is_remote(os.fspath(candidate)):
            fetcher.allow(os.fspath(candidate))  # named by the caller: read wherever it is
        _register_identity(os.fspath(candidate), session)
    document = _load_document(location, session, display=os.fspath(path))
    if document is not None:
        document.confinement_root = root
    if unused_source_map:
        session.problems.extend(_unused_source_map_keys(session.fetcher, os.fspath(path)))
    version = session.versions.get(location)
    rules = f"{version[0]}.{version[1]}" if version else None
    return LoadReport(document, session.problems, rules)


def _unused_source_map_keys(fetcher: SourceFetcher, display: str) -> list[Problem]:
    """A ``source_map`` key that no source description used is a mistake: say so, with a did-you-mean."""
    problems = []
    for key in fetcher.unused_keys():
        sources = fetcher.seen[1:]  # the first is the Arazzo document itself
        known = ", ".join(sources) if sources else "none"
        problems.append(
            Problem(
                f"--source-map {key!r} matches no source description URL"
                f"{did_you_mean(key, sources)}; the sources read are: {known}",
                Location(file=display),
                code="unused-source-map",
            )
        )
    return problems


def confinement_root(location: str) -> str:
    """The folder tree a local document may read files from, whatever the working directory:
    the enclosing repository (the nearest folder up from the document's that holds ``.git``),
    else the document's folder's parent (so ``workflows/x.yml`` may name ``../openapi/x.yml``).
    Never the filesystem root: a document directly under it is confined to its own folder.

    It used to be the working directory when that held the document, so ``cd workflows && arazzo
    validate x.yml`` refused the ``../openapi/`` the same command accepted from the repository root.
    """
    folder = os.path.realpath(os.path.dirname(os.path.abspath(location)))
    candidate = folder
    while True:
        if os.path.exists(os.path.join(candidate, ".git")):
            return candidate if os.path.dirname(candidate) != candidate else folder
        parent = os.path.dirname(candidate)
        if parent == candidate:
            break
        candidate = parent
    parent = os.path.dirname(folder)
    return parent if os.path.dirname(parent) != parent else folder


def display_name(location: str) -> str:
    """How a file is named in messages: relative to the working directory when that is shorter."""
    if is_remote(location):
        return location
    try:
        relative = os.path.relpath(location)
    except ValueError:
        return location
    return relative if len(relative) < len(location) else location


def _load_document(location: str, session: _Session, display: str | None = None) -> Document | None:
    if location in session.loaded:
        return session.loaded[location]
    display = display or display_name(location)
    try:
        parsed = session.fetcher.fetch(location)
    except YamlReadError as exc:
        session.problems.extend(_relabel(p, location, display) for p in exc.problems)
        return None
    if display != location:
        parsed = ParsedFile(parsed.data, parsed.positions, parsed.key_positions, display)
    version_problem = check_version(parsed)
    if version_problem:
        session.problems.append(version_problem)
        return None
    version = document_version(parsed) or (1, 0)  # no arazzo field: the schema reports it
    session.versions[location] = version
    schema_problems = validate_schema(parsed, version)
    if schema_problems:
        session.problems.extend(schema_problems)
        return None
    document = Document(spec=build_document(parsed), location=location)
    session.loaded[location] = document
    if document.self_uri is not None:
        session.identities.setdefault(document.self_uri, location)
    session.stack.append(location)
    try:
        _load_sources(document, session)
    finally:
        session.stack.pop()
    from .checks import check_document

    session.problems.extend(check_document(document))
    if document.spec.version >= (1, 1):
        from .checks_1_1 import check_1_1

        session.problems.extend(check_1_1(document))
    return document


def _register_identity(path: str, session: _Session) -> None:
    """Read a provided Arazzo 1.1 document's ``$self`` so sources can name it by identity.

    The whole document is parsed (no fragmentary parsing, as 1.1 asks); it is loaded, validated
    and checked only if a source names it. Unreadable candidates are reported where they are.
    """
    location = path if is_remote(path) else os.path.abspath(path)
    try:
        parsed = session.fetcher.fetch(location)
    except YamlReadError as exc:
        session.problems.extend(_relabel(p, location, display_name(location)) for p in exc.problems)
        return
    data = parsed.data if isinstance(parsed.data, dict) else {}
    self_ref = data.get("$self")
    if (document_version(parsed) or (1, 0)) >= (1, 1) and isinstance(self_ref, str):
        identity = resolve_self(self_ref, location)
        if identity is not None:
            session.identities.setdefault(identity, location)


def _source_target(document: Document, url: str, kind: str | None, session: _Session) -> str:
    """Where a source description is read from.

    1.0: ``url`` relative to the document's location. 1.1: relative to the document's base URI
    (its ``$self`` when it has one, RFC 3986 5.1.1), and an Arazzo document is found by identity
    first: a document whose ``$self`` is that URI, wherever it was read from.
    """
    if document.spec.version < (1, 1):
        return resolve_reference(url, document.location)
    target = resolve_reference(url, base_uri(document.spec.self_uri, document.location))
    if kind in (None, "arazzo"):
        return session.identities.get(retrieval_uri(target), target)
    return target


def _relabel(problem: Problem, location: str, display: str) -> Problem:
    if problem.location.file != location:
        return problem
    loc = problem.location
    return Problem(
        problem.message, Location(display, loc.line, loc.column, loc.pointer), problem.severity, problem.code
    )


def _load_sources(document: Document, session: _Session) -> None:
    spec = document.spec
    for source in spec.source_descriptions:
        url_location = spec.locate(f"{source.pointer}/url")
        target = _source_target(document, source.url, source.type, session)
        document.failed_sources.add(source.name)  # until it loads
        if target in session.stack:
            # Two Arazzo documents that name each other (a parent calls a child whose failure
            # action goes back to the parent): link the document being loaded, load it once.
            if source.type == "openapi":
                session.problems.append(
                    Problem(
                        f"source {source.name!r} is an Arazzo document but is declared type 'openapi'",
                        url_location,
                        code="bad-source",
                    )
                )
                continue
            document.sources[source.name] = session.loaded[target]
            document.failed_sources.discard(source.name)
            continue
        try:
            parsed = session.fetcher.fetch(target)
        except YamlReadError as exc:
            first = exc.problems[0]
            if first.code in (
                "not-found",
                "remote-refused",
                "fetch-failed",
                "too-large",
                "encoding",
                "outside",
                "not-regular",
            ):
                shown = display_name(session.fetcher.map_location(target))
                if spec.self_uri is not None and spec.version >= (1, 1) and target != source.url:
                    shown += f"; {source.url!r} is relative to the document's $self"
                session.problems.append(
                    Problem(
                        f"source {source.name!r}: {first.message} ({shown})",
                        url_location,
                        code=first.code,
                    )
                )
            else:
                shown = display_name(target)
                session.problems.extend(_relabel(p, target, shown) for p in exc.problems)
            continue
        data = parsed.data if isinstance(parsed.data, dict) else {}
        kind = source.type or ("arazzo" if "arazzo" in data else "openapi")
        if kind == "asyncapi":
            problem = check_asyncapi(source.name, data, display_name(parsed.path))
            if problem:
                session.problems.append(Problem(problem, url_location, code="bad-source"))
                continue
            document.sources[source.name] = AsyncApiSource(
                name=source.name, url=source.url, location=target, file=parsed
            )
            document.failed_sources.discard(source.name)
        elif kind == "openapi":
            problem = _check_openapi(source.name, data, parsed)
            if problem:
                session.problems.append(Problem(problem, url_location, code="bad-source"))
                continue
            document.sources[source.name] = OpenApiSource(
                name=source.name,
                url=source.url,
                location=target,
                file=parsed,
                fetcher=session.fetcher,
                aws_recognition=False if source.extensions.get("x-arazzo-aws") is False else None,
            )
            ref_problems = reference_problems(parsed, target, session.fetcher)
            session.problems.extend(_relabel(p, target, display_name(target)) for p in ref_problems)
            if not any(p.severity is Severity.ERROR for p in ref_problems):
                document.failed_sources.discard(source.name)
        else:
            if "arazzo" not in data:
                what = "an OpenAPI description" if "openapi" in data else "not an Arazzo document"
                session.problems.append(
                    Problem(
                        f"source {source.name!r} is declared type 'arazzo' but is {what}",
                        url_location,
                        code="bad-source",
                    )
                )
                continue
            nested = _load_document(target, session)
            if nested is not None:
                document.sources[source.name] = nested
                document.failed_sources.discard(source.name)


def _check_openapi(name: str, data: dict[str, object], parsed: ParsedFile) -> str | None:
    version = data.get("openapi")
    if version is None:
        if "swagger" in data:
            return f"source {name!r} is Swagger/OpenAPI 2.0 ({display_name(parsed.path)}); only OpenAPI 3.x is supported"
        if "arazzo" in data:
            return f"source {name!r} is an Arazzo document but is declared type 'openapi' ({display_name(parsed.path)})"
        return (
            f"source {name!r} is not an OpenAPI description: no 'openapi' field ({display_name(parsed.path)})"
        )
    if not str(version).startswith("3."):
        return f"source {name!r} has OpenAPI version {version!r}; only 3.x is supported ({display_name(parsed.path)})"
    if not isinstance(data.get("paths", {}), dict):
        return f"source {name!r}: 'paths' is not an object ({display_name(parsed.path)})"
    return None


def validate(path: str | os.PathLike[str], **options: Unpack[LoadOptions]) -> list[Problem]:
    """Every problem (errors and warnings) in the document at ``path``; empty when all is well."""
    return load_with_problems(path, **options)[1]
