"""The SQL sales store's own guarantees: the database refuses a second sale of a seat whatever the
caller does, a refused ``sell_in`` leaves the caller's transaction unchanged and usable, and
concurrent writers that slip between a sale's reads and its inserts are met correctly."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bookmyshow.adapters.sql.database import SqlDatabase, create_database
from bookmyshow.adapters.sql.errors import Failure, classify
from bookmyshow.adapters.sql.inventory import SqlSeatSales, return_in, sell_in, sold_in
from bookmyshow.adapters.sql.schema import seat_fences, sold_seats
from bookmyshow.domain.holds import SeatsUnavailable
from bookmyshow.domain.sales import StaleFencingToken

pytestmark = pytest.mark.timeout(120)


def _show() -> str:
    return f"show-{uuid.uuid4().hex[:12]}"


def _sold_row(show: str, seat: str, booking: str, token: int) -> dict[str, Any]:
    return {"show_id": show, "seat": seat, "booking_id": booking, "fencing_token": token}


async def _state(database: SqlDatabase, show: str) -> tuple[dict[str, str], dict[str, int]]:
    """The committed sold seats and fences of ``show``."""
    async with database.transaction(read_only=True) as connection:
        sold = await sold_in(connection, show)
        fences = {
            seat: fence
            for seat, fence in await connection.execute(
                select(seat_fences.c.seat, seat_fences.c.fence).where(seat_fences.c.show_id == show)
            )
        }
    return sold, fences


async def test_database_refuses_a_second_sale_inserted_by_raw_sql(
    sql_database: SqlDatabase,
) -> None:
    """An INSERT into sold_seats for a sold seat, bypassing the adapter, fails in the database."""
    show = _show()
    await SqlSeatSales(sql_database).sell(show, "b1", frozenset({"A1", "A2"}), fencing_token=3)
    with pytest.raises(IntegrityError) as info:
        async with sql_database.transaction() as connection:
            await connection.execute(insert(sold_seats).values(_sold_row(show, "A2", "b2", 99)))
    assert classify(info.value) is Failure.DUPLICATE
    assert await _state(sql_database, show) == ({"A1": "b1", "A2": "b1"}, {"A1": 3, "A2": 3})


async def test_a_returned_seat_can_be_sold_again(sql_database: SqlDatabase) -> None:
    """Returning a booking deletes its rows but keeps the fences; a newer token sells again."""
    show = _show()
    sales = SqlSeatSales(sql_database)
    await sales.sell(show, "b1", frozenset({"A1", "A2"}), fencing_token=3)
    assert await sales.return_seats(show, "b1") == {"A1", "A2"}
    assert await _state(sql_database, show) == ({}, {"A1": 3, "A2": 3})
    await sales.sell(show, "b2", frozenset({"A2", "A3"}), fencing_token=4)
    assert await _state(sql_database, show) == (
        {"A2": "b2", "A3": "b2"},
        {"A1": 3, "A2": 4, "A3": 4},
    )


async def test_refused_sell_in_leaves_the_transaction_unchanged_and_usable(
    sql_database: SqlDatabase,
) -> None:
    """Inside one transaction, sold and stale refusals undo nothing before them and block nothing
    after them; the transaction commits exactly the accepted sales."""
    show = _show()
    sales = SqlSeatSales(sql_database)
    await sales.sell(show, "b0", frozenset({"A3"}), fencing_token=5)
    await sales.return_seats(show, "b0")
    async with sql_database.transaction() as connection:
        await sell_in(connection, show, "b1", frozenset({"A1"}), fencing_token=2)
        with pytest.raises(SeatsUnavailable) as sold:
            await sell_in(connection, show, "b2", frozenset({"A1", "A2"}), fencing_token=3)
        assert (sold.value.seats, sold.value.reason) == (frozenset({"A1"}), "sold")
        with pytest.raises(StaleFencingToken) as stale:
            await sell_in(connection, show, "b3", frozenset({"A2", "A3"}), fencing_token=4)
        assert (stale.value.seats, stale.value.fence) == (frozenset({"A3"}), 5)
        await sell_in(connection, show, "b4", frozenset({"A2"}), fencing_token=6)
        assert await sold_in(connection, show) == {"A1": "b1", "A2": "b4"}
        assert await return_in(connection, show, "b1") == {"A1"}
    assert await _state(sql_database, show) == ({"A2": "b4"}, {"A1": 2, "A2": 6, "A3": 5})


async def test_a_duplicate_key_undoes_only_its_own_statement(sql_database: SqlDatabase) -> None:
    """The backend property sell_in relies on: a multi-row INSERT hitting a duplicate key inserts
    none of its rows, keeps the transaction's earlier rows, and the transaction goes on."""
    show = _show()
    async with sql_database.transaction() as connection:
        await connection.execute(insert(sold_seats).values(_sold_row(show, "A1", "b1", 1)))
        with pytest.raises(IntegrityError):
            await connection.execute(
                insert(sold_seats).values(
                    [_sold_row(show, "A0", "b2", 2), _sold_row(show, "A1", "b2", 2)]
                )
            )
        await connection.execute(insert(sold_seats).values(_sold_row(show, "A2", "b3", 3)))
    assert (await _state(sql_database, show))[0] == {"A1": "b1", "A2": "b3"}


