"""Hold → checkout → pay → confirm → cancel → refund, with money and seats reconciled each time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from attrs import define

from bookmyshow.adapters.memory import ManualClock, MemoryEventBus, MemoryPaymentGateway
from bookmyshow.adapters.memory.payments import (
    CARD_DECLINED,
    CARD_SUCCEEDS,
    CARD_TIMEOUT_CAPTURED,
    CARD_TIMEOUT_NOT_CAPTURED,
    CARD_UNAVAILABLE,
    ChargeFault,
    RefundFault,
)
from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.booking import (
    AlreadyCheckedIn,
    Booking,
    BookingStatus,
    InvalidBookingCode,
    TicketNotAvailable,
)
from bookmyshow.domain.cancellation import NotCancellable
from bookmyshow.domain.coupons import Coupon, CouponRejected
from bookmyshow.domain.errors import PermissionDenied
from bookmyshow.domain.events import (
    BookingCheckedIn,
    BookingConfirmed,
    BookingCreated,
    HoldLapsed,
    SeatsHeld,
)
from bookmyshow.domain.holds import Hold, HoldNotFound, SeatsUnavailable
from bookmyshow.domain.money import Money
from bookmyshow.domain.users import Principal
from bookmyshow.ports.errors import BackendUnavailable, IdempotencyKeyReused, NotFound
from bookmyshow.ports.payments import ChargeRequest, ChargeResult
from bookmyshow.services.browsing import SeatMapStatus
from bookmyshow.services.errors import BookingNotPayable, HoldInCheckout, ShowNotBookable
from tests.services.world import (
    World,
    all_bookings,
    assert_money_reconciles,
    assert_seats_reconcile,
)


def gateway(app: Ticketing) -> MemoryPaymentGateway:
    """The test payment gateway behind ``app``."""
    payments = app.ports.payments
    assert isinstance(payments, MemoryPaymentGateway)
    return payments


async def book(
    app: Ticketing,
    world: World,
    actor: Principal,
    seats: list[str],
    *,
    card: str = CARD_SUCCEEDS,
    key: str = "k1",
    coupon: str | None = None,
) -> Booking:
    """Hold ``seats`` of the world's show, check out and pay with ``card``."""
    hold = await app.seats.hold(actor, world.show.show_id, seats)
    booking = await app.bookings.checkout(
        actor,
        show_id=world.show.show_id,
        hold_id=hold.hold_id,
        idempotency_key=key,
        coupon_code=coupon,
    )
    return await app.bookings.pay(
        actor, booking.booking_id, payment_method=card, idempotency_key=f"pay-{key}"
    )


async def reconciled(app: Ticketing, world: World) -> None:
    """Money and the world's show's seats reconcile."""
    await assert_money_reconciles(app)
    await assert_seats_reconcile(app, world.show.show_id)


# --- the journey ---------------------------------------------------------------------------------


async def test_the_full_journey_books_cancels_and_refunds(app: Ticketing, world: World) -> None:
    """Browse, hold, check out, pay, confirm, cancel: refund settled and seats back on sale."""
    listings = await app.browsing.shows(world.alice, city_id=world.theater_a.city_id)
    assert world.show.show_id in {s.show_id for s in listings}
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A3", "A4"])
    pending = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k1"
    )
    assert pending.status is BookingStatus.PENDING_PAYMENT
    assert sum((line.amount for line in pending.lines), Money(0)) == pending.amount
    assert pending.payment_due_at == hold.expires_at
    confirmed = await app.bookings.pay(
        world.alice, pending.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key="p1"
    )
    assert confirmed.status is BookingStatus.CONFIRMED
    assert confirmed.booking_code is not None
    seat_map = await app.browsing.seat_map(world.bob, world.show.show_id)
    assert {s.label for s in seat_map.seats if s.status is SeatMapStatus.SOLD} == {"A3", "A4"}
    await reconciled(app, world)

    preview = await app.bookings.cancellation_preview(world.alice, confirmed.booking_id)
    assert 0 < preview.amount.amount < confirmed.amount.amount
    cancelled = await app.bookings.cancel(world.alice, confirmed.booking_id)
    assert cancelled.status is BookingStatus.REFUNDED
    assert cancelled.amount_refunded == preview.amount
    assert gateway(app).net_for_booking(confirmed.booking_id) == confirmed.amount - preview.amount
    seat_map = await app.browsing.seat_map(world.bob, world.show.show_id)
    assert seat_map.count(SeatMapStatus.SOLD) == 0
    await reconciled(app, world)


