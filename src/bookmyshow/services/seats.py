"""Holding seats: chosen by the customer or picked best-available; extended; released.

A hold is always the acting customer's own (``owner_id`` is the principal's user id).  The hold
store alone decides availability, atomically and all-or-nothing; the checks made here first —
the show is bookable, the seats exist and are not blocked, no single seat is stranded when the
policy forbids orphans — only refuse early with a clear error.  After the store grants a hold,
:class:`~bookmyshow.services.inventory.SeatInventory` checks it against the sold seats, so a seat
sold a moment ago is never held.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from attrs import frozen

from bookmyshow.domain.events import SeatsHeld
from bookmyshow.domain.holds import Hold, HoldExpired, HoldRequest, SeatsUnavailable, seat_set
from bookmyshow.domain.seating import (
    NotEnoughSeats,
    RelaxationStep,
    SeatsNotTogether,
    best_available,
    check_hold_seats,
)
from bookmyshow.domain.shows import Show
from bookmyshow.domain.users import Action, Principal, Resource, ResourceKind, require
from bookmyshow.domain.validation import require_timedelta
from bookmyshow.domain.venues import Screen
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services._settlement import released_event
from bookmyshow.services._units import publish, read_unit
from bookmyshow.services.context import Policies, Ports
from bookmyshow.services.errors import ShowNotBookable
from bookmyshow.services.inventory import SeatInventory, SeatStatus

__all__ = ["BestAvailableHold", "Seats"]

# Best-available reads a snapshot of taken seats; when other buyers win picked seats between
# the read and the hold, it tries the snapshot's next picks, then reads the seats again.
_PICK_ATTEMPTS = 3
"""Snapshots of the taken seats read by one best-available hold, at most."""
_PICKS_PER_SNAPSHOT = 8
"""Picks tried from one snapshot before reading the seats again."""


@frozen(kw_only=True)
class BestAvailableHold:
    """A hold made by best-available, and how far the seat rules had to relax to place it."""

    hold: Hold
    step: RelaxationStep
    category: str


class Seats:
    """Hold, extend and release seats of a show for the acting customer."""

    def __init__(self, ports: Ports, policies: Policies) -> None:
        """Use ``ports`` and ``policies`` (the hold policy, the claim lease)."""
        self._ports = ports
        self._policies = policies
        self._inventory = SeatInventory(ports.holds, ports.sales, claim_lease=policies.claim_lease)

    async def hold(self, actor: Principal, show_id: str, seats: Iterable[str]) -> Hold:
        """Hold exactly ``seats`` of the show for ``actor``, all or none.

        Raises ``PermissionDenied`` (only customers and platform admins hold seats),
        ``NotFound`` for an unknown show, :class:`ShowNotBookable`, ``InvalidInput`` for an
        unknown or blocked seat, ``OrphanSeatLeft`` when the policy forbids stranding a seat,
        ``SeatsUnavailable`` (held by someone else, or sold), ``HoldLimitExceeded``.
        """
        self._authorize(actor)
        now = self._ports.clock.now()
        show, screen = await self._show_and_screen(show_id, now)
        taken = await self._taken(show.show_id, now)
        chosen = check_hold_seats(
            screen.layout,
            seat_set(seats),
            taken,
            forbid_orphans=self._policies.holds.forbid_orphans,
        )
        return await self._hold(actor, show, chosen, now)

    async def hold_best_available(
        self,
        actor: Principal,
        show_id: str,
        count: int,
        *,
        category: str | None = None,
        wheelchair: bool = False,
    ) -> BestAvailableHold:
        """Hold the ``count`` best free seats (of ``category``, or of the best category).

        Seats are picked by :func:`~bookmyshow.domain.seating.best_available`: together in one
        row without stranding a seat if possible, relaxing step by step (the step is reported).
        When concurrent buyers take the picked seats first, the next picks are tried (see
        ``docs/use-cases.md``).  Raises like :meth:`hold`, plus ``NotEnoughSeats`` and
        ``SeatsNotTogether``; ``SeatsUnavailable`` only when every pick was taken.
        """
        self._authorize(actor)
        now = self._ports.clock.now()
        show, screen = await self._show_and_screen(show_id, now)
        strict = self._policies.holds.forbid_orphans
        allow = RelaxationStep.STRICT if strict else RelaxationStep.ANY
        attempt = 1
        while True:
            taken = await self._taken(show.show_id, now)
            # The best pick first.  When it was taken meanwhile (buyers who asked at the same
            # moment all picked the same seats), try the next picks of this snapshot — each made
            # with the seats that conflicted counted as taken — before reading the seats again:
            # concurrent buyers then spread over the free seats instead of colliding round
            # after round.  A pick made with more seats counted as taken strands no seat that
            # is really free, so the orphan rule still holds.
            excluded = set(taken)
            for pick in range(_PICKS_PER_SNAPSHOT):
                try:
                    selection = best_available(
                        screen.layout,
                        frozenset(excluded),
                        count,
                        category,
                        wheelchair=wheelchair,
                        allow=allow,
                    )
                except (NotEnoughSeats, SeatsNotTogether):
                    if pick == 0:
                        raise
                    break  # this snapshot has no other pick: read the seats again
                try:
                    hold = await self._hold(actor, show, frozenset(selection.seats), now)
                except SeatsUnavailable as conflict:
                    excluded |= conflict.seats
                    continue
                return BestAvailableHold(
                    hold=hold, step=selection.step, category=selection.category
                )
            if attempt >= _PICK_ATTEMPTS:
                raise SeatsUnavailable(show_id=show.show_id, seats=frozenset(excluded - taken))
            attempt += 1
            now = self._ports.clock.now()

    async def get(self, actor: Principal, show_id: str, hold_id: str) -> Hold:
        """The live hold; raises ``HoldNotFound``/``HoldExpired`` and ``PermissionDenied``."""
        hold = await self._inventory.get(show_id, hold_id, self._ports.clock.now())
        self._authorize(actor, hold)
        return hold

    async def extend(
        self, actor: Principal, show_id: str, hold_id: str, by: timedelta | None = None
    ) -> Hold:
        """Extend the live hold by ``by`` (default: the policy's ttl), capped at its maximum.

        Raises ``HoldNotFound``/``HoldExpired``, ``PermissionDenied`` (not the owner's and not a
        platform admin's), ``HoldExtensionLimit`` once the cap is reached, ``InvalidInput``.
        """
        step = self._policies.holds.ttl if by is None else by
        require_timedelta(step, "by", positive=True)
        now = self._ports.clock.now()
        hold = await self._inventory.get(show_id, hold_id, now)
        self._authorize(actor, hold)
        return await self._inventory.extend(show_id, hold_id, hold.owner_id, step, now)

    async def release(self, actor: Principal, show_id: str, hold_id: str) -> Hold:
        """Release the hold so its seats are free at once; returns it.

        An expired hold can still be released by its owner.  Raises ``HoldNotFound``,
        ``NotHoldOwner``/``PermissionDenied`` for someone else's hold.
        """
        now = self._ports.clock.now()
        try:
            owner = (await self._inventory.get(show_id, hold_id, now)).owner_id
        except HoldExpired:
            owner = actor.user_id
        self._authorize(actor, owner_id=owner)
        hold = await self._inventory.release(show_id, hold_id, owner, now)
        await publish(self._ports, [released_event(hold, now)])
        return hold

    # -- helpers ---------------------------------------------------------------------------------

    def _authorize(
        self, actor: Principal, hold: Hold | None = None, *, owner_id: str | None = None
    ) -> None:
        owner = hold.owner_id if hold is not None else owner_id or actor.user_id
        hold_id = hold.hold_id if hold is not None else None
        require(
            actor,
            Action.HOLD_SEATS,
            Resource(kind=ResourceKind.HOLD, resource_id=hold_id, owner_id=owner),
        )

    async def _show_and_screen(self, show_id: str, now: datetime) -> tuple[Show, Screen]:
        async def read(uow: UnitOfWork) -> tuple[Show, Screen]:
            show = await uow.shows.get(show_id)
            return show, await uow.venues.get_screen(show.screen_id)

        show, screen = await read_unit(self._ports, read)
        if show.is_cancelled:
            raise ShowNotBookable(show_id=show.show_id, reason="cancelled")
        if show.has_started(now):
            raise ShowNotBookable(show_id=show.show_id, reason="started")
        return show, screen

    async def _taken(self, show_id: str, now: datetime) -> frozenset[str]:
        states = await self._inventory.seat_states(show_id, now)
        return frozenset(seat for seat, state in states.items() if state.status in _TAKEN)

    async def _hold(
        self, actor: Principal, show: Show, seats: frozenset[str], now: datetime
    ) -> Hold:
        request = HoldRequest(
            hold_id=self._ports.ids.new_id("hld"),
            show_id=show.show_id,
            owner_id=actor.user_id,
            seats=seats,
            policy=self._policies.holds,
        )
        hold = await self._inventory.hold(request, now)
        await publish(
            self._ports,
            [
                SeatsHeld(
                    occurred_at=now,
                    show_id=hold.show_id,
                    hold_id=hold.hold_id,
                    owner_id=hold.owner_id,
                    seats=hold.seats,
                    expires_at=hold.expires_at,
                )
            ],
        )
        return hold


_TAKEN = frozenset({SeatStatus.HELD, SeatStatus.SOLD})
