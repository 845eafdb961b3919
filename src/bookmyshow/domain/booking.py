"""The booking aggregate and its state machine, and human-readable booking codes.

A booking is opened on a hold (``PENDING_PAYMENT``) and then follows exactly the transitions in
:data:`TRANSITIONS`::

    PENDING_PAYMENT → CONFIRMED | PAYMENT_FAILED | PAYMENT_UNKNOWN | EXPIRED | FAILED_REFUNDED
    PAYMENT_UNKNOWN → CONFIRMED | PAYMENT_FAILED | FAILED_REFUNDED
    EXPIRED         → FAILED_REFUNDED
    PAYMENT_FAILED  → FAILED_REFUNDED
    CONFIRMED       → CANCELLED | CHECKED_IN
    CHECKED_IN      → CANCELLED   (only when the theater cancels the show)
    CANCELLED       → REFUNDED

``PENDING_PAYMENT → FAILED_REFUNDED`` is allowed directly: the payment succeeds *before* the seats
are sold (the sale presents the hold's fencing token), so "paid but the sale failed" happens while
the booking is still pending; there is no separate "paid" state to pass through.
``EXPIRED → FAILED_REFUNDED`` and ``PAYMENT_FAILED → FAILED_REFUNDED`` cover money captured for a
booking that had expired, or been judged unpaid, meanwhile (a charge that reached the gateway
late): it is recorded and returned, never kept.

Every method validates everything before it changes anything (a refused call leaves the booking as
it was) and each accepted call records exactly one domain event in :attr:`Booking.events`.  A call
the current status does not allow raises :class:`IllegalTransition` (or one of its subclasses
:class:`AlreadyCheckedIn`, :class:`BookingNotExpired`).  The methods are pure: time, ids, the
payment outcome and the booking-code number all come in as arguments.

Booking codes (:func:`booking_code_from`, :func:`parse_booking_code`) are 8 characters of Crockford
base32 (no I, L, O or U): 7 carry a 35-bit number, scrambled by a fixed bijection so consecutive
numbers give unrelated-looking codes, and the 8th is a Luhn mod 32 check character, which catches
every single-character typo.  Distinct numbers give distinct codes; a code is an identifier to read
out at a counter, not a secret.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any, ClassVar, Final

from attrs import Attribute, Factory, define, evolve, field, frozen

from bookmyshow.domain.catalog import parse_enum
from bookmyshow.domain.errors import DomainError, InvalidInput
from bookmyshow.domain.events import (
    BookingCancelled,
    BookingCheckedIn,
    BookingConfirmed,
    BookingCreated,
    BookingExpired,
    BookingFailedRefunded,
    BookingPaymentFailed,
    BookingPaymentUnknown,
    BookingRefunded,
    BookingRefundFailed,
    DomainEvent,
)
from bookmyshow.domain.holds import require_aware, seat_set
from bookmyshow.domain.money import CurrencyMismatch, Money, total
from bookmyshow.domain.pricing import TicketBreakdown
from bookmyshow.domain.validation import (
    elapsed,
    instances,
    require_bool,
    require_instance,
    require_optional_text,
    require_text,
)

__all__ = [
    "BOOKING_CODE_ALPHABET",
    "BOOKING_CODE_SPACE",
    "LIVE_STATUSES",
    "PAID_STATUSES",
    "TERMINAL_STATUSES",
    "TICKETED_STATUSES",
    "TRANSITIONS",
    "AlreadyCheckedIn",
    "Booking",
    "BookingLine",
    "BookingNotCancellable",
    "BookingNotExpired",
    "BookingStatus",
    "CancelReason",
    "IllegalTransition",
    "InvalidBookingCode",
    "Refund",
    "RefundAlreadySettled",
    "RefundExceedsPayment",
    "RefundNotFound",
    "RefundStatus",
    "TicketNotAvailable",
    "booking_code_from",
    "normalize_booking_code",
    "parse_booking_code",
]


class BookingStatus(StrEnum):
    """Where a booking is in its life; see :data:`TRANSITIONS` for the legal moves."""

    PENDING_PAYMENT = "pending_payment"
    CONFIRMED = "confirmed"
    PAYMENT_FAILED = "payment_failed"
    PAYMENT_UNKNOWN = "payment_unknown"
    EXPIRED = "expired"
    FAILED_REFUNDED = "failed_refunded"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    CHECKED_IN = "checked_in"


class RefundStatus(StrEnum):
    """A refund is asked of the gateway (``REQUESTED``) and later settles (``SUCCEEDED``)."""

    REQUESTED = "requested"
    SUCCEEDED = "succeeded"


class CancelReason(StrEnum):
    """Why a confirmed booking is cancelled.

    ``USER_REQUEST`` is refused for a non-cancellable booking; ``SHOW_CANCELLED`` (the theater
    cancelled the show) requires a full refund and ignores the flag; ``OPERATOR`` (support staff)
    ignores the flag and accepts any refund up to what is refundable.
    """

    USER_REQUEST = "user_request"
    SHOW_CANCELLED = "show_cancelled"
    OPERATOR = "operator"


_S = BookingStatus
TRANSITIONS: Mapping[BookingStatus, frozenset[BookingStatus]] = MappingProxyType(
    {
        _S.PENDING_PAYMENT: frozenset(
            {_S.CONFIRMED, _S.PAYMENT_FAILED, _S.PAYMENT_UNKNOWN, _S.EXPIRED, _S.FAILED_REFUNDED}
        ),
        _S.PAYMENT_UNKNOWN: frozenset({_S.CONFIRMED, _S.PAYMENT_FAILED, _S.FAILED_REFUNDED}),
        _S.CONFIRMED: frozenset({_S.CANCELLED, _S.CHECKED_IN}),
        _S.CANCELLED: frozenset({_S.REFUNDED}),
        _S.PAYMENT_FAILED: frozenset({_S.FAILED_REFUNDED}),
        _S.EXPIRED: frozenset({_S.FAILED_REFUNDED}),
        _S.FAILED_REFUNDED: frozenset(),
        _S.REFUNDED: frozenset(),
        _S.CHECKED_IN: frozenset({_S.CANCELLED}),
    }
)
"""Each status and the statuses a booking may move to from it."""

TERMINAL_STATUSES: frozenset[BookingStatus] = frozenset(s for s, t in TRANSITIONS.items() if not t)
"""Statuses with no way out.  A ``FAILED_REFUNDED`` booking's refund may still settle."""

