"""The seat inventory facade: holds and sales used together by the documented protocol.

Booking services never talk to :class:`~bookmyshow.ports.inventory.SeatHolds` and
:class:`~bookmyshow.ports.inventory.SeatSales` separately for the two steps that must be ordered:

* :meth:`SeatInventory.hold` holds the seats and only then checks them against the sold seats (a
  seat may have been sold, and its hold released, just before); a sold seat makes it release the
  new hold and refuse.
* :meth:`SeatInventory.sell` claims the hold (protecting it from expiry for a lease), sells with
  the hold's fencing token, and releases the hold only once the sale is durable.

Together with the sales store's own uniqueness guarantee this is why a seat is never sold twice;
see ``docs/holds.md``.  This module imports ports and domain only, never an adapter.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from attrs import frozen

from bookmyshow.domain.errors import BookMyShowError, InvalidInput
from bookmyshow.domain.holds import (
    Hold,
    HoldNotFound,
    HoldRequest,
    SeatsUnavailable,
    require_aware,
)
from bookmyshow.domain.sales import StaleFencingToken
from bookmyshow.ports.inventory import SeatHolds, SeatSales

__all__ = ["DEFAULT_CLAIM_LEASE", "SeatInventory", "SeatState", "SeatStatus"]

DEFAULT_CLAIM_LEASE = timedelta(minutes=2)
"""How long a claimed hold is protected from expiry while its sale completes."""


class SeatStatus(enum.StrEnum):
    """Where a seat of a show stands right now."""

    AVAILABLE = "available"
    HELD = "held"
    SOLD = "sold"


@frozen(kw_only=True)
class SeatState:
    """One seat's state: ``hold_id``/``owner_id`` when held, ``booking_id`` when sold."""

    status: SeatStatus
    hold_id: str | None = None
    owner_id: str | None = None
    booking_id: str | None = None


_AVAILABLE = SeatState(status=SeatStatus.AVAILABLE)

_log = logging.getLogger(__name__)


