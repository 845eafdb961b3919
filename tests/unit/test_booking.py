"""The booking aggregate: its state machine, refund limits, events and booking codes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import event as event_label
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
)

from bookmyshow.domain import events as ev
from bookmyshow.domain.booking import (
    BOOKING_CODE_ALPHABET,
    BOOKING_CODE_SPACE,
    TERMINAL_STATUSES,
    TRANSITIONS,
    AlreadyCheckedIn,
    Booking,
    BookingLine,
    BookingNotCancellable,
    BookingNotExpired,
    BookingStatus,
    CancelReason,
    IllegalTransition,
    InvalidBookingCode,
    Refund,
    RefundAlreadySettled,
    RefundExceedsPayment,
    RefundNotFound,
    RefundStatus,
    booking_code_from,
    normalize_booking_code,
    parse_booking_code,
)
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.money import CurrencyMismatch, Money
from bookmyshow.domain.pricing import TicketBreakdown
from bookmyshow.testing.strategies.booking import (
    aware_datetimes,
    booking_code_numbers,
    pending_bookings,
)

T0 = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)

# The legal moves per method, written out independently of the module's TRANSITIONS table.
LEGAL: dict[str, dict[str, str]] = {
    "confirm": {"pending_payment": "confirmed", "payment_unknown": "confirmed"},
    "fail_payment": {"pending_payment": "payment_failed", "payment_unknown": "payment_failed"},
    "mark_payment_unknown": {"pending_payment": "payment_unknown"},
    "expire": {"pending_payment": "expired"},
    "fail_and_refund": {
        "pending_payment": "failed_refunded",
        "payment_unknown": "failed_refunded",
        "expired": "failed_refunded",
        "payment_failed": "failed_refunded",
    },
    "cancel": {"confirmed": "cancelled", "checked_in": "cancelled"},
    "settle_refund": {"cancelled": "refunded", "failed_refunded": "failed_refunded"},
    "check_in": {"confirmed": "checked_in"},
}
EVENT_OF: dict[str, type[ev.DomainEvent]] = {
    "confirm": ev.BookingConfirmed,
    "fail_payment": ev.BookingPaymentFailed,
    "mark_payment_unknown": ev.BookingPaymentUnknown,
    "expire": ev.BookingExpired,
    "fail_and_refund": ev.BookingFailedRefunded,
    "cancel": ev.BookingCancelled,
    "settle_refund": ev.BookingRefunded,
    "check_in": ev.BookingCheckedIn,
}
PAID = {"confirmed", "cancelled", "refunded", "checked_in", "failed_refunded"}
FINAL = {"failed_refunded", "refunded"}


def new_booking(
    *, amount: int = 50_000, non_cancellable: bool = False, seats: tuple[str, ...] = ("A1", "A2")
) -> Booking:
    """A pending booking created at T0 and due 10 minutes later, events pulled."""
    booking = Booking.create(
        booking_id="b1",
        user_id="u1",
        show_id="s1",
        hold_id="h1",
        seats=seats,
        fencing_token=7,
        amount=Money(amount),
        idempotency_key="k1",
        created_at=T0,
        payment_due_at=T0 + timedelta(minutes=10),
        non_cancellable=non_cancellable,
    )
    booking.pull_events()
    return booking


def refund(amount: int, refund_id: str = "r1") -> Refund:
    """A requested refund of ``amount`` paise."""
    return Refund(refund_id=refund_id, amount=Money(amount), reason="test", created_at=T0)


def confirmed(**kwargs: Any) -> Booking:
    """A confirmed booking (see new_booking for the keywords)."""
    booking = new_booking(**kwargs)
    booking.confirm("pay1", booking_code_from(42), T0)
    booking.pull_events()
    return booking


def state_of(booking: Booking) -> dict[str, Any]:
    """Every field except the pending events."""
    return attrs.asdict(booking, recurse=False, filter=lambda a, _v: a.name != "events")


# --- the table -------------------------------------------------------------------------------


def test_transitions_table_matches_the_independent_table() -> None:
    """TRANSITIONS holds exactly the status changes the per-method table allows."""
    expected = {(f, t) for moves in LEGAL.values() for f, t in moves.items() if f != t}
    actual = {(f.value, t.value) for f, tos in TRANSITIONS.items() for t in tos}
    assert actual == expected
    assert set(TRANSITIONS) == set(BookingStatus)


def test_terminal_statuses() -> None:
    """The terminal statuses are those with no way out."""
    assert {s.value for s in TERMINAL_STATUSES} == FINAL


def test_pending_may_fail_and_refund_directly() -> None:
    """Paid-but-seats-lost is allowed straight from PENDING_PAYMENT (no "paid" state between)."""
    assert BookingStatus.FAILED_REFUNDED in TRANSITIONS[BookingStatus.PENDING_PAYMENT]


# --- creation --------------------------------------------------------------------------------


@given(pending_bookings())
def test_create_records_one_booking_created(booking: Booking) -> None:
    """Booking.create opens a PENDING_PAYMENT booking and records exactly one BookingCreated."""
    assert booking.status is BookingStatus.PENDING_PAYMENT
    [event] = booking.pull_events()
    assert isinstance(event, ev.BookingCreated)
    assert (event.booking_id, event.seats, event.amount) == (
        booking.booking_id,
        booking.seats,
        booking.amount,
    )
    assert event.occurred_at == booking.created_at
    assert booking.events == []


def test_pull_events_returns_and_clears() -> None:
    """pull_events hands over the events in order and leaves none behind."""
    booking = new_booking()
    booking.mark_payment_unknown(T0)
    booking.confirm("pay1", booking_code_from(1), T0)
    assert [type(e) for e in booking.pull_events()] == [
        ev.BookingPaymentUnknown,
        ev.BookingConfirmed,
    ]
    assert booking.pull_events() == []


def test_rehydrating_records_nothing() -> None:
    """The constructor (used by repositories) records no event."""
    booking = new_booking()
    assert Booking(**state_of(booking)).events == []


@pytest.mark.parametrize(
    ("change", "field_name"),
    [
        ({"booking_id": ""}, "booking_id"),
        ({"seats": frozenset()}, "seats"),
        ({"fencing_token": 0}, "fencing_token"),
        ({"fencing_token": True}, "fencing_token"),
        ({"amount": Money(-1)}, "amount"),
        ({"created_at": datetime(2026, 5, 1)}, "created_at"),
        ({"payment_due_at": T0}, "payment_due_at"),
        ({"lines": (BookingLine(kind="ticket", amount=Money(1)),)}, "lines"),
        ({"lines": (BookingLine(kind="ticket", seat="Z9", amount=Money(50_000)),)}, "lines.seat"),
        ({"coupon_code": ""}, "coupon_code"),
    ],
)
def test_malformed_booking_is_refused(change: dict[str, Any], field_name: str) -> None:
    """Each malformed field raises InvalidInput naming it."""
    with pytest.raises(InvalidInput) as info:
        Booking(**{**state_of(new_booking()), **change})
    assert info.value.field == field_name


def test_lines_adding_up_to_the_amount_are_accepted() -> None:
    """Ticket lines plus a fee and a negative discount line may add up to the amount."""
    lines = (
        BookingLine(kind="ticket", seat="A1", amount=Money(30_000)),
        BookingLine(kind="ticket", seat="A2", amount=Money(30_000)),
        BookingLine(kind="fee", amount=Money(2_000)),
        BookingLine(kind="discount", amount=Money(-12_000)),
    )
    booking = Booking(**{**state_of(new_booking()), "lines": lines})
    assert booking.lines == lines


# --- transitions by example ------------------------------------------------------------------


def test_confirm_records_code_and_payment() -> None:
    """Confirming stores the payment id and the canonical booking code."""
    booking = new_booking()
    code = booking_code_from(99)
    booking.confirm("pay1", code.lower(), T0 + timedelta(minutes=1))
    assert booking.status is BookingStatus.CONFIRMED
    assert (booking.payment_id, booking.booking_code) == ("pay1", code)
    assert booking.confirmed_at == T0 + timedelta(minutes=1)
    assert booking.amount_paid == Money(50_000)


def test_unknown_payment_keeps_its_id_and_refuses_another() -> None:
    """A payment id recorded while the outcome was unknown cannot be swapped on confirmation."""
    booking = new_booking()
    booking.mark_payment_unknown(T0, payment_id="pay1")
    with pytest.raises(InvalidInput) as info:
        booking.confirm("pay2", booking_code_from(1), T0)
    assert info.value.field == "payment_id"
    booking.confirm("pay1", booking_code_from(1), T0)
    assert booking.status is BookingStatus.CONFIRMED


def test_expire_before_the_deadline_is_refused() -> None:
    """A pending booking cannot expire before payment_due_at; at the deadline it can."""
    booking = new_booking()
    with pytest.raises(BookingNotExpired) as info:
        booking.expire(T0 + timedelta(minutes=9, seconds=59))
    assert info.value.code == "booking_not_expired"
    booking.expire(T0 + timedelta(minutes=10))
    assert booking.status is BookingStatus.EXPIRED


def test_deadline_follows_real_time_across_a_clock_change() -> None:
    """In a zone that turns its clocks back, a booking due at 01:00 EST is not due at 01:50 EDT."""
    new_york = ZoneInfo("America/New_York")
    created = datetime(2024, 11, 3, 1, 50, tzinfo=new_york)  # EDT, 05:50 UTC
    due = datetime(2024, 11, 3, 1, 0, fold=1, tzinfo=new_york)  # EST, 06:00 UTC
    booking = attrs.evolve(
        new_booking(), created_at=created, updated_at=created, payment_due_at=due
    )
    with pytest.raises(BookingNotExpired):
        booking.expire(datetime(2024, 11, 3, 1, 55, tzinfo=new_york))  # EDT, 05:55 UTC
    booking.expire(datetime(2024, 11, 3, 1, 5, fold=1, tzinfo=new_york))  # EST, 06:05 UTC
    assert booking.status is BookingStatus.EXPIRED
    with pytest.raises(InvalidInput) as info:
        attrs.evolve(booking, created_at=due, payment_due_at=created)
    assert info.value.field == "payment_due_at"


def test_unknown_payment_never_expires() -> None:
    """PAYMENT_UNKNOWN waits for reconciliation: expire raises IllegalTransition."""
    booking = new_booking()
    booking.mark_payment_unknown(T0)
    with pytest.raises(IllegalTransition) as info:
        booking.expire(T0 + timedelta(days=1))
    assert type(info.value) is IllegalTransition
    assert info.value.details() == {
        "booking_id": "b1",
        "from_status": "payment_unknown",
        "to_status": "expired",
    }
    assert info.value.code == "illegal_transition"


def test_fail_and_refund_needs_a_payment_id() -> None:
    """Refunding a payment nobody identified raises InvalidInput."""
    booking = new_booking()
    with pytest.raises(InvalidInput) as info:
        booking.fail_and_refund(refund(50_000), T0)
    assert info.value.field == "payment_id"


def test_fail_and_refund_is_a_full_refund() -> None:
    """A failed booking is refunded in full: less is InvalidInput, more RefundExceedsPayment."""
    booking = new_booking()
    with pytest.raises(InvalidInput):
        booking.fail_and_refund(refund(49_999), T0, payment_id="pay1")
    with pytest.raises(RefundExceedsPayment):
        booking.fail_and_refund(refund(50_001), T0, payment_id="pay1")
    booking.fail_and_refund(refund(50_000), T0, payment_id="pay1")
    assert booking.status is BookingStatus.FAILED_REFUNDED
    assert booking.amount_refund_pending == Money(50_000)
    booking.settle_refund("r1", T0)
    assert booking.status is BookingStatus.FAILED_REFUNDED
    assert booking.amount_refunded == Money(50_000)
    with pytest.raises(RefundAlreadySettled):
        booking.settle_refund("r1", T0)


def test_cancel_then_settle_refunds() -> None:
    """CONFIRMED → CANCELLED with a refund → REFUNDED once the refund settles."""
    booking = confirmed()
    booking.cancel(refund(40_000), T0, CancelReason.USER_REQUEST)
    assert booking.cancel_reason is CancelReason.USER_REQUEST
    assert booking.refundable == Money(10_000)
    statuses = [booking.status]
    booking.settle_refund("r1", T0 + timedelta(days=2))
    statuses.append(booking.status)
    assert statuses == [BookingStatus.CANCELLED, BookingStatus.REFUNDED]
    assert booking.refunds[0].status is RefundStatus.SUCCEEDED
    assert booking.refunds[0].settled_at == T0 + timedelta(days=2)
    assert [type(e) for e in booking.pull_events()] == [ev.BookingCancelled, ev.BookingRefunded]


def test_refund_may_not_exceed_the_payment() -> None:
    """A refund larger than the amount paid raises RefundExceedsPayment with the numbers."""
    booking = confirmed()
    with pytest.raises(RefundExceedsPayment) as info:
        booking.cancel(refund(50_001), T0, CancelReason.OPERATOR)
    assert info.value.details() == {
        "booking_id": "b1",
        "requested": 50_001,
        "refundable": 50_000,
        "currency": "INR",
    }
    assert info.value.code == "refund_exceeds_payment"


def test_earlier_refunds_count_against_what_is_refundable() -> None:
    """A confirmed booking already refunded ₹100 (say, goodwill) can refund at most the rest."""
    goodwill = Refund(
        refund_id="g1",
        amount=Money(10_000),
        reason="goodwill",
        created_at=T0,
        status=RefundStatus.SUCCEEDED,
        settled_at=T0,
    )
    booking = attrs.evolve(confirmed(), refunds=(goodwill,))
    assert booking.refundable == Money(40_000)
    with pytest.raises(RefundExceedsPayment) as info:
        booking.cancel(refund(40_001), T0, CancelReason.OPERATOR)
    assert info.value.refundable == 40_000
    with pytest.raises(RefundExceedsPayment):
        booking.cancel(refund(50_000), T0, CancelReason.SHOW_CANCELLED)
    with pytest.raises(InvalidInput):
        booking.cancel(refund(39_999), T0, CancelReason.SHOW_CANCELLED)
    booking.cancel(refund(40_000), T0, CancelReason.SHOW_CANCELLED)
    assert booking.amount_refunded + booking.amount_refund_pending == booking.amount_paid


def test_cancelled_booking_is_refunded_only_once_every_refund_settles() -> None:
    """With an earlier refund still pending, settling the cancellation's refund is not enough."""
    pending = Refund(refund_id="g1", amount=Money(10_000), reason="goodwill", created_at=T0)
    booking = attrs.evolve(confirmed(), refunds=(pending,))
    booking.cancel(refund(40_000), T0, CancelReason.SHOW_CANCELLED)
    booking.settle_refund("r1", T0)
    statuses = [booking.status]
    booking.settle_refund("g1", T0)
    statuses.append(booking.status)
    assert statuses == [BookingStatus.CANCELLED, BookingStatus.REFUNDED]
    assert booking.amount_refunded == booking.amount_paid


