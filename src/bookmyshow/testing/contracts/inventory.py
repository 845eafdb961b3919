"""The contract every pair of seat-hold and seat-sale adapters must pass.

An adapter's test module is a tiny subclass that provides one fixture, ``inventory_factory``: a
plain (synchronous) fixture returning an :data:`InventoryFactory` — a callable that opens an
:class:`InventoryPair` as an async context manager.  The factory is called inside whichever event
loop runs the test (the Hypothesis state machine owns a private loop), so a client bound to a loop
is created where it is used::

    class TestMemoryInventory(InventoryContract):
        @pytest.fixture
        def inventory_factory(self) -> InventoryFactory:
            return memory_inventory

A pair whose backend has a shared store sets :attr:`InventoryPair.reopen` to open a second,
independent pair of adapters over the same store (a new client, a new engine): the suite uses it
to run the rush through two instances and to check that fencing tokens survive a "restart".  Every
test uses fresh random show ids, so a factory may reuse one database between tests.

Time is never read from a clock: every call passes ``now`` explicitly (see :class:`ManualClock`).
Scale the rush with ``BOOKMYSHOW_CONTRACT_SCALE`` (``1`` = default, ``5`` = five times the tasks).
"""

from __future__ import annotations

import asyncio
import os
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo

import pytest
import pytest_asyncio
from attrs import define, field, frozen
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.domain.errors import BookMyShowError, InvalidInput
from bookmyshow.domain.holds import (
    Hold,
    HoldExpired,
    HoldExtensionLimit,
    HoldLimitExceeded,
    HoldNotFound,
    HoldPolicy,
    HoldRequest,
    NotHoldOwner,
    SeatsUnavailable,
)
from bookmyshow.domain.sales import StaleFencingToken
from bookmyshow.ports.inventory import SeatHolds, SeatSales
from bookmyshow.services.inventory import SeatInventory, SeatState, SeatStatus
from bookmyshow.testing.strategies.inventory import EPOCH, seat_sets

__all__ = [
    "CONTRACT_POLICY",
    "InventoryContract",
    "InventoryFactory",
    "InventoryPair",
    "ManualClock",
    "contract_scale",
]

_T = TypeVar("_T")

CONTRACT_POLICY = HoldPolicy(
    ttl=timedelta(minutes=10),
    max_duration=timedelta(minutes=20),
    max_seats_per_hold=4,
    max_seats_per_user=6,
)
"""The hold policy the contract uses: small caps so that they are reached."""

_LEASE = timedelta(minutes=2)
_SEATS = tuple(f"{row}{n}" for row in "ABC" for n in range(1, 9))


@frozen(kw_only=True)
class InventoryPair:
    """A hold store and a sale store under test, and how to open a second instance of both.

    ``reopen`` opens new, independent adapter instances over the same backing store (or is
    ``None`` when the adapter has no shared store); it yields another :class:`InventoryPair`.
    """

    holds: SeatHolds
    sales: SeatSales
    reopen: Callable[[], AbstractAsyncContextManager[InventoryPair]] | None = None


InventoryFactory = Callable[[], AbstractAsyncContextManager[InventoryPair]]
"""Opens a fresh :class:`InventoryPair`; called inside the event loop that will use it."""


def contract_scale() -> float:
    """``BOOKMYSHOW_CONTRACT_SCALE`` as a positive number (default 1).

    Raises :class:`InvalidInput` for anything else, so a typo does not silently shrink the rush.
    """
    raw = os.environ.get("BOOKMYSHOW_CONTRACT_SCALE", "1").strip() or "1"
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(
            field="BOOKMYSHOW_CONTRACT_SCALE", reason=f"not a number: {raw!r}"
        ) from None
    if not value > 0:
        raise InvalidInput(field="BOOKMYSHOW_CONTRACT_SCALE", reason="must be positive")
    return value


def _show_id() -> str:
    # Fresh ids let a factory share one database between tests without cleaning it.
    return f"show-{uuid.uuid4().hex[:12]}"


def _request(
    show_id: str,
    hold_id: str,
    owner_id: str,
    seats: Sequence[str] | frozenset[str],
    policy: HoldPolicy = CONTRACT_POLICY,
) -> HoldRequest:
    return HoldRequest(
        hold_id=hold_id, show_id=show_id, owner_id=owner_id, seats=frozenset(seats), policy=policy
    )


@asynccontextmanager
async def _instances(pair: InventoryPair, count: int = 2) -> AsyncIterator[list[InventoryPair]]:
    """``pair`` plus up to ``count - 1`` reopened instances over the same store."""
    async with AsyncExitStack() as stack:
        pairs = [pair]
        if pair.reopen is not None:
            for _ in range(count - 1):
                pairs.append(await stack.enter_async_context(pair.reopen()))
        yield pairs


async def _snapshot(
    pair: InventoryPair, show_id: str, now: datetime
) -> tuple[tuple[Hold, ...], dict[str, str]]:
    """Everything observable about a show: its live holds (with expiry) and its sold seats."""
    holds = tuple(await pair.holds.active_holds(show_id, now=now))
    sold = dict(await pair.sales.sold_seats(show_id))
    return holds, sold


async def _outcome(call: Awaitable[_T]) -> tuple[_T | None, BookMyShowError | None]:
    try:
        return await call, None
    except BookMyShowError as exc:
        return None, exc


def _expect(error: BookMyShowError | None, kind: type[BookMyShowError], context: str) -> None:
    assert isinstance(error, kind), f"{context}: expected {kind.__name__}, got {error!r}"


def _expect_gone(error: BookMyShowError | None, context: str) -> None:
    """A hold that no longer exists is ``HoldNotFound`` itself, not ``HoldExpired``."""
    _expect(error, HoldNotFound, context)
    assert not isinstance(error, HoldExpired), f"{context}: a dropped hold is not 'expired'"


# --------------------------------------------------------------------------------------------
# The independent model for the state machine.  Written from the documented rules (docs/holds.md
# and the port docstrings), deliberately without ShowHolds / ShowSales.
# --------------------------------------------------------------------------------------------


@frozen(kw_only=True)
class _ModelHold:
    hold_id: str
    owner_id: str
    seats: frozenset[str]
    token: int
    created_at: datetime
    expires_at: datetime
    max_expires_at: datetime
    claimed: bool = False

    def live(self, now: datetime) -> bool:
        """Live until, not including, expires_at."""
        return now < self.expires_at


@define(kw_only=True)
class _Model:
    policy: HoldPolicy
    # Holds that may still exist in the store: live ones, and expired ones nobody took over yet
    # (a store may clean those up at any time, so the model accepts either answer for them).
    holds: dict[str, _ModelHold] = field(factory=dict)
    ever: dict[str, _ModelHold] = field(factory=dict)
    sold: dict[str, str] = field(factory=dict)
    fence: dict[str, int] = field(factory=dict)
    max_token: int = 0

    def live(self, now: datetime) -> list[_ModelHold]:
        """The live holds, oldest token first."""
        return sorted((h for h in self.holds.values() if h.live(now)), key=lambda h: h.token)

    def held_by(self, seats: frozenset[str], now: datetime) -> frozenset[str]:
        """Which of ``seats`` are in live holds."""
        return frozenset(s for h in self.live(now) for s in h.seats if s in seats)

    def seats_of_owner(self, owner_id: str, now: datetime) -> int:
        """How many seats the owner has in live holds (the per-user cap counts these)."""
        return sum(len(h.seats) for h in self.live(now) if h.owner_id == owner_id)

    def take_over(self, seats: frozenset[str]) -> None:
        """A granted hold drops every (expired) hold sharing a seat with it, whole."""
        for hold_id in [h.hold_id for h in self.holds.values() if h.seats & seats]:
            del self.holds[hold_id]

    def sale_refusal(
        self, seats: frozenset[str], token: int
    ) -> tuple[str, frozenset[str], int] | None:
        """Why the sales store must refuse this sale (sold first, then fence), or ``None``."""
        sold = frozenset(s for s in seats if s in self.sold)
        if sold:
            return "sold", sold, 0
        fenced = {s: self.fence[s] for s in seats if self.fence.get(s, 0) >= token}
        if fenced:
            return "stale", frozenset(fenced), max(fenced.values())
        return None

    def record_sale(self, seats: frozenset[str], booking_id: str, token: int) -> None:
        """Sold seats get the booking and the sale's token as their fence."""
        for s in seats:
            self.sold[s] = booking_id
            self.fence[s] = token


def _check_sale_refusal(
    error: BookMyShowError | None, refusal: tuple[str, frozenset[str], int], token: int
) -> None:
    why, seats, fence = refusal
    if why == "sold":
        _expect(error, SeatsUnavailable, "sale of sold seats")
        assert isinstance(error, SeatsUnavailable)
        assert error.reason == "sold"
        assert error.seats == seats
    else:
        _expect(error, StaleFencingToken, "sale with a stale token")
        assert isinstance(error, StaleFencingToken)
        assert (error.seats, error.token, error.fence) == (seats, token, fence)


_OWNERS = ("alice", "bob", "carol")
_STRANGER = "mallory"
_DURATIONS = st.one_of(
    st.sampled_from([1, 59, 60, 119, 120, 599, 600, 601, 1199, 1200]),
    st.integers(min_value=1, max_value=1500),
).map(lambda s: timedelta(seconds=s))


