"""The HTTP layer: OpenAPI operation + evaluated step values → signed request → parsed answer.

Modules, one job each: :mod:`.servers` (base URL), :mod:`.serialize` (parameter styles),
:mod:`.bodies` (request bodies and replacements), :mod:`.request` (the ``httpx.Request``),
:mod:`.responses` (parsing by media type), :mod:`.errors` (typed errors, API error codes),
:mod:`.aws` (SigV4 declaration, botocore environment), :mod:`.sigv4` (the ``httpx.Auth``),
:mod:`.retries` (transport retry policy), :mod:`.transport` (sync/async send loops),
:mod:`.endpoint` (per-source wiring), :mod:`.redact` (secrets out of output).
"""

from __future__ import annotations

from .aws import AwsEnvironment, AwsSigning, aws_signing
from .bodies import Replacement, RequestBody, apply_replacements, encode_body
from .endpoint import Endpoint, endpoint_for
from .errors import (
    ApiError,
    CredentialsError,
    ErrorInfo,
    HttpError,
    RequestBuildError,
    TransportFailure,
    error_info,
)
from .redact import redacted_headers
from .request import StepParameter, build_request, parameter_definitions
from .responses import ParsedResponse, parse_response
from .retries import RetryDecision, RetryPolicy
from .servers import resolve_base_url
from .sigv4 import SigV4Auth, sigv4_auth_for
from .transport import SendResult, TransportRetry, send_with_retries, send_with_retries_async

__all__ = [
    "ApiError",
    "AwsEnvironment",
    "AwsSigning",
    "CredentialsError",
    "Endpoint",
    "ErrorInfo",
    "HttpError",
    "ParsedResponse",
    "Replacement",
    "RequestBody",
    "RequestBuildError",
    "RetryDecision",
    "RetryPolicy",
    "SendResult",
    "SigV4Auth",
    "StepParameter",
    "TransportFailure",
    "TransportRetry",
    "apply_replacements",
    "aws_signing",
    "build_request",
    "encode_body",
    "endpoint_for",
    "error_info",
    "parameter_definitions",
    "parse_response",
    "redacted_headers",
    "resolve_base_url",
    "send_with_retries",
    "send_with_retries_async",
    "sigv4_auth_for",
]
