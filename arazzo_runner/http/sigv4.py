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
_STALE = frozenset({"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"})
#: Headers botocore's ``add_auth`` adds, copied onto the request sent. It also rewrites a ``Date``
#: header (to the signing time) and signs the rewrite, so that is copied too when it changed.
_ADDED_BY_BOTOCORE = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256")


@lru_cache(maxsize=64)
def _signing_key(secret_key: str, datestamp: str, region: str, service: str) -> bytes:
    """SigV4's derived key (four HMACs), the same for every request of a day, region and service."""
    key = hmac.new(f"AWS4{secret_key}".encode(), datestamp.encode(), hashlib.sha256).digest()
    for part in (region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _caching_signer_class(base: str = "v4") -> type:
    """botocore's ``SigV4Auth`` with its per-request recomputations cached (built on first use, so
    importing this module does not import botocore). Each override returns exactly what botocore's
    method returns (a property test compares whole signed requests with botocore's own signer):

    * ``signature``: the derived key is cached per secret, day, region and service (botocore derives
      it anew for every request);
    * ``payload``: the SHA-256 of the body bytes we hand over, without botocore preparing a whole
      request to read its body back;
    * ``headers_to_sign``: computed once per signature (botocore computes it twice), and for a
      :class:`SigningRequest` as a :class:`SignedHeaders` (botocore's rule, botocore's blacklist)
      instead of an ``email.message``-based ``HTTPHeaders``, which costs about half a signature.
    """
    from botocore.auth import S3SigV4Auth
    from botocore.auth import SigV4Auth as BotocoreSigV4Auth

    parent = S3SigV4Auth if base == "s3v4" else BotocoreSigV4Auth

    class CachingSigV4Signer(parent):  # type: ignore[valid-type,misc]
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
                if isinstance(request, SigningRequest):
                    cached = SignedHeaders.of(request)
                else:
                    cached = super().headers_to_sign(request)
                request.context["arazzo_headers_to_sign"] = cached
            return cached

    return CachingSigV4Signer


class SigningHeaders(dict[str, str]):
    """A request's headers as botocore's signer reads and writes them: names case-insensitive (kept
    lower-case), one value per name (httpx's ``Headers.items()`` already joins repeats with ", ",
    as the ``AWSRequest`` built from it did). botocore deletes each header it sets before setting
    it, so replacing a value here is what appending after the delete was in ``HTTPHeaders``."""

    __slots__ = ()

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and dict.__contains__(self, name.lower())

    def __getitem__(self, name: str) -> str:
        return dict.__getitem__(self, name.lower())

    def __setitem__(self, name: str, value: str) -> None:
        dict.__setitem__(self, name.lower(), value)

    def __delitem__(self, name: str) -> None:
        dict.__delitem__(self, name.lower())

    def get(self, name: str, default: Any = None) -> Any:
        return dict.get(self, name.lower(), default)


class SignedHeaders(dict[str, str]):
    """botocore's ``headers_to_sign`` result for a :class:`SigningRequest`: the same names and values
    (lower-cased, botocore's ``SIGNED_HEADERS_BLACKLIST`` left out, ``host`` from the URL when
    absent), read through the two things botocore uses, iteration and ``get_all``."""

    __slots__ = ()

    @classmethod
    def of(cls, request: SigningRequest) -> SignedHeaders:
        blacklist = _unsigned()
        found = cls((name, value) for name, value in request.headers.items() if name not in blacklist)
        if "host" not in found:
            from botocore.auth import _host_from_url

            found["host"] = _host_from_url(request.url)
        return found

    def get_all(self, name: str, failobj: Any = None) -> Any:
        value = dict.get(self, name.lower())
        return failobj if value is None else [value]


_UNSIGNED: frozenset[str] | None = None


def _unsigned() -> frozenset[str]:
    """botocore's ``SIGNED_HEADERS_BLACKLIST`` as a set (read on first use: botocore loads lazily)."""
    global _UNSIGNED
    if _UNSIGNED is None:
        from botocore.auth import SIGNED_HEADERS_BLACKLIST

        _UNSIGNED = frozenset(SIGNED_HEADERS_BLACKLIST)
    return _UNSIGNED


class SigningRequest:
    """The request botocore's ``SigV4Auth.add_auth`` signs, without ``AWSRequest``'s machinery.

    ``add_auth`` reads ``method``, ``url``, ``params``, ``headers``, ``context`` and the body
    (``data``/``body``), and writes headers; ``AWSRequest`` would also build an ``email.message``
    header map and a body preparer for each request. The signature is botocore's (a property test
    compares it byte for byte with botocore's plain ``SigV4Auth`` on an ``AWSRequest``).
    """

    __slots__ = ("auth_path", "context", "data", "headers", "method", "params", "stream_output", "url")

    def __init__(self, method: str, url: str, headers: SigningHeaders, data: bytes) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.data = data
        self.params: dict[str, Any] = {}
        self.context: dict[str, Any] = {}
        self.stream_output = False
        self.auth_path = None

    @property
    def body(self) -> bytes:
        return self.data


_SIGNER_CLASSES: dict[str, type] = {}


def caching_signer_class(signature_version: str = "v4") -> type:
    """The botocore signer :class:`SigV4Auth` signs with (see ``_caching_signer_class``):
    ``SigV4Auth``, or for ``s3v4`` botocore's ``S3SigV4Auth`` (S3's rules: ``X-Amz-Content-SHA256``
    on every request, the path signed as sent, not normalised)."""
    found = _SIGNER_CLASSES.get(signature_version)
    if found is None:
        found = _SIGNER_CLASSES[signature_version] = _caching_signer_class(signature_version)
    return found


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
        signature_version: str = "v4",
    ) -> None:
        self._environment = environment
        self._signature_version = signature_version
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
        host = request.url.host
        headers = request.headers
        current = SigningHeaders(headers.items())  # lower-case names, repeats joined by httpx
        if not _STALE.isdisjoint(current):  # a retry: the last attempt's signature goes
            for name in _STALE.intersection(current):
                del headers[name]
                del current[name]
        date = current.get("date")
        credentials = self._environment.frozen_credentials()
        signing = SigningRequest(request.method, str(request.url), current, request.content)
        signer = caching_signer_class(self._signature_version)(
            credentials, self.signing_name_for(host), self.region_for(host)
        )
        signer.add_auth(signing)
        for name in _ADDED_BY_BOTOCORE:
            value = current.get(name)
            if value is not None:
                headers[name] = value
        if date is not None and current["date"] != date:
            headers["Date"] = current["date"]

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._hosts is None or request.url.host.lower() in self._hosts:
            self.sign(request)
        yield request


def sigv4_auth_for(
    environment: AwsEnvironment,
    signing_name: str | None,
    base_url: str,
    *,
    region: str | None = None,
    signature_version: str = "v4",
) -> SigV4Auth:
    """A :class:`SigV4Auth` limited to the host of ``base_url`` (one per source and run)."""
    host = httpx.URL(base_url).host
    return SigV4Auth(
        environment,
        signing_name=signing_name,
        region=region,
        hosts=[host],
        signature_version=signature_version,
    )
