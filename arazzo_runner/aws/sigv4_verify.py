"""Check a received request's AWS Signature Version 4, the way AWS does, with botocore's signer.

Why recompute instead of trusting: the emulator exists to prove that the runner signs exactly
what it sends. The check rebuilds the request from what arrived on the wire (method, raw path
and query, the headers named in ``SignedHeaders`` with their received values, the body bytes),
signs it with botocore's ``SigV4Auth`` at the request's own ``X-Amz-Date`` using the secret the
emulator was configured with for that access key, and compares in constant time.

Failures come back as the codes AWS JSON services answer (all HTTP 403 here, as the issue asks):
``MissingAuthenticationTokenException``, ``IncompleteSignatureException``,
``UnrecognizedClientException`` (unknown key or wrong session token), ``InvalidSignatureException``
(expired), ``SignatureDoesNotMatch`` (wrong secret, wrong scope, body or header changed after
signing).
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
_AMZ_DATE = "%Y%m%dT%H%M%SZ"
_UNSIGNED = frozenset({"UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"})

MISMATCH_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret"
    " Access Key and signing method. Consult the service documentation for details."
)
INVALID_TOKEN_MESSAGE = "The security token included in the request is invalid."


@dataclass(frozen=True, slots=True)
class Credential:
    """A key the emulator accepts: its secret and, for temporary credentials, the session token."""

    secret_access_key: str
    session_token: str | None = None


@dataclass(frozen=True, slots=True)
class AuthFailure:
    """Why a request was refused: an AWS error code and message, and the HTTP status to send."""

    code: str
    message: str
    status: int = 403


def verify_sigv4(
    *,
    method: str,
    target: str,
    headers: Sequence[tuple[str, str]],
    body: bytes,
    credentials: Mapping[str, Credential],
    service: str,
    region: str | None = None,
    now: float | None = None,
    max_skew_seconds: float | None = 900.0,
) -> AuthFailure | None:
    """``None`` when the request is signed by a configured key, else the :class:`AuthFailure`.

    ``target`` is the request target exactly as received (``/`` or ``/path?query``); ``region``
    (when given) is the only region accepted in the credential scope; ``now`` is the wall clock
    the ``X-Amz-Date`` is checked against (``max_skew_seconds`` either way; ``None`` disables it).
    """
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    received: dict[str, list[str]] = {}
    for name, value in headers:
        received.setdefault(name.lower(), []).append(value)
    authorization = _one(received, "authorization")
    if authorization is None:
        return AuthFailure("MissingAuthenticationTokenException", "Missing Authentication Token")
    match = _AUTHORIZATION.match(authorization.strip())
    if match is None:
        return AuthFailure(
            "IncompleteSignatureException",
            "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' (AWS4-HMAC-SHA256).",
        )
    scope = match.group("credential").split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        return AuthFailure(
            "IncompleteSignatureException", f"Credential is malformed: {match.group('credential')}"
        )
    access_key, date, scope_region, scope_service, _ = scope
    credential = credentials.get(access_key)
    if credential is None:
        return AuthFailure("UnrecognizedClientException", INVALID_TOKEN_MESSAGE)
    if (
        credential.session_token is not None
        and _one(received, "x-amz-security-token") != credential.session_token
    ):
        return AuthFailure("UnrecognizedClientException", INVALID_TOKEN_MESSAGE)
    if scope_service != service:
        return AuthFailure(
            "SignatureDoesNotMatch", f"Credential should be scoped to correct service: '{service}'."
        )
    if region is not None and scope_region != region:
        return AuthFailure(
            "SignatureDoesNotMatch",
            f"Credential should be scoped to a valid region, not '{scope_region}'. Expected '{region}'.",
        )
    amz_date = _one(received, "x-amz-date")
    if amz_date is None or not amz_date.startswith(date):
        return AuthFailure(
            "IncompleteSignatureException", "X-Amz-Date is missing or does not match the scope date."
        )
    try:
        signed_at = calendar.timegm(time.strptime(amz_date, _AMZ_DATE))
    except ValueError:
        return AuthFailure(
            "IncompleteSignatureException", f"X-Amz-Date {amz_date!r} is not in the form {_AMZ_DATE}."
        )
    if max_skew_seconds is not None:
        current = time.time() if now is None else now
        if abs(current - signed_at) > max_skew_seconds:
            return AuthFailure(
                "InvalidSignatureException",
                f"Signature expired: {amz_date} is now earlier or later than the allowed {int(max_skew_seconds)}"
                " seconds around the server time.",
            )
    signed_names = match.group("signed").split(";")
    if "host" not in signed_names:
        return AuthFailure("SignatureDoesNotMatch", "'Host' must be a signed header.")
    missing = [name for name in signed_names if name not in received]
    if missing:
        return AuthFailure(
            "SignatureDoesNotMatch", f"Signed header(s) not present in the request: {', '.join(missing)}."
        )
    declared_hash = _one(received, "x-amz-content-sha256")
    if (
        declared_hash is not None
        and declared_hash not in _UNSIGNED
        and not hmac.compare_digest(declared_hash, hashlib.sha256(body).hexdigest())
    ):
        return AuthFailure(
            "SignatureDoesNotMatch", "The provided X-Amz-Content-SHA256 does not match the body."
        )
    request = AWSRequest(
        method=method,
        url=f"http://{received['host'][0]}{target}",
        headers={name: ",".join(v.strip() for v in received[name]) for name in signed_names},
        data=body,
    )
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(
        Credentials(access_key, credential.secret_access_key, credential.session_token),
        scope_service,
        scope_region,
    )
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, match.group("signature")):
        return AuthFailure("SignatureDoesNotMatch", MISMATCH_MESSAGE)
    return None


def _one(headers: Mapping[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None
