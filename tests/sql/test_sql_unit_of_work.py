"""The SQL unit of work against the unit-of-work contract, plus what only a database can show."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone

import pytest
from attrs import evolve
from sqlalchemy import ColumnElement, Table, func, select, text

from bookmyshow.adapters.sql import schema
from bookmyshow.adapters.sql.database import SqlDatabase, create_database
from bookmyshow.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from bookmyshow.domain.catalog import Movie
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import BookingCreated, MovieAdded
from bookmyshow.ports.errors import BackendUnavailable, Conflict, NotFound
from bookmyshow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from bookmyshow.testing.contracts.repositories import add_world, committed, in_unit
from bookmyshow.testing.contracts.unit_of_work import UnitOfWorkContract
from bookmyshow.testing.fixtures import (
    T0,
    UniqueIds,
    sample_booking,
    sample_movie,
    sample_user,
    sample_world,
)

pytestmark = pytest.mark.timeout(120)

_IST = timezone(timedelta(hours=5, minutes=30), "IST")


class TestSqlUnitOfWork(UnitOfWorkContract):
    """SqlUnitOfWork keeps the unit-of-work contract on SQLite and MariaDB."""

    @pytest.fixture
    def uow_factory(self, sql_database: SqlDatabase) -> UnitOfWorkFactory:
        """Units over the session's migrated database of each SQL backend."""
        return SqlUnitOfWorkFactory(sql_database)


# --- what only a database shows -----------------------------------------------------------------


@pytest.fixture
def ids() -> UniqueIds:
    """Fresh ids with a random prefix (the session's databases are shared by every test)."""
    return UniqueIds(uuid.uuid4().hex[:10])


@pytest.fixture
def factory(sql_database: SqlDatabase) -> SqlUnitOfWorkFactory:
    """Units over the session's database of each SQL backend."""
    return SqlUnitOfWorkFactory(sql_database)


@pytest.fixture
async def impatient(sql_url: str) -> AsyncIterator[SqlDatabase]:
    """A database whose lock waits give up after a second (MariaDB) or 0.2 s (SQLite)."""
    database = create_database(sql_url, lock_wait_timeout_s=1, busy_timeout_s=0.2)
    try:
        yield database
    finally:
        await database.dispose()


async def _count(database: SqlDatabase, table: Table, where: ColumnElement[bool]) -> int:
    async with database.transaction() as connection:
        found = await connection.scalar(select(func.count()).select_from(table).where(where))
    return int(found or 0)


async def test_a_save_after_another_units_commit_is_a_conflict(
    factory: SqlUnitOfWorkFactory, ids: UniqueIds
) -> None:
    """A unit saving a row another unit changed and committed since its read gets
    Conflict(concurrent_update) naming the row, is rolled back, and the other change stays."""
    movie = sample_movie(ids("movie"))
    await committed(factory, lambda u: u.movies.add(movie))
    stale = factory()
    async with stale:
        seen = await stale.movies.get(movie.movie_id)
        await committed(factory, lambda u: u.movies.save(evolve(movie, popularity=7)))
        with pytest.raises(Conflict) as info:
            await stale.movies.save(evolve(seen, popularity=1))
        assert (info.value.what, info.value.keys) == (
            "concurrent_update",
            (f"movie:{movie.movie_id}",),
        )
        with pytest.raises(InvalidInput):
            await stale.movies.get(movie.movie_id)
    assert (await in_unit(factory, lambda u: u.movies.get(movie.movie_id))).popularity == 7


