"""Redocly's ``x-security`` step and workflow extension, for documents written for Respect.

Respect lets a step (or a whole workflow) say which credentials to send, instead of reading
them from the environment::

    x-security:
      - schemeName: OAuth2            # a scheme of the step's source, by name
        values: {accessToken: $inputs.token}
      - scheme: {type: apiKey, in: header, name: X-API-KEY}   # or an inline Security Scheme Object
        values: {apiKey: $inputs.key}

Value names (as Respect's tests use them): ``apiKey``; ``username`` and ``password`` (http
basic); ``token`` (http bearer); ``accessToken`` (oauth2, openIdConnect: sent as a bearer
token); ``clientId`` and ``clientSecret`` (oauth2 ``clientCredentials``: the token is fetched,
an extension of ours; Respect only sends a given ``accessToken``).

Semantics, as Respect's e2e tests pin them down (``x-security-scheme-apply-order``,
``x-security-on-workflow-level-merged-to-steps``):

* the workflow's entries come first, then the step's; entries apply in order and a later one
  wins where two set the same header, query parameter or cookie (cookies of other names are
  kept side by side);
* the result replaces a step parameter of the same name (``Authorization`` included);
* an entry's ``values`` are already evaluated by the engine (runtime expressions resolved).

Like every auth here, it is sent only to the source's own origin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from ..sources.openapi import OpenApiSource, Operation
from .auths import combine, origin_of
from .aws import AwsEnvironment
from .errors import CredentialsError
from .oauth2 import TokenCache
from .security import MissingCredential, SchemeContext, credential_text, scheme_auth, security_schemes


class XSecurityError(CredentialsError):
    """An ``x-security`` entry that cannot be applied (unknown scheme name, missing value)."""


def auth_from_x_security(
    entries: Iterable[Mapping[str, Any]],
    source: OpenApiSource,
    *,
    base_url: str,
    tokens: TokenCache,
    operation: Operation | None = None,
    aws: AwsEnvironment | None = None,
    oauth2_client_auth: str = "basic",
) -> httpx.Auth | None:
    """One auth applying every entry in order (workflow entries first, then the step's).

    ``tokens`` is the run's cache (``SecurityEnvironment.tokens``), so an OAuth2 token fetched
    for one step serves the next.
    """
    context = SchemeContext(
        base_url=base_url,
        origins=frozenset({origin_of(base_url)}),
        tokens=tokens,
        source=source,
        operation=operation,
        aws=aws,
        oauth2_client_auth=oauth2_client_auth,
    )
    named: dict[str, dict[str, Any]] | None = None
    auths: list[httpx.Auth] = []
    for index, entry in enumerate(entries):
        where = f"x-security[{index}]"
        if not isinstance(entry, Mapping):
            raise XSecurityError(f"{where} must be an object with 'schemeName' or 'scheme', and 'values'")
        scheme = entry.get("scheme")
        scheme_name = entry.get("schemeName")
        if isinstance(scheme_name, str):
            if named is None:
                named = security_schemes(source)
            if scheme_name not in named:
                known = ", ".join(sorted(named)) or "none"
                raise XSecurityError(
                    f"{where}: source {source.name!r} has no security scheme {scheme_name!r} (it has: {known})"
                )
            scheme = named[scheme_name]
            label = scheme_name
        elif isinstance(scheme, Mapping):
            label = f"{where} ({scheme.get('type', '?')})"
        else:
            raise XSecurityError(f"{where} needs 'schemeName' (a scheme of the source) or an inline 'scheme'")
        raw_values = entry.get("values") or {}
        if not isinstance(raw_values, Mapping):
            raise XSecurityError(f"{where}: 'values' must be an object")
        values = {str(k): credential_text(v) for k, v in raw_values.items() if v is not None}
        try:
            auths.append(scheme_auth(label, scheme, values, context))
        except MissingCredential as missing:
            raise XSecurityError(f"{where}: scheme {label!r} needs {missing.needs} in 'values'") from None
    return combine(auths)
