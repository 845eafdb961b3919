"""The SQL unit of work: one database transaction for the repositories, the seat sales and the
outbox of a use case step.

Make units with :class:`SqlUnitOfWorkFactory` over a
:class:`~bookmyshow.adapters.sql.database.SqlDatabase`::

    uow_factory = SqlUnitOfWorkFactory(database)
    async with uow_factory() as uow:
        booking = await uow.bookings.get(booking_id, for_update=True)
        ...
        await uow.commit()
    publish(uow.committed_events())

**Transactions.**  A unit takes its connection on its first call and keeps it to the end;
leaving the block without :meth:`SqlUnitOfWork.commit` (or with an exception) rolls back.

* MySQL / MariaDB: one transaction on one pooled connection of ``database.writer``
  (``READ COMMITTED``: every read sees what is committed at that moment, and the unit's own
  writes).
* SQLite: writers take the database's single write lock (``BEGIN IMMEDIATE``).  So that a unit
  that only reads never waits for — or blocks — one that writes, a unit reads on a snapshot of
  the reader engine (same file, plain ``BEGIN``) until its first write or ``for_update`` read;
  only then does it end that snapshot and begin ``IMMEDIATE`` on the writer, holding the lock
  to its end.  Rows read before that point are protected by their versions like any other.

**No lost update.**  The unit remembers the ``version`` of every row it read; a save or removal
updates ``WHERE version = <that version>`` and, if another unit changed the row since, rolls the
unit back and raises ``Conflict(what="concurrent_update")``.  ``for_update`` reads lock the rows
(``SELECT … FOR UPDATE``; on SQLite the write lock already covers them), so units that lock the
same row run one after the other and the later one sees the earlier one's commit.  A deadlock,
a lock-wait timeout (MariaDB's ``innodb_lock_wait_timeout``, SQLite's busy timeout) also rolls
the unit back and raises ``Conflict(what="concurrent_update")``: callers retry the whole unit.
A lost connection or any other driver error rolls back and raises ``BackendUnavailable`` (if the
connection is lost during ``COMMIT`` itself, the outcome is unknown to the unit).  Refused calls
— a duplicate key, a missing parent, seats already sold — undo only their own statement, and the
unit stays usable.

**Events.**  Events recorded with :meth:`SqlUnitOfWork.record` and those pulled from bookings
added or saved in the unit are appended to the outbox in the unit's transaction right before
``COMMIT``, so the relay publishes exactly what committed; :meth:`SqlUnitOfWork.committed_events`
hands them out, in call order, once the commit succeeded.

**Replica units.**  ``SqlUnitOfWorkFactory(database, replica=True)`` makes units that read on
``database.read_engine`` (a replica when one is configured: reads may lag).  Such a unit cannot
change anything: writes, ``for_update`` reads, :meth:`~SqlUnitOfWork.record` and
:meth:`~SqlUnitOfWork.commit` raise ``InvalidInput(field="unit_of_work")``.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Self, TypeVar

from attrs import frozen
from sqlalchemy import Table
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Executable, Select

from bookmyshow.adapters.sql.database import SqlDatabase
from bookmyshow.adapters.sql.errors import classify, unavailable
from bookmyshow.adapters.sql.inventory import return_in, sell_in, sold_in
from bookmyshow.adapters.sql.outbox import append_events
from bookmyshow.adapters.sql.repositories import (
    SqlBookingRepository,
    SqlCouponRepository,
    SqlMovieRepository,
    SqlReviewRepository,
    SqlShowRepository,
    SqlUserRepository,
    SqlVenueRepository,
)
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import DomainEvent
from bookmyshow.domain.holds import seat_set
from bookmyshow.domain.validation import require_bool, require_instance
from bookmyshow.ports.errors import Conflict
from bookmyshow.ports.inventory import SeatSales
from bookmyshow.ports.repositories import (
    BookingRepository,
    CouponRepository,
    MovieRepository,
    ReviewRepository,
    ShowRepository,
    UserRepository,
    VenueRepository,
)

__all__ = ["SqlUnitOfWork", "SqlUnitOfWorkFactory", "SqlUnitSales"]

_T = TypeVar("_T")
_log = logging.getLogger(__name__)

_CONCURRENT_UPDATE = "concurrent_update"


class _State(enum.Enum):
    NEW = "new"
    OPEN = "open"
    COMMITTED = "committed"
    ROLLED_BACK = "rolled back"


def _reads_apart(database: SqlDatabase) -> bool:
    """Whether units may read on the reader engine until they write: SQLite only, and only when
    the reader is the writer's own file (never a replica that may lag)."""
    reader = database.reader
    return (
        database.dialect == "sqlite"
        and reader is not None
        and reader.url.database == database.writer.url.database
    )