class SeatInventory:
    """Holds and sales of seats, kept consistent by the claim → sell → release protocol.

    Errors are those of the ports: ``SeatsUnavailable``, ``HoldNotFound``/``HoldExpired``,
    ``NotHoldOwner``, ``HoldLimitExceeded``, ``HoldExtensionLimit``, ``StaleFencingToken``,
    ``InvalidInput`` and ``BackendUnavailable``.
    """

    def __init__(
        self, holds: SeatHolds, sales: SeatSales, *, claim_lease: timedelta = DEFAULT_CLAIM_LEASE
    ) -> None:
        """Use ``holds`` and ``sales``; a sale protects its hold for ``claim_lease``.

        Raises :class:`InvalidInput` when ``claim_lease`` is not positive.
        """
        if not isinstance(claim_lease, timedelta) or claim_lease <= timedelta(0):
            raise InvalidInput(field="claim_lease", reason="must be a positive timedelta")
        self._holds = holds
        self._sales = sales
        self._lease = claim_lease

    @property
    def claim_lease(self) -> timedelta:
        """How long :meth:`sell` protects a hold from expiry."""
        return self._lease

    async def hold(self, request: HoldRequest, now: datetime) -> Hold:
        """Hold every requested seat or none, and make sure none of them is sold.

        Raises :class:`SeatsUnavailable` with ``reason="held"`` naming the seats live-held by
        others, or with ``reason="sold"`` naming the sold ones (the new hold is released first),
        and the hold store's other errors.  If reading the sold seats fails, the new hold is
        released and that error raised.  Either way, should the release itself fail, the
        refusal is still what is raised (with the release failure as a note): the unconfirmed
        hold then lapses at its expiry.
        """
        hold = await self._holds.hold(request, now=now)
        try:
            sold = await self._sales.sold_seats(request.show_id)
        except Exception as exc:
            # The hold was never confirmed; don't leave it blocking the seats until it expires.
            await self._release_or_note(hold, now, exc)
            raise
        taken = frozenset(seat for seat in hold.seats if seat in sold)
        if taken:
            refusal = SeatsUnavailable(show_id=request.show_id, seats=taken, reason="sold")
            await self._release_or_note(hold, now, refusal)
            raise refusal
        return hold

    async def sell(
        self, show_id: str, hold_id: str, owner_id: str, booking_id: str, now: datetime
    ) -> Hold:
        """Sell the owner's live hold to ``booking_id``: claim, sell with its token, release.

        Returns the hold sold (as claimed).  When the seats cannot be sold from this hold
        (``SeatsUnavailable`` with ``reason="sold"`` or ``StaleFencingToken``) the hold is released
        and the error raised.  Raises ``HoldNotFound``/``HoldExpired`` or ``NotHoldOwner`` from the
        claim (nothing is sold then) and ``InvalidInput`` for an empty ``booking_id``.  If the
        sales store fails with another error the hold stays claimed, so that retrying with the same
        ``booking_id`` completes the sale at most once.

        Once the sales store has answered, that answer is the result: a failure to release the
        hold afterwards never turns a durable sale into an error, nor hides a refusal (the claimed
        hold then lapses at the end of its lease, and its sold seats cannot be held again).
        """
        if not isinstance(booking_id, str) or not booking_id:
            raise InvalidInput(field="booking_id", reason="must not be empty")
        hold = await self._holds.claim(show_id, hold_id, owner_id, lease=self._lease, now=now)
        try:
            await self._sales.sell(show_id, booking_id, hold.seats, fencing_token=hold.token)
        except (SeatsUnavailable, StaleFencingToken) as refusal:
            # These seats can never be sold from this hold; free the rest of it now.
            await self._release_or_note(hold, now, refusal)
            raise
        # Reporting the release failure would make the caller believe the sale failed and refund
        # a customer who holds sold seats; the lease ends the hold on its own.
        await self._release_or_note(hold, now, None)
        return hold

    async def _release_or_note(self, hold: Hold, now: datetime, outcome: Exception | None) -> None:
        """Release ``hold``; a failure is noted on ``outcome`` (or logged), never raised.

        Only called once the outcome is decided, so the release is clean-up: the hold lapses at
        its expiry anyway.  ``HoldNotFound`` means it is already gone (its lease ran out and it
        was cleaned up or taken over), which is what releasing was for.
        """
        try:
            await self._holds.release(hold.show_id, hold.hold_id, hold.owner_id, now=now)
        except HoldNotFound:
            return
        except BookMyShowError as exc:
            message = f"releasing hold {hold.hold_id!r} of show {hold.show_id!r} failed: {exc!r}"
            if outcome is None:
                _log.warning("%s; it lapses at %s", message, hold.expires_at.isoformat())
            else:
                outcome.add_note(message)

    async def give_back(self, show_id: str, booking_id: str) -> frozenset[str]:
        """Return a booking's seats to sale; returns them (empty if it had none)."""
        return await self._sales.return_seats(show_id, booking_id)

    async def get(self, show_id: str, hold_id: str, now: datetime) -> Hold:
        """The live hold; raises ``HoldNotFound`` (or ``HoldExpired``)."""
        return await self._holds.get(show_id, hold_id, now=now)

    async def extend(
        self, show_id: str, hold_id: str, owner_id: str, by: timedelta, now: datetime
    ) -> Hold:
        """Extend the owner's live hold by ``by``, capped at its ``max_expires_at``.

        Raises ``HoldExtensionLimit``, ``NotHoldOwner``, ``HoldNotFound``/``HoldExpired``.
        """
        return await self._holds.extend(show_id, hold_id, owner_id, by=by, now=now)

    async def release(self, show_id: str, hold_id: str, owner_id: str, now: datetime) -> Hold:
        """Release the owner's hold (live or expired); raises ``HoldNotFound``/``NotHoldOwner``."""
        return await self._holds.release(show_id, hold_id, owner_id, now=now)

    async def active_holds(self, show_id: str, now: datetime) -> Sequence[Hold]:
        """Every live hold of the show, oldest token first."""
        return await self._holds.active_holds(show_id, now=now)

    async def purge_expired(self, show_id: str, now: datetime) -> Sequence[Hold]:
        """Clean up the show's expired holds (never needed for correctness); returns them."""
        return await self._holds.purge_expired(show_id, now=now)

    async def seat_states(
        self, show_id: str, now: datetime, seats: Iterable[str] = ()
    ) -> Mapping[str, SeatState]:
        """The state of every seat in ``seats`` and of every held or sold seat of the show.

        A sold seat is ``SOLD`` whatever holds say; a seat in a live hold is ``HELD``; any other
        seat in ``seats`` is ``AVAILABLE``.  Raises ``InvalidInput`` for a naive ``now``.
        """
        require_aware(now)
        # Holds first, then sales: a sale completing between the reads then shows as SOLD (its
        # hold is released only after the sale is durable).  The other order could miss it.
        active = await self._holds.active_holds(show_id, now=now)
        sold = await self._sales.sold_seats(show_id)
        states: dict[str, SeatState] = dict.fromkeys(seats, _AVAILABLE)
        for hold in active:
            held = SeatState(status=SeatStatus.HELD, hold_id=hold.hold_id, owner_id=hold.owner_id)
            for seat in hold.seats:
                states[seat] = held
        for seat, booking_id in sold.items():
            states[seat] = SeatState(status=SeatStatus.SOLD, booking_id=booking_id)
        return states
