"""Helpers for the API tests: log in as the world's actors and check error bodies."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Final, cast

from httpx import ASGITransport, AsyncClient, Response
from litestar import Litestar

from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS
from tests.services.world import PASSWORD, World

__all__ = ["EMAILS", "TOKEN_SECRET", "Actors", "Api", "assert_error", "asgi_client", "key"]

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


def key() -> dict[str, str]:
    """A fresh ``Idempotency-Key`` header."""
    return {"Idempotency-Key": uuid.uuid4().hex}


class Actors:
    """Calls of the app through any httpx client (in-process or a real server) as the world's
    actors or any account, with log-ins cached per actor."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self._tokens: dict[str, str] = {}

    async def login(self, email: str, password: str = PASSWORD) -> str:
        """A fresh access token of the account ``email`` (the log-in must answer 200)."""
        response = await self.client.post(
            "/api/auth/login", json={"email": email, "password": password}
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    async def token(self, actor: str) -> str:
        """An access token of ``actor`` (a key of :data:`EMAILS`), logging in once."""
        if actor not in self._tokens:
            self._tokens[actor] = await self.login(EMAILS[actor])
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

    async def purchase(
        self, actor: str, seats: list[str], *, show_id: str, card: str = CARD_SUCCEEDS
    ) -> dict[str, Any]:
        """Hold ``seats`` of ``show_id``, check out and pay with ``card`` as ``actor``, each step
        with a fresh Idempotency-Key; return the paid BookingRead (every step must succeed)."""
        held = await self.call("POST", f"/api/shows/{show_id}/holds", actor, json={"seats": seats})
        assert held.status_code == 201, held.text
        body = {"show_id": show_id, "hold_id": held.json()["hold_id"]}
        booking = await self.call("POST", "/api/bookings", actor, json=body, headers=key())
        assert booking.status_code == 201, booking.text
        paid = await self.call(
            "POST",
            f"/api/bookings/{booking.json()['booking_id']}/payment",
            actor,
            json={"card_number": card},
            headers=key(),
        )
        assert paid.status_code == 200, paid.text
        read: dict[str, Any] = paid.json()
        return read


class Api(Actors):
    """The test client plus the world, with log-ins cached per actor."""

    def __init__(self, client: AsyncClient, world: World) -> None:
        super().__init__(client)
        self.world = world

    async def buy(self, actor: str, seats: list[str]) -> dict[str, Any]:
        """:meth:`purchase` of ``seats`` of the world's show, which must end confirmed."""
        paid = await self.purchase(actor, seats, show_id=self.world.show.show_id)
        assert paid["status"] == "confirmed", paid
        return paid


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
