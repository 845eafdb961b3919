"""Seat holds and seat sales in SQL: the rules of ``ShowHolds`` and ``ShowSales`` as transactions.

**Holds.**  Every operation that changes a show's holds is one transaction
(:meth:`~bookmyshow.adapters.sql.database.SqlDatabase.write`) that first locks the show's
``hold_counters`` row (``SELECT … FOR UPDATE``; the first hold of a show creates the row in a
transaction of its own), then touches seat rows in sorted order.  That one row lock puts every
change to a show's holds in a single queue, so two holds can never deadlock each other, the
per-user cap is checked and enforced atomically, and the fencing token
(``hold_counters.last_token``, never deleted) strictly increases per show, across restarts too.
``hold_seats`` names, per seat, the hold that has it, live or lapsed: exactly the seats of each
row of ``holds``.  Whether a hold is live is decided only by comparing its ``expires_at`` with the
``now`` passed in; a hold that lapsed on a requested seat is dropped whole by the hold that takes
the seat over, as ``ShowHolds`` does.  Reads take no lock; like the sold-seat reads, they go
where every commit is visible (never to a lagging replica), as the hold protocol needs.

**Sales.**  The database itself guards a sale: ``sold_seats`` is keyed by (show, seat), so a
second sale of a seat fails in the database whatever the caller does.  A sale first locks the
seats' ``seat_fences`` rows in sorted order, refuses seats sold to anyone (an exact retry is a
no-op) and then a token not greater than a fence (``StaleFencingToken``), and only then writes:
the ``sold_seats`` rows in one statement, then the raised fences.  A seat's first sale finds no
fence row to lock; should another sale create that fence in the meantime, this sale undoes its
insert and is decided again, with the fence locked.  Returning a booking deletes its
``sold_seats`` rows; the fences stay.

:func:`sell_in`, :func:`return_in` and :func:`sold_in` work on a connection inside a caller's
transaction (the SQL unit of work uses them); :class:`SqlSeatSales` wraps each in a transaction
of its own.  A refused :func:`sell_in` leaves the caller's transaction unchanged and usable: it
refuses before writing, and a duplicate key met by its insert rolls back only that statement
(InnoDB and SQLite both do so), after which the sale is decided again on fresh reads.

Ids and seat labels longer than their column are refused with ``InvalidInput`` before anything is
written, on every backend alike (see :func:`bookmyshow.adapters.sql.rows.check_fits`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final, TypeVar

from attrs import define
from sqlalchemy import Insert, Select, Table, delete, insert, select, update
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bookmyshow.adapters.sql.codec import converter
from bookmyshow.adapters.sql.database import SqlDatabase
from bookmyshow.adapters.sql.errors import violated_columns
from bookmyshow.adapters.sql.rows import check_fits
from bookmyshow.adapters.sql.schema import hold_counters, hold_seats, holds, seat_fences, sold_seats
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.holds import (
    Hold,
    HoldExpired,
    HoldNotFound,
    HoldRequest,
    NotHoldOwner,
    SeatsUnavailable,
    claimed,
    extended,
    grant,
    require_aware,
    seat_set,
)
from bookmyshow.domain.sales import StaleFencingToken, validate_sale
from bookmyshow.domain.validation import require_text, require_timedelta

__all__ = ["SqlSeatHolds", "SqlSeatSales", "return_in", "sell_in", "sold_in"]

_T = TypeVar("_T")

_SALE_PASSES: Final = 3
"""How often :func:`sell_in` decides a sale again after a concurrent writer made its insert fail
(each pass needs another transaction to have committed a conflicting row in between)."""


# -- shared helpers ------------------------------------------------------------------------------


def _check_seats(table: Table, seats: Iterable[str]) -> None:
    for seat in seats:
        check_fits(table, {"seat": seat})


# -- holds ---------------------------------------------------------------------------------------


def _hold_from(row: RowMapping) -> Hold:
    """Rebuild a hold from its ``holds`` row (the domain re-validates it)."""
    return Hold(
        hold_id=row["hold_id"],
        show_id=row["show_id"],
        owner_id=row["owner_id"],
        # Hold's converter checks the stored list (InvalidInput for anything but labels).
        seats=row["seats"],
        token=row["token"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        max_expires_at=row["max_expires_at"],
        claimed=bool(row["claimed"]),
    )


def _hold_values(hold: Hold) -> dict[str, Any]:
    return {
        "show_id": hold.show_id,
        "hold_id": hold.hold_id,
        "owner_id": hold.owner_id,
        "seats": converter.unstructure(hold.seats),
        "token": hold.token,
        "created_at": hold.created_at,
        "expires_at": hold.expires_at,
        "max_expires_at": hold.max_expires_at,
        "claimed": hold.claimed,
    }


def _counter(show_id: str) -> Select[Any]:
    return (
        select(hold_counters.c.last_token)
        .where(hold_counters.c.show_id == show_id)
        .with_for_update()
    )


async def _lock_show(connection: AsyncConnection, show_id: str) -> int | None:
    """Lock the show's counter row and return its last token, or ``None`` without a row.

    A show without a counter row never had a hold, so there is nothing to change (and a refused
    call leaves no row behind).
    """
    last: int | None = (await connection.execute(_counter(show_id))).scalar_one_or_none()
    return last


class _NewShow(Exception):
    """The show has no counter row yet: create it, then hold again."""


async def _create_counter(connection: AsyncConnection, show_id: str) -> None:
    """Create the show's counter row (last token 0) unless it exists."""
    values = {"show_id": show_id, "last_token": 0}
    statement: Insert
    if connection.dialect.name == "sqlite":
        statement = sqlite.insert(hold_counters).values(values).on_conflict_do_nothing()
    else:
        # Not INSERT IGNORE: that would also turn real errors (a value too long) into warnings.
        statement = (
            mysql.insert(hold_counters)
            .values(values)
            .on_duplicate_key_update(last_token=hold_counters.c.last_token)
        )
    await connection.execute(statement)