def test_non_cancellable_refuses_the_customer_only() -> None:
    """A non-cancellable booking refuses the customer but not a show cancellation."""
    booking = confirmed(non_cancellable=True)
    with pytest.raises(BookingNotCancellable) as info:
        booking.cancel(refund(0), T0, CancelReason.USER_REQUEST)
    assert info.value.code == "booking_not_cancellable"
    booking.cancel(refund(50_000), T0, CancelReason.SHOW_CANCELLED)
    assert booking.status is BookingStatus.CANCELLED


def test_show_cancellation_refunds_in_full() -> None:
    """A show cancelled by the theater must refund everything that was paid."""
    booking = confirmed()
    with pytest.raises(InvalidInput) as info:
        booking.cancel(refund(25_000), T0, CancelReason.SHOW_CANCELLED)
    assert info.value.field == "refund.amount"


def test_cancel_reason_is_validated() -> None:
    """An unknown cancel reason raises InvalidInput; the string value of a known one works."""
    booking = confirmed()
    with pytest.raises(InvalidInput):
        booking.cancel(refund(0), T0, "bored")  # type: ignore[arg-type]
    booking.cancel(refund(0), T0, "operator")  # type: ignore[arg-type]
    assert booking.cancel_reason is CancelReason.OPERATOR


def test_refund_in_another_currency_is_refused() -> None:
    """A refund in a currency other than the booking's raises CurrencyMismatch."""
    booking = confirmed()
    usd = Refund(refund_id="r1", amount=Money(10, "USD"), reason="x", created_at=T0)
    with pytest.raises(CurrencyMismatch):
        booking.cancel(usd, T0, CancelReason.OPERATOR)
    assert booking.status is BookingStatus.CONFIRMED


