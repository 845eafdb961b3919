"""Wire shapes of bookings: checkout, payment, the booking itself, its e-ticket, cancellation and
check-in."""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from bookmyshow.app.schemas.common import MoneyRead, whole_minutes
from bookmyshow.app.schemas.holds import LineRead
from bookmyshow.domain.booking import Booking, BookingLine, BookingStatus, Refund
from bookmyshow.domain.cancellation import RefundDecision
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.pricing import format_rate
from bookmyshow.services.bookings import Ticket

__all__ = [
    "BookingLineRead",
    "BookingRead",
    "CheckInCreate",
    "CheckoutCreate",
    "PaymentCreate",
    "RefundPreviewRead",
    "RefundRead",
    "RefundTierRead",
    "TicketRead",
]

_CARD_DIGITS = range(12, 20)
"""Card numbers have 12 to 19 digits (ISO/IEC 7812)."""


@frozen(kw_only=True)
class CheckoutCreate:
    """Open a booking for the caller's live hold ``hold_id`` of ``show_id``, optionally with a
    coupon.  The request's ``Idempotency-Key`` header makes a retry return the same booking."""

    show_id: str
    hold_id: str
    coupon_code: str | None = None


@frozen(kw_only=True)
class PaymentCreate:
    """Pay a booking awaiting payment with a card (spaces and dashes allowed).

    The test gateway decides by the card number: ``4111111111111111`` succeeds,
    ``4000000000000002`` is declined (see ``bookmyshow.adapters.memory.payments``).
    """

    card_number: str

    def payment_method(self) -> str:
        """The card number as the gateway takes it (digits only).

        Raises :class:`InvalidInput` (field ``card_number``) unless it is 12 to 19 digits.
        """
        digits = self.card_number.replace(" ", "").replace("-", "")
        if not (digits.isascii() and digits.isdigit() and len(digits) in _CARD_DIGITS):
            raise InvalidInput(field="card_number", reason="12 to 19 digits")
        return digits


@frozen(kw_only=True)
class CheckInCreate:
    """Admit the booking with this code (as printed on its e-ticket; case and dashes are
    ignored)."""

    booking_code: str


@frozen(kw_only=True)
class BookingLineRead:
    """One line of the quote the booking was priced at (``kind`` as in a quote)."""

    kind: str
    seat: str | None
    amount: MoneyRead

    @classmethod
    def of(cls, line: BookingLine) -> BookingLineRead:
        """The wire shape of ``line``."""
        return cls(kind=line.kind, seat=line.seat, amount=MoneyRead.of(line.amount))


@frozen(kw_only=True)
class RefundRead:
    """Money given back: ``requested`` of the gateway, then ``succeeded`` at ``settled_at``."""

    refund_id: str
    amount: MoneyRead
    reason: str
    status: str
    created_at: datetime
    settled_at: datetime | None

    @classmethod
    def of(cls, refund: Refund) -> RefundRead:
        """The wire shape of ``refund``."""
        return cls(
            refund_id=refund.refund_id,
            amount=MoneyRead.of(refund.amount),
            reason=refund.reason,
            status=refund.status.value,
            created_at=refund.created_at,
            settled_at=refund.settled_at,
        )