async def _find(
    connection: AsyncConnection, show_id: str, hold_id: str, *, lock: bool = False
) -> Hold | None:
    query = select(holds).where(holds.c.show_id == show_id, holds.c.hold_id == hold_id)
    if lock:
        query = query.with_for_update()
    row = (await connection.execute(query)).mappings().one_or_none()
    return None if row is None else _hold_from(row)


async def _holds_by_id(
    connection: AsyncConnection, show_id: str, hold_ids: Collection[str]
) -> dict[str, Hold]:
    if not hold_ids:
        return {}
    query = select(holds).where(holds.c.show_id == show_id, holds.c.hold_id.in_(sorted(hold_ids)))
    rows = (await connection.execute(query)).mappings().all()
    return {row["hold_id"]: _hold_from(row) for row in rows}


async def _owned(connection: AsyncConnection, show_id: str, hold_id: str, owner_id: str) -> Hold:
    """The owner's hold, live or not, with the show locked.

    Checks in the order of ``ShowHolds``: unknown hold, then wrong owner.
    """
    hold = None
    if await _lock_show(connection, show_id) is not None:
        hold = await _find(connection, show_id, hold_id, lock=True)
    if hold is None:
        raise HoldNotFound(show_id=show_id, hold_id=hold_id)
    if hold.owner_id != owner_id:
        raise NotHoldOwner(hold_id=hold_id)
    return hold


def _check_live(hold: Hold, now: datetime) -> Hold:
    if not hold.is_live(now):
        raise HoldExpired(show_id=hold.show_id, hold_id=hold.hold_id)
    return hold


async def _drop(connection: AsyncConnection, hold: Hold) -> None:
    """Delete a hold and free its seats (seat rows in sorted order)."""
    await connection.execute(
        delete(hold_seats).where(
            hold_seats.c.show_id == hold.show_id,
            hold_seats.c.seat.in_(sorted(hold.seats)),
            hold_seats.c.hold_id == hold.hold_id,
        )
    )
    await connection.execute(
        delete(holds).where(holds.c.show_id == hold.show_id, holds.c.hold_id == hold.hold_id)
    )