def test_settled_refund_cannot_be_added() -> None:
    """A refund passed to cancel must be new and requested, not already settled."""
    booking = confirmed()
    done = attrs.evolve(refund(10), status=RefundStatus.SUCCEEDED, settled_at=T0)
    with pytest.raises(InvalidInput) as info:
        booking.cancel(done, T0, CancelReason.OPERATOR)
    assert info.value.field == "refund.status"


def test_unknown_refund_cannot_be_settled() -> None:
    """Settling a refund id the booking does not have raises RefundNotFound."""
    booking = confirmed()
    booking.cancel(refund(10), T0, CancelReason.OPERATOR)
    with pytest.raises(RefundNotFound) as info:
        booking.settle_refund("nope", T0)
    assert info.value.code == "refund_not_found"


def test_second_check_in_is_refused() -> None:
    """Checking in twice raises AlreadyCheckedIn with the first check-in time."""
    booking = confirmed()
    booking.check_in(T0 + timedelta(hours=1))
    with pytest.raises(AlreadyCheckedIn) as info:
        booking.check_in(T0 + timedelta(hours=2))
    assert info.value.code == "already_checked_in"
    assert info.value.checked_in_at == T0 + timedelta(hours=1)
    assert booking.checked_in_at == T0 + timedelta(hours=1)


