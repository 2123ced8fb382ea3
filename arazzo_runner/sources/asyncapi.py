"""AsyncAPI 3.x source descriptions (Arazzo 1.1): operations, channels, messages, correlation ids.

An Arazzo 1.1 AsyncAPI step names an AsyncAPI *operation* (``operationId``: the key under
``operations``) or a *channel* (``channelPath``: ``{$sourceDescriptions.<name>.url}#/channels/<key>``).
Either resolves here to one :class:`AsyncOperation`: the action, the channel's ``address`` (with
its ``{parameter}`` placeholders), the protocol of the servers it may use (which picks the message
transport, see :mod:`arazzo_runner.messaging`), the messages it carries and where each message keeps
its correlation id (a Correlation ID Object's ``location``, e.g. ``$message.payload#/detail/id``).

Only local ``$ref``s (``#/components/...``, ``#/channels/...``) are followed, at most
:data:`MAX_REF_DEPTH` deep: AsyncAPI descriptions reference their own components, and a reference
to another file is reported where it is met instead of being fetched behind the user's back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from ..errors import ArazzoError
from ..yaml12 import escape_token, pointer_tokens
from .description import LoadedDescription

MAX_REF_DEPTH = 32
#: Seconds a ``receive`` step without ``timeout`` waits at most (a run never waits forever). Here,
#: beside the descriptions, so the loader's checks, the engine and the transports share it.
DEFAULT_RECEIVE_TIMEOUT = 300.0
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
#: A Correlation ID ``location``: ``$message.header#/ptr`` or ``$message.payload#/ptr``.
_LOCATION = re.compile(r"^\$message\.(header|payload)(?:#(/.*)?)?$")


class AsyncApiError(ArazzoError):
    """Something in the AsyncAPI description that a step needs cannot be used (the message says what)."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class CorrelationLocation:
    """Where a message carries its correlation id: ``header`` or ``payload``, and a JSON Pointer."""

    part: str
    pointer: tuple[str, ...]
    text: str

    @classmethod
    def parse(cls, text: str) -> CorrelationLocation:
        match = _LOCATION.match(text.strip())
        if not match:
            raise AsyncApiError(
                f"correlationId location {text!r} must be '$message.header#/<pointer>' or"
                " '$message.payload#/<pointer>'"
            )
        return cls(match[1], tuple(pointer_tokens(match[2] or "")), text.strip())

    def find(self, headers: Mapping[str, Any], payload: Any) -> Any:
        """The correlation value of a message (None when it has none there)."""
        from ..expressions import MISSING
        from ..expressions.pointer import resolve_pointer

        if self.part == "header":
            if not self.pointer:
                return None
            wanted = self.pointer[0].lower()
            value = next((v for k, v in headers.items() if k.lower() == wanted), None)
            if value is None or len(self.pointer) == 1:
                return value
            found = resolve_pointer(value, self.pointer[1:])
        else:
            found = resolve_pointer(payload, self.pointer)
        return None if found is MISSING else found


@dataclass(frozen=True, slots=True)
class Server:
    name: str
    host: str
    protocol: str
    pathname: str = ""
    bindings: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AsyncOperation:
    """What an AsyncAPI step sends to or receives from, resolved from the description."""

    source_name: str
    #: The operation's key under ``operations`` (None for a step that names a channel).
    operation_id: str | None
    #: ``send`` or ``receive`` as the description says (None for a channel).
    action: str | None
    channel_key: str
    #: The channel's ``address`` (may hold ``{parameter}`` placeholders; None: unknown / dynamic).
    address: str | None
    #: The servers the channel may use (all of the description's when it names none).
    servers: tuple[Server, ...]
    #: Messages the channel or operation carries (``$ref``s resolved).
    messages: tuple[Mapping[str, Any], ...] = field(repr=False)
    correlation: tuple[CorrelationLocation, ...] = ()
    #: Channel bindings and operation bindings, merged (protocol → binding object).
    bindings: Mapping[str, Any] = field(default_factory=dict, repr=False)
    pointer: str = ""

    @property
    def summary(self) -> str:
        return f"{self.action or 'channel'} {self.operation_id or self.channel_key}"

    @property
    def protocols(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.protocol for s in self.servers))

    def address_with(self, parameters: Mapping[str, Any]) -> str:
        """The channel address with its ``{name}`` placeholders filled from ``parameters``."""
        if self.address is None:
            raise AsyncApiError(f"channel {self.channel_key!r} has no address (a dynamic channel)")
        missing = [n for n in _PLACEHOLDER.findall(self.address) if n not in parameters]
        if missing:
            raise AsyncApiError(
                f"channel {self.channel_key!r} address {self.address!r} needs the parameter"
                f" {missing[0]!r} (give it with 'in: channel')"
            )
        return _PLACEHOLDER.sub(lambda m: str(parameters[m[1]]), self.address)

    @property
    def address_parameters(self) -> tuple[str, ...]:
        return tuple(_PLACEHOLDER.findall(self.address or ""))


