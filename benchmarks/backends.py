"""The library wired on each backend the booking scenarios run on, each on fresh storage.

:func:`opened` yields a :class:`Bench`: a :class:`~bookmyshow.bootstrap.Ticketing` over a
:class:`~bookmyshow.adapters.memory.ManualClock` (so a scenario decides when holds expire), on
a database and a Redis namespace made for it and removed afterwards.  Durability stays as the
servers ship it (MariaDB commits with ``innodb_flush_log_at_trx_commit=1``).

:meth:`Bench.seat_claims` reads what was sold from the store of record — the ``bookings`` and
``sold_seats`` tables for the SQL backends, the sales store in memory — never from the library's
own counters.
"""

from __future__ import annotations

import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from attrs import define, field
from sqlalchemy import event, func, select, text
from sqlalchemy.engine import Connection

from benchmarks.options import ServiceUrls
from benchmarks.services import ServiceMissing, reachable
from bookmyshow.adapters.memory import ManualClock, ScryptPasswordHasher
from bookmyshow.adapters.redis import RedisClient, connect
from bookmyshow.adapters.sql import SqlDatabase, create_database
from bookmyshow.adapters.sql.migrate import upgrade
from bookmyshow.adapters.sql.schema import bookings, sold_seats
from bookmyshow.bootstrap import Ticketing, bootstrap, hybrid_ports, in_memory_ports, sql_ports
from bookmyshow.domain.booking import BookingStatus
from bookmyshow.services.context import Policies

__all__ = [
    "Bench",
    "SeatClaims",
    "drop_mariadb",
    "drop_namespace",
    "fresh_mariadb",
    "missing_reason",
    "opened",
]

_POOL = 40
"""Connections per SQL engine: enough for the highest concurrency the scenarios drive."""


@define(kw_only=True)
class SeatClaims:
    """What the store of record says was sold for one show."""

    confirmed_seats: Counter[str]
    """Seat label -> how many confirmed bookings name it (more than one is an oversold seat)."""
    sold_rows: int
    """Rows of the sales record (the ``sold_seats`` table, or the memory sales store)."""
    bookings_sharing_a_seat: int = 0
    """Confirmed bookings naming a seat that another confirmed booking names too."""

    @property
    def oversold(self) -> int:
        """Seats that more than one confirmed booking names."""
        return sum(1 for n in self.confirmed_seats.values() if n > 1)


@define(kw_only=True)
class Bench:
    """One backend, wired and empty, for one scenario."""

    name: str
    app: Ticketing
    clock: ManualClock
    database: SqlDatabase | None = None
    redis: RedisClient | None = None
    sql_calls: Counter[str] = field(factory=Counter)
    """SQL statements sent (``statements``), transactions ended (``commits``, ``rollbacks``)
    and Redis commands sent (``redis_commands``, through ``execute_command``: the catalog
    cache's pipelines are not counted) since the bench opened, counted in this process."""

    async def round_trips(self) -> Counter[str]:
        """Statements, transaction ends and Redis commands so far: what a booking costs in
        round trips, which unlike seconds does not depend on how busy the machine is."""
        return Counter(self.sql_calls)

    async def seat_claims(self, show_id: str) -> SeatClaims:
        """Read the sold seats of ``show_id`` from the store of record."""
        if self.database is None:
            async with self.app.ports.uow() as uow:
                confirmed = await uow.bookings.of_show(
                    show_id, statuses=frozenset({BookingStatus.CONFIRMED})
                )
            sold = await self.app.ports.sales.sold_seats(show_id)
            return _claims([b.seats for b in confirmed], len(sold))
        async with self.database.writer.connect() as connection:
            rows = await connection.scalar(
                select(func.count()).select_from(sold_seats).where(sold_seats.c.show_id == show_id)
            )
            seats = (
                await connection.execute(
                    select(bookings.c.seats).where(
                        bookings.c.show_id == show_id,
                        bookings.c.status == BookingStatus.CONFIRMED.value,
                    )
                )
            ).all()
        return _claims([labels for (labels,) in seats], int(rows or 0))


def _claims(bookings: list[Iterable[str]], sold_rows: int) -> SeatClaims:
    seat_lists = [list(seats) for seats in bookings]
    named = Counter(seat for seats in seat_lists for seat in seats)
    sharing = sum(1 for seats in seat_lists if any(named[s] > 1 for s in seats))
    return SeatClaims(confirmed_seats=named, sold_rows=sold_rows, bookings_sharing_a_seat=sharing)


