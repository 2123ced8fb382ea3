"""A run's settings as one value: what it may reach, how long and how much it may read, how it checks.

:class:`RunSettings` is frozen plain data, written as plain JSON (:meth:`RunSettings.to_json`)
into the journal with the run and into a Temporal run's input, and read back from either
(:meth:`RunSettings.from_json`), so a run's protections travel with it:

* a local run builds its environment from it (:meth:`RunSettings.environment`) and journals it;
* ``resume`` rebuilds the same environment and client from the journal (deadline backend, mTLS
  mounts, limits, network policy); flags given to ``resume`` may tighten the settings, and a
  change that loosens them (or points the run at another server) is refused without ``force``
  (:func:`loosenings`);
* a Temporal worker applies the run's settings to every request it sends for that run; a setting
  a worker cannot apply is refused before submission (:func:`temporal_refusals`), and a worker
  that reads a setting it does not know fails the run rather than ignore it.

``run_timeout`` is not here: the run's deadline is part of its state (the snapshot), which already
travels with it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from .errors import UsageError

#: The defaults a ``None`` stands for, for comparing settings (``http.retry_loop``).
DEFAULT_HTTP_TIMEOUT = 30.0
DEFAULT_MAX_RESPONSE_SIZE = 64 * 1024 * 1024
_VALIDATE_STRENGTH = {"off": 0, "warn": 1, "strict": 2}

#: JSON key → field name.
_KEYS = {
    "servers": "servers",
    "allowHosts": "allow_hosts",
    "denyHosts": "deny_hosts",
    "denyPrivateNetworks": "deny_private_networks",
    "clientCerts": "client_certs",
    "httpTimeout": "http_timeout",
    "maxResponseSize": "max_response_size",
    "transportRetries": "transport_retries",
    "validate": "validate",
    "allowRemote": "allow_remote",
    "allowOutside": "allow_outside",
    "awsSigning": "aws_signing",
    "confinementRoot": "confinement_root",
}


class SettingsError(UsageError):
    """Settings that cannot be read or applied (exit 2)."""


@dataclass(frozen=True)
class RunSettings:
    #: source name → base URL (``--server``)
    servers: tuple[tuple[str, str], ...] = ()
    allow_hosts: tuple[str, ...] = ()
    deny_hosts: tuple[str, ...] = ()
    deny_private_networks: bool = False
    #: (host, certificate file, key file or None), absolute paths (``--client-cert``)
    client_certs: tuple[tuple[str, str, str | None], ...] = ()
    #: seconds per exchange (``--http-timeout``; ``None``: 30)
    http_timeout: float | None = None
    #: bytes of an answer, decoded (``--max-response-size``; ``None``: 64 MiB)
    max_response_size: int | None = None
    transport_retries: bool = False
    #: ``off``, ``warn`` or ``strict`` (``--validate``)
    validate: str = "off"
    allow_remote: bool = False
    allow_outside: bool = False
    #: sign sources whose server is an AWS endpoint with SigV4 (``--no-aws-signing``: ``False``)
    aws_signing: bool = True
    #: The folder tree the document's local files were confined to (``loader.confinement_root``), so
    #: that ``resume`` from any working directory reads the same one (``None``: a remote document).
    confinement_root: str | None = None

    # -- plain JSON --------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """Plain JSON (the journal's ``settings`` column, a Temporal run's ``settings``)."""
        data: dict[str, Any] = {}
        for key, name in _KEYS.items():
            value = getattr(self, name)
            if name == "servers":
                value = dict(value)
            elif name == "client_certs":
                value = [list(entry) for entry in value]
            elif isinstance(value, tuple):
                value = list(value)
            data[key] = value
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> RunSettings:
        """Read :meth:`to_json`'s output. A key missing (a run journaled before it existed) is the
        default; a key this version does not know is refused, never ignored (a newer client's
        setting that this worker or this ``resume`` cannot apply)."""
        data = dict(data or {})
        unknown = sorted(set(data) - set(_KEYS))
        if unknown:
            raise SettingsError(
                f"the run has settings this version of arazzo-runner cannot apply: {', '.join(unknown)}"
                " (upgrade it, or start the run without them)"
            )
        values: dict[str, Any] = {}
        try:
            for key, name in _KEYS.items():
                if key not in data or (
                    data[key] is None and name not in ("http_timeout", "max_response_size")
                ):
                    continue
                value = data[key]
                if name == "servers":
                    value = tuple(sorted((str(k), str(v)) for k, v in dict(value).items()))
                elif name == "client_certs":
                    value = tuple((str(h), str(c), None if k is None else str(k)) for h, c, k in value)
                elif name in ("allow_hosts", "deny_hosts"):
                    value = tuple(str(v) for v in value)
                values[name] = value
        except (TypeError, ValueError) as exc:
            raise SettingsError(f"the run's settings cannot be read: {exc}") from None
        return cls(**values)

    # -- what they make -----------------------------------------------------------------------
    @property
    def server_map(self) -> dict[str, str]:
        return dict(self.servers)

    def network_policy(self) -> Any:
        """The :class:`~arazzo_runner.http.network_policy.NetworkPolicy` (``None``: no restriction)."""
        if not (self.allow_hosts or self.deny_hosts or self.deny_private_networks or self.client_certs):
            return None
        from .http.network_policy import NetworkPolicy

        return NetworkPolicy(
            allow_hosts=self.allow_hosts,
            deny_hosts=self.deny_hosts,
            deny_private_networks=self.deny_private_networks,
            client_certs={host: (cert, key) for host, cert, key in self.client_certs},
        )

    def environment(self, *, aws: Any = None) -> Any:
        """A :class:`~arazzo_runner.drivers.RunEnvironment` applying these settings (and remembering them)."""
        from .drivers.environment import RunEnvironment

        self.check_files()
        environment = RunEnvironment(
            servers=self.server_map,
            aws=aws,
            transport_retries=self.transport_retries,
            request_timeout=self.http_timeout,
            max_response_size=self.max_response_size,
            network_policy=self.network_policy(),
            aws_signing=self.aws_signing,
        )
        environment.settings = self
        return environment

    def check_files(self) -> None:
        """Every client certificate and key is a readable file (else a clear usage error)."""
        for host, cert, key in self.client_certs:
            for path in filter(None, (cert, key)):
                if not os.path.isfile(path):
                    raise SettingsError(f"--client-cert {host}: {path} is not a file")

    def apply_to(self, environment: Any) -> Any:
        """A worker's fresh ``environment`` with this run's settings on top: the run's network rules
        added to the worker's own (both apply), its limits and validation where it set them."""
        from .http.network_policy import NetworkPolicy

        own = environment.network_policy
        if self.allow_hosts or self.deny_hosts or self.deny_private_networks:
            base = own or NetworkPolicy()
            if base.allow_hosts and self.allow_hosts and set(base.allow_hosts) != set(self.allow_hosts):
                raise SettingsError(
                    "the run's --allow-host and the worker's own allow list cannot both apply: start the run"
                    " without --allow-host, or the worker without one"
                )
            environment.network_policy = NetworkPolicy(
                allow_hosts=self.allow_hosts or base.allow_hosts,
                deny_hosts=(*base.deny_hosts, *self.deny_hosts),
                deny_private_networks=base.deny_private_networks or self.deny_private_networks,
                client_certs=base.client_certs,
                resolver=base.resolver,
            )
        if self.http_timeout is not None:
            environment.request_timeout = self.http_timeout
        if self.max_response_size is not None:
            environment.max_response_size = self.max_response_size
        environment.transport_retries = environment.transport_retries or self.transport_retries
        environment.aws_signing = environment.aws_signing and self.aws_signing
        environment.settings = self
        return environment

    # -- changing them --------------------------------------------------------------------------
    def tightened(
        self,
        *,
        servers: Mapping[str, str] | None = None,
        allow_hosts: tuple[str, ...] = (),
        deny_hosts: tuple[str, ...] = (),
        deny_private_networks: bool = False,
        client_certs: tuple[tuple[str, str, str | None], ...] = (),
        http_timeout: float | None = None,
        max_response_size: int | None = None,
        transport_retries: bool = False,
        allow_remote: bool = False,
        allow_outside: bool = False,
    ) -> RunSettings:
        """These settings with ``resume``'s flags applied: deny rules are added, an allow list replaces
        the run's, a value given replaces the run's; whether that loosens anything is :func:`loosenings`'s
        to say."""
        certs = dict((h, (c, k)) for h, c, k in self.client_certs)
        certs.update((h, (c, k)) for h, c, k in client_certs)
        return replace(
            self,
            servers=tuple(sorted({**self.server_map, **(servers or {})}.items())),
            allow_hosts=tuple(allow_hosts) or self.allow_hosts,
            deny_hosts=tuple(dict.fromkeys((*self.deny_hosts, *deny_hosts))),
            deny_private_networks=self.deny_private_networks or deny_private_networks,
            client_certs=tuple((h, c, k) for h, (c, k) in sorted(certs.items())),
            http_timeout=self.http_timeout if http_timeout is None else http_timeout,
            max_response_size=self.max_response_size if max_response_size is None else max_response_size,
            transport_retries=self.transport_retries or transport_retries,
            allow_remote=self.allow_remote or allow_remote,
            allow_outside=self.allow_outside or allow_outside,
        )


