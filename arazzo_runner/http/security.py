"""OpenAPI security requirements → the ``httpx.Auth`` a request to an operation is sent with.

Which requirements apply: the operation's ``security`` if it has one (``[]`` means none), else
the document's. The list is a choice of alternatives; the first one whose every scheme can be
satisfied with the credentials at hand is used (an empty requirement ``{}`` means "anonymous is
fine" and is satisfied by nothing). A requirement naming several schemes applies all of them.

Supported schemes:

============================  ===========================================  =======================
scheme                        sent as                                      credential fields
============================  ===========================================  =======================
``apiKey`` (header/query/     the key under ``name`` in ``in``             ``apiKey``
cookie)
``http`` ``basic``            ``Authorization: Basic …`` (httpx)           ``username``, ``password``
``http`` ``bearer``           ``Authorization: Bearer <token>``            ``token`` (or ``accessToken``)
``http`` ``digest``           httpx's Digest challenge/response            ``username``, ``password``
``http`` other (``Token``…)   ``Authorization: <scheme> <token>``          ``token``
``oauth2``                    ``Bearer`` token fetched from the            ``clientId``, ``clientSecret``
                              ``clientCredentials`` flow's ``tokenUrl``    (``scopes`` optional)
                              (see :mod:`.oauth2`), or a given token       or ``accessToken``
``openIdConnect``             ``Authorization: Bearer <accessToken>``      ``accessToken``
``x-amazon-apigateway-        SigV4 (:mod:`.sigv4`, botocore's chain)      none (AWS environment)
authtype: awsSigv4``
============================  ===========================================  =======================

Where credential values come from (first found wins, field by field), see
:class:`SecurityEnvironment`:

1. ``credentials={"<source>.<scheme>": {...}}``, then ``credentials={"<scheme>": {...}}``: the
   mapping the engine passes (from workflow inputs, a secrets file or the CLI);
2. environment variables ``ARAZZO_<SOURCE>_<SCHEME>_<FIELD>``, then ``ARAZZO_<SCHEME>_<FIELD>``,
   where names are upper-cased with every run of other characters than letters and digits
   turned into ``_`` (scheme ``petstore_auth`` of source ``pets-api``, field ``apiKey`` →
   ``ARAZZO_PETS_API_PETSTORE_AUTH_API_KEY`` or ``ARAZZO_PETSTORE_AUTH_API_KEY``). Field suffixes:
   ``API_KEY``, ``USERNAME``, ``PASSWORD``, ``TOKEN``, ``ACCESS_TOKEN``, ``CLIENT_ID``,
   ``CLIENT_SECRET``, ``SCOPES`` (space-separated).

Credentials are sent only to the source's own origin (scheme, host and port of the base URL).
An operation whose requirements cannot be satisfied raises :class:`SecurityUnsatisfied`, which
names each scheme and the variables or credential keys to set, and never a value.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from ..errors import ArazzoError
from ..sources.openapi import OpenApiSource, Operation
from ..sources.security_schemes import SecretNames as SecretNames
from ..sources.security_schemes import secret_names as secret_names
from ..sources.security_schemes import security_schemes as security_schemes
from .auths import ApiKeyAuth, HeaderAuth, Origin, ScopedAuth, combine, origin_of
from .aws import AwsEnvironment, aws_signing
from .errors import CredentialsError
from .oauth2 import ClientCredentialsAuth, Clock, TokenCache
from .sigv4 import sigv4_auth_for

#: Credential field → environment variable suffix.
FIELD_ENV = {
    "apiKey": "API_KEY",
    "username": "USERNAME",
    "password": "PASSWORD",
    "token": "TOKEN",
    "accessToken": "ACCESS_TOKEN",
    "clientId": "CLIENT_ID",
    "clientSecret": "CLIENT_SECRET",
    "scopes": "SCOPES",
}
ENV_PREFIX = "ARAZZO"

Requirement = Mapping[str, Sequence[str]]


class SecurityUnsatisfied(CredentialsError):
    """No alternative of an operation's security requirements can be satisfied (says what to set)."""


class MissingCredential(ArazzoError):
    """A scheme lacks a credential field; ``needs`` says which (``"username and password"``).

    Callers catch it and raise an error that also says where to set the value.
    """

    def __init__(self, needs: str, fields: Sequence[str]) -> None:
        super().__init__(needs)
        self.needs = needs
        self.fields = tuple(fields)


def env_token(name: str) -> str:
    """``pets-api`` → ``PETS_API``: how source and scheme names appear in variable names."""
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper()


def env_names(source_name: str | None, scheme_name: str, field_name: str) -> list[str]:
    """The variables read for ``field_name`` of a scheme, most specific first."""
    suffix = FIELD_ENV.get(field_name, env_token(field_name))
    names = []
    if source_name:
        names.append(f"{ENV_PREFIX}_{env_token(source_name)}_{env_token(scheme_name)}_{suffix}")
    names.append(f"{ENV_PREFIX}_{env_token(scheme_name)}_{suffix}")
    return names


