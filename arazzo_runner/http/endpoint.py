"""Per source and run: where requests go, how they are signed, how they are retried.

This is the one place that combines :mod:`.servers`, :mod:`.aws`, :mod:`.sigv4`,
:mod:`.security`, :mod:`.x_security` and :mod:`.retries`, so the engine asks a single object per
step instead of re-deciding policy.

Auth, first match wins: SigV4 when the source declares it (:func:`.aws.aws_signing`); else SigV4
when the operation's declared server is an AWS endpoint (:mod:`.aws_recognition`; replaces the
declared schemes; off with ``aws_recognition=False`` or a source's ``x-arazzo-aws: false``); else the
step's (and workflow's) Redocly ``x-security`` entries when given; else the operation's OpenAPI
security requirements, when the run passes a :class:`SecurityEnvironment` (without one, no
OpenAPI scheme is applied: the behaviour before security schemes were supported).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..sources.openapi import OpenApiSource, Operation
from .aws import AwsEnvironment, aws_signing
from .aws_recognition import RecognisedAws, recognise
from .retries import RetryPolicy
from .security import SecretNames, SecurityEnvironment, resolve_security, secret_names
from .servers import resolve_base_url
from .sigv4 import sigv4_auth_for
from .x_security import auth_from_x_security


@dataclass(frozen=True)
class Endpoint:
    """Everything needed to send one operation's requests."""

    base_url: str
    auth: httpx.Auth | None
    retry_policy: RetryPolicy
    is_aws: bool
    #: Why the operation's security could not be satisfied (only with ``missing="skip"``).
    auth_problem: str | None = None
    #: apiKey header / query / cookie names of the source, for :mod:`.redact`.
    secret_names: SecretNames = field(default_factory=SecretNames)
    #: The AWS service the source was recognised as (its host), for the wire protocol.
    aws: RecognisedAws | None = None


def endpoint_for(
    source: OpenApiSource,
    operation: Operation,
    *,
    aws: AwsEnvironment | None = None,
    server_override: str | None = None,
    server_variables: Mapping[str, str] | None = None,
    transport_retries: bool = False,
    max_attempts: int | None = None,
    security: SecurityEnvironment | None = None,
    x_security: Sequence[Mapping[str, Any]] | None = None,
    aws_recognition: bool = True,
) -> Endpoint:
    """The endpoint of ``operation``: SigV4 and botocore-style retries only when the source declares SigV4.

    ``aws`` is the run's shared :class:`AwsEnvironment` (made here if a SigV4 source needs one
    and none was given). ``transport_retries`` opts a non-AWS source in to HTTP retries.
    ``security`` is the run's :class:`SecurityEnvironment` (credentials, OAuth2 token cache);
    ``x_security`` the workflow's then the step's ``x-security`` entries, values evaluated.
    Raises :class:`.security.SecurityUnsatisfied` when no alternative of the operation's
    security can be satisfied (unless ``security.missing == "skip"``).
    """
    signing = aws_signing(source, operation)
    if signing is None and aws_recognition:
        environment = aws or AwsEnvironment()
        recognised = recognise(
            source, operation, variables=server_variables, region=lambda: environment.region
        )
        if recognised is not None:
            return _recognised_endpoint(
                source, operation, recognised, environment, server_override, server_variables, max_attempts
            )
    if signing is None:
        base_url = resolve_base_url(source, operation, override=server_override, variables=server_variables)
        if transport_retries:
            policy = RetryPolicy.http_standard(max_attempts or 3)
        else:
            policy = RetryPolicy.connection_only(max_attempts or 3)
        names = secret_names(source)
        if x_security:
            tokens = (security or SecurityEnvironment()).tokens
            client_auth = security.oauth2_client_auth if security else "basic"
            auth = auth_from_x_security(
                x_security,
                source,
                base_url=base_url,
                tokens=tokens,
                operation=operation,
                oauth2_client_auth=client_auth,
            )
            return Endpoint(base_url, auth, policy, is_aws=False, secret_names=names)
        if security is None:
            return Endpoint(base_url, None, policy, is_aws=False, secret_names=names)
        resolution = resolve_security(source, operation, base_url=base_url, security=security, aws=aws)
        return Endpoint(
            base_url,
            resolution.auth,
            policy,
            is_aws=False,
            auth_problem=resolution.problem,
            secret_names=names,
        )
    aws = aws or AwsEnvironment()
    base_url = _aws_base_url(source, operation, aws, signing.client_name, server_override, server_variables)
    auth = sigv4_auth_for(aws, signing.signing_name, base_url, signature_version=signing.signature_version)
    return Endpoint(base_url, auth, RetryPolicy.aws_standard(max_attempts), is_aws=True)


def _aws_base_url(
    source: OpenApiSource,
    operation: Operation,
    aws: AwsEnvironment,
    client_name: str | None,
    server_override: str | None,
    server_variables: Mapping[str, str] | None,
) -> str:
    """An AWS source's base URL: ``--server`` if given, else the environment's endpoint for the
    service (``AWS_ENDPOINT_URL_*``, a local emulator), else the source's server in the region."""
    return resolve_base_url(
        source,
        operation,
        override=server_override,
        variables=server_variables,
        aws_endpoint=None if server_override else aws.endpoint_url(client_name),
        aws_region=aws.region,
    )


def _recognised_endpoint(
    source: OpenApiSource,
    operation: Operation,
    recognised: RecognisedAws,
    aws: AwsEnvironment,
    server_override: str | None,
    server_variables: Mapping[str, str] | None,
    max_attempts: int | None,
) -> Endpoint:
    """SigV4 for a source recognised as AWS: the service model's signing name and signature
    version, the declared host's region (an explicit ``--region`` wins), wherever requests go."""
    service = recognised.service
    base_url = _aws_base_url(source, operation, aws, service.name, server_override, server_variables)
    auth = sigv4_auth_for(
        aws,
        service.signing_name,
        base_url,
        region=aws.explicit_region or recognised.region,
        signature_version=service.signature_version,
    )
    return Endpoint(base_url, auth, RetryPolicy.aws_standard(max_attempts), is_aws=True, aws=recognised)