def loosenings(before: RunSettings, after: RunSettings) -> list[str]:
    """What ``after`` permits that ``before`` did not (or where it sends the run elsewhere), in words;
    empty when ``after`` is the same or tighter."""
    found = []
    old_servers, new_servers = before.server_map, after.server_map
    for name in sorted(set(old_servers) | set(new_servers)):
        if old_servers.get(name) != new_servers.get(name):
            was = old_servers.get(name, "its description's server")
            found.append(f"--server {name}={new_servers.get(name, '(none)')} (the run used {was})")
    if before.allow_hosts and (
        not after.allow_hosts or any(p not in before.allow_hosts for p in after.allow_hosts)
    ):
        found.append(
            f"--allow-host {', '.join(after.allow_hosts) or '(any)'} (the run allowed {', '.join(before.allow_hosts)})"
        )
    dropped = [p for p in before.deny_hosts if p not in after.deny_hosts]
    if dropped:
        found.append(f"--deny-host {', '.join(dropped)} dropped")
    if before.deny_private_networks and not after.deny_private_networks:
        found.append("--deny-private-networks dropped")
    if before.client_certs != after.client_certs:
        found.append("other client certificates (--client-cert)")
    after_timeout = after.http_timeout or DEFAULT_HTTP_TIMEOUT
    before_timeout = before.http_timeout or DEFAULT_HTTP_TIMEOUT
    if after_timeout > before_timeout:
        found.append(f"--http-timeout {after_timeout:g} (the run used {before_timeout:g})")
    after_size = after.max_response_size or DEFAULT_MAX_RESPONSE_SIZE
    before_size = before.max_response_size or DEFAULT_MAX_RESPONSE_SIZE
    if after_size > before_size:
        found.append(f"--max-response-size {after_size} (the run used {before_size})")
    if after.transport_retries and not before.transport_retries:
        found.append("--transport-retries (the run did not retry)")
    if _VALIDATE_STRENGTH.get(after.validate, 0) < _VALIDATE_STRENGTH.get(before.validate, 0):
        found.append(f"--validate {after.validate} (the run used {before.validate})")
    if after.allow_remote and not before.allow_remote:
        found.append("--allow-remote (the run did not fetch remote sources)")
    if after.allow_outside and not before.allow_outside:
        found.append("--allow-outside (the run read only its own folder tree)")
    if after.aws_signing and not before.aws_signing:
        found.append("AWS signing (the run used --no-aws-signing: credentials would go to its AWS hosts)")
    return found


