"""The memory unit of work: repositories and seat sales that commit or roll back together.

Make units with :class:`MemoryUnitOfWorkFactory` over one :class:`MemoryDatabase`::

    uow_factory = MemoryUnitOfWorkFactory(MemoryDatabase(inventory=store))
    async with uow_factory() as uow:
        booking = await uow.bookings.get(booking_id, for_update=True)
        ...
        await uow.commit()
    publish(uow.committed_events())

The isolation and concurrency rules are those of
:class:`~bookmyshow.adapters.memory.database.MemoryTransaction`: read your own writes, see
others' only once they commit, and fail the commit with ``Conflict(what="concurrent_update")``
when a row saved or removed here changed since this unit read it, or a row read for update here
was written or locked by a unit that committed meanwhile.  A read for update is thus an
exclusive lock that makes a loser fail instead of wait: callers that may race retry the whole
unit on ``Conflict``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Self

from attrs import field, frozen

from bookmyshow.adapters.memory.database import MemoryDatabase, MemoryTransaction
from bookmyshow.adapters.memory.repositories import (
    MemoryBookingRepository,
    MemoryCouponRepository,
    MemoryMovieRepository,
    MemoryReviewRepository,
    MemoryShowRepository,
    MemoryUserRepository,
    MemoryVenueRepository,
)
from bookmyshow.domain.events import DomainEvent
from bookmyshow.domain.holds import seat_set
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

__all__ = ["MemoryUnitOfWork", "MemoryUnitOfWorkFactory", "MemoryUnitSales"]


async def _io() -> None:
    # Yield like a round trip would, so that concurrent units interleave at commit too.
    await asyncio.sleep(0)


class MemoryUnitSales:
    """:class:`~bookmyshow.ports.inventory.SeatSales` whose changes belong to a unit of work.

    ``sell`` is checked at once against the committed sale record plus the unit's own staged
    sales and returns (raising ``SeatsUnavailable``, ``StaleFencingToken`` or ``InvalidInput``
    right away), is checked again at commit, and becomes visible to others only then.
    ``sold_seats`` shows the unit's staged effects.
    """

    def __init__(self, transaction: MemoryTransaction) -> None:
        self._tx = transaction

    async def sell(
        self, show_id: str, booking_id: str, seats: frozenset[str], *, fencing_token: int
    ) -> None:
        """Stage selling all ``seats`` to ``booking_id`` or none; a retried sale is a no-op."""
        # Copy first: a caller's mutable set must not change between the check and the commit.
        chosen = seat_set(seats)
        await _io()
        self._tx.sell(show_id, booking_id, chosen, fencing_token)

    async def return_seats(self, show_id: str, booking_id: str) -> frozenset[str]:
        """Stage putting the booking's seats back on sale; returns them (empty if none)."""
        await _io()
        return self._tx.give_back(show_id, booking_id)

    async def sold_seats(self, show_id: str) -> Mapping[str, str]:
        """Each sold seat of the show and its booking, as this unit sees it (a fresh dict)."""
        await _io()
        return self._tx.sold(show_id)


class MemoryUnitOfWork:
    """:class:`~bookmyshow.ports.unit_of_work.UnitOfWork` over a :class:`MemoryDatabase`.

    A unit is used once: entering it again, or using it before entering or after it committed
    or rolled back, raises :class:`~bookmyshow.domain.errors.InvalidInput`
    (``field="unit_of_work"``).  ``committed_events`` stays readable after the block.
    """

    movies: MovieRepository
    venues: VenueRepository
    shows: ShowRepository
    bookings: BookingRepository
    users: UserRepository
    reviews: ReviewRepository
    coupons: CouponRepository
    sales: SeatSales

    def __init__(self, database: MemoryDatabase) -> None:
        self.database = database
        self._tx = database.transaction()
        self.movies = MemoryMovieRepository(self._tx)
        self.venues = MemoryVenueRepository(self._tx)
        self.shows = MemoryShowRepository(self._tx)
        self.bookings = MemoryBookingRepository(self._tx)
        self.users = MemoryUserRepository(self._tx)
        self.reviews = MemoryReviewRepository(self._tx)
        self.coupons = MemoryCouponRepository(self._tx)
        self.sales = MemoryUnitSales(self._tx)

    async def __aenter__(self) -> Self:
        """Begin the unit; InvalidInput if it was used before."""
        self._tx.begin()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back unless :meth:`commit` succeeded."""
        self._tx.rollback()

    async def commit(self) -> None:
        """Apply every change at once, or raise and apply nothing (the unit then is rolled back).

        Raises ``Conflict`` (``concurrent_update``, a duplicate id or unique value),
        ``ReviewExists``, ``SeatsUnavailable`` or ``StaleFencingToken``; see
        :meth:`~bookmyshow.adapters.memory.database.MemoryTransaction.commit`.
        """
        await _io()
        self._tx.commit()

    async def rollback(self) -> None:
        """Discard every change and end the unit (nothing happens if it already ended)."""
        self._tx.rollback()

    def record(self, *events: DomainEvent) -> None:
        """Queue events to hand out after a successful commit; InvalidInput for a non-event."""
        self._tx.record(*events)

    def committed_events(self) -> Sequence[DomainEvent]:
        """Recorded events and those of saved bookings, in call order, once committed."""
        return self._tx.committed_events()


@frozen
class MemoryUnitOfWorkFactory:
    """:class:`~bookmyshow.ports.unit_of_work.UnitOfWorkFactory`: a new unit over ``database``
    per call (a fresh empty database if none is given)."""

    database: MemoryDatabase = field(factory=MemoryDatabase)

    def __call__(self) -> MemoryUnitOfWork:
        """A new, not yet entered unit of work."""
        return MemoryUnitOfWork(self.database)
