"""What a MySQL/MariaDB connection costs when it goes back to the pool.

Every unit of work ends its transaction itself, so the pool sends no ROLLBACK of its own on
return (it used to: one wasted round trip per unit); a connection that comes back with a
transaction still open is rolled back, as the pool always did.  Measured on the server's own
counter, ``Com_rollback``, of the one pooled connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.util import greenlet_spawn

from bookmyshow.adapters.sql.database import SqlDatabase, create_database
from bookmyshow.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from bookmyshow.testing.fixtures import sample_user


@pytest.fixture
async def one_connection(mariadb_url: str) -> AsyncIterator[SqlDatabase]:
    """The session's MariaDB through a pool of exactly one connection."""
    database = create_database(mariadb_url, pool_size=1)
    database.writer.sync_engine.pool._max_overflow = 0  # type: ignore[attr-defined]
    try:
        yield database
    finally:
        await database.dispose()


async def _rollbacks(database: SqlDatabase) -> int:
    async with database.writer.connect() as connection:
        row = (await connection.execute(text("SHOW SESSION STATUS LIKE 'Com_rollback'"))).one()
        count = int(row[1])
        await connection.commit()
    return count


async def test_units_that_ended_their_transaction_cost_no_extra_rollback(
    one_connection: SqlDatabase,
) -> None:
    """A committed unit and a read-only unit each send exactly the ROLLBACK they need (the
    read's own), none on the connection's return to the pool."""
    factory = SqlUnitOfWorkFactory(one_connection)
    user = sample_user("usr_pool_reset_1")
    before = await _rollbacks(one_connection)
    async with factory() as uow:
        await uow.users.add(user)
        await uow.commit()
    after_commit = await _rollbacks(one_connection)
    async with factory() as uow:
        assert (await uow.users.get(user.user_id)).user_id == user.user_id
    after_read = await _rollbacks(one_connection)
    assert after_commit - before == 0
    assert after_read - after_commit == 1


async def test_a_connection_returned_mid_transaction_is_rolled_back(
    one_connection: SqlDatabase,
) -> None:
    """A connection handed back with its transaction open (a raw DBAPI connection here) is
    rolled back on its return: the next user of the pool does not see its uncommitted row."""
    engine = one_connection.writer
    raw = await engine.raw_connection()

    def write_and_return() -> None:
        cursor = raw.cursor()
        cursor.execute(
            "INSERT INTO cities (city_id, name, state, time_zone, version)"
            " VALUES ('cty_pool_reset', 'Nowhere', 'X', 'UTC', 1)"
        )
        cursor.close()
        raw.close()

    await greenlet_spawn(write_and_return)
    async with engine.connect() as connection:
        found = await connection.scalar(
            text("SELECT COUNT(*) FROM cities WHERE city_id = 'cty_pool_reset'")
        )
        await connection.commit()
    assert found == 0