def settings_of(environment: Any, validate: str = "off") -> RunSettings:
    """The settings a run with ``environment`` uses: the ones it was built from when it was
    (:meth:`RunSettings.environment`), else read off its fields (a library caller's own environment)."""
    own = getattr(environment, "settings", None)
    if isinstance(own, RunSettings):
        return replace(own, validate=validate)
    policy = environment.network_policy
    return RunSettings(
        servers=tuple(sorted(environment.servers.items())),
        allow_hosts=tuple(policy.allow_hosts) if policy is not None else (),
        deny_hosts=tuple(policy.deny_hosts) if policy is not None else (),
        deny_private_networks=bool(policy is not None and policy.deny_private_networks),
        client_certs=tuple((h, c, k) for h, (c, k) in sorted(policy.client_certs.items())) if policy else (),
        http_timeout=environment.request_timeout,
        max_response_size=environment.max_response_size,
        transport_retries=environment.transport_retries,
        validate=validate,
        aws_signing=getattr(environment, "aws_signing", True),
    )


def temporal_refusals(settings: RunSettings) -> list[str]:
    """Settings a Temporal worker cannot apply for a run: refused before submission, never dropped.

    Client certificates name files on the submitting machine; a worker presents its own
    (``arazzo worker --client-cert``). ``--allow-outside`` is about the submitter's files too."""
    refused = []
    if settings.client_certs:
        refused.append(
            "--client-cert (certificates are files on this machine: give them to `arazzo worker --client-cert`)"
        )
    if settings.allow_outside:
        refused.append("--allow-outside (workers read the document from their own checkout)")
    return refused


__all__ = ["RunSettings", "SettingsError", "loosenings", "settings_of", "temporal_refusals"]
_FIELDS = {f.name for f in fields(RunSettings)}
assert set(_KEYS.values()) == _FIELDS, "every setting has its JSON key"