LIVE_STATUSES: frozenset[BookingStatus] = frozenset({_S.PENDING_PAYMENT, _S.PAYMENT_UNKNOWN})
"""Statuses of a booking whose payment is still open: it may yet be confirmed."""

PAID_STATUSES: frozenset[BookingStatus] = frozenset(
    {_S.CONFIRMED, _S.CANCELLED, _S.REFUNDED, _S.CHECKED_IN, _S.FAILED_REFUNDED}
)
"""Statuses in which the customer has paid the booking's ``amount``."""

TICKETED_STATUSES: frozenset[BookingStatus] = frozenset({_S.CONFIRMED, _S.CHECKED_IN})
"""Statuses in which the booking has an e-ticket: paid, seats sold, and not cancelled."""


# --- errors ----------------------------------------------------------------------------------


@define(auto_exc=True, kw_only=True)
class IllegalTransition(DomainError):
    """The booking's status does not allow moving from ``from_status`` to ``to_status``."""

    code: ClassVar[str] = "illegal_transition"
    booking_id: str
    from_status: BookingStatus
    to_status: BookingStatus


@define(auto_exc=True, kw_only=True)
class AlreadyCheckedIn(IllegalTransition):
    """The booking was already admitted, at ``checked_in_at``."""

    code: ClassVar[str] = "already_checked_in"
    checked_in_at: datetime | None


@define(auto_exc=True, kw_only=True)
class BookingNotExpired(IllegalTransition):
    """A pending booking may expire only once ``payment_due_at`` has passed."""

    code: ClassVar[str] = "booking_not_expired"
    payment_due_at: datetime


@define(auto_exc=True, kw_only=True)
class BookingNotCancellable(DomainError):
    """The booking was sold as non-cancellable, so its customer cannot cancel it."""

    code: ClassVar[str] = "booking_not_cancellable"
    booking_id: str


@define(auto_exc=True, kw_only=True)
class RefundExceedsPayment(DomainError):
    """Refunds would exceed what was paid: ``requested`` > ``refundable`` (minor units)."""

    code: ClassVar[str] = "refund_exceeds_payment"
    booking_id: str
    requested: int
    refundable: int
    currency: str


@define(auto_exc=True, kw_only=True)
class RefundNotFound(DomainError):
    """The booking has no refund with this id."""

    code: ClassVar[str] = "refund_not_found"
    booking_id: str
    refund_id: str


@define(auto_exc=True, kw_only=True)
class RefundAlreadySettled(DomainError):
    """The refund has already succeeded; settling it again is refused (callers may ignore it)."""

    code: ClassVar[str] = "refund_already_settled"
    booking_id: str
    refund_id: str


@define(auto_exc=True, kw_only=True)
class TicketNotAvailable(DomainError):
    """Only a confirmed or checked-in booking has an e-ticket; this one is ``status``."""

    code: ClassVar[str] = "ticket_not_available"
    booking_id: str
    status: str


@define(auto_exc=True, kw_only=True)
class InvalidBookingCode(InvalidInput):
    """The text is not a booking code: wrong length, a foreign character, or a bad check char."""

    code: ClassVar[str] = "invalid_booking_code"


# --- booking codes ---------------------------------------------------------------------------

