"""The AWS service models and endpoint data that ship inside botocore, read as plain data.

Why botocore's copy: it is the model the SDKs send requests with, it is already installed (the
runner signs with botocore), and it is versioned with it — so nothing of AWS's API is maintained
by hand here. Everything returned is converted to plain ``dict``/``list`` (botocore hands out
``OrderedDict``), in the model's own order, so generated output is deterministic.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from ..sources.description import plain
from .errors import AwsModelError

#: What a service's ``metadata.protocols`` / ``protocol`` values mean, for the error message.
_PROTOCOL_NAMES = {
    "json": "AWS JSON 1.0/1.1",
    "rest-json": "AWS REST-JSON",
    "rest-xml": "AWS REST-XML",
    "query": "AWS Query",
    "ec2": "EC2 Query",
    "smithy-rpc-v2-cbor": "Smithy RPC v2 CBOR",
}


#: The protocols described, in botocore's order of preference (``botocore.utils``): a service that
#: lists several (``["json", "query"]``) is described in the one botocore itself would speak.
SUPPORTED_PROTOCOLS = ("json", "rest-json", "rest-xml", "query", "ec2")
_BOTOCORE_PREFERENCE = ("json", "rest-json", "rest-xml", "smithy-rpc-v2-cbor", "query", "ec2")


@dataclass(frozen=True, slots=True)
class ServiceModel:
    """A botocore ``service-2`` model: ``name`` is botocore's client name (``sagemaker``);
    ``protocol`` is the one of :data:`SUPPORTED_PROTOCOLS` it is described in."""

    name: str
    metadata: dict[str, Any]
    operations: dict[str, Any]
    shapes: dict[str, Any]
    documentation: str
    protocol: str = "json"

    @property
    def json_version(self) -> str:
        return str(self.metadata.get("jsonVersion") or "1.0")

    @property
    def content_type(self) -> str:
        return f"application/x-amz-json-{self.json_version}"

    @property
    def api_version(self) -> str:
        return str(self.metadata.get("apiVersion", ""))

    @property
    def xml_namespace(self) -> str | None:
        """The XML namespace of a REST-XML service's bodies (``metadata.xmlNamespace``), if any."""
        namespace = self.metadata.get("xmlNamespace")
        if isinstance(namespace, dict):
            namespace = namespace.get("uri")
        return str(namespace) if namespace else None

    @property
    def target_prefix(self) -> str:
        return str(self.metadata["targetPrefix"])

    @property
    def signing_name(self) -> str:
        return str(self.metadata.get("signingName") or self.metadata["endpointPrefix"])

    @property
    def endpoint_prefix(self) -> str:
        return str(self.metadata["endpointPrefix"])


def _loader() -> Any:
    from botocore.loaders import Loader

    return Loader()


def load_service_model(name: str, *, loader: Any = None) -> ServiceModel:
    """botocore's latest ``service-2`` model for ``name``, in the protocol botocore would speak."""
    from botocore.exceptions import DataNotFoundError

    loader = loader or _loader()
    try:
        data = loader.load_service_model(name, "service-2")
    except DataNotFoundError:
        known = sorted(loader.list_available_services("service-2"))
        close = difflib.get_close_matches(name, known, n=3)
        hint = (
            f"; did you mean {', '.join(close)}?" if close else " (botocore's client names, e.g. sagemaker)"
        )
        raise AwsModelError(f"botocore has no service model named {name!r}{hint}") from None
    metadata = plain(data.get("metadata") or {})
    protocol = _chosen_protocol(metadata)
    if protocol is None:
        protocols = list(metadata.get("protocols") or [metadata.get("protocol")])
        spoken = ", ".join(_PROTOCOL_NAMES.get(str(p), str(p)) for p in protocols if p)
        raise AwsModelError(
            f"service {name!r} speaks {spoken or 'an unknown protocol'}; aws-openapi describes the"
            " AWS JSON, REST-JSON, REST-XML, Query and EC2 protocols"
        )
    if protocol == "json" and not metadata.get("targetPrefix"):
        raise AwsModelError(f"service {name!r} has no targetPrefix in its model; cannot build X-Amz-Target")
    return ServiceModel(
        name=name,
        metadata=metadata,
        operations=plain(data.get("operations") or {}),
        shapes=plain(data.get("shapes") or {}),
        documentation=str(data.get("documentation") or ""),
        protocol=protocol,
    )


