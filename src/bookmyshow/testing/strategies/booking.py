"""Hypothesis strategies for bookings, refunds, booking codes and domain events.

Adapter authors use :func:`pending_bookings` to fill a booking repository and
:func:`domain_events` to prove that an event serialiser round-trips every registered event.
"""

from __future__ import annotations

import typing
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs
from hypothesis import strategies as st

from bookmyshow.domain.booking import (
    BOOKING_CODE_SPACE,
    Booking,
    BookingLine,
    Refund,
)
from bookmyshow.domain.events import EVENT_TYPES, DomainEvent
from bookmyshow.domain.money import Money

__all__ = [
    "aware_datetimes",
    "booking_code_numbers",
    "domain_events",
    "events_of",
    "identifiers",
    "money",
    "pending_bookings",
    "refunds",
    "seat_labels",
    "seat_sets",
]

_IST = timezone(timedelta(hours=5, minutes=30), "IST")


def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes between 2020 and 2040, in UTC or India Standard Time."""
    return st.datetimes(
        min_value=datetime(2020, 1, 1),
        max_value=datetime(2040, 1, 1),
        timezones=st.sampled_from([UTC, _IST]),
    )


def identifiers() -> st.SearchStrategy[str]:
    """Short non-empty ids such as ``"b3f0"``."""
    return st.text(alphabet="abcdef0123456789-", min_size=1, max_size=12)


def money(max_paise: int = 5_000_00, currency: str = "INR") -> st.SearchStrategy[Money]:
    """Non-negative amounts up to ``max_paise`` minor units."""
    return st.builds(Money, st.integers(0, max_paise), st.just(currency))


def seat_labels() -> st.SearchStrategy[str]:
    """Seat labels such as ``"C7"``."""
    return st.builds(
        lambda row, number: f"{row}{number}", st.sampled_from("ABCDEFGHJK"), st.integers(1, 30)
    )


def seat_sets(min_size: int = 1, max_size: int = 10) -> st.SearchStrategy[frozenset[str]]:
    """Non-empty sets of seat labels."""
    return st.frozensets(seat_labels(), min_size=min_size, max_size=max_size)


def booking_code_numbers() -> st.SearchStrategy[int]:
    """Integers a booking code can be made from."""
    return st.integers(0, BOOKING_CODE_SPACE - 1)


@st.composite
def _pending_booking(
    draw: st.DrawFn, non_cancellable: st.SearchStrategy[bool], max_paise_per_seat: int
) -> Booking:
    seats = draw(seat_sets())
    lines = [
        BookingLine(kind="ticket", seat=seat, amount=draw(money(max_paise_per_seat)))
        for seat in sorted(seats)
    ]
    if draw(st.booleans()):
        lines.append(BookingLine(kind="fee", amount=draw(money(10_000))))
    amount = Money.zero()
    for line in lines:
        amount = amount + line.amount
    created_at = draw(aware_datetimes())
    return Booking.create(
        booking_id=draw(identifiers()),
        user_id=draw(identifiers()),
        show_id=draw(identifiers()),
        hold_id=draw(identifiers()),
        seats=seats,
        fencing_token=draw(st.integers(1, 10_000)),
        amount=amount,
        lines=lines,
        coupon_code=draw(st.none() | st.sampled_from(["FIRST50", "WEEKEND"])),
        non_cancellable=draw(non_cancellable),
        idempotency_key=draw(identifiers()),
        created_at=created_at,
        payment_due_at=created_at + draw(st.timedeltas(timedelta(minutes=1), timedelta(hours=1))),
    )


def pending_bookings(
    non_cancellable: st.SearchStrategy[bool] | None = None, max_paise_per_seat: int = 1_000_00
) -> st.SearchStrategy[Booking]:
    """New bookings awaiting payment, each with its BookingCreated event still pending.

    The quote has a ticket line per seat and sometimes a fee line; ``amount`` is their sum.
    """
    return _pending_booking(
        non_cancellable if non_cancellable is not None else st.booleans(), max_paise_per_seat
    )


@st.composite
def _refund(draw: st.DrawFn, max_amount: Money) -> Refund:
    return Refund(
        refund_id=draw(identifiers()),
        amount=Money(draw(st.integers(0, max_amount.amount)), max_amount.currency),
        reason=draw(st.sampled_from(["customer cancelled", "show cancelled", "seats lost"])),
        created_at=draw(aware_datetimes()),
    )


def refunds(max_amount: Money) -> st.SearchStrategy[Refund]:
    """Requested refunds of at most ``max_amount``."""
    return _refund(max_amount)


def _for_type(tp: Any) -> st.SearchStrategy[Any]:
    if tp is str:
        return identifiers()
    if tp is int:
        return st.integers(1, 10)
    if tp is Money:
        return money()
    if tp is datetime:
        return aware_datetimes()
    if tp == frozenset[str]:
        return seat_sets(min_size=0)
    if tp == (str | None):
        return st.none() | identifiers()
    return st.from_type(tp)


def events_of(cls: type[DomainEvent]) -> st.SearchStrategy[DomainEvent]:
    """Instances of the event class ``cls`` with every field drawn from a fitting strategy."""
    hints = typing.get_type_hints(cls)
    kwargs = {a.name: _for_type(hints[a.name]) for a in attrs.fields(cls)}
    return st.builds(cls, **kwargs)


def domain_events() -> st.SearchStrategy[DomainEvent]:
    """Any registered domain event (see :data:`bookmyshow.domain.events.EVENT_TYPES`)."""
    return st.sampled_from(sorted(EVENT_TYPES)).flatmap(lambda name: events_of(EVENT_TYPES[name]))
