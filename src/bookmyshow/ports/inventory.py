"""The two inventory ports: transient seat holds and the record of truth for sold seats.

They are separate so that holds can live in a fast store (Redis) while sales live in a database.
The protocol for turning a hold into a sale is:

1. ``hold = await holds.claim(show, hold_id, owner, lease=..., now=now)`` — the hold must be live
   and the caller's; it is protected from expiry for ``lease``.
2. ``await sales.sell(show, booking_id, hold.seats, fencing_token=hold.token)`` — durable.
3. ``await holds.release(show, hold_id, owner, now=now)`` — only after the sale is durable.

and a new hold is confirmed only after checking its seats against ``sales.sold_seats`` (a seat
may have been sold and its hold released just before).  :class:`bookmyshow.services.inventory.
SeatInventory` implements exactly this; the contract suite holds every pair of adapters to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bookmyshow.domain.holds import Hold, HoldRequest

__all__ = ["SeatHolds", "SeatSales"]


class SeatHolds(Protocol):
    """Transient, all-or-nothing seat holds with per-show fencing tokens.

    Every method decides liveness by comparing a hold's ``expires_at`` with ``now``.  Errors are
    those of :class:`bookmyshow.domain.holds.ShowHolds` (``SeatsUnavailable``, ``HoldNotFound``,
    ``HoldExpired``, ``NotHoldOwner``, ``HoldLimitExceeded``, ``HoldExtensionLimit``), plus
    :class:`bookmyshow.ports.errors.BackendUnavailable`.
    """

    async def hold(self, request: HoldRequest, *, now: datetime) -> Hold:
        """Hold every requested seat or none; enforces the request's policy atomically."""
        ...

    async def get(self, show_id: str, hold_id: str, *, now: datetime) -> Hold:
        """The live hold; raises ``HoldNotFound`` (or its subclass ``HoldExpired``)."""
        ...

    async def extend(
        self, show_id: str, hold_id: str, owner_id: str, *, by: timedelta, now: datetime
    ) -> Hold:
        """Extend the owner's live hold by ``by``, capped at its ``max_expires_at``."""
        ...

    async def claim(
        self, show_id: str, hold_id: str, owner_id: str, *, lease: timedelta, now: datetime
    ) -> Hold:
        """Protect the owner's live hold from expiry for ``lease`` while it is sold."""
        ...

    async def release(self, show_id: str, hold_id: str, owner_id: str, *, now: datetime) -> Hold:
        """Remove the owner's hold, live or expired, and return it."""
        ...

    async def active_holds(self, show_id: str, *, now: datetime) -> Sequence[Hold]:
        """Every live hold of the show, oldest token first."""
        ...

    async def purge_expired(self, show_id: str, *, now: datetime) -> Sequence[Hold]:
        """Remove the show's expired holds and return them (clean-up only; never needed for
        correctness)."""
        ...


class SeatSales(Protocol):
    """Which seats of a show are sold, to which booking; the store itself guarantees uniqueness.

    Errors: ``SeatsUnavailable`` (``reason="sold"``), ``StaleFencingToken``, ``InvalidInput``,
    :class:`bookmyshow.ports.errors.BackendUnavailable`.
    """

    async def sell(
        self, show_id: str, booking_id: str, seats: frozenset[str], *, fencing_token: int
    ) -> None:
        """Sell all ``seats`` to ``booking_id`` or none.  Retrying the same sale is a no-op."""
        ...

    async def return_seats(self, show_id: str, booking_id: str) -> frozenset[str]:
        """Put the booking's seats back on sale; returns them (empty if it had none)."""
        ...

    async def sold_seats(self, show_id: str) -> Mapping[str, str]:
        """Each sold seat of the show and the booking it was sold to."""
        ...
