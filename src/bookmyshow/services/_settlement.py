"""Settling money and seats after the gateway answered: shared by paying and by reconciliation.

The rules, in one place:

- money captured for a booking is either matched by sold seats (``CONFIRMED``) or refunded in full
  (``FAILED_REFUNDED``): :func:`complete_sale` sells and confirms in one unit of work, and falls
  back to :func:`refund_lost_sale` when the seats can no longer be sold from the booking's hold;
- every refund is recorded on the booking *before* it is sent, and :func:`send_refunds` sends the
  open ones under their gateway keys until the gateway accepts them (a refused attempt gets a new
  key; an unanswered one is resent under the same key, so it is never paid twice);
- a coupon use is given back when a booking ends without a sale, and only the booking's own hold
  is ever released.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from bookmyshow.domain.booking import (
    LIVE_STATUSES,
    Booking,
    BookingStatus,
    CancelReason,
    Refund,
    RefundStatus,
    booking_code_from,
)
from bookmyshow.domain.cancellation import full_refund
from bookmyshow.domain.errors import BookMyShowError
from bookmyshow.domain.events import HoldLapsed, SeatsReleased, SeatsReturned
from bookmyshow.domain.holds import Hold, HoldNotFound, SeatsUnavailable
from bookmyshow.domain.money import Money
from bookmyshow.domain.sales import StaleFencingToken
from bookmyshow.domain.shows import Show
from bookmyshow.ports.errors import BackendUnavailable, Conflict
from bookmyshow.ports.payments import ChargeOutcome, ChargeResult, RefundOutcome, RefundRequest
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services._units import in_unit, read_unit
from bookmyshow.services.context import Policies, Ports

__all__ = [
    "cancel_for_show",
    "cancel_in_unit",
    "charge_key",
    "complete_sale",
    "lapsed_event",
    "load_booking",
    "load_show",
    "redemption_id",
    "refund_lost_sale",
    "release_coupon",
    "release_hold",
    "released_event",
    "send_refunds",
    "settle_charge",
]

_log = logging.getLogger("bookmyshow.services")

# A fresh booking number is drawn when the one drawn was taken; the space is 2**35, so a handful
# of draws is already astronomically unlikely to collide every time.
_CODE_ATTEMPTS = 8

# A captured payment for a booking in one of these is returned in full: no seats match it.
_REFUNDABLE_WHEN_PAID = LIVE_STATUSES | {BookingStatus.EXPIRED, BookingStatus.PAYMENT_FAILED}


def charge_key(booking_id: str) -> str:
    """The gateway idempotency key of a booking's charge: one charge per booking, ever."""
    return f"charge-{booking_id}"


def redemption_id(user_id: str, idempotency_key: str) -> str:
    """The coupon redemption id of a checkout: the same for every retry of that checkout."""
    digest = hashlib.sha256(f"{user_id}\0{idempotency_key}".encode()).hexdigest()
    return f"checkout-{digest}"


async def load_booking(ports: Ports, booking_id: str) -> Booking:
    """The stored booking (``NotFound`` if there is none)."""

    async def read(uow: UnitOfWork) -> Booking:
        return await uow.bookings.get(booking_id)

    return await read_unit(ports, read)


async def load_show(ports: Ports, show_id: str) -> Show:
    """The stored show (``NotFound`` if there is none)."""

    async def read(uow: UnitOfWork) -> Show:
        return await uow.shows.get(show_id)

    return await read_unit(ports, read)


async def release_coupon(ports: Ports, booking: Booking) -> None:
    """Give back the coupon use counted for ``booking``'s checkout, if it used a coupon."""
    if booking.coupon_code is not None:
        await ports.coupon_redemptions.release(
            redemption_id(booking.user_id, booking.idempotency_key)
        )


def lapsed_event(hold: Hold, now: datetime) -> HoldLapsed:
    """The event announcing that ``hold`` ended unbought and its seats are free."""
    return HoldLapsed(
        occurred_at=now,
        show_id=hold.show_id,
        hold_id=hold.hold_id,
        owner_id=hold.owner_id,
        seats=hold.seats,
        expired_at=hold.expires_at,
    )


def released_event(hold: Hold, now: datetime) -> SeatsReleased:
    """The event announcing that ``hold`` was released (by its owner, or its payment failed)
    and its seats are free."""
    return SeatsReleased(
        occurred_at=now,
        show_id=hold.show_id,
        hold_id=hold.hold_id,
        owner_id=hold.owner_id,
        seats=hold.seats,
    )


async def release_hold(ports: Ports, booking: Booking, now: datetime) -> Hold | None:
    """Release the booking's own hold and return it (``None`` if there was none to release);
    clean-up only, so a failure is logged, not raised.

    A hold that is gone already (expired and purged, or released) is what releasing was for.
    Hold ids are never reused, so this can never free seats that another buyer holds now.
    """
    try:
        return await ports.holds.release(booking.show_id, booking.hold_id, booking.user_id, now=now)
    except HoldNotFound:
        return None
    except BookMyShowError:
        _log.warning(
            "releasing hold %r of booking %r failed; it lapses on its own",
            booking.hold_id,
            booking.booking_id,
            exc_info=True,
        )
        return None


