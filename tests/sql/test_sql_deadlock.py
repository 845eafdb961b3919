"""Deadlocks and lock-wait timeouts: a transaction the database breaks is retried whole, and one
that cannot get its locks ends in ``BackendUnavailable`` with nothing half-written."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bookmyshow.adapters.sql.database import SqlDatabase, create_database
from bookmyshow.adapters.sql.inventory import SqlSeatHolds
from bookmyshow.adapters.sql.schema import hold_counters, hold_seats, holds
from bookmyshow.domain.holds import HoldRequest
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.testing.contracts.inventory import CONTRACT_POLICY
from bookmyshow.testing.strategies.inventory import EPOCH

pytestmark = pytest.mark.timeout(120)


def _show() -> str:
    return f"show-{uuid.uuid4().hex[:12]}"


@asynccontextmanager
async def _opened(url: str, **settings: Any) -> AsyncIterator[SqlDatabase]:
    database = create_database(url, **settings)
    try:
        yield database
    finally:
        await database.dispose()


async def _counters(database: SqlDatabase, shows: list[str]) -> list[int]:
    async with database.transaction(read_only=True) as connection:
        query = select(hold_counters.c.show_id, hold_counters.c.last_token).where(
            hold_counters.c.show_id.in_(shows)
        )
        rows = {show: token for show, token in await connection.execute(query)}
    return [rows[show] for show in shows]


async def test_a_deadlock_is_retried_and_both_transactions_commit(
    mariadb_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Two writers locking two rows in opposite orders deadlock (MariaDB error 1213); the victim
    is rolled back and run again, and both increments of both rows land exactly once."""
    shows = [_show(), _show()]
    started = {name: asyncio.Event() for name in ("ab", "ba")}
    runs = {"ab": 0, "ba": 0}

    def crossing(
        name: str, first: str, second: str
    ) -> Callable[[AsyncConnection], Awaitable[None]]:
        other = "ba" if name == "ab" else "ab"

        async def work(connection: AsyncConnection) -> None:
            runs[name] += 1
            for show in (first, second):
                await connection.execute(
                    select(hold_counters.c.last_token)
                    .where(hold_counters.c.show_id == show)
                    .with_for_update()
                )
                if show == first:
                    # Each holds its first row before either asks for its second.
                    started[name].set()
                    await started[other].wait()
            await connection.execute(
                update(hold_counters)
                .where(hold_counters.c.show_id.in_(shows))
                .values(last_token=hold_counters.c.last_token + 1)
            )

        return work

    async with _opened(mariadb_url) as database:
        async with database.transaction() as connection:
            await connection.execute(
                insert(hold_counters).values([{"show_id": s, "last_token": 0} for s in shows])
            )
        with caplog.at_level(logging.INFO, logger="bookmyshow.adapters.sql.database"):
            await asyncio.gather(
                database.write(crossing("ab", shows[0], shows[1])),
                database.write(crossing("ba", shows[1], shows[0])),
            )
        assert await _counters(database, shows) == [2, 2]
    assert sorted(runs.values()) == [1, 2], "exactly the victim ran twice"
    assert any("deadlock" in record.getMessage() for record in caplog.records)


async def _rows(database: SqlDatabase, show: str) -> tuple[list[Any], list[Any]]:
    async with database.transaction(read_only=True) as connection:
        hold_rows = (
            await connection.execute(
                select(holds.c.hold_id, holds.c.seats).where(holds.c.show_id == show)
            )
        ).all()
        seat_rows = (
            await connection.execute(
                select(hold_seats.c.seat, hold_seats.c.hold_id)
                .where(hold_seats.c.show_id == show)
                .order_by(hold_seats.c.seat)
            )
        ).all()
    return [tuple(r) for r in hold_rows], [tuple(r) for r in seat_rows]


async def test_a_lock_wait_timeout_exhausts_the_retries_and_holds_nothing(sql_url: str) -> None:
    """A hold that keeps waiting on a lock is retried, then raises BackendUnavailable, and leaves
    the rows as they were, although each attempt had deleted some before it waited."""
    show = _show()
    quick = {"lock_wait_timeout_s": 1, "busy_timeout_s": 0.3, "attempts": 2}
    async with _opened(sql_url) as setup, _opened(sql_url, **quick) as database:
        lapsed = await SqlSeatHolds(setup).hold(
            HoldRequest(
                hold_id="h1",
                show_id=show,
                owner_id="alice",
                seats={"A1", "A2"},
                policy=CONTRACT_POLICY,
            ),
            now=EPOCH,
        )
        before = await _rows(setup, show)
        taker = HoldRequest(
            hold_id="h2", show_id=show, owner_id="bob", seats={"A2", "A3"}, policy=CONTRACT_POLICY
        )
        async with setup.transaction() as blocker:
            # MariaDB: the lapsed hold's row, which the taker deletes after its seat rows.
            # SQLite: this write transaction holds the database's one write lock.
            await blocker.execute(
                select(holds.c.hold_id)
                .where(holds.c.show_id == show, holds.c.hold_id == "h1")
                .with_for_update()
            )
            with pytest.raises(BackendUnavailable) as info:
                await SqlSeatHolds(database).hold(taker, now=lapsed.expires_at)
            await blocker.rollback()
        assert info.value.backend == database.backend
        assert await _rows(setup, show) == before
        assert await _counters(setup, [show]) == [lapsed.token]