async def _set_expiry(connection: AsyncConnection, hold: Hold) -> None:
    await connection.execute(
        update(holds)
        .where(holds.c.show_id == hold.show_id, holds.c.hold_id == hold.hold_id)
        .values(expires_at=hold.expires_at, claimed=hold.claimed)
    )


async def _seats_owned(
    connection: AsyncConnection, show_id: str, owner_id: str, now: datetime
) -> int:
    """How many seats ``owner_id`` has in live holds of the show (the per-user cap counts these)."""
    query = select(holds.c.seats).where(
        holds.c.show_id == show_id, holds.c.owner_id == owner_id, holds.c.expires_at > now
    )
    return sum(len(seat_set(seats)) for seats in (await connection.execute(query)).scalars())


async def _hold_in(connection: AsyncConnection, request: HoldRequest, now: datetime) -> Hold:
    """``ShowHolds.hold`` as one transaction: grant ``request`` whole, or raise having written
    nothing.  A show without a counter row raises :class:`_NewShow`."""
    show_id = request.show_id
    last_token = await _lock_show(connection, show_id)
    if last_token is None:
        raise _NewShow
    if await _find(connection, show_id, request.hold_id) is not None:
        raise InvalidInput(field="hold_id", reason="hold id already used for this show")
    seats = sorted(request.seats)
    holder_of: dict[str, str] = {
        seat: hold_id
        for seat, hold_id in await connection.execute(
            select(hold_seats.c.seat, hold_seats.c.hold_id)
            .where(hold_seats.c.show_id == show_id, hold_seats.c.seat.in_(seats))
            .order_by(hold_seats.c.seat)
            .with_for_update()
        )
    }
    holders = await _holds_by_id(connection, show_id, set(holder_of.values()))
    taken = frozenset(
        seat
        for seat, hold_id in holder_of.items()
        if (holder := holders.get(hold_id)) is not None and holder.is_live(now)
    )
    if taken:
        raise SeatsUnavailable(show_id=show_id, seats=taken)
    owned = await _seats_owned(connection, show_id, request.owner_id, now)
    # Built before anything changes: an instant out of range must leave the rows as they were.
    hold = grant(request, token=last_token + 1, owned=owned, now=now)
    # Every holder found is lapsed (a live one refused the request above): take over, whole.
    for lapsed in sorted(holders.values(), key=lambda h: h.token):
        await _drop(connection, lapsed)
    await connection.execute(
        update(hold_counters)
        .where(hold_counters.c.show_id == show_id)
        .values(last_token=hold.token)
    )
    await connection.execute(insert(holds).values(_hold_values(hold)))
    # One multi-row statement: it inserts every seat or none.
    await connection.execute(
        insert(hold_seats).values(
            [{"show_id": show_id, "seat": seat, "hold_id": hold.hold_id} for seat in seats]
        )
    )
    return hold