def _machine(factory: InventoryFactory) -> type[RuleBasedStateMachine]:
    """A state machine class driving adapters opened by ``factory`` against :class:`_Model`."""

    class InventoryMachine(RuleBasedStateMachine):
        """Holds, extensions, releases, sales, stale sales and returns against the model."""

        granted: Bundle[str] = Bundle("granted")
        bookings: Bundle[str] = Bundle("bookings")

        def __init__(self) -> None:
            super().__init__()
            # A private loop per machine: adapters are created inside it and stay bound to it.
            self.runner = asyncio.Runner()
            self.exits = AsyncExitStack()
            self.clock = ManualClock(EPOCH)
            self.show_id = _show_id()
            self.model = _Model(policy=CONTRACT_POLICY)
            self.counter = 0
            # Holds claimed by the ``claim`` rule whose sale has not reached the sales store yet
            # (a seller paused between the two steps), as the seller saw them.
            self.in_flight: dict[str, _ModelHold] = {}
            self.pairs = self.runner.run(self._open())
            self.inventories = [
                SeatInventory(p.holds, p.sales, claim_lease=_LEASE) for p in self.pairs
            ]

        async def _open(self) -> list[InventoryPair]:
            pair = await self.exits.enter_async_context(factory())
            return await self.exits.enter_async_context(_instances(pair))

        def teardown(self) -> None:
            """Close the adapters, then the private loop."""
            try:
                self.runner.run(self.exits.aclose())
            finally:
                self.runner.close()

        def call(self, label: str, call: Awaitable[_T]) -> tuple[_T | None, BookMyShowError | None]:
            """Run ``call`` on the private loop; return its result or its bookmyshow error."""
            result, error = self.runner.run(_outcome(call))
            if label:
                # Shown by --hypothesis-show-statistics: which outcomes the runs reached.
                outcome = type(error).__name__ if error else "ok"
                if isinstance(error, SeatsUnavailable):
                    outcome += f"({error.reason})"
                event(f"{label}: {outcome}")
            return result, error

        def next_id(self, prefix: str) -> str:
            """A fresh id, never reused within the run."""
            self.counter += 1
            return f"{prefix}{self.counter}"

        def pick(self, via: int) -> tuple[InventoryPair, SeatInventory]:
            """The adapter instance (and its SeatInventory) a rule goes through."""
            index = via % len(self.pairs)
            return self.pairs[index], self.inventories[index]

        def owner_for(self, hold: _ModelHold, as_owner: bool) -> str:
            """The hold's owner, or a stranger."""
            return hold.owner_id if as_owner else _STRANGER

        @rule(
            target=granted,
            owner=st.sampled_from(_OWNERS),
            seats=seat_sets(_SEATS, max_size=CONTRACT_POLICY.max_seats_per_hold),
            via=st.integers(0, 1),
        )
        def hold(self, owner: str, seats: frozenset[str], via: int) -> str | MultipleResults[str]:
            """Hold through SeatInventory: held seats, then the user cap, then sold seats refuse."""
            now = self.clock.now()
            request = _request(self.show_id, self.next_id("h"), owner, seats)
            result, error = self.call("hold", self.pick(via)[1].hold(request, now))
            model = self.model
            held = model.held_by(seats, now)
            if held:
                _expect(error, SeatsUnavailable, "hold of held seats")
                assert isinstance(error, SeatsUnavailable)
                assert (error.reason, error.seats) == ("held", held)
                return multiple()
            requested = model.seats_of_owner(owner, now) + len(seats)
            if requested > model.policy.max_seats_per_user:
                _expect(error, HoldLimitExceeded, "hold over the user cap")
                assert isinstance(error, HoldLimitExceeded)
                assert (error.scope, error.limit, error.requested) == (
                    "user",
                    model.policy.max_seats_per_user,
                    requested,
                )
                return multiple()
            # The hold store granted it (taking over expired holds); then the sold check.
            model.take_over(seats)
            sold = frozenset(s for s in seats if s in model.sold)
            if sold:
                _expect(error, SeatsUnavailable, "hold of sold seats")
                assert isinstance(error, SeatsUnavailable)
                assert (error.reason, error.seats) == ("sold", sold)
                return multiple()
            assert error is None, f"hold refused: {error!r}"
            assert result is not None
            assert result.token > model.max_token, "fencing tokens must increase"
            expected = _ModelHold(
                hold_id=request.hold_id,
                owner_id=owner,
                seats=seats,
                token=result.token,
                created_at=now,
                expires_at=now + model.policy.ttl,
                max_expires_at=now + model.policy.max_duration,
            )
            assert _as_model(result) == expected
            assert not result.claimed
            model.max_token = result.token
            model.holds[request.hold_id] = model.ever[request.hold_id] = expected
            return request.hold_id

        @rule(
            hold_id=granted,
            by=_DURATIONS,
            as_owner=st.booleans(),
            via=st.integers(0, 1),
        )
        def extend(self, hold_id: str, by: timedelta, as_owner: bool, via: int) -> None:
            """Extend: owner only, live only, capped at max_expires_at."""
            now = self.clock.now()
            known = self.model.ever[hold_id]
            owner = self.owner_for(known, as_owner)
            result, error = self.call(
                "extend",
                self.pick(via)[0].holds.extend(self.show_id, hold_id, owner, by=by, now=now),
            )
            hold = self.model.holds.get(hold_id)
            if hold is None:
                _expect_gone(error, "extend of a dropped hold")
            elif not hold.live(now):
                # A stranger may be told either; the store may also have cleaned the hold up.
                if as_owner or not isinstance(error, NotHoldOwner):
                    _expect(error, HoldNotFound, "extend of an expired hold")
            elif not as_owner:
                _expect(error, NotHoldOwner, "extend by a stranger")
            else:
                new_expiry = min(hold.expires_at + by, hold.max_expires_at)
                if new_expiry <= hold.expires_at:
                    _expect(error, HoldExtensionLimit, "extend at the cap")
                    assert isinstance(error, HoldExtensionLimit)
                    assert error.max_expires_at == hold.max_expires_at
                    return
                assert error is None, f"extend refused: {error!r}"
                assert result is not None
                updated = _ModelHold(
                    hold_id=hold.hold_id,
                    owner_id=hold.owner_id,
                    seats=hold.seats,
                    token=hold.token,
                    created_at=hold.created_at,
                    expires_at=new_expiry,
                    max_expires_at=hold.max_expires_at,
                    claimed=hold.claimed,
                )
                assert _as_model(result) == updated
                self.model.holds[hold_id] = updated

        @rule(hold_id=granted, as_owner=st.booleans(), via=st.integers(0, 1))
        def release(self, hold_id: str, as_owner: bool, via: int) -> None:
            """Release: owner only; live or expired holds; a dropped hold is not found."""
            now = self.clock.now()
            known = self.model.ever[hold_id]
            owner = self.owner_for(known, as_owner)
            result, error = self.call(
                "release", self.pick(via)[0].holds.release(self.show_id, hold_id, owner, now=now)
            )
            hold = self.model.holds.get(hold_id)
            if hold is None:
                _expect_gone(error, "release of a dropped hold")
            elif not as_owner:
                if hold.live(now) or not isinstance(error, HoldNotFound):
                    _expect(error, NotHoldOwner, "release by a stranger")
            elif hold.live(now) or error is None:
                assert error is None, f"release refused: {error!r}"
                assert result is not None
                assert _as_model(result) == hold
                del self.model.holds[hold_id]
            else:
                # An expired hold may already have been cleaned up by the store.
                _expect(error, HoldNotFound, "release of an expired hold")
                del self.model.holds[hold_id]

        @rule(hold_id=granted, via=st.integers(0, 1))
        def get(self, hold_id: str, via: int) -> None:
            """Get: the live hold, else not found (or expired)."""
            now = self.clock.now()
            result, error = self.call(
                "get", self.pick(via)[0].holds.get(self.show_id, hold_id, now=now)
            )
            hold = self.model.holds.get(hold_id)
            if hold is None:
                _expect_gone(error, "get of a dropped hold")
            elif not hold.live(now):
                _expect(error, HoldNotFound, "get of an expired hold")
            else:
                assert error is None, f"get refused: {error!r}"
                assert result is not None
                assert _as_model(result) == hold

        @rule(by=_DURATIONS)
        def advance(self, by: timedelta) -> None:
            """Move the clock forward."""
            self.clock.advance(by)

        @rule(target=bookings, hold_id=granted, as_owner=st.booleans(), via=st.integers(0, 1))
        def sell(self, hold_id: str, as_owner: bool, via: int) -> str | MultipleResults[str]:
            """Claim, sell with the hold's token, release; a refused sale releases too."""
            now = self.clock.now()
            known = self.model.ever[hold_id]
            owner = self.owner_for(known, as_owner)
            booking_id = self.next_id("b")
            result, error = self.call(
                "sell", self.pick(via)[1].sell(self.show_id, hold_id, owner, booking_id, now)
            )
            hold = self.model.holds.get(hold_id)
            if hold is None:
                _expect_gone(error, "sale of a dropped hold")
                return multiple()
            if not hold.live(now):
                if as_owner or not isinstance(error, NotHoldOwner):
                    _expect(error, HoldNotFound, "sale of an expired hold")
                return multiple()
            if not as_owner:
                _expect(error, NotHoldOwner, "sale by a stranger")
                return multiple()
            # Claimed, then sold or refused; either way the hold is released afterwards.
            del self.model.holds[hold_id]
            refusal = self.model.sale_refusal(hold.seats, hold.token)
            if refusal is not None:
                _check_sale_refusal(error, refusal, hold.token)
                return multiple()
            assert error is None, f"sale refused: {error!r}"
            assert result is not None
            assert (result.hold_id, result.seats, result.token) == (
                hold.hold_id,
                hold.seats,
                hold.token,
            )
            assert result.claimed
            self.model.record_sale(hold.seats, booking_id, hold.token)
            return booking_id

        @rule(hold_id=granted, as_owner=st.booleans(), via=st.integers(0, 1))
        def claim(self, hold_id: str, as_owner: bool, via: int) -> None:
            """Claim alone (a sale that then pauses): live and owner only; never shortens."""
            now = self.clock.now()
            known = self.model.ever[hold_id]
            owner = self.owner_for(known, as_owner)
            result, error = self.call(
                "claim",
                self.pick(via)[0].holds.claim(self.show_id, hold_id, owner, lease=_LEASE, now=now),
            )
            hold = self.model.holds.get(hold_id)
            if hold is None:
                _expect_gone(error, "claim of a dropped hold")
            elif not hold.live(now):
                if as_owner or not isinstance(error, NotHoldOwner):
                    _expect(error, HoldNotFound, "claim of an expired hold")
            elif not as_owner:
                _expect(error, NotHoldOwner, "claim by a stranger")
            else:
                assert error is None, f"claim refused: {error!r}"
                assert result is not None
                claimed = _ModelHold(
                    hold_id=hold.hold_id,
                    owner_id=hold.owner_id,
                    seats=hold.seats,
                    token=hold.token,
                    created_at=hold.created_at,
                    expires_at=max(hold.expires_at, now + _LEASE),
                    max_expires_at=hold.max_expires_at,
                    claimed=True,
                )
                assert _as_model(result) == claimed
                self.model.holds[hold_id] = self.in_flight[hold_id] = claimed

        @precondition(lambda self: bool(self.in_flight))
        @rule(target=bookings, data=st.data(), via=st.integers(0, 1))
        def finish_sale(self, data: st.DataObject, via: int) -> str | MultipleResults[str]:
            """A paused sale resumes: sell with the claimed token, then release (maybe too late)."""
            now = self.clock.now()
            hold_id = data.draw(st.sampled_from(sorted(self.in_flight)), label="in flight")
            claimed = self.in_flight.pop(hold_id)
            pair = self.pick(via)[0]
            booking_id = self.next_id("f")
            _, error = self.call(
                "finish sale",
                pair.sales.sell(
                    self.show_id, booking_id, claimed.seats, fencing_token=claimed.token
                ),
            )
            refusal = self.model.sale_refusal(claimed.seats, claimed.token)
            if refusal is not None:
                _check_sale_refusal(error, refusal, claimed.token)
            else:
                assert error is None, f"sale of a claimed hold refused: {error!r}"
                self.model.record_sale(claimed.seats, booking_id, claimed.token)
            result, error = self.call(
                "finish release",
                pair.holds.release(self.show_id, hold_id, claimed.owner_id, now=now),
            )
            hold = self.model.holds.pop(hold_id, None)
            if hold is None:
                _expect_gone(error, "release after the hold was dropped")
            elif hold.live(now) or error is None:
                assert error is None, f"release refused: {error!r}"
                assert result is not None
                assert _as_model(result) == hold
            else:
                _expect(error, HoldNotFound, "release of an expired hold")
            return booking_id if refusal is None else multiple()

        @rule(target=bookings, hold_id=granted, via=st.integers(0, 1))
        def stale_sell(self, hold_id: str, via: int) -> str | MultipleResults[str]:
            """A non-live hold cannot be claimed; its token alone decides a direct sale."""
            now = self.clock.now()
            hold = self.model.holds.get(hold_id)
            if hold is not None and hold.live(now):
                return multiple()  # not stale: nothing to try
            known = self.model.ever[hold_id]
            pair = self.pick(via)[0]
            _, error = self.call(
                "stale claim",
                pair.holds.claim(self.show_id, hold_id, known.owner_id, lease=_LEASE, now=now),
            )
            if hold is None:
                _expect_gone(error, "claim of a dropped hold")
            else:
                _expect(error, HoldNotFound, "claim of an expired hold")
            # A stale holder going straight to the sales store: only the fence and the sold
            # seats decide.
            booking_id = self.next_id("s")
            _, error = self.call(
                "stale sale",
                pair.sales.sell(self.show_id, booking_id, known.seats, fencing_token=known.token),
            )
            refusal = self.model.sale_refusal(known.seats, known.token)
            if refusal is not None:
                _check_sale_refusal(error, refusal, known.token)
                return multiple()
            assert error is None, f"direct sale refused: {error!r}"
            self.model.record_sale(known.seats, booking_id, known.token)
            return booking_id

        @rule(booking_id=bookings, via=st.integers(0, 1))
        def give_back(self, booking_id: str, via: int) -> None:
            """Returning a booking frees exactly its sold seats; fences stay."""
            result, error = self.call(
                "give back", self.pick(via)[1].give_back(self.show_id, booking_id)
            )
            assert error is None, f"return refused: {error!r}"
            expected = frozenset(s for s, b in self.model.sold.items() if b == booking_id)
            assert result == expected
            for seat in expected:
                del self.model.sold[seat]

        @rule(via=st.integers(0, 1))
        def purge(self, via: int) -> None:
            """Purge removes only expired holds and returns them by token."""
            now = self.clock.now()
            result, error = self.call(
                "purge", self.pick(via)[0].holds.purge_expired(self.show_id, now=now)
            )
            assert error is None, f"purge refused: {error!r}"
            assert result is not None
            expired = {h.hold_id: h for h in self.model.holds.values() if not h.live(now)}
            purged = [_as_model(h) for h in result]
            assert all(expired.get(h.hold_id) == h for h in purged), "purged a hold not expired"
            assert len({h.hold_id for h in purged}) == len(purged), "purged a hold twice"
            for hold_id in expired:
                del self.model.holds[hold_id]

        @invariant()
        def agrees_with_model(self) -> None:
            """Every instance shows the model's live holds, sold seats and seat states."""
            now = self.clock.now()
            live = self.model.live(now)
            for pair, inventory in zip(self.pairs, self.inventories, strict=True):
                snapshot, error = self.call("", _snapshot(pair, self.show_id, now))
                assert error is None, f"snapshot failed: {error!r}"
                assert snapshot is not None
                active, sold = snapshot
                assert [_as_model(h) for h in active] == live
                assert sold == self.model.sold
                held = [s for h in active for s in h.seats]
                assert len(held) == len(set(held)), "a seat is live-held by two holds"
                states, error = self.call("", inventory.seat_states(self.show_id, now, _SEATS))
                assert error is None
                assert states is not None
                assert dict(states) == _expected_states(live, self.model.sold)

    return InventoryMachine


