"""Is this host an AWS endpoint, and of which service? Answered from botocore's own data.

A source whose server is ``https://s3.{region}.amazonaws.com`` is an AWS source whatever its
security schemes say (the catalog's documents declare ``apiKey Authorization``, ``http bearer`` or
nothing). :func:`recognise_host` reads botocore's ``endpoints.json`` (the partitions, their DNS
suffixes and region patterns, and every service's endpoint prefix and explicit host names) and
:func:`service_for_prefix` finds the service model with that endpoint prefix, which gives the
SigV4 signing name (``runtime.sagemaker`` signs as ``sagemaker``), the signature version (S3's
``s3v4``) and the protocol.

How a host name is read, first match wins:

1. an explicit ``hostname`` of botocore's endpoint data (``iam.amazonaws.com``,
   ``s3.amazonaws.com``): its service and credential-scope region;
2. ``[labels.]<prefix>[-fips][.dualstack].<region>.<dnsSuffix>`` of a partition (any of its DNS
   suffixes, ``api.aws`` included): the longest dotted run of labels that is a service prefix of
   the partition, right before a label that matches the partition's region pattern (so
   ``bucket.s3.us-east-1.amazonaws.com`` is S3 in us-east-1 and ``api.sagemaker.eu-west-1…`` is
   ``api.sagemaker``); the legacy ``s3-us-west-2.amazonaws.com`` form too;
3. ``[labels.]<prefix>.<dnsSuffix>`` (a global endpoint): the region of the service's partition
   endpoint's credential scope, else the partition's first region.

Nothing here does I/O beyond reading botocore's packaged data, and every answer is cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["AwsHost", "AwsService", "recognise_host", "service_for_prefix"]


@dataclass(frozen=True, slots=True)
class AwsHost:
    """An AWS host name, understood: service endpoint prefix, region and partition."""

    host: str
    #: The service's endpoint prefix in botocore's endpoint data (``api.sagemaker``, ``s3``).
    prefix: str
    region: str
    partition: str


@dataclass(frozen=True, slots=True)
class AwsService:
    """What botocore's service model says about an endpoint prefix."""

    #: botocore's client name (``sagemaker-runtime``); the first of ``names``.
    name: str
    signing_name: str
    #: ``v4`` or ``s3v4`` (S3's payload-hash rules).
    signature_version: str
    #: The botocore protocol the service model is sent with (``json``, ``rest-xml``…).
    protocol: str
    #: Every client name whose model has this endpoint prefix (``email``: ``ses``, ``sesv2``…).
    names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Partition:
    name: str
    suffixes: tuple[str, ...]
    region_pattern: re.Pattern[str]
    regions: frozenset[str]
    first_region: str
    services: frozenset[str]
    #: Explicit host names → (prefix, region).
    hosts: dict[str, tuple[str, str]]
    #: Prefix → region of its partition endpoint (global services).
    global_regions: dict[str, str]


@lru_cache(maxsize=1)
def _partitions() -> tuple[_Partition, ...]:
    from botocore.loaders import Loader

    data = Loader().load_data("endpoints")
    found = []
    for partition in data.get("partitions", ()):
        defaults = partition.get("defaults") or {}
        suffixes = {str(partition["dnsSuffix"])}
        for variant in defaults.get("variants") or ():
            if variant.get("dnsSuffix"):
                suffixes.add(str(variant["dnsSuffix"]))
        regions = frozenset(partition.get("regions") or ())
        hosts: dict[str, tuple[str, str]] = {}
        global_regions: dict[str, str] = {}
        services = partition.get("services") or {}
        for prefix, service in services.items():
            endpoints = service.get("endpoints") or {}
            for key, endpoint in endpoints.items():
                scope = (endpoint.get("credentialScope") or {}).get("region")
                region = str(scope or key)
                for entry in (endpoint, *(endpoint.get("variants") or ())):
                    hostname = entry.get("hostname")
                    if isinstance(hostname, str) and "{" not in hostname:
                        hosts.setdefault(hostname.lower(), (str(prefix), region))
            global_key = service.get("partitionEndpoint")
            if global_key:
                endpoint = endpoints.get(global_key) or {}
                scope = (endpoint.get("credentialScope") or {}).get("region")
                if scope:
                    global_regions[str(prefix)] = str(scope)
        found.append(
            _Partition(
                name=str(partition["partition"]),
                suffixes=tuple(sorted(suffixes, key=len, reverse=True)),
                region_pattern=re.compile(str(partition.get("regionRegex") or r"^$")),
                regions=regions,
                first_region=sorted(regions)[0] if regions else "",
                services=frozenset(str(p) for p in services),
                hosts=hosts,
                global_regions=global_regions,
            )
        )
    return tuple(found)


def _is_region(partition: _Partition, label: str) -> bool:
    return label in partition.regions or bool(partition.region_pattern.match(label))


def _service_in(partition: _Partition, labels: list[str]) -> str | None:
    """The longest run of ``labels`` ending at the last one that names a service (``-fips`` and
    ``dualstack`` forms included); leading labels are a bucket or an account (virtual hosts)."""
    if labels and labels[-1] == "dualstack":
        labels = labels[:-1]
    for start in range(len(labels)):
        parts = labels[start:]
        candidates = [".".join(parts)]
        if parts and parts[0].endswith("-fips"):
            candidates.append(".".join([parts[0][: -len("-fips")], *parts[1:]]))
        for candidate in candidates:
            if candidate in partition.services:
                return candidate
    return None