class _Session:
    """One unit's connections, state, row versions and events (the repositories' ``UnitSession``).

    ``_read`` is a connection used only for reads (a replica unit's, or a SQLite unit's before
    its first write); ``_write`` the writer connection holding the unit's write transaction.
    At most one of them is open at a time.
    """

    def __init__(self, database: SqlDatabase, *, replica: bool) -> None:
        self.database = database
        self.replica = replica
        self._reads_apart = replica or _reads_apart(database)
        self._state = _State.NEW
        self._read: AsyncConnection | None = None
        self._write: AsyncConnection | None = None
        self._versions: dict[tuple[str, str], int] = {}
        self._events: list[DomainEvent] = []
        self.committed: tuple[DomainEvent, ...] = ()

    # -- lifecycle ------------------------------------------------------------------------------

    def begin(self) -> None:
        if self._state is not _State.NEW:
            raise InvalidInput(
                field="unit_of_work", reason="a unit of work is used once; make a new one"
            )
        self._state = _State.OPEN

    def require_open(self) -> None:
        if self._state is _State.NEW:
            raise InvalidInput(
                field="unit_of_work", reason="not started: use it as `async with uow:`"
            )
        if self._state is not _State.OPEN:
            raise InvalidInput(
                field="unit_of_work", reason=f"already {self._state.value}; make a new one"
            )

    def require_writable(self) -> None:
        self.require_open()
        if self.replica:
            raise InvalidInput(
                field="unit_of_work", reason="a replica unit only reads; use the primary's units"
            )

    async def commit(self) -> None:
        self.require_writable()
        events = tuple(self._events)
        if events:
            await self.guarded(lambda c: append_events(c, events), write=True)
        if self._write is not None:
            try:
                await self._write.commit()
            except (SQLAlchemyError, OSError) as exc:
                raise await self.failed(exc) from exc
        await self._end(_State.COMMITTED)
        self.committed = events

    async def rollback(self) -> None:
        if self._state is _State.OPEN:
            await self._end(_State.ROLLED_BACK)

    async def _end(self, state: _State) -> None:
        self._state = state
        self._versions.clear()
        self._events.clear()
        read, write, self._read, self._write = self._read, self._write, None, None
        for connection in (read, write):
            if connection is not None:
                await _discard(connection)

    # -- connections ----------------------------------------------------------------------------

    async def _open(self, engine: AsyncEngine) -> AsyncConnection:
        connection = await engine.connect()
        try:
            await connection.begin()
        except BaseException:
            await _discard(connection)
            raise
        return connection

    async def _reader(self) -> AsyncConnection:
        if self._write is not None:
            return self._write
        if not self._reads_apart:
            return await self._writer()
        if self._read is None:
            self._read = await self._open(self.database.read_engine)
        return self._read

    async def _writer(self) -> AsyncConnection:
        if self._write is None:
            if self._read is not None:
                # SQLite: the snapshot ends here; rows read on it keep their versions.
                read, self._read = self._read, None
                await _discard(read)
            self._write = await self._open(self.database.writer)
        return self._write

    async def guarded(
        self,
        action: Callable[[AsyncConnection], Awaitable[_T]],
        *,
        write: bool,
        refusals: bool = False,
    ) -> _T:
        """Run ``action`` on the unit's connection; driver errors end the unit and become port
        errors, except an ``IntegrityError`` when ``refusals`` (it undid only its statement)."""
        if write:
            self.require_writable()
        else:
            self.require_open()
        try:
            connection = await (self._writer() if write else self._reader())
            return await action(connection)
        except IntegrityError as exc:
            if refusals:
                raise
            raise await self.failed(exc) from exc
        except (SQLAlchemyError, OSError) as exc:
            raise await self.failed(exc) from exc

    async def failed(self, exc: BaseException) -> Exception:
        """End the unit after a driver error; the port error to raise for it."""
        await self._end(_State.ROLLED_BACK)
        if isinstance(exc, SQLAlchemyError) and classify(exc).retryable:
            return Conflict(what=_CONCURRENT_UPDATE, keys=(classify(exc).value,))
        return unavailable(exc, self.database.backend)

    # -- UnitSession ----------------------------------------------------------------------------

    async def fetch(
        self, statement: Select[Any], *, for_update: bool = False
    ) -> Sequence[RowMapping]:
        if for_update:
            statement = statement.with_for_update()

        async def run(connection: AsyncConnection) -> Sequence[RowMapping]:
            result = await connection.execute(statement)
            found: Sequence[RowMapping] = result.mappings().all()
            return found

        return await self.guarded(run, write=for_update)

    async def change(self, statement: Executable) -> int:
        async def run(connection: AsyncConnection) -> int:
            result = await connection.execute(statement)
            return result.rowcount

        return await self.guarded(run, write=True, refusals=True)

    def version(self, table: Table, key: str) -> int | None:
        return self._versions.get((table.name, key))

    def remember(self, table: Table, key: str, version: int | None) -> None:
        if version is None:
            self._versions.pop((table.name, key), None)
        else:
            self._versions[(table.name, key)] = version

    async def lost_race(self, table: Table, key: str, kind: str) -> Conflict:
        await self._end(_State.ROLLED_BACK)
        return Conflict(what=_CONCURRENT_UPDATE, keys=(f"{kind}:{key}",))

    async def broken(self, exc: SQLAlchemyError) -> Exception:
        return await self.failed(exc)

    def record(self, *events: DomainEvent) -> None:
        self.require_writable()
        for event in events:
            if not isinstance(event, DomainEvent):
                raise InvalidInput(field="events", reason=f"not a DomainEvent: {event!r}")
        self._events.extend(events)


