"""The backends the service journeys run on: in memory, SQLite, MariaDB and the hybrid.

A journey module listed in :data:`JOURNEY_MODULES` runs each test that uses the ``ports`` fixture
(directly or through ``app`` and ``world``) once per backend, with node ids such as
``test_x[sqlite]``.  Every run starts from an empty store of its own, because the journeys use
fixed emails, sequential ids and ids like ``theater-1``: SQLite gets a copy of a migrated
template file, MariaDB a session database emptied first; the hybrid (holds and the fast stores
in Redis, the rest in MariaDB) adds a Redis namespace of its own, dropped afterwards.  Modules
that test pure logic or the in-memory wiring itself stay in memory only.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Final

import pytest
from attrs import frozen
from hypothesis import settings

from bookmyshow.adapters.memory import MemoryEventBus, ScryptPasswordHasher, SequentialIds
from bookmyshow.adapters.redis import connect
from bookmyshow.adapters.redis.seat_updates import RedisSeatUpdates
from bookmyshow.adapters.sql.database import SqlDatabase, create_database
from bookmyshow.bootstrap import Ticketing, bootstrap, hybrid_ports, in_memory_ports, sql_ports
from bookmyshow.ports.clock import Clock
from bookmyshow.ports.ids import IdGenerator
from bookmyshow.ports.search import MovieSearch
from bookmyshow.ports.security import PasswordHasher
from bookmyshow.services.context import Policies, Ports
from tests.redis_backends import drop_namespace
from tests.sql_backends import copy_sqlite, empty_tables

__all__ = [
    "BACKENDS",
    "JOURNEY_MODULES",
    "SQL_TIMEOUT_S",
    "JourneyBackend",
    "Opened",
    "backend_named",
    "backend_params",
    "sql_timeout_s",
    "wire",
]

BACKENDS: Final = ("memory", "sqlite", "mariadb", "hybrid")
"""Every backend a journey runs on; also the ids of the ``backend`` parameter."""

JOURNEY_MODULES: Final = frozenset(
    {
        "test_accounts",
        "test_booking_properties",
        "test_bookings",
        "test_browsing_service",
        "test_catalog_service",
        "test_coupons_service",
        "test_demo",
        "test_inventory_service",
        "test_search",
        "test_seats",
    }
)
"""The modules under ``tests/services`` whose ``ports``-based tests run on every backend."""

SQL_TIMEOUT_S: Final = 60
"""The base per-test timeout of a SQL-backed journey: a hung connection fails the test in about
a minute, not after the suite-wide five (see :func:`sql_timeout_s`)."""


def sql_timeout_s(*, per_example_s: float = 0.3) -> int:
    """:data:`SQL_TIMEOUT_S` plus ``per_example_s`` for each example the loaded Hypothesis
    profile runs, so that the "thorough" profile's property journeys are not cut short."""
    return SQL_TIMEOUT_S + math.ceil(per_example_s * settings().max_examples)


@frozen(kw_only=True)
class Opened:
    """Ports over a fresh, empty store, and how to release what they hold open."""

    ports: Ports
    close: Callable[[], Coroutine[Any, Any, None]]


async def _nothing() -> None:
    """Release nothing (the in-memory store needs no closing)."""


