"""Running the server on a transport: stdio (a client starts this process) or streamable HTTP."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

from .runs import RunRegistry


async def serve_stdio(server: Any, registry: RunRegistry) -> None:
    """Serve one client over stdin/stdout until it closes them; then interrupt what still runs."""
    from mcp.server.stdio import stdio_server

    try:
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
    finally:
        await registry.shutdown()


async def serve_http(
    server: Any, registry: RunRegistry, host: str, port: int, announce: Callable[[str], None]
) -> None:
    """Serve streamable HTTP at ``http://HOST:PORT/mcp`` (port 0: any free port); ``announce`` gets the URL.

    The SDK's app protects localhost from DNS rebinding (Host and Origin checked) when bound there.
    """
    import uvicorn

    app = server.streamable_http_app(host=host)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if family == socket.AF_INET6 else host
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
    http_server = uvicorn.Server(config)
    announce(f"http://{shown}:{bound}/mcp")
    try:
        await http_server.serve(sockets=[sock])
    finally:
        await registry.shutdown()
        sock.close()