async def test_events_are_published_only_after_commit(app: Ticketing, world: World) -> None:
    """A subscriber sees committed state, and a refused change publishes nothing."""
    bus = app.ports.events
    assert isinstance(bus, MemoryEventBus)
    seen: list[BookingStatus] = []

    async def on_confirmed(event: BookingConfirmed) -> None:
        seen.append((await app.bookings.get(world.alice, event.booking_id)).status)

    bus.subscribe(BookingConfirmed, on_confirmed)
    booking = await book(app, world, world.alice, ["A1"])
    assert seen == [BookingStatus.CONFIRMED]
    assert len(bus.of_type(BookingCreated)) == 1
    assert len(bus.of_type(SeatsHeld)) == 1
    assert booking.booking_code is not None
    await app.bookings.check_in(world.staff_a, booking.booking_code)
    with pytest.raises(AlreadyCheckedIn):
        await app.bookings.check_in(world.staff_a, booking.booking_code)
    assert len(bus.of_type(BookingCheckedIn)) == 1
    await reconciled(app, world)


async def test_best_available_holds_seats_together(app: Ticketing, world: World) -> None:
    """Best-available picks seats of one category together and reports the rule it used."""
    picked = await app.seats.hold_best_available(world.alice, world.show.show_id, 3)
    rows = {seat[0] for seat in picked.hold.seats}
    assert len(picked.hold.seats) == 3
    assert len(rows) == 1
    booking = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=picked.hold.hold_id, idempotency_key="k"
    )
    assert booking.seats == picked.hold.seats
    await reconciled(app, world)


# --- payment outcomes ----------------------------------------------------------------------------


@define
class TakeoverDuringCharge:
    """A gateway that lets the clock run past the hold and another buyer take the seats."""

    inner: MemoryPaymentGateway
    clock: ManualClock
    takeover: object

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        """Charge, but first let time pass and the rival hold the seats."""
        self.clock.advance(timedelta(hours=1))
        hook = self.takeover
        assert callable(hook)
        await hook()
        return await self.inner.charge(request)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


async def test_seats_lost_during_payment_are_refunded_at_once(
    app: Ticketing, world: World, clock: ManualClock
) -> None:
    """Paid after the hold lapsed and was taken over: FAILED_REFUNDED, the rival keeps it."""
    hold = await app.seats.hold(world.alice, world.show.show_id, ["C1", "C2"])
    booking = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k1"
    )
    rival: list[Hold] = []

    async def takeover() -> None:
        rival.append(await app.seats.hold(world.bob, world.show.show_id, ["C2", "C3"]))

    inner = gateway(app)
    wrapped = TakeoverDuringCharge(inner=inner, clock=clock, takeover=takeover)
    object.__setattr__(app.ports, "payments", wrapped)
    try:
        ended = await app.bookings.pay(
            world.alice, booking.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key="p1"
        )
    finally:
        object.__setattr__(app.ports, "payments", inner)
    assert ended.status is BookingStatus.FAILED_REFUNDED
    assert ended.amount_refunded == ended.amount
    assert inner.net_for_booking(booking.booking_id) == Money(0)
    assert (await app.seats.get(world.bob, world.show.show_id, rival[0].hold_id)).seats == {
        "C2",
        "C3",
    }
    await reconciled(app, world)


async def test_a_hold_lapsed_before_payment_charges_nothing(
    app: Ticketing, world: World, clock: ManualClock
) -> None:
    """Paying after the hold lapsed and was taken: HoldNotFound, no charge, the booking expired."""
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A1"])
    booking = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k1"
    )
    clock.advance(timedelta(hours=1))
    await app.seats.hold(world.bob, world.show.show_id, ["A1"])
    with pytest.raises(HoldNotFound):
        await app.bookings.pay(
            world.alice, booking.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key="p1"
        )
    assert gateway(app).ledger == ()
    assert (await app.bookings.get(world.alice, booking.booking_id)).status is (
        BookingStatus.EXPIRED
    )
    await reconciled(app, world)


