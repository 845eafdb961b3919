"""Fixtures for use-case tests: the whole embedded system on a hand-driven clock."""

from __future__ import annotations

import pytest

from bookmyshow.adapters.memory import (
    ManualClock,
    MemoryEventBus,
    ScryptPasswordHasher,
    SequentialIds,
)
from bookmyshow.bootstrap import Ticketing, bootstrap, in_memory_ports
from bookmyshow.services.context import Policies, Ports
from tests.services.world import World, build_world


@pytest.fixture
def clock() -> ManualClock:
    """A clock that moves only when a test advances it (starts 2030-01-01 09:00 UTC)."""
    return ManualClock()


@pytest.fixture
def ports(clock: ManualClock) -> Ports:
    """In-memory ports on ``clock``, with readable sequential ids and fast password hashing."""
    return in_memory_ports(
        clock=clock,
        ids=SequentialIds(),
        passwords=ScryptPasswordHasher.fast_for_tests(),
        token_secret=b"t" * 32,
    )


@pytest.fixture
def policies() -> Policies:
    """The default policies."""
    return Policies()


@pytest.fixture
def app(ports: Ports, policies: Policies) -> Ticketing:
    """Every use case, wired over ``ports``, with search following the event bus (as in
    ``in_memory()``)."""
    system = bootstrap(ports, policies)
    assert isinstance(ports.events, MemoryEventBus)
    system.indexer.subscribe(ports.events)
    return system


@pytest.fixture
async def world(app: Ticketing, clock: ManualClock) -> World:
    """Two theaters with a show each, a platform admin, theater staff and two customers."""
    return await build_world(app, clock)
