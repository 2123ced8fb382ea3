"""The command-line flags that make a run's :class:`~arazzo_runner.run_settings.RunSettings`.

One place defines them for ``run``, ``resume`` and the document commands (``validate``, ``list``...,
whose ``--allow-remote`` fetches obey the same network policy), and turns them into the one value
the run carries: into the journal, into Temporal, back on resume.
"""

from __future__ import annotations

import argparse
import os
import re
from typing import Any

_SIZE_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "kib": 1024, "m": 1000**2, "mb": 1000**2}
_SIZE_UNITS |= {"mib": 1024**2, "g": 1000**3, "gb": 1000**3, "gib": 1024**3}


def byte_size(text: str) -> int:
    """``--max-response-size``: bytes, with an optional unit (k, KiB, MB, MiB, G...)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _SIZE_UNITS or float(match.group(1)) * _SIZE_UNITS[unit] < 1:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 1048576, 500k, 64MiB)")
    return int(float(match.group(1)) * _SIZE_UNITS[unit])


def add_network_options(parser: Any, *, resuming: bool = False) -> None:
    """``--allow-host``, ``--deny-host``, ``--deny-private-networks`` (requests and remote sources)."""
    added = " (added to the run's own)" if resuming else ""
    parser.add_argument(
        "--allow-host",
        action="append",
        metavar="GLOB",
        help="send requests and fetch remote sources only to hosts matching one of these globs, addresses or"
        " networks (repeatable; e.g. '*.amazonaws.com')" + (" (narrows the run's own)" if resuming else ""),
    )
    parser.add_argument(
        "--deny-host",
        action="append",
        metavar="GLOB",
        help="never send requests to these hosts (repeatable; a glob, an address in any spelling, or a"
        " network such as 10.0.0.0/8, which also refuses names that resolve into it)" + added,
    )
    parser.add_argument(
        "--deny-private-networks",
        action="store_true",
        help="refuse hosts that resolve to loopback, link-local (169.254.169.254) or private addresses"
        + added,
    )


def add_limit_options(parser: Any) -> None:
    """``--client-cert``, ``--max-response-size``, ``--http-timeout``, ``--transport-retries``."""
    parser.add_argument(
        "--http-timeout",
        type=float,
        metavar="SECONDS",
        help="each exchange, from sending to the last byte of the answer, ends within this (default 30;"
        " connecting: at most 10)",
    )
    parser.add_argument(
        "--client-cert",
        action="append",
        metavar="HOST=CERT.pem[,KEY.pem]",
        help="client certificate for mutual TLS with HOST (repeatable)",
    )
    parser.add_argument(
        "--max-response-size",
        type=byte_size,
        metavar="SIZE",
        help="stop reading an answer past this many bytes, counted decoded (default 64MiB; e.g. 500k, 2MiB)",
    )
    parser.add_argument(
        "--transport-retries", action="store_true", help="also retry 5xx/429 on non-AWS sources"
    )


def network_policy_from(args: argparse.Namespace) -> Any:
    """The policy of the host flags alone (for loading a document's remote sources); ``None``: none."""
    from ..http.network_policy import NetworkPolicy

    policy = NetworkPolicy(
        allow_hosts=tuple(getattr(args, "allow_host", None) or ()),
        deny_hosts=tuple(getattr(args, "deny_host", None) or ()),
        deny_private_networks=bool(getattr(args, "deny_private_networks", False)),
    )
    return policy if policy.restricts else None


def client_certs_from(args: argparse.Namespace) -> tuple[tuple[str, str, str | None], ...]:
    """``--client-cert HOST=CERT[,KEY]`` values, the files as absolute paths (a resume may run elsewhere)."""
    from ..errors import UsageError
    from ..http.network_policy import parse_client_cert

    certs: dict[str, tuple[str, str | None]] = {}
    for text in getattr(args, "client_cert", None) or ():
        try:
            host, (cert, key) = parse_client_cert(text)
        except ValueError as exc:
            raise UsageError(f"--client-cert: {exc}") from None
        for path in filter(None, (cert, key)):
            if not os.path.isfile(path):
                raise UsageError(f"--client-cert {text}: {path} is not a file")
        certs[host] = (os.path.abspath(cert), os.path.abspath(key) if key else None)
    return tuple((host, cert, key) for host, (cert, key) in sorted(certs.items()))


def settings_from(args: argparse.Namespace, servers: dict[str, str]) -> Any:
    """``arazzo run``'s flags as the run's :class:`~arazzo_runner.run_settings.RunSettings`."""
    from ..run_settings import RunSettings

    return RunSettings(
        servers=tuple(sorted(servers.items())),
        allow_hosts=tuple(args.allow_host or ()),
        deny_hosts=tuple(args.deny_host or ()),
        deny_private_networks=bool(args.deny_private_networks),
        client_certs=client_certs_from(args),
        http_timeout=args.http_timeout,
        max_response_size=args.max_response_size,
        transport_retries=bool(args.transport_retries),
        validate=args.validate or "off",
        allow_remote=bool(args.allow_remote),
        allow_outside=bool(getattr(args, "allow_outside", False)),
        aws_signing=bool(getattr(args, "aws_signing", True)),
    )


def resume_changes(args: argparse.Namespace, servers: dict[str, str]) -> dict[str, Any]:
    """``arazzo resume``'s flags as keyword arguments of :meth:`RunSettings.tightened`."""
    return {
        "servers": servers or None,
        "allow_remote": bool(args.allow_remote),
        "allow_hosts": tuple(args.allow_host or ()),
        "deny_hosts": tuple(args.deny_host or ()),
        "deny_private_networks": bool(args.deny_private_networks),
        "client_certs": client_certs_from(args),
        "http_timeout": args.http_timeout,
        "max_response_size": args.max_response_size,
        "transport_retries": bool(args.transport_retries),
    }
