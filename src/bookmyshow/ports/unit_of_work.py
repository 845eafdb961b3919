"""The unit of work: one atomic change across repositories and the sold-seat record.

Use it as ``async with uow: …; await uow.commit()``.  Leaving the block without committing rolls
back, and so does an exception.  Events recorded with :meth:`UnitOfWork.record` and those pulled
from bookings saved in the unit are handed out by :meth:`UnitOfWork.committed_events` only after a
successful commit, so nothing is published for a rolled-back change.

Concurrent units never lose an update: when a unit saves or removes a row that another unit
changed and committed after this unit read it (with or without ``for_update``), the save or the
commit raises :class:`~bookmyshow.ports.errors.Conflict` (``what="concurrent_update"``) and the
unit changes nothing.  A read with ``for_update`` also guards a row the unit does not change: two
units that read the same row for update cannot both commit on what they saw — an adapter either
makes the second wait until the first ends (and then shows it the first one's state) or fails it
with that same ``Conflict``.  Callers that may race retry the whole unit on ``Conflict``.  (A SQL
adapter keeps a version per row and updates ``WHERE version = <the version it read>``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Protocol, Self

from bookmyshow.domain.events import DomainEvent
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

__all__ = ["UnitOfWork", "UnitOfWorkFactory"]


class UnitOfWork(Protocol):
    """Repositories and seat sales that commit or roll back together."""

    movies: MovieRepository
    venues: VenueRepository
    shows: ShowRepository
    bookings: BookingRepository
    users: UserRepository
    reviews: ReviewRepository
    coupons: CouponRepository
    sales: SeatSales
    """Sales made through the unit become durable with its commit (and vanish on rollback)."""

    async def __aenter__(self) -> Self:
        """Begin the unit; a unit is used once."""
        ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back unless :meth:`commit` succeeded."""
        ...

    async def commit(self) -> None:
        """Make every change durable at once, or raise and change nothing.

        Raises ``Conflict`` when another unit won a race (see the module), or a unique constraint
        or a seat sale no longer holds.
        """
        ...

    async def rollback(self) -> None:
        """Discard every change made in the unit."""
        ...

    def record(self, *events: DomainEvent) -> None:
        """Queue events to be handed out after a successful commit."""
        ...

    def committed_events(self) -> Sequence[DomainEvent]:
        """Events of the committed unit, in the order they happened (empty before commit)."""
        ...


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work per use case call."""

    def __call__(self) -> UnitOfWork:
        """A new, not yet entered unit of work."""
        ...