class SecurityEnvironment:
    """The run's credentials for OpenAPI security schemes, and its OAuth2 token cache.

    Made once per run (or shared by many runs) and passed to :func:`endpoint_for`. ``missing``
    decides what an unsatisfiable operation does: ``"error"`` raises
    :class:`SecurityUnsatisfied` when the endpoint is made; ``"skip"`` sends the request without
    auth and reports why in ``Endpoint.auth_problem`` (for mock servers that check nothing).
    """

    def __init__(
        self,
        credentials: Mapping[str, Mapping[str, Any]] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        clock: Clock = time.monotonic,
        refresh_margin: float = 30.0,
        missing: Literal["error", "skip"] = "error",
        oauth2_client_auth: Literal["basic", "body"] = "basic",
    ) -> None:
        self._credentials = dict(credentials or {})
        self._environ = os.environ if environ is None else environ
        self.tokens = TokenCache(clock, refresh_margin=refresh_margin)
        self.missing = missing
        self.oauth2_client_auth = oauth2_client_auth

    def __repr__(self) -> str:
        return f"SecurityEnvironment(schemes={sorted(self._credentials)!r}, missing={self.missing!r})"

    def values_for(self, source_name: str | None, scheme_name: str) -> dict[str, str]:
        """Every credential field known for a scheme (explicit mapping first, then environment)."""
        values: dict[str, str] = {}
        for key in ([f"{source_name}.{scheme_name}"] if source_name else []) + [scheme_name]:
            given = self._credentials.get(key)
            if isinstance(given, Mapping):
                for name, value in given.items():
                    if value is not None and name not in values:
                        values[name] = credential_text(value)
        for field_name in FIELD_ENV:
            if field_name in values:
                continue
            for variable in env_names(source_name, scheme_name, field_name):
                if self._environ.get(variable):
                    values[field_name] = self._environ[variable]
                    break
        return values


def credential_text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(map(str, value))
    return value if isinstance(value, str) else str(value)


# -- what the description says ----------------------------------------------------------------


def security_requirements(source: OpenApiSource, operation: Operation) -> list[Requirement] | None:
    """The requirements in effect: the operation's ``security``, else the document's, else ``None``."""
    security = operation.data["security"] if "security" in operation.data else source.data.get("security")
    if security is None:
        return None
    return [r for r in security if isinstance(r, Mapping)]


def is_sigv4(scheme: Mapping[str, Any]) -> bool:
    authtype = scheme.get("x-amazon-apigateway-authtype")
    return isinstance(authtype, str) and authtype.lower() == "awssigv4"


# -- one scheme → one auth --------------------------------------------------------------------


@dataclass(frozen=True)
class SchemeContext:
    """What building a scheme's auth needs besides its values."""

    base_url: str
    origins: frozenset[Origin]
    tokens: TokenCache
    source: OpenApiSource | None = None
    operation: Operation | None = None
    aws: AwsEnvironment | None = None
    oauth2_client_auth: str = "basic"


def scheme_auth(
    scheme_name: str, scheme: Mapping[str, Any], values: Mapping[str, str], context: SchemeContext
) -> httpx.Auth:
    """The auth for one scheme; raises :class:`MissingCredential` (what it still needs) or
    :class:`CredentialsError` (a scheme we cannot send)."""
    kind = str(scheme.get("type", "")).strip()
    origins = context.origins
    if is_sigv4(scheme):
        aws = context.aws or AwsEnvironment()
        signing = aws_signing(context.source, context.operation) if context.source is not None else None
        if signing is None:
            return sigv4_auth_for(aws, None, context.base_url)
        return sigv4_auth_for(
            aws, signing.signing_name, context.base_url, signature_version=signing.signature_version
        )
    if kind == "apiKey":
        name, location = scheme.get("name"), scheme.get("in")
        if not isinstance(name, str) or location not in ("header", "query", "cookie"):
            raise CredentialsError(f"security scheme {scheme_name!r}: an apiKey scheme needs 'name' and 'in'")
        return ApiKeyAuth(name, location, _need(values, "apiKey"), origins=origins)
    if kind == "http":
        http_scheme = str(scheme.get("scheme", "")).strip()
        lowered = http_scheme.lower()
        if lowered in ("basic", "digest"):
            if "username" not in values or "password" not in values:
                raise MissingCredential("username and password", ("username", "password"))
            inner_cls = httpx.BasicAuth if lowered == "basic" else httpx.DigestAuth
            inner = inner_cls(values["username"], values["password"])
            return ScopedAuth(inner, origins=origins, label=f"http {lowered}")
        token = values.get("token") or values.get("accessToken")
        if not token:
            raise MissingCredential("token", ("token",))
        return HeaderAuth(token, scheme="Bearer" if lowered == "bearer" else http_scheme, origins=origins)
    if kind == "oauth2":
        if values.get("accessToken"):
            return HeaderAuth(values["accessToken"], origins=origins)
        flows = scheme.get("flows") or {}
        flow = flows.get("clientCredentials") if isinstance(flows, Mapping) else None
        if not isinstance(flow, Mapping) or not flow.get("tokenUrl"):
            raise MissingCredential(
                "accessToken (only the clientCredentials flow can fetch a token itself)", ("accessToken",)
            )
        if "clientId" not in values or "clientSecret" not in values:
            raise MissingCredential(
                "clientId and clientSecret (or accessToken)", ("clientId", "clientSecret", "accessToken")
            )
        scopes = values["scopes"].split() if values.get("scopes") else _required_scopes(context, scheme_name)
        token_url = str(httpx.URL(context.base_url + "/").join(str(flow["tokenUrl"])))
        return ClientCredentialsAuth(
            scheme_name,
            token_url,
            values["clientId"],
            values["clientSecret"],
            scopes=scopes,
            cache=context.tokens,
            origins=origins,
            client_auth=context.oauth2_client_auth,
        )
    if kind == "openIdConnect":
        return HeaderAuth(_need(values, "accessToken"), origins=origins)
    if kind == "mutualTLS":
        raise CredentialsError(
            f"security scheme {scheme_name!r} is mutualTLS: configure the client certificate on the HTTP client"
        )
    raise CredentialsError(f"security scheme {scheme_name!r} has an unknown type {kind!r}")


