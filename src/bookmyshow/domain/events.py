"""Domain events: facts that happened, as plain frozen values.

An aggregate records an event for every state change it makes (``Booking.events``); the service
that saved the aggregate hands the events to the event publisher port after the unit of work
commits.  Events hold only plain values — ids as ``str``, :class:`~bookmyshow.domain.money.Money`,
timezone-aware datetimes, ``frozenset[str]`` of seat labels — so that every serialiser can write
them without knowing the aggregates.

Every concrete event class has a stable dotted ``name`` (``"booking.confirmed"``) that never changes
between releases; :data:`EVENT_TYPES` maps each name to its class, and :func:`event_type` looks one
up.  The hold that lapsed is :class:`HoldLapsed`, not ``HoldExpired``, which is the *error* of
:mod:`bookmyshow.domain.holds`.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar

import attrs
from attrs import Attribute, define, field, frozen

from bookmyshow.domain.errors import DomainError, InvalidInput
from bookmyshow.domain.holds import require_aware, seat_set
from bookmyshow.domain.money import Money
from bookmyshow.domain.validation import (
    label_set,
    require_instance,
    require_optional_text,
    require_text,
)

__all__ = [
    "EVENT_TYPES",
    "BookingCancelled",
    "BookingCheckedIn",
    "BookingConfirmed",
    "BookingCreated",
    "BookingEvent",
    "BookingExpired",
    "BookingFailedRefunded",
    "BookingPaymentFailed",
    "BookingPaymentUnknown",
    "BookingRefundFailed",
    "BookingRefunded",
    "DomainEvent",
    "HoldLapsed",
    "MovieAdded",
    "MovieChanged",
    "MovieRetired",
    "ReviewAdded",
    "ReviewEdited",
    "ReviewRemoved",
    "ScreenAdded",
    "SeatsHeld",
    "SeatsReleased",
    "SeatsReturned",
    "ShowCancelled",
    "ShowScheduled",
    "TheaterAdded",
    "TheaterChanged",
    "UnknownEventType",
    "event_type",
]


def _name_set(values: Iterable[str]) -> frozenset[str]:
    return label_set(values, "changed")


def _aware(_instance: object, attribute: Attribute[Any], value: datetime) -> None:
    require_aware(value, attribute.name)


@define(auto_exc=True, kw_only=True)
class UnknownEventType(DomainError):
    """No event class is registered under ``name``."""

    code: ClassVar[str] = "unknown_event_type"
    name: str


def _text(value: object, name: str) -> None:
    if not isinstance(value, str):
        raise InvalidInput(field=name, reason="must be a string")


def _optional_text(value: object, name: str) -> None:
    if value is not None:
        _text(value, name)


def _integer(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field=name, reason="must be an integer")


def _money(value: object, name: str) -> None:
    require_instance(value, Money, name)


def _unchecked(_value: object, _name: str) -> None:
    """Fields checked by their own validator or converter (datetimes, seat sets)."""


# Identifiers and codes must be non-empty; free text (a title, a reason) may be anything textual.
_NONEMPTY = ("_id", "booking_code", "title")


def _check_for(name: str, hint: object) -> Callable[[object, str], object]:
    nonempty = name.endswith(_NONEMPTY)
    if hint is str:
        return require_text if nonempty else _text
    if hint == (str | None):
        return require_optional_text if nonempty else _optional_text
    if hint is int:
        return _integer
    if hint is Money:
        return _money
    return _unchecked


_Checks = tuple[tuple[str, Callable[[object, str], object]], ...]
_CHECKS: dict[type, _Checks] = {}


def _field_checks(cls: type[DomainEvent]) -> _Checks:
    # Resolved once per class: the annotations are strings (``from __future__ import annotations``).
    checks = _CHECKS.get(cls)
    if checks is None:
        hints = typing.get_type_hints(cls)
        checks = tuple((a.name, _check_for(a.name, hints[a.name])) for a in attrs.fields(cls))
        _CHECKS[cls] = checks
    return checks


@frozen(kw_only=True)
class DomainEvent:
    """Base of every event: when it happened, and the class-level stable ``name``.

    Events are rebuilt from outboxes and message payloads, so construction checks every field
    by its type and raises :class:`~bookmyshow.domain.errors.InvalidInput` for a naive datetime,
    an empty or non-string id, a non-string text, a non-int count, a non-Money amount or a seat
    set that is not a collection of labels.
    """

    name: ClassVar[str]
    occurred_at: datetime = field(validator=_aware)

    def __attrs_post_init__(self) -> None:
        for name, check in _field_checks(type(self)):
            check(getattr(self, name), name)


# --- catalog ---------------------------------------------------------------------------------


@frozen(kw_only=True)
class MovieAdded(DomainEvent):
    """A movie entered the catalog."""

    name: ClassVar[str] = "movie.added"
    movie_id: str
    title: str


@frozen(kw_only=True)
class MovieChanged(DomainEvent):
    """A movie's details changed; ``changed`` names the fields that did."""

    name: ClassVar[str] = "movie.changed"
    movie_id: str
    changed: frozenset[str] = field(converter=_name_set)


