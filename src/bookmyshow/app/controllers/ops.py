"""Routes: liveness, readiness and metrics (to be completed)."""

from __future__ import annotations

from typing import Any, Final

from litestar import Litestar, get
from litestar.types import ControllerRouterHandler, Middleware

from bookmyshow.app.config import AppConfig
from bookmyshow.bootstrap import Ticketing

__all__ = ["MIDDLEWARE", "ROUTES", "initial_state", "on_start"]


@get("/health", operation_id="health", tags=["operations"], include_in_schema=True)
async def health() -> dict[str, str]:
    """Liveness: the process serves requests."""
    return {"status": "ok"}


def initial_state(config: AppConfig) -> dict[str, Any]:
    """What the app's state holds before it starts."""
    return {"config": config}


async def on_start(app: Litestar, ticketing: Ticketing, config: AppConfig) -> None:
    """Hook run once the library is started."""


MIDDLEWARE: Final[list[Middleware]] = []

ROUTES: Final[list[ControllerRouterHandler]] = [health]