# -- concurrent writers between a sale's reads and its insert (MariaDB: SQLite has one writer) --


async def _thread_id(connection: AsyncConnection) -> int:
    thread: int = (await connection.execute(text("SELECT CONNECTION_ID()"))).scalar_one()
    return thread


async def _until_waiting(database: SqlDatabase, thread: int) -> None:
    """Return once the transaction of connection ``thread`` waits for a row lock."""
    query = text(
        "SELECT trx_state FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = :thread"
    )
    for _ in range(40):
        # InnoDB refreshes this table only when it was last read over 0.1 s ago.
        await asyncio.sleep(0.12)
        async with database.writer.connect() as connection:
            state = (await connection.execute(query, {"thread": thread})).scalar_one_or_none()
        if state == "LOCK WAIT":
            return
    raise AssertionError("the sale never waited for the row lock")


async def test_a_sale_racing_a_raw_insert_is_refused_as_sold(mariadb_url: str) -> None:
    """A sale whose insert meets a concurrently committed row names that seat as sold, and its
    transaction keeps its earlier sale and commits."""
    show = _show()
    database = create_database(mariadb_url)
    try:
        async with database.transaction() as raw:
            await raw.execute(insert(sold_seats).values(_sold_row(show, "A1", "b-raw", 9)))
            async with database.transaction() as mine:
                thread = await _thread_id(mine)
                await sell_in(mine, show, "b0", frozenset({"B1"}), fencing_token=1)
                racing = asyncio.create_task(
                    sell_in(mine, show, "b1", frozenset({"A1", "A2"}), fencing_token=2)
                )
                await _until_waiting(database, thread)
                await raw.commit()
                with pytest.raises(SeatsUnavailable) as info:
                    await racing
                assert (info.value.seats, info.value.reason) == (frozenset({"A1"}), "sold")
        assert await _state(database, show) == ({"A1": "b-raw", "B1": "b0"}, {"B1": 1})
    finally:
        await database.dispose()


async def test_a_fence_created_during_a_sale_is_checked_again(mariadb_url: str) -> None:
    """A first sale of a seat that another transaction sells and returns (with a newer token)
    while this sale waits to insert is decided again: stale, and leaves no row behind."""
    show = _show()
    database = create_database(mariadb_url)
    try:
        async with database.transaction() as other, database.transaction() as mine:
            await other.execute(insert(sold_seats).values(_sold_row(show, "A1", "b-new", 9)))
            thread = await _thread_id(mine)
            racing = asyncio.create_task(
                sell_in(mine, show, "b-old", frozenset({"A1", "A2"}), fencing_token=5)
            )
            await _until_waiting(database, thread)
            # The newer sale completes and is returned before the waiting insert goes on.
            await other.execute(insert(seat_fences).values(show_id=show, seat="A1", fence=9))
            await other.execute(delete(sold_seats).where(sold_seats.c.show_id == show))
            await other.commit()
            with pytest.raises(StaleFencingToken) as info:
                await racing
            assert (info.value.seats, info.value.token, info.value.fence) == (
                frozenset({"A1"}),
                5,
                9,
            )
            assert await sold_in(mine, show) == {}
            await sell_in(mine, show, "b-newest", frozenset({"A1", "A2"}), fencing_token=10)
        assert await _state(database, show) == (
            {"A1": "b-newest", "A2": "b-newest"},
            {"A1": 10, "A2": 10},
        )
    finally:
        await database.dispose()