@dataclass
class AsyncApiSource(LoadedDescription):
    """A loaded AsyncAPI 3.x description."""

    version_field: ClassVar[str] = "asyncapi"

    def follow(self, value: Any, depth: int = 0) -> Any:
        """``value`` with a local ``$ref`` followed (repeatedly, bounded)."""
        while isinstance(value, Mapping) and isinstance(value.get("$ref"), str):
            if depth >= MAX_REF_DEPTH:
                raise AsyncApiError(f"$ref chain deeper than {MAX_REF_DEPTH} in source {self.name!r}")
            ref = value["$ref"]
            if not ref.startswith("#"):
                raise AsyncApiError(
                    f"source {self.name!r}: only local $refs ('#/...') are followed, not {ref!r}"
                )
            node: Any = self.data
            for token in pointer_tokens(ref[1:]):
                node = node.get(token) if isinstance(node, Mapping) else None
                if node is None:
                    raise AsyncApiError(f"source {self.name!r}: $ref {ref!r} does not resolve")
            value, depth = node, depth + 1
        return value

    @cached_property
    def servers(self) -> dict[str, Server]:
        found = {}
        for key, raw in (self.data.get("servers") or {}).items():
            server = self.follow(raw)
            if isinstance(server, Mapping):
                found[key] = Server(
                    key,
                    str(server.get("host", "")),
                    str(server.get("protocol", "")).lower(),
                    str(server.get("pathname", "") or ""),
                    dict(server.get("bindings") or {}),
                )
        return found

    def operation_ids(self) -> list[str]:
        return list((self.data.get("operations") or {}).keys())

    def channel_keys(self) -> list[str]:
        return list((self.data.get("channels") or {}).keys())

    def operation(self, operation_id: str) -> AsyncOperation | None:
        raw = (self.data.get("operations") or {}).get(operation_id)
        if raw is None:
            return None
        op = self.follow(raw)
        if not isinstance(op, Mapping):
            raise AsyncApiError(f"source {self.name!r}: operation {operation_id!r} is not an object")
        channel_ref = op.get("channel")
        ref = channel_ref.get("$ref") if isinstance(channel_ref, Mapping) else None
        if not isinstance(ref, str) or not ref.startswith("#/channels/"):
            raise AsyncApiError(
                f"source {self.name!r}: operation {operation_id!r} must name its channel with"
                " a '$ref: #/channels/<key>'"
            )
        channel_key = pointer_tokens(ref[1:])[1]
        messages = [self.follow(m) for m in (op.get("messages") or ())]
        bindings = dict(op.get("bindings") or {})
        return self._resolved(
            operation_id,
            str(op.get("action")) if op.get("action") else None,
            channel_key,
            messages,
            bindings,
            f"/operations/{escape_token(operation_id)}",
        )

    def channel(self, channel_key: str) -> AsyncOperation | None:
        if channel_key not in (self.data.get("channels") or {}):
            return None
        return self._resolved(None, None, channel_key, [], {}, f"/channels/{escape_token(channel_key)}")

    def _resolved(
        self,
        operation_id: str | None,
        action: str | None,
        channel_key: str,
        messages: list[Any],
        op_bindings: dict[str, Any],
        pointer: str,
    ) -> AsyncOperation:
        channel = self.follow((self.data.get("channels") or {}).get(channel_key))
        if not isinstance(channel, Mapping):
            raise AsyncApiError(f"source {self.name!r}: channel {channel_key!r} is not defined")
        if not messages:
            messages = [self.follow(m) for m in (channel.get("messages") or {}).values()]
        named = {
            pointer_tokens(ref["$ref"][1:])[-1]
            for ref in (channel.get("servers") or ())
            if isinstance(ref, Mapping) and str(ref.get("$ref", "")).startswith("#/servers/")
        }
        servers = tuple(s for s in self.servers.values() if not named or s.name in named)
        correlation = []
        for message in messages:
            if not isinstance(message, Mapping):
                continue
            found = self.follow(message.get("correlationId")) if message.get("correlationId") else None
            if isinstance(found, Mapping) and isinstance(found.get("location"), str):
                located = CorrelationLocation.parse(found["location"])
                if located not in correlation:
                    correlation.append(located)
        address = channel.get("address")
        return AsyncOperation(
            source_name=self.name,
            operation_id=operation_id,
            action=action,
            channel_key=channel_key,
            address=str(address) if address is not None else None,
            servers=servers,
            messages=tuple(m for m in messages if isinstance(m, Mapping)),
            correlation=tuple(correlation),
            bindings={**dict(channel.get("bindings") or {}), **op_bindings},
            pointer=pointer,
        )


def check_asyncapi(name: str, data: Mapping[str, Any], shown: str) -> str | None:
    """Why ``data`` cannot be used as an AsyncAPI 3.x source (None when it can)."""
    version = data.get("asyncapi")
    if version is None:
        return f"source {name!r} is declared type 'asyncapi' but has no 'asyncapi' field ({shown})"
    if not str(version).startswith("3."):
        return f"source {name!r} has AsyncAPI version {version!r}; only 3.x is supported ({shown})"
    for key in ("channels", "operations", "servers"):
        if not isinstance(data.get(key, {}), Mapping):
            return f"source {name!r}: '{key}' is not an object ({shown})"
    return None
