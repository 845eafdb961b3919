"""The packaged migrations: they build exactly the schema module's tables, and undo them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bookmyshow.adapters.sql.database import create_database
from bookmyshow.adapters.sql.migrate import current_revision, downgrade, head_revision, upgrade
from bookmyshow.adapters.sql.schema import metadata

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(params=["sqlite", "mariadb"])
def server(request: pytest.FixtureRequest) -> str | None:
    """``None`` for SQLite, else the MariaDB server URL (skipping, with the session fixture's
    reason, when it is unreachable)."""
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("mariadb_url")
    return url.rsplit("/", 1)[0]


@pytest.fixture
async def empty_url(server: str | None, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of a brand-new, empty database on each backend (dropped afterwards)."""
    if server is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    name = f"bms_mig_{uuid.uuid4().hex[:12]}"
    admin = create_database(f"{server}/mysql")
    try:
        async with admin.writer.connect() as connection:
            await connection.exec_driver_sql(f"CREATE DATABASE `{name}`")
        yield f"{server}/{name}"
    finally:
        async with admin.writer.connect() as connection:
            await connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        await admin.dispose()


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_upgrade_builds_the_schema_and_downgrade_removes_it(empty_url: str) -> None:
    """From empty, upgrade reaches head with no difference from schema.py; downgrade to base
    drops every table; upgrading again works."""
    assert await current_revision(empty_url) is None
    await upgrade(empty_url)
    assert await current_revision(empty_url) == head_revision()
    database = create_database(empty_url)
    try:
        async with database.writer.connect() as connection:
            assert await connection.run_sync(_differences) == []
            assert await connection.run_sync(_tables) == set(metadata.tables)
        await downgrade(empty_url, "base")
        assert await current_revision(empty_url) is None
        async with database.writer.connect() as connection:
            assert await connection.run_sync(_tables) == set()
        await upgrade(empty_url)
        assert await current_revision(empty_url) == head_revision()
    finally:
        await database.dispose()


async def test_keys_differing_only_by_case_or_trailing_space_are_distinct(empty_url: str) -> None:
    """Keys compare byte for byte, without padding: "k", "K" and "k " are three keys, and a
    repeated key is refused by the database."""
    await upgrade(empty_url)
    database = create_database(empty_url)
    insert = text(
        "INSERT INTO idempotency_keys (`key`, fingerprint, response, `until`) "
        "VALUES (:key, 'f', NULL, '2030-01-01 00:00:00')"
    )
    try:
        async with database.writer.begin() as connection:
            for key in ("k", "K", "k "):
                await connection.execute(insert, {"key": key})
        async with database.writer.connect() as connection:
            count = await connection.scalar(text("SELECT COUNT(*) FROM idempotency_keys"))
        assert count == 3
        with pytest.raises(IntegrityError):
            async with database.writer.begin() as connection:
                await connection.execute(insert, {"key": "k "})
    finally:
        await database.dispose()
