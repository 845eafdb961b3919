"""The SQL idempotency store against the idempotency contract, plus its purge, on both backends."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.adapters.sql.database import SqlDatabase, create_database
from bookmyshow.adapters.sql.idempotency import SqlIdempotencyStore
from bookmyshow.adapters.sql.schema import idempotency_keys
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.errors import IdempotencyKeyReused
from bookmyshow.ports.idempotency import (
    Completed,
    IdempotencyInProgress,
    IdempotencyStore,
    Started,
)
from bookmyshow.testing.contracts.idempotency import IdempotencyStoreContract

pytestmark = pytest.mark.timeout(120)


async def _empty(database: SqlDatabase) -> None:
    """The contract expects an empty store; the session database is shared between tests."""
    async with database.transaction() as connection:
        await connection.execute(delete(idempotency_keys))


async def _rows(database: SqlDatabase) -> int:
    async with database.transaction(read_only=True) as connection:
        count = (
            await connection.execute(select(func.count()).select_from(idempotency_keys))
        ).scalar_one()
    return int(count)


class TestSqlIdempotencyStore(IdempotencyStoreContract):
    """SqlIdempotencyStore keeps the idempotency store contract on SQLite and MariaDB."""

    @pytest.fixture(autouse=True)
    async def _empty_table(self, sql_database: SqlDatabase) -> None:
        """Each test starts from an empty idempotency_keys table."""
        await _empty(sql_database)

    @pytest.fixture
    def store(self, sql_database: SqlDatabase, clock: ManualClock) -> IdempotencyStore:
        """A SQL store on the manual clock with the contract's lease and retention."""
        return SqlIdempotencyStore(
            sql_database, clock=clock, lease=self.lease, retention=self.retention
        )


@pytest.fixture
async def sql_store(sql_database: SqlDatabase) -> tuple[SqlIdempotencyStore, ManualClock]:
    """An SQL store over an emptied table, with its manual clock."""
    await _empty(sql_database)
    clock = ManualClock()
    store = SqlIdempotencyStore(
        sql_database, clock=clock, lease=timedelta(minutes=5), retention=timedelta(hours=1)
    )
    return store, clock


async def test_purge_forgets_expired_rows_only(
    sql_store: tuple[SqlIdempotencyStore, ManualClock], sql_database: SqlDatabase
) -> None:
    """purge() deletes completions past retention and starts dead a retention long, nothing else."""
    store, clock = sql_store
    await store.begin("done", "fp")
    await store.complete("done", "ok")
    await store.begin("dead", "fp")
    clock.advance(timedelta(minutes=30))
    await store.begin("live", "fp")
    clock.advance(timedelta(minutes=31))  # "done" is past retention; "dead" lease ended 56 min ago
    assert await store.purge() == 1
    assert await _rows(sql_database) == 2
    clock.advance(timedelta(minutes=10))  # "dead" lease ended over an hour ago
    assert await store.purge() == 1
    assert await store.begin("live", "fp") == Started(key="live")  # lease over: taken over
    assert await _rows(sql_database) == 1


async def test_purge_is_bounded(
    sql_store: tuple[SqlIdempotencyStore, ManualClock], sql_database: SqlDatabase
) -> None:
    """purge(limit=n) deletes at most n rows per call."""
    store, clock = sql_store
    for n in range(5):
        await store.begin(f"k{n}", "fp")
        await store.complete(f"k{n}", "ok")
    clock.advance(timedelta(hours=2))
    assert await store.purge(limit=2) == 2
    assert await store.purge(limit=2) == 2
    assert await store.purge(limit=2) == 1
    assert await _rows(sql_database) == 0


async def test_purge_refuses_bad_arguments(
    sql_store: tuple[SqlIdempotencyStore, ManualClock],
) -> None:
    """purge() raises InvalidInput for a non-positive limit."""
    store, _ = sql_store
    with pytest.raises(InvalidInput) as info:
        await store.purge(limit=0)
    assert info.value.field == "limit"


async def test_long_fingerprints_are_compared_whole(
    sql_store: tuple[SqlIdempotencyStore, ManualClock],
) -> None:
    """Fingerprints wider than the column still replay when equal and are refused when not."""
    store, _ = sql_store
    long = "x" * 300
    assert await store.begin("k", long) == Started(key="k")
    await store.complete("k", "ok")
    assert await store.begin("k", long) == Completed(key="k", response="ok")
    with pytest.raises(IdempotencyKeyReused):
        await store.begin("k", long + "y")


async def test_concurrent_begins_from_two_pools_start_once(
    sql_store: tuple[SqlIdempotencyStore, ManualClock], sql_url: str
) -> None:
    """Two stores on separate engines racing for fresh keys: each key is started exactly once."""
    store, clock = sql_store
    other_database = create_database(sql_url)
    try:
        other = SqlIdempotencyStore(other_database, clock=clock)
        for n in range(5):
            results = await asyncio.gather(
                *(s.begin(f"race{n}", "fp") for s in (store, other) * 10),
                return_exceptions=True,
            )
            assert sum(isinstance(r, Started) for r in results) == 1
            assert all(isinstance(r, Started | IdempotencyInProgress) for r in results)
    finally:
        await other_database.dispose()


async def test_oversized_response_is_refused(
    sql_store: tuple[SqlIdempotencyStore, ManualClock],
) -> None:
    """complete() raises InvalidInput for a response wider than a TEXT column; the start stays."""
    store, _ = sql_store
    await store.begin("k", "fp")
    with pytest.raises(InvalidInput) as info:
        await store.complete("k", "é" * 40_000)
    assert info.value.field == "response"
    with pytest.raises(IdempotencyInProgress):
        await store.begin("k", "fp")


async def test_begin_purges_opportunistically(
    sql_store: tuple[SqlIdempotencyStore, ManualClock],
    sql_database: SqlDatabase,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every PURGE_EVERY-th begin() first purges forgotten rows, so the table stays bounded."""
    monkeypatch.setattr("bookmyshow.adapters.sql.idempotency.PURGE_EVERY", 3)
    store, clock = sql_store
    await store.begin("old", "fp")
    await store.complete("old", "ok")
    clock.advance(timedelta(hours=2))
    await store.begin("a", "fp")
    assert await _rows(sql_database) == 2
    await store.begin("b", "fp")  # the third begin: "old" is purged first
    assert await _rows(sql_database) == 2
