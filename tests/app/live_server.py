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
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final

import httpx
import uvicorn
from litestar import Litestar
from websockets.asyncio.client import ClientConnection, connect

from tests.app.api import EMAILS
from tests.redis_backends import free_port
from tests.services.world import PASSWORD

__all__ = ["RECEIVE_TIMEOUT_S", "HttpActors", "next_json", "open_live", "serving"]

RECEIVE_TIMEOUT_S: Final = 10.0
"""How long a test waits for one message before it fails."""


@asynccontextmanager
async def serving(app: Litestar, *, startup_timeout_s: float = 30.0) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in this event loop; yield
    ``host:port`` once it has started (lifespan included) and stop it when the block ends."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            timeout_graceful_shutdown=5,
        )
    )
    task = asyncio.create_task(server.serve(), name=f"uvicorn-{port}")
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
        async with asyncio.timeout(30):
            await task


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


class HttpActors:
    """Calls of a real server as the world's actors (see :data:`tests.app.api.EMAILS`), with
    log-ins cached per actor."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self._tokens: dict[str, str] = {}

    async def call(
        self, method: str, path: str, actor: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send ``method path`` as ``actor`` (anonymous for ``None``; ``headers=`` are merged)."""
        headers = dict(kwargs.pop("headers", {}))
        if actor is not None:
            if actor not in self._tokens:
                response = await self.client.post(
                    "/api/auth/login", json={"email": EMAILS[actor], "password": PASSWORD}
                )
                assert response.status_code == 200, response.text
                self._tokens[actor] = response.json()["access_token"]
            headers["Authorization"] = f"Bearer {self._tokens[actor]}"
        return await self.client.request(method, path, headers=headers, **kwargs)