def test_check_in_needs_a_confirmed_booking() -> None:
    """A pending booking cannot be checked in."""
    with pytest.raises(IllegalTransition):
        new_booking().check_in(T0)


@pytest.mark.parametrize(
    "call",
    [
        lambda b, now: b.confirm("p", booking_code_from(1), now),
        lambda b, now: b.fail_payment("declined", now),
        lambda b, now: b.mark_payment_unknown(now),
        lambda b, now: b.expire(now),
        lambda b, now: b.check_in(now),
    ],
)
def test_naive_now_is_refused(call: Callable[[Booking, datetime], None]) -> None:
    """Every transition refuses a naive ``now`` with InvalidInput and changes nothing."""
    booking = new_booking()
    before = state_of(booking)
    with pytest.raises(InvalidInput) as info:
        call(booking, datetime(2026, 5, 1, 19))
    assert info.value.field == "now"
    assert state_of(booking) == before


def test_refund_record_is_validated() -> None:
    """A refund with a negative amount, or settled_at not matching its status, is refused."""
    with pytest.raises(InvalidInput):
        refund(-1)
    with pytest.raises(InvalidInput):
        Refund(refund_id="r", amount=Money(1), reason="x", created_at=T0, settled_at=T0)


# --- every legal path, step by step ------------------------------------------------------------

