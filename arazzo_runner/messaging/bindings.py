"""Which module implements which AsyncAPI server protocol, and the per-run cache of open transports.

A binding module exposes ``open_transport(context: BindingContext) -> Transport``. Built-in ones
are listed in :data:`BINDINGS`; others can register through the ``arazzo_runner.messaging`` entry
point group (name = protocol, value = module). Modules are imported on first use.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from .base import MessagingError, Transport

#: AsyncAPI ``protocol`` → module implementing it.
BINDINGS: dict[str, str] = {"sqs": "arazzo_runner.messaging.sqs"}


@dataclass(frozen=True)
class BindingContext:
    """What a binding may need to connect: the protocol, the description's server and bindings,
    the run's AWS configuration, and explicit endpoint overrides (protocol → URL)."""

    protocol: str
    host: str = ""
    bindings: Mapping[str, Any] = field(default_factory=dict)
    aws: Any = None
    endpoint_url: str | None = None


def transport_module(protocol: str) -> ModuleType:
    name = BINDINGS.get(protocol)
    if name is None:
        from importlib.metadata import entry_points

        found = [ep for ep in entry_points(group="arazzo_runner.messaging") if ep.name == protocol]
        name = found[0].value if found else None
    if name is None:
        known = ", ".join(sorted(BINDINGS))
        raise MessagingError(f"no message transport for protocol {protocol!r} (this runner has: {known})")
    return importlib.import_module(name)


class Transports:
    """The transports one run (or one environment) has opened, one per (protocol, host)."""

    def __init__(self, *, aws: Any = None, endpoints: Mapping[str, str] | None = None) -> None:
        self.aws = aws
        self.endpoints = dict(endpoints or {})
        self._open: dict[tuple[str, str], Transport] = {}
        self._lock = threading.Lock()

    def get(self, protocol: str, host: str = "", bindings: Mapping[str, Any] | None = None) -> Transport:
        key = (protocol, host)
        with self._lock:
            found = self._open.get(key)
            if found is None:
                context = BindingContext(
                    protocol, host, dict(bindings or {}), self.aws, self.endpoints.get(protocol)
                )
                found = transport_module(protocol).open_transport(context)
                self._open[key] = found
            return found

    def close(self) -> None:
        with self._lock:
            for transport in self._open.values():
                transport.close()
            self._open.clear()
