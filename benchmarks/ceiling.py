"""The bare-driver ceiling: a booking's hold and confirm with the drivers and nothing else.

A booking here is what the library's hybrid backend does at its core, minus the library: one
``EVALSHA`` of a minimal all-or-nothing Lua script on Redis (refuse if any requested seat key of
the show exists, else set them all with a TTL) to hold, then one MariaDB transaction — a
multi-row ``INSERT`` into a sold-seats table whose primary key is ``(show_id, seat)``, and
``COMMIT`` — to confirm.  The clients are the ones the library uses: redis-py's
``redis.asyncio`` and asyncmy (which the library reaches through SQLAlchemy).  Durability is the
server's default (``innodb_flush_log_at_trx_commit=1``).

Two modes: ``batch=1`` commits each booking in its own transaction; ``batch=20`` hands
confirmations to committer tasks that each take up to 20 queued ones and commit them in one
transaction, every booking awaiting its own commit (a group commit).  The load is
:func:`~benchmarks.workload.steady_plan` over many shows with seats dealt by a cursor per show,
so no two bookings want the same seat: the ceiling measures cost, not contention.

Every library figure is reported as a fraction of these.  The SQL connections come from
:class:`FifoPool`, which serves waiters strictly first come first served: a pool that lets a
newcomer take a connection a waiter was woken for starves some requests for seconds, which the
maximum latency (reported beside p99) shows.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import asyncmy
from asyncmy import Connection
from redis.asyncio import BlockingConnectionPool, Redis
from sqlalchemy.engine import make_url

from benchmarks.measure import Figure, Recorder, closed_loop
from benchmarks.options import Options
from benchmarks.services import ServiceMissing, reachable
from benchmarks.workload import HOLD_TTL, STEADY_ROWS, seat_labels, steady_plan

__all__ = [
    "FifoPool",
    "delete_keys",
    "insert_rows",
    "redis_client",
    "require_servers",
    "run",
    "scratch_database",
]

_CONCURRENCY_FULL = (1, 8, 32, 128)
_CONCURRENCY_QUICK = (1, 4)
_BATCHES = (1, 20)
_SQL_CONNECTIONS = 32
"""SQL connections for one-transaction-per-booking: enough to keep MariaDB's group commit
busy; beyond it bookings queue (first come first served) for a connection."""
_COMMITTERS = 2
"""Committer tasks in the batched mode: while one waits for its commit to be flushed, the other
gathers the next batch.  More of them make smaller batches; one alone waits for every flush."""
_BOOKINGS_PER_SHOW = 20
"""About 48 of a show's 160 seats booked on average: the cursor rarely reaches a show's last
seat (when it does, the booking moves on to a fresh show)."""

_HOLD_SCRIPT = """
if redis.call('EXISTS', unpack(KEYS)) > 0 then
  return 0
