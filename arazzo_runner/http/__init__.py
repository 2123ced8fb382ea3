"""The HTTP layer: OpenAPI operation + evaluated step values → signed request → parsed answer.

Modules, one job each (``tests/unit/http/test_module_map.py`` holds this list to the folder):

Building the request
    :mod:`.servers` (base URL), :mod:`.serialize` (parameter styles), :mod:`.querystring` (the
    query string as written), :mod:`.bodies` (request bodies and replacements),
    :mod:`.replacement_targets` (where a replacement points: JSON Pointer, JSONPath, XPath),
    :mod:`.request` (the ``httpx.Request``), :mod:`.endpoint` (per-source wiring),
    :mod:`.xml_objects` (the generic XML ⇄ object mapping), :mod:`.aws_wire` (AWS steps through
    botocore's serialisers and parsers, every protocol).
Auth
    :mod:`.security` (OpenAPI security requirements → auth, credential lookup), :mod:`.auths`
    (apiKey / http / chained ``httpx.Auth``), :mod:`.oauth2` (client credentials, token cache),
    :mod:`.x_security` (Redocly's ``x-security``), :mod:`.aws` (SigV4 declaration, botocore
    environment), :mod:`.aws_recognition` (AWS sources recognised from their server's host),
    :mod:`.sigv4` (the ``httpx.Auth``).
Sending
    :mod:`.retry_loop` (the retry-and-limits loop, sync and asyncio: bounded answers, transport
    retries), :mod:`.retries` (the retry policy it follows), :mod:`.client_send` (one request
    through a client's transport without ``Client.send``'s per-request machinery),
    :mod:`.clients` (the clients a run makes: timeouts, certificates, mounts),
    :mod:`.lean_transport` (an HTTP/1.1 keep-alive transport for asyncio fleets: its pool),
    :mod:`.lean_connection` (its connections' socket side, shared by both framings),
    :mod:`.lean_httptools` (its default framing: httptools parses answers, the request head is
    written directly), :mod:`.lean_h11` (its first framing, by h11, kept selectable),
    :mod:`.network_policy` (which destinations a run may reach), :mod:`.httpx_internals` (the one
    module that touches httpx's and httpcore's private internals).
The answer
    :mod:`.responses` (parsing by media type), :mod:`.errors` (typed errors, API error codes),
    :mod:`.validation` (openapi-core checks), :mod:`.redact` (secrets out of output).
"""

from __future__ import annotations

from ..retry_after import TransportRetry
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
from .retry_loop import SendResult, send_with_retries, send_with_retries_async
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