def missing_reason(name: str, services: ServiceUrls) -> str | None:
    """Why backend ``name`` cannot run here, or ``None`` when its servers answer."""
    needs_sql = name in {"mariadb", "hybrid", "cluster"}
    if needs_sql and not reachable(services.mariadb, 3306):
        return f"MariaDB is unreachable at {services.mariadb}"
    if name == "hybrid" and not reachable(services.redis, 6379):
        return f"Redis is unreachable at {services.redis}"
    if name == "cluster" and services.cluster is None:
        return "no Redis Cluster was started or given"
    return None


async def fresh_mariadb(base: str) -> tuple[str, str]:
    """Create an empty database on the server; its name and URL."""
    name = f"bms_bench_{uuid.uuid4().hex[:10]}"
    admin = create_database(f"{base}/mysql", pool_size=1)
    try:
        async with admin.writer.begin() as connection:
            await connection.execute(text(f"CREATE DATABASE {name}"))
    finally:
        await admin.dispose()
    return name, f"{base}/{name}"


async def drop_mariadb(base: str, name: str) -> None:
    """Drop the database ``name`` on the server at ``base`` (if it is there)."""
    admin = create_database(f"{base}/mysql", pool_size=1)
    try:
        async with admin.writer.begin() as connection:
            await connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
    finally:
        await admin.dispose()


async def drop_namespace(client: RedisClient, namespace: str) -> None:
    """Delete every key under ``namespace:`` (on a cluster too)."""
    keys = [key async for key in client.scan_iter(match=f"{namespace}:*", count=1000)]
    for key in keys:  # one by one: a cluster refuses multi-key DEL across slots
        await client.delete(key)


def _count_sql(database: SqlDatabase, calls: Counter[str]) -> None:
    engines = [database.writer] + ([database.reader] if database.reader is not None else [])
    for engine in engines:
        target = engine.sync_engine

        def statement(*_: object) -> None:
            calls["statements"] += 1

        def commit(_: Connection) -> None:
            calls["commits"] += 1

        def rollback(_: Connection) -> None:
            calls["rollbacks"] += 1

        event.listen(target, "before_cursor_execute", statement)
        event.listen(target, "commit", commit)
        event.listen(target, "rollback", rollback)


def _count_redis(client: RedisClient, calls: Counter[str]) -> None:
    # Every command of the adapters goes through execute_command (scripts too); the catalog
    # cache's pipelines go through execute, one round trip each.  Counted on this client only,
    # so other users of the server do not count.
    command = client.execute_command

    async def counted(*args: Any, **options: Any) -> Any:
        calls["redis_commands"] += 1
        return await command(*args, **options)

    client.execute_command = counted  # type: ignore[method-assign]


@asynccontextmanager
async def opened(
    name: str, services: ServiceUrls, policies: Policies | None = None
) -> AsyncIterator[Bench]:
    """The library on backend ``name`` (see :data:`benchmarks.options.BACKENDS`), on fresh
    storage that is removed when the block ends.  Raises :class:`ServiceMissing` when the
    backend's servers are not there."""
    reason = missing_reason(name, services)
    if reason is not None:
        raise ServiceMissing(reason)
    clock = ManualClock()
    passwords = ScryptPasswordHasher.fast_for_tests()
    if name == "memory":
        app = bootstrap(in_memory_ports(clock=clock, passwords=passwords), policies)
        try:
            yield Bench(name=name, app=app, clock=clock)
        finally:
            await app.close()
        return
    with tempfile.TemporaryDirectory(prefix="bms-bench-") as folder:
        created: str | None = None
        if name == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        else:
            created, url = await fresh_mariadb(services.mariadb)
        database = create_database(url, pool_size=_POOL)
        client: RedisClient | None = None
        namespace = f"bench{uuid.uuid4().hex[:8]}"
        try:
            await upgrade(database)
            if name in {"hybrid", "cluster"}:
                redis_url = services.redis if name == "hybrid" else services.cluster
                if redis_url is None:  # pragma: no cover - missing_reason said so
                    raise ServiceMissing("no Redis URL")
                client = connect(redis_url)
                ports = hybrid_ports(
                    database, client, namespace=namespace, clock=clock, passwords=passwords
                )
            else:
                ports = sql_ports(database, clock=clock, passwords=passwords)
            app = bootstrap(ports, policies)
            await app.start()
            bench = Bench(name=name, app=app, clock=clock, database=database, redis=client)
            _count_sql(database, bench.sql_calls)
            if client is not None:
                _count_redis(client, bench.sql_calls)
            try:
                yield bench
            finally:
                await app.close()
                if ports.seat_updates is not None and client is not None:
                    await ports.seat_updates.aclose()  # type: ignore[attr-defined]
        finally:
            if client is not None:
                await drop_namespace(client, namespace)
                await client.aclose()
            await database.dispose()
            if created is not None:
                await drop_mariadb(services.mariadb, created)