async def test_rollback_leaves_no_row_behind(
    sql_database: SqlDatabase, factory: SqlUnitOfWorkFactory, ids: UniqueIds
) -> None:
    """A unit that raises after writing rows and selling seats leaves none of them in any table."""
    world, user = sample_world(ids), sample_user(ids("user"))
    booking = sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id)

    async def fail_midway() -> None:
        async with factory() as uow:
            await add_world(uow, world)
            await uow.users.add(user)
            await uow.bookings.add(booking)
            await uow.sales.sell(
                world.show.show_id, booking.booking_id, booking.seats, fencing_token=1
            )
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await fail_midway()
    show_id = world.show.show_id
    assert await _count(sql_database, schema.shows, schema.shows.c.show_id == show_id) == 0
    assert await _count(sql_database, schema.bookings, schema.bookings.c.show_id == show_id) == 0
    assert (
        await _count(sql_database, schema.sold_seats, schema.sold_seats.c.show_id == show_id) == 0
    )
    assert await _count(sql_database, schema.users, schema.users.c.user_id == user.user_id) == 0


async def test_times_come_back_aware_utc_to_the_microsecond(
    factory: SqlUnitOfWorkFactory, ids: UniqueIds
) -> None:
    """Instants written in another zone with microseconds read back in UTC, the same instant."""
    world, user = sample_world(ids), sample_user(ids("user"))
    created = datetime(2030, 1, 6, 17, 29, 59, 123456, tzinfo=_IST)
    booking = evolve(
        sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id),
        created_at=created,
        updated_at=created,
        payment_due_at=created + timedelta(minutes=15, microseconds=1),
        events=[],
    )

    async def add(uow: UnitOfWork) -> None:
        await add_world(uow, world)
        await uow.users.add(user)
        await uow.bookings.add(booking)

    await committed(factory, add)
    found = await in_unit(factory, lambda u: u.bookings.get(booking.booking_id))
    for stored, written in (
        (found.created_at, created),
        (found.payment_due_at, booking.payment_due_at),
        (found.updated_at, created),
    ):
        assert stored.tzinfo is UTC
        assert stored == written
        assert stored.microsecond == written.astimezone(UTC).microsecond
    show = await in_unit(factory, lambda u: u.shows.get(world.show.show_id))
    assert show.starts_at.tzinfo is UTC


async def test_replica_units_read_but_refuse_every_write(
    sql_database: SqlDatabase, factory: SqlUnitOfWorkFactory, ids: UniqueIds
) -> None:
    """A replica unit sees committed rows; writes, locks, events and commit are InvalidInput."""
    world = sample_world(ids)
    await committed(factory, lambda u: add_world(u, world))
    replica = SqlUnitOfWorkFactory(sql_database, replica=True)
    show_id = world.show.show_id
    refused: list[Callable[[UnitOfWork], Awaitable[object]]] = [
        lambda u: u.movies.add(sample_movie(ids("movie"))),
        lambda u: u.movies.save(world.movie),
        lambda u: u.shows.get(show_id, for_update=True),
        lambda u: u.sales.sell(show_id, ids("booking"), frozenset({"A1"}), fencing_token=1),
        lambda u: u.sales.return_seats(show_id, ids("booking")),
        lambda u: u.commit(),
    ]
    for attempt in refused:
        async with replica() as uow:
            assert uow.replica
            assert await uow.shows.get(show_id) == world.show
            with pytest.raises(InvalidInput) as info:
                await attempt(uow)
            assert info.value.field == "unit_of_work"
            with pytest.raises(InvalidInput):
                uow.record(MovieAdded(occurred_at=T0, movie_id="m", title="t"))
            assert dict(await uow.sales.sold_seats(show_id)) == {}


