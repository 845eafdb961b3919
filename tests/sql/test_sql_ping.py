"""SqlDatabase.ping: the readiness check of the SQL adapter."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from bookmyshow.adapters.sql.database import SqlDatabase, create_database
from bookmyshow.ports.errors import BackendUnavailable
from tests.redis_backends import free_port


@pytest.mark.parametrize("replica", [False, True])
async def test_a_live_database_answers_the_ping(sql_database: SqlDatabase, replica: bool) -> None:
    """The primary and the reader engine of a reachable database both answer."""
    await sql_database.ping(replica=replica)  # raises when it gets no answer


@pytest.mark.parametrize("replica", [False, True])
async def test_a_dead_port_is_backend_unavailable(replica: bool) -> None:
    """No server on the port: the ping raises BackendUnavailable, not a driver error."""
    url = f"mysql+asyncmy://root@127.0.0.1:{free_port()}/nothing"
    database = create_database(url, replica_url=url if replica else None, attempts=1)
    try:
        with pytest.raises(BackendUnavailable) as failed:
            await database.ping(replica=replica)
        assert failed.value.backend == "mysql"
    finally:
        await database.dispose()


async def test_the_sqlite_ping_does_not_wait_for_the_write_lock(tmp_path: Path) -> None:
    """While a writer holds SQLite's write lock, the primary ping still answers at once."""
    database = create_database(f"sqlite+aiosqlite:///{tmp_path / 'ping.db'}")
    try:
        async with database.transaction() as writing:
            # The writer's BEGIN IMMEDIATE holds the lock until this block ends.
            await writing.execute(text("CREATE TABLE t (x INTEGER)"))
            async with asyncio.timeout(2):
                await database.ping()
    finally:
        await database.dispose()
