"""SQL test databases: one migrated SQLite file and one migrated MariaDB database per test session.

The schema is built through the packaged migrations (never ``create_all``), once per session.
The MariaDB database gets a random name and is dropped at the end, so concurrent runs never meet.

Tests that need an *empty* database of their own (the service journeys, whose fixed emails and
sequential ids would collide) use :func:`sqlite_template` (a migrated file nobody writes to, copied
per test with :func:`copy_sqlite`) and :func:`mariadb_scratch_url` (a second session database that
each test empties first with :func:`empty_tables`).
Without a reachable MariaDB the tests that need it skip with the reason; under
``BOOKMYSHOW_REQUIRE_SERVICES=1`` that skip fails the run (see ``tests/conftest.py``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Final

import pytest
from sqlalchemy import delete

from bookmyshow.adapters.sql.database import SqlDatabase, create_database
from bookmyshow.adapters.sql.migrate import upgrade
from bookmyshow.adapters.sql.schema import metadata

__all__ = [
    "SQL_BACKENDS",
    "copy_sqlite",
    "empty_tables",
    "mariadb_fresh_url",
    "mariadb_scratch_url",
    "mariadb_url",
    "sql_database",
    "sql_url",
    "sqlite_template",
    "sqlite_url",
]

SQL_BACKENDS = ("sqlite", "mariadb")
"""The parameters of :func:`sql_url`: every SQL backend the suite runs on."""

_HOST = os.environ.get("BOOKMYSHOW_MARIADB_HOST", "127.0.0.1")
_PORT = int(os.environ.get("BOOKMYSHOW_MARIADB_PORT", "3306"))
_USER = os.environ.get("BOOKMYSHOW_MARIADB_USER", "root")


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


async def _admin(statement: str) -> None:
    database = create_database(f"mysql+asyncmy://{_USER}@{_HOST}:{_PORT}/mysql")
    try:
        async with database.writer.connect() as connection:
            await connection.exec_driver_sql(statement)
            await connection.commit()
    finally:
        await database.dispose()


_CREATE: Final = "CREATE DATABASE `{}` CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin"
_DROP: Final = "DROP DATABASE IF EXISTS `{}`"


def _new_database(prefix: str) -> tuple[str, str]:
    """A random database name and its URL; skips when MariaDB is unreachable."""
    if not _reachable(_HOST, _PORT):
        pytest.skip(f"MariaDB is unreachable at {_HOST}:{_PORT} (see ../shared/SERVICES.md)")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    return name, f"mysql+asyncmy://{_USER}@{_HOST}:{_PORT}/{name}"


def _session_mariadb() -> Iterator[str]:
    """Create and migrate a randomly named MariaDB database, yield its URL, drop it after."""
    name, url = _new_database("bms_test")
    asyncio.run(_admin(_CREATE.format(name)))
    try:
        asyncio.run(upgrade(url))
        yield url
    finally:
        asyncio.run(_admin(_DROP.format(name)))


@pytest.fixture
async def mariadb_fresh_url() -> AsyncIterator[str]:
    """A new migrated MariaDB database for this test alone (say, for server processes that need
    one no other test touches); dropped afterwards."""
    name, url = _new_database("bms_fresh")
    await _admin(_CREATE.format(name))
    try:
        await upgrade(url)
        yield url
    finally:
        await _admin(_DROP.format(name))


@pytest.fixture(scope="session")
def mariadb_url() -> Iterator[str]:
    """A migrated database of its own on the MariaDB at 127.0.0.1:3306, dropped afterwards."""
    yield from _session_mariadb()


@pytest.fixture(scope="session")
def mariadb_scratch_url() -> Iterator[str]:
    """Another migrated MariaDB database for the session, for tests that empty it first.

    Kept apart from :func:`mariadb_url` so that emptying it never removes rows another test of
    the session relies on.  Users call :func:`empty_tables` before each test.
    """
    yield from _session_mariadb()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite database in a file (WAL mode), for the whole session."""
    path = tmp_path_factory.mktemp("sqlite") / "bookmyshow.db"
    url = f"sqlite+aiosqlite:///{path}"
    asyncio.run(upgrade(url))
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that no test opens: :func:`copy_sqlite` gives each test a copy.

    Copying a file is far cheaper than migrating one.  The migration's engine is disposed
    before this returns, so the write-ahead log is checkpointed into the file and the file
    alone is the whole database.
    """
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


def copy_sqlite(template: Path, directory: Path) -> str:
    """Copy ``template`` to a new file in ``directory`` and return the copy's URL."""
    path = directory / f"bookmyshow-{uuid.uuid4().hex[:12]}.db"
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


async def empty_tables(database: SqlDatabase) -> None:
    """Delete every row of every table of the schema (the migration bookkeeping stays).

    Children go before parents, so foreign keys are never violated.  On MariaDB this takes a few
    milliseconds where ``TRUNCATE`` of every table (DDL: each table is recreated) takes ~75 ms.
    """
    async with database.transaction() as connection:
        for table in reversed(metadata.sorted_tables):
            await connection.execute(delete(table))


@pytest.fixture(params=SQL_BACKENDS)
def sql_url(request: pytest.FixtureRequest) -> str:
    """The URL of each SQL backend's session database in turn."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
async def sql_database(sql_url: str) -> AsyncIterator[SqlDatabase]:
    """A :class:`SqlDatabase` (its own engines and pool) over :func:`sql_url`, disposed after."""
    database = create_database(sql_url)
    try:
        yield database
    finally:
        await database.dispose()