async def complete_sale(
    ports: Ports, policies: Policies, booking_id: str, payment_id: str, now: datetime
) -> Booking:
    """Sell the booking's seats with its fencing token and confirm it, in one unit of work.

    The hold is claimed again first: a hold that lapsed while the money moved may already be
    someone else's seats, so the payment is refunded in full instead (:func:`refund_lost_sale`),
    and a live one is protected for a fresh lease while the sale commits.  The sale and the
    confirmation become durable together, and only then is the hold released.  If the seats
    cannot be sold from the booking's hold (sold to someone else, a newer fencing token, the
    show cancelled, or the booking expired meanwhile) the payment is refunded as well.  A
    booking already settled by a concurrent call is returned as it is.
    """
    current = await load_booking(ports, booking_id)
    if current.status not in LIVE_STATUSES | {BookingStatus.EXPIRED}:
        return current
    try:
        await ports.holds.claim(
            current.show_id,
            current.hold_id,
            current.user_id,
            lease=policies.claim_lease,
            now=now,
        )
    except HoldNotFound:
        return await refund_lost_sale(ports, policies, booking_id, payment_id, now)
    for _ in range(_CODE_ATTEMPTS):
        lost = False

        async def step(uow: UnitOfWork) -> Booking:
            nonlocal lost
            lost = False  # a re-run after a lost race decides afresh
            booking = await uow.bookings.get(booking_id, for_update=True)
            if booking.status not in LIVE_STATUSES | {BookingStatus.EXPIRED}:
                return booking
            show = await uow.shows.get(booking.show_id)
            if booking.status is BookingStatus.EXPIRED or show.is_cancelled:
                lost = True
                return booking
            try:
                await uow.sales.sell(
                    booking.show_id,
                    booking.booking_id,
                    booking.seats,
                    fencing_token=booking.fencing_token,
                )
            except (SeatsUnavailable, StaleFencingToken):
                lost = True
                return booking
            code = booking_code_from(ports.ids.new_booking_number())
            booking.confirm(payment_id, code, now)
            await uow.bookings.save(booking)
            return booking

        try:
            booking = await in_unit(ports, policies, step)
        except (SeatsUnavailable, StaleFencingToken):
            # A concurrent sale won at commit time: the seats are gone.
            lost = True
        except Conflict as exc:
            if exc.what == "booking_code":
                continue
            raise
        if lost:
            return await refund_lost_sale(ports, policies, booking_id, payment_id, now)
        if booking.status is BookingStatus.CONFIRMED:
            await release_hold(ports, booking, now)
            # The show may have been cancelled after this unit read it and after the
            # cancellation listed its confirmed bookings: this sale must not escape it.
            if (await load_show(ports, booking.show_id)).is_cancelled:
                return await cancel_for_show(ports, policies, booking_id, now)
        return booking
    raise Conflict(what="booking_code", keys=(booking_id,))


async def cancel_for_show(
    ports: Ports, policies: Policies, booking_id: str, now: datetime
) -> Booking:
    """The theater cancelled the booking's show: cancel it with a full refund, fees included.

    For a confirmed or checked-in booking: its seats go back, the refund of everything paid and
    not yet refunded is recorded and sent.  Any other booking is returned unchanged.
    """

    async def step(uow: UnitOfWork) -> None:
        booking = await uow.bookings.get(booking_id, for_update=True)
        if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN):
            return
        decision = full_refund(
            booking.tickets,
            booking.amount_paid,
            already_refunded=booking.amount_refunded + booking.amount_refund_pending,
        )
        await cancel_in_unit(
            uow, ports, booking, amount=decision.amount, reason=CancelReason.SHOW_CANCELLED, now=now
        )

    await in_unit(ports, policies, step)
    return await send_refunds(ports, policies, booking_id, now)


async def cancel_in_unit(
    uow: UnitOfWork,
    ports: Ports,
    booking: Booking,
    *,
    amount: Money,
    reason: CancelReason,
    now: datetime,
) -> None:
    """Cancel ``booking`` (read for update in ``uow``) with a refund of ``amount`` requested, put
    its seats back on sale in the same unit, save it, and record ``seats.returned``."""
    refund = Refund(
        refund_id=ports.ids.new_id("rfd"), amount=amount, reason=reason.value, created_at=now
    )
    booking.cancel(refund, now, reason)
    returned = await uow.sales.return_seats(booking.show_id, booking.booking_id)
    await uow.bookings.save(booking)
    uow.record(
        SeatsReturned(
            occurred_at=now, show_id=booking.show_id, booking_id=booking.booking_id, seats=returned
        )
    )