async def _discard(connection: AsyncConnection) -> None:
    """Roll back and return a connection to its pool; a connection that is already gone is
    logged, not raised (the error that ended the unit is the one the caller must see)."""
    try:
        try:
            await connection.rollback()
        finally:
            await connection.close()
    except (SQLAlchemyError, OSError):
        _log.warning("discarding a unit's connection failed", exc_info=True)


class SqlUnitSales:
    """:class:`~bookmyshow.ports.inventory.SeatSales` whose changes belong to a SQL unit of work.

    Each call runs on the unit's connection (see :mod:`bookmyshow.adapters.sql.inventory`):
    ``sell`` is checked at once and raises ``SeatsUnavailable``, ``StaleFencingToken`` or
    ``InvalidInput`` leaving the unit unchanged and usable; sales and returns become visible to
    others when the unit commits and vanish if it rolls back.  ``sold_seats`` shows the unit's
    own changes.
    """

    def __init__(self, session: _Session) -> None:
        self._session = session

    async def sell(
        self, show_id: str, booking_id: str, seats: frozenset[str], *, fencing_token: int
    ) -> None:
        """Sell all ``seats`` to ``booking_id`` or none; a retried sale is a no-op."""
        # Copy first: a caller's mutable set must not change under the sale.
        chosen = seat_set(seats)
        await self._session.guarded(
            lambda c: sell_in(c, show_id, booking_id, chosen, fencing_token=fencing_token),
            write=True,
        )

    async def return_seats(self, show_id: str, booking_id: str) -> frozenset[str]:
        """Put the booking's seats back on sale; returns them (empty if none)."""
        return await self._session.guarded(lambda c: return_in(c, show_id, booking_id), write=True)

    async def sold_seats(self, show_id: str) -> Mapping[str, str]:
        """Each sold seat of the show and its booking, as this unit sees it (a fresh dict)."""
        return await self._session.guarded(lambda c: sold_in(c, show_id), write=False)