@define
class SqlSeatHolds:
    """:class:`~bookmyshow.ports.inventory.SeatHolds` in the SQL tables ``hold_counters``,
    ``holds`` and ``hold_seats``.

    Errors are those of :class:`~bookmyshow.domain.holds.ShowHolds` (``SeatsUnavailable``,
    ``HoldNotFound``, ``HoldExpired``, ``NotHoldOwner``, ``HoldLimitExceeded``,
    ``HoldExtensionLimit``), ``InvalidInput`` for empty or over-long ids, naive datetimes or
    non-positive durations, and ``BackendUnavailable`` when the database fails or stays locked
    through every retry (nothing is then half-held: each call is one transaction).
    """

    database: SqlDatabase

    async def hold(self, request: HoldRequest, *, now: datetime) -> Hold:
        """Hold every requested seat or none; enforces the request's policy atomically."""
        if not isinstance(request, HoldRequest):
            raise InvalidInput(field="request", reason="must be a HoldRequest")
        now = require_aware(now)
        check_fits(
            holds,
            {"show_id": request.show_id, "hold_id": request.hold_id, "owner_id": request.owner_id},
        )
        _check_seats(hold_seats, request.seats)
        try:
            return await self.database.write(lambda connection: _hold_in(connection, request, now))
        except _NewShow:
            # Created in a transaction of its own: inserting new keys at the end of the index
            # takes gap locks that deadlock when many first holds of a show arrive at once; this
            # way holds only ever queue on the row lock.
            await self.database.write(
                lambda connection: _create_counter(connection, request.show_id)
            )
        # Counter rows are never deleted, so this run finds it.
        return await self.database.write(lambda connection: _hold_in(connection, request, now))

    async def get(self, show_id: str, hold_id: str, *, now: datetime) -> Hold:
        """The live hold; raises ``HoldNotFound`` (or its subclass ``HoldExpired``)."""
        require_text(show_id, "show_id")
        require_text(hold_id, "hold_id")
        now = require_aware(now)
        hold = await self.database.read_latest(
            lambda connection: _find(connection, show_id, hold_id)
        )
        if hold is None:
            raise HoldNotFound(show_id=show_id, hold_id=hold_id)
        return _check_live(hold, now)

    async def extend(
        self, show_id: str, hold_id: str, owner_id: str, *, by: timedelta, now: datetime
    ) -> Hold:
        """Extend the owner's live hold by ``by``, capped at its ``max_expires_at``.

        Raises ``HoldExtensionLimit`` when the hold already lasts until its cap.
        """
        _require_ids(show_id, hold_id, owner_id)
        now = require_aware(now)
        require_timedelta(by, "by", positive=True)

        async def work(connection: AsyncConnection) -> Hold:
            hold = _check_live(await _owned(connection, show_id, hold_id, owner_id), now)
            longer = extended(hold, by)
            await _set_expiry(connection, longer)
            return longer

        return await self.database.write(work)

    async def claim(
        self, show_id: str, hold_id: str, owner_id: str, *, lease: timedelta, now: datetime
    ) -> Hold:
        """Protect the owner's live hold from expiry for ``lease`` while it is sold (the lease may
        outlast ``max_expires_at``; a claim never shortens a hold)."""
        _require_ids(show_id, hold_id, owner_id)
        now = require_aware(now)
        require_timedelta(lease, "lease", positive=True)

        async def work(connection: AsyncConnection) -> Hold:
            hold = _check_live(await _owned(connection, show_id, hold_id, owner_id), now)
            protected = claimed(hold, lease, now)
            await _set_expiry(connection, protected)
            return protected

        return await self.database.write(work)

    async def release(self, show_id: str, hold_id: str, owner_id: str, *, now: datetime) -> Hold:
        """Remove the owner's hold, live or expired, and return it."""
        _require_ids(show_id, hold_id, owner_id)
        require_aware(now)

        async def work(connection: AsyncConnection) -> Hold:
            hold = await _owned(connection, show_id, hold_id, owner_id)
            await _drop(connection, hold)
            return hold

        return await self.database.write(work)

    async def active_holds(self, show_id: str, *, now: datetime) -> Sequence[Hold]:
        """Every live hold of the show, oldest token first (a fresh list)."""
        require_text(show_id, "show_id")
        now = require_aware(now)
        query = (
            select(holds)
            .where(holds.c.show_id == show_id, holds.c.expires_at > now)
            .order_by(holds.c.token)
        )

        async def work(connection: AsyncConnection) -> list[Hold]:
            return [_hold_from(row) for row in (await connection.execute(query)).mappings()]

        return await self.database.read_latest(work)

    async def purge_expired(self, show_id: str, *, now: datetime) -> Sequence[Hold]:
        """Remove the show's expired holds and return them, oldest token first."""
        require_text(show_id, "show_id")
        now = require_aware(now)

        async def work(connection: AsyncConnection) -> list[Hold]:
            if await _lock_show(connection, show_id) is None:
                return []
            query = (
                select(holds)
                .where(holds.c.show_id == show_id, holds.c.expires_at <= now)
                .order_by(holds.c.token)
                .with_for_update()
            )
            expired = [_hold_from(row) for row in (await connection.execute(query)).mappings()]
            for hold in expired:
                await _drop(connection, hold)
            return expired

        return await self.database.write(work)