def _as_model(hold: Hold) -> _ModelHold:
    return _ModelHold(
        hold_id=hold.hold_id,
        owner_id=hold.owner_id,
        seats=frozenset(hold.seats),
        token=hold.token,
        created_at=hold.created_at,
        expires_at=hold.expires_at,
        max_expires_at=hold.max_expires_at,
        claimed=hold.claimed,
    )


def _expected_states(live: Sequence[_ModelHold], sold: Mapping[str, str]) -> dict[str, SeatState]:
    states = dict.fromkeys(_SEATS, SeatState(status=SeatStatus.AVAILABLE))
    for h in live:
        for s in h.seats:
            states[s] = SeatState(status=SeatStatus.HELD, hold_id=h.hold_id, owner_id=h.owner_id)
    for s, booking_id in sold.items():
        states[s] = SeatState(status=SeatStatus.SOLD, booking_id=booking_id)
    return states


@define
class _GatedSales:
    """Sales whose ``sell`` waits at a gate: a sale held "in flight" at a chosen moment."""

    inner: SeatSales
    entered: asyncio.Event = field(factory=asyncio.Event)
    gate: asyncio.Event = field(factory=asyncio.Event)

    async def sell(
        self, show_id: str, booking_id: str, seats: frozenset[str], *, fencing_token: int
    ) -> None:
        """Signal arrival, wait for the gate, then sell."""
        self.entered.set()
        await self.gate.wait()
        await self.inner.sell(show_id, booking_id, seats, fencing_token=fencing_token)

    async def return_seats(self, show_id: str, booking_id: str) -> frozenset[str]:
        """Delegate."""
        return await self.inner.return_seats(show_id, booking_id)

    async def sold_seats(self, show_id: str) -> Mapping[str, str]:
        """Delegate."""
        return await self.inner.sold_seats(show_id)


# --------------------------------------------------------------------------------------------
# Bad-input cases: each returns the awaitable to run and the field the InvalidInput must name.
# --------------------------------------------------------------------------------------------

_NAIVE = EPOCH.replace(tzinfo=None)
_BadCall = Callable[[InventoryPair, str, Hold], tuple[Awaitable[Any], str]]