async def test_a_declined_card_keeps_the_hold_for_another_try(app: Ticketing, world: World) -> None:
    """A declined card captures nothing and keeps the hold: nobody else gets it, a retry can pay."""
    # The retry is a new checkout of the same hold.
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A5"])
    first = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k1"
    )
    failed = await app.bookings.pay(
        world.alice, first.booking_id, payment_method=CARD_DECLINED, idempotency_key="p1"
    )
    assert failed.status is BookingStatus.PAYMENT_FAILED
    assert failed.failure_reason == "card_declined"
    with pytest.raises(SeatsUnavailable):
        await app.seats.hold(world.bob, world.show.show_id, ["A5"])
    second = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k2"
    )
    paid = await app.bookings.pay(
        world.alice, second.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key="p2"
    )
    assert paid.status is BookingStatus.CONFIRMED
    await reconciled(app, world)


async def test_an_unknown_outcome_that_was_captured_is_confirmed_by_reconciliation(
    app: Ticketing, world: World
) -> None:
    """The charge's answer was lost but money moved: reconciliation confirms the booking."""
    unknown = await book(app, world, world.alice, ["B1", "B2"], card=CARD_TIMEOUT_CAPTURED)
    assert unknown.status is BookingStatus.PAYMENT_UNKNOWN
    with pytest.raises(PermissionDenied):
        await app.operations.reconcile(world.alice, unknown.booking_id)
    # Until it is settled, the booking does not count the money the gateway holds.
    assert gateway(app).net_for_booking(unknown.booking_id) == unknown.amount
    assert unknown.amount_paid == Money(0)
    report = await app.operations.reconcile_payments(world.admin)
    [settled] = report.settled
    assert settled.status is BookingStatus.CONFIRMED
    assert gateway(app).net_for_booking(unknown.booking_id) == unknown.amount
    await reconciled(app, world)


async def test_an_unknown_outcome_that_never_arrived_is_released_by_reconciliation(
    app: Ticketing, world: World, clock: ManualClock
) -> None:
    """The charge never reached the gateway: reconciliation fails it and frees the seats."""
    unknown = await book(app, world, world.alice, ["B1"], card=CARD_TIMEOUT_NOT_CAPTURED)
    assert unknown.status is BookingStatus.PAYMENT_UNKNOWN
    # Within the grace a charge may still be in flight: nothing is decided yet.
    early = await app.operations.reconcile(world.admin, unknown.booking_id)
    assert early.status is BookingStatus.PAYMENT_UNKNOWN
    clock.advance(app.policies.payment_grace)
    settled = await app.operations.reconcile(world.admin, unknown.booking_id)
    assert settled.status is BookingStatus.PAYMENT_FAILED
    assert gateway(app).ledger == ()
    await app.seats.hold(world.bob, world.show.show_id, ["B1"])
    again = await app.operations.reconcile(world.admin, unknown.booking_id)
    assert again.status is BookingStatus.PAYMENT_FAILED
    await reconciled(app, world)


async def test_an_unreachable_gateway_leaves_the_booking_payable(
    app: Ticketing, world: World
) -> None:
    """BackendUnavailable charges nothing and frees the key: a retry with it can succeed."""
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A1"])
    booking = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k1"
    )
    with pytest.raises(BackendUnavailable):
        await app.bookings.pay(
            world.alice, booking.booking_id, payment_method=CARD_UNAVAILABLE, idempotency_key="p"
        )
    assert (await app.bookings.get(world.alice, booking.booking_id)).status is (
        BookingStatus.PENDING_PAYMENT
    )
    paid = await app.bookings.pay(
        world.alice, booking.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key="p"
    )
    assert paid.status is BookingStatus.CONFIRMED
    assert len(gateway(app).captures()) == 1
    await reconciled(app, world)


# --- idempotency ---------------------------------------------------------------------------------


async def test_a_duplicate_checkout_returns_the_same_booking(app: Ticketing, world: World) -> None:
    """Retried checkouts under one key, in sequence and concurrently, make one booking."""
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A1", "A2"])

    async def checkout() -> Booking:
        return await app.bookings.checkout(
            world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k1"
        )

    first, second, third = await asyncio.gather(checkout(), checkout(), checkout())
    assert first.booking_id == second.booking_id == third.booking_id
    assert (await checkout()).booking_id == first.booking_id
    assert len(await all_bookings(app)) == 1