end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[2])
end
return 1
"""
"""All or nothing: no seat is set when any requested seat is already held or sold."""

_connect: Callable[..., Awaitable[Connection]] = asyncmy.connect


# -- servers --------------------------------------------------------------------------------------


def require_servers(options: Options) -> None:
    """Raise :class:`ServiceMissing` unless MariaDB and Redis accept connections."""
    if not reachable(options.services.mariadb, 3306):
        raise ServiceMissing(f"MariaDB is not reachable at {_where(options.services.mariadb)}")
    if not reachable(options.services.redis, 6379):
        raise ServiceMissing(f"Redis is not reachable at {_where(options.services.redis)}")


def _where(url: str) -> str:
    """Host and port of ``url``, never its password."""
    parsed = make_url(url)
    return f"{parsed.host}:{parsed.port}"


def _mysql_params(url: str) -> dict[str, Any]:
    """asyncmy's connection arguments from a SQLAlchemy-style server URL (its database, if
    any, is ignored: each benchmark makes its own)."""
    parsed = make_url(url)
    return {
        "host": parsed.host or "127.0.0.1",
        "port": parsed.port or 3306,
        "user": parsed.username or "root",
        "password": parsed.password or "",
    }


class FifoPool:
    """A fixed set of open connections lent strictly first come first served.

    A released connection goes straight to the longest-waiting caller, so a caller arriving
    later can never take it first (``asyncio.Queue`` and condition-based pools let it).
    """

    def __init__(self, connections: Sequence[Connection]) -> None:
        """Lend ``connections``, all open; :meth:`close` closes them."""
        self._all = list(connections)
        self._free: deque[Connection] = deque(connections)
        self._waiters: deque[asyncio.Future[Connection]] = deque()

    @classmethod
    async def opened(cls, url: str, database: str, size: int) -> FifoPool:
        """A pool of ``size`` connections to ``database`` of the server at ``url``."""
        params = _mysql_params(url)
        connections = [
            await _connect(**params, database=database, autocommit=False) for _ in range(size)
        ]
        return cls(connections)

    @property
    def size(self) -> int:
        """How many connections the pool lends."""
        return len(self._all)

    async def acquire(self) -> Connection:
        """A free connection, or the next one released once every earlier caller has one."""
        if self._free:
            return self._free.popleft()
        waiter: asyncio.Future[Connection] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            # Cancelled after being handed a connection: pass it on rather than lose it.
            if waiter.done() and not waiter.cancelled():
                self.release(waiter.result())
            raise

    def release(self, connection: Connection) -> None:
        """Give ``connection`` to the longest waiter, or back to the free list."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(connection)
                return
        self._free.append(connection)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A connection for one transaction: committed when the block ends normally, rolled
        back when it raises."""
        connection = await self.acquire()
        try:
            yield connection
            await connection.commit()
        except BaseException:
            await connection.rollback()
            raise
        finally:
            self.release(connection)

    async def close(self) -> None:
        """Close every connection (the pool must be idle)."""
        for connection in self._all:
            await connection.ensure_closed()


async def insert_rows(
    connection: Connection, table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]
) -> None:
    """One multi-row ``INSERT`` of ``rows`` into ``table`` (not committed)."""
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES " + ", ".join(
        [placeholders] * len(rows)
    )
    async with connection.cursor() as cursor:
        await cursor.execute(statement, [value for row in rows for value in row])


@asynccontextmanager
async def scratch_database(url: str, prefix: str, schema: Sequence[str]) -> AsyncIterator[str]:
    """A new database named ``prefix`` + a random suffix with the tables of ``schema`` (DDL
    statements), dropped when the block ends; yields its name."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = await _connect(**_mysql_params(url), autocommit=True)
    try:
        async with admin.cursor() as cursor:
            await cursor.execute(f"CREATE DATABASE `{name}`")
            try:
                await cursor.execute(f"USE `{name}`")
                for statement in schema:
                    await cursor.execute(statement)
                yield name
            finally:
                await cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        await admin.ensure_closed()


def redis_client(url: str, connections: int) -> Redis:
    """A redis-py asyncio client on a blocking pool of ``connections`` (as the library opens
    one: callers beyond it wait for a connection instead of failing)."""
    pool = BlockingConnectionPool.from_url(url, max_connections=connections, timeout=30)
    return Redis.from_pool(pool)


