"""Fixtures for the reference app's API tests: the app over the in-memory wiring and over the
hybrid (Redis holds and fast stores, MariaDB for the rest), driven through Litestar's test client.

Every test that uses ``client`` (or ``system``/``world``) runs once per backend in
:data:`APP_BACKENDS`, each over an empty store and a hand-driven clock; ``memory_client`` is the
in-memory app only, for tests of the HTTP layer itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Final

import pytest
from httpx import AsyncClient

from bookmyshow.adapters.memory import ManualClock
from bookmyshow.app import AppConfig, create_app
from bookmyshow.bootstrap import Settings, Ticketing
from tests.app.api import TOKEN_SECRET, Api, asgi_client
from tests.services.backends import JourneyBackend, backend_named, sql_timeout_s
from tests.services.world import World, build_world
from tests.sql_backends import mariadb_fresh_url, mariadb_scratch_url

__all__ = [
    "APP_BACKENDS",
    "api",
    "app_backend",
    "client",
    "clock",
    "config",
    "mariadb_fresh_url",
    "mariadb_scratch_url",
    "memory_api",
    "system",
    "world",
]

APP_BACKENDS: Final = ("memory", "hybrid")
"""The wirings every API test runs on."""


@pytest.fixture(
    params=[
        pytest.param("memory", id="memory"),
        pytest.param("hybrid", id="hybrid", marks=pytest.mark.timeout(sql_timeout_s())),
    ]
)
def app_backend(request: pytest.FixtureRequest) -> JourneyBackend:
    """Where the app under test keeps its data: in memory, or MariaDB + Redis."""
    return backend_named(request, request.param)


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when a test advances it (starts 2030-01-01 09:00 UTC)."""
    return ManualClock()


@pytest.fixture
async def system(app_backend: JourneyBackend, clock: ManualClock) -> AsyncIterator[Ticketing]:
    """The library on ``app_backend`` over an empty store (sequential ids, fast hashing)."""
    async with app_backend.system(clock=clock) as ticketing:
        yield ticketing


@pytest.fixture
async def world(system: Ticketing, clock: ManualClock) -> World:
    """Two theaters with a show each, a platform admin, theater staff and two customers
    (password :data:`tests.services.world.PASSWORD`)."""
    return await build_world(system, clock)


@pytest.fixture
def config() -> AppConfig:
    """The app's configuration in tests: a fixed secret, no background sweep, default limits."""
    return AppConfig(settings=Settings(token_secret=TOKEN_SECRET), maintenance_interval=None)


@pytest.fixture
async def client(system: Ticketing, config: AppConfig) -> AsyncIterator[AsyncClient]:
    """An HTTP client of the app serving ``system``, in the test's event loop."""
    async with asgi_client(create_app(config, system=system)) as test_client:
        yield test_client


@pytest.fixture
def api(client: AsyncClient, world: World) -> Api:
    """Calls of the app as the world's actors."""
    return Api(client, world)


@pytest.fixture
async def memory_api(clock: ManualClock, config: AppConfig) -> AsyncIterator[Api]:
    """:fixture:`api` on the in-memory wiring only, for tests of the HTTP layer itself."""
    async with JourneyBackend(name="memory").system(clock=clock) as ticketing:
        world = await build_world(ticketing, clock)
        async with asgi_client(create_app(config, system=ticketing)) as test_client:
            yield Api(test_client, world)
