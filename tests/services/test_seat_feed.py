"""The live seat feed: journeys through the use cases reach a show's subscribers as seat changes
of the right kind, seats and order, naming nobody."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.adapters.memory import (
    ManualClock,
    MemoryEventBus,
    MemorySeatUpdates,
    ScryptPasswordHasher,
    SequentialIds,
)
from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS, CARD_TIMEOUT_NOT_CAPTURED
from bookmyshow.adapters.redis import connect
from bookmyshow.adapters.redis.seat_updates import RedisSeatUpdates
from bookmyshow.bootstrap import Ticketing, in_memory
from bookmyshow.domain.booking import Booking, BookingStatus
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import (
    BookingConfirmed,
    BookingCreated,
    DomainEvent,
    HoldLapsed,
    MovieAdded,
    SeatsHeld,
    SeatsReleased,
    SeatsReturned,
)
from bookmyshow.domain.money import Money
from bookmyshow.domain.users import Principal
from bookmyshow.ports.seat_updates import SeatChange, SeatChangeKind
from bookmyshow.services.seat_feed import FEED_EVENTS, SeatFeed, seat_change
from bookmyshow.testing.contracts.seat_updates import receive
from tests.redis_backends import free_port
from tests.services.world import World

AT = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
HELD, RELEASED, EXPIRED, SOLD, RETURNED = (
    SeatChangeKind.HELD,
    SeatChangeKind.RELEASED,
    SeatChangeKind.EXPIRED,
    SeatChangeKind.SOLD,
    SeatChangeKind.RETURNED,
)


@pytest.fixture
def updates() -> MemorySeatUpdates:
    """The in-process feed the app publishes to."""
    return MemorySeatUpdates()


@pytest.fixture
def app(clock: ManualClock, updates: MemorySeatUpdates) -> Ticketing:
    """The embedded system on the manual clock, its event bus feeding ``updates``."""
    ticketing = in_memory(
        clock=clock,
        ids=SequentialIds(),
        passwords=ScryptPasswordHasher.fast_for_tests(),
        token_secret=b"t" * 32,
    )
    bus = ticketing.ports.events
    assert isinstance(bus, MemoryEventBus)
    SeatFeed(updates).subscribe(bus)
    return ticketing


@pytest.fixture
async def feed(
    updates: MemorySeatUpdates, world: World
) -> AsyncIterator[AsyncIterator[SeatChange]]:
    """A subscription to the seat changes of the world's show."""
    async with updates.subscribe(world.show.show_id) as changes:
        yield changes


def _seen(changes: list[SeatChange]) -> list[tuple[SeatChangeKind, set[str]]]:
    return [(c.kind, set(c.seats)) for c in changes]


async def _book(app: Ticketing, world: World, actor: Principal, seats: list[str]) -> Booking:
    hold = await app.seats.hold(actor, world.show.show_id, seats)
    booking = await app.bookings.checkout(
        actor, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k1"
    )
    return await app.bookings.pay(
        actor, booking.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key="p1"
    )


async def _nothing_else(
    app: Ticketing, world: World, feed: AsyncIterator[SeatChange], seat: str = "C8"
) -> None:
    """Nothing more was published for the show: the next change is a hold made now."""
    hold = await app.seats.hold(world.bob, world.show.show_id, [seat])
    assert _seen(await receive(feed, 1)) == [(HELD, {seat})]
    await app.seats.release(world.bob, world.show.show_id, hold.hold_id)


async def test_hold_then_release(
    app: Ticketing, world: World, clock: ManualClock, feed: AsyncIterator[SeatChange]
) -> None:
    """Holding then releasing seats shows them held, then released, at the clock's time."""
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A1", "A2"])
    clock.advance(timedelta(minutes=1))
    await app.seats.release(world.alice, world.show.show_id, hold.hold_id)
    changes = await receive(feed, 2)
    assert _seen(changes) == [(HELD, {"A1", "A2"}), (RELEASED, {"A1", "A2"})]
    assert [c.occurred_at for c in changes] == [hold.created_at, clock.now()]
    assert {c.show_id for c in changes} == {world.show.show_id}
    await _nothing_else(app, world, feed)


async def test_a_paid_booking_sells_its_seats(
    app: Ticketing, world: World, feed: AsyncIterator[SeatChange]
) -> None:
    """Hold, checkout, pay: the seats are shown held, then sold, and nothing in between."""
    booking = await _book(app, world, world.alice, ["B1", "B2"])
    assert booking.status is BookingStatus.CONFIRMED
    assert _seen(await receive(feed, 2)) == [(HELD, {"B1", "B2"}), (SOLD, {"B1", "B2"})]
    await _nothing_else(app, world, feed)