async def test_a_duplicate_payment_charges_once(app: Ticketing, world: World) -> None:
    """The same payment sent twice (and concurrently) captures once; another key is refused."""
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A1"])
    booking = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k1"
    )

    async def pay(key: str = "p1") -> BookingStatus | str:
        try:
            paid = await app.bookings.pay(
                world.alice, booking.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key=key
            )
        except BookingNotPayable as exc:
            return exc.code
        except Exception as exc:  # noqa: BLE001 - the test records which error each got
            return getattr(exc, "code", repr(exc))
        return paid.status

    outcomes = await asyncio.gather(pay(), pay(), pay())
    assert BookingStatus.CONFIRMED in outcomes
    assert set(outcomes) <= {BookingStatus.CONFIRMED, "idempotency_in_progress"}
    assert await pay() is BookingStatus.CONFIRMED
    assert await pay("another-key") == "booking_not_payable"
    assert len(gateway(app).captures()) == 1
    await reconciled(app, world)


async def test_a_reused_key_with_a_different_request_is_refused(
    app: Ticketing, world: World
) -> None:
    """The same key for another hold, or another booking's payment, raises IdempotencyKeyReused."""
    first = await book(app, world, world.alice, ["A1"], key="k1")
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A2"])
    with pytest.raises(IdempotencyKeyReused):
        await app.bookings.checkout(
            world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k1"
        )
    second = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k2"
    )
    with pytest.raises(IdempotencyKeyReused):
        await app.bookings.pay(
            world.alice, second.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key="pay-k1"
        )
    # Another customer's keys are their own.
    other = await app.seats.hold(world.bob, world.show.show_id, ["A3"])
    mine = await app.bookings.checkout(
        world.bob, show_id=world.show.show_id, hold_id=other.hold_id, idempotency_key="k1"
    )
    assert mine.booking_id != first.booking_id
    await reconciled(app, world)


async def test_one_hold_has_at_most_one_open_booking(app: Ticketing, world: World) -> None:
    """A second checkout of a hold whose booking awaits payment is refused."""
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A1"])
    await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k1"
    )
    with pytest.raises(HoldInCheckout):
        await app.bookings.checkout(
            world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k2"
        )
    assert len(await all_bookings(app)) == 1
    await reconciled(app, world)


# --- coupons -------------------------------------------------------------------------------------


async def test_coupon_limits_hold_under_concurrent_checkouts(
    app: Ticketing, world: World, clock: ManualClock
) -> None:
    """A coupon's last use goes to one of two racing checkouts; a failed payment gives it back."""
    await app.coupons.create(
        world.admin,
        Coupon(
            code="FIRST100",
            discount=Money(10_000),
            valid_from=clock.now(),
            valid_until=clock.now() + timedelta(days=30),
            usage_limit=1,
        ),
    )
    holds = [
        await app.seats.hold(actor, world.show.show_id, [seat])
        for actor, seat in ((world.alice, "A1"), (world.bob, "A2"))
    ]

    async def checkout(actor: Principal, hold: Hold) -> Booking | str:
        try:
            return await app.bookings.checkout(
                actor,
                show_id=world.show.show_id,
                hold_id=hold.hold_id,
                idempotency_key="k",
                coupon_code="first100",
            )
        except CouponRejected as exc:
            return exc.reason

    results = await asyncio.gather(checkout(world.alice, holds[0]), checkout(world.bob, holds[1]))
    winners = [r for r in results if isinstance(r, Booking)]
    assert len(winners) == 1
    assert [r for r in results if isinstance(r, str)] == ["usage_exhausted"]
    [winner] = winners
    assert winner.coupon_code == "FIRST100"
    assert any(line.kind == "discount" for line in winner.lines)
    failed = await app.bookings.pay(
        world.alice if winner.user_id == world.alice.user_id else world.bob,
        winner.booking_id,
        payment_method=CARD_DECLINED,
        idempotency_key="p",
    )
    assert failed.status is BookingStatus.PAYMENT_FAILED
    usage = await app.ports.coupon_redemptions.usage("FIRST100", winner.user_id)
    assert usage.total == 0
    await reconciled(app, world)