def _require_ids(show_id: str, hold_id: str, owner_id: str) -> None:
    require_text(show_id, "show_id")
    require_text(hold_id, "hold_id")
    require_text(owner_id, "owner_id")


# -- sales ---------------------------------------------------------------------------------------


def _validated_sale(
    show_id: str, booking_id: str, seats: frozenset[str], fencing_token: int
) -> frozenset[str]:
    """The sale's seats (copied: a caller's mutable set must not change under us), checked."""
    chosen = seat_set(seats)
    validate_sale(show_id, booking_id, chosen, fencing_token)
    check_fits(sold_seats, {"show_id": show_id, "booking_id": booking_id})
    _check_seats(sold_seats, chosen)
    return chosen


class _Raced(Exception):
    """A concurrent writer made this pass's insert fail; decide the sale again."""

    def __init__(self, error: IntegrityError) -> None:
        super().__init__("a concurrent sale changed these seats")
        self.error = error


def _duplicate_of(exc: IntegrityError, table: Table) -> bool:
    return violated_columns(exc, table) is not None


async def _sale_pass(
    connection: AsyncConnection, show_id: str, booking_id: str, seats: list[str], token: int
) -> None:
    """One attempt at ``ShowSales.sell``; raises :class:`_Raced` having left no change."""
    fences: dict[str, int] = {
        seat: fence
        for seat, fence in await connection.execute(
            select(seat_fences.c.seat, seat_fences.c.fence)
            .where(seat_fences.c.show_id == show_id, seat_fences.c.seat.in_(seats))
            .order_by(seat_fences.c.seat)
            .with_for_update()
        )
    }
    sold: dict[str, str] = {
        seat: owner
        for seat, owner in await connection.execute(
            select(sold_seats.c.seat, sold_seats.c.booking_id)
            .where(sold_seats.c.show_id == show_id, sold_seats.c.seat.in_(seats))
            .order_by(sold_seats.c.seat)
        )
    }
    if all(sold.get(seat) == booking_id for seat in seats):
        return  # a retried sale: already done
    taken = frozenset(seat for seat in seats if seat in sold)
    if taken:
        raise SeatsUnavailable(show_id=show_id, seats=taken, reason="sold")
    fenced = {seat: fences[seat] for seat in seats if fences.get(seat, 0) >= token}
    if fenced:
        raise StaleFencingToken(
            show_id=show_id, seats=frozenset(fenced), token=token, fence=max(fenced.values())
        )
    try:
        # One multi-row statement: a duplicate key rolls back all of it and nothing else.
        await connection.execute(
            insert(sold_seats).values(
                [
                    {
                        "show_id": show_id,
                        "seat": seat,
                        "booking_id": booking_id,
                        "fencing_token": token,
                    }
                    for seat in seats
                ]
            )
        )
    except IntegrityError as exc:
        if not _duplicate_of(exc, sold_seats):
            raise
        raise _Raced(exc) from exc
    missing = [seat for seat in seats if seat not in fences]
    if missing:
        try:
            await connection.execute(
                insert(seat_fences).values(
                    [{"show_id": show_id, "seat": seat, "fence": token} for seat in missing]
                )
            )
        except IntegrityError as exc:
            if not _duplicate_of(exc, seat_fences):
                raise
            # A first sale of one of these seats was made and returned since the fences were
            # read (a missing row cannot be locked): undo this pass's insert and decide again,
            # now with that fence locked.
            await connection.execute(
                delete(sold_seats).where(
                    sold_seats.c.show_id == show_id,
                    sold_seats.c.seat.in_(seats),
                    sold_seats.c.booking_id == booking_id,
                )
            )
            raise _Raced(exc) from exc
    existing = [seat for seat in seats if seat in fences]
    if existing:
        await connection.execute(
            update(seat_fences)
            .where(seat_fences.c.show_id == show_id, seat_fences.c.seat.in_(existing))
            .values(fence=token)
        )


