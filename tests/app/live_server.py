"""Helpers for the live seat-map tests: a real uvicorn server in the test's own event loop, an
HTTP client of it acting as the world's actors, and a WebSocket client that reads JSON messages
with a deadline.

The server runs as a task of the running loop (not in a thread, as Litestar's test clients run
the app), so the app it serves may use the test's wired library, whose database and Redis
connections belong to that loop.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

import uvicorn
from litestar import Litestar
from websockets.asyncio.client import ClientConnection, connect

__all__ = ["RECEIVE_TIMEOUT_S", "next_json", "open_live", "serving"]

RECEIVE_TIMEOUT_S: Final = 10.0
"""How long a test waits for one message before it fails."""


@asynccontextmanager
async def serving(app: Litestar, *, startup_timeout_s: float = 30.0) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in this event loop; yield
    ``host:port`` once it has started (lifespan included) and stop it when the block ends.

    The socket is bound here and handed to uvicorn, so no other process can take the port
    between choosing it and listening on it.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port: int = listener.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=5)
    )
    task = asyncio.create_task(server.serve(sockets=[listener]), name=f"uvicorn-{port}")
    try:
        async with asyncio.timeout(startup_timeout_s):
            while not server.started:
                if task.done():
                    task.result()  # raises what stopped it
                    raise RuntimeError(f"the test server on port {port} stopped at start")
                await asyncio.sleep(0.01)
        yield f"127.0.0.1:{port}"
    finally:
        server.should_exit = True
        try:
            async with asyncio.timeout(30):
                await task
        finally:
            listener.close()


@asynccontextmanager
async def open_live(address: str, show_id: str) -> AsyncIterator[ClientConnection]:
    """A WebSocket to the live seat map of ``show_id`` at ``address``, closed after the block."""
    async with connect(f"ws://{address}/api/shows/{show_id}/live", open_timeout=10) as socket:
        yield socket


async def next_json(
    socket: ClientConnection, *, timeout_s: float = RECEIVE_TIMEOUT_S
) -> dict[str, Any]:
    """The next message of ``socket`` decoded from JSON; fails after ``timeout_s`` seconds."""
    async with asyncio.timeout(timeout_s):
        raw = await socket.recv()
    message: dict[str, Any] = json.loads(raw)
    return message