BOOKING_CODE_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford base32: digits and capitals without I, L, O and U."""

_BASE: Final = 32
_DATA_LEN: Final = 7
_BITS: Final = 35
BOOKING_CODE_SPACE: Final = _BASE**_DATA_LEN
"""Booking codes are made from integers in ``range(BOOKING_CODE_SPACE)`` (2**35)."""

_MASK: Final = BOOKING_CODE_SPACE - 1
# Odd multipliers are invertible modulo a power of two; together with xor-shifts they make a
# fixed bijection of the 35-bit space, so sequence numbers do not show as sequential codes.
_XOR: Final = 0x2B5A6C3D1
_MUL_1: Final = 0x5DEECE66D
_MUL_2: Final = 0x2545F491
_INV_1: Final = pow(_MUL_1, -1, BOOKING_CODE_SPACE)
_INV_2: Final = pow(_MUL_2, -1, BOOKING_CODE_SPACE)
_SHIFT: Final = 17

_DECODE: Final[Mapping[str, int]] = MappingProxyType(
    {
        **{ch: i for i, ch in enumerate(BOOKING_CODE_ALPHABET)},
        # Crockford's reading rules: these letters are taken for the digits they resemble.
        "O": 0,
        "I": 1,
        "L": 1,
    }
)


def _unxorshift(value: int) -> int:
    result = value
    for _ in range(_BITS // _SHIFT + 1):
        result = value ^ (result >> _SHIFT)
    return result


def _scramble(n: int) -> int:
    x = ((n ^ _XOR) * _MUL_1) & _MASK
    x ^= x >> _SHIFT
    x = (x * _MUL_2) & _MASK
    return x ^ (x >> _SHIFT)


def _unscramble(x: int) -> int:
    x = (_unxorshift(x) * _INV_2) & _MASK
    return ((_unxorshift(x) * _INV_1) & _MASK) ^ _XOR


def _luhn_sum(digits: Iterable[int], *, double_first: bool) -> int:
    # Luhn mod N, walking from the right: doubling then adding the base-32 digits of the product
    # permutes 0..31, so any single changed character changes the sum modulo 32.
    total_ = 0
    double = double_first
    for d in reversed(list(digits)):
        addend = d * 2 if double else d
        total_ += addend // _BASE + addend % _BASE
        double = not double
    return total_ % _BASE


def booking_code_from(n: int) -> str:
    """The 8-character booking code for ``n`` (from the id generator or randomness, not here).

    Distinct ``n`` give distinct codes.  Raises :class:`InvalidInput` unless
    ``0 <= n < BOOKING_CODE_SPACE``.
    """
    if isinstance(n, bool) or not isinstance(n, int) or not 0 <= n < BOOKING_CODE_SPACE:
        raise InvalidInput(field="n", reason=f"must be an integer in [0, {BOOKING_CODE_SPACE})")
    x = _scramble(n)
    digits = [(x >> (5 * i)) & (_BASE - 1) for i in reversed(range(_DATA_LEN))]
    check = (-_luhn_sum(digits, double_first=True)) % _BASE
    return "".join(BOOKING_CODE_ALPHABET[d] for d in [*digits, check])


def parse_booking_code(code: str) -> int:
    """The number a booking code was made from; inverse of :func:`booking_code_from`.

    Case-insensitive; dashes and surrounding whitespace are ignored, and ``O``/``I``/``L`` read as
    ``0``/``1``/``1``.  Raises :class:`InvalidBookingCode` for a wrong length, a character outside
    the alphabet, or a check character that does not match (a typo).
    """
    if not isinstance(code, str):
        raise InvalidBookingCode(field="booking_code", reason="a booking code is text")
    cleaned = code.strip().replace("-", "").upper()
    if len(cleaned) != _DATA_LEN + 1:
        raise InvalidBookingCode(
            field="booking_code", reason=f"a booking code has {_DATA_LEN + 1} characters"
        )
    digits: list[int] = []
    for ch in cleaned:
        value = _DECODE.get(ch)
        if value is None:
            raise InvalidBookingCode(field="booking_code", reason=f"unexpected character {ch!r}")
        digits.append(value)
    if _luhn_sum(digits, double_first=False) != 0:
        raise InvalidBookingCode(field="booking_code", reason="check character does not match")
    x = 0
    for d in digits[:_DATA_LEN]:
        x = x * _BASE + d
    return _unscramble(x)


def normalize_booking_code(code: str) -> str:
    """The canonical form of a booking code (upper case, no dashes); raises like the parser."""
    return booking_code_from(parse_booking_code(code))


# --- values ----------------------------------------------------------------------------------


def _aware(_instance: object, attribute: Attribute[Any], value: datetime) -> None:
    require_aware(value, attribute.name)


def _optional_aware(_instance: object, attribute: Attribute[Any], value: datetime | None) -> None:
    if value is not None:
        require_aware(value, attribute.name)


@frozen(kw_only=True)
class BookingLine:
    """One line of the quote a booking was priced at: ``kind`` ("ticket", "fee", "tax",
    "discount", … — free-form, owned by the pricing rules), the ``seat`` it is for (if any) and
    its ``amount`` (negative for a discount).

    Raises :class:`InvalidInput` for an empty kind or seat label, or an amount that is not Money.
    """

    kind: str
    amount: Money
    seat: str | None = None

    def __attrs_post_init__(self) -> None:
        require_text(self.kind, "lines.kind")
        require_instance(self.amount, Money, "lines.amount")
        if self.seat is not None:
            require_text(self.seat, "lines.seat")


@frozen(kw_only=True)
class Refund:
    """Money given back for a booking.  ``settled_at`` is set exactly when it has succeeded.

    ``attempt`` counts the gateway requests that were definitively refused, plus one: the
    refund is sent under :attr:`gateway_key`, which changes only when an attempt failed (a
    failed refund stays failed under its key, while an unanswered one is settled by resending
    the same key).  Raises :class:`InvalidInput` for an empty id or reason, a negative amount,
    an attempt below 1, naive datetimes, or a ``settled_at`` that does not match the status.
    """

    refund_id: str
    amount: Money
    reason: str
    created_at: datetime = field(validator=_aware)
    status: RefundStatus = RefundStatus.REQUESTED
    settled_at: datetime | None = field(default=None, validator=_optional_aware)
    attempt: int = 1

    @property
    def gateway_key(self) -> str:
        """The idempotency key of the current gateway attempt for this refund."""
        return f"{self.refund_id}.{self.attempt}"

    def __attrs_post_init__(self) -> None:
        require_text(self.refund_id, "refund.refund_id")
        attempt = self.attempt
        if isinstance(attempt, bool) or not isinstance(attempt, int) or attempt < 1:
            raise InvalidInput(field="refund.attempt", reason="must be a positive integer")
        require_text(self.reason, "refund.reason")
        require_instance(self.amount, Money, "refund.amount")
        if self.amount.amount < 0:
            raise InvalidInput(field="refund.amount", reason="must not be negative")
        if not isinstance(self.status, RefundStatus):
            raise InvalidInput(field="refund.status", reason="must be a RefundStatus")
        if (self.settled_at is not None) != (self.status is RefundStatus.SUCCEEDED):
            raise InvalidInput(
                field="refund.settled_at", reason="is set exactly when the refund has succeeded"
            )


def _lines(values: Iterable[BookingLine]) -> tuple[BookingLine, ...]:
    return instances(values, BookingLine, "lines")


def _refunds(values: Iterable[Refund]) -> tuple[Refund, ...]:
    return instances(values, Refund, "refunds")


def _tickets(values: Iterable[TicketBreakdown]) -> tuple[TicketBreakdown, ...]:
    return instances(values, TicketBreakdown, "tickets")


# --- the aggregate ---------------------------------------------------------------------------


@define(kw_only=True)
class Booking:
    """One customer's purchase of seats of one show, from the hold to check-in or refund.

    Construct a new booking with :meth:`create` (which records :class:`BookingCreated`); the
    constructor itself is for repositories rehydrating a stored booking and records nothing.
    Construction validates the booking's shape and raises :class:`InvalidInput` (or
    :class:`CurrencyMismatch`): non-empty ids and seats, a positive fencing token, a non-negative
    amount that the quote ``lines`` and the per-seat price ``tickets`` (each when given; the
    tickets are what cancellation refunds from) add up to, aware datetimes, a payment deadline
    after creation, a bool ``non_cancellable``, non-empty optional texts, and lines, refunds
    (with distinct ids) and events of the right types.
    """

    booking_id: str
    user_id: str
    show_id: str
    hold_id: str
    seats: frozenset[str] = field(converter=seat_set)
    fencing_token: int
    amount: Money
    lines: tuple[BookingLine, ...] = field(default=(), converter=_lines)
    tickets: tuple[TicketBreakdown, ...] = field(default=(), converter=_tickets)
    coupon_code: str | None = None
    non_cancellable: bool = False
    idempotency_key: str
    created_at: datetime = field(validator=_aware)
    payment_due_at: datetime = field(validator=_aware)
    updated_at: datetime = field(
        default=Factory(lambda self: self.created_at, takes_self=True), validator=_aware
    )
    status: BookingStatus = BookingStatus.PENDING_PAYMENT
    payment_id: str | None = None
    booking_code: str | None = None
    failure_reason: str | None = None
    confirmed_at: datetime | None = field(default=None, validator=_optional_aware)
    cancelled_at: datetime | None = field(default=None, validator=_optional_aware)
    cancel_reason: CancelReason | None = None
    checked_in_at: datetime | None = field(default=None, validator=_optional_aware)
    refunds: tuple[Refund, ...] = field(default=(), converter=_refunds)
    events: list[DomainEvent] = field(factory=list, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        for name in ("booking_id", "user_id", "show_id", "hold_id", "idempotency_key"):
            require_text(getattr(self, name), name)
        if not self.seats or not all(isinstance(s, str) and s for s in self.seats):
            raise InvalidInput(field="seats", reason="a booking needs at least one seat label")
        token = self.fencing_token
        if isinstance(token, bool) or not isinstance(token, int) or token <= 0:
            raise InvalidInput(field="fencing_token", reason="must be a positive integer")
        if not isinstance(self.amount, Money) or self.amount.amount < 0:
            raise InvalidInput(field="amount", reason="must be a non-negative Money")
        if self.coupon_code is not None:
            require_text(self.coupon_code, "coupon_code")
        require_bool(self.non_cancellable, "non_cancellable")
        if not isinstance(self.status, BookingStatus):
            raise InvalidInput(field="status", reason="must be a BookingStatus")
        for name in ("payment_id", "booking_code", "failure_reason"):
            require_optional_text(getattr(self, name), name)
        if self.cancel_reason is not None and not isinstance(self.cancel_reason, CancelReason):
            raise InvalidInput(field="cancel_reason", reason="a CancelReason or None")
        if not isinstance(self.events, list):
            raise InvalidInput(field="events", reason="a list of DomainEvent")
        instances(self.events, DomainEvent, "events")
        if elapsed(self.created_at, self.payment_due_at) <= timedelta(0):
            raise InvalidInput(field="payment_due_at", reason="must be after created_at")
        if self.lines:
            for line in self.lines:
                if line.seat is not None and line.seat not in self.seats:
                    raise InvalidInput(field="lines.seat", reason=f"{line.seat!r} is not booked")
            if total([line.amount for line in self.lines], self.amount.currency) != self.amount:
                raise InvalidInput(field="lines", reason="the lines must add up to amount")
        if self.tickets:
            labels = [t.seat for t in self.tickets]
            if len(set(labels)) != len(labels) or set(labels) != self.seats:
                raise InvalidInput(field="tickets", reason="one breakdown per booked seat")
            if total([t.total for t in self.tickets], self.amount.currency) != self.amount:
                raise InvalidInput(field="tickets", reason="the tickets must add up to amount")
        for refund in self.refunds:
            self._same_currency(refund.amount)
        refund_ids = [r.refund_id for r in self.refunds]
        if len(set(refund_ids)) != len(refund_ids):
            raise InvalidInput(field="refunds", reason="a refund id appears twice")

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        booking_id: str,
        user_id: str,
        show_id: str,
        hold_id: str,
        seats: Iterable[str],
        fencing_token: int,
        amount: Money,
        idempotency_key: str,
        created_at: datetime,
        payment_due_at: datetime,
        lines: Iterable[BookingLine] = (),
        tickets: Iterable[TicketBreakdown] = (),
        coupon_code: str | None = None,
        non_cancellable: bool = False,
    ) -> Booking:
        """Open a booking awaiting payment until ``payment_due_at``; records BookingCreated.

        Raises :class:`InvalidInput` as the constructor does.
        """
        booking = cls(
            booking_id=booking_id,
            user_id=user_id,
            show_id=show_id,
            hold_id=hold_id,
            seats=seats,
            fencing_token=fencing_token,
            amount=amount,
            lines=lines,
            tickets=tickets,
            coupon_code=coupon_code,
            non_cancellable=non_cancellable,
            idempotency_key=idempotency_key,
            created_at=created_at,
            payment_due_at=payment_due_at,
        )
        booking._record(
            BookingCreated(
                occurred_at=created_at,
                booking_id=booking.booking_id,
                user_id=booking.user_id,
                show_id=booking.show_id,
                hold_id=booking.hold_id,
                seats=booking.seats,
                amount=booking.amount,
                payment_due_at=booking.payment_due_at,
            )
        )
        return booking

    # -- queries --------------------------------------------------------------------------------

    @property
    def is_terminal(self) -> bool:
        """Whether no status change is possible any more (see :data:`TERMINAL_STATUSES`)."""
        return self.status in TERMINAL_STATUSES

    @property
    def amount_paid(self) -> Money:
        """What the customer paid: ``amount`` once payment is known to have succeeded, else 0."""
        if self.status in PAID_STATUSES:
            return self.amount
        return Money.zero(self.amount.currency)

    @property
    def amount_refunded(self) -> Money:
        """The total of the refunds that have succeeded."""
        return total(
            [r.amount for r in self.refunds if r.status is RefundStatus.SUCCEEDED],
            self.amount.currency,
        )

    @property
    def amount_refund_pending(self) -> Money:
        """The total of the refunds requested and not yet settled."""
        return total(
            [r.amount for r in self.refunds if r.status is RefundStatus.REQUESTED],
            self.amount.currency,
        )

    @property
    def refundable(self) -> Money:
        """What may still be refunded: the amount paid minus every refund, settled or not."""
        return self.amount_paid - self.amount_refunded - self.amount_refund_pending

    @property
    def has_ticket(self) -> bool:
        """Whether the booking has an e-ticket: it is in :data:`TICKETED_STATUSES` (confirmed
        or checked in) and has its booking code."""
        return self.status in TICKETED_STATUSES and self.booking_code is not None

    def ticket_code(self) -> str:
        """The booking code to print on the e-ticket.

        Raises :class:`TicketNotAvailable` unless :attr:`has_ticket` (pending, failed, expired,
        cancelled and refunded bookings have no ticket).
        """
        if self.booking_code is None or not self.has_ticket:
            raise TicketNotAvailable(booking_id=self.booking_id, status=self.status.value)
        return self.booking_code

    def can_move_to(self, status: BookingStatus) -> bool:
        """Whether :data:`TRANSITIONS` allows the move (other rules may still refuse it).

        Raises :class:`InvalidInput` for a status that is not a :class:`BookingStatus` (or its
        value).
        """
        return parse_enum(BookingStatus, status, "status") in TRANSITIONS[self.status]

    def pull_events(self) -> list[DomainEvent]:
        """The pending events, oldest first; the booking forgets them."""
        pulled = list(self.events)
        self.events.clear()
        return pulled

    # -- transitions ----------------------------------------------------------------------------

    def confirm(self, payment_id: str, booking_code: str, now: datetime) -> None:
        """Payment succeeded and the seats are sold: ``CONFIRMED`` with ``booking_code``.

        From ``PENDING_PAYMENT`` or ``PAYMENT_UNKNOWN``; the payment deadline is not checked here
        (the hold's fencing token decides whether a late sale may go through).  Records
        BookingConfirmed.  Raises :class:`IllegalTransition`, :class:`InvalidBookingCode`, or
        :class:`InvalidInput` if ``payment_id`` differs from one already recorded.
        """
        require_aware(now)
        require_text(payment_id, "payment_id")
        code = normalize_booking_code(booking_code)
        self._require(BookingStatus.CONFIRMED)
        self._same_payment(payment_id)
        self.status = BookingStatus.CONFIRMED
        self.payment_id = payment_id
        self.booking_code = code
        self.confirmed_at = now
        self.updated_at = now
        self._record(
            BookingConfirmed(
                occurred_at=now,
                booking_id=self.booking_id,
                user_id=self.user_id,
                show_id=self.show_id,
                seats=self.seats,
                amount=self.amount,
                payment_id=payment_id,
                booking_code=code,
            )
        )

    def fail_payment(self, reason: str, now: datetime) -> None:
        """The payment was declined: ``PAYMENT_FAILED``; records BookingPaymentFailed.

        From ``PENDING_PAYMENT`` or ``PAYMENT_UNKNOWN``.  Raises :class:`IllegalTransition`, or
        :class:`InvalidInput` for an empty reason.
        """
        require_aware(now)
        require_text(reason, "reason")
        self._require(BookingStatus.PAYMENT_FAILED)
        self.status = BookingStatus.PAYMENT_FAILED
        self.failure_reason = reason
        self.updated_at = now
        self._record(
            BookingPaymentFailed(
                occurred_at=now,
                booking_id=self.booking_id,
                user_id=self.user_id,
                show_id=self.show_id,
                reason=reason,
            )
        )

    def mark_payment_unknown(self, now: datetime, payment_id: str | None = None) -> None:
        """The gateway's answer was lost: ``PAYMENT_UNKNOWN``; records BookingPaymentUnknown.

        Only from ``PENDING_PAYMENT``.  ``payment_id``, when the gateway gave one, is kept for
        reconciliation.  Raises :class:`IllegalTransition`, or :class:`InvalidInput`.
        """
        require_aware(now)
        if payment_id is not None:
            require_text(payment_id, "payment_id")
        self._require(BookingStatus.PAYMENT_UNKNOWN)
        self._same_payment(payment_id)
        self.status = BookingStatus.PAYMENT_UNKNOWN
        if payment_id is not None:
            self.payment_id = payment_id
        self.updated_at = now
        self._record(
            BookingPaymentUnknown(
                occurred_at=now,
                booking_id=self.booking_id,
                user_id=self.user_id,
                show_id=self.show_id,
                payment_id=self.payment_id,
            )
        )

    def expire(self, now: datetime) -> None:
        """No payment before the deadline: ``EXPIRED``; records BookingExpired.

        Only from ``PENDING_PAYMENT`` (an unknown payment is settled by reconciliation, never
        expired).  Raises :class:`IllegalTransition`, or :class:`BookingNotExpired` while
        ``now < payment_due_at``.
        """
        require_aware(now)
        self._require(BookingStatus.EXPIRED)
        if elapsed(self.payment_due_at, now) < timedelta(0):
            raise BookingNotExpired(
                booking_id=self.booking_id,
                from_status=self.status,
                to_status=BookingStatus.EXPIRED,
                payment_due_at=self.payment_due_at,
            )
        self.status = BookingStatus.EXPIRED
        self.updated_at = now
        self._record(
            BookingExpired(
                occurred_at=now,
                booking_id=self.booking_id,
                user_id=self.user_id,
                show_id=self.show_id,
                hold_id=self.hold_id,
                seats=self.seats,
            )
        )

    def fail_and_refund(self, refund: Refund, now: datetime, payment_id: str | None = None) -> None:
        """Paid, but the seats were lost: ``FAILED_REFUNDED`` with a full ``refund``.

        From ``PENDING_PAYMENT`` or ``PAYMENT_UNKNOWN`` — and from ``EXPIRED`` or
        ``PAYMENT_FAILED`` when a charge is found captured after all.  The payment being refunded
        is ``payment_id`` or the one already recorded.  Records BookingFailedRefunded.  Raises
        :class:`IllegalTransition`; :class:`RefundExceedsPayment` if the refund is more than
        ``amount``; :class:`InvalidInput` if it is less, if it is not a new requested refund, or if
        no payment id is known; :class:`CurrencyMismatch`.
        """
        require_aware(now)
        if payment_id is not None:
            require_text(payment_id, "payment_id")
        self._check_new_refund(refund)
        self._require(BookingStatus.FAILED_REFUNDED)
        self._same_payment(payment_id)
        paid_by = payment_id if payment_id is not None else self.payment_id
        if paid_by is None:
            raise InvalidInput(field="payment_id", reason="a refund needs the payment it returns")
        # The status moves to a paid one only now, so check against the whole amount.
        self._check_within(refund, self.amount - self.amount_refunded - self.amount_refund_pending)
        if refund.amount != self.amount:
            raise InvalidInput(field="refund.amount", reason="a failed booking is refunded in full")
        self.status = BookingStatus.FAILED_REFUNDED
        self.payment_id = paid_by
        self.refunds = (*self.refunds, refund)
        self.updated_at = now
        self._record(
            BookingFailedRefunded(
                occurred_at=now,
                booking_id=self.booking_id,
                user_id=self.user_id,
                show_id=self.show_id,
                payment_id=paid_by,
                refund_id=refund.refund_id,
                refund_amount=refund.amount,
            )
        )

    def cancel(self, refund: Refund, now: datetime, reason: CancelReason) -> None:
        """Cancel a confirmed booking: ``CANCELLED`` with ``refund`` requested.

        The seats go back on sale (the service gives them back to the sales store).  Records
        BookingCancelled.  A checked-in booking can be cancelled only because the theater
        cancelled the show (``SHOW_CANCELLED``: the audience was admitted, then the screening
        failed).  Raises :class:`IllegalTransition` unless ``CONFIRMED`` (or ``CHECKED_IN`` for a
        show cancellation);
        :class:`BookingNotCancellable` for a customer's request on a non-cancellable booking;
        :class:`RefundExceedsPayment` if the refund is more than :attr:`refundable`;
        :class:`InvalidInput` for a show cancellation refunded less than in full, an unknown
        reason, or a refund that is not new and requested; :class:`CurrencyMismatch`.
        """
        require_aware(now)
        try:
            why = CancelReason(reason)
        except ValueError:
            raise InvalidInput(field="reason", reason=f"unknown cancel reason {reason!r}") from None
        self._check_new_refund(refund)
        self._require(BookingStatus.CANCELLED)
        if self.status is BookingStatus.CHECKED_IN and why is not CancelReason.SHOW_CANCELLED:
            raise IllegalTransition(
                booking_id=self.booking_id, from_status=self.status, to_status=_S.CANCELLED
            )
        if why is CancelReason.USER_REQUEST and self.non_cancellable:
            raise BookingNotCancellable(booking_id=self.booking_id)
        self._check_within(refund, self.refundable)
        if why is CancelReason.SHOW_CANCELLED and refund.amount != self.refundable:
            raise InvalidInput(field="refund.amount", reason="a cancelled show is refunded in full")
        self.status = BookingStatus.CANCELLED
        self.refunds = (*self.refunds, refund)
        self.cancelled_at = now
        self.cancel_reason = why
        self.updated_at = now
        self._record(
            BookingCancelled(
                occurred_at=now,
                booking_id=self.booking_id,
                user_id=self.user_id,
                show_id=self.show_id,
                seats=self.seats,
                refund_id=refund.refund_id,
                refund_amount=refund.amount,
                reason=why.value,
            )
        )

    def settle_refund(self, refund_id: str, now: datetime) -> None:
        """The gateway settled refund ``refund_id``; records BookingRefunded.

        A ``CANCELLED`` booking becomes ``REFUNDED`` once every refund has succeeded; a
        ``FAILED_REFUNDED`` booking keeps its status (only the refund record changes).  Raises
        :class:`IllegalTransition` in any other status, :class:`RefundNotFound`, or
        :class:`RefundAlreadySettled`.
        """
        require_aware(now)
        if self.status is not BookingStatus.FAILED_REFUNDED:
            self._require(BookingStatus.REFUNDED)
        index, refund = self._open_refund(refund_id)
        settled = evolve(refund, status=RefundStatus.SUCCEEDED, settled_at=now)
        refunds = (*self.refunds[:index], settled, *self.refunds[index + 1 :])
        self.refunds = refunds
        if self.status is BookingStatus.CANCELLED and all(
            r.status is RefundStatus.SUCCEEDED for r in refunds
        ):
            self.status = BookingStatus.REFUNDED
        self.updated_at = now
        self._record(
            BookingRefunded(
                occurred_at=now,
                booking_id=self.booking_id,
                user_id=self.user_id,
                show_id=self.show_id,
                refund_id=refund_id,
                amount=settled.amount,
            )
        )

    def retry_refund(self, refund_id: str, failure_code: str, now: datetime) -> Refund:
        """The gateway refused refund ``refund_id`` for good: the next attempt gets a new key.

        Bumps the refund's ``attempt`` (and so its :attr:`Refund.gateway_key`) and records
        BookingRefundFailed; returns the updated refund.  Only in ``CANCELLED`` or
        ``FAILED_REFUNDED``, where refunds are owed.  Raises :class:`IllegalTransition` in any
        other status, :class:`RefundNotFound`, :class:`RefundAlreadySettled`, or
        :class:`InvalidInput` for an empty ``failure_code``.
        """
        require_aware(now)
        require_text(failure_code, "failure_code")
        if self.status not in (BookingStatus.CANCELLED, BookingStatus.FAILED_REFUNDED):
            raise IllegalTransition(
                booking_id=self.booking_id, from_status=self.status, to_status=self.status
            )
        index, refund = self._open_refund(refund_id)
        retried = evolve(refund, attempt=refund.attempt + 1)
        self.refunds = (*self.refunds[:index], retried, *self.refunds[index + 1 :])
        self.updated_at = now
        self._record(
            BookingRefundFailed(
                occurred_at=now,
                booking_id=self.booking_id,
                user_id=self.user_id,
                show_id=self.show_id,
                refund_id=refund_id,
                attempt=refund.attempt,
                failure_code=failure_code,
            )
        )
        return retried

    def check_in(self, now: datetime) -> None:
        """Admit the booking at the theater: ``CHECKED_IN``; records BookingCheckedIn.

        Only from ``CONFIRMED``.  Raises :class:`AlreadyCheckedIn` the second time, otherwise
        :class:`IllegalTransition`.
        """
        require_aware(now)
        if self.status is BookingStatus.CHECKED_IN:
            raise AlreadyCheckedIn(
                booking_id=self.booking_id,
                from_status=self.status,
                to_status=BookingStatus.CHECKED_IN,
                checked_in_at=self.checked_in_at,
            )
        self._require(BookingStatus.CHECKED_IN)
        self.status = BookingStatus.CHECKED_IN
        self.checked_in_at = now
        self.updated_at = now
        self._record(
            BookingCheckedIn(
                occurred_at=now,
                booking_id=self.booking_id,
                user_id=self.user_id,
                show_id=self.show_id,
                seats=self.seats,
            )
        )

    # -- helpers --------------------------------------------------------------------------------

    def _record(self, event: DomainEvent) -> None:
        self.events.append(event)

    def _open_refund(self, refund_id: str) -> tuple[int, Refund]:
        for index, refund in enumerate(self.refunds):
            if refund.refund_id == refund_id:
                if refund.status is RefundStatus.SUCCEEDED:
                    raise RefundAlreadySettled(booking_id=self.booking_id, refund_id=refund_id)
                return index, refund
        raise RefundNotFound(booking_id=self.booking_id, refund_id=refund_id)

    def _require(self, to_status: BookingStatus) -> None:
        if to_status not in TRANSITIONS[self.status]:
            raise IllegalTransition(
                booking_id=self.booking_id, from_status=self.status, to_status=to_status
            )

    def _same_currency(self, amount: Money) -> None:
        if amount.currency != self.amount.currency:
            raise CurrencyMismatch(left=self.amount.currency, right=amount.currency)

    def _same_payment(self, payment_id: str | None) -> None:
        if payment_id is not None and self.payment_id not in (None, payment_id):
            raise InvalidInput(
                field="payment_id", reason="differs from the payment recorded for this booking"
            )

    def _check_new_refund(self, refund: Refund) -> None:
        if not isinstance(refund, Refund):
            raise InvalidInput(field="refund", reason="must be a Refund")
        self._same_currency(refund.amount)
        if refund.status is not RefundStatus.REQUESTED:
            raise InvalidInput(
                field="refund.status", reason="a new refund is requested, not settled"
            )
        if any(r.refund_id == refund.refund_id for r in self.refunds):
            raise InvalidInput(field="refund.refund_id", reason="already used for this booking")

    def _check_within(self, refund: Refund, refundable: Money) -> None:
        if refund.amount > refundable:
            raise RefundExceedsPayment(
                booking_id=self.booking_id,
                requested=refund.amount.amount,
                refundable=refundable.amount,
                currency=refundable.currency,
            )