def _need(values: Mapping[str, str], name: str) -> str:
    value = values.get(name)
    if not value:
        raise MissingCredential(name, (name,))
    return value


def _required_scopes(context: SchemeContext, scheme_name: str) -> list[str]:
    """The scopes the operation's requirement lists for the scheme (what the token must carry)."""
    if context.source is None or context.operation is None:
        return []
    for requirement in security_requirements(context.source, context.operation) or []:
        scopes = requirement.get(scheme_name)
        if scopes:
            return [str(s) for s in scopes]
    return []


def hint_for(source_name: str | None, scheme_name: str, missing: MissingCredential) -> str:
    """``set ARAZZO_X_API_KEY (or credentials["X"]["apiKey"])``: what to do, never a value."""
    needs, fields = missing.needs, missing.fields
    variables = ", ".join(env_names(source_name, scheme_name, f)[-1] for f in fields)
    keys = ", ".join(f'credentials["{scheme_name}"]["{f}"]' for f in fields)
    return f"needs {needs}: set {variables} (or {keys})"


# -- an operation → its auth ------------------------------------------------------------------


@dataclass(frozen=True)
class SecurityResolution:
    """The auth chosen for an operation and why (for events and ``--dry-run``)."""

    auth: httpx.Auth | None
    #: The scheme names of the alternative used (empty: no auth).
    schemes: tuple[str, ...] = ()
    #: Why no alternative could be satisfied (only with ``missing="skip"``).
    problem: str | None = None


def resolve_security(
    source: OpenApiSource,
    operation: Operation,
    *,
    base_url: str,
    security: SecurityEnvironment,
    aws: AwsEnvironment | None = None,
) -> SecurityResolution:
    """Pick the first satisfiable alternative of ``operation``'s requirements and build its auth."""
    requirements = security_requirements(source, operation)
    if not requirements:
        return SecurityResolution(None)
    schemes = security_schemes(source)
    context = SchemeContext(
        base_url=base_url,
        origins=frozenset({origin_of(base_url)}),
        tokens=security.tokens,
        source=source,
        operation=operation,
        aws=aws,
        oauth2_client_auth=security.oauth2_client_auth,
    )
    problems: list[str] = []
    for requirement in requirements:
        auths: list[httpx.Auth] = []
        failed: list[str] = []
        for scheme_name in requirement:
            scheme = schemes.get(scheme_name)
            if scheme is None:
                failed.append(f"{scheme_name!r} is not in components.securitySchemes")
                continue
            try:
                values = security.values_for(source.name, scheme_name)
                auths.append(scheme_auth(scheme_name, scheme, values, context))
            except MissingCredential as missing:
                failed.append(f"{scheme_name!r} {hint_for(source.name, scheme_name, missing)}")
            except CredentialsError as exc:
                failed.append(str(exc))
        if not failed:
            return SecurityResolution(combine(auths), tuple(requirement))
        problems.append(" and ".join(failed))
    message = f"{operation.summary} of source {source.name!r} cannot be authenticated: " + "; or ".join(
        problems
    )
    if security.missing == "skip":
        return SecurityResolution(None, problem=message)
    raise SecurityUnsatisfied(message)


def auth_for_operation(
    source: OpenApiSource,
    operation: Operation,
    *,
    base_url: str,
    security: SecurityEnvironment,
    aws: AwsEnvironment | None = None,
) -> httpx.Auth | None:
    """The ``httpx.Auth`` for ``operation`` (``None``: no security applies)."""
    return resolve_security(source, operation, base_url=base_url, security=security, aws=aws).auth
