"""In-memory seat holds and sales: the embedded "database" for tests, demos and one process.

:class:`MemoryInventoryStore` is the shared backing store: per show, a
:class:`~bookmyshow.domain.holds.ShowHolds` and a :class:`~bookmyshow.domain.sales.ShowSales`,
each behind its own lock.  :class:`MemorySeatHolds` and :class:`MemorySeatSales` are thin adapters
over it; any number of adapter instances over one store behave as one store, the way several
processes share one database.  A new adapter instance over an existing store is what a "restart"
of the hold store looks like: fencing tokens keep increasing.

Every operation validates its input before it touches the store and runs its transition inside
the lock without awaiting, so a concurrent task never sees half a change, and a refused call
changes nothing.  The domain objects returned (:class:`~bookmyshow.domain.holds.Hold`, frozensets)
are immutable and mappings are fresh copies, so nothing a caller holds can mutate the store.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from attrs import define, field

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.holds import Hold, HoldRequest, ShowHolds, require_aware, seat_set
from bookmyshow.domain.sales import ShowSales, validate_sale
from bookmyshow.domain.validation import require_text

__all__ = ["MemoryInventoryStore", "MemorySeatHolds", "MemorySeatSales"]


def _require_flag(value: bool, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(field=name, reason="must be a bool")
    return value


@define(kw_only=True)
class MemoryInventoryStore:
    """Every show's holds and sales, shared by any number of memory adapters.

    The locks are :class:`threading.Lock`, not :class:`asyncio.Lock`: critical sections never
    await, so they cannot block the event loop for long, and a thread lock also stays correct when
    the store is used from several event loops or threads (a sync test client runs the app on its
    own loop in another thread; an asyncio lock is bound to one loop).
    """

    _holds: dict[str, ShowHolds] = field(factory=dict, init=False)
    _sales: dict[str, ShowSales] = field(factory=dict, init=False)
    _holds_lock: threading.Lock = field(factory=threading.Lock, init=False)
    _sales_lock: threading.Lock = field(factory=threading.Lock, init=False)

    def show_holds(self, show_id: str, *, create: bool = False) -> ShowHolds:
        """The show's hold state.  Call only under :attr:`holds_lock`.

        An unknown show gets an empty state, stored only with ``create=True`` (so that reads
        and refused calls leave nothing behind).  Raises ``InvalidInput`` for an empty show id
        or a non-bool ``create``.
        """
        require_text(show_id, "show_id")
        _require_flag(create, "create")
        state = self._holds.get(show_id)
        if state is None:
            state = ShowHolds(show_id=show_id)
            if create:
                self._holds[show_id] = state
        return state

    def show_sales(self, show_id: str, *, create: bool = False) -> ShowSales:
        """The show's sale record, like :meth:`show_holds`.  Call only under :attr:`sales_lock`."""
        require_text(show_id, "show_id")
        _require_flag(create, "create")
        state = self._sales.get(show_id)
        if state is None:
            state = ShowSales(show_id=show_id)
            if create:
                self._sales[show_id] = state
        return state

    @property
    def holds_lock(self) -> threading.Lock:
        """Guards every show's hold state (one lock: holds are cheap, sections are short)."""
        return self._holds_lock

    @property
    def sales_lock(self) -> threading.Lock:
        """Guards every show's sale record."""
        return self._sales_lock


async def _io() -> None:
    # A real store answers after a round trip; yielding here lets other tasks interleave between
    # the steps of a multi-call protocol, so the memory adapter exercises the same races.
    await asyncio.sleep(0)