@frozen(kw_only=True)
class JourneyBackend:
    """Where one journey keeps its data.

    ``name`` is one of :data:`BACKENDS`.  ``sqlite_template`` (a migrated file, copied per
    :meth:`open`) is set for SQLite, ``mariadb_url`` (a migrated database, emptied per
    :meth:`open`) for MariaDB and the hybrid, ``redis_url`` for the hybrid.
    """

    name: str
    sqlite_template: Path | None = None
    mariadb_url: str | None = None
    redis_url: str | None = None

    async def open(
        self,
        *,
        clock: Clock,
        ids: IdGenerator,
        passwords: PasswordHasher,
        token_secret: bytes,
        search: MovieSearch | None = None,
    ) -> Opened:
        """Ports on this backend over an empty store, with the given clock, ids and hashing
        (and ``search`` as the index, if given).

        Whatever is not durable (payments, events, tokens, notifications, search) is the
        in-memory adapter on every backend, so the journeys' checks of the gateway and the
        event bus read the same objects everywhere.
        """
        if self.name == "memory":
            ports = in_memory_ports(
                clock=clock, ids=ids, passwords=passwords, token_secret=token_secret, search=search
            )
            return Opened(ports=ports, close=_nothing)
        database, cleanup = await self._empty_database()
        if self.name == "hybrid":
            return await self._hybrid(
                database,
                clock=clock,
                ids=ids,
                passwords=passwords,
                token_secret=token_secret,
                search=search,
            )
        ports = sql_ports(
            database,
            clock=clock,
            ids=ids,
            passwords=passwords,
            token_secret=token_secret,
            search=search,
        )

        async def close() -> None:
            await database.dispose()
            cleanup()

        return Opened(ports=ports, close=close)

    async def _hybrid(
        self,
        database: SqlDatabase,
        *,
        clock: Clock,
        ids: IdGenerator,
        passwords: PasswordHasher,
        token_secret: bytes,
        search: MovieSearch | None,
    ) -> Opened:
        """Hybrid ports over ``database`` and a fresh namespace on the shared Redis."""
        if self.redis_url is None:
            await database.dispose()
            raise ValueError("the hybrid backend needs a Redis URL")
        client = connect(self.redis_url)
        namespace = f"j{uuid.uuid4().hex[:12]}"
        ports = hybrid_ports(
            database,
            client,
            namespace=namespace,
            clock=clock,
            ids=ids,
            passwords=passwords,
            token_secret=token_secret,
            search=search,
        )

        async def close() -> None:
            try:
                if isinstance(ports.seat_updates, RedisSeatUpdates):
                    await ports.seat_updates.aclose()
                await drop_namespace(client, namespace)
            finally:
                await client.aclose()
                await database.dispose()

        return Opened(ports=ports, close=close)

    @asynccontextmanager
    async def fresh_ports(
        self, *, clock: Clock, search: MovieSearch | None = None
    ) -> AsyncIterator[Ports]:
        """Ports on this backend over an empty store, with sequential ids, fast hashing and a
        fixed token secret; closed when the block ends.

        For tests that need a fresh store more than once per test (one per Hypothesis example)
        or their own search index.
        """
        opened = await self.open(
            clock=clock,
            ids=SequentialIds(),
            passwords=ScryptPasswordHasher.fast_for_tests(),
            token_secret=b"t" * 32,
            search=search,
        )
        try:
            yield opened.ports
        finally:
            await opened.close()

    @asynccontextmanager
    async def system(
        self,
        *,
        clock: Clock,
        policies: Policies | None = None,
        search: MovieSearch | None = None,
    ) -> AsyncIterator[Ticketing]:
        """The whole system (:func:`wire`) over :meth:`fresh_ports`; closed when the block
        ends."""
        async with self.fresh_ports(clock=clock, search=search) as ports:
            yield wire(ports, policies)

    async def _empty_database(self) -> tuple[SqlDatabase, Callable[[], None]]:
        """A migrated database with no rows, and what removes it once its engines are closed."""
        if self.name == "sqlite" and self.sqlite_template is not None:
            url = copy_sqlite(self.sqlite_template, self.sqlite_template.parent)
            path = Path(url.removeprefix("sqlite+aiosqlite:///"))

            def remove() -> None:
                # The copies would otherwise pile up, one per test, in the session's tmp dir.
                for suffix in ("", "-wal", "-shm"):
                    path.with_name(path.name + suffix).unlink(missing_ok=True)

            return create_database(url), remove
        if self.name in {"mariadb", "hybrid"} and self.mariadb_url is not None:
            database = create_database(self.mariadb_url)
            try:
                await empty_tables(database)
            except BaseException:
                await database.dispose()
                raise
            return database, lambda: None
        raise ValueError(f"no database configured for backend {self.name!r}")


def backend_named(request: pytest.FixtureRequest, name: str) -> JourneyBackend:
    """The :class:`JourneyBackend` called ``name`` (one of :data:`BACKENDS`), with the session
    databases and Redis it needs taken from ``request``'s fixtures."""
    if name == "sqlite":
        return JourneyBackend(name=name, sqlite_template=request.getfixturevalue("sqlite_template"))
    if name == "mariadb":
        return JourneyBackend(name=name, mariadb_url=request.getfixturevalue("mariadb_scratch_url"))
    if name == "hybrid":
        return JourneyBackend(
            name=name,
            mariadb_url=request.getfixturevalue("mariadb_scratch_url"),
            redis_url=request.getfixturevalue("redis_url"),
        )
    return JourneyBackend(name=name)


def backend_params(*, timeout_s: int | None = None) -> list[pytest.ParameterSet]:
    """The ``backend`` parameters: memory, then SQLite, MariaDB and the hybrid, each with a
    timeout of ``timeout_s`` (default :func:`sql_timeout_s`)."""
    timeout = pytest.mark.timeout(sql_timeout_s() if timeout_s is None else timeout_s)
    return [
        pytest.param(name, id=name, marks=() if name == "memory" else (timeout,))
        for name in BACKENDS
    ]


def wire(ports: Ports, policies: Policies | None = None) -> Ticketing:
    """Every use case over ``ports`` as ``bootstrap`` wires it: search, the catalog cache (on the
    hybrid) and the seat feed follow the in-process event bus the journeys publish on."""
    events = ports.events
    if not isinstance(events, MemoryEventBus):
        raise TypeError(f"the journeys publish on a MemoryEventBus, not {type(events).__name__}")
    return bootstrap(ports, policies)