@frozen(kw_only=True)
class BookingRead:
    """A booking.

    ``status`` is one of ``pending_payment`` (pay before ``payment_due_at``), ``confirmed``
    (``booking_code`` is the ticket's code), ``payment_failed``, ``payment_unknown`` (settled
    by the server later), ``expired``, ``failed_refunded``, ``cancelled``, ``refunded`` or
    ``checked_in``.  ``total`` is the sum of ``lines``; ``paid``, ``refunded`` and
    ``refund_pending`` say where the money is; ``refunds`` lists every refund.
    """

    booking_id: str
    booking_code: str | None
    status: str
    user_id: str
    show_id: str
    hold_id: str
    seats: list[str]
    lines: list[BookingLineRead]
    total: MoneyRead
    coupon_code: str | None
    non_cancellable: bool
    created_at: datetime
    payment_due_at: datetime | None
    """Set while the booking awaits payment."""
    confirmed_at: datetime | None
    checked_in_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    failure_reason: str | None
    paid: MoneyRead
    refunded: MoneyRead
    refund_pending: MoneyRead
    refunds: list[RefundRead]

    @classmethod
    def of(cls, booking: Booking) -> BookingRead:
        """The wire shape of ``booking`` (seats sorted by label)."""
        pending = booking.status is BookingStatus.PENDING_PAYMENT
        return cls(
            booking_id=booking.booking_id,
            booking_code=booking.booking_code,
            status=booking.status.value,
            user_id=booking.user_id,
            show_id=booking.show_id,
            hold_id=booking.hold_id,
            seats=sorted(booking.seats),
            lines=[BookingLineRead.of(line) for line in booking.lines],
            total=MoneyRead.of(booking.amount),
            coupon_code=booking.coupon_code,
            non_cancellable=booking.non_cancellable,
            created_at=booking.created_at,
            payment_due_at=booking.payment_due_at if pending else None,
            confirmed_at=booking.confirmed_at,
            checked_in_at=booking.checked_in_at,
            cancelled_at=booking.cancelled_at,
            cancel_reason=None if booking.cancel_reason is None else booking.cancel_reason.value,
            failure_reason=booking.failure_reason,
            paid=MoneyRead.of(booking.amount_paid),
            refunded=MoneyRead.of(booking.amount_refunded),
            refund_pending=MoneyRead.of(booking.amount_refund_pending),
            refunds=[RefundRead.of(refund) for refund in booking.refunds],
        )


@frozen(kw_only=True)
class RefundTierRead:
    """The refund tier that applies: cancelling at least ``minutes_before`` the show refunds
    ``ticket_rate`` (e.g. ``"75%"``) of each ticket."""

    minutes_before: int
    ticket_rate: str


@frozen(kw_only=True)
class RefundPreviewRead:
    """What cancelling the booking now would refund, itemized (``lines`` sum to ``amount``);
    ``full`` marks a full refund."""

    booking_id: str
    amount: MoneyRead
    seats: list[str]
    lines: list[LineRead]
    tier: RefundTierRead | None
    full: bool

    @classmethod
    def of(cls, booking_id: str, decision: RefundDecision) -> RefundPreviewRead:
        """The wire shape of ``decision`` for booking ``booking_id``."""
        tier = decision.tier
        return cls(
            booking_id=booking_id,
            amount=MoneyRead.of(decision.amount),
            seats=list(decision.seats),
            lines=LineRead.all_of(decision.lines),
            tier=None
            if tier is None
            else RefundTierRead(
                minutes_before=whole_minutes(tier.before),
                ticket_rate=format_rate(tier.ticket_rate),
            ),
            full=decision.full,
        )


@frozen(kw_only=True)
class TicketRead:
    """The e-ticket of a confirmed booking: show it at the theater.

    ``qr_svg`` is an SVG image of a QR code of ``booking_code``; ``local_starts_at`` is the start
    in the theater's time zone.
    """

    booking_id: str
    booking_code: str
    status: str
    show_id: str
    movie_id: str
    movie_title: str
    theater_id: str
    theater_name: str
    screen_name: str
    starts_at: datetime
    local_starts_at: datetime
    seats: list[str]
    total: MoneyRead
    qr_svg: str

    @classmethod
    def of(cls, ticket: Ticket, qr_svg: str) -> TicketRead:
        """The wire form of ``ticket``, with ``qr_svg`` the QR code of its booking code."""
        booking, show = ticket.booking, ticket.show
        return cls(
            booking_id=booking.booking_id,
            booking_code=ticket.booking_code,
            status=booking.status.value,
            show_id=show.show_id,
            movie_id=show.movie_id,
            movie_title=show.movie_title,
            theater_id=show.theater_id,
            theater_name=show.theater_name,
            screen_name=show.screen_name,
            starts_at=show.starts_at,
            local_starts_at=show.local_starts_at,
            seats=sorted(booking.seats),
            total=MoneyRead.of(booking.amount),
            qr_svg=qr_svg,
        )
