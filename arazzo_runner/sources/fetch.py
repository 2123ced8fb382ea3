"""Where a source description comes from: relative URLs, a URL → file map, and remote policy.

Source URLs are resolved against the document that names them (RFC 3986). Remote ``http(s)``
URLs are *not* fetched unless the caller allows it: a workflow file should not make a run reach
the network before its first step, and the public conformance fixtures point at URLs that must
be served from local copies instead (``source_map``). Files go through the same YAML 1.2 reader
as Arazzo documents, with the same size and alias limits, and only regular files are read.

Local files are confined to one folder tree (``root``: the enclosing repository, else the
document's folder's parent, whatever the working directory; see ``loader.confinement_root``): a
source ``url`` or a ``$ref`` cannot read ``/etc/passwd``, ``/proc/self/environ`` or ``../../``
outside it unless the caller allows it (``allow_outside``, ``--allow-outside``) or maps the location
explicitly (``source_map``). Symbolic links are followed, and it is the file actually opened whose
real path is checked, so a link swapped between check and open cannot lead outside.

A remote fetch (``--allow-remote``) obeys the run's network policy (``--allow-host``,
``--deny-host``, ``--deny-private-networks``) like every request the run sends: each redirect
hop is checked before it is followed (at most :data:`MAX_REDIRECTS`, ``http(s)`` only), and
the whole fetch (every hop, every byte) ends within ``timeout`` seconds and
:data:`~arazzo_runner.yaml12.MAX_DOCUMENT_BYTES` bytes: a trickling server cannot hold a
``validate`` or a run's start for longer.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from ..errors import Location, Problem
from ..yaml12 import MAX_DOCUMENT_BYTES, ParsedFile, YamlReadError, parse_bytes, read_file

#: Redirects a remote source fetch follows (each one checked against the network policy).
MAX_REDIRECTS = 5


def is_remote(url: str) -> bool:
    return urlsplit(url).scheme in ("http", "https")


def resolve_reference(ref: str, base: str) -> str:
    """Resolve ``ref`` against ``base`` (a local path or an absolute URL)."""
    if is_remote(ref) or urlsplit(ref).scheme == "file":
        return ref
    if is_remote(base):
        return urljoin(base, ref)
    if urlsplit(base).scheme == "file":
        base = unquote(urlsplit(base).path)
    ref_path = unquote(urlsplit(ref).path) if "%" in ref else ref
    if os.path.isabs(ref_path):
        return os.path.normpath(ref_path)
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(base)), ref_path))


@dataclass
class SourceFetcher:
    """Reads documents by location, applying the source map and the remote policy.

    Each distinct location is read once per load; the cache also makes the reading of
    documents shared by several sources cheap.
    """

    allow_remote: bool = False
    #: Exact URL (or URL prefix ending in "/") → local file (or folder).
    source_map: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 30.0
    #: The folder local files must be inside (``None``: anywhere); mapped locations are exempt.
    root: str | None = None
    allow_outside: bool = False
    #: Where remote fetches may go (``http.network_policy.NetworkPolicy``; ``None``: anywhere).
    network_policy: Any = None
    _cache: dict[str, ParsedFile] = field(default_factory=dict, repr=False)
    #: Every location looked up, and the source-map keys that served one (to report unused keys).
    seen: list[str] = field(default_factory=list, repr=False)
    used_keys: set[str] = field(default_factory=set, repr=False)
    _allowed: set[str] = field(default_factory=set, repr=False)

    def allow(self, path: str) -> None:
        """Let this one file be read wherever it is (the document being loaded)."""
        self._allowed.add(os.path.abspath(path))

    def map_location(self, location: str) -> str:
        """Apply the source map: an exact match, else the longest matching folder prefix."""
        if location not in self.seen:
            self.seen.append(location)
        if location in self.source_map:
            self.used_keys.add(location)
            return self.source_map[location]
        best = ""
        for prefix in self.source_map:
            if prefix.endswith("/") and location.startswith(prefix) and len(prefix) > len(best):
                best = prefix
        if best:
            self.used_keys.add(best)
            return os.path.join(self.source_map[best], location[len(best) :])
        return location

    def unused_keys(self) -> list[str]:
        """Source-map keys that matched no location read (most likely a typo)."""
        return [key for key in self.source_map if key not in self.used_keys]

    def fetch(self, location: str) -> ParsedFile:
        """Parse the document at ``location`` (already resolved); raises YamlReadError."""
        target = self.map_location(location)
        if target in self._cache:
            return self._cache[target]
        if is_remote(target):
            parsed = self._fetch_remote(target)
        else:
            path = unquote(urlsplit(target).path) if urlsplit(target).scheme == "file" else target
            verify = None
            if target == location and self._confines(path):  # a mapped location is read wherever it is
                self._confine(path)  # the clear, early answer for a path that is outside
                verify = functools.partial(self._confine_opened, path)  # and the file opened, race-free
            parsed = read_file(path, verify=verify)
        self._cache[target] = parsed
        return parsed

    def _confines(self, path: str) -> bool:
        return not (self.root is None or self.allow_outside or os.path.abspath(path) in self._allowed)

    def _outside(self, path: str, root: str) -> YamlReadError:
        return YamlReadError(
            [
                Problem(
                    f"{path} is outside the document's folder tree {root}; documents may only read files"
                    " in their own folder tree (--allow-outside, or --source-map for one file, permits it)",
                    Location(path),
                    code="outside",
                )
            ]
        )

    def _confine(self, path: str) -> None:
        if self.root is None or not self._confines(path):
            return
        root = os.path.realpath(self.root)
        try:
            real = os.path.realpath(path)
            inside = os.path.commonpath([root, real]) == root
        except (OSError, ValueError):
            inside = False
        if not inside:
            raise self._outside(path, root)

    def _confine_opened(self, path: str, fd: int) -> None:
        """The file actually opened must be inside the root: a symbolic link swapped between the path
        check and the open (a race that read an outside file 124 times in 31,029 tries) is refused here.

        Linux names an open file's real path in ``/proc/self/fd``; elsewhere the path is resolved again
        and must still be the very file (device and inode) that was opened.
        """
        if self.root is None:
            return
        root = os.path.realpath(self.root)
        try:
            real = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            real = os.path.realpath(path)
            try:
                opened, named = os.fstat(fd), os.stat(real)
            except OSError:
                raise self._outside(path, root) from None
            if (opened.st_dev, opened.st_ino) != (named.st_dev, named.st_ino):
                raise self._outside(path, root) from None
        if not os.path.isabs(real) or os.path.commonpath([root, real]) != root:
            raise self._outside(path, root)

    def _fetch_remote(self, url: str) -> ParsedFile:
        if not self.allow_remote:
            raise YamlReadError(
                [
                    Problem(
                        f"remote source {url} is not fetched without --allow-remote"
                        " (or map it to a local file with --source-map URL=FILE)",
                        Location(url),
                        code="remote-refused",
                    )
                ]
            )
        import httpx

        from ..http.network_policy import NetworkPolicyError
        from ..http.retry_loop import bounded_client, ending_by

        ends = time.monotonic() + self.timeout
        try:
            with bounded_client(timeout=self.timeout) as client, ending_by(ends):
                return parse_bytes(self._read_following(client, url, ends), url)
        except NetworkPolicyError as exc:
            raise YamlReadError(
                [Problem(f"cannot fetch source: {exc}", Location(url), code="refused")]
            ) from None
        except httpx.TimeoutException:
            raise YamlReadError(
                [
                    Problem(
                        f"cannot fetch source: not read within {self.timeout:g} s",
                        Location(url),
                        code="fetch-failed",
                    )
                ]
            ) from None
        except httpx.HTTPError as exc:
            raise YamlReadError(
                [Problem(f"cannot fetch source: {exc}", Location(url), code="fetch-failed")]
            ) from None

    def _read_following(self, client: Any, url: str, ends: float) -> bytes:
        """The body at ``url``, following redirects one hop at a time, each checked first."""
        import httpx

        target = httpx.URL(url)
        for _hop in range(MAX_REDIRECTS + 1):
            if target.scheme not in ("http", "https"):
                raise httpx.UnsupportedProtocol(f"a redirect to {target.scheme}: is not followed")
            if self.network_policy is not None:
                self.network_policy.check(target)
            with client.stream("GET", target) as response:
                if response.is_redirect and "location" in response.headers:
                    target = target.join(response.headers["location"])
                    continue
                response.raise_for_status()
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > MAX_DOCUMENT_BYTES:
                        raise YamlReadError(
                            [
                                Problem(
                                    "remote document is over the size limit", Location(url), code="too-large"
                                )
                            ]
                        )
                    if time.monotonic() > ends:
                        raise httpx.ReadTimeout("the fetch's total time ran out")
                    chunks.append(chunk)
                return b"".join(chunks)
        raise httpx.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects")
