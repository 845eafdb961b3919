"""Random journeys of several customers: money and seats reconcile after every step.

The machine runs on every backend (``backend`` is parametrized by ``tests/services/conftest.py``);
each example starts from an empty store of its own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from bookmyshow.adapters.memory import (
    ManualClock,
    MemoryPaymentGateway,
    ScryptPasswordHasher,
    SequentialIds,
)
from bookmyshow.adapters.memory.payments import (
    CARD_DECLINED,
    CARD_REFUNDS_FAIL,
    CARD_SUCCEEDS,
    CARD_TIMEOUT_CAPTURED,
    CARD_TIMEOUT_NOT_CAPTURED,
)
from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.booking import Booking, BookingStatus
from bookmyshow.domain.errors import BookMyShowError
from bookmyshow.domain.holds import Hold
from bookmyshow.domain.money import Money
from bookmyshow.domain.users import Principal
from tests.services.backends import (
    JourneyBackend,
    Opened,
    backend_params,
    sql_timeout_s,
    wire,
)
from tests.services.world import World, all_bookings, build_world

T = TypeVar("T")

SEATS = ["A1", "A2", "A3", "A4", "A5", "A6"]
CARDS = [
    CARD_SUCCEEDS,
    CARD_SUCCEEDS,
    CARD_DECLINED,
    CARD_TIMEOUT_CAPTURED,
    CARD_TIMEOUT_NOT_CAPTURED,
    CARD_REFUNDS_FAIL,
]


class BookingJourneys(RuleBasedStateMachine):
    """Three customers hold, check out, pay, cancel and wait, while operations run."""

    def __init__(self, backend: JourneyBackend) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.clock = ManualClock()
        self.opened: Opened = self.run(
            backend.open(
                clock=self.clock,
                ids=SequentialIds(),
                passwords=ScryptPasswordHasher.fast_for_tests(),
                token_secret=b"s" * 32,
            )
        )
        self.app: Ticketing = wire(self.opened.ports)
        try:
            self.world: World = self.run(build_world(self.app, self.clock))
        except BaseException:
            # Hypothesis calls teardown only on a machine it got: release the store here.
            self.teardown()
            raise
        self.customers: list[Principal] = [self.world.alice, self.world.bob]
        self.holds: list[Hold] = []
        self.bookings: list[str] = []
        self.keys = 0

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run one use case to completion on the machine's loop."""
        return self.loop.run_until_complete(coro)

    def attempt(self, coro: Coroutine[Any, Any, T]) -> T | None:
        """Run a use case that the rules may refuse; a refusal is a coded library error."""
        try:
            return self.run(coro)
        except BookMyShowError:
            return None

    def teardown(self) -> None:
        """Close the store (its database engines), then the loop."""
        try:
            self.run(self.opened.close())
        finally:
            self.loop.close()

    @initialize(customer=st.integers(0, 1))
    def a_third_customer(self, customer: int) -> None:
        """Register a third customer (so the pool of buyers outnumbers the seats' owners)."""
        del customer
        user = self.run(self.app.accounts.register("carol@example.com", "Carol", "a long password"))
        self.customers.append(user.principal())

    def next_key(self) -> str:
        """A fresh idempotency key."""
        self.keys += 1
        return f"k{self.keys}"

    @rule(who=st.integers(0, 2), seats=st.sets(st.sampled_from(SEATS), min_size=1, max_size=3))
    def hold(self, who: int, seats: set[str]) -> None:
        """A customer tries to hold some seats."""
        hold = self.attempt(
            self.app.seats.hold(self.customers[who], self.world.show.show_id, sorted(seats))
        )
        if hold is not None:
            self.holds.append(hold)

    @rule(
        who=st.integers(0, 2),
        seats=st.sets(st.sampled_from(SEATS), min_size=1, max_size=2),
        card=st.sampled_from(CARDS),
    )
    def book(self, who: int, seats: set[str], card: str) -> None:
        """A customer holds, checks out and pays in one go."""
        customer = self.customers[who]
        hold = self.attempt(self.app.seats.hold(customer, self.world.show.show_id, sorted(seats)))
        if hold is None:
            return
        self.holds.append(hold)
        booking = self.attempt(
            self.app.bookings.checkout(
                customer,
                show_id=hold.show_id,
                hold_id=hold.hold_id,
                idempotency_key=self.next_key(),
            )
        )
        if booking is None:
            return
        self.bookings.append(booking.booking_id)
        self.attempt(
            self.app.bookings.pay(
                customer, booking.booking_id, payment_method=card, idempotency_key=self.next_key()
            )
        )

    @precondition(lambda self: bool(self.holds))
    @rule(data=st.data())
    def checkout(self, data: st.DataObject) -> None:
        """The owner of a hold checks it out (maybe retrying with an old key)."""
        hold = data.draw(st.sampled_from(self.holds))
        owner = next(c for c in self.customers if c.user_id == hold.owner_id)
        key = self.next_key() if data.draw(st.booleans()) or not self.keys else f"k{self.keys}"
        booking = self.attempt(
            self.app.bookings.checkout(
                owner, show_id=hold.show_id, hold_id=hold.hold_id, idempotency_key=key
            )
        )
        if booking is not None and booking.booking_id not in self.bookings:
            self.bookings.append(booking.booking_id)

    def owner_of(self, booking_id: str) -> tuple[Principal, Booking]:
        """The booking and its customer."""
        booking = self.run(self.app.bookings.get(self.world.admin, booking_id))
        return next(c for c in self.customers if c.user_id == booking.user_id), booking

    @precondition(lambda self: bool(self.bookings))
    @rule(data=st.data(), card=st.sampled_from(CARDS))
    def pay(self, data: st.DataObject, card: str) -> None:
        """The customer pays a booking with some test card."""
        owner, booking = self.owner_of(data.draw(st.sampled_from(self.bookings)))
        self.attempt(
            self.app.bookings.pay(
                owner, booking.booking_id, payment_method=card, idempotency_key=self.next_key()
            )
        )

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        """A customer cancels one of the confirmed bookings."""
        confirmed = [
            b.booking_id
            for b in self.run(all_bookings(self.app))
            if b.status is BookingStatus.CONFIRMED
        ]
        if not confirmed:
            return
        owner, booking = self.owner_of(data.draw(st.sampled_from(confirmed)))
        self.attempt(self.app.bookings.cancel(owner, booking.booking_id))

    @rule(minutes=st.integers(1, 12))
    def time_passes(self, minutes: int) -> None:
        """The clock moves on."""
        self.clock.advance(timedelta(minutes=minutes))

    @rule()
    def operations_run(self) -> None:
        """The scheduler runs every sweep."""
        ops = self.app.operations
        self.run(ops.reconcile_payments(self.world.admin))
        self.run(ops.expire(self.world.admin))
        self.run(ops.retry_refunds(self.world.admin))
        grace = self.app.policies.payment_grace
        for booking in self.run(all_bookings(self.app)):
            # The gateway always knows the truth, so once the grace for charges still in
            # flight has passed, reconciliation leaves nothing unknown.
            if booking.updated_at + grace <= self.clock.now():
                assert booking.status is not BookingStatus.PAYMENT_UNKNOWN

    @invariant()
    def money_reconciles(self) -> None:
        """Per booking, the gateway kept exactly what was paid and not refunded; a payment
        whose outcome is unknown has either nothing or everything captured."""
        gateway = self.app.ports.payments
        assert isinstance(gateway, MemoryPaymentGateway)
        for booking in self.run(all_bookings(self.app)):
            net = gateway.net_for_booking(booking.booking_id)
            if booking.status is BookingStatus.PAYMENT_UNKNOWN:
                assert net in (Money(0), booking.amount)
            else:
                assert net == booking.amount_paid - booking.amount_refunded
            assert booking.amount_refunded <= booking.amount_paid

    @invariant()
    def no_seat_is_sold_twice(self) -> None:
        """The sale record is exactly the seats of confirmed and checked-in bookings."""
        sold = dict(self.run(self.app.ports.sales.sold_seats(self.world.show.show_id)))
        expected: dict[str, str] = {}
        for booking in self.run(all_bookings(self.app)):
            if booking.status in {BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN}:
                for seat in booking.seats:
                    assert seat not in expected
                    expected[seat] = booking.booking_id
        assert sold == expected


# About a second per example on SQL (40 s for the "ci" profile's 40): allow three.
@pytest.mark.parametrize(
    "backend", backend_params(timeout_s=sql_timeout_s(per_example_s=3)), indirect=True
)
def test_booking_journeys(backend: JourneyBackend) -> None:
    """Random journeys of three customers keep money and seats reconciled after every step."""

    class OnBackend(BookingJourneys):
        """The journeys on this run's backend."""

        def __init__(self) -> None:
            super().__init__(backend)

    run_state_machine_as_test(OnBackend, settings=settings(stateful_step_count=30))