@define
class MemorySeatHolds:
    """:class:`~bookmyshow.ports.inventory.SeatHolds` over a :class:`MemoryInventoryStore`.

    Errors are the domain's (``SeatsUnavailable``, ``HoldNotFound``, ``HoldExpired``,
    ``NotHoldOwner``, ``HoldLimitExceeded``, ``HoldExtensionLimit``) and ``InvalidInput`` for
    empty ids, naive datetimes or non-positive durations.
    """

    store: MemoryInventoryStore

    async def hold(self, request: HoldRequest, *, now: datetime) -> Hold:
        """Hold every requested seat or none; enforces the request's policy atomically."""
        if not isinstance(request, HoldRequest):
            raise InvalidInput(field="request", reason="must be a HoldRequest")
        require_aware(now)
        await _io()
        with self.store.holds_lock:
            return self.store.show_holds(request.show_id, create=True).hold(request, now)

    async def get(self, show_id: str, hold_id: str, *, now: datetime) -> Hold:
        """The live hold; raises ``HoldNotFound`` (or its subclass ``HoldExpired``)."""
        require_text(show_id, "show_id")
        require_text(hold_id, "hold_id")
        require_aware(now)
        await _io()
        with self.store.holds_lock:
            return self.store.show_holds(show_id).get(hold_id, now)

    async def extend(
        self, show_id: str, hold_id: str, owner_id: str, *, by: timedelta, now: datetime
    ) -> Hold:
        """Extend the owner's live hold by ``by``, capped at its ``max_expires_at``."""
        require_text(show_id, "show_id")
        require_text(hold_id, "hold_id")
        require_text(owner_id, "owner_id")
        require_aware(now)
        await _io()
        with self.store.holds_lock:
            return self.store.show_holds(show_id).extend(hold_id, owner_id, by, now)

    async def claim(
        self, show_id: str, hold_id: str, owner_id: str, *, lease: timedelta, now: datetime
    ) -> Hold:
        """Protect the owner's live hold from expiry for ``lease`` while it is sold."""
        require_text(show_id, "show_id")
        require_text(hold_id, "hold_id")
        require_text(owner_id, "owner_id")
        require_aware(now)
        await _io()
        with self.store.holds_lock:
            return self.store.show_holds(show_id).claim(hold_id, owner_id, lease, now)

    async def release(self, show_id: str, hold_id: str, owner_id: str, *, now: datetime) -> Hold:
        """Remove the owner's hold, live or expired, and return it."""
        require_text(show_id, "show_id")
        require_text(hold_id, "hold_id")
        require_text(owner_id, "owner_id")
        require_aware(now)
        await _io()
        with self.store.holds_lock:
            return self.store.show_holds(show_id).release(hold_id, owner_id, now)

    async def active_holds(self, show_id: str, *, now: datetime) -> Sequence[Hold]:
        """Every live hold of the show, oldest token first (a fresh list)."""
        require_text(show_id, "show_id")
        require_aware(now)
        await _io()
        with self.store.holds_lock:
            return list(self.store.show_holds(show_id).active(now))

    async def purge_expired(self, show_id: str, *, now: datetime) -> Sequence[Hold]:
        """Remove the show's expired holds and return them, oldest token first."""
        require_text(show_id, "show_id")
        require_aware(now)
        await _io()
        with self.store.holds_lock:
            return list(self.store.show_holds(show_id).purge(now))


@define
class MemorySeatSales:
    """:class:`~bookmyshow.ports.inventory.SeatSales` over a :class:`MemoryInventoryStore`.

    Errors: ``SeatsUnavailable`` (``reason="sold"``), ``StaleFencingToken`` and ``InvalidInput``.
    """

    store: MemoryInventoryStore

    async def sell(
        self, show_id: str, booking_id: str, seats: frozenset[str], *, fencing_token: int
    ) -> None:
        """Sell all ``seats`` to ``booking_id`` or none.  Retrying the same sale is a no-op."""
        # Copy first: a caller's mutable set must not change between validation and use.
        chosen = seat_set(seats)
        validate_sale(show_id, booking_id, chosen, fencing_token)
        await _io()
        with self.store.sales_lock:
            self.store.show_sales(show_id, create=True).sell(booking_id, chosen, fencing_token)

    async def return_seats(self, show_id: str, booking_id: str) -> frozenset[str]:
        """Put the booking's seats back on sale; returns them (empty if it had none)."""
        require_text(show_id, "show_id")
        require_text(booking_id, "booking_id")
        await _io()
        with self.store.sales_lock:
            return self.store.show_sales(show_id).give_back(booking_id)

    async def sold_seats(self, show_id: str) -> Mapping[str, str]:
        """Each sold seat of the show and the booking it was sold to (a fresh dict)."""
        require_text(show_id, "show_id")
        await _io()
        with self.store.sales_lock:
            return dict(self.store.show_sales(show_id).snapshot())