def _chosen_protocol(metadata: dict[str, Any]) -> str | None:
    """The protocol botocore would pick among the model's ``protocols`` (or its one ``protocol``),
    if it is one we describe."""
    offered = [str(p) for p in (metadata.get("protocols") or [metadata.get("protocol")]) if p]
    for protocol in _BOTOCORE_PREFERENCE:
        if protocol in offered:
            return protocol if protocol in SUPPORTED_PROTOCOLS else None
    return None


def endpoint_servers(endpoint_prefix: str, *, loader: Any = None) -> list[dict[str, Any]]:
    """OpenAPI Server Objects for ``endpoint_prefix`` from botocore's ``endpoints.json``.

    One server per partition where the service is offered, whose URL is the partition's
    hostname template (``https://api.sagemaker.{region}.amazonaws.com``) and whose ``region``
    variable enumerates that partition's regions (default ``us-east-1`` in ``aws``); a region
    whose hostname differs from the template gets its own server (one that spells out the
    template's own host, as S3's list does, is just a region of the template). Deprecated pseudo-regions
    (``us-east-1-fips``) and FIPS/dual-stack variants are left out. A global service (one
    partition endpoint) gets its fixed URL. A service missing from the data (endpoint rules
    only) gets the standard ``https://{prefix}.{region}.amazonaws.com``.
    """
    data = plain((loader or _loader()).load_data("endpoints"))
    servers: list[dict[str, Any]] = []
    for partition in data.get("partitions") or []:
        service = (partition.get("services") or {}).get(endpoint_prefix)
        if service is None:
            continue
        dns_suffix = partition.get("dnsSuffix", "amazonaws.com")
        template = (service.get("defaults") or {}).get("hostname") or (partition.get("defaults") or {}).get(
            "hostname", "{service}.{region}.{dnsSuffix}"
        )
        endpoints = service.get("endpoints") or {}
        global_endpoint = service.get("partitionEndpoint")
        if global_endpoint and service.get("isRegionalized") is False:
            spec = endpoints.get(global_endpoint) or {}
            host = spec.get("hostname") or template.format(
                service=endpoint_prefix, region=global_endpoint, dnsSuffix=dns_suffix
            )
            servers.append({"url": f"https://{host}", "description": f"{partition['partition']} (global)"})
            continue
        regions: list[str] = []
        special: list[dict[str, Any]] = []
        for region, spec in endpoints.items():
            if spec.get("deprecated") or "credentialScope" in spec:
                continue
            usual = template.format(service=endpoint_prefix, region=region, dnsSuffix=dns_suffix)
            if spec.get("hostname") and spec["hostname"] != usual:
                special.append({"url": f"https://{spec['hostname']}", "description": f"region {region}"})
            else:
                regions.append(region)
        if regions:
            regions.sort()
            default = "us-east-1" if "us-east-1" in regions else regions[0]
            url = "https://" + template.format(
                service=endpoint_prefix, region="{region}", dnsSuffix=dns_suffix
            )
            servers.append(
                {
                    "url": url,
                    "description": f"AWS partition {partition['partition']}",
                    "variables": {"region": {"default": default, "enum": regions}},
                }
            )
        servers.extend(sorted(special, key=lambda s: s["url"]))
    if not servers:
        servers.append(
            {
                "url": f"https://{endpoint_prefix}.{{region}}.amazonaws.com",
                "description": "standard AWS endpoint (not listed in botocore's endpoints.json)",
                "variables": {"region": {"default": "us-east-1"}},
            }
        )
    return servers
