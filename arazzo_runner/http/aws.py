"""What an OpenAPI source says about AWS, and the AWS environment of a run (botocore's).

* :func:`aws_signing` decides whether an operation is signed with SigV4 and under which signing
  name: a security scheme with ``x-amazon-apigateway-authtype: awsSigv4`` in effect for the
  operation, or ``info.x-aws-signingName`` on a source whose operation does not opt out with
  ``security: []``. The signing name comes from ``info.x-aws-signingName``, else from the host.
* :class:`AwsEnvironment` is made once per run (a botocore ``Session`` costs ~4 ms; credentials
  are resolved once and refreshed by botocore when they expire). It answers the region, the
  credentials and the configured endpoint URL exactly as boto3 would, by asking botocore.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ..sources.openapi import OpenApiSource, Operation
from .errors import CredentialsError

#: ``service.region.amazonaws.com``, ``api.service.region.amazonaws.com``, ``.amazonaws.com.cn``.
_AWS_HOST = re.compile(
    r"^(?:api\.)?(?P<service>[a-z0-9-]+)(?:\.fips)?\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$"
)
_GLOBAL_HOST = re.compile(r"^(?P<service>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$")

SIGV4_AUTHTYPE = "awssigv4"
DEFAULT_REGION = "us-east-1"

_MISSING_CREDENTIALS = (
    "no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for"
    " temporary credentials), or AWS_PROFILE to a profile in ~/.aws/credentials or ~/.aws/config"
    " (run `aws sso login --profile NAME` for SSO profiles), or run where an instance or container role is"
    " available"
)


@dataclass(frozen=True, slots=True)
class AwsSigning:
    """How to sign an operation's requests: the SigV4 signing name (``sagemaker``) and signer."""

    signing_name: str | None
    #: botocore's client name, for ``AWS_ENDPOINT_URL_<SERVICE>`` (usually the signing name).
    client_name: str | None
    #: ``s3v4`` (botocore's ``S3SigV4Auth``: S3's payload-hash header) when ``info.x-aws-signatureVersion``
    #: says ``s3`` or ``s3v4``, as ``arazzo aws-openapi s3`` writes it; ``v4`` otherwise.
    signature_version: str = "v4"


def aws_signing(source: OpenApiSource, operation: Operation | None = None) -> AwsSigning | None:
    """SigV4 settings for an operation of ``source``, or ``None`` when it is not signed."""
    data = source.data
    info = data.get("info") or {}
    signing_name = info.get("x-aws-signingName") if isinstance(info, Mapping) else None
    schemes = _components(data).get("securitySchemes") or {}
    security = data.get("security")
    if operation is not None and "security" in operation.data:
        security = operation.data.get("security")
    required = {
        name for requirement in security or () if isinstance(requirement, Mapping) for name in requirement
    }
    declared = any(_is_sigv4(schemes.get(name)) for name in required)
    if not declared and not (signing_name and security is None):
        return None
    client_name = info.get("x-aws-serviceName") or info.get("x-aws-endpointPrefix") or signing_name
    version = "s3v4" if info.get("x-aws-signatureVersion") in ("s3", "s3v4") else "v4"
    return AwsSigning(signing_name=signing_name, client_name=client_name, signature_version=version)


def _components(data: Mapping[str, Any]) -> Mapping[str, Any]:
    components = data.get("components")
    return components if isinstance(components, Mapping) else {}


def _is_sigv4(scheme: Any) -> bool:
    if not isinstance(scheme, Mapping):
        return False
    authtype = scheme.get("x-amazon-apigateway-authtype")
    return isinstance(authtype, str) and authtype.lower() == SIGV4_AUTHTYPE


def service_from_host(host: str) -> str | None:
    """The service part of an AWS host name (``api.sagemaker.us-east-1.amazonaws.com`` → ``sagemaker``)."""
    match = _AWS_HOST.match(host) or _GLOBAL_HOST.match(host)
    return match.group("service") if match else None


def region_from_host(host: str) -> str | None:
    """The region part of an AWS host name, or ``None`` (a local endpoint such as moto's)."""
    match = _AWS_HOST.match(host)
    return match.group("region") if match else None


class AwsEnvironment:
    """botocore's view of the run's AWS configuration: created once, shared by every request.

    ``region`` and ``profile`` are explicit overrides (CLI options); ``environ`` replaces
    ``os.environ`` for the variables this class reads itself (``AWS_REGION`` and the endpoint
    variables); botocore's own chain reads the process environment.
    """

    def __init__(
        self,
        *,
        profile: str | None = None,
        region: str | None = None,
        session: Any = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._profile = profile
        self._explicit_region = region
        self._given_session = session
        self._environ = os.environ if environ is None else environ

    def __repr__(self) -> str:
        return f"AwsEnvironment(profile={self._profile!r}, region={self._explicit_region!r})"

    @cached_property
    def session(self) -> Any:
        """The botocore ``Session`` (made on first use)."""
        if self._given_session is not None:
            return self._given_session
        import botocore.session

        return botocore.session.Session(profile=self._profile)

    @property
    def explicit_region(self) -> str | None:
        return self._explicit_region

    @cached_property
    def region(self) -> str | None:
        """Explicit override, else ``AWS_REGION``, else botocore's (``AWS_DEFAULT_REGION``, profile)."""
        if self._explicit_region:
            return self._explicit_region
        if self._environ.get("AWS_REGION"):
            return self._environ["AWS_REGION"]
        try:
            region: str | None = self.session.get_config_variable("region")
            return region
        except Exception:  # a broken profile: the credentials lookup reports it plainly
            return None

    @cached_property
    def credentials(self) -> Any:
        """botocore credentials (``RefreshableCredentials`` for SSO, roles and metadata)."""
        try:
            credentials = self.session.get_credentials()
        except Exception as exc:  # ProfileNotFound, SSO token expired, malformed config…
            raise CredentialsError(f"cannot read AWS credentials: {type(exc).__name__}: {exc}") from None
        if credentials is None:
            raise CredentialsError(_MISSING_CREDENTIALS)
        return credentials

    def frozen_credentials(self) -> Any:
        """A consistent (key, secret, token) snapshot, refreshed by botocore when near expiry."""
        try:
            return self.credentials.get_frozen_credentials()
        except CredentialsError:
            raise
        except Exception as exc:
            raise CredentialsError(f"cannot refresh AWS credentials: {type(exc).__name__}") from None

    def endpoint_url(self, client_name: str | None) -> str | None:
        """``AWS_ENDPOINT_URL_<SERVICE>``, ``AWS_ENDPOINT_URL``, then the config file, as boto3 does.

        The variable name comes from botocore's ``ConfiguredEndpointProvider`` (service id,
        hyphens to underscores, upper-cased: ``AWS_ENDPOINT_URL_SAGEMAKER``). Setting
        ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`` turns the lookup off, as in boto3.
        """
        if str(self._environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "")).lower() == "true":
            return None
        from botocore.configprovider import ConfiguredEndpointProvider

        try:
            full_config = self.session.full_config
            scoped_config = self.session.get_scoped_config()
        except Exception:
            full_config, scoped_config = {}, {}
        provider = ConfiguredEndpointProvider(
            full_config=full_config,
            scoped_config=scoped_config,
            client_name=client_name or "",
            environ=dict(self._environ),
        )
        if not client_name:
            return self._environ.get("AWS_ENDPOINT_URL") or scoped_config.get("endpoint_url")
        endpoint: str | None = provider.provide()
        return endpoint