async def test_cancelling_a_booking_returns_its_seats(
    app: Ticketing, world: World, feed: AsyncIterator[SeatChange]
) -> None:
    """A cancelled booking's seats are shown returned to sale after being sold."""
    booking = await _book(app, world, world.alice, ["C1", "C2"])
    await app.bookings.cancel(world.alice, booking.booking_id)
    assert _seen(await receive(feed, 3)) == [
        (HELD, {"C1", "C2"}),
        (SOLD, {"C1", "C2"}),
        (RETURNED, {"C1", "C2"}),
    ]
    await _nothing_else(app, world, feed)


async def test_the_expiry_sweep_announces_lapsed_holds(
    app: Ticketing, world: World, clock: ManualClock, feed: AsyncIterator[SeatChange]
) -> None:
    """A hold left to lapse is shown expired when the operations sweep purges it."""
    await app.seats.hold(world.alice, world.show.show_id, ["A5"])
    await app.seats.hold(world.bob, world.show.show_id, ["A6", "A7"])
    clock.advance(app.policies.holds.ttl + timedelta(minutes=1))
    report = await app.operations.expire(world.admin)
    assert report.lapsed_holds == 2
    changes = await receive(feed, 4)
    assert _seen(changes[:2]) == [(HELD, {"A5"}), (HELD, {"A6", "A7"})]
    assert sorted(_seen(changes[2:]), key=len) == [(EXPIRED, {"A5"}), (EXPIRED, {"A6", "A7"})]
    assert {c.occurred_at for c in changes[2:]} == {clock.now()}
    await _nothing_else(app, world, feed)


async def test_an_unpaid_booking_that_expires_frees_its_seats_visibly(
    app: Ticketing, world: World, clock: ManualClock, feed: AsyncIterator[SeatChange]
) -> None:
    """A checkout unpaid past its hold is expired by the sweep and viewers see its seats expired."""
    # Expired means free again, not left looking held.
    hold = await app.seats.hold(world.alice, world.show.show_id, ["B1", "B2"])
    booking = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k-exp"
    )
    clock.advance(app.policies.holds.max_duration + timedelta(minutes=1))
    await app.operations.expire(world.admin)
    assert (await app.bookings.get(world.alice, booking.booking_id)).status is (
        BookingStatus.EXPIRED
    )
    assert _seen(await receive(feed, 2)) == [(HELD, {"B1", "B2"}), (EXPIRED, {"B1", "B2"})]
    await _nothing_else(app, world, feed)


async def test_a_payment_failed_by_reconciliation_frees_its_seats_visibly(
    app: Ticketing, world: World, clock: ManualClock, feed: AsyncIterator[SeatChange]
) -> None:
    """A charge that never arrived is failed by reconciliation and viewers see its seats freed."""
    hold = await app.seats.hold(world.alice, world.show.show_id, ["B3"])
    booking = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k-rec"
    )
    unknown = await app.bookings.pay(
        world.alice,
        booking.booking_id,
        payment_method=CARD_TIMEOUT_NOT_CAPTURED,
        idempotency_key="p-rec",
    )
    assert unknown.status is BookingStatus.PAYMENT_UNKNOWN
    clock.advance(app.policies.payment_grace)
    settled = await app.operations.reconcile(world.admin, booking.booking_id)
    assert settled.status is BookingStatus.PAYMENT_FAILED
    assert _seen(await receive(feed, 2)) == [(HELD, {"B3"}), (RELEASED, {"B3"})]
    await _nothing_else(app, world, feed)


async def test_other_shows_changes_stay_out(
    app: Ticketing, world: World, updates: MemorySeatUpdates, feed: AsyncIterator[SeatChange]
) -> None:
    """A subscriber of one show sees nothing of another show's holds."""
    async with updates.subscribe(world.other_show.show_id) as other:
        await app.seats.hold(world.alice, world.other_show.show_id, ["A1"])
        await app.seats.hold(world.alice, world.show.show_id, ["A2"])
        assert _seen(await receive(feed, 1)) == [(HELD, {"A2"})]
        assert _seen(await receive(other, 1)) == [(HELD, {"A1"})]


