"""Per source and run: where requests go, how they are signed, how they are retried.

This is the one place that combines :mod:`.servers`, :mod:`.aws`, :mod:`.sigv4` and
:mod:`.retries`, so the engine asks a single object per step instead of re-deciding policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from ..sources.openapi import OpenApiSource, Operation
from .aws import AwsEnvironment, aws_signing
from .retries import RetryPolicy
from .servers import resolve_base_url
from .sigv4 import sigv4_auth_for


@dataclass(frozen=True)
class Endpoint:
    """Everything needed to send one operation's requests."""

    base_url: str
    auth: httpx.Auth | None
    retry_policy: RetryPolicy
    is_aws: bool


def endpoint_for(
    source: OpenApiSource,
    operation: Operation,
    *,
    aws: AwsEnvironment | None = None,
    server_override: str | None = None,
    server_variables: Mapping[str, str] | None = None,
    transport_retries: bool = False,
    max_attempts: int | None = None,
) -> Endpoint:
    """The endpoint of ``operation``: SigV4 and botocore-style retries only when the source declares SigV4.

    ``aws`` is the run's shared :class:`AwsEnvironment` (made here if a SigV4 source needs one
    and none was given). ``transport_retries`` opts a non-AWS source in to HTTP retries.
    """
    signing = aws_signing(source, operation)
    if signing is None:
        base_url = resolve_base_url(source, operation, override=server_override, variables=server_variables)
        if transport_retries:
            policy = RetryPolicy.http_standard(max_attempts or 3)
        else:
            policy = RetryPolicy.connection_only(max_attempts or 3)
        return Endpoint(base_url, None, policy, is_aws=False)
    aws = aws or AwsEnvironment()
    base_url = resolve_base_url(
        source,
        operation,
        override=server_override,
        variables=server_variables,
        aws_endpoint=None if server_override else aws.endpoint_url(signing.client_name),
        aws_region=aws.region,
    )
    auth = sigv4_auth_for(aws, signing.signing_name, base_url)
    return Endpoint(base_url, auth, RetryPolicy.aws_standard(max_attempts), is_aws=True)
