"""Routes: check out a hold, pay, read bookings and e-tickets, cancel with a refund, check in.

Checkout and payment need an ``Idempotency-Key`` header: a retry with the same key has one
effect (the same booking, one charge); the same key for a different request is 409
``idempotency_key_reused``.  Checkout is rate limited per user (``config.rate_limits.checkout``).
Who may do what is the library's rule: a customer reads, pays and cancels their own bookings;
a theater admin reads and checks in the bookings of their theaters; a platform admin does all.
"""

from __future__ import annotations

import io
from typing import Annotated, Final

import segno
from litestar import get, post
from litestar.params import HeaderParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from litestar.types import ControllerRouterHandler

from bookmyshow.app.dependencies import (
    IDEMPOTENCY_HEADER,
    SECURED,
    ConfigDep,
    TicketingDep,
    limit,
)
from bookmyshow.app.errors import error_responses
from bookmyshow.app.schemas.bookings import (
    BookingRead,
    CheckInCreate,
    CheckoutCreate,
    PaymentCreate,
    RefundPreviewRead,
    TicketRead,
)
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.users import Principal
from bookmyshow.ports.payments import check_idempotency_key

__all__ = [
    "ROUTES",
    "cancel_booking",
    "check_in",
    "checkout",
    "get_booking",
    "get_ticket",
    "list_bookings",
    "pay_booking",
    "preview_cancellation",
    "qr_svg",
]

_TAGS: Final = ["bookings"]
_BOOKING: Final = "/api/bookings/{booking_id:str}"
_QR_SCALE: Final = 4
_QR_BORDER: Final = 4

IdempotencyHeader = Annotated[
    str,
    HeaderParameter(
        name=IDEMPOTENCY_HEADER,
        required=True,
        description="A unique key per intended operation, 1 to 255 characters; a retry reuses it.",
    ),
]
"""The ``Idempotency-Key`` header, required in the OpenAPI document.  The empty default makes
Litestar pass a missing header on, so that :func:`_idempotency_key` answers it as a bad value
(422 naming the header) like an empty or over-long one, rather than Litestar (400)."""


def _idempotency_key(header: str) -> str:
    """The key the client sent; raises :class:`InvalidInput` (field ``Idempotency-Key``) when it
    is missing, blank or longer than the library accepts."""
    key = header.strip()
    if not key:
        raise InvalidInput(
            field=IDEMPOTENCY_HEADER, reason="required: a unique key per intended operation"
        )
    return check_idempotency_key(key, field=IDEMPOTENCY_HEADER)


def qr_svg(text: str) -> str:
    """An SVG image of a QR code of ``text``: 4 pixels per module, a 4-module quiet zone.

    Standalone (it declares the SVG namespace) and, without an XML declaration, also fit to
    inline in HTML.  Always a full-size QR code, never a Micro QR, which many scanners cannot
    read.
    """
    out = io.BytesIO()
    segno.make_qr(text, error="m").save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        scale=_QR_SCALE,
        border=_QR_BORDER,
        title=text,
    )
    return out.getvalue().decode()


@post(
    "/api/bookings",
    operation_id="checkout",
    tags=_TAGS,
    security=SECURED,
    status_code=HTTP_201_CREATED,
    responses=error_responses(401, 403, 404, 409, 429),
)
async def checkout(
    *,
    data: CheckoutCreate,
    ticketing: TicketingDep,
    config: ConfigDep,
    principal: Principal,
    idempotency: IdempotencyHeader = "",
) -> BookingRead:
    """Open a booking awaiting payment for the caller's live hold, priced by the rules.

    Pay it (``POST /api/bookings/{booking_id}/payment``) before ``payment_due_at`` (when the
    hold expires).  A retry with the same ``Idempotency-Key`` returns the same booking; the key
    for another hold or coupon is 409 ``idempotency_key_reused``.  Other refusals: 403
    ``not_hold_owner``, 404 ``hold_not_found``/``hold_expired``, 409 ``hold_in_checkout``,
    ``show_not_bookable``, ``coupon_rejected``; 422 naming ``Idempotency-Key`` without a key of 1
    to 255 characters.  Rate limited per user.
    """
    key = _idempotency_key(idempotency)
    await limit(ticketing, config.rate_limits.checkout, f"checkout:{principal.user_id}")
    booking = await ticketing.bookings.checkout(
        principal,
        show_id=data.show_id,
        hold_id=data.hold_id,
        idempotency_key=key,
        coupon_code=data.coupon_code,
    )
    return BookingRead.of(booking)