class SqlUnitOfWork:
    """:class:`~bookmyshow.ports.unit_of_work.UnitOfWork` over a
    :class:`~bookmyshow.adapters.sql.database.SqlDatabase`; see the module for its transactions.

    A unit is used once: entering it again, or using it before entering or after it committed
    or rolled back (a lost race rolls it back too), raises
    :class:`~bookmyshow.domain.errors.InvalidInput` (``field="unit_of_work"``).
    ``committed_events`` stays readable after the block.
    """

    movies: MovieRepository
    venues: VenueRepository
    shows: ShowRepository
    bookings: BookingRepository
    users: UserRepository
    reviews: ReviewRepository
    coupons: CouponRepository
    sales: SeatSales

    def __init__(self, database: SqlDatabase, *, replica: bool = False) -> None:
        require_instance(database, SqlDatabase, "database")
        require_bool(replica, "replica")
        self.database = database
        self._session = _Session(database, replica=replica)
        self.movies = SqlMovieRepository(self._session)
        self.venues = SqlVenueRepository(self._session)
        self.shows = SqlShowRepository(self._session)
        self.bookings = SqlBookingRepository(self._session)
        self.users = SqlUserRepository(self._session)
        self.reviews = SqlReviewRepository(self._session)
        self.coupons = SqlCouponRepository(self._session)
        self.sales = SqlUnitSales(self._session)

    @property
    def replica(self) -> bool:
        """Whether this is a read-only unit on the read engine."""
        return self._session.replica

    async def __aenter__(self) -> Self:
        """Begin the unit (its connection is taken on its first call); InvalidInput if it was
        used before."""
        self._session.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back unless :meth:`commit` succeeded."""
        await self._session.rollback()

    async def commit(self) -> None:
        """Append the unit's events to the outbox and commit everything at once, or raise and
        keep nothing (the unit is then rolled back).

        Raises ``Conflict(what="concurrent_update")`` for a deadlock or lock-wait timeout,
        ``BackendUnavailable`` for a lost connection or other driver error, and
        ``InvalidInput`` on a replica unit or a unit that is not in progress.
        """
        await self._session.commit()

    async def rollback(self) -> None:
        """Discard every change and end the unit (nothing happens if it already ended)."""
        await self._session.rollback()

    def record(self, *events: DomainEvent) -> None:
        """Queue events for the outbox and :meth:`committed_events`; InvalidInput for a
        non-event, on a replica unit, or outside the unit."""
        self._session.record(*events)

    def committed_events(self) -> Sequence[DomainEvent]:
        """Recorded events and those of saved bookings, in call order, once committed."""
        return list(self._session.committed)


@frozen
class SqlUnitOfWorkFactory:
    """:class:`~bookmyshow.ports.unit_of_work.UnitOfWorkFactory`: a new :class:`SqlUnitOfWork`
    over ``database`` per call; with ``replica=True``, read-only units on
    ``database.read_engine`` for reads that tolerate replication lag."""

    database: SqlDatabase
    replica: bool = False

    def __attrs_post_init__(self) -> None:
        require_instance(self.database, SqlDatabase, "database")
        require_bool(self.replica, "replica")

    def __call__(self) -> SqlUnitOfWork:
        """A new, not yet entered unit of work."""
        return SqlUnitOfWork(self.database, replica=self.replica)