async def test_an_unknown_coupon_is_rejected(app: Ticketing, world: World) -> None:
    """A code that names no coupon is a CouponRejected, and nothing is booked."""
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A1"])
    with pytest.raises(CouponRejected):
        await app.bookings.checkout(
            world.alice,
            show_id=world.show.show_id,
            hold_id=hold.hold_id,
            idempotency_key="k",
            coupon_code="NOPE",
        )
    assert await all_bookings(app) == []
    await reconciled(app, world)


# --- cancellations -------------------------------------------------------------------------------


async def test_a_show_cancelled_by_the_theater_refunds_everyone_in_full(
    app: Ticketing, world: World
) -> None:
    """Every confirmed booking is refunded in full, fees included; the show sells no more."""
    one = await book(app, world, world.alice, ["A1", "A2"], key="k1")
    two = await book(app, world, world.bob, ["C1"], key="k2")
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A6"])
    pending = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k3"
    )
    with pytest.raises(PermissionDenied):
        await app.operations.cancel_show(world.staff_b, world.show.show_id, "projector fire")
    result = await app.operations.cancel_show(world.staff_a, world.show.show_id, "projector fire")
    assert {b.booking_id for b in result.bookings} == {one.booking_id, two.booking_id}
    for booking in result.bookings:
        assert booking.status is BookingStatus.REFUNDED
        assert booking.amount_refunded == booking.amount
    with pytest.raises(ShowNotBookable):
        await app.bookings.pay(
            world.alice, pending.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key="p3"
        )
    with pytest.raises(ShowNotBookable):
        await app.seats.hold(world.bob, world.show.show_id, ["B1"])
    assert gateway(app).net_captured() == Money(0)
    again = await app.operations.cancel_show(world.admin, world.show.show_id, "again")
    assert again.bookings == ()
    await reconciled(app, world)


async def test_cancelling_too_late_is_refused(
    app: Ticketing, world: World, clock: ManualClock
) -> None:
    """Within the last tier's window the booking is not cancellable and nothing changes."""
    booking = await book(app, world, world.alice, ["A1"])
    clock.set(world.show.starts_at - timedelta(minutes=10))
    with pytest.raises(NotCancellable):
        await app.bookings.cancellation_preview(world.alice, booking.booking_id)
    with pytest.raises(NotCancellable):
        await app.bookings.cancel(world.alice, booking.booking_id)
    assert (await app.bookings.get(world.alice, booking.booking_id)).status is (
        BookingStatus.CONFIRMED
    )
    await reconciled(app, world)


async def test_a_refused_refund_is_retried_until_the_gateway_accepts_it(
    app: Ticketing, world: World
) -> None:
    """A refund the gateway refuses stays owed, and the retry sweep settles it with a new key."""
    booking = await book(app, world, world.alice, ["A1"])
    gateway(app).inject_refund_faults(RefundFault.FAIL)
    cancelled = await app.bookings.cancel(world.alice, booking.booking_id)
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.refunds[0].attempt == 2
    await reconciled(app, world)
    report = await app.operations.retry_refunds(world.admin)
    [settled] = report.settled
    assert settled.status is BookingStatus.REFUNDED
    assert (await app.operations.retry_refunds(world.admin)).settled == ()
    await reconciled(app, world)


# --- check-in ------------------------------------------------------------------------------------


async def test_check_in_is_accepted_once_by_the_theater_staff(app: Ticketing, world: World) -> None:
    """Staff of the show's theater admit a code once; others and typos are refused."""
    booking = await book(app, world, world.alice, ["A1"])
    code = booking.booking_code
    assert code is not None
    with pytest.raises(PermissionDenied):
        await app.bookings.check_in(world.staff_b, code)
    with pytest.raises(PermissionDenied):
        await app.bookings.check_in(world.alice, code)
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(InvalidBookingCode):
        await app.bookings.check_in(world.staff_a, typo)
    admitted = await app.bookings.check_in(world.staff_a, code.lower())
    assert admitted.status is BookingStatus.CHECKED_IN
    with pytest.raises(AlreadyCheckedIn):
        await app.bookings.check_in(world.staff_a, code)
    await reconciled(app, world)


# --- e-tickets -----------------------------------------------------------------------------------