async def test_a_lock_wait_that_times_out_is_a_conflict(
    impatient: SqlDatabase, ids: UniqueIds
) -> None:
    """A unit that cannot lock a row in time gets Conflict(concurrent_update) and is rolled back,
    while the unit holding the lock commits."""
    factory = SqlUnitOfWorkFactory(impatient)
    world = sample_world(ids)
    show_id = world.show.show_id
    await committed(factory, lambda u: add_world(u, world))
    locked, waited = asyncio.Event(), asyncio.Event()

    async def holder() -> None:
        async with factory() as uow:
            show = await uow.shows.get(show_id, for_update=True)
            locked.set()
            await waited.wait()
            show.cancel("held")
            await uow.shows.save(show)
            await uow.commit()

    async def waiter() -> None:
        await locked.wait()
        try:
            async with factory() as uow:
                await uow.shows.get(show_id, for_update=True)
        finally:
            waited.set()

    held, timed_out = await asyncio.gather(holder(), waiter(), return_exceptions=True)
    assert held is None
    assert isinstance(timed_out, Conflict), timed_out
    assert timed_out.what == "concurrent_update"
    assert (await in_unit(factory, lambda u: u.shows.get(show_id))).cancel_reason == "held"


async def test_units_locking_rows_in_opposite_orders_have_one_winner(
    impatient: SqlDatabase, ids: UniqueIds
) -> None:
    """Two units locking two rows in opposite orders (a deadlock on MariaDB, a busy write lock on
    SQLite): one commits, the other gets Conflict(concurrent_update) and changes nothing."""
    factory = SqlUnitOfWorkFactory(impatient)
    first, second = sample_movie(ids("movie")), sample_movie(ids("movie"))

    async def setup(uow: UnitOfWork) -> None:
        await uow.movies.add(first)
        await uow.movies.add(second)

    await committed(factory, setup)
    a_locked, b_locked = asyncio.Event(), asyncio.Event()

    async def unit(mine: Movie, theirs: Movie, locked: asyncio.Event, other: asyncio.Event) -> str:
        try:
            async with factory() as uow:
                try:
                    await uow.movies.save(evolve(mine, popularity=1))
                finally:
                    locked.set()
                await other.wait()
                await uow.movies.save(evolve(theirs, popularity=2))
                await uow.commit()
        finally:
            locked.set()
        return mine.movie_id

    async def late_b() -> str:
        await a_locked.wait()
        return await unit(second, first, b_locked, a_locked)

    results = await asyncio.gather(
        unit(first, second, a_locked, b_locked), late_b(), return_exceptions=True
    )
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if not isinstance(r, str)]
    assert len(winners) == 1, results
    assert all(isinstance(r, Conflict) and r.what == "concurrent_update" for r in losers), losers
    stored = {m.movie_id: m.popularity for m in await in_unit(factory, lambda u: u.movies.list())}
    winner, loser = (first, second) if winners[0] == first.movie_id else (second, first)
    assert (stored[winner.movie_id], stored[loser.movie_id]) == (1, 2)