@lru_cache(maxsize=1)
def _dns_suffixes() -> tuple[str, ...]:
    """Every partition's DNS suffixes, from botocore's small ``partitions.json`` read as a file:
    a host that ends with none of them is not AWS, and deciding so imports nothing (botocore and
    its 1 MB ``endpoints.json`` are loaded only for hosts that could be AWS)."""
    import importlib.util
    import json
    import os

    spec = importlib.util.find_spec("botocore")
    if spec is None or spec.origin is None:
        return ()
    path = os.path.join(os.path.dirname(spec.origin), "data", "partitions.json")
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return ("",)  # unknown layout: let the full data decide
    found = set()
    for partition in data.get("partitions", ()):
        outputs = partition.get("outputs") or {}
        for key in ("dnsSuffix", "dualStackDnsSuffix"):
            if outputs.get(key):
                found.add("." + str(outputs[key]).lower())
    return tuple(found)


@lru_cache(maxsize=512)
def recognise_host(host: str | None) -> AwsHost | None:
    """The AWS service and region of ``host``, or ``None`` when it is not an AWS endpoint."""
    if not host:
        return None
    host = host.lower().rstrip(".")
    if not host.endswith(_dns_suffixes()):
        return None
    partitions = _partitions()
    for partition in partitions:
        known = partition.hosts.get(host)
        if known is not None and _is_region(partition, known[1]):
            return AwsHost(host, known[0], known[1], partition.name)
    for partition in partitions:
        for suffix in partition.suffixes:
            if not host.endswith("." + suffix):
                continue
            labels = host[: -len(suffix) - 1].split(".")
            found = _regional(partition, host, labels) or _global(partition, host, labels)
            if found is not None:
                return found
    return None


def _regional(partition: _Partition, host: str, labels: list[str]) -> AwsHost | None:
    for index in range(len(labels) - 1, 0, -1):
        if _is_region(partition, labels[index]):
            prefix = _service_in(partition, labels[:index])
            if prefix is not None:
                return AwsHost(host, prefix, labels[index], partition.name)
    legacy = re.match(r"^(?P<prefix>[a-z0-9]+)-(?P<region>[a-z]+(?:-[a-z]+)+-\d+)$", labels[-1])
    if legacy and legacy["prefix"] in partition.services and _is_region(partition, legacy["region"]):
        return AwsHost(host, legacy["prefix"], legacy["region"], partition.name)
    return None


def _global(partition: _Partition, host: str, labels: list[str]) -> AwsHost | None:
    prefix = _service_in(partition, labels)
    if prefix is None:
        return None
    region = partition.global_regions.get(prefix) or partition.first_region
    return AwsHost(host, prefix, region, partition.name)


@lru_cache(maxsize=1)
def shared_loader() -> Any:
    from botocore.loaders import Loader

    return Loader()


def _candidates(prefix: str) -> list[str]:
    """Client names a model with this endpoint prefix usually has, most likely first."""
    parts = prefix.split(".")
    names = [prefix, prefix.replace(".", "-"), "-".join(reversed(parts))]
    if parts[0] == "api" and len(parts) > 1:
        names.append("-".join(parts[1:]))
    names.extend(parts)
    return list(dict.fromkeys(names))


@lru_cache(maxsize=256)
def service_for_prefix(prefix: str) -> AwsService | None:
    """The service model(s) whose ``endpointPrefix`` is ``prefix`` (``None``: botocore has none).

    The usual client names are tried first (one model read, a few ms); only when none fits are
    all of botocore's models read once (a few seconds) to build the full index.
    """
    loader = shared_loader()
    available = set(loader.list_available_services("service-2"))
    matches: list[tuple[str, dict[str, Any]]] = []
    for name in _candidates(prefix):
        if name in available:
            metadata = _metadata(name)
            if metadata.get("endpointPrefix") == prefix:
                matches.append((name, metadata))
    if not matches:
        matches = [(name, _metadata(name)) for name in _full_index().get(prefix, ())]
    if not matches:
        return None
    name, metadata = matches[0]
    return AwsService(
        name=name,
        signing_name=str(metadata.get("signingName") or prefix),
        signature_version="s3v4" if metadata.get("signatureVersion") in ("s3", "s3v4") else "v4",
        protocol=_protocol(metadata),
        names=tuple(n for n, _ in matches),
    )


#: Protocols botocore itself can send, in the order it prefers them.
SUPPORTED_PROTOCOLS = ("json", "rest-json", "rest-xml", "query", "ec2", "smithy-rpc-v2-cbor")


def _protocol(metadata: dict[str, Any]) -> str:
    for protocol in metadata.get("protocols") or ():
        if protocol in SUPPORTED_PROTOCOLS:
            return str(protocol)
    return str(metadata.get("protocol") or "")


@lru_cache(maxsize=64)
def _metadata(name: str) -> dict[str, Any]:
    model = shared_loader().load_service_model(name, "service-2")
    return dict(model.get("metadata") or {})


@lru_cache(maxsize=1)
def _full_index() -> dict[str, tuple[str, ...]]:
    loader = shared_loader()
    index: dict[str, list[str]] = {}
    for name in loader.list_available_services("service-2"):
        prefix = str(_metadata(name).get("endpointPrefix") or "")
        index.setdefault(prefix, []).append(name)
    return {prefix: tuple(names) for prefix, names in index.items()}
