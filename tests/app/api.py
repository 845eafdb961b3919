"""Helpers for the API tests: log in as the world's actors and check error bodies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final, cast

from httpx import ASGITransport, AsyncClient, Response
from litestar import Litestar

from tests.services.world import PASSWORD, World

__all__ = ["TOKEN_SECRET", "Api", "assert_error", "asgi_client"]

TOKEN_SECRET: Final = b"t" * 32
"""The secret the test wirings sign tokens with (see ``tests/services/backends.py``)."""

EMAILS: Final = {
    "admin": "admin@example.com",
    "staff_a": "staff-a@example.com",
    "staff_b": "staff-b@example.com",
    "alice": "alice@example.com",
    "bob": "bob@example.com",
}
"""The log-in of each actor of :class:`~tests.services.world.World`."""


@asynccontextmanager
async def asgi_client(app: Litestar) -> AsyncIterator[AsyncClient]:
    """An HTTP client of ``app`` that runs it in the test's own event loop, lifespan included.

    Litestar's test clients run the app in a thread with a loop of its own, where the database and
    Redis connections the test opened (in its loop) cannot be used.  The lifespan runs in a task
    of its own because it must end in the task it began in, and a fixture's teardown runs in
    another.
    """
    started = asyncio.Event()
    stop = asyncio.Event()

    async def lifespan() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(lifespan())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if not started.is_set():
        waiter.cancel()
        await task  # raises what made the start fail
    # httpx types its ASGI app more narrowly than Litestar types its __call__.
    transport = ASGITransport(app=cast("Any", app))
    try:
        async with AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client
    finally:
        stop.set()
        await task


class Api:
    """The test client plus the world, with log-ins cached per actor."""

    def __init__(self, client: AsyncClient, world: World) -> None:
        self.client = client
        self.world = world
        self._tokens: dict[str, str] = {}

    async def token(self, actor: str) -> str:
        """An access token of ``actor`` (a key of :data:`EMAILS`), logging in once."""
        if actor not in self._tokens:
            response = await self.client.post(
                "/api/auth/login", json={"email": EMAILS[actor], "password": PASSWORD}
            )
            assert response.status_code == 200, response.text
            self._tokens[actor] = response.json()["access_token"]
        return self._tokens[actor]

    async def headers(self, actor: str | None, **extra: str) -> dict[str, str]:
        """Request headers acting as ``actor`` (anonymous for ``None``), plus ``extra``."""
        headers = dict(extra)
        if actor is not None:
            headers["Authorization"] = f"Bearer {await self.token(actor)}"
        return headers

    async def call(
        self, method: str, path: str, actor: str | None = None, **kwargs: Any
    ) -> Response:
        """Send ``method path`` as ``actor`` (``headers=`` are merged with the token)."""
        headers = await self.headers(actor, **kwargs.pop("headers", {}))
        return await self.client.request(method, path, headers=headers, **kwargs)


def assert_error(response: Response, status: int, code: str) -> dict[str, Any]:
    """Check ``response`` is an error of ``status`` with the one error body shape and ``code``;
    return its details."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str)
    assert body["message"]
    assert isinstance(body["details"], dict)
    details: dict[str, Any] = body["details"]
    return details