def _bad_hold_now(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.holds.hold(_request(show, "h-naive", "bob", ["C1"]), now=_NAIVE), "now"


def _bad_get_now(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.holds.get(show, h.hold_id, now=_NAIVE), "now"


def _bad_extend_now(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.holds.extend(show, h.hold_id, h.owner_id, by=timedelta(minutes=1), now=_NAIVE), "now"


def _bad_extend_by(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.holds.extend(show, h.hold_id, h.owner_id, by=timedelta(0), now=EPOCH), "by"


def _bad_claim_now(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.holds.claim(show, h.hold_id, h.owner_id, lease=_LEASE, now=_NAIVE), "now"


def _bad_claim_lease(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.holds.claim(show, h.hold_id, h.owner_id, lease=timedelta(0), now=EPOCH), "lease"


def _bad_claim_negative(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.holds.claim(show, h.hold_id, h.owner_id, lease=-_LEASE, now=EPOCH), "lease"


def _bad_release_now(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.holds.release(show, h.hold_id, h.owner_id, now=_NAIVE), "now"


def _bad_active_now(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.holds.active_holds(show, now=_NAIVE), "now"


def _bad_purge_now(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.holds.purge_expired(show, now=_NAIVE), "now"


def _bad_get_show(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.holds.get("", h.hold_id, now=EPOCH), "show_id"


def _bad_release_show(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.holds.release("", h.hold_id, h.owner_id, now=EPOCH), "show_id"


def _bad_sell_seats(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.sales.sell(show, "b-x", frozenset(), fencing_token=h.token), "seats"


def _bad_sell_token(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.sales.sell(show, "b-x", h.seats, fencing_token=0), "fencing_token"


def _bad_sell_booking(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.sales.sell(show, "", h.seats, fencing_token=h.token), "booking_id"


def _bad_sell_show(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.sales.sell("", "b-x", h.seats, fencing_token=h.token), "show_id"


def _bad_return_show(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.sales.return_seats("", "b-sold"), "show_id"


def _bad_return_booking(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.sales.return_seats(show, ""), "booking_id"


def _bad_sold_show(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    return p.sales.sold_seats(""), "show_id"


def _bad_inventory_sell(p: InventoryPair, show: str, h: Hold) -> tuple[Awaitable[Any], str]:
    inventory = SeatInventory(p.holds, p.sales, claim_lease=_LEASE)
    return inventory.sell(show, h.hold_id, h.owner_id, "", EPOCH), "booking_id"


_BAD_CALLS: dict[str, _BadCall] = {
    "hold-naive-now": _bad_hold_now,
    "get-naive-now": _bad_get_now,
    "extend-naive-now": _bad_extend_now,
    "extend-zero": _bad_extend_by,
    "claim-naive-now": _bad_claim_now,
    "claim-zero-lease": _bad_claim_lease,
    "claim-negative-lease": _bad_claim_negative,
    "release-naive-now": _bad_release_now,
    "active-naive-now": _bad_active_now,
    "purge-naive-now": _bad_purge_now,
    "get-empty-show": _bad_get_show,
    "release-empty-show": _bad_release_show,
    "sell-empty-seats": _bad_sell_seats,
    "sell-zero-token": _bad_sell_token,
    "sell-empty-booking": _bad_sell_booking,
    "sell-empty-show": _bad_sell_show,
    "return-empty-show": _bad_return_show,
    "return-empty-booking": _bad_return_booking,
    "sold-empty-show": _bad_sold_show,
    "inventory-sell-empty-booking": _bad_inventory_sell,
}


class InventoryContract:
    """Abstract contract for a (SeatHolds, SeatSales) pair.  Subclass it and provide
    ``inventory_factory``; see the module docstring."""

    rush_tasks: ClassVar[int] = 400
    """Concurrent hold attempts in the rush at scale 1."""
    rush_seed: ClassVar[int] = 20300101
    rush_sell_share: ClassVar[float] = 0.4
    """The share of winning holds that go on to be sold during the rush."""
    rush_waves: ClassVar[int] = 4
    """Each wave of holds starts once the previous wave's holds are answered, so that it races
    with that wave's sales (and meets seats sold and released an instant before)."""
    stateful_steps: ClassVar[int] = 30
    """Steps per state-machine run; the Hypothesis profile decides how many runs."""

    @pytest.fixture
    def inventory_factory(self) -> InventoryFactory:
        """Override: return a callable opening a fresh :class:`InventoryPair`."""
        raise NotImplementedError("subclasses provide the inventory_factory fixture")

    @pytest_asyncio.fixture
    async def inventory(self, inventory_factory: InventoryFactory) -> AsyncIterator[InventoryPair]:
        """An open pair for one test, closed afterwards."""
        async with inventory_factory() as pair:
            yield pair

    # ---------------------------------------------------------------- hold rules

    @pytest.mark.asyncio
    async def test_hold_grants_every_requested_seat(self, inventory: InventoryPair) -> None:
        """A granted hold has the requested seats, owner, expiry from the policy and a token."""
        show = _show_id()
        hold = await inventory.holds.hold(_request(show, "h1", "alice", ["A1", "A2"]), now=EPOCH)
        assert (hold.hold_id, hold.show_id, hold.owner_id) == ("h1", show, "alice")
        assert hold.seats == {"A1", "A2"}
        assert hold.created_at == EPOCH
        assert hold.expires_at == EPOCH + CONTRACT_POLICY.ttl
        assert hold.max_expires_at == EPOCH + CONTRACT_POLICY.max_duration
        assert hold.token > 0
        assert not hold.claimed
        assert await inventory.holds.get(show, "h1", now=EPOCH) == hold

    @pytest.mark.asyncio
    async def test_hold_is_all_or_nothing_and_names_exact_conflicts(
        self, inventory: InventoryPair
    ) -> None:
        """A hold touching held seats gets none of them; the error names exactly those held."""
        show = _show_id()
        await inventory.holds.hold(_request(show, "h1", "alice", ["A1", "A2"]), now=EPOCH)
        await inventory.holds.hold(_request(show, "h2", "bob", ["A3"]), now=EPOCH)
        before = await _snapshot(inventory, show, EPOCH)
        with pytest.raises(SeatsUnavailable) as info:
            await inventory.holds.hold(_request(show, "h3", "carol", ["A2", "A3", "A4"]), now=EPOCH)
        assert info.value.code == "seats_unavailable"
        assert (info.value.show_id, info.value.seats, info.value.reason) == (
            show,
            frozenset({"A2", "A3"}),
            "held",
        )
        assert await _snapshot(inventory, show, EPOCH) == before
        free = await inventory.holds.hold(_request(show, "h4", "carol", ["A4"]), now=EPOCH)
        assert free.seats == {"A4"}

    @pytest.mark.asyncio
    async def test_hold_refuses_sold_seats_and_keeps_nothing(
        self, inventory: InventoryPair
    ) -> None:
        """Through the inventory, a hold on a sold seat is released and names the sold seats."""
        show = _show_id()
        seats = SeatInventory(inventory.holds, inventory.sales, claim_lease=_LEASE)
        first = await seats.hold(_request(show, "h1", "alice", ["A1"]), EPOCH)
        await seats.sell(show, first.hold_id, "alice", "b1", EPOCH)
        with pytest.raises(SeatsUnavailable) as info:
            await seats.hold(_request(show, "h2", "bob", ["A1", "A2"]), EPOCH)
        assert (info.value.seats, info.value.reason) == (frozenset({"A1"}), "sold")
        assert list(await inventory.holds.active_holds(show, now=EPOCH)) == []
        again = await seats.hold(_request(show, "h3", "bob", ["A2"]), EPOCH)
        assert again.seats == {"A2"}

    def test_per_hold_cap_is_refused_before_the_store(self) -> None:
        """More seats than the per-hold cap cannot even be asked for."""
        with pytest.raises(HoldLimitExceeded) as info:
            _request("s", "h1", "alice", ["A1", "A2", "A3", "A4", "A5"])
        assert (info.value.scope, info.value.limit, info.value.requested) == ("hold", 4, 5)

    @pytest.mark.asyncio
    async def test_per_user_cap_counts_live_holds_only(self, inventory: InventoryPair) -> None:
        """An owner may not live-hold more than the per-user cap; expired holds do not count."""
        show = _show_id()
        await inventory.holds.hold(
            _request(show, "h1", "alice", ["A1", "A2", "A3", "A4"]), now=EPOCH
        )
        before = await _snapshot(inventory, show, EPOCH)
        with pytest.raises(HoldLimitExceeded) as info:
            await inventory.holds.hold(_request(show, "h2", "alice", ["B1", "B2", "B3"]), now=EPOCH)
        assert info.value.code == "hold_limit_exceeded"
        assert (info.value.scope, info.value.limit, info.value.requested) == ("user", 6, 7)
        assert await _snapshot(inventory, show, EPOCH) == before
        at_cap = await inventory.holds.hold(_request(show, "h2", "alice", ["A5", "A6"]), now=EPOCH)
        assert at_cap.seats == {"A5", "A6"}, "exactly the per-user cap is allowed"
        other = await inventory.holds.hold(
            _request(show, "h3", "bob", ["B1", "B2", "B3"]), now=EPOCH
        )
        assert other.owner_id == "bob"
        later = EPOCH + CONTRACT_POLICY.ttl
        mine = await inventory.holds.hold(
            _request(show, "h4", "alice", ["C1", "C2", "C3"]), now=later
        )
        assert mine.seats == {"C1", "C2", "C3"}

    @pytest.mark.asyncio
    async def test_hold_id_in_use_is_refused(self, inventory: InventoryPair) -> None:
        """A hold id already used by a live hold of the show is refused with InvalidInput."""
        show = _show_id()
        await inventory.holds.hold(_request(show, "h1", "alice", ["A1"]), now=EPOCH)
        with pytest.raises(InvalidInput) as info:
            await inventory.holds.hold(_request(show, "h1", "bob", ["A2"]), now=EPOCH)
        assert info.value.field == "hold_id"
        assert [h.hold_id for h in await inventory.holds.active_holds(show, now=EPOCH)] == ["h1"]

    @pytest.mark.asyncio
    async def test_extend_is_owner_only_and_capped(self, inventory: InventoryPair) -> None:
        """Only the owner extends; extensions stop at max_expires_at with HoldExtensionLimit."""
        show = _show_id()
        hold = await inventory.holds.hold(_request(show, "h1", "alice", ["A1"]), now=EPOCH)
        now = EPOCH + timedelta(minutes=1)
        with pytest.raises(NotHoldOwner) as denied:
            await inventory.holds.extend(show, "h1", "bob", by=timedelta(minutes=5), now=now)
        assert denied.value.code == "not_hold_owner"
        assert await inventory.holds.get(show, "h1", now=now) == hold
        longer = await inventory.holds.extend(show, "h1", "alice", by=timedelta(minutes=5), now=now)
        assert longer.expires_at == hold.expires_at + timedelta(minutes=5)
        assert longer.token == hold.token
        capped = await inventory.holds.extend(
            show, "h1", "alice", by=timedelta(minutes=30), now=now
        )
        assert capped.expires_at == hold.max_expires_at
        with pytest.raises(HoldExtensionLimit) as limit:
            await inventory.holds.extend(show, "h1", "alice", by=timedelta(seconds=1), now=now)
        assert limit.value.max_expires_at == hold.max_expires_at
        assert (await inventory.holds.get(show, "h1", now=now)).expires_at == hold.max_expires_at

    @pytest.mark.asyncio
    async def test_expired_hold_cannot_be_extended(self, inventory: InventoryPair) -> None:
        """Extending a hold at or after its expiry is refused; it does not come back to life."""
        show = _show_id()
        hold = await inventory.holds.hold(_request(show, "h1", "alice", ["A1"]), now=EPOCH)
        with pytest.raises(HoldNotFound):
            await inventory.holds.extend(
                show, "h1", "alice", by=timedelta(minutes=1), now=hold.expires_at
            )
        assert list(await inventory.holds.active_holds(show, now=hold.expires_at)) == []

    @pytest.mark.asyncio
    async def test_release_is_owner_only_and_frees_seats(self, inventory: InventoryPair) -> None:
        """Only the owner releases; a released hold is gone and its seats are free."""
        show = _show_id()
        hold = await inventory.holds.hold(_request(show, "h1", "alice", ["A1", "A2"]), now=EPOCH)
        with pytest.raises(NotHoldOwner):
            await inventory.holds.release(show, "h1", "bob", now=EPOCH)
        assert await inventory.holds.get(show, "h1", now=EPOCH) == hold
        released = await inventory.holds.release(show, "h1", "alice", now=EPOCH)
        assert released == hold
        with pytest.raises(HoldNotFound):
            await inventory.holds.release(show, "h1", "alice", now=EPOCH)
        with pytest.raises(HoldNotFound):
            await inventory.holds.get(show, "h1", now=EPOCH)
        taken = await inventory.holds.hold(_request(show, "h2", "bob", ["A1", "A2"]), now=EPOCH)
        assert taken.token > hold.token

    @pytest.mark.asyncio
    async def test_unknown_hold_is_not_found(self, inventory: InventoryPair) -> None:
        """Every hold operation on an unknown hold id raises HoldNotFound with its code."""
        show = _show_id()
        holds = inventory.holds
        calls: list[Callable[[], Awaitable[Hold]]] = [
            lambda: holds.get(show, "nope", now=EPOCH),
            lambda: holds.extend(show, "nope", "alice", by=_LEASE, now=EPOCH),
            lambda: holds.claim(show, "nope", "alice", lease=_LEASE, now=EPOCH),
            lambda: holds.release(show, "nope", "alice", now=EPOCH),
        ]
        for call in calls:
            _, error = await _outcome(call())
            _expect_gone(error, "unknown hold")
            assert isinstance(error, HoldNotFound)
            assert (error.code, error.show_id, error.hold_id) == ("hold_not_found", show, "nope")

    @pytest.mark.asyncio
    async def test_hold_is_live_until_not_including_its_expiry(
        self, inventory: InventoryPair
    ) -> None:
        """A hold is live one second before expires_at and not at it; then it can be taken over."""
        show = _show_id()
        hold = await inventory.holds.hold(_request(show, "h1", "alice", ["A1"]), now=EPOCH)
        just_before = hold.expires_at - timedelta(seconds=1)
        assert await inventory.holds.get(show, "h1", now=just_before) == hold
        with pytest.raises(SeatsUnavailable):
            await inventory.holds.hold(_request(show, "h2", "bob", ["A1"]), now=just_before)
        with pytest.raises(HoldNotFound):
            await inventory.holds.get(show, "h1", now=hold.expires_at)
        assert list(await inventory.holds.active_holds(show, now=hold.expires_at)) == []
        taker = await inventory.holds.hold(_request(show, "h3", "bob", ["A1"]), now=hold.expires_at)
        assert taker.token > hold.token

    @pytest.mark.asyncio
    async def test_expiry_is_real_time_in_any_zone(self, inventory: InventoryPair) -> None:
        """A hold taken just before a clock goes back lasts ttl of real time, not of wall time."""
        show = _show_id()
        new_york = ZoneInfo("America/New_York")
        # 01:55 EDT on the fall-back night; ten real minutes later the wall clock reads 01:05 EST.
        now = datetime(2030, 11, 3, 1, 55, tzinfo=new_york)
        start = now.astimezone(UTC)
        real_end = start + CONTRACT_POLICY.ttl
        hold = await inventory.holds.hold(_request(show, "h1", "alice", ["A1"]), now=now)
        # Compared in UTC: Python never calls an instant in a repeated hour equal across zones.
        assert hold.created_at.astimezone(UTC) == start
        assert hold.expires_at.astimezone(UTC) == real_end
        assert hold.max_expires_at.astimezone(UTC) == start + CONTRACT_POLICY.max_duration
        just_before = (real_end - timedelta(seconds=1)).astimezone(new_york)
        assert await inventory.holds.get(show, "h1", now=just_before) == hold
        with pytest.raises(HoldNotFound):
            await inventory.holds.get(show, "h1", now=real_end.astimezone(new_york))
        longer = await inventory.holds.extend(show, "h1", "alice", by=_LEASE, now=just_before)
        assert longer.expires_at.astimezone(UTC) == real_end + _LEASE

    @pytest.mark.asyncio
    async def test_fencing_tokens_increase_per_show(self, inventory: InventoryPair) -> None:
        """Each new hold of a show gets a token greater than every earlier one of that show."""
        shows = [_show_id(), _show_id()]
        last = dict.fromkeys(shows, 0)
        for i in range(12):
            show = shows[i % 2]
            hold = await inventory.holds.hold(
                _request(show, f"h{i}", f"u{i}", [_SEATS[i]]), now=EPOCH
            )
            assert hold.token > last[show]
            last[show] = hold.token

    @pytest.mark.asyncio
    async def test_tokens_keep_increasing_across_a_restart(self, inventory: InventoryPair) -> None:
        """A second adapter instance over the same store continues the show's token sequence."""
        if inventory.reopen is None:
            pytest.skip("this adapter has no shared store to reopen")
        show = _show_id()
        first = await inventory.holds.hold(_request(show, "h1", "alice", ["A1"]), now=EPOCH)
        async with inventory.reopen() as second:
            assert await second.holds.get(show, "h1", now=EPOCH) == first
            again = await second.holds.hold(_request(show, "h2", "bob", ["A2"]), now=EPOCH)
            assert again.token > first.token
            third = await inventory.holds.hold(_request(show, "h3", "carol", ["A3"]), now=EPOCH)
            assert third.token > again.token
            with pytest.raises(SeatsUnavailable):
                await second.holds.hold(_request(show, "h4", "dave", ["A3"]), now=EPOCH)
            await second.sales.sell(show, "b1", frozenset({"A2"}), fencing_token=again.token)
            assert await inventory.sales.sold_seats(show) == {"A2": "b1"}

    @pytest.mark.asyncio
    async def test_shows_are_independent(self, inventory: InventoryPair) -> None:
        """The same seat label in two shows is held and sold independently."""
        one, two = _show_id(), _show_id()
        await inventory.holds.hold(_request(one, "h1", "alice", ["A1"]), now=EPOCH)
        other = await inventory.holds.hold(_request(two, "h1", "alice", ["A1"]), now=EPOCH)
        await inventory.sales.sell(two, "b1", frozenset({"A1"}), fencing_token=other.token)
        assert await inventory.sales.sold_seats(one) == {}
        assert await inventory.sales.return_seats(one, "b1") == frozenset()
        assert await inventory.sales.sold_seats(two) == {"A1": "b1"}
        assert [h.hold_id for h in await inventory.holds.active_holds(one, now=EPOCH)] == ["h1"]
        # The per-user cap counts one show's holds: alice may hold up to the cap in each.
        room = CONTRACT_POLICY.max_seats_per_user - 1
        for show in (one, two):
            more = await inventory.holds.hold(
                _request(show, "h2", "alice", _SEATS[8 : 8 + min(room, 4)]), now=EPOCH
            )
            assert more.owner_id == "alice"

    @pytest.mark.asyncio
    async def test_active_holds_oldest_first_and_purge_takes_only_expired(
        self, inventory: InventoryPair
    ) -> None:
        """active_holds lists live holds by token; purge_expired removes and returns the rest."""
        show = _show_id()
        old = await inventory.holds.hold(_request(show, "h1", "alice", ["A1"]), now=EPOCH)
        later = EPOCH + timedelta(minutes=5)
        mid = await inventory.holds.hold(_request(show, "h2", "bob", ["A2"]), now=later)
        new = await inventory.holds.hold(_request(show, "h3", "carol", ["A3"]), now=later)
        assert list(await inventory.holds.active_holds(show, now=later)) == [old, mid, new]
        after = old.expires_at
        assert list(await inventory.holds.active_holds(show, now=after)) == [mid, new]
        assert list(await inventory.holds.purge_expired(show, now=after)) == [old]
        assert list(await inventory.holds.purge_expired(show, now=after)) == []
        assert list(await inventory.holds.active_holds(show, now=after)) == [mid, new]
        with pytest.raises(HoldNotFound):
            await inventory.holds.release(show, "h1", "alice", now=after)
        # Purging every hold of the show must not forget its token counter.
        end = new.expires_at
        purged = await inventory.holds.purge_expired(show, now=end)
        assert {h.hold_id for h in purged} == {"h2", "h3"}
        assert list(await inventory.holds.active_holds(show, now=end)) == []
        again = await inventory.holds.hold(_request(show, "h4", "dave", ["A1"]), now=end)
        assert again.token > new.token

    @pytest.mark.asyncio
    async def test_results_are_defensive_copies(self, inventory: InventoryPair) -> None:
        """Mutating what a store returned never changes the store."""
        show = _show_id()
        hold = await inventory.holds.hold(_request(show, "h1", "alice", ["A1"]), now=EPOCH)
        await inventory.sales.sell(show, "b1", frozenset({"A2"}), fencing_token=hold.token)
        active = await inventory.holds.active_holds(show, now=EPOCH)
        sold = await inventory.sales.sold_seats(show)
        if isinstance(active, list):
            active.clear()
        if isinstance(sold, dict):
            sold["A3"] = "b-forged"
            del sold["A2"]
        assert list(await inventory.holds.active_holds(show, now=EPOCH)) == [hold]
        assert await inventory.sales.sold_seats(show) == {"A2": "b1"}

    # ---------------------------------------------------------------- sales

    @pytest.mark.asyncio
    async def test_retried_sale_is_a_no_op(self, inventory: InventoryPair) -> None:
        """Selling the same seats to the same booking again changes nothing and does not fail."""
        show = _show_id()
        seats = frozenset({"A1", "A2"})
        await inventory.sales.sell(show, "b1", seats, fencing_token=3)
        await inventory.sales.sell(show, "b1", seats, fencing_token=3)
        assert await inventory.sales.sold_seats(show) == {"A1": "b1", "A2": "b1"}

    @pytest.mark.asyncio
    async def test_sale_is_all_or_nothing_and_names_sold_seats(
        self, inventory: InventoryPair
    ) -> None:
        """A sale overlapping sold seats sells none of its seats and names exactly the sold ones."""
        show = _show_id()
        await inventory.sales.sell(show, "b1", frozenset({"A1", "A2"}), fencing_token=1)
        with pytest.raises(SeatsUnavailable) as info:
            await inventory.sales.sell(show, "b2", frozenset({"A2", "A3"}), fencing_token=2)
        assert (info.value.seats, info.value.reason) == (frozenset({"A2"}), "sold")
        assert await inventory.sales.sold_seats(show) == {"A1": "b1", "A2": "b1"}

    @pytest.mark.asyncio
    async def test_returned_seats_keep_their_fence(self, inventory: InventoryPair) -> None:
        """Returned seats are on sale again, but only to a token above the one that sold them."""
        show = _show_id()
        await inventory.sales.sell(show, "b1", frozenset({"A1", "A2"}), fencing_token=5)
        assert await inventory.sales.return_seats(show, "b1") == {"A1", "A2"}
        assert await inventory.sales.sold_seats(show) == {}
        with pytest.raises(StaleFencingToken) as info:
            await inventory.sales.sell(show, "b2", frozenset({"A2", "A3"}), fencing_token=5)
        assert info.value.code == "stale_fencing_token"
        assert (info.value.seats, info.value.token, info.value.fence) == (frozenset({"A2"}), 5, 5)
        assert await inventory.sales.sold_seats(show) == {}
        await inventory.sales.sell(show, "b3", frozenset({"A2", "A3"}), fencing_token=6)
        assert await inventory.sales.sold_seats(show) == {"A2": "b3", "A3": "b3"}

    @pytest.mark.asyncio
    async def test_a_sale_retried_after_its_return_is_stale(self, inventory: InventoryPair) -> None:
        """Once a booking's seats are returned, a late retry of its sale is refused, not a no-op."""
        show = _show_id()
        seats = frozenset({"A1", "A2"})
        await inventory.sales.sell(show, "b1", seats, fencing_token=5)
        assert await inventory.sales.return_seats(show, "b1") == seats
        with pytest.raises(StaleFencingToken) as info:
            await inventory.sales.sell(show, "b1", seats, fencing_token=5)
        assert (info.value.seats, info.value.token, info.value.fence) == (seats, 5, 5)
        assert await inventory.sales.sold_seats(show) == {}

    @pytest.mark.asyncio
    async def test_only_an_exact_retry_is_a_no_op(self, inventory: InventoryPair) -> None:
        """A sale adding seats to a booking's sold ones is refused whole, naming the sold seats."""
        show = _show_id()
        await inventory.sales.sell(show, "b1", frozenset({"A1"}), fencing_token=3)
        with pytest.raises(SeatsUnavailable) as info:
            await inventory.sales.sell(show, "b1", frozenset({"A1", "A2"}), fencing_token=4)
        assert (info.value.seats, info.value.reason) == (frozenset({"A1"}), "sold")
        assert await inventory.sales.sold_seats(show) == {"A1": "b1"}

    @pytest.mark.asyncio
    async def test_sold_seats_are_reported_before_stale_ones(
        self, inventory: InventoryPair
    ) -> None:
        """A sale touching both sold and fenced seats is refused as sold, naming only those."""
        show = _show_id()
        await inventory.sales.sell(show, "b1", frozenset({"A1"}), fencing_token=5)
        await inventory.sales.return_seats(show, "b1")
        await inventory.sales.sell(show, "b2", frozenset({"A2"}), fencing_token=2)
        with pytest.raises(SeatsUnavailable) as info:
            await inventory.sales.sell(show, "b3", frozenset({"A1", "A2", "A3"}), fencing_token=4)
        assert (info.value.seats, info.value.reason) == (frozenset({"A2"}), "sold")
        assert await inventory.sales.sold_seats(show) == {"A2": "b2"}

    @pytest.mark.asyncio
    async def test_stale_refusal_names_every_fenced_seat_and_the_highest_fence(
        self, inventory: InventoryPair
    ) -> None:
        """StaleFencingToken names each seat the token does not pass, and the highest fence."""
        show = _show_id()
        await inventory.sales.sell(show, "b1", frozenset({"A1"}), fencing_token=5)
        await inventory.sales.sell(show, "b2", frozenset({"A2"}), fencing_token=7)
        await inventory.sales.return_seats(show, "b1")
        await inventory.sales.return_seats(show, "b2")
        with pytest.raises(StaleFencingToken) as info:
            await inventory.sales.sell(show, "b3", frozenset({"A1", "A2", "A3"}), fencing_token=6)
        assert (info.value.seats, info.value.token, info.value.fence) == (frozenset({"A2"}), 6, 7)
        with pytest.raises(StaleFencingToken) as info:
            await inventory.sales.sell(show, "b3", frozenset({"A1", "A2", "A3"}), fencing_token=4)
        assert (info.value.seats, info.value.fence) == (frozenset({"A1", "A2"}), 7)
        assert await inventory.sales.sold_seats(show) == {}

    @pytest.mark.asyncio
    async def test_returning_an_unknown_booking_returns_nothing(
        self, inventory: InventoryPair
    ) -> None:
        """Returning a booking with no sold seats is an empty set, and returning twice is too."""
        show = _show_id()
        assert await inventory.sales.return_seats(show, "b-none") == frozenset()
        await inventory.sales.sell(show, "b1", frozenset({"A1"}), fencing_token=1)
        assert await inventory.sales.return_seats(show, "b1") == {"A1"}
        assert await inventory.sales.return_seats(show, "b1") == frozenset()

    @pytest.mark.asyncio
    async def test_concurrent_sales_never_sell_a_seat_twice(self, inventory: InventoryPair) -> None:
        """Many concurrent overlapping sales: each seat sold once, each sale whole or refused."""
        show = _show_id()
        rng = random.Random(self.rush_seed + 1)
        count = max(50, round(200 * contract_scale()))
        labels = [f"S{i}" for i in range(max(20, count // 4))]
        wanted = [frozenset(rng.sample(labels, rng.randint(1, 4))) for _ in range(count)]

        async with _instances(inventory) as pairs:

            async def attempt(i: int) -> BookMyShowError | None:
                sales = pairs[i % len(pairs)].sales
                _, error = await _outcome(sales.sell(show, f"b{i}", wanted[i], fencing_token=i + 1))
                return error

            errors = await asyncio.gather(*(attempt(i) for i in range(count)))
            sold = await pairs[-1].sales.sold_seats(show)
        winners = [i for i, e in enumerate(errors) if e is None]
        assert any(e is not None for e in errors), "the sales never collided"
        claimed = [s for i in winners for s in wanted[i]]
        assert len(claimed) == len(set(claimed)), "a seat was sold twice"
        assert sold == {s: f"b{i}" for i in winners for s in wanted[i]}
        for i, error in enumerate(errors):
            if error is not None:
                _expect(error, SeatsUnavailable, "concurrent sale")
                assert isinstance(error, SeatsUnavailable)
                assert error.seats
                assert error.seats <= wanted[i] & set(sold)

    # ---------------------------------------------------------------- protocol and expiry

    @pytest.mark.asyncio
    async def test_sell_claims_sells_and_releases(self, inventory: InventoryPair) -> None:
        """SeatInventory.sell sells the hold's seats with its token and then releases the hold."""
        show = _show_id()
        seats = SeatInventory(inventory.holds, inventory.sales, claim_lease=_LEASE)
        hold = await seats.hold(_request(show, "h1", "alice", ["A1", "A2"]), EPOCH)
        sold = await seats.sell(show, "h1", "alice", "b1", EPOCH)
        assert (sold.hold_id, sold.seats, sold.token, sold.claimed) == (
            "h1",
            hold.seats,
            hold.token,
            True,
        )
        assert await inventory.sales.sold_seats(show) == {"A1": "b1", "A2": "b1"}
        assert list(await inventory.holds.active_holds(show, now=EPOCH)) == []
        with pytest.raises(SeatsUnavailable):
            await inventory.sales.sell(show, "b2", frozenset({"A1"}), fencing_token=hold.token + 1)

    @pytest.mark.asyncio
    async def test_claim_protects_a_hold_for_its_lease(self, inventory: InventoryPair) -> None:
        """A claim keeps a hold live for the lease, even past max_expires_at; owner only."""
        show = _show_id()
        hold = await inventory.holds.hold(_request(show, "h1", "alice", ["A1"]), now=EPOCH)
        early = await inventory.holds.claim(show, "h1", "alice", lease=_LEASE, now=EPOCH)
        assert early.claimed
        assert early.expires_at == hold.expires_at, "a claim must never shorten a hold"
        longer = await inventory.holds.extend(
            show, "h1", "alice", by=timedelta(seconds=30), now=EPOCH
        )
        assert longer.claimed, "extending a claimed hold must keep it claimed"
        late = hold.expires_at - timedelta(seconds=30)
        with pytest.raises(NotHoldOwner):
            await inventory.holds.claim(show, "h1", "bob", lease=_LEASE, now=late)
        claimed = await inventory.holds.claim(show, "h1", "alice", lease=_LEASE, now=late)
        assert claimed.claimed
        assert claimed.expires_at == late + _LEASE
        assert claimed.token == hold.token
        after = hold.expires_at + timedelta(seconds=30)
        assert await inventory.holds.get(show, "h1", now=after) == claimed
        with pytest.raises(SeatsUnavailable):
            await inventory.holds.hold(_request(show, "h2", "bob", ["A1"]), now=after)
        # A lease may outlast max_expires_at: a sale under way keeps its seats.
        other = await inventory.holds.hold(_request(show, "h3", "carol", ["A2"]), now=EPOCH)
        await inventory.holds.extend(show, "h3", "carol", by=timedelta(hours=1), now=EPOCH)
        near_cap = other.max_expires_at - timedelta(seconds=1)
        final = await inventory.holds.claim(show, "h3", "carol", lease=_LEASE, now=near_cap)
        assert final.expires_at == near_cap + _LEASE
        assert final.expires_at > other.max_expires_at

    @pytest.mark.asyncio
    async def test_stale_holder_cannot_claim_or_sell(self, inventory: InventoryPair) -> None:
        """A hold that expired and was taken over can be neither claimed, released nor sold."""
        show = _show_id()
        async with _instances(inventory) as pairs:
            first = SeatInventory(pairs[0].holds, pairs[0].sales, claim_lease=_LEASE)
            second = SeatInventory(pairs[-1].holds, pairs[-1].sales, claim_lease=_LEASE)
            stale = await first.hold(_request(show, "h1", "alice", ["A1", "A2"]), EPOCH)
            later = stale.expires_at
            taker = await second.hold(_request(show, "h2", "bob", ["A2"]), later)
            assert taker.token > stale.token
            for pair in pairs:
                _, error = await _outcome(
                    pair.holds.claim(show, "h1", "alice", lease=_LEASE, now=later)
                )
                _expect_gone(error, "claim by a stale holder")
                _, error = await _outcome(pair.holds.release(show, "h1", "alice", now=later))
                _expect_gone(error, "release by a stale holder")
            _, error = await _outcome(first.sell(show, "h1", "alice", "b-stale", later))
            _expect_gone(error, "sale by a stale holder")
            assert await pairs[0].sales.sold_seats(show) == {}
            # The stale hold was dropped whole: its other seat is free again.
            other = await first.hold(_request(show, "h3", "carol", ["A1"]), later)
            assert other.seats == {"A1"}
            await second.sell(show, "h2", "bob", "b2", later)
            assert await pairs[0].sales.sold_seats(show) == {"A2": "b2"}

    @pytest.mark.asyncio
    async def test_expired_hold_cannot_be_claimed_or_sold(self, inventory: InventoryPair) -> None:
        """An expired hold nobody took over still cannot be claimed or sold."""
        show = _show_id()
        seats = SeatInventory(inventory.holds, inventory.sales, claim_lease=_LEASE)
        hold = await seats.hold(_request(show, "h1", "alice", ["A1"]), EPOCH)
        _, error = await _outcome(seats.sell(show, "h1", "alice", "b1", hold.expires_at))
        _expect(error, HoldNotFound, "sale of an expired hold")
        _, error = await _outcome(
            inventory.holds.claim(show, "h1", "alice", lease=_LEASE, now=hold.expires_at)
        )
        _expect(error, HoldNotFound, "claim of an expired hold")
        assert await inventory.sales.sold_seats(show) == {}

    @pytest.mark.asyncio
    async def test_stale_token_refused_once_the_fence_moved(self, inventory: InventoryPair) -> None:
        """A stale token cannot sell seats sold since with a newer token, even once returned."""
        show = _show_id()
        async with _instances(inventory) as pairs:
            first, second = pairs[0], pairs[-1]
            seats = SeatInventory(second.holds, second.sales, claim_lease=_LEASE)
            stale = await first.holds.hold(_request(show, "h1", "alice", ["A1", "A2"]), now=EPOCH)
            later = stale.expires_at
            fresh = await seats.hold(_request(show, "h2", "bob", ["A2", "A3"]), later)
            await seats.sell(show, "h2", "bob", "b2", later)
            assert await second.sales.return_seats(show, "b2") == {"A2", "A3"}
            with pytest.raises(StaleFencingToken) as info:
                await first.sales.sell(show, "b-stale", stale.seats, fencing_token=stale.token)
            assert (info.value.seats, info.value.token, info.value.fence) == (
                frozenset({"A2"}),
                stale.token,
                fresh.token,
            )
            assert await first.sales.sold_seats(show) == {}

    @pytest.mark.asyncio
    async def test_racing_holders_exactly_one_sale_wins(self, inventory: InventoryPair) -> None:
        """A stale holder and its successor selling the same seat at once: exactly one wins."""
        async with _instances(inventory) as pairs:
            first, second = pairs[0], pairs[-1]
            for round_ in range(16):
                show = _show_id()
                stale = await first.holds.hold(
                    _request(show, "h1", "alice", ["A1", "A2"]), now=EPOCH
                )
                await first.holds.claim(show, "h1", "alice", lease=_LEASE, now=EPOCH)
                later = stale.expires_at
                fresh = await second.holds.hold(_request(show, "h2", "bob", ["A2"]), now=later)
                await second.holds.claim(show, "h2", "bob", lease=_LEASE, now=later)
                sales: list[tuple[str, frozenset[str], Awaitable[None]]] = [
                    (
                        "b-stale",
                        stale.seats,
                        first.sales.sell(show, "b-stale", stale.seats, fencing_token=stale.token),
                    ),
                    (
                        "b-fresh",
                        fresh.seats,
                        second.sales.sell(show, "b-fresh", fresh.seats, fencing_token=fresh.token),
                    ),
                ]
                if round_ % 2:
                    sales.reverse()
                results = await asyncio.gather(*(_outcome(call) for _, _, call in sales))
                won = [
                    (b, seats)
                    for (b, seats, _), (_, e) in zip(sales, results, strict=True)
                    if e is None
                ]
                errors = [e for _, e in results if e is not None]
                assert len(won) == 1, f"round {round_}: {errors!r}"
                assert isinstance(errors[0], SeatsUnavailable | StaleFencingToken)
                booking_id, seats = won[0]
                assert await first.sales.sold_seats(show) == dict.fromkeys(seats, booking_id)

    @pytest.mark.asyncio
    async def test_takeover_racing_a_claim_or_extension_has_one_winner(
        self, inventory: InventoryPair
    ) -> None:
        """An owner claiming or extending (by a clock just before expiry) races two newcomers
        taking over (by a clock at expiry), through two instances: exactly one of the three wins."""
        show = _show_id()
        rounds = max(8, round(32 * contract_scale()))
        rng = random.Random(self.rush_seed + 2)
        async with _instances(inventory) as pairs:
            olds = [
                await pairs[i % len(pairs)].holds.hold(
                    _request(show, f"old{i}", f"owner{i}", [f"T{i}a", f"T{i}b"]), now=EPOCH
                )
                for i in range(rounds)
            ]
            expiry = olds[0].expires_at
            before = expiry - timedelta(seconds=1)

            async def defend(i: int) -> tuple[Hold | None, BookMyShowError | None]:
                holds = pairs[i % len(pairs)].holds
                if i % 2:
                    return await _outcome(
                        holds.claim(show, f"old{i}", f"owner{i}", lease=_LEASE, now=before)
                    )
                return await _outcome(
                    holds.extend(show, f"old{i}", f"owner{i}", by=_LEASE, now=before)
                )

            async def take(i: int, k: int) -> tuple[Hold | None, BookMyShowError | None]:
                holds = pairs[(i + k + 1) % len(pairs)].holds
                request = _request(show, f"new{i}-{k}", f"taker{i}-{k}", [f"T{i}b", f"T{i}c{k}"])
                for _ in range(rng.randint(0, 2)):
                    await asyncio.sleep(0)
                return await _outcome(holds.hold(request, now=expiry))

            calls: list[tuple[int, int, Awaitable[tuple[Hold | None, BookMyShowError | None]]]]
            calls = [(i, -1, defend(i)) for i in range(rounds)]
            calls += [(i, k, take(i, k)) for i in range(rounds) for k in (0, 1)]
            rng.shuffle(calls)
            results = await asyncio.gather(*(call for _, _, call in calls))
            active = await pairs[-1].holds.active_holds(show, now=expiry)

        outcome = {(i, k): result for (i, k, _), result in zip(calls, results, strict=True)}
        live: dict[str, Hold] = {}
        for i in range(rounds):
            won = [k for k in (-1, 0, 1) if outcome[i, k][1] is None]
            assert len(won) == 1, f"round {i}: {[outcome[i, k] for k in (-1, 0, 1)]!r}"
            for k in (-1, 0, 1):
                result, error = outcome[i, k]
                if error is not None and k == -1:
                    _expect_gone(error, "claim or extension of a hold taken over")
                elif error is not None:
                    _expect(error, SeatsUnavailable, "takeover that lost")
                    assert isinstance(error, SeatsUnavailable)
                    assert (error.seats, error.reason) == (frozenset({f"T{i}b"}), "held")
                else:
                    assert result is not None
                    assert result.is_live(expiry), "the winner is not live"
                    live[result.hold_id] = result
        assert {h.hold_id: h for h in active} == live
        held = [s for h in active for s in h.seats]
        assert len(held) == len(set(held)), "a seat is live-held by two holds"

    @pytest.mark.asyncio
    async def test_seats_stay_held_while_a_sale_is_in_flight(
        self, inventory: InventoryPair
    ) -> None:
        """During a sale nobody can hold its seats; right after it, they are refused as sold."""
        show = _show_id()
        async with _instances(inventory) as pairs:
            gated = _GatedSales(pairs[0].sales)
            seller = SeatInventory(pairs[0].holds, gated, claim_lease=_LEASE)
            other = SeatInventory(pairs[-1].holds, pairs[-1].sales, claim_lease=_LEASE)
            await seller.hold(_request(show, "h1", "alice", ["A1", "A2"]), EPOCH)
            # Late in the hold's life, so that only the claim keeps it alive.
            late = EPOCH + CONTRACT_POLICY.ttl - timedelta(seconds=1)
            sale = asyncio.ensure_future(seller.sell(show, "h1", "alice", "b1", late))
            try:
                await gated.entered.wait()
                after_expiry = EPOCH + CONTRACT_POLICY.ttl + timedelta(seconds=1)
                with pytest.raises(SeatsUnavailable) as during:
                    await other.hold(_request(show, "h2", "bob", ["A2", "A3"]), after_expiry)
                assert (during.value.seats, during.value.reason) == (frozenset({"A2"}), "held")
            finally:
                gated.gate.set()
                await sale
            with pytest.raises(SeatsUnavailable) as after:
                await other.hold(_request(show, "h3", "bob", ["A2", "A3"]), after_expiry)
            assert (after.value.seats, after.value.reason) == (frozenset({"A2"}), "sold")
            assert await pairs[-1].sales.sold_seats(show) == {"A1": "b1", "A2": "b1"}

    # ---------------------------------------------------------------- the rush

    @pytest.mark.asyncio
    async def test_rush_never_holds_or_sells_a_seat_twice(self, inventory: InventoryPair) -> None:
        """Hundreds of concurrent overlapping holds and sales through two instances stay exact."""
        scale = contract_scale()
        count = max(20, round(self.rush_tasks * scale))
        rng = random.Random(self.rush_seed)
        labels = tuple(f"R{r}S{n}" for r in range(max(4, count // 60)) for n in range(1, 13))
        owners = [f"user{i}" for i in range(max(2, count // 10))]
        show = _show_id()
        requests = [
            _request(
                show,
                f"h{i}",
                rng.choice(owners),
                rng.sample(labels, rng.randint(1, CONTRACT_POLICY.max_seats_per_hold)),
            )
            for i in range(count)
        ]
        sells = [rng.random() < self.rush_sell_share for _ in range(count)]
        jitter = [rng.randint(0, 8) for _ in range(count)]
        waves = max(1, self.rush_waves)
        wave_of = [i * waves // count for i in range(count)]
        wave_size = [wave_of.count(w) for w in range(waves)]
        go = [asyncio.Event() for _ in range(waves + 1)]
        go[0].set()
        answered = [0] * waves
        now = EPOCH
        winners: dict[int, Hold] = {}
        sold_by: dict[int, str] = {}
        conflicts: dict[int, SeatsUnavailable] = {}
        limited: set[int] = set()

        async with _instances(inventory) as pairs:
            inventories = [SeatInventory(p.holds, p.sales, claim_lease=_LEASE) for p in pairs]

            def answered_one(wave: int) -> None:
                answered[wave] += 1
                if answered[wave] == wave_size[wave]:
                    go[wave + 1].set()

            async def attempt(i: int) -> None:
                seats = inventories[i % len(inventories)]
                await go[wave_of[i]].wait()
                for _ in range(jitter[i]):
                    await asyncio.sleep(0)
                try:
                    hold = await seats.hold(requests[i], now)
                except SeatsUnavailable as exc:
                    conflicts[i] = exc
                    return
                except HoldLimitExceeded:
                    limited.add(i)
                    return
                finally:
                    answered_one(wave_of[i])
                winners[i] = hold
                if sells[i]:
                    await seats.sell(show, hold.hold_id, hold.owner_id, f"b{i}", now)
                    sold_by[i] = f"b{i}"

            await asyncio.gather(*(attempt(i) for i in range(count)))
            states_views = [await inv.seat_states(show, now, labels) for inv in inventories]
            holds_views = [await p.holds.active_holds(show, now=now) for p in pairs]

        assert conflicts, "the rush produced no conflict; it proves nothing"
        assert winners, "nobody won a hold"
        # All or nothing, and no seat held or sold twice.
        for i, hold in winners.items():
            assert hold.seats == requests[i].seats
        granted = [s for hold in winners.values() for s in hold.seats]
        assert len(granted) == len(set(granted)), "a seat went to two winning holds"
        tokens = [hold.token for hold in winners.values()]
        assert len(tokens) == len(set(tokens)), "two holds share a fencing token"
        # Conflicts name only requested seats that really were taken: by a winner, or (for an
        # instant) by a hold released because it touched a sold seat.
        transient = {
            s for i, e in conflicts.items() if e.reason == "sold" for s in requests[i].seats
        }
        sold_seats = {s for i in sold_by for s in winners[i].seats}
        for i, exc in conflicts.items():
            assert exc.seats, "a conflict named no seat"
            assert exc.seats <= requests[i].seats
            if exc.reason == "sold":
                assert exc.seats <= sold_seats
            else:
                assert exc.reason == "held"
                assert exc.seats <= set(granted) | transient
        # Per-user cap: an owner's unsold winning holds are all live together at the end.
        per_owner: dict[str, int] = {}
        for i, hold in winners.items():
            if i not in sold_by:
                per_owner[hold.owner_id] = per_owner.get(hold.owner_id, 0) + len(hold.seats)
        assert max(per_owner.values(), default=0) <= CONTRACT_POLICY.max_seats_per_user
        # Every seat in exactly one state, the same from every instance.
        expected: dict[str, SeatState] = dict.fromkeys(
            labels, SeatState(status=SeatStatus.AVAILABLE)
        )
        for i, hold in winners.items():
            state = (
                SeatState(status=SeatStatus.SOLD, booking_id=sold_by[i])
                if i in sold_by
                else SeatState(status=SeatStatus.HELD, hold_id=hold.hold_id, owner_id=hold.owner_id)
            )
            for seat in hold.seats:
                expected[seat] = state
        live = sorted((h for i, h in winners.items() if i not in sold_by), key=lambda h: h.token)
        for states in states_views:
            assert dict(states) == expected
        for active in holds_views:
            assert [h.hold_id for h in active] == [h.hold_id for h in live]

    # ---------------------------------------------------------------- bad input

    @pytest.mark.asyncio
    @pytest.mark.parametrize("case", sorted(_BAD_CALLS))
    async def test_bad_input_is_refused_without_partial_state(
        self, inventory: InventoryPair, case: str
    ) -> None:
        """Malformed input at any method raises InvalidInput naming the field; nothing changes."""
        show = _show_id()
        hold = await inventory.holds.hold(_request(show, "h1", "alice", ["A1", "A2"]), now=EPOCH)
        await inventory.sales.sell(show, "b-sold", frozenset({"B1"}), fencing_token=hold.token)
        before = await _snapshot(inventory, show, EPOCH)
        call, field_name = _BAD_CALLS[case](inventory, show, hold)
        _, error = await _outcome(call)
        _expect(error, InvalidInput, case)
        assert isinstance(error, InvalidInput)
        assert (error.code, error.field) == ("invalid_input", field_name)
        assert await _snapshot(inventory, show, EPOCH) == before
        # The store still works normally afterwards.
        again = await inventory.holds.hold(_request(show, "h2", "bob", ["A3"]), now=EPOCH)
        assert again.token > hold.token

    @pytest.mark.asyncio
    async def test_wrong_show_is_not_found(self, inventory: InventoryPair) -> None:
        """A hold addressed under another show id is not found, and the real one is untouched."""
        show, other = _show_id(), _show_id()
        hold = await inventory.holds.hold(_request(show, "h1", "alice", ["A1"]), now=EPOCH)
        holds = inventory.holds
        calls: list[Callable[[], Awaitable[Hold]]] = [
            lambda: holds.get(other, "h1", now=EPOCH),
            lambda: holds.extend(other, "h1", "alice", by=_LEASE, now=EPOCH),
            lambda: holds.claim(other, "h1", "alice", lease=_LEASE, now=EPOCH),
            lambda: holds.release(other, "h1", "alice", now=EPOCH),
        ]
        for call in calls:
            _, error = await _outcome(call())
            _expect_gone(error, "hold of another show")
        assert list(await inventory.holds.active_holds(show, now=EPOCH)) == [hold]
        assert await inventory.sales.return_seats(other, "b1") == frozenset()

    # ---------------------------------------------------------------- the model

    def test_agrees_with_an_independent_model(self, inventory_factory: InventoryFactory) -> None:
        """Random sequences of hold/extend/release/sell/stale-sell/return/time match the model."""
        run_state_machine_as_test(
            _machine(inventory_factory),
            settings=settings(stateful_step_count=self.stateful_steps),
        )
