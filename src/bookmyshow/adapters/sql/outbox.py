"""The transactional outbox: domain events stored with the change that raised them, then relayed.

Writing side — :func:`append_events` inserts a unit of work's events into the ``outbox`` table
inside the unit's own transaction, right before it commits.  The events exist exactly when the
change does: a rolled-back change leaves no event behind, a committed one cannot lose its events.

Reading side — :class:`OutboxRelay` publishes the unpublished rows, oldest ``position`` first,
through any :class:`~bookmyshow.ports.events.EventPublisher`, and stamps ``published_at``.

Guarantees and the choices behind them:

* **At least once.**  A row is marked only after its event was published; a crash in between
  publishes it again.  Consumers must tolerate duplicates (the search indexer does: it rebuilds).
* **In order per aggregate, even with several relays.**  Every unit of work writes (and so locks)
  its aggregate's row before it appends, so two transactions that raise events for one aggregate
  commit one after the other and their rows get increasing positions.  Relays never publish a
  batch concurrently: on MySQL/MariaDB the batch is read ``FOR UPDATE`` and kept locked while it
  is published and marked, so a second relay waits on the first row and then finds the batch
  published (``SKIP LOCKED`` was rejected: it would let the second relay publish *later* events
  of an aggregate while the first still publishes earlier ones).  The locks touch only outbox
  rows, and at ``READ COMMITTED`` inserts take no gap locks, so units of work keep appending.
  On SQLite a transaction held open would hold the whole database's write lock — and an
  in-process handler that writes (or merely opens a writer unit of work) would wait for the
  relay that waits for it — so there the relays take turns on an advisory file lock
  (``<database>-relay.lock``, ``flock``) instead; each reads its batch in a read transaction and
  marks it in a short write transaction.
* **A publisher failure stops the batch.**  Events published before it are marked; the failed
  event and everything after it stay unpublished for the next run, and :meth:`OutboxRelay.
  relay_once` raises :class:`OutboxPublishFailed`.  What counts as failed:

  - :class:`~bookmyshow.ports.events.EventDeliveryFailed` from an in-process bus means the event
    *was* published and only some subscribers raised (see :mod:`bookmyshow.ports.events`): the
    row is marked and the failures are logged.  Re-publishing would run the handlers that
    succeeded again, and one buggy handler would block every later event.
  - :class:`~bookmyshow.ports.errors.BackendUnavailable` is transient (a broker is down): the
    event is retried on every run, for as long as it takes.
  - Anything else — a publisher that rejects this particular event, or a row this release
    cannot decode — is a *poison* candidate.  After ``max_attempts`` consecutive failures of
    the same row the relay gives up on it: the row is marked published and its name and payload
    are logged at ERROR (``bookmyshow.adapters.sql.outbox``) for a manual replay, so one bad
    event cannot block the outbox forever.  ``max_attempts=None`` blocks instead.

The ``aggregate_id`` of a row is the most specific id the event carries, in this order:
``booking_id``, ``review_id``, ``hold_id``, ``show_id``, ``movie_id``, ``screen_id``,
``theater_id`` (see :func:`aggregate_id_of`).  Published rows are deleted with
:meth:`OutboxRelay.purge_published`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar, Final

from attrs import define, frozen
from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bookmyshow.adapters.memory.clock import SystemClock
from bookmyshow.adapters.sql.codec import decode_event, encode_event
from bookmyshow.adapters.sql.database import SqlDatabase
from bookmyshow.adapters.sql.schema import outbox
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import DomainEvent
from bookmyshow.ports.clock import Clock
from bookmyshow.ports.errors import BackendUnavailable, PortError
from bookmyshow.ports.events import EventDeliveryFailed, EventPublisher

__all__ = [
    "AGGREGATE_ID_FIELDS",
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_MAX_ATTEMPTS",
    "OutboxPublishFailed",
    "OutboxRelay",
    "aggregate_id_of",
    "append_events",
]

logger = logging.getLogger(__name__)

AGGREGATE_ID_FIELDS: Final = (
    "booking_id",
    "review_id",
    "hold_id",
    "show_id",
    "movie_id",
    "screen_id",
    "theater_id",
)
"""The event fields that name an aggregate, most specific first (see :func:`aggregate_id_of`)."""

DEFAULT_BATCH_SIZE: Final = 100
"""How many rows one :meth:`OutboxRelay.relay_once` publishes at most, by default."""

DEFAULT_MAX_ATTEMPTS: Final = 5
"""Consecutive failures of one row after which the relay gives up on it, by default."""

_AGGREGATE_ID_WIDTH: Final = 255
# How long a SQLite relay waits for another relay's turn before reporting the outbox busy.
_FILE_LOCK_WAIT_S: Final = 30.0
_FILE_LOCK_POLL_S: Final = 0.02

_t = outbox


@define(auto_exc=True, kw_only=True)
class OutboxPublishFailed(PortError):
    """Publishing the row at ``position`` failed (attempt ``attempts``); it and every later row
    stay unpublished.  ``published`` rows of the batch went out before it.  The publisher's
    exception is chained as ``__cause__``."""

    code: ClassVar[str] = "outbox_publish_failed"
    position: int
    event_name: str
    aggregate_id: str
    attempts: int
    published: int


def aggregate_id_of(event: DomainEvent) -> str:
    """The id of the aggregate ``event`` belongs to: its first non-empty field among
    :data:`AGGREGATE_ID_FIELDS` (a booking's events and ``SeatsReturned`` → the booking; review
    events → the review; hold events → the hold; show events → the show; movie events → the
    movie; screen events → the screen; theater events → the theater).  Raises ``InvalidInput``
    for a non-event or an event carrying none of them."""
    if not isinstance(event, DomainEvent):
        raise InvalidInput(field="event", reason="must be a DomainEvent")
    for name in AGGREGATE_ID_FIELDS:
        value = getattr(event, name, None)
        if isinstance(value, str) and value:
            return value
    raise InvalidInput(field="event", reason=f"{type(event).name} names no aggregate")


async def append_events(connection: AsyncConnection, events: Sequence[DomainEvent]) -> None:
    """Insert ``events``, in order, as unpublished outbox rows on ``connection``.

    Call it inside the transaction that makes the change, right before it commits (a unit of
    work does).  Every event is encoded before anything is inserted: an item that is not a
    :class:`~bookmyshow.domain.events.DomainEvent`, or that names no aggregate (or one wider
    than 255 characters), raises ``InvalidInput`` and inserts nothing.  Driver errors propagate
    (the caller's transaction translates them).
    """
    if isinstance(events, str | bytes | Mapping) or not isinstance(events, Iterable):
        raise InvalidInput(field="events", reason="a sequence of DomainEvent")
    rows: list[dict[str, Any]] = []
    for index, event in enumerate(events):
        if not isinstance(event, DomainEvent):
            raise InvalidInput(field=f"events[{index}]", reason="not a DomainEvent")
        name, payload = encode_event(event)
        aggregate_id = aggregate_id_of(event)
        if len(aggregate_id) > _AGGREGATE_ID_WIDTH:
            raise InvalidInput(
                field=f"events[{index}]", reason=f"aggregate id over {_AGGREGATE_ID_WIDTH} chars"
            )
        rows.append(
            {
                "aggregate_id": aggregate_id,
                "event_name": name,
                "payload": payload,
                "occurred_at": event.occurred_at,
                "published_at": None,
            }
        )
    if rows:
        await connection.execute(insert(_t), rows)


@frozen(kw_only=True)
class _Failure:
    row: Row[Any]
    error: Exception
    attempts: int


@frozen(kw_only=True)
class _Outcome:
    marked: tuple[int, ...]
    failure: _Failure | None


class OutboxRelay:
    """Publishes the outbox's unpublished events through ``publisher``, oldest first.

    ``batch_size`` rows per :meth:`relay_once`; ``clock`` (default: the system clock) stamps
    ``published_at``; ``max_attempts`` consecutive failures of one row make the relay give up on
    it (``None``: never) — see the module for the guarantees.  Raises ``InvalidInput`` for a
    ``batch_size`` or ``max_attempts`` under 1, a ``publisher`` without ``publish``, or an
    in-memory SQLite database (each of its connections would see its own empty outbox).
    """

    def __init__(
        self,
        database: SqlDatabase,
        publisher: EventPublisher,
        *,
        batch_size: int = DEFAULT_BATCH_SIZE,
        clock: Clock | None = None,
        max_attempts: int | None = DEFAULT_MAX_ATTEMPTS,
    ) -> None:
        for name, value in (("batch_size", batch_size), ("max_attempts", max_attempts)):
            if value is None and name == "max_attempts":
                continue
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InvalidInput(field=name, reason="a positive integer")
        if not callable(getattr(publisher, "publish", None)):
            raise InvalidInput(field="publisher", reason="an EventPublisher, which has publish()")
        self._database = database
        self._publisher = publisher
        self._batch_size = batch_size
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._max_attempts = max_attempts
        self._failing: tuple[int, int] | None = None  # (position, consecutive failures)
        self._lock_path: Path | None = None
        if database.dialect == "sqlite":
            path = database.writer.url.database
            if not path or path == ":memory:":
                raise InvalidInput(field="database", reason="SQLite outboxes need a file")
            self._lock_path = Path(f"{path}-relay.lock")

    @property
    def batch_size(self) -> int:
        """How many rows one :meth:`relay_once` publishes at most."""
        return self._batch_size

    async def relay_once(self) -> int:
        """Publish up to ``batch_size`` unpublished events, oldest first, and mark them.

        Returns how many rows were marked published (given-up poison rows included).  Raises
        :class:`OutboxPublishFailed` when the publisher fails (after marking what went out
        before) and ``BackendUnavailable`` when the database fails or, on SQLite, another relay
        keeps its turn for over 30 s.
        """
        if self._lock_path is None:
            outcome = await self._database.write(self._relay_locked_rows)
        else:
            async with _file_lock(self._lock_path, self._database.backend):
                outcome = await self._relay_read_rows()
        if outcome.failure is not None:
            failure = outcome.failure
            raise OutboxPublishFailed(
                position=failure.row.position,
                event_name=failure.row.event_name,
                aggregate_id=failure.row.aggregate_id,
                attempts=failure.attempts,
                published=len(outcome.marked),
            ) from failure.error
        return len(outcome.marked)

    async def run(self, *, interval: float, stop: asyncio.Event) -> None:
        """Relay until ``stop`` is set: whole batches back to back, then every ``interval``
        seconds.

        Publisher and database failures are logged (WARNING) and retried after ``interval``;
        the batch in progress is finished before stopping.  Raises ``InvalidInput`` for an
        ``interval`` that is not a positive number of seconds.
        """
        if (
            isinstance(interval, bool)
            or not isinstance(interval, int | float)
            or not math.isfinite(interval)
            or interval <= 0
        ):
            raise InvalidInput(field="interval", reason="a positive number of seconds")
        while not stop.is_set():
            try:
                published = await self.relay_once()
            except (OutboxPublishFailed, BackendUnavailable) as exc:
                cause = exc.__cause__
                logger.warning(
                    "outbox relay failed, retrying in %ss: %s%s",
                    interval,
                    exc,
                    f" ({type(cause).__name__}: {cause})" if cause is not None else "",
                )
                published = 0
            if published >= self._batch_size:
                continue  # more may be waiting: no pause between full batches
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=interval)

    async def pending_count(self) -> int:
        """How many events wait to be published (read on the reader engine, for monitoring)."""

        async def work(connection: AsyncConnection) -> int:
            statement = select(func.count()).select_from(_t).where(_t.c.published_at.is_(None))
            return int((await connection.execute(statement)).scalar_one())

        return await self._database.read(work)

    async def purge_published(self, before: datetime, *, limit: int = 1000) -> int:
        """Delete up to ``limit`` rows published before ``before``, oldest first; returns how
        many.  Call it until it returns less than ``limit`` to purge them all.  Raises
        ``InvalidInput`` for a naive ``before`` or a ``limit`` under 1."""
        if not isinstance(before, datetime) or before.utcoffset() is None:
            raise InvalidInput(field="before", reason="an aware datetime")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidInput(field="limit", reason="a positive integer")
        old = _t.c.published_at < before

        async def work(connection: AsyncConnection) -> int:
            # Two statements, because MariaDB refuses LIMIT inside an IN subquery.
            positions = list(
                (
                    await connection.execute(
                        select(_t.c.position).where(old).order_by(_t.c.position).limit(limit)
                    )
                ).scalars()
            )
            if not positions:
                return 0
            result = await connection.execute(delete(_t).where(_t.c.position.in_(positions), old))
            return result.rowcount

        return await self._database.write(work)

    # -- internals --------------------------------------------------------------------------

    def _batch(self) -> Any:
        return (
            select(_t.c.position, _t.c.aggregate_id, _t.c.event_name, _t.c.payload)
            .where(_t.c.published_at.is_(None))
            .order_by(_t.c.position)
            .limit(self._batch_size)
        )

    async def _relay_locked_rows(self, connection: AsyncConnection) -> _Outcome:
        """MySQL/MariaDB: lock the batch, publish it and mark it in one transaction."""
        rows = (await connection.execute(self._batch().with_for_update())).all()
        outcome = await self._publish(rows)
        await self._mark(connection, outcome.marked)
        return outcome

    async def _relay_read_rows(self) -> _Outcome:
        """SQLite (under the relay file lock): read, publish, then mark in a short write."""

        async def read(connection: AsyncConnection) -> Sequence[Row[Any]]:
            return (await connection.execute(self._batch())).all()

        rows = await self._database.read(read)
        outcome = await self._publish(rows)
        if outcome.marked:

            async def mark(connection: AsyncConnection) -> None:
                await self._mark(connection, outcome.marked)

            await self._database.write(mark)
        return outcome

    async def _mark(self, connection: AsyncConnection, positions: Sequence[int]) -> None:
        if positions:
            await connection.execute(
                update(_t)
                .where(_t.c.position.in_(positions))
                .values(published_at=self._clock.now())
            )

    async def _publish(self, rows: Sequence[Row[Any]]) -> _Outcome:
        """Publish ``rows`` one by one; stop at the first failure that is not given up on."""
        marked: list[int] = []
        for row in rows:
            try:
                await self._publisher.publish([decode_event(row.event_name, row.payload)])
            except EventDeliveryFailed as exc:
                # Delivered; some subscribers failed (the bus logged each with its traceback).
                logger.error(
                    "outbox event %s (%s, position %s) was published but handlers failed: %s",
                    row.event_name,
                    row.aggregate_id,
                    row.position,
                    "; ".join(exc.failures),
                )
            except Exception as exc:
                attempts = self._count_failure(row.position)
                if not self._gives_up(exc, attempts):
                    return _Outcome(
                        marked=tuple(marked),
                        failure=_Failure(row=row, error=exc, attempts=attempts),
                    )
                logger.error(
                    "outbox gave up on event %s (%s, position %s) after %s attempts; "
                    "payload for a manual replay: %r",
                    row.event_name,
                    row.aggregate_id,
                    row.position,
                    attempts,
                    row.payload,
                    exc_info=exc,
                )
            if self._failing is not None and self._failing[0] == row.position:
                self._failing = None
            marked.append(row.position)
        return _Outcome(marked=tuple(marked), failure=None)

    def _count_failure(self, position: int) -> int:
        attempts = 1
        if self._failing is not None and self._failing[0] == position:
            attempts = self._failing[1] + 1
        self._failing = (position, attempts)
        return attempts

    def _gives_up(self, error: Exception, attempts: int) -> bool:
        if self._max_attempts is None or isinstance(error, BackendUnavailable):
            return False
        return attempts >= self._max_attempts


@contextlib.asynccontextmanager
async def _file_lock(path: Path, backend: str) -> AsyncIterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (created if missing), polling without blocking
    the event loop; ``BackendUnavailable`` after :data:`_FILE_LOCK_WAIT_S`."""
    import fcntl  # noqa: PLC0415 - POSIX only, and needed only by SQLite relays

    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise BackendUnavailable(backend=backend, reason=f"relay lock {path}: {exc}") from exc
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _FILE_LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError as exc:
                if loop.time() >= deadline:
                    raise BackendUnavailable(
                        backend=backend, reason="another outbox relay kept its turn"
                    ) from exc
                await asyncio.sleep(_FILE_LOCK_POLL_S)
        yield
    finally:
        os.close(descriptor)  # closing the descriptor releases the lock
