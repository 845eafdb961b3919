"""The app factory: one Litestar app over one wired :class:`~bookmyshow.bootstrap.Ticketing`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Final

from litestar import Litestar
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag

from bookmyshow import __version__
from bookmyshow.app import controllers
from bookmyshow.app.config import AppConfig
from bookmyshow.app.controllers import (
    accounts,
    admin,
    bookings,
    browsing,
    holds,
    live,
    ops,
    pages,
    reviews,
)
from bookmyshow.app.dependencies import BEARER, dependencies
from bookmyshow.app.errors import exception_handlers
from bookmyshow.app.maintenance import sweep_forever
from bookmyshow.bootstrap import Ticketing, from_settings
from bookmyshow.domain.errors import InvalidInput

__all__ = ["create_app"]

_log = logging.getLogger("bookmyshow.app")

_TAGS: Final = [
    Tag(name="accounts", description="Register, log in, refresh tokens, who am I."),
    Tag(name="browsing", description="Cities, theaters, movies, shows and seat maps."),
    Tag(name="holds", description="Hold seats (explicit or best available), extend, release."),
    Tag(name="bookings", description="Checkout, pay, e-tickets, cancellation, check-in."),
    Tag(name="reviews", description="Reviews, helpful votes and rating summaries."),
    Tag(name="admin", description="Catalog, theaters, screens, shows (staff only)."),
    Tag(name="operations", description="Health, readiness and metrics."),
]


def create_app(config: AppConfig | None = None, *, system: Ticketing | None = None) -> Litestar:
    """The reference app for ``config`` (default: :meth:`AppConfig.from_env`).

    With ``system`` the app serves that already-wired library (tests, embedding) and leaves
    closing it to the caller; otherwise it builds one from ``config.settings`` when it starts and
    closes it when it stops.  Raises :class:`InvalidInput` for a bad configuration.
    """
    app_config = AppConfig.from_env() if config is None else config
    if not isinstance(app_config, AppConfig):
        raise InvalidInput(field="config", reason="must be an AppConfig or None")
    if system is not None and not isinstance(system, Ticketing):
        raise InvalidInput(field="system", reason="must be a Ticketing or None")

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        ticketing = from_settings(app_config.settings) if system is None else system
        app.state.ticketing = ticketing
        sweeper: asyncio.Task[None] | None = None
        try:
            await ticketing.start()
            await ops.on_start(app, ticketing)
            if app_config.demo:
                await _seed_demo(ticketing, app_config)
            if app_config.maintenance_interval is not None:
                sweeper = asyncio.create_task(
                    sweep_forever(ticketing, app_config.maintenance_interval),
                    name="bookmyshow-maintenance",
                )
            yield
        finally:
            try:
                if sweeper is not None:
                    sweeper.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await sweeper
            finally:
                if system is None:
                    await ticketing.close()

    route_modules = (accounts, browsing, holds, bookings, reviews, admin, live, ops, pages)
    return Litestar(
        route_handlers=[handler for module in route_modules for handler in module.ROUTES],
        dependencies=dependencies,
        exception_handlers=exception_handlers,  # type: ignore[arg-type]
        lifespan=[lifespan],
        state=State(ops.initial_state(app_config)),
        middleware=ops.MIDDLEWARE,
        request_max_body_size=app_config.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="bookmyshow",
            version=__version__,
            description=controllers.__doc__,
            path="/schema",
            render_plugins=[ScalarRenderPlugin(), SwaggerRenderPlugin(path="/swagger")],
            tags=_TAGS,
            components=Components(
                security_schemes={
                    BEARER: SecurityScheme(
                        type="http",
                        scheme="bearer",
                        bearer_format="JWT",
                        description="An access token from POST /api/auth/login.",
                    )
                }
            ),
        ),
        # Logging is the embedding program's to configure (``bookmyshow serve`` does); Litestar's
        # default would replace the root logger's handlers whenever an app is created.
        logging_config=None,
        debug=False,
    )


async def _seed_demo(ticketing: Ticketing, config: AppConfig) -> None:
    from bookmyshow.demo import seed_showcase  # noqa: PLC0415 - only demo mode needs it
    from bookmyshow.services.accounts import EmailTaken  # noqa: PLC0415

    try:
        await seed_showcase(ticketing, days=config.demo_days)
    except EmailTaken:
        # A persistent demo database seeded by an earlier start: keep what is there.
        _log.info("demo data is already there; not seeding again")
