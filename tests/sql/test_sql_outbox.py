"""The transactional outbox and its relay, on SQLite and MariaDB.

The session database is shared with other tests, so each test first marks whatever they left
unpublished as published, and uses aggregate ids of its own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from sqlalchemy import func, select, update

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.adapters.memory.events import MemoryEventBus
from bookmyshow.adapters.sql.codec import decode_event, encode_event
from bookmyshow.adapters.sql.database import SqlDatabase, create_database
from bookmyshow.adapters.sql.outbox import (
    OutboxPublishFailed,
    OutboxRelay,
    aggregate_id_of,
    append_events,
)
from bookmyshow.adapters.sql.schema import outbox
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import (
    BookingCancelled,
    DomainEvent,
    MovieAdded,
    MovieChanged,
    ReviewRemoved,
    ScreenAdded,
    SeatsHeld,
    SeatsReturned,
    ShowScheduled,
    TheaterAdded,
    TheaterChanged,
)
from bookmyshow.domain.money import Money
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.testing.strategies.booking import domain_events

pytestmark = pytest.mark.timeout(120)

AT = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


class Recorder:
    """An event publisher that records what it publishes, optionally failing or dawdling."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.published: list[DomainEvent] = []
        self.failures: dict[str, list[Exception]] = {}  # movie_id -> errors to raise in turn
        self.delay = delay

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Record ``events``, unless a failure is queued for one of them."""
        for event in events:
            queued = self.failures.get(aggregate_id_of(event))
            if queued:
                raise queued.pop(0)
            if self.delay:
                await asyncio.sleep(self.delay)
            self.published.append(event)

    def of(self, prefix: str) -> list[DomainEvent]:
        """The recorded events of this test's aggregates, in publishing order."""
        return [e for e in self.published if aggregate_id_of(e).startswith(prefix)]


def _movie(aggregate: str, n: int) -> MovieChanged:
    return MovieChanged(
        occurred_at=AT + timedelta(seconds=n), movie_id=aggregate, changed=frozenset({f"f{n}"})
    )


@pytest.fixture
async def database(sql_database: SqlDatabase) -> SqlDatabase:
    """The session database with every event other tests left behind marked published."""
    async with sql_database.transaction() as connection:
        await connection.execute(
            update(outbox).where(outbox.c.published_at.is_(None)).values(published_at=AT)
        )
    return sql_database


@pytest.fixture
def prefix() -> str:
    """A prefix for this test's aggregate ids."""
    return f"t{uuid.uuid4().hex[:10]}-"


async def _commit(database: SqlDatabase, events: Sequence[DomainEvent]) -> None:
    async with database.transaction() as connection:
        await append_events(connection, events)


async def _pending(database: SqlDatabase, prefix: str) -> int:
    async with database.transaction(read_only=True) as connection:
        count = await connection.execute(
            select(func.count())
            .select_from(outbox)
            .where(outbox.c.published_at.is_(None), outbox.c.aggregate_id.startswith(prefix))
        )
        return int(count.scalar_one())


async def test_committed_events_are_published_once_in_order(
    database: SqlDatabase, prefix: str
) -> None:
    """Events of a committed transaction are published once, in append order, then marked."""
    events = [_movie(f"{prefix}m1", n) for n in range(5)]
    await _commit(database, events[:3])
    await _commit(database, events[3:])
    recorder = Recorder()
    relay = OutboxRelay(database, recorder, clock=ManualClock())
    assert await relay.pending_count() == 5
    assert await relay.relay_once() == 5
    assert await relay.relay_once() == 0
    assert recorder.of(prefix) == events
    assert await relay.pending_count() == 0


async def test_rolled_back_events_are_never_published(database: SqlDatabase, prefix: str) -> None:
    """Events appended in a transaction that rolls back leave no row and are never published."""
    async with database.writer.connect() as connection:
        transaction = await connection.begin()
        await append_events(connection, [_movie(f"{prefix}gone", 1)])
        await transaction.rollback()
    await _commit(database, [_movie(f"{prefix}kept", 2)])
    recorder = Recorder()
    assert await OutboxRelay(database, recorder).relay_once() == 1
    assert [aggregate_id_of(e) for e in recorder.of(prefix)] == [f"{prefix}kept"]


