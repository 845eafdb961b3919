"""Seat holds: the pure rules every hold store implements.

A hold takes all requested seats of one show or none, lasts until ``expires_at`` and belongs to one
owner.  Whether a hold is live is decided only by comparing ``expires_at`` with the ``now`` the
caller passes in; a store's own clock or TTL may clean up, never decide.  Every hold of a show
gets a fencing token greater than every earlier one; a sale presents it so that a stale holder is
refused.

:class:`ShowHolds` is the whole state of one show's holds as a plain object.  The in-memory adapter
wraps it in a lock; other stores (SQL rows, a Redis Lua script) implement the same transitions and
are held to them by the contract suite in :mod:`bookmyshow.testing`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import ClassVar

from attrs import define, evolve, field, frozen

from bookmyshow.domain.errors import DomainError, InvalidInput
from bookmyshow.domain.validation import (
    aware_utc,
    instances,
    label_set,
    require_bool,
    require_count,
    require_instance,
    require_text,
    require_timedelta,
    shift,
)

__all__ = [
    "Hold",
    "HoldExpired",
    "HoldExtensionLimit",
    "HoldLimitExceeded",
    "HoldNotFound",
    "HoldPolicy",
    "HoldRequest",
    "NotHoldOwner",
    "SeatsUnavailable",
    "ShowHolds",
    "claimed",
    "extended",
    "grant",
    "require_aware",
    "seat_set",
    "seats_of",
]


def require_aware(value: datetime, name: str = "now") -> datetime:
    """Refuse naive datetimes (every instant in bookmyshow carries a time zone); return the instant
    in UTC, where adding a ttl and comparing are right even across a daylight-saving change."""
    return aware_utc(value, name)


def seat_set(values: Iterable[str]) -> frozenset[str]:
    """Seat labels as a frozenset (the converter every seat-set field uses).

    Raises :class:`InvalidInput` (field ``seats``) unless ``values`` is a collection of
    non-empty strings.  A bare string is refused: ``"A1"`` would otherwise become the two
    "seats" ``"A"`` and ``"1"``.
    """
    return label_set(values, "seats")


@define(auto_exc=True, kw_only=True)
class SeatsUnavailable(DomainError):
    """Some requested seats are held or sold by someone else; ``seats`` names exactly those."""

    code: ClassVar[str] = "seats_unavailable"
    show_id: str
    seats: frozenset[str]
    reason: str = "held"


@define(auto_exc=True, kw_only=True)
class HoldNotFound(DomainError):
    """No live hold with this id exists for the show (never made, released, or cleaned up)."""

    code: ClassVar[str] = "hold_not_found"
    show_id: str
    hold_id: str


@define(auto_exc=True, kw_only=True)
class HoldExpired(HoldNotFound):
    """The hold exists but its expiry has passed; its seats may already be someone else's."""

    code: ClassVar[str] = "hold_expired"


@define(auto_exc=True, kw_only=True)
class NotHoldOwner(DomainError):
    """Only the owner of a hold may extend, release or buy it."""

    code: ClassVar[str] = "not_hold_owner"
    hold_id: str


@define(auto_exc=True, kw_only=True)
class HoldLimitExceeded(DomainError):
    """Too many seats: per hold (``scope="hold"``) or per user across a show (``scope="user"``)."""

    code: ClassVar[str] = "hold_limit_exceeded"
    scope: str
    limit: int
    requested: int


@define(auto_exc=True, kw_only=True)
class HoldExtensionLimit(DomainError):
    """The hold already lasts as long as the policy allows; it cannot be extended further."""

    code: ClassVar[str] = "hold_extension_limit"
    hold_id: str
    max_expires_at: datetime


