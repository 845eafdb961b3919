"""What route handlers receive: the wired library, the caller, and the shared request chores.

Handlers declare ``ticketing: Ticketing``, ``principal: Principal`` (401 without a valid access
token) or ``viewer: Principal | None`` (anonymous allowed, a bad token still 401), and call
:func:`limit` before an expensive or abusable action.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, TypeAlias

from litestar import Request
from litestar.datastructures import State
from litestar.di import Provide
from litestar.params import Dependency

from bookmyshow.app.config import AppConfig, RateLimit
from bookmyshow.app.errors import NotAuthenticated
from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.users import Principal
from bookmyshow.ports.rate_limit import check

__all__ = [
    "BEARER",
    "SECURED",
    "ConfigDep",
    "TicketingDep",
    "IDEMPOTENCY_HEADER",
    "client_address",
    "dependencies",
    "limit",
    "provide_config",
    "provide_principal",
    "provide_ticketing",
    "provide_viewer",
]

BEARER: Final = "bearer"
"""The name of the OpenAPI security scheme."""

SECURED: Final[list[dict[str, list[str]]]] = [{BEARER: []}]
"""``security=SECURED`` on a route that needs an access token (documents it in OpenAPI)."""

IDEMPOTENCY_HEADER: Final = "Idempotency-Key"

# Litestar validates injected values against their annotation with msgspec, which cannot model the
# library's objects (the pricing rules hold ``Money | Fraction`` unions) and has nothing to check
# in them: they come from the app itself.  Handlers and providers take these aliases instead.
TicketingDep: TypeAlias = Annotated[Ticketing, Dependency(skip_validation=True)]
"""``ticketing: TicketingDep`` in a handler receives the wired library."""
ConfigDep: TypeAlias = Annotated[AppConfig, Dependency(skip_validation=True)]
"""``config: ConfigDep`` in a handler receives the app's configuration."""


def provide_ticketing(state: State) -> Ticketing:
    """The library wired at start (the app's lifespan puts it in ``state``)."""
    system: Ticketing = state.ticketing
    return system


def provide_config(state: State) -> AppConfig:
    """The configuration the app was created with."""
    config: AppConfig = state.config
    return config


def _token(request: Request[Any, Any, Any]) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated(reason="the Authorization header must be 'Bearer <access token>'")
    return token.strip()


async def provide_viewer(
    request: Request[Any, Any, Any], ticketing: TicketingDep
) -> Principal | None:
    """The caller if it sent an access token, else ``None``; a bad token is 401, not anonymous."""
    token = _token(request)
    if token is None:
        return None
    return await ticketing.accounts.authenticate(token)


async def provide_principal(request: Request[Any, Any, Any], ticketing: TicketingDep) -> Principal:
    """The caller; 401 (``not_authenticated``, ``invalid_token``, ``token_expired``) without a
    valid access token."""
    token = _token(request)
    if token is None:
        raise NotAuthenticated(reason="this endpoint needs 'Authorization: Bearer <access token>'")
    return await ticketing.accounts.authenticate(token)


def client_address(request: Request[Any, Any, Any]) -> str:
    """The peer's address (behind a load balancer, run the server with its proxy-headers option
    so that this is the client's)."""
    client = request.client
    return client.host if client is not None else "unknown"


async def limit(ticketing: Ticketing, rule: RateLimit | None, key: str) -> None:
    """Count one hit of ``key`` against ``rule`` with the library's rate limiter.

    Raises ``RateLimited`` (429) when over the limit.  Does nothing when ``rule`` is ``None`` or
    no rate limiter is wired.
    """
    limiter = ticketing.ports.rate_limiter
    if rule is None or limiter is None:
        return
    await check(limiter, key, limit=rule.limit, window=rule.window)


dependencies: Final = {
    "ticketing": Provide(provide_ticketing, sync_to_thread=False),
    "config": Provide(provide_config, sync_to_thread=False),
    "principal": Provide(provide_principal),
    "viewer": Provide(provide_viewer),
}
"""The app-wide dependencies (``Litestar(dependencies=...)``)."""