async def test_a_feed_that_cannot_publish_fails_no_customer(
    world: World, app: Ticketing, caplog: pytest.LogCaptureFixture
) -> None:
    """With the feed's Redis unreachable, holds and releases succeed; each failure is logged."""
    # The publishing service logs the failed delivery of each committed event.
    client = connect(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    try:
        bus = app.ports.events
        assert isinstance(bus, MemoryEventBus)
        SeatFeed(RedisSeatUpdates(client)).subscribe(bus)
        hold = await app.seats.hold(world.alice, world.show.show_id, ["A3"])
        released = await app.seats.release(world.alice, world.show.show_id, hold.hold_id)
        assert released.hold_id == hold.hold_id
        failures = [r for r in caplog.records if "committed event(s) failed" in r.getMessage()]
        assert len(failures) == 2
    finally:
        await client.aclose()


async def test_subscribing_twice_publishes_once(
    app: Ticketing, world: World, updates: MemorySeatUpdates, feed: AsyncIterator[SeatChange]
) -> None:
    """A feed subscribed to the same bus again still publishes each change once."""
    bus = app.ports.events
    assert isinstance(bus, MemoryEventBus)
    seat_feed = SeatFeed(updates)
    seat_feed.subscribe(bus)
    seat_feed.subscribe(bus)
    await app.seats.hold(world.alice, world.show.show_id, ["A4"])
    assert _seen(await receive(feed, 2)) == [(HELD, {"A4"}), (HELD, {"A4"})]  # app's + ours
    await _nothing_else(app, world, feed)


def test_bad_wiring_is_refused(updates: MemorySeatUpdates) -> None:
    """A feed needs something with publish(), and subscribes only to a bus with subscribe()."""
    with pytest.raises(InvalidInput) as info:
        SeatFeed(object())  # type: ignore[arg-type]
    assert info.value.field == "updates"
    with pytest.raises(InvalidInput) as info:
        SeatFeed(updates).subscribe(object())  # type: ignore[arg-type]
    assert info.value.field == "bus"


def test_changes_name_nobody() -> None:
    """A seat change has a show, a kind, seats and an instant: no user, hold or booking."""
    assert [a.name for a in attrs.fields(SeatChange)] == ["show_id", "kind", "seats", "occurred_at"]


# --- the mapping -------------------------------------------------------------------------------


def _event(cls: type[DomainEvent], seats: frozenset[str]) -> DomainEvent:
    """An event of ``cls`` about ``seats`` of show-1 at AT."""
    if cls is SeatsHeld:
        return SeatsHeld(
            occurred_at=AT,
            show_id="show-1",
            hold_id="h1",
            owner_id="u1",
            seats=seats,
            expires_at=AT + timedelta(minutes=10),
        )
    if cls is SeatsReleased:
        return SeatsReleased(
            occurred_at=AT, show_id="show-1", hold_id="h1", owner_id="u1", seats=seats
        )
    if cls is HoldLapsed:
        return HoldLapsed(
            occurred_at=AT,
            show_id="show-1",
            hold_id="h1",
            owner_id="u1",
            seats=seats,
            expired_at=AT,
        )
    if cls is SeatsReturned:
        return SeatsReturned(occurred_at=AT, show_id="show-1", booking_id="b1", seats=seats)
    return BookingConfirmed(
        occurred_at=AT,
        show_id="show-1",
        seats=seats,
        booking_id="b1",
        user_id="u1",
        amount=Money(25_000),
        payment_id="pay1",
        booking_code="BMS-1",
    )


@given(
    cls=st.sampled_from(list(FEED_EVENTS)),
    seats=st.frozensets(st.sampled_from(["A1", "A2", "B7", "C10"]), max_size=4),
)
def test_each_seat_event_becomes_its_change(cls: type[DomainEvent], seats: frozenset[str]) -> None:
    """Each seat event becomes its kind's change for the same show, seats and instant, or none."""
    # None when the event names no seat.
    change = seat_change(_event(cls, seats))
    if not seats:
        assert change is None
    else:
        assert change == SeatChange(
            show_id="show-1", kind=FEED_EVENTS[cls], seats=seats, occurred_at=AT
        )


def test_other_events_become_no_change() -> None:
    """Events moving no seat by themselves become no change; a non-event is InvalidInput."""
    # A movie added, a booking opened: neither moves a seat.
    assert seat_change(MovieAdded(occurred_at=AT, movie_id="m1", title="T")) is None
    created = BookingCreated(
        occurred_at=AT,
        booking_id="b1",
        user_id="u1",
        show_id="show-1",
        hold_id="h1",
        seats=frozenset({"A1"}),
        amount=Money(25_000),
        payment_due_at=AT,
    )
    assert seat_change(created) is None
    with pytest.raises(InvalidInput) as info:
        seat_change("seats.held")  # type: ignore[arg-type]
    assert info.value.field == "event"
