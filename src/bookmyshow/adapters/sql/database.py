"""Engines and transactions: where every SQL adapter gets its connections.

:class:`SqlDatabase` holds a *writer* engine and, optionally, a *reader* engine for reads that
tolerate replication lag (browsing, seat-map previews); everything in a booking uses the writer.
:meth:`SqlDatabase.write` runs a whole transaction and retries it, a bounded number of times,
when the database breaks a deadlock or a lock wait times out; every other driver error becomes a
port error (:class:`~bookmyshow.ports.errors.BackendUnavailable` for a lost connection), and the
transaction is rolled back, so nothing is ever half-written.

Dialect set-up:

* **MySQL / MariaDB** (``mysql+asyncmy://`` or ``mysql+aiomysql://``): ``READ COMMITTED``
  isolation (no gap locks; lost updates are prevented by row versions, double sales by keys) and
  a short per-session ``innodb_lock_wait_timeout``.
* **SQLite** (``sqlite+aiosqlite:///path``): WAL journal, foreign keys on, and write
  transactions opened with ``BEGIN IMMEDIATE`` so that concurrent writers queue for the write
  lock (up to ``busy_timeout``) instead of failing midway on an upgrade from a read lock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, Final, TypeVar

from attrs import define, field
from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import PoolResetState

from bookmyshow.adapters.sql.errors import classify, unavailable
from bookmyshow.domain.errors import InvalidInput

__all__ = ["DEFAULT_ATTEMPTS", "SqlDatabase", "create_database", "is_sqlite"]

_T = TypeVar("_T")
_log = logging.getLogger(__name__)

DEFAULT_ATTEMPTS: Final = 5
_SUPPORTED: Final = frozenset({"mysql", "mariadb", "sqlite"})
# A URL without a driver gets the async driver the extras install.
_DEFAULT_DRIVERS: Final = {"mysql": "asyncmy", "mariadb": "asyncmy", "sqlite": "aiosqlite"}


async def _select_one(connection: AsyncConnection) -> object:
    return (await connection.execute(text("SELECT 1"))).scalar_one()


def is_sqlite(engine: AsyncEngine) -> bool:
    """Whether ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


def _parse(url: str | URL, name: str) -> URL:
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # Not chained: the parser's message may quote the URL, password included.
        raise InvalidInput(field=name, reason="not a database URL") from None
    if parsed.get_backend_name() not in _SUPPORTED:
        raise InvalidInput(
            field=name, reason="supported: mysql+asyncmy://, mysql+aiomysql://, sqlite+aiosqlite://"
        )
    backend = parsed.get_backend_name()
    if "+" not in parsed.drivername:
        parsed = parsed.set(drivername=f"{backend}+{_DEFAULT_DRIVERS[backend]}")
    return parsed


def _sqlite_engine(url: URL, *, writer: bool, busy_timeout_s: float) -> AsyncEngine:
    engine = create_async_engine(url, connect_args={"timeout": busy_timeout_s})

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event decide how transactions start (pysqlite's own handling
        # would begin lazily, as DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


def _in_transaction(dbapi_connection: Any) -> bool:
    """Whether the server's last reply on this (pool-adapted) MySQL connection said a
    transaction is open: every reply carries that flag, and asyncmy and aiomysql keep it.
    ``True`` when the driver does not say, so that such a connection is rolled back."""
    driver = getattr(dbapi_connection, "driver_connection", None)
    status = getattr(driver, "get_transaction_status", None)
    return True if status is None else bool(status())


def _mysql_engine(url: URL, *, pool_size: int, lock_wait_timeout_s: int) -> AsyncEngine:
    engine = create_async_engine(
        url,
        isolation_level="READ COMMITTED",
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        pool_pre_ping=False,
        # The "reset" listener below decides instead of the pool's unconditional ROLLBACK.
        pool_reset_on_return=None,
    )

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, _record: Any, state: PoolResetState) -> None:
        # Every unit and transaction here ends with its own COMMIT or ROLLBACK, so the pool's
        # ROLLBACK on return was one wasted round trip per unit: a fifth of a booking's round
        # trips.  A connection returned with a transaction still open (a task cancelled
        # mid-unit, a raw connection) is rolled back as before.
        if state.terminate_only or not state.asyncio_safe or state.transaction_was_reset:
            return
        if _in_transaction(dbapi_connection):
            dbapi_connection.rollback()

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"SET SESSION innodb_lock_wait_timeout = {int(lock_wait_timeout_s)}")
        cursor.execute("SET SESSION time_zone = '+00:00'")
        cursor.close()

    return engine


def _engine(
    url: URL, *, writer: bool, pool_size: int, lock_wait_timeout_s: int, busy_timeout_s: float
) -> AsyncEngine:
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(url, writer=writer, busy_timeout_s=busy_timeout_s)
    return _mysql_engine(url, pool_size=pool_size, lock_wait_timeout_s=lock_wait_timeout_s)