@frozen(kw_only=True)
class HoldPolicy:
    """The limits a hold store enforces atomically with each hold."""

    ttl: timedelta = timedelta(minutes=10)
    max_seats_per_hold: int = 10
    max_seats_per_user: int = 10
    max_duration: timedelta = timedelta(minutes=20)
    """The longest a hold may last, from creation, however often it is extended."""
    forbid_orphans: bool = False
    """Refuse a hold that would strand a single free seat (checked by
    :func:`bookmyshow.domain.seating.check_hold_seats` before the store is asked; the store itself
    knows no layout)."""

    def __attrs_post_init__(self) -> None:
        for name in ("ttl", "max_duration"):
            require_timedelta(getattr(self, name), name, positive=True)
        for name in ("max_seats_per_hold", "max_seats_per_user"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise InvalidInput(field=name, reason="must be a positive integer")
        if not isinstance(self.forbid_orphans, bool):
            raise InvalidInput(field="forbid_orphans", reason="must be a bool")
        if self.max_duration < self.ttl:
            raise InvalidInput(field="max_duration", reason="must be at least the ttl")
        if self.max_seats_per_user < self.max_seats_per_hold:
            raise InvalidInput(
                field="max_seats_per_user", reason="must be at least max_seats_per_hold"
            )


@frozen(kw_only=True)
class HoldRequest:
    """Ask for ``seats`` of ``show_id`` for ``owner_id``; ``hold_id`` comes from the id port."""

    hold_id: str
    show_id: str
    owner_id: str
    seats: frozenset[str] = field(converter=seat_set)
    policy: HoldPolicy = field(factory=HoldPolicy)

    def __attrs_post_init__(self) -> None:
        for name in ("hold_id", "show_id", "owner_id"):
            require_text(getattr(self, name), name)
        if not self.seats:
            raise InvalidInput(field="seats", reason="a hold needs at least one seat")
        require_instance(self.policy, HoldPolicy, "policy")
        if len(self.seats) > self.policy.max_seats_per_hold:
            raise HoldLimitExceeded(
                scope="hold", limit=self.policy.max_seats_per_hold, requested=len(self.seats)
            )


@frozen(kw_only=True)
class Hold:
    """A granted hold.  ``token`` is its fencing token, unique and increasing per show.

    Stores rebuild holds from their records, so construction checks the shape: non-empty ids
    and seats, a positive token, aware datetimes; raises :class:`InvalidInput` otherwise.
    """

    hold_id: str
    show_id: str
    owner_id: str
    seats: frozenset[str] = field(converter=seat_set)
    token: int
    created_at: datetime
    expires_at: datetime
    max_expires_at: datetime
    claimed: bool = False
    """A sale is under way: the hold was protected from expiry for the sale's lease."""

    def __attrs_post_init__(self) -> None:
        for name in ("hold_id", "show_id", "owner_id"):
            require_text(getattr(self, name), name)
        if not self.seats:
            raise InvalidInput(field="seats", reason="a hold has at least one seat")
        require_count(self.token, "token", minimum=1)
        for name in ("created_at", "expires_at", "max_expires_at"):
            # Stored in UTC so that extending (expires_at + by) is real time, whatever zone
            # a store handed the instant back in.
            object.__setattr__(self, name, require_aware(getattr(self, name), name))
        require_bool(self.claimed, "claimed")

    def is_live(self, now: datetime) -> bool:
        """Live until (not including) ``expires_at``; raises InvalidInput for a naive ``now``."""
        return require_aware(now) < self.expires_at


@define(kw_only=True)
class ShowHolds:
    """Every hold of one show, and the show's fencing counter.  Not thread-safe: lock around it.

    Construction checks the shape of the state (a non-empty show id, a non-negative counter,
    holds by id, holders by seat) and raises :class:`InvalidInput` otherwise.
    """

    show_id: str
    last_token: int = 0
    holds: dict[str, Hold] = field(factory=dict)
    seat_holder: dict[str, str] = field(factory=dict)

    def __attrs_post_init__(self) -> None:
        require_text(self.show_id, "show_id")
        require_count(self.last_token, "last_token")
        if not isinstance(self.holds, dict) or not all(
            isinstance(k, str) and isinstance(v, Hold) for k, v in self.holds.items()
        ):
            raise InvalidInput(field="holds", reason="a dict of hold id to Hold")
        if not isinstance(self.seat_holder, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.seat_holder.items()
        ):
            raise InvalidInput(field="seat_holder", reason="a dict of seat label to hold id")

    def _live(self, hold_id: str, now: datetime) -> Hold | None:
        hold = self.holds.get(hold_id)
        return hold if hold is not None and hold.is_live(now) else None

    def _drop(self, hold: Hold) -> None:
        del self.holds[hold.hold_id]
        for seat in hold.seats:
            if self.seat_holder.get(seat) == hold.hold_id:
                del self.seat_holder[seat]

    def hold(self, request: HoldRequest, now: datetime) -> Hold:
        """Grant ``request`` whole, or raise without changing anything.

        Raises :class:`SeatsUnavailable` naming the seats live-held by other holds,
        :class:`HoldLimitExceeded` when the owner would hold more than the per-user cap, and
        :class:`InvalidInput` if the hold id is already used for this show.
        """
        now = require_aware(now)
        require_instance(request, HoldRequest, "request")
        if request.show_id != self.show_id:
            raise InvalidInput(field="show_id", reason="request is for another show")
        if request.hold_id in self.holds:
            raise InvalidInput(field="hold_id", reason="hold id already used for this show")
        taken = frozenset(
            seat
            for seat in request.seats
            if (holder := self.seat_holder.get(seat)) is not None and self._live(holder, now)
        )
        if taken:
            raise SeatsUnavailable(show_id=self.show_id, seats=taken)
        owned = sum(
            len(h.seats)
            for h in self.holds.values()
            if h.owner_id == request.owner_id and h.is_live(now)
        )
        # Built before anything changes: an instant out of range must leave the state as it was.
        hold = grant(request, token=self.last_token + 1, owned=owned, now=now)
        # Expired holds on the requested seats are taken over: drop them whole.
        for seat in request.seats:
            holder = self.seat_holder.get(seat)
            if holder is not None and holder in self.holds:
                self._drop(self.holds[holder])
        self.last_token = hold.token
        self.holds[hold.hold_id] = hold
        for seat in hold.seats:
            self.seat_holder[seat] = hold.hold_id
        return hold

    def _find(self, hold_id: str) -> Hold:
        require_text(hold_id, "hold_id")
        hold = self.holds.get(hold_id)
        if hold is None:
            raise HoldNotFound(show_id=self.show_id, hold_id=hold_id)
        return hold

    def _owned(self, hold_id: str, owner_id: str) -> Hold:
        # Order is part of the contract: unknown hold, then wrong owner (then, for live
        # operations, expiry).
        require_text(hold_id, "hold_id")
        require_text(owner_id, "owner_id")
        hold = self._find(hold_id)
        if hold.owner_id != owner_id:
            raise NotHoldOwner(hold_id=hold_id)
        return hold

    def _check_live(self, hold: Hold, now: datetime) -> Hold:
        if not hold.is_live(now):
            raise HoldExpired(show_id=self.show_id, hold_id=hold.hold_id)
        return hold

    def get(self, hold_id: str, now: datetime) -> Hold:
        """The live hold ``hold_id``; raises :class:`HoldNotFound` or :class:`HoldExpired`."""
        now = require_aware(now)
        return self._check_live(self._find(hold_id), now)

    def extend(self, hold_id: str, owner_id: str, by: timedelta, now: datetime) -> Hold:
        """Push the expiry out by ``by``, capped at the hold's ``max_expires_at``.

        Raises :class:`HoldExtensionLimit` when the hold is already at its cap.
        """
        require_timedelta(by, "by", positive=True)
        now = require_aware(now)
        hold = self._check_live(self._owned(hold_id, owner_id), now)
        longer = extended(hold, by)
        self.holds[hold_id] = longer
        return longer

    def claim(self, hold_id: str, owner_id: str, lease: timedelta, now: datetime) -> Hold:
        """Protect a live hold from expiry for ``lease`` while its sale completes.

        The lease may outlast ``max_expires_at``: a sale already under way must not lose its seats.
        """
        require_timedelta(lease, "lease", positive=True)
        now = require_aware(now)
        hold = self._check_live(self._owned(hold_id, owner_id), now)
        protected = claimed(hold, lease, now)
        self.holds[hold_id] = protected
        return protected

    def release(self, hold_id: str, owner_id: str, now: datetime) -> Hold:
        """Remove the owner's hold (live or expired) and free its seats; returns it."""
        require_aware(now)
        hold = self._owned(hold_id, owner_id)
        self._drop(hold)
        return hold

    def active(self, now: datetime) -> list[Hold]:
        """Live holds, oldest token first."""
        now = require_aware(now)
        return sorted((h for h in self.holds.values() if h.is_live(now)), key=lambda h: h.token)

    def purge(self, now: datetime) -> list[Hold]:
        """Drop every expired hold and return them, oldest token first."""
        now = require_aware(now)
        expired = sorted(
            (h for h in self.holds.values() if not h.is_live(now)), key=lambda h: h.token
        )
        for hold in expired:
            self._drop(hold)
        return expired

    def held_seats(self, now: datetime) -> dict[str, Hold]:
        """Each live-held seat and its hold."""
        return {seat: h for h in self.active(now) for seat in h.seats}


def grant(request: HoldRequest, *, token: int, owned: int, now: datetime) -> Hold:
    """The hold a store grants ``request`` once it found every requested seat free: the show's
    fencing ``token``, live from ``now`` for the policy's ttl, capped at its ``max_duration``.

    ``owned`` is how many seats the owner already holds live in the show.  Raises
    :class:`HoldLimitExceeded` (``scope="user"``) past the policy's per-user cap, and
    :class:`InvalidInput` for a token under 1, a naive ``now`` or an instant out of range — in
    every case before the store changes anything.
    """
    require_instance(request, HoldRequest, "request")
    require_count(owned, "owned")
    now = require_aware(now)
    if owned + len(request.seats) > request.policy.max_seats_per_user:
        raise HoldLimitExceeded(
            scope="user",
            limit=request.policy.max_seats_per_user,
            requested=owned + len(request.seats),
        )
    return Hold(
        hold_id=request.hold_id,
        show_id=request.show_id,
        owner_id=request.owner_id,
        seats=request.seats,
        token=token,
        created_at=now,
        expires_at=shift(now, request.policy.ttl, "now"),
        max_expires_at=shift(now, request.policy.max_duration, "now"),
    )


def extended(hold: Hold, by: timedelta) -> Hold:
    """``hold`` with its expiry pushed out by ``by``, capped at its ``max_expires_at``.

    The caller has checked that the hold is live and the caller's.  Raises
    :class:`HoldExtensionLimit` when the hold already lasts until its cap, and
    :class:`InvalidInput` for a ``by`` that is not a positive timedelta.
    """
    require_instance(hold, Hold, "hold")
    require_timedelta(by, "by", positive=True)
    # min(expires_at + by, max_expires_at), without adding a huge ``by`` past the calendar.
    room = hold.max_expires_at - hold.expires_at
    new_expiry = hold.max_expires_at if by >= room else hold.expires_at + by
    if new_expiry <= hold.expires_at:
        raise HoldExtensionLimit(hold_id=hold.hold_id, max_expires_at=hold.max_expires_at)
    return evolve(hold, expires_at=new_expiry)


def claimed(hold: Hold, lease: timedelta, now: datetime) -> Hold:
    """``hold`` protected from expiry until at least ``now + lease``, marked claimed.

    The caller has checked that the hold is live and the caller's.  The lease may outlast
    ``max_expires_at`` (a sale under way must not lose its seats) and never shortens the hold.
    Raises :class:`InvalidInput` for a non-positive ``lease``, a naive ``now`` or an instant out
    of range.
    """
    require_instance(hold, Hold, "hold")
    require_timedelta(lease, "lease", positive=True)
    until = shift(require_aware(now), lease, "lease")
    return evolve(hold, expires_at=max(hold.expires_at, until), claimed=True)


def seats_of(holds: Iterable[Hold]) -> frozenset[str]:
    """Every seat of ``holds``; raises :class:`InvalidInput` unless they are all holds."""
    return frozenset(s for h in instances(holds, Hold, "holds") for s in h.seats)
