"""The HTTP layer: OpenAPI operation + evaluated step values → signed request → parsed answer.

Modules, one job each: :mod:`.servers` (base URL), :mod:`.serialize` (parameter styles),
:mod:`.bodies` (request bodies and replacements), :mod:`.request` (the ``httpx.Request``),
:mod:`.responses` (parsing by media type), :mod:`.errors` (typed errors, API error codes),
:mod:`.aws` (SigV4 declaration, botocore environment), :mod:`.sigv4` (the ``httpx.Auth``),
:mod:`.retries` (transport retry policy), :mod:`.transport` (sync/async send loops),
:mod:`.endpoint` (per-source wiring), :mod:`.redact` (secrets out of output),
:mod:`.security` (OpenAPI security requirements → auth, credential lookup), :mod:`.auths`
(apiKey / http / chained ``httpx.Auth``), :mod:`.oauth2` (client credentials, token cache),
:mod:`.x_security` (Redocly's ``x-security``), :mod:`.validation` (openapi-core checks).
"""

from __future__ import annotations

from .auths import ApiKeyAuth, ChainAuth, HeaderAuth, ScopedAuth
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
from .network_policy import NetworkPolicy, NetworkPolicyError
from .oauth2 import ClientCredentialsAuth, TokenCache
from .redact import redacted_headers, redacted_url
from .request import StepParameter, build_request, parameter_definitions
from .responses import ParsedResponse, parse_response
from .retries import RetryDecision, RetryPolicy
from .security import (
    SecretNames,
    SecurityEnvironment,
    SecurityResolution,
    SecurityUnsatisfied,
    auth_for_operation,
    resolve_security,
    secret_names,
    security_requirements,
)
from .servers import resolve_base_url
from .sigv4 import SigV4Auth, sigv4_auth_for
from .transport import SendResult, TransportRetry, send_with_retries, send_with_retries_async
from .validation import Violation, validate_exchange, validate_request, validate_response
from .x_security import XSecurityError, auth_from_x_security

__all__ = [
    "ApiError",
    "ApiKeyAuth",
    "AwsEnvironment",
    "AwsSigning",
    "ChainAuth",
    "ClientCredentialsAuth",
    "CredentialsError",
    "Endpoint",
    "ErrorInfo",
    "HeaderAuth",
    "HttpError",
    "NetworkPolicy",
    "NetworkPolicyError",
    "ParsedResponse",
    "Replacement",
    "RequestBody",
    "RequestBuildError",
    "RetryDecision",
    "RetryPolicy",
    "ScopedAuth",
    "SecretNames",
    "SecurityEnvironment",
    "SecurityResolution",
    "SecurityUnsatisfied",
    "SendResult",
    "SigV4Auth",
    "StepParameter",
    "TokenCache",
    "TransportFailure",
    "TransportRetry",
    "Violation",
    "XSecurityError",
    "apply_replacements",
    "auth_for_operation",
    "auth_from_x_security",
    "aws_signing",
    "build_request",
    "encode_body",
    "endpoint_for",
    "error_info",
    "parameter_definitions",
    "parse_response",
    "redacted_headers",
    "redacted_url",
    "resolve_base_url",
    "resolve_security",
    "secret_names",
    "security_requirements",
    "send_with_retries",
    "send_with_retries_async",
    "sigv4_auth_for",
    "validate_exchange",
    "validate_request",
    "validate_response",
]