async def delete_keys(client: Redis, pattern: str) -> int:
    """Delete every key matching ``pattern``; how many there were."""
    deleted = 0
    batch: list[bytes] = []
    async for key in client.scan_iter(match=pattern, count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            deleted += await client.unlink(*batch)
            batch.clear()
    if batch:
        deleted += await client.unlink(*batch)
    return deleted


# -- the ceiling ----------------------------------------------------------------------------------

_SOLD_TABLE = """
CREATE TABLE sold_seats (
  show_id VARCHAR(64) NOT NULL,
  seat VARCHAR(8) NOT NULL,
  booking_id CHAR(32) NOT NULL,
  PRIMARY KEY (show_id, seat)
) ENGINE=InnoDB
"""
_SOLD_COLUMNS = ("show_id", "seat", "booking_id")


def _dealt(bookings: int, seed: int) -> list[tuple[str, list[str]]]:
    """The steady plan's bookings with their seats: (show, seats) per booking, seats dealt by
    a cursor per show so that no two bookings share a seat."""
    labels = seat_labels(STEADY_ROWS)
    shows = max(1, bookings // _BOOKINGS_PER_SHOW)
    cursors: dict[str, int] = {}
    dealt = []
    for booker in steady_plan(bookings, shows, seed=seed):
        page = 0
        while cursors.get(f"{booker.show}.{page}", 0) + booker.count > len(labels):
            page += 1
        show = f"{booker.show}.{page}"
        start = cursors.get(show, 0)
        cursors[show] = start + booker.count
        dealt.append((show, labels[start : start + booker.count]))
    return dealt


class _Confirmations:
    """Committer tasks that each commit up to ``batch`` queued confirmations at a time."""

    def __init__(self, pool: FifoPool, *, committers: int, batch: int) -> None:
        self._pool = pool
        self._batch = batch
        self._queue: asyncio.Queue[tuple[list[tuple[str, str, str]], asyncio.Future[None]]]
        self._queue = asyncio.Queue()
        self._tasks = [asyncio.create_task(self._commit_batches()) for _ in range(committers)]
        self.transactions = 0

    async def confirm(self, rows: list[tuple[str, str, str]]) -> None:
        """Queue one booking's rows and wait until the transaction holding them committed."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((rows, done))
        await done

    async def _commit_batches(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            rows = [row for booking, _ in batch for row in booking]
            try:
                async with self._pool.transaction() as connection:
                    await insert_rows(connection, "sold_seats", _SOLD_COLUMNS, rows)
            except Exception as exc:  # noqa: BLE001 - every booking of the batch gets it
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            self.transactions += 1
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

    async def close(self) -> None:
        """Stop the committers (call once nothing is queued)."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def _level(
    options: Options,
    redis: Redis,
    pool: FifoPool,
    sha: str,
    *,
    namespace: str,
    batch: int,
    concurrency: int,
    count: int,
) -> Figure:
    """One closed-loop measurement of ``count`` bookings at ``concurrency``."""
    recorder = Recorder()
    run_id = uuid.uuid4().hex[:8]
    dealt = _dealt(count, options.seed)
    ttl_ms = str(int(HOLD_TTL.total_seconds() * 1000))
    confirmations = _Confirmations(pool, committers=_COMMITTERS, batch=batch) if batch > 1 else None
    transactions = 0

    async def confirm(rows: list[tuple[str, str, str]]) -> None:
        nonlocal transactions
        if confirmations is not None:
            await confirmations.confirm(rows)
            return
        async with pool.transaction() as connection:
            await insert_rows(connection, "sold_seats", _SOLD_COLUMNS, rows)
        transactions += 1

    async def booking(index: int, started: float) -> None:
        show, seats = dealt[index]
        show_id = f"{run_id}-{show}"
        booking_id = uuid.uuid4().hex
        # The hash tag keeps a show's seats in one slot, as the library's keys do.
        keys = [f"{namespace}:{{{show_id}}}:{seat}" for seat in seats]
        try:
            held = await redis.evalsha(sha, len(keys), *keys, booking_id, ttl_ms)
            recorder.add("hold", time.perf_counter() - started)
            if not held:
                recorder.count("refused")
                return
            confirming = time.perf_counter()
            await confirm([(show_id, seat, booking_id) for seat in seats])
            finished = time.perf_counter()
            recorder.add("confirm", finished - confirming)
            recorder.add("booking", finished - started)
            recorder.count("confirmed")
        except Exception as exc:  # noqa: BLE001 - counted, and fails the run
            recorder.error(exc)

    # Open the Redis connections this level needs before the clock starts.
    await asyncio.gather(*(redis.ping() for _ in range(concurrency)))
    progress = options.progress(count, f"ceiling batch={batch} c={concurrency}")
    try:
        elapsed = await closed_loop(
            booking, count=count, concurrency=concurrency, progress=progress
        )
    finally:
        progress.close()
        if confirmations is not None:
            await confirmations.close()
    if confirmations is not None:
        transactions = confirmations.transactions
    recorder.count("transactions", transactions)
    figure = recorder.figure(
        "ceiling",
        "bare-drivers",
        elapsed=elapsed,
        setting={"mode": "closed", "concurrency": concurrency, "batch": batch},
        rates={"confirmed": "confirmed"},
    )
    confirmed = recorder.counters.get("confirmed", 0)
    figure.notes.append(
        f"{confirmed / max(transactions, 1):.1f} bookings per transaction on average; "
        f"{pool.size} SQL connections (FIFO), "
        + (f"{_COMMITTERS} committers" if batch > 1 else "one transaction per booking")
    )
    return figure


async def run(options: Options) -> list[Figure]:
    """The ceiling at each concurrency level, one transaction per booking and batched."""
    require_servers(options)
    levels = _CONCURRENCY_QUICK if options.quick else _CONCURRENCY_FULL
    count = options.size(4000, 100)
    redis = redis_client(options.services.redis, max(levels) + 8)
    namespace = f"bench-ceiling-{uuid.uuid4().hex[:8]}"
    figures = []
    try:
        sha = await redis.script_load(_HOLD_SCRIPT)
        async with scratch_database(options.services.mariadb, "bench_ceiling", [_SOLD_TABLE]) as db:
            pool = await FifoPool.opened(options.services.mariadb, db, _SQL_CONNECTIONS)
            try:
                for batch in _BATCHES:
                    for concurrency in levels:
                        figures.append(
                            await _level(
                                options,
                                redis,
                                pool,
                                sha,
                                namespace=namespace,
                                batch=batch,
                                concurrency=concurrency,
                                count=count,
                            )
                        )
            finally:
                await pool.close()
    finally:
        try:
            await delete_keys(redis, f"{namespace}:*")
        finally:
            await redis.aclose()
    return figures
