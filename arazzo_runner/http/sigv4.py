"""AWS Signature Version 4 as an ``httpx.Auth``, signed by botocore.

The flow runs each time httpx sends the request, so a retried request is signed again (fresh
``X-Amz-Date``, fresh credentials if botocore refreshed them). It signs what will be sent: the
method, the full URL (path and query exactly as encoded), every header httpx set (Host,
Content-Length, Content-Type, X-Amz-Target…; botocore leaves out the few it never signs, such as
User-Agent and Expect) and the body bytes.

Signing state:

* credentials come from :class:`AwsEnvironment` (botocore's chain, resolved once);
  ``get_frozen_credentials()`` is called per signature so refreshable credentials (SSO, roles,
  instance metadata) renew themselves before they expire, and key, secret and token always
  belong together;
* the region: the explicit override, else the region in the request's host, else the
  environment's (``AWS_REGION``, ``AWS_DEFAULT_REGION``, profile), else ``us-east-1``;
* the signing name: the source's (``info.x-aws-signingName``), else the service in the host.

Only hosts the auth was made for are signed (``hosts``); a request to any other host (for
instance after a redirect) goes out unsigned, so credentials never leak to another server.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Generator, Iterable
from functools import lru_cache
from typing import Any

import httpx

from .aws import DEFAULT_REGION, AwsEnvironment, region_from_host, service_from_host
from .errors import CredentialsError

#: Headers this auth sets; stale copies are removed before each signature.
_SIGNING_HEADERS = ("authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256")


@lru_cache(maxsize=64)
def _signing_key(secret_key: str, datestamp: str, region: str, service: str) -> bytes:
    """SigV4's derived key (four HMACs), the same for every request of a day, region and service."""
    key = hmac.new(f"AWS4{secret_key}".encode(), datestamp.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _caching_signer_class() -> type:
    """botocore's ``SigV4Auth`` with its per-request recomputations cached (built on first use, so
    importing this module does not import botocore). Each override returns exactly what botocore's
    method returns (a property test compares whole signed requests with botocore's own signer):

    * ``signature``: the derived key is cached per secret, day, region and service (botocore derives
      it anew for every request);
    * ``payload``: the SHA-256 of the body bytes we hand over, without botocore preparing a whole
      request to read its body back;
    * ``headers_to_sign``: computed once per signature (botocore computes it twice).
    """
    from botocore.auth import SigV4Auth as BotocoreSigV4Auth

    class CachingSigV4Signer(BotocoreSigV4Auth):  # type: ignore[misc]
        def signature(self, string_to_sign: str, request: Any) -> str:
            key = _signing_key(
                self.credentials.secret_key,
                request.context["timestamp"][0:8],
                self._region_name,
                self._service_name,
            )
            return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()

        def payload(self, request: Any) -> str:
            data = request.data
            if (
                isinstance(data, bytes)
                and not self._is_streaming_checksum_payload(request)
                and self._should_sha256_sign_payload(request)
            ):
                return hashlib.sha256(data).hexdigest()
            return str(super().payload(request))

        def headers_to_sign(self, request: Any) -> Any:
            cached = request.context.get("arazzo_headers_to_sign")
            if cached is None:
                cached = request.context["arazzo_headers_to_sign"] = super().headers_to_sign(request)
            return cached

    return CachingSigV4Signer


_SIGNER_CLASS: type | None = None


def caching_signer_class() -> type:
    """The botocore ``SigV4Auth`` subclass :class:`SigV4Auth` signs with (see ``_caching_signer_class``)."""
    global _SIGNER_CLASS
    if _SIGNER_CLASS is None:
        _SIGNER_CLASS = _caching_signer_class()
    return _SIGNER_CLASS


class SigV4Auth(httpx.Auth):
    """Sign requests with botocore's ``SigV4Auth`` (re-signed on every send)."""

    requires_request_body = True

    def __init__(
        self,
        environment: AwsEnvironment,
        *,
        signing_name: str | None = None,
        region: str | None = None,
        hosts: Iterable[str] | None = None,
    ) -> None:
        self._environment = environment
        self._signing_name = signing_name
        self._region = region
        self._hosts = frozenset(h.lower() for h in hosts) if hosts is not None else None

    def __repr__(self) -> str:
        return f"SigV4Auth(signing_name={self._signing_name!r}, region={self._region!r})"

    def region_for(self, host: str) -> str:
        return (
            self._region
            or self._environment.explicit_region
            or region_from_host(host)
            or self._environment.region
            or DEFAULT_REGION
        )

    def signing_name_for(self, host: str) -> str:
        name = self._signing_name or service_from_host(host)
        if not name:
            raise CredentialsError(
                f"cannot tell which AWS service {host!r} is (no info.x-aws-signingName in the source"
                " and the host is not an AWS host name); set info.x-aws-signingName"
            )
        return name

    def sign(self, request: httpx.Request) -> None:
        """Add ``Authorization``, ``X-Amz-Date`` (and ``X-Amz-Security-Token``) to ``request``."""
        from botocore.awsrequest import AWSRequest

        host = request.url.host
        headers = request.headers
        for name in _SIGNING_HEADERS:
            if name in headers:  # pop() on httpx headers raises and catches KeyError when absent
                del headers[name]
        credentials = self._environment.frozen_credentials()
        aws_request = AWSRequest(
            method=request.method,
            url=str(request.url),
            headers=dict(headers.items()),  # a plain dict: botocore copies it into HTTPHeaders
            data=request.content,
        )
        signer = caching_signer_class()(credentials, self.signing_name_for(host), self.region_for(host))
        signer.add_auth(aws_request)
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token"):
            value = aws_request.headers.get(name)
            if value is not None:
                request.headers[name] = value

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._hosts is None or request.url.host.lower() in self._hosts:
            self.sign(request)
        yield request


def sigv4_auth_for(
    environment: AwsEnvironment, signing_name: str | None, base_url: str, *, region: str | None = None
) -> SigV4Auth:
    """A :class:`SigV4Auth` limited to the host of ``base_url`` (one per source and run)."""
    host = httpx.URL(base_url).host
    return SigV4Auth(environment, signing_name=signing_name, region=region, hosts=[host])