async def refund_lost_sale(
    ports: Ports, policies: Policies, booking_id: str, payment_id: str, now: datetime
) -> Booking:
    """Paid, but no seats: record a full refund (``FAILED_REFUNDED``), then send it.

    Gives the coupon use back and releases the booking's own hold.  Returns the booking as it
    stands after the refund was sent (its refund settled, or still open and retried later).
    """

    async def step(uow: UnitOfWork) -> Booking:
        booking = await uow.bookings.get(booking_id, for_update=True)
        if booking.status not in _REFUNDABLE_WHEN_PAID:
            # Settled meanwhile by a concurrent call (confirmed, or refunded already).
            return booking
        refund = Refund(
            refund_id=ports.ids.new_id("rfd"),
            amount=booking.amount,
            reason="seats_lost",
            created_at=now,
        )
        booking.fail_and_refund(refund, now, payment_id=payment_id)
        await uow.bookings.save(booking)
        return booking

    booking = await in_unit(ports, policies, step)
    if booking.status is not BookingStatus.FAILED_REFUNDED:
        return booking
    await release_coupon(ports, booking)
    await release_hold(ports, booking, now)
    return await send_refunds(ports, policies, booking_id, now)


async def settle_charge(
    ports: Ports, policies: Policies, booking_id: str, result: ChargeResult, now: datetime
) -> Booking:
    """Move the booking on by the gateway's answer to its charge.

    SUCCEEDED: :func:`complete_sale`.  DECLINED: ``PAYMENT_FAILED`` and the coupon use given
    back (the hold is the caller's business).  UNKNOWN: ``PAYMENT_UNKNOWN``, left for
    reconciliation.  A booking no longer awaiting this answer is returned unchanged.
    """
    if result.outcome is ChargeOutcome.SUCCEEDED:
        if result.payment_id is None:  # pragma: no cover - ChargeResult forbids it
            raise BackendUnavailable(backend="payments", reason="success without a payment id")
        return await complete_sale(ports, policies, booking_id, result.payment_id, now)

    async def step(uow: UnitOfWork) -> Booking:
        booking = await uow.bookings.get(booking_id, for_update=True)
        if result.outcome is ChargeOutcome.DECLINED:
            if booking.status in LIVE_STATUSES:
                booking.fail_payment(str(result.decline_code), now)
                await uow.bookings.save(booking)
        elif booking.status is BookingStatus.PENDING_PAYMENT:
            booking.mark_payment_unknown(now, payment_id=result.payment_id)
            await uow.bookings.save(booking)
        return booking

    booking = await in_unit(ports, policies, step)
    if booking.status is BookingStatus.PAYMENT_FAILED:
        await release_coupon(ports, booking)
    return booking


async def send_refunds(ports: Ports, policies: Policies, booking_id: str, now: datetime) -> Booking:
    """Send every open refund of the booking to the gateway and record each answer.

    SUCCEEDED settles the refund; FAILED bumps its attempt so the next try uses a new key;
    UNKNOWN, or a gateway that cannot be reached, leaves it open for the next try under the same
    key.  A refund of nothing settles without the gateway.  Returns the booking as recorded.
    """
    booking = await load_booking(ports, booking_id)
    for refund in booking.refunds:
        if refund.status is RefundStatus.SUCCEEDED:
            continue
        failure: str | None = None
        if refund.amount.amount > 0:
            if booking.payment_id is None:
                _log.error("booking %r owes a refund but has no payment", booking_id)
                continue
            request = RefundRequest(
                idempotency_key=refund.gateway_key,
                payment_id=booking.payment_id,
                amount=refund.amount,
                reason=refund.reason,
            )
            try:
                result = await ports.payments.refund(request)
            except BackendUnavailable:
                _log.warning("refund %r not sent; it is retried later", refund.refund_id)
                continue
            if result.outcome is RefundOutcome.UNKNOWN:
                continue
            if result.outcome is RefundOutcome.FAILED:
                failure = result.failure_code or "failed"
        await _record_refund(ports, policies, booking_id, sent=refund, failure=failure, now=now)
    return await load_booking(ports, booking_id)


async def _record_refund(
    ports: Ports,
    policies: Policies,
    booking_id: str,
    *,
    sent: Refund,
    failure: str | None,
    now: datetime,
) -> None:
    async def step(uow: UnitOfWork) -> None:
        booking = await uow.bookings.get(booking_id, for_update=True)
        current = next(r for r in booking.refunds if r.refund_id == sent.refund_id)
        # A concurrent sender may have recorded this attempt already.
        if current.status is RefundStatus.SUCCEEDED or current.attempt != sent.attempt:
            return
        if failure is None:
            booking.settle_refund(sent.refund_id, now)
        else:
            booking.retry_refund(sent.refund_id, failure, now)
        await uow.bookings.save(booking)

    await in_unit(ports, policies, step)
