"""The reaches into httpx's and httpcore's private internals live in one module, written for one
version of each (issue 27): this test fails on any other version, so an upgrade is checked here
(the internals still exist and still do what the adapter needs) instead of silently falling back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import httpcore
import httpx

import arazzo_runner
from arazzo_runner.http import httpx_internals
from arazzo_runner.http.retry_loop import _DeadlineBackend, bounded_client

PACKAGE = Path(arazzo_runner.__file__).parent
#: Private names of httpx/httpcore objects the package uses (only through the adapter).
PRIVATE = {"_transport_for_url", "_network_backend", "_pool", "_mounts", "_transport"}


def test_the_installed_httpx_and_httpcore_are_the_versions_the_adapter_was_written_for() -> None:
    installed = {"httpx": httpx.__version__, "httpcore": httpcore.__version__}
    for name, prefix in httpx_internals.WRITTEN_FOR.items():
        assert installed[name].startswith(prefix), (
            f"{name} {installed[name]} is not the {prefix}x that arazzo_runner/http/httpx_internals.py was"
            " written for: check that its private internals still exist and mean the same, then update WRITTEN_FOR"
        )


def test_the_internals_exist_and_work_on_this_version() -> None:
    mounted = httpx.HTTPTransport()
    with httpx.Client(mounts={"https://mounted.example": mounted}) as client:
        assert httpx_internals.has_transport_for_url(client)
        assert httpx_internals.transport_for_url(client, httpx.URL("https://mounted.example/x")) is mounted
        assert httpx_internals.transport_for_url(client, httpx.URL("https://other.example/x")) is client._transport
    with bounded_client(mounts={"https://mounted.example": httpx.HTTPTransport()}) as client:
        pools = [client._transport._pool, *(t._pool for t in client._mounts.values())]  # type: ignore[union-attr]
        assert len(pools) == 2 and all(isinstance(p._network_backend, _DeadlineBackend) for p in pools)
        # Wrapping again wraps nothing: the backends already are deadline backends.
        assert httpx_internals.wrap_network_backends(client, _DeadlineBackend, _DeadlineBackend) == 0


def test_no_other_module_touches_those_internals() -> None:
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "httpx_internals.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in PRIVATE and not _on_self(node):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} .{node.attr}")
            if isinstance(node, ast.Constant) and node.value in PRIVATE:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.value!r}")
    assert found == []


def _on_self(node: ast.Attribute) -> bool:
    """``self._pool`` in a class of our own (the lean transport keeps its own ``_pool``)."""
    return isinstance(node.value, ast.Name) and node.value.id == "self"