VALID_CALLS: dict[str, Callable[[Booking, datetime], None]] = {
    "confirm": lambda b, now: b.confirm("pay1", booking_code_from(7), now),
    "fail_payment": lambda b, now: b.fail_payment("declined", now),
    "mark_payment_unknown": lambda b, now: b.mark_payment_unknown(now, payment_id="pay1"),
    "expire": lambda b, now: b.expire(now),
    "fail_and_refund": lambda b, now: b.fail_and_refund(
        refund(b.amount.amount, "rf"), now, payment_id="pay1"
    ),
    "cancel": lambda b, now: b.cancel(
        refund(b.refundable.amount, "rc"), now, CancelReason.SHOW_CANCELLED
    ),
    "settle_refund": lambda b, now: b.settle_refund(b.refunds[-1].refund_id, now),
    "check_in": lambda b, now: b.check_in(now),
}


def _legal_paths(
    status: str = "pending_payment", path: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    """Every maximal sequence of calls the independent table allows (a self-loop taken once)."""
    steps = [m for m, moves in LEGAL.items() if status in moves]
    steps = [m for m in steps if not (LEGAL[m][status] == status and m in path)]
    if not steps:
        return [path]
    return [p for m in steps for p in _legal_paths(LEGAL[m][status], (*path, m))]


@pytest.mark.parametrize("path", _legal_paths(), ids="-".join)
def test_every_legal_path_is_accepted(path: tuple[str, ...]) -> None:
    """Each path of the table runs to its end, one event of the right type per step."""
    booking = new_booking()
    status = "pending_payment"
    now = T0 + timedelta(hours=1)
    for method in path:
        VALID_CALLS[method](booking, now)
        status = LEGAL[method][status]
        assert booking.status == status
        [event] = booking.pull_events()
        assert type(event) is EVENT_OF[method]
    assert booking.is_terminal == (status in FINAL)


def test_legal_paths_cover_every_transition() -> None:
    """The enumerated paths take every (method, from-status) pair of the table."""
    taken: set[tuple[str, str]] = set()
    for path in _legal_paths():
        status = "pending_payment"
        for method in path:
            taken.add((method, status))
            status = LEGAL[method][status]
    assert taken == {(m, f) for m, moves in LEGAL.items() for f in moves}


# --- the state machine, against the independent table ------------------------------------------


class BookingMachine(RuleBasedStateMachine):
    """Random sequences of calls; a model decides which must succeed and which must be refused."""

    def __init__(self) -> None:
        super().__init__()
        self.booking = new_booking()
        self.now = T0
        self.status = "pending_payment"
        self.payment_id: str | None = None
        self.refunds: dict[str, tuple[int, bool]] = {}
        self.next_refund = 0

    @initialize(booking=pending_bookings())
    def start(self, booking: Booking) -> None:
        booking.pull_events()
        self.booking = booking
        self.now = booking.created_at

    # -- the model's view ----------------------------------------------------------------------

    @property
    def paid(self) -> int:
        return self.booking.amount.amount if self.status in PAID else 0

    @property
    def committed(self) -> int:
        return sum(amount for amount, _ in self.refunds.values())

    def _new_refund(self, amount: int) -> Refund:
        self.next_refund += 1
        return Refund(
            refund_id=f"r{self.next_refund}",
            amount=Money(amount),
            reason="model",
            created_at=self.now,
        )

    def _apply(
        self,
        method: str,
        call: Callable[[], None],
        refusal: type[Exception] | None = None,
        *,
        argument_error: type[Exception] | None = None,
    ) -> bool:
        """Call; check it was accepted or refused exactly as the model says.  True if accepted."""
        target = LEGAL[method].get(self.status)
        expected: type[Exception] | None
        if argument_error is not None:
            expected = argument_error
        elif target is None:
            expected = (
                AlreadyCheckedIn
                if (method, self.status) == ("check_in", "checked_in")
                else IllegalTransition
            )
        else:
            expected = refusal
        state, events = state_of(self.booking), list(self.booking.events)
        if expected is not None:
            with pytest.raises(expected) as info:
                call()
            assert type(info.value) is expected
            assert state_of(self.booking) == state
            assert self.booking.events == events
            return False
        call()
        assert target is not None
        assert self.booking.status == target
        [event] = self.booking.events[len(events) :]
        assert type(event) is EVENT_OF[method]
        assert isinstance(event, ev.BookingEvent)
        assert (event.booking_id, event.occurred_at) == (self.booking.booking_id, self.now)
        event_label(f"{method}: {self.status} -> {target}")
        self.status = target
        return True

    # -- rules -----------------------------------------------------------------------------------

    @rule(delta=st.timedeltas(timedelta(0), timedelta(minutes=90)))
    def tick(self, delta: timedelta) -> None:
        self.now += delta

    @rule(
        payment=st.sampled_from(["pay1", "pay2"]),
        n=booking_code_numbers(),
        typo=st.sampled_from([False, False, False, True]),
    )
    def confirm(self, payment: str, n: int, typo: bool) -> None:
        code = booking_code_from(n)
        if typo:
            code = code[:-1] + ("0" if code[-1] != "0" else "1")
        refusal = InvalidInput if self.payment_id not in (None, payment) else None
        if self._apply(
            "confirm",
            lambda: self.booking.confirm(payment, code, self.now),
            refusal,
            argument_error=InvalidBookingCode if typo else None,
        ):
            self.payment_id = payment
            assert self.booking.booking_code == code

    @rule(reason=st.sampled_from(["declined", "abandoned"]))
    def fail_payment(self, reason: str) -> None:
        self._apply("fail_payment", lambda: self.booking.fail_payment(reason, self.now))

    @rule(payment=st.none() | st.sampled_from(["pay1", "pay2"]))
    def mark_payment_unknown(self, payment: str | None) -> None:
        if self._apply(
            "mark_payment_unknown",
            lambda: self.booking.mark_payment_unknown(self.now, payment_id=payment),
        ):
            self.payment_id = payment

    @rule()
    def expire(self) -> None:
        refusal = BookingNotExpired if self.now < self.booking.payment_due_at else None
        self._apply("expire", lambda: self.booking.expire(self.now), refusal)

    @rule(data=st.data(), payment=st.sampled_from(["pay1", None, "pay2"]))
    def fail_and_refund(self, data: st.DataObject, payment: str | None) -> None:
        amount = self.booking.amount.amount
        requested = data.draw(st.sampled_from([amount, amount, amount + 1, max(amount - 1, 0)]))
        new = self._new_refund(requested)
        refusal: type[Exception] | None = None
        known = payment if payment is not None else self.payment_id
        if known is None or (payment is not None and self.payment_id not in (None, payment)):
            refusal = InvalidInput
        elif requested > amount:
            refusal = RefundExceedsPayment
        elif requested < amount:
            refusal = InvalidInput
        if self._apply(
            "fail_and_refund",
            lambda: self.booking.fail_and_refund(new, self.now, payment_id=payment),
            refusal,
        ):
            self.payment_id = self.payment_id or payment
            self.refunds[new.refund_id] = (requested, False)

    @rule(data=st.data(), reason=st.sampled_from(list(CancelReason)))
    def cancel(self, data: st.DataObject, reason: CancelReason) -> None:
        remaining = self.paid - self.committed
        requested = data.draw(
            st.sampled_from([remaining, remaining, remaining + 1, 0])
            | st.integers(0, self.booking.amount.amount + 100)
        )
        new = self._new_refund(requested)
        refusal: type[Exception] | None = None
        if self.status == "checked_in" and reason is not CancelReason.SHOW_CANCELLED:
            refusal = IllegalTransition
        elif reason is CancelReason.USER_REQUEST and self.booking.non_cancellable:
            refusal = BookingNotCancellable
        elif requested > remaining:
            refusal = RefundExceedsPayment
        elif reason is CancelReason.SHOW_CANCELLED and requested != remaining:
            refusal = InvalidInput
        if self._apply("cancel", lambda: self.booking.cancel(new, self.now, reason), refusal):
            self.refunds[new.refund_id] = (requested, False)

    @rule(data=st.data())
    def settle_refund(self, data: st.DataObject) -> None:
        refund_id = data.draw(st.sampled_from([*sorted(self.refunds), "unknown"]))
        refusal: type[Exception] | None = None
        if refund_id not in self.refunds:
            refusal = RefundNotFound
        elif self.refunds[refund_id][1]:
            refusal = RefundAlreadySettled
        accepted = self._apply(
            "settle_refund", lambda: self.booking.settle_refund(refund_id, self.now), refusal
        )
        if accepted:
            self.refunds[refund_id] = (self.refunds[refund_id][0], True)

    @rule()
    def check_in(self) -> None:
        self._apply("check_in", lambda: self.booking.check_in(self.now))

    # -- invariants --------------------------------------------------------------------------------

    @invariant()
    def status_matches_the_model(self) -> None:
        assert self.booking.status == self.status
        assert self.booking.is_terminal == (self.status in FINAL)

    @invariant()
    def refunds_never_exceed_the_payment(self) -> None:
        b = self.booking
        assert b.amount_paid == Money(self.paid)
        assert b.amount_refunded + b.amount_refund_pending <= b.amount_paid
        assert b.refundable >= Money.zero()
        assert b.amount_refunded == Money(sum(a for a, done in self.refunds.values() if done))

    @invariant()
    def confirmed_bookings_carry_a_valid_code(self) -> None:
        if self.status in {"confirmed", "cancelled", "refunded", "checked_in"}:
            assert self.booking.booking_code is not None
            parse_booking_code(self.booking.booking_code)
        else:
            assert self.booking.booking_code is None


BookingMachine.TestCase.settings = settings(stateful_step_count=30)
TestBookingMachine = BookingMachine.TestCase
TestBookingMachine.__doc__ = (
    "Only legal transitions are accepted; each records one event; refunds stay within payment."
)


# --- booking codes ---------------------------------------------------------------------------


@given(booking_code_numbers())
def test_booking_code_round_trips(n: int) -> None:
    """parse_booking_code(booking_code_from(n)) == n, for codes of 8 alphabet characters."""
    code = booking_code_from(n)
    assert len(code) == 8
    assert set(code) <= set(BOOKING_CODE_ALPHABET)
    assert parse_booking_code(code) == n


@given(booking_code_numbers(), booking_code_numbers())
def test_distinct_numbers_give_distinct_codes(a: int, b: int) -> None:
    """Two different numbers never share a code."""
    assert (booking_code_from(a) == booking_code_from(b)) == (a == b)


@given(booking_code_numbers(), st.data())
def test_code_reading_is_case_and_dash_tolerant(n: int, data: st.DataObject) -> None:
    """Lower case, dashes anywhere and O/I/L for 0/1/1 read as the same code."""
    code = booking_code_from(n)
    variants = {"0": ["0", "O", "o"], "1": ["1", "I", "i", "L", "l"]}
    sloppy = "".join(
        data.draw(st.sampled_from(variants.get(ch, [ch, ch.lower()])))
        + data.draw(st.sampled_from(["", "-"]))
        for ch in code
    )
    assert parse_booking_code(f" {sloppy} ") == n
    assert normalize_booking_code(sloppy) == code


@given(booking_code_numbers(), st.integers(0, 7), st.sampled_from(BOOKING_CODE_ALPHABET))
def test_single_character_typo_is_detected(n: int, position: int, replacement: str) -> None:
    """Changing any one character of a code to another alphabet character is caught."""
    code = booking_code_from(n)
    if code[position] == replacement:
        return
    typo = code[:position] + replacement + code[position + 1 :]
    with pytest.raises(InvalidBookingCode) as info:
        parse_booking_code(typo)
    assert info.value.code == "invalid_booking_code"
    assert info.value.field == "booking_code"


@pytest.mark.parametrize("text", ["", "ABC", "ABCDEFGHJ", "ABCDEFGU", "ABCD EFG", "ÄBCDEFGH"])
def test_malformed_codes_are_refused(text: str) -> None:
    """Wrong lengths and characters outside the alphabet raise InvalidBookingCode."""
    with pytest.raises(InvalidBookingCode):
        parse_booking_code(text)


@pytest.mark.parametrize("n", [-1, BOOKING_CODE_SPACE, True])
def test_out_of_range_numbers_are_refused(n: int) -> None:
    """booking_code_from refuses numbers outside [0, BOOKING_CODE_SPACE) and bools."""
    with pytest.raises(InvalidInput) as info:
        booking_code_from(n)
    assert info.value.field == "n"


def test_alphabet_has_no_ambiguous_letters() -> None:
    """The code alphabet is 32 symbols and excludes I, L, O and U."""
    assert len(set(BOOKING_CODE_ALPHABET)) == 32
    assert not set("ILOU") & set(BOOKING_CODE_ALPHABET)


@given(aware_datetimes())
def test_confirm_refuses_a_mistyped_code(now: datetime) -> None:
    """Confirming with a code whose check character is wrong raises and leaves it pending."""
    booking = new_booking()
    code = booking_code_from(5)
    bad = code[:3] + ("A" if code[3] != "A" else "B") + code[4:]
    with pytest.raises(InvalidBookingCode):
        booking.confirm("pay1", bad, now)
    assert booking.status is BookingStatus.PENDING_PAYMENT
    assert booking.events == []


# --- price breakdowns and refund retries ------------------------------------------------------


def _breakdown(seat: str, base: int) -> TicketBreakdown:
    """A ticket of ``base`` paise with 18% GST and no fee or discount."""
    gst = Money(base * 18 // 100)
    return TicketBreakdown(
        seat=seat,
        category="gold",
        base=Money(base),
        surge=Money(0),
        discount=Money(0),
        fee=Money(0),
        gst_rate=Fraction(18, 100),
        gst=gst,
        fee_gst_rate=Fraction(18, 100),
        fee_gst=Money(0),
    )


def test_tickets_are_kept_when_they_match_the_seats_and_amount() -> None:
    """A booking keeps one breakdown per seat when their totals add up to its amount."""
    tickets = (_breakdown("A1", 20_000), _breakdown("A2", 30_000))
    booking = new_booking(amount=59_000)
    rebuilt = attrs.evolve(booking, tickets=tickets)
    assert rebuilt.tickets == tickets


@pytest.mark.parametrize(
    "tickets",
    [
        (_breakdown("A1", 20_000),),
        (_breakdown("A1", 20_000), _breakdown("A3", 30_000)),
        (_breakdown("A1", 20_000), _breakdown("A2", 20_000)),
    ],
    ids=["missing-seat", "foreign-seat", "wrong-total"],
)
def test_tickets_that_disagree_with_the_booking_are_refused(
    tickets: tuple[TicketBreakdown, ...],
) -> None:
    """Breakdowns must cover exactly the booked seats and add up to the amount."""
    booking = new_booking(amount=59_000)
    with pytest.raises(InvalidInput) as info:
        attrs.evolve(booking, tickets=tickets)
    assert info.value.field == "tickets"


def test_a_refused_refund_gets_a_new_gateway_key_and_an_event() -> None:
    """retry_refund bumps the attempt (so the key), records one event, and keeps the amount."""
    booking = confirmed()
    booking.cancel(refund(10_000, "rc"), T0, CancelReason.OPERATOR)
    booking.pull_events()
    first_key = booking.refunds[-1].gateway_key
    retried = booking.retry_refund("rc", "card_closed", T0)
    assert retried.attempt == 2
    assert retried.gateway_key != first_key
    assert booking.refunds[-1] == retried
    assert retried.amount == Money(10_000)
    [event] = booking.pull_events()
    assert isinstance(event, ev.BookingRefundFailed)
    assert (event.attempt, event.failure_code) == (1, "card_closed")


def test_retrying_a_settled_or_unknown_refund_is_refused() -> None:
    """Only an open refund of a cancelled or failed booking can be retried."""
    booking = confirmed()
    with pytest.raises(IllegalTransition):
        booking.retry_refund("rc", "x", T0)
    booking.cancel(refund(10_000, "rc"), T0, CancelReason.OPERATOR)
    with pytest.raises(RefundNotFound):
        booking.retry_refund("nope", "x", T0)
    booking.settle_refund("rc", T0)
    before = booking.refunds
    with pytest.raises((RefundAlreadySettled, IllegalTransition)):
        booking.retry_refund("rc", "x", T0)
    assert booking.refunds == before


def test_money_captured_after_expiry_is_refunded_in_full() -> None:
    """An expired booking whose payment landed anyway moves to FAILED_REFUNDED."""
    booking = new_booking()
    booking.expire(T0 + timedelta(hours=1))
    booking.fail_and_refund(refund(booking.amount.amount), T0 + timedelta(hours=1), "pay1")
    assert booking.status is BookingStatus.FAILED_REFUNDED
    assert booking.refundable == Money(0)


@given(st.integers(min_value=1, max_value=50))
def test_gateway_keys_of_successive_attempts_are_distinct(attempts: int) -> None:
    """Every attempt of a refund is sent under a key no earlier attempt used."""
    keys = {
        Refund(refund_id="r", amount=Money(1), reason="x", created_at=T0, attempt=n).gateway_key
        for n in range(1, attempts + 1)
    }
    assert len(keys) == attempts
