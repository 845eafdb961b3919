"""Fixtures for use-case tests: the whole embedded system on a hand-driven clock.

In the journey modules (:data:`tests.services.backends.JOURNEY_MODULES`) every test that uses
``ports`` runs on each backend — in memory, SQLite, MariaDB and the hybrid (Redis holds, MariaDB
for the rest) — over an empty store of its own;
elsewhere ``ports`` is in memory only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bookmyshow.adapters.memory import ManualClock, ScryptPasswordHasher, SequentialIds
from bookmyshow.bootstrap import Ticketing
from bookmyshow.services.context import Policies, Ports
from tests.services.backends import (
    JOURNEY_MODULES,
    JourneyBackend,
    backend_named,
    backend_params,
    wire,
)
from tests.services.world import World, build_world

# The journeys' own SQL databases (registered here: tests/conftest.py registers the shared ones).
from tests.sql_backends import mariadb_scratch_url, sqlite_template

__all__ = [
    "app",
    "backend",
    "clock",
    "mariadb_scratch_url",
    "policies",
    "ports",
    "pytest_generate_tests",
    "sqlite_template",
    "world",
]


def _parametrized(metafunc: pytest.Metafunc, name: str) -> bool:
    """Whether the test already parametrizes ``name`` itself (e.g. for a longer timeout)."""
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0]
        listed = names.split(",") if isinstance(names, str) else list(names)
        if name in (n.strip() for n in listed):
            return True
    return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run the journey modules' ``ports``-based tests on every backend."""
    module = metafunc.module.__name__.rpartition(".")[2]
    if (
        "backend" in metafunc.fixturenames
        and module in JOURNEY_MODULES
        and not _parametrized(metafunc, "backend")
    ):
        metafunc.parametrize("backend", backend_params(), indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> JourneyBackend:
    """The backend of this run ("memory" unless the test is parametrized over backends)."""
    return backend_named(request, getattr(request, "param", "memory"))


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when a test advances it (starts 2030-01-01 09:00 UTC)."""
    return ManualClock()


@pytest.fixture
async def ports(clock: ManualClock, backend: JourneyBackend) -> AsyncIterator[Ports]:
    """Ports on ``backend`` over an empty store, on ``clock``, with readable sequential ids
    and fast password hashing; closed (database engines disposed) after the test."""
    opened = await backend.open(
        clock=clock,
        ids=SequentialIds(),
        passwords=ScryptPasswordHasher.fast_for_tests(),
        token_secret=b"t" * 32,
    )
    try:
        yield opened.ports
    finally:
        await opened.close()


@pytest.fixture
def policies() -> Policies:
    """The default policies."""
    return Policies()


@pytest.fixture
def app(ports: Ports, policies: Policies) -> Ticketing:
    """Every use case, wired over ``ports``, with search following the event bus (as in
    ``in_memory()``)."""
    return wire(ports, policies)


@pytest.fixture
async def world(app: Ticketing, clock: ManualClock) -> World:
    """Two theaters with a show each, a platform admin, theater staff and two customers."""
    return await build_world(app, clock)