@frozen(kw_only=True)
class MovieRetired(DomainEvent):
    """A movie left the catalog; no new show may be scheduled for it."""

    name: ClassVar[str] = "movie.retired"
    movie_id: str


@frozen(kw_only=True)
class TheaterAdded(DomainEvent):
    """A theater opened in city ``city_id``."""

    name: ClassVar[str] = "theater.added"
    theater_id: str
    city_id: str


@frozen(kw_only=True)
class TheaterChanged(DomainEvent):
    """A theater's details changed; ``changed`` names the fields that did.

    ``city_id`` is the theater's city (a theater stays in its city).
    """

    name: ClassVar[str] = "theater.changed"
    theater_id: str
    city_id: str
    changed: frozenset[str] = field(converter=_name_set)


@frozen(kw_only=True)
class ScreenAdded(DomainEvent):
    """A screen was added to theater ``theater_id``."""

    name: ClassVar[str] = "screen.added"
    screen_id: str
    theater_id: str


@frozen(kw_only=True)
class ShowScheduled(DomainEvent):
    """A show of ``movie_id`` was scheduled on a screen of a theater."""

    name: ClassVar[str] = "show.scheduled"
    show_id: str
    movie_id: str
    theater_id: str
    screen_id: str
    starts_at: datetime = field(validator=_aware)


@frozen(kw_only=True)
class ShowCancelled(DomainEvent):
    """The theater cancelled a show; its confirmed bookings are cancelled with a full refund."""

    name: ClassVar[str] = "show.cancelled"
    show_id: str
    reason: str = ""


# --- holds and seats -------------------------------------------------------------------------


@frozen(kw_only=True)
class SeatsHeld(DomainEvent):
    """A hold on ``seats`` was granted to ``owner_id`` until ``expires_at``."""

    name: ClassVar[str] = "seats.held"
    show_id: str
    hold_id: str
    owner_id: str
    seats: frozenset[str] = field(converter=seat_set)
    expires_at: datetime = field(validator=_aware)


@frozen(kw_only=True)
class SeatsReleased(DomainEvent):
    """The owner released a hold; its seats are available again."""

    name: ClassVar[str] = "seats.released"
    show_id: str
    hold_id: str
    owner_id: str
    seats: frozenset[str] = field(converter=seat_set)


@frozen(kw_only=True)
class HoldLapsed(DomainEvent):
    """A hold passed its expiry unbought and was cleaned up (not the error ``HoldExpired``)."""

    name: ClassVar[str] = "hold.lapsed"
    show_id: str
    hold_id: str
    owner_id: str
    seats: frozenset[str] = field(converter=seat_set)
    expired_at: datetime = field(validator=_aware)


@frozen(kw_only=True)
class SeatsReturned(DomainEvent):
    """Seats sold to a booking went back on sale (the booking was cancelled)."""

    name: ClassVar[str] = "seats.returned"
    show_id: str
    booking_id: str
    seats: frozenset[str] = field(converter=seat_set)


# --- bookings --------------------------------------------------------------------------------


@frozen(kw_only=True)
class BookingEvent(DomainEvent):
    """Base of the booking events: which booking, whose, for which show.  Not registered."""

    booking_id: str
    user_id: str
    show_id: str


@frozen(kw_only=True)
class BookingCreated(BookingEvent):
    """A booking was opened on a hold and awaits payment until ``payment_due_at``."""

    name: ClassVar[str] = "booking.created"
    hold_id: str
    seats: frozenset[str] = field(converter=seat_set)
    amount: Money
    payment_due_at: datetime = field(validator=_aware)


@frozen(kw_only=True)
class BookingConfirmed(BookingEvent):
    """Payment succeeded and the seats were sold: the booking has a ``booking_code``."""

    name: ClassVar[str] = "booking.confirmed"
    seats: frozenset[str] = field(converter=seat_set)
    amount: Money
    payment_id: str
    booking_code: str