@post(
    _BOOKING + "/payment",
    operation_id="payBooking",
    tags=_TAGS,
    security=SECURED,
    status_code=HTTP_200_OK,
    responses=error_responses(401, 403, 404, 409),
)
async def pay_booking(
    *,
    booking_id: str,
    data: PaymentCreate,
    ticketing: TicketingDep,
    principal: Principal,
    idempotency: IdempotencyHeader = "",
) -> BookingRead:
    """Pay the booking with a card and, once paid, confirm it (the seats are sold).

    Answers the booking as it ends: ``confirmed`` (with its ``booking_code``),
    ``payment_failed`` (declined; ``failure_reason`` says why, and the hold stays the caller's
    to retry with another card and a new key), ``payment_unknown`` (settled later) or
    ``failed_refunded`` (the seats were lost; the charge was refunded).  A retry with the same
    ``Idempotency-Key`` charges nothing and answers the booking's current state; the key for
    another booking or card is 409 ``idempotency_key_reused``.  Other refusals: 409
    ``booking_not_payable``, ``idempotency_in_progress``; 404 ``hold_expired``; 422 naming
    ``Idempotency-Key`` as for checkout.
    """
    key = _idempotency_key(idempotency)
    booking = await ticketing.bookings.pay(
        principal, booking_id, payment_method=data.payment_method(), idempotency_key=key
    )
    return BookingRead.of(booking)


@get(
    "/api/bookings",
    operation_id="listBookings",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(401, 403),
)
async def list_bookings(ticketing: TicketingDep, principal: Principal) -> list[BookingRead]:
    """The caller's own bookings, newest first, whatever their status.

    403 ``permission_denied`` for a theater admin, who buys no tickets (the library grants
    theater admins bookings of their theaters one by one, not a list of their own).
    """
    return [BookingRead.of(b) for b in await ticketing.bookings.of_user(principal)]


@get(
    _BOOKING,
    operation_id="getBooking",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(401, 403, 404),
)
async def get_booking(
    booking_id: str, ticketing: TicketingDep, principal: Principal
) -> BookingRead:
    """The booking, for its customer, an admin of its theater, or a platform admin (else
    403 ``permission_denied``)."""
    return BookingRead.of(await ticketing.bookings.get(principal, booking_id))


@get(
    _BOOKING + "/ticket",
    operation_id="getTicket",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(401, 403, 404, 409),
)
async def get_ticket(booking_id: str, ticketing: TicketingDep, principal: Principal) -> TicketRead:
    """The e-ticket: movie, theater, screen, local start time, seats and a QR code (SVG) of the
    booking code to scan at the entrance.  409 ``ticket_not_available`` unless the booking is
    confirmed or checked in; who may read it as for the booking."""
    ticket = await ticketing.bookings.ticket(principal, booking_id)
    return TicketRead.of(ticket, qr_svg(ticket.booking_code))


@get(
    _BOOKING + "/cancellation",
    operation_id="previewCancellation",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(401, 403, 404, 409),
)
async def preview_cancellation(
    booking_id: str, ticketing: TicketingDep, principal: Principal
) -> RefundPreviewRead:
    """What cancelling the booking now would refund, itemized, without cancelling.

    409 ``not_cancellable`` (``details.reason``: ``not_confirmed``, ``coupon`` or ``too_late``);
    403 unless the caller is the booking's customer or a platform admin.
    """
    decision = await ticketing.bookings.cancellation_preview(principal, booking_id)
    return RefundPreviewRead.of(booking_id, decision)


@post(
    _BOOKING + "/cancellation",
    operation_id="cancelBooking",
    tags=_TAGS,
    security=SECURED,
    status_code=HTTP_200_OK,
    responses=error_responses(401, 403, 404, 409),
)
async def cancel_booking(
    booking_id: str, ticketing: TicketingDep, principal: Principal
) -> BookingRead:
    """Cancel the confirmed booking by the cancellation policy: its seats go back on sale and
    the refund is sent (``refunded`` once the gateway accepted it, else ``cancelled`` with the
    refund pending).  Refused as the preview says."""
    return BookingRead.of(await ticketing.bookings.cancel(principal, booking_id))


@post(
    "/api/check-ins",
    operation_id="checkIn",
    tags=_TAGS,
    security=SECURED,
    status_code=HTTP_200_OK,
    responses=error_responses(401, 403, 404, 409),
)
async def check_in(
    data: CheckInCreate, ticketing: TicketingDep, principal: Principal
) -> BookingRead:
    """Admit the booking with this code, once: for admins of its theater and platform admins.

    422 ``invalid_booking_code`` for a mistyped code; 409 ``already_checked_in``,
    ``check_in_closed`` (the show ended or was cancelled) or ``illegal_transition`` (not
    confirmed).
    """
    return BookingRead.of(await ticketing.bookings.check_in(principal, data.booking_code))


ROUTES: Final[list[ControllerRouterHandler]] = [
    checkout,
    pay_booking,
    list_bookings,
    get_booking,
    get_ticket,
    preview_cancellation,
    cancel_booking,
    check_in,
]
