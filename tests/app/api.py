"""Helpers for the API tests: log in as the world's actors and check error bodies."""

from __future__ import annotations

from typing import Any, Final

from httpx import Response
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.services.world import PASSWORD, World

__all__ = ["TOKEN_SECRET", "Api", "assert_error"]

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


class Api:
    """The test client plus the world, with log-ins cached per actor."""

    def __init__(self, client: AsyncTestClient[Litestar], world: World) -> None:
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