@frozen(kw_only=True)
class BookingPaymentFailed(BookingEvent):
    """The payment was declined or abandoned; nothing was charged."""

    name: ClassVar[str] = "booking.payment_failed"
    reason: str


@frozen(kw_only=True)
class BookingPaymentUnknown(BookingEvent):
    """The gateway's answer was lost; reconciliation will settle the outcome later."""

    name: ClassVar[str] = "booking.payment_unknown"
    payment_id: str | None = None


@frozen(kw_only=True)
class BookingExpired(BookingEvent):
    """No payment arrived before the payment deadline; the hold's seats may be released."""

    name: ClassVar[str] = "booking.expired"
    hold_id: str
    seats: frozenset[str] = field(converter=seat_set)


@frozen(kw_only=True)
class BookingFailedRefunded(BookingEvent):
    """Payment succeeded but the seats were lost, so the whole amount is being refunded."""

    name: ClassVar[str] = "booking.failed_refunded"
    payment_id: str
    refund_id: str
    refund_amount: Money


@frozen(kw_only=True)
class BookingCancelled(BookingEvent):
    """A confirmed booking was cancelled; its seats return to sale and ``refund_amount`` is due.

    ``reason`` is a :class:`~bookmyshow.domain.booking.CancelReason` value as a plain string.
    """

    name: ClassVar[str] = "booking.cancelled"
    seats: frozenset[str] = field(converter=seat_set)
    refund_id: str
    refund_amount: Money
    reason: str


@frozen(kw_only=True)
class BookingRefunded(BookingEvent):
    """A refund of the booking settled at the gateway (the money is back with the customer)."""

    name: ClassVar[str] = "booking.refunded"
    refund_id: str
    amount: Money


@frozen(kw_only=True)
class BookingRefundFailed(BookingEvent):
    """The gateway refused attempt ``attempt`` of refund ``refund_id``; it will be retried."""

    name: ClassVar[str] = "booking.refund_failed"
    refund_id: str
    attempt: int
    failure_code: str


@frozen(kw_only=True)
class BookingCheckedIn(BookingEvent):
    """The booking was admitted at the theater."""

    name: ClassVar[str] = "booking.checked_in"
    seats: frozenset[str] = field(converter=seat_set)


# --- reviews ---------------------------------------------------------------------------------


@frozen(kw_only=True)
class ReviewAdded(DomainEvent):
    """A user reviewed a movie with ``rating``."""

    name: ClassVar[str] = "review.added"
    review_id: str
    movie_id: str
    user_id: str
    rating: int


@frozen(kw_only=True)
class ReviewEdited(DomainEvent):
    """A user changed their review; ``rating`` is the new rating."""

    name: ClassVar[str] = "review.edited"
    review_id: str
    movie_id: str
    user_id: str
    rating: int


@frozen(kw_only=True)
class ReviewRemoved(DomainEvent):
    """A review was removed (by its author or a moderator)."""

    name: ClassVar[str] = "review.removed"
    review_id: str
    movie_id: str
    user_id: str


_EVENT_CLASSES: tuple[type[DomainEvent], ...] = (
    MovieAdded,
    MovieChanged,
    MovieRetired,
    TheaterAdded,
    TheaterChanged,
    ScreenAdded,
    ShowScheduled,
    ShowCancelled,
    SeatsHeld,
    SeatsReleased,
    HoldLapsed,
    SeatsReturned,
    BookingCreated,
    BookingConfirmed,
    BookingPaymentFailed,
    BookingPaymentUnknown,
    BookingExpired,
    BookingFailedRefunded,
    BookingCancelled,
    BookingRefunded,
    BookingRefundFailed,
    BookingCheckedIn,
    ReviewAdded,
    ReviewEdited,
    ReviewRemoved,
)

EVENT_TYPES: Mapping[str, type[DomainEvent]] = MappingProxyType(
    {cls.name: cls for cls in _EVENT_CLASSES}
)
"""Every concrete event class by its stable ``name`` (read-only)."""


def event_type(name: str) -> type[DomainEvent]:
    """The event class registered as ``name``; raises :class:`UnknownEventType` if none is."""
    if not isinstance(name, str):
        raise InvalidInput(field="name", reason="an event name is a string")
    try:
        return EVENT_TYPES[name]
    except KeyError:
        raise UnknownEventType(name=name) from None