async def test_a_ticket_carries_the_booking_its_code_and_the_show_listing(
    app: Ticketing, world: World
) -> None:
    """The owner, the theater's staff and a platform admin read the ticket; others are refused."""
    booking = await book(app, world, world.alice, ["A1", "A2"])
    assert booking.has_ticket
    listing = await app.browsing.show(None, world.show.show_id)
    for reader in (world.alice, world.staff_a, world.admin):
        ticket = await app.bookings.ticket(reader, booking.booking_id)
        assert ticket.booking == booking
        assert ticket.booking_code == booking.booking_code
        assert ticket.show == listing
    assert listing.show_id == world.show.show_id
    assert listing.theater_id == world.theater_a.theater_id
    for stranger in (world.bob, world.staff_b):
        with pytest.raises(PermissionDenied):
            await app.bookings.ticket(stranger, booking.booking_id)


async def test_a_checked_in_booking_keeps_its_ticket(app: Ticketing, world: World) -> None:
    """Admission does not take the ticket away: it still answers, with the checked-in status."""
    booking = await book(app, world, world.alice, ["A1"])
    assert booking.booking_code is not None
    admitted = await app.bookings.check_in(world.staff_a, booking.booking_code)
    assert admitted.has_ticket
    ticket = await app.bookings.ticket(world.alice, booking.booking_id)
    assert ticket.booking.status is BookingStatus.CHECKED_IN
    assert ticket.booking_code == booking.booking_code


async def test_only_confirmed_or_checked_in_bookings_have_a_ticket(
    app: Ticketing, world: World
) -> None:
    """Pending, declined and cancelled bookings raise TicketNotAvailable naming their status."""
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A1"])
    pending = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k1"
    )
    declined = await book(app, world, world.bob, ["C1"], card=CARD_DECLINED, key="k2")
    cancelled = await app.bookings.cancel(
        world.alice, (await book(app, world, world.alice, ["B1"], key="k3")).booking_id
    )
    for booking, status in (
        (pending, BookingStatus.PENDING_PAYMENT),
        (declined, BookingStatus.PAYMENT_FAILED),
        (cancelled, BookingStatus.REFUNDED),
    ):
        assert booking.status is status
        assert not booking.has_ticket
        with pytest.raises(TicketNotAvailable) as info:
            await app.bookings.ticket(world.admin, booking.booking_id)
        assert info.value.code == "ticket_not_available"
        assert (info.value.booking_id, info.value.status) == (booking.booking_id, status.value)


async def test_a_stranger_learns_nothing_of_a_ticketless_booking(
    app: Ticketing, world: World
) -> None:
    """A stranger gets PermissionDenied, not the booking's state; an unknown id is NotFound."""
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A1"])
    pending = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k1"
    )
    with pytest.raises(PermissionDenied):
        await app.bookings.ticket(world.bob, pending.booking_id)
    with pytest.raises(NotFound) as info:
        await app.bookings.ticket(world.admin, "bkg_missing")
    assert info.value.kind == "booking"


# --- expiry --------------------------------------------------------------------------------------


async def test_expiry_closes_unpaid_bookings_and_announces_lapsed_holds(
    app: Ticketing, world: World, clock: ManualClock
) -> None:
    """Expiry ends unpaid bookings past due and announces every freed hold lapsed, purged or not."""
    # Lapsed: the expired booking's hold (released by the sweep) and the purged one.
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A1"])
    booking = await app.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k"
    )
    await app.seats.hold(world.bob, world.show.show_id, ["A2"])
    early = await app.operations.expire(world.admin)
    assert early.bookings.settled == ()
    assert early.lapsed_holds == 0
    clock.advance(timedelta(minutes=30))
    report = await app.operations.expire(world.admin)
    assert [b.status for b in report.bookings.settled] == [BookingStatus.EXPIRED]
    assert report.lapsed_holds == 1
    bus = app.ports.events
    assert isinstance(bus, MemoryEventBus)
    lapsed = [e.owner_id for e in bus.of_type(HoldLapsed)]
    assert lapsed == [world.alice.user_id, world.bob.user_id]
    assert (await app.bookings.get(world.alice, booking.booking_id)).status is (
        BookingStatus.EXPIRED
    )
    await reconciled(app, world)


# --- the rush ------------------------------------------------------------------------------------