async def test_small_batches_publish_everything_in_order(
    database: SqlDatabase, prefix: str
) -> None:
    """relay_once publishes at most batch_size rows, oldest first, and the next call goes on."""
    events = [_movie(f"{prefix}m", n) for n in range(7)]
    await _commit(database, events)
    recorder = Recorder()
    relay = OutboxRelay(database, recorder, batch_size=3)
    assert [await relay.relay_once() for _ in range(4)] == [3, 3, 1, 0]
    assert recorder.of(prefix) == events


async def test_relay_resumes_at_the_failed_event(database: SqlDatabase, prefix: str) -> None:
    """A publisher failure marks what went before, and the next run starts at the failed event."""
    first, second, third = (_movie(f"{prefix}{name}", n) for n, name in enumerate("abc"))
    await _commit(database, [first, second, third])
    recorder = Recorder()
    recorder.failures[f"{prefix}b"] = [BackendUnavailable(backend="broker", reason="down")]
    relay = OutboxRelay(database, recorder)
    with pytest.raises(OutboxPublishFailed) as info:
        await relay.relay_once()
    error = info.value
    assert (error.aggregate_id, error.event_name, error.published, error.attempts) == (
        f"{prefix}b",
        "movie.changed",
        1,
        1,
    )
    assert isinstance(error.__cause__, BackendUnavailable)
    assert recorder.of(prefix) == [first]
    assert await _pending(database, prefix) == 2
    assert await relay.relay_once() == 2
    assert recorder.of(prefix) == [first, second, third]


async def test_transient_failures_are_never_given_up(database: SqlDatabase, prefix: str) -> None:
    """BackendUnavailable from the publisher is retried however often it recurs."""
    await _commit(database, [_movie(f"{prefix}a", 1)])
    recorder = Recorder()
    recorder.failures[f"{prefix}a"] = [
        BackendUnavailable(backend="broker", reason="down") for _ in range(3)
    ]
    relay = OutboxRelay(database, recorder, max_attempts=1)
    for attempt in (1, 2, 3):
        with pytest.raises(OutboxPublishFailed) as info:
            await relay.relay_once()
        assert info.value.attempts == attempt
    assert await relay.relay_once() == 1
    assert len(recorder.of(prefix)) == 1


