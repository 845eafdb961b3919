"""The inventory contract for the SQL holds and sales adapters, on SQLite and on MariaDB, and the
SQL-specific guarantees of the hold tables."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from sqlalchemy import select

from bookmyshow.adapters.sql.database import SqlDatabase, create_database
from bookmyshow.adapters.sql.inventory import SqlSeatHolds, SqlSeatSales
from bookmyshow.adapters.sql.schema import hold_counters, hold_seats, holds
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.holds import HoldLimitExceeded, HoldRequest, SeatsUnavailable
from bookmyshow.testing.contracts.inventory import (
    CONTRACT_POLICY,
    InventoryContract,
    InventoryFactory,
    InventoryPair,
)
from bookmyshow.testing.strategies.inventory import EPOCH

pytestmark = pytest.mark.timeout(120)

_POOL_SIZE = 16
"""Per engine (plus as many overflow connections): the rush runs through dozens of connections
on each of two engines, well inside MariaDB's default 151 even with other test runs beside it."""


@asynccontextmanager
async def sql_inventory(url: str) -> AsyncIterator[InventoryPair]:
    """SQL holds and sales over a new engine on ``url``; ``reopen`` opens another engine."""
    database = create_database(url, pool_size=_POOL_SIZE)

    def reopen() -> AbstractAsyncContextManager[InventoryPair]:
        """An independent engine and adapters over the same database."""
        return sql_inventory(url)

    try:
        yield InventoryPair(
            holds=SqlSeatHolds(database), sales=SqlSeatSales(database), reopen=reopen
        )
    finally:
        await database.dispose()


class TestSqlInventory(InventoryContract):
    """SQL holds and SQL sales in one database, reopened through a second engine."""

    @pytest.fixture
    def inventory_factory(self, sql_url: str) -> InventoryFactory:
        """Each pair gets its own engine over the session's migrated database."""
        return lambda: sql_inventory(sql_url)

    # Every step of every example is a few real transactions: about 75 s on the "dev" profile.
    @pytest.mark.timeout(600)
    def test_agrees_with_an_independent_model(self, inventory_factory: InventoryFactory) -> None:
        """Random sequences of hold/extend/release/sell/stale-sell/return/time match the model."""
        super().test_agrees_with_an_independent_model(inventory_factory)


def _request(show: str, hold_id: str, owner: str, seats: set[str]) -> HoldRequest:
    return HoldRequest(
        hold_id=hold_id, show_id=show, owner_id=owner, seats=seats, policy=CONTRACT_POLICY
    )


async def _rows(database: SqlDatabase, show: str) -> dict[str, Any]:
    """Every hold-table row of ``show``, as plain values."""
    async with database.transaction(read_only=True) as connection:
        counter = (
            await connection.execute(
                select(hold_counters.c.last_token).where(hold_counters.c.show_id == show)
            )
        ).scalar_one_or_none()
        hold_rows = (
            await connection.execute(
                select(holds.c.hold_id, holds.c.owner_id, holds.c.seats, holds.c.token)
                .where(holds.c.show_id == show)
                .order_by(holds.c.hold_id)
            )
        ).all()
        seat_rows = (
            await connection.execute(
                select(hold_seats.c.seat, hold_seats.c.hold_id)
                .where(hold_seats.c.show_id == show)
                .order_by(hold_seats.c.seat)
            )
        ).all()
    return {
        "counter": counter,
        "holds": [tuple(row) for row in hold_rows],
        "seats": [tuple(row) for row in seat_rows],
    }


async def test_conflicting_hold_writes_no_row(sql_database: SqlDatabase) -> None:
    """A hold refused for held seats or the user cap leaves every hold-table row as it was."""
    show = f"show-{uuid.uuid4().hex[:12]}"
    seats = SqlSeatHolds(sql_database)
    first = await seats.hold(_request(show, "h1", "alice", {"A2", "A4", "A6"}), now=EPOCH)
    before = await _rows(sql_database, show)
    assert before == {
        "counter": first.token,
        "holds": [("h1", "alice", ["A2", "A4", "A6"], first.token)],
        "seats": [("A2", "h1"), ("A4", "h1"), ("A6", "h1")],
    }
    with pytest.raises(SeatsUnavailable) as held:
        await seats.hold(_request(show, "h2", "bob", {"A1", "A2", "A3", "A4"}), now=EPOCH)
    assert held.value.seats == {"A2", "A4"}
    assert await _rows(sql_database, show) == before
    with pytest.raises(HoldLimitExceeded):
        await seats.hold(_request(show, "h3", "alice", {"B1", "B2", "B3", "B4"}), now=EPOCH)
    assert await _rows(sql_database, show) == before


async def test_take_over_drops_the_lapsed_hold_whole(sql_database: SqlDatabase) -> None:
    """A hold on one seat of a lapsed hold deletes that hold's row and all of its seat rows."""
    show = f"show-{uuid.uuid4().hex[:12]}"
    seats = SqlSeatHolds(sql_database)
    lapsed = await seats.hold(_request(show, "h1", "alice", {"A1", "A2", "A3"}), now=EPOCH)
    taker = await seats.hold(_request(show, "h2", "bob", {"A3", "A4"}), now=lapsed.expires_at)
    assert await _rows(sql_database, show) == {
        "counter": taker.token,
        "holds": [("h2", "bob", ["A3", "A4"], taker.token)],
        "seats": [("A3", "h2"), ("A4", "h2")],
    }


async def test_refused_calls_on_an_unknown_show_leave_no_row(sql_database: SqlDatabase) -> None:
    """Reads, purges and refused changes of a show without holds create no counter row."""
    show = f"show-{uuid.uuid4().hex[:12]}"
    seats = SqlSeatHolds(sql_database)
    assert list(await seats.purge_expired(show, now=EPOCH)) == []
    assert list(await seats.active_holds(show, now=EPOCH)) == []
    assert await _rows(sql_database, show) == {"counter": None, "holds": [], "seats": []}


async def test_values_longer_than_their_columns_are_invalid_input(
    sql_database: SqlDatabase,
) -> None:
    """An over-long id or seat label is InvalidInput on every backend, and nothing is written."""
    show = f"show-{uuid.uuid4().hex[:12]}"
    seats = SqlSeatHolds(sql_database)
    with pytest.raises(InvalidInput) as owner:
        await seats.hold(_request(show, "h1", "o" * 129, {"A1"}), now=EPOCH)
    assert owner.value.field == "owner_id"
    with pytest.raises(InvalidInput) as seat:
        await seats.hold(_request(show, "h1", "alice", {"A" * 33}), now=EPOCH)
    assert seat.value.field == "seat"
    sales = SqlSeatSales(sql_database)
    with pytest.raises(InvalidInput) as booking:
        await sales.sell(show, "b" * 129, frozenset({"A1"}), fencing_token=1)
    assert booking.value.field == "booking_id"
    assert await _rows(sql_database, show) == {"counter": None, "holds": [], "seats": []}
    assert await sales.sold_seats(show) == {}