async def sell_in(
    connection: AsyncConnection,
    show_id: str,
    booking_id: str,
    seats: frozenset[str],
    *,
    fencing_token: int,
) -> None:
    """``ShowSales.sell`` inside the caller's transaction on ``connection``.

    Sells every seat to ``booking_id`` or none; an exact retry (these seats already sold to this
    booking) is a no-op.  Raises ``SeatsUnavailable`` (``reason="sold"``) naming the seats
    already sold, then ``StaleFencingToken`` naming each seat whose fence the token does not
    pass, and ``InvalidInput`` for a malformed sale; after any of these the transaction is
    unchanged and usable.  Driver errors (a deadlock, a lock-wait timeout) propagate for the
    caller's :meth:`~bookmyshow.adapters.sql.database.SqlDatabase.write` to retry or translate.
    """
    chosen = _validated_sale(show_id, booking_id, seats, fencing_token)
    ordered = sorted(chosen)
    for attempt in range(1, _SALE_PASSES + 1):
        try:
            await _sale_pass(connection, show_id, booking_id, ordered, fencing_token)
        except _Raced as raced:
            if attempt == _SALE_PASSES:
                # Still colliding: let the transaction runner report the database's error.
                raise raced.error from None
            continue
        return


async def return_in(connection: AsyncConnection, show_id: str, booking_id: str) -> frozenset[str]:
    """``ShowSales.give_back`` inside the caller's transaction: delete the booking's sold seats
    (their fences stay) and return them, empty if it had none.  Raises ``InvalidInput`` for an
    empty id."""
    require_text(show_id, "show_id")
    require_text(booking_id, "booking_id")
    returned = frozenset(
        (
            await connection.execute(
                select(sold_seats.c.seat)
                .where(sold_seats.c.show_id == show_id, sold_seats.c.booking_id == booking_id)
                .order_by(sold_seats.c.seat)
                .with_for_update()
            )
        ).scalars()
    )
    if returned:
        await connection.execute(
            delete(sold_seats).where(
                sold_seats.c.show_id == show_id,
                sold_seats.c.seat.in_(sorted(returned)),
                sold_seats.c.booking_id == booking_id,
            )
        )
    return returned


async def sold_in(connection: AsyncConnection, show_id: str) -> dict[str, str]:
    """Each sold seat of the show and its booking id, read on ``connection`` (a fresh dict).
    Raises ``InvalidInput`` for an empty show id."""
    require_text(show_id, "show_id")
    rows = await connection.execute(
        select(sold_seats.c.seat, sold_seats.c.booking_id).where(sold_seats.c.show_id == show_id)
    )
    return {seat: booking_id for seat, booking_id in rows}


@define
class SqlSeatSales:
    """:class:`~bookmyshow.ports.inventory.SeatSales` in the SQL tables ``sold_seats`` and
    ``seat_fences``; each call is one transaction around :func:`sell_in`, :func:`return_in` or
    :func:`sold_in`.

    Errors: ``SeatsUnavailable`` (``reason="sold"``), ``StaleFencingToken``, ``InvalidInput`` and
    ``BackendUnavailable``.
    """

    database: SqlDatabase

    async def sell(
        self, show_id: str, booking_id: str, seats: frozenset[str], *, fencing_token: int
    ) -> None:
        """Sell all ``seats`` to ``booking_id`` or none.  Retrying the same sale is a no-op."""
        chosen = _validated_sale(show_id, booking_id, seats, fencing_token)
        await self.database.write(
            lambda connection: sell_in(
                connection, show_id, booking_id, chosen, fencing_token=fencing_token
            )
        )

    async def return_seats(self, show_id: str, booking_id: str) -> frozenset[str]:
        """Put the booking's seats back on sale; returns them (empty if it had none)."""
        require_text(show_id, "show_id")
        require_text(booking_id, "booking_id")
        return await self.database.write(
            lambda connection: return_in(connection, show_id, booking_id)
        )

    async def sold_seats(self, show_id: str) -> Mapping[str, str]:
        """Each sold seat of the show and the booking it was sold to (a fresh dict)."""
        require_text(show_id, "show_id")
        return await self.database.read_latest(lambda connection: sold_in(connection, show_id))