async def test_a_lost_connection_is_backend_unavailable_and_writes_nothing(
    mariadb_url: str, ids: UniqueIds
) -> None:
    """Killing a unit's MariaDB connection mid-unit makes its next call BackendUnavailable, ends
    the unit, and leaves none of its writes."""
    database = create_database(mariadb_url)
    admin = create_database(mariadb_url)
    try:
        factory = SqlUnitOfWorkFactory(database)
        movie, later = sample_movie(ids("movie")), sample_movie(ids("movie"))
        async with factory() as uow:
            await uow.movies.add(movie)
            async with admin.transaction() as connection:
                victims = (
                    (
                        await connection.execute(
                            text(
                                "SELECT ID FROM information_schema.PROCESSLIST"
                                " WHERE DB = DATABASE() AND ID <> CONNECTION_ID()"
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
                assert len(victims) == 1, victims
                await connection.execute(text(f"KILL {int(victims[0])}"))
            with pytest.raises(BackendUnavailable):
                await uow.movies.add(later)
            with pytest.raises(InvalidInput):
                await uow.commit()
        found = await in_unit(factory, lambda u: u.movies.list())
        assert {movie.movie_id, later.movie_id}.isdisjoint(m.movie_id for m in found)
    finally:
        await database.dispose()
        await admin.dispose()


async def test_what_a_table_cannot_hold_is_invalid_input(
    factory: SqlUnitOfWorkFactory, ids: UniqueIds
) -> None:
    """A runtime with a fraction of a second or text longer than its column is InvalidInput on
    every backend, and the unit stays usable."""
    world, user = sample_world(ids), sample_user(ids("user"))
    movie = sample_movie(ids("movie"))
    booking = sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id)
    async with factory() as uow:
        await add_world(uow, world)
        await uow.users.add(user)
        with pytest.raises(InvalidInput) as fraction:
            await uow.movies.add(evolve(movie, duration=timedelta(minutes=90, milliseconds=5)))
        assert fraction.value.field == "duration"
        with pytest.raises(InvalidInput) as too_long:
            await uow.bookings.add(evolve(booking, hold_id="h" * 129, events=[]))
        assert too_long.value.field == "hold_id"
        await uow.movies.add(movie)
        await uow.bookings.add(booking)
        await uow.commit()
    assert await in_unit(factory, lambda u: u.movies.get(movie.movie_id)) == movie
    assert await in_unit(factory, lambda u: u.bookings.get(booking.booking_id)) == booking


async def test_a_missing_parent_is_not_found(factory: SqlUnitOfWorkFactory, ids: UniqueIds) -> None:
    """A booking for an unknown show or user is NotFound of that kind (the foreign keys), and the
    unit stays usable."""
    world, user = sample_world(ids), sample_user(ids("user"))

    async def setup(uow: UnitOfWork) -> None:
        await add_world(uow, world)
        await uow.users.add(user)

    await committed(factory, setup)
    async with factory() as uow:
        with pytest.raises(NotFound) as no_show:
            await uow.bookings.add(
                sample_booking(ids("booking"), user_id=user.user_id, show_id=ids("show"))
            )
        assert no_show.value.kind == "show"
        with pytest.raises(NotFound) as no_user:
            await uow.bookings.add(
                sample_booking(ids("booking"), user_id=ids("user"), show_id=world.show.show_id)
            )
        assert no_user.value.kind == "user"
        booking = sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id)
        await uow.bookings.add(booking)
        await uow.commit()
    assert (
        await in_unit(factory, lambda u: u.bookings.get(booking.booking_id))
    ).booking_id == booking.booking_id


async def _outbox(database: SqlDatabase, aggregate_ids: set[str]) -> list[tuple[str, str]]:
    table = schema.outbox
    statement = (
        select(table.c.aggregate_id, table.c.event_name)
        .where(table.c.aggregate_id.in_(sorted(aggregate_ids)))
        .order_by(table.c.position)
    )
    async with database.transaction() as connection:
        return [(row.aggregate_id, row.event_name) for row in await connection.execute(statement)]


async def test_the_outbox_holds_exactly_the_committed_events_in_order(
    sql_database: SqlDatabase, factory: SqlUnitOfWorkFactory, ids: UniqueIds
) -> None:
    """A committed unit's recorded and booking events are outbox rows in call order, written in
    its transaction; a rolled-back unit's events never reach the outbox."""
    world, user = sample_world(ids), sample_user(ids("user"))
    booking = sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id)
    dropped = sample_movie(ids("movie"))
    movie_id = world.movie.movie_id
    uow = factory()
    async with uow:
        await add_world(uow, world)
        await uow.users.add(user)
        uow.record(MovieAdded(occurred_at=T0, movie_id=movie_id, title=world.movie.title))
        await uow.bookings.add(booking)
        await uow.commit()
    async with factory() as rolled_back:
        rolled_back.record(MovieAdded(occurred_at=T0, movie_id=dropped.movie_id, title="x"))
    mine = {movie_id, booking.booking_id, dropped.movie_id}
    assert await _outbox(sql_database, mine) == [
        (movie_id, MovieAdded.name),
        (booking.booking_id, BookingCreated.name),
    ]
    assert [type(e) for e in uow.committed_events()] == [MovieAdded, BookingCreated]