@define(kw_only=True)
class SqlDatabase:
    """A writer engine, an optional reader engine, and the transaction runner over them.

    Build it with :func:`create_database`; call :meth:`dispose` when done.
    """

    writer: AsyncEngine
    reader: AsyncEngine | None = None
    attempts: int = DEFAULT_ATTEMPTS
    backend: str = field(default="sql")

    @property
    def read_engine(self) -> AsyncEngine:
        """The engine for lag-tolerant reads: the reader if one is configured, else the writer."""
        return self.reader if self.reader is not None else self.writer

    @property
    def dialect(self) -> str:
        """``"mysql"``, ``"mariadb"`` or ``"sqlite"``."""
        return self.writer.dialect.name

    async def dispose(self) -> None:
        """Close every pooled connection of both engines."""
        await self.writer.dispose()
        if self.reader is not None:
            await self.reader.dispose()

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[AsyncConnection]:
        """One transaction on a pooled connection: committed if the block ends normally, rolled
        back if it raises.  Driver errors are *not* translated here; callers that want retries
        and translation use :meth:`write` / :meth:`read`."""
        engine = self.read_engine if read_only else self.writer
        async with engine.begin() as connection:
            yield connection

    async def write(self, work: Callable[[AsyncConnection], Awaitable[_T]]) -> _T:
        """Run ``work`` in a write transaction and commit; retry the whole transaction on a
        deadlock or lock-wait timeout (up to :attr:`attempts` in all), then raise
        ``BackendUnavailable``.  Domain and port errors raised by ``work`` roll back and pass
        through untouched."""
        return await self._run(work, read_only=False)

    async def read(self, work: Callable[[AsyncConnection], Awaitable[_T]]) -> _T:
        """Run ``work`` in a transaction on the reader engine (lag-tolerant reads only)."""
        return await self._run(work, read_only=True)

    async def read_latest(self, work: Callable[[AsyncConnection], Awaitable[_T]]) -> _T:
        """Run a read that must see every committed write (a hold just granted, a seat just
        sold, a summary just moved).

        SQLite's reader engine opens the same file, so it is never behind, and it does not queue
        for the write lock as the writer's ``BEGIN IMMEDIATE`` would.  Elsewhere the reader may
        be a lagging replica, so the read goes to the primary (a plain ``SELECT`` there takes no
        lock).
        """
        if self.dialect == "sqlite":
            return await self.read(work)
        return await self.write(work)

    async def ping(self, *, replica: bool = False) -> None:
        """Ask the database a trivial question (``SELECT 1``): a readiness check.

        With ``replica=False`` the question goes where :meth:`read_latest` reads: the primary,
        except on SQLite, where the file's reader engine answers, so the check never queues
        for (nor takes) the write lock that the writer's ``BEGIN IMMEDIATE`` would.  With
        ``replica=True`` it goes to the reader engine (the replica when one is configured).
        Raises ``BackendUnavailable`` when the database does not answer.
        """
        if replica:
            await self.read(_select_one)
        else:
            await self.read_latest(_select_one)

    async def _run(
        self, work: Callable[[AsyncConnection], Awaitable[_T]], *, read_only: bool
    ) -> _T:
        for attempt in range(1, self.attempts + 1):
            try:
                async with self.transaction(read_only=read_only) as connection:
                    return await work(connection)
            except SQLAlchemyError as exc:
                failure = classify(exc)
                if failure.retryable and attempt < self.attempts:
                    _log.info(
                        "retrying a transaction after %s (attempt %d)", failure.value, attempt
                    )
                    # Back off a little, more each time, so the winner can finish.
                    await asyncio.sleep(0.005 * attempt)
                    continue
                raise unavailable(exc, self.backend) from exc
            except OSError as exc:
                raise unavailable(exc, self.backend) from exc
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def create_database(
    url: str | URL,
    *,
    replica_url: str | URL | None = None,
    pool_size: int = 20,
    lock_wait_timeout_s: int = 3,
    busy_timeout_s: float = 30.0,
    attempts: int = DEFAULT_ATTEMPTS,
) -> SqlDatabase:
    """A :class:`SqlDatabase` for ``url`` (and a reader engine for ``replica_url``, if given).

    For SQLite the reader is always a second engine on the same file that begins transactions
    as ``BEGIN`` (readers never wait for the write lock in WAL mode).  Raises ``InvalidInput``
    for a URL that is not MySQL/MariaDB or SQLite, or for settings out of range.
    """
    writer_url = _parse(url, "url")
    reader_url = _parse(replica_url, "replica_url") if replica_url is not None else None
    if isinstance(pool_size, bool) or not isinstance(pool_size, int) or pool_size < 1:
        raise InvalidInput(field="pool_size", reason="a positive integer")
    if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
        raise InvalidInput(field="attempts", reason="a positive integer")
    if not 1 <= lock_wait_timeout_s <= 3600:
        raise InvalidInput(field="lock_wait_timeout_s", reason="1 to 3600 seconds")

    def make(engine_url: URL, *, writer: bool) -> AsyncEngine:
        try:
            return _engine(
                engine_url,
                writer=writer,
                pool_size=pool_size,
                lock_wait_timeout_s=lock_wait_timeout_s,
                busy_timeout_s=busy_timeout_s,
            )
        except ImportError:
            raise InvalidInput(
                field="url",
                reason=f"the {engine_url.drivername} driver is not installed "
                "(install bookmyshow[sql] or bookmyshow[mysql])",
            ) from None
        except (ArgumentError, ValueError, TypeError):
            # Not chained, for the same reason as in _parse.
            raise InvalidInput(field="url", reason="not a usable database URL") from None

    writer = make(writer_url, writer=True)
    reader: AsyncEngine | None = None
    if reader_url is not None:
        reader = make(reader_url, writer=False)
    elif writer_url.get_backend_name() == "sqlite" and writer_url.database not in (
        None,
        "",
        ":memory:",
    ):
        reader = make(writer_url, writer=False)
    return SqlDatabase(
        writer=writer, reader=reader, attempts=attempts, backend=writer_url.get_backend_name()
    )