async def test_a_rush_for_the_same_seats_sells_them_once(app: Ticketing, world: World) -> None:
    """Thirty buyers racing for the same two seats: one booking confirmed, the rest refused."""
    buyers = [
        (
            await app.accounts.register(f"fan{i}@example.com", f"Fan {i}", "a long password")
        ).principal()
        for i in range(30)
    ]

    async def attempt(actor: Principal) -> BookingStatus | str:
        try:
            booking = await book(app, world, actor, ["C4", "C5"], key=f"rush-{actor.user_id}")
        except SeatsUnavailable as exc:
            return exc.code
        return booking.status

    outcomes = await asyncio.gather(*(attempt(b) for b in buyers))
    assert outcomes.count(BookingStatus.CONFIRMED) == 1
    assert outcomes.count("seats_unavailable") == len(buyers) - 1
    await reconciled(app, world)


# --- races ---------------------------------------------------------------------------------------


async def test_racing_checkouts_of_one_hold_open_one_booking(app: Ticketing, world: World) -> None:
    """Two checkouts of the same hold under different keys, at once: one booking, one refusal."""
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A1"])

    async def checkout(key: str) -> Booking | str:
        try:
            return await app.bookings.checkout(
                world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key=key
            )
        except HoldInCheckout as exc:
            return exc.code

    results = await asyncio.gather(checkout("k1"), checkout("k2"))
    assert sorted(isinstance(r, Booking) for r in results) == [False, True]
    assert "hold_in_checkout" in results
    assert len(await all_bookings(app)) == 1


async def test_settling_one_payment_twice_at_once_confirms_it_once(
    app: Ticketing, world: World
) -> None:
    """Two reconciliations of one captured payment race: both see it confirmed, no error."""
    unknown = await book(app, world, world.alice, ["B1"], card=CARD_TIMEOUT_CAPTURED)
    results = await asyncio.gather(
        app.operations.reconcile(world.admin, unknown.booking_id),
        app.operations.reconcile(world.admin, unknown.booking_id),
    )
    assert [r.status for r in results] == [BookingStatus.CONFIRMED] * 2
    assert results[0].booking_code == results[1].booking_code
    assert len(gateway(app).captures()) == 1
    await reconciled(app, world)


async def test_a_show_cancelled_after_check_in_still_refunds_the_audience(
    app: Ticketing, world: World
) -> None:
    """Admitted, then the screening failed: checked-in bookings are refunded in full too."""
    booking = await book(app, world, world.alice, ["A1", "A2"])
    assert booking.booking_code is not None
    await app.bookings.check_in(world.staff_a, booking.booking_code)
    result = await app.operations.cancel_show(world.staff_a, world.show.show_id, "power cut")
    [refunded] = result.bookings
    assert refunded.status is BookingStatus.REFUNDED
    assert refunded.amount_refunded == booking.amount
    await reconciled(app, world)


async def test_a_charge_that_arrives_after_it_was_judged_lost_is_refunded(
    app: Ticketing, world: World, clock: ManualClock
) -> None:
    """Failed as never received, then the gateway gets the charge late: the sweep refunds it."""
    gateway(app).inject_charge_faults(ChargeFault.TIMEOUT_LOST)
    unknown = await book(app, world, world.alice, ["B3"])
    assert unknown.status is BookingStatus.PAYMENT_UNKNOWN
    clock.advance(app.policies.payment_grace)
    failed = await app.operations.reconcile(world.admin, unknown.booking_id)
    assert failed.status is BookingStatus.PAYMENT_FAILED
    # The request that was lost in transit reaches the gateway after all.
    late = await gateway(app).charge(
        ChargeRequest(
            idempotency_key=f"charge-{unknown.booking_id}",
            booking_id=unknown.booking_id,
            amount=unknown.amount,
            payment_method=CARD_SUCCEEDS,
            description=f"Booking {unknown.booking_id}",
        )
    )
    assert late.captured
    report = await app.operations.reconcile_payments(world.admin)
    [settled] = report.settled
    assert settled.status is BookingStatus.FAILED_REFUNDED
    assert settled.amount_refunded == settled.amount
    assert gateway(app).net_for_booking(unknown.booking_id) == Money(0)
    # Once settled it is not asked about again.
    assert (await app.operations.reconcile_payments(world.admin)).settled == ()
    await reconciled(app, world)