async def test_poison_event_is_given_up_after_max_attempts(
    database: SqlDatabase, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    """An event the publisher keeps rejecting is logged and skipped after max_attempts, so the
    events behind it go out."""
    poison, after = _movie(f"{prefix}poison", 1), _movie(f"{prefix}after", 2)
    await _commit(database, [poison, after])
    recorder = Recorder()
    recorder.failures[f"{prefix}poison"] = [ValueError(f"bad {n}") for n in range(10)]
    relay = OutboxRelay(database, recorder, max_attempts=3)
    for _ in range(2):
        with pytest.raises(OutboxPublishFailed):
            await relay.relay_once()
    with caplog.at_level(logging.ERROR, logger="bookmyshow.adapters.sql.outbox"):
        assert await relay.relay_once() == 2
    assert "gave up on event movie.changed" in caplog.text
    assert f"{prefix}poison" in caplog.text
    assert recorder.of(prefix) == [after]
    assert await _pending(database, prefix) == 0


async def test_handler_failures_of_a_bus_count_as_published(
    database: SqlDatabase, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    """EventDeliveryFailed from an in-process bus marks the event published: it is not re-sent."""
    bus = MemoryEventBus()
    calls: list[str] = []

    async def broken(event: MovieChanged) -> None:
        calls.append(event.movie_id)
        raise RuntimeError("handler bug")

    bus.subscribe(MovieChanged, broken)
    await _commit(database, [_movie(f"{prefix}a", 1), _movie(f"{prefix}b", 2)])
    relay = OutboxRelay(database, bus)
    with caplog.at_level(logging.ERROR, logger="bookmyshow.adapters.sql.outbox"):
        assert await relay.relay_once() == 2
    assert await relay.relay_once() == 0
    assert [c for c in calls if c.startswith(prefix)] == [f"{prefix}a", f"{prefix}b"]
    assert "published but handlers failed" in caplog.text


async def test_two_relays_publish_each_event_once_in_order(
    database: SqlDatabase, prefix: str, sql_url: str
) -> None:
    """Two relays on separate engines, running at once, publish every event exactly once and
    each aggregate's events in order."""
    aggregates = [f"{prefix}agg{n}" for n in range(3)]
    appended: list[DomainEvent] = []
    for step in range(12):
        batch = [_movie(a, step * 10 + i) for i, a in enumerate(aggregates)]
        await _commit(database, batch)
        appended.extend(batch)
    recorder = Recorder(delay=0.002)
    other_database = create_database(sql_url)
    try:
        relays = [
            OutboxRelay(database, recorder, batch_size=4),
            OutboxRelay(other_database, recorder, batch_size=4),
        ]

        async def drain(relay: OutboxRelay) -> None:
            while await _pending(database, prefix):
                await relay.relay_once()

        await asyncio.gather(*(drain(relay) for relay in relays))
    finally:
        await other_database.dispose()
    published = recorder.of(prefix)
    assert sorted(map(repr, published)) == sorted(map(repr, appended))
    for aggregate in aggregates:
        mine = [e for e in published if aggregate_id_of(e) == aggregate]
        assert mine == [e for e in appended if aggregate_id_of(e) == aggregate]


async def test_writers_are_not_blocked_while_a_relay_publishes(
    database: SqlDatabase, prefix: str
) -> None:
    """While the relay publishes a batch, other transactions still commit (a handler may write),
    and their events follow in the next batch."""
    first, second = _movie(f"{prefix}a", 1), _movie(f"{prefix}b", 2)
    await _commit(database, [first])
    entered, appended = asyncio.Event(), asyncio.Event()
    published: list[DomainEvent] = []

    class Waiting:
        """Holds its first batch until the other transaction has committed."""

        async def publish(self, events: Sequence[DomainEvent]) -> None:
            entered.set()
            await asyncio.wait_for(appended.wait(), timeout=20)
            published.extend(events)

    relay = OutboxRelay(database, Waiting())
    task = asyncio.create_task(relay.relay_once())
    await asyncio.wait_for(entered.wait(), timeout=20)
    await asyncio.wait_for(_commit(database, [second]), timeout=10)
    appended.set()
    assert await task == 1
    assert await relay.relay_once() == 1
    assert [e for e in published if aggregate_id_of(e).startswith(prefix)] == [first, second]


async def test_run_relays_until_stopped(database: SqlDatabase, prefix: str) -> None:
    """run() publishes events as they are committed and returns once stop is set."""
    recorder = Recorder()
    relay = OutboxRelay(database, recorder)
    stop = asyncio.Event()
    task = asyncio.create_task(relay.run(interval=0.02, stop=stop))
    try:
        events = [_movie(f"{prefix}m", n) for n in range(3)]
        for event in events:
            await _commit(database, [event])
        for _ in range(500):
            if len(recorder.of(prefix)) == 3:
                break
            await asyncio.sleep(0.01)
        assert recorder.of(prefix) == events
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


async def test_run_survives_publisher_failures(database: SqlDatabase, prefix: str) -> None:
    """run() logs a publisher failure and publishes the event on a later round."""
    await _commit(database, [_movie(f"{prefix}m", 1)])
    recorder = Recorder()
    recorder.failures[f"{prefix}m"] = [BackendUnavailable(backend="broker", reason="down")]
    stop = asyncio.Event()
    task = asyncio.create_task(OutboxRelay(database, recorder).run(interval=0.02, stop=stop))
    try:
        for _ in range(500):
            if recorder.of(prefix):
                break
            await asyncio.sleep(0.01)
        assert len(recorder.of(prefix)) == 1
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


async def test_purge_deletes_published_rows_before_the_cutoff(
    database: SqlDatabase, prefix: str
) -> None:
    """purge_published deletes rows published before the cutoff, never unpublished ones."""
    clock = ManualClock(AT + timedelta(days=10))
    await _commit(database, [_movie(f"{prefix}old", 1)])
    await OutboxRelay(database, Recorder(), clock=clock).relay_once()
    await _commit(database, [_movie(f"{prefix}new", 2)])
    relay = OutboxRelay(database, Recorder(), clock=clock)
    cutoff = AT + timedelta(days=11)
    while await relay.purge_published(cutoff, limit=50) == 50:
        pass
    async with database.transaction(read_only=True) as connection:
        left = await connection.execute(
            select(outbox.c.aggregate_id).where(outbox.c.aggregate_id.startswith(prefix))
        )
        assert list(left.scalars()) == [f"{prefix}new"]
    with pytest.raises(InvalidInput):
        await relay.purge_published(datetime(2030, 1, 1))  # naive on purpose


async def test_bad_events_insert_nothing(database: SqlDatabase, prefix: str) -> None:
    """append_events refuses a non-event item with InvalidInput and inserts none of the batch."""
    with pytest.raises(InvalidInput) as info:
        await _commit(database, [_movie(f"{prefix}m", 1), "not an event"])  # type: ignore[list-item]
    assert info.value.field == "events[1]"
    assert await _pending(database, prefix) == 0


@given(domain_events())
def test_every_event_goes_through_the_outbox_codec(event: DomainEvent) -> None:
    """Every registered event names an aggregate and survives encode, JSON and decode equal."""
    assert aggregate_id_of(event)
    name, payload = encode_event(event)
    assert decode_event(name, json.loads(json.dumps(payload))) == event


def test_aggregate_id_is_the_most_specific_id() -> None:
    """The aggregate id is the first id of: booking, review, hold, show, movie, screen, theater."""
    money = Money(10000)
    seats = frozenset({"A1"})
    cases: list[tuple[DomainEvent, str]] = [
        (MovieAdded(occurred_at=AT, movie_id="m1", title="T"), "m1"),
        (
            ShowScheduled(
                occurred_at=AT,
                show_id="s1",
                movie_id="m1",
                theater_id="t1",
                screen_id="sc1",
                starts_at=AT,
            ),
            "s1",
        ),
        (
            SeatsHeld(
                occurred_at=AT,
                show_id="s1",
                hold_id="h1",
                owner_id="u1",
                seats=seats,
                expires_at=AT,
            ),
            "h1",
        ),
        (SeatsReturned(occurred_at=AT, show_id="s1", booking_id="b1", seats=seats), "b1"),
        (
            BookingCancelled(
                occurred_at=AT,
                booking_id="b1",
                user_id="u1",
                show_id="s1",
                seats=seats,
                refund_id="r1",
                refund_amount=money,
                reason="customer",
            ),
            "b1",
        ),
        (ReviewRemoved(occurred_at=AT, review_id="rv1", movie_id="m1", user_id="u1"), "rv1"),
        (ScreenAdded(occurred_at=AT, screen_id="sc1", theater_id="t1"), "sc1"),
        (TheaterAdded(occurred_at=AT, theater_id="t1", city_id="c1"), "t1"),
        (TheaterChanged(occurred_at=AT, theater_id="t1", city_id="c1", changed={"name"}), "t1"),
    ]
    for event, expected in cases:
        assert aggregate_id_of(event) == expected


@pytest.fixture
async def memory_sqlite() -> AsyncIterator[SqlDatabase]:
    """An in-memory SQLite database (no file)."""
    database = create_database("sqlite+aiosqlite:///:memory:")
    try:
        yield database
    finally:
        await database.dispose()


async def test_relay_refuses_bad_settings(memory_sqlite: SqlDatabase) -> None:
    """OutboxRelay raises InvalidInput for a bad batch size, publisher or in-memory SQLite."""
    with pytest.raises(InvalidInput) as info:
        OutboxRelay(memory_sqlite, Recorder())
    assert info.value.field == "database"
    for kwargs, field in (({"batch_size": 0}, "batch_size"), ({"max_attempts": 0}, "max_attempts")):
        with pytest.raises(InvalidInput) as info:
            OutboxRelay(memory_sqlite, Recorder(), **kwargs)  # type: ignore[arg-type]
        assert info.value.field == field
    with pytest.raises(InvalidInput) as info:
        OutboxRelay(memory_sqlite, object())  # type: ignore[arg-type]
    assert info.value.field == "publisher"
