"""AWS sources recognised from their server's host name, not from what they declare.

Descriptions written by people (the API Evangelist catalog, for one) put
``https://s3.{region}.amazonaws.com`` in ``servers`` and then declare an ``apiKey`` named
``Authorization``, an ``http bearer`` scheme, or nothing. None of that can be sent to AWS: every
AWS request is signed with SigV4. So when a source's declared server (the one ``--server`` may
replace) is an AWS endpoint by botocore's own endpoint data (:mod:`arazzo_runner.aws_model.endpoints`),
the source is signed with SigV4 under the service model's signing name, in the region of that
host, whatever it declares; its declared schemes are replaced (:func:`aws_source_note` says so,
for ``arazzo validate``). Sources that declare SigV4 themselves (``x-amazon-apigateway-authtype``,
``info.x-aws-signingName``: :func:`.aws.aws_signing`) keep that path, byte for byte.

Turned off per run (``RunEnvironment(aws_signing=False)``, ``arazzo run --no-aws-signing``) or per
source: ``x-arazzo-aws: false`` on the Arazzo ``sourceDescription``, or at the root or in
``info`` of the OpenAPI description.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ..aws_model.endpoints import AwsHost, AwsService, recognise_host, service_for_prefix
from ..sources.openapi import OpenApiSource, Operation
from .errors import RequestBuildError
from .servers import resolve_base_url

EXTENSION = "x-arazzo-aws"


@dataclass(frozen=True, slots=True)
class RecognisedAws:
    """An operation's declared server is this AWS service's endpoint."""

    host: AwsHost
    service: AwsService

    @property
    def region(self) -> str:
        return self.host.region


def recognition_allowed(source: OpenApiSource) -> bool:
    """``False`` when the source opts out with ``x-arazzo-aws: false``."""
    if source.aws_recognition is False:
        return False
    data = source.data
    info = data.get("info")
    for owner in (data, info if isinstance(info, Mapping) else {}):
        if owner.get(EXTENSION) is False:
            return False
    return True


def declared_host(
    source: OpenApiSource,
    operation: Operation | None,
    variables: Mapping[str, str] | None = None,
    region: str | None = None,
) -> str | None:
    """The host of the operation's declared server (variables filled), ``None`` if it has none."""
    try:
        url = resolve_base_url(source, operation, variables=variables, aws_region=region)
    except RequestBuildError:
        return None
    if "://" not in url:
        return None
    try:
        return httpx.URL(url).host or None
    except Exception:  # an unparsable server URL is reported when a request is built
        return None


def recognise(
    source: OpenApiSource,
    operation: Operation | None,
    *,
    variables: Mapping[str, str] | None = None,
    region: Any = None,
) -> RecognisedAws | None:
    """The AWS service behind the operation's declared server, or ``None``.

    ``region`` is the run's region (or a callable returning it, asked only for AWS hosts): it
    fills a ``{region}`` server variable the way it does for declared AWS sources.
    """
    if not recognition_allowed(source):
        return None
    host = declared_host(source, operation, variables)
    found = recognise_host(host)
    if found is None:
        return None
    run_region = region() if callable(region) else region
    if run_region:
        with_region = declared_host(source, operation, variables, run_region)
        found = recognise_host(with_region) or found
    service = service_for_prefix(found.prefix)
    if service is None:
        return None
    return RecognisedAws(found, service)


_AUTHORIZATION_KINDS = ("http", "oauth2", "openIdConnect")


def replaced_schemes(source: OpenApiSource) -> list[str]:
    """The declared security schemes SigV4 replaces, described (``'sigv4' (apiKey Authorization)``)."""
    components = source.data.get("components")
    schemes = components.get("securitySchemes") if isinstance(components, Mapping) else None
    if not isinstance(schemes, Mapping):
        return []
    described = []
    for name, scheme in schemes.items():
        if not isinstance(scheme, Mapping) or "$ref" in scheme:
            described.append(repr(name))
            continue
        kind = str(scheme.get("type", ""))
        detail = kind
        if kind == "apiKey":
            detail = f"apiKey {scheme.get('name')} in {scheme.get('in')}"
        elif kind == "http":
            detail = f"http {scheme.get('scheme')}"
        described.append(f"{name!r} ({detail})")
    return described


def aws_source_note(source: OpenApiSource, *, signing: bool = True) -> str | None:
    """One line saying a source is recognised as AWS and signed with SigV4 (``None`` otherwise)."""
    from .aws import aws_signing

    if not signing or aws_signing(source) is not None:
        return None
    found = recognise(source, None)
    if found is None:
        return None
    service = found.service
    replaced = replaced_schemes(source)
    line = (
        f"source {source.name!r}: {found.host.host} is AWS {service.name} ({service.protocol});"
        f" requests are signed with SigV4 as {service.signing_name!r} in {found.region}"
    )
    if replaced:
        line += f", replacing its declared security scheme{'s' if len(replaced) > 1 else ''} " + ", ".join(
            replaced
        )
    return line + " (x-arazzo-aws: false or --no-aws-signing turns this off)"
