"""Operations: cancelling a show, settling unknown payments, expiring bookings, retrying refunds.

None of these is needed for seats to stay correct — the hold store's expiry, the fencing tokens
and the sale record's uniqueness guarantee that on their own.  They keep *money* and *views*
current: a payment whose answer was lost is settled by asking the gateway, an unpaid booking is
closed and its coupon use given back, a refund the gateway refused is sent again, and lapsed holds
are announced so that seat maps and notifications catch up.  Each sweep is safe to run at any
time, as often as wanted, from several processes at once.

Show cancellation lives here too: it is an operation on every booking of the show.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from attrs import frozen

from bookmyshow.domain.booking import Booking, BookingStatus, RefundStatus
from bookmyshow.domain.errors import BookMyShowError
from bookmyshow.domain.events import ShowCancelled
from bookmyshow.domain.holds import HoldNotFound
from bookmyshow.domain.shows import Show, ShowStatus
from bookmyshow.domain.users import Action, Principal, Resource, ResourceKind, require
from bookmyshow.ports.payments import ChargeOutcome
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services._settlement import (
    cancel_for_show,
    charge_key,
    complete_sale,
    lapsed_event,
    load_booking,
    load_show,
    refund_lost_sale,
    release_coupon,
    release_hold,
    released_event,
    send_refunds,
    settle_charge,
)
from bookmyshow.services._units import in_unit, publish, read_unit
from bookmyshow.services.context import Policies, Ports

__all__ = [
    "LATE_CAPTURE_WINDOW",
    "NOT_RECEIVED",
    "ExpiryReport",
    "Operations",
    "ShowCancellation",
    "SweepReport",
]

_log = logging.getLogger("bookmyshow.services")

_Handler = Callable[[str, datetime], Awaitable[Booking]]

NOT_RECEIVED = "payment_not_received"
"""The failure reason of a booking whose charge the gateway never received."""

LATE_CAPTURE_WINDOW = timedelta(days=7)
"""How long the payment sweep keeps asking whether a charge judged lost arrived after all."""


def _judged_unpaid(booking: Booking) -> bool:
    return booking.status is BookingStatus.PAYMENT_FAILED and booking.failure_reason == NOT_RECEIVED


# Holds are announced as lapsed for shows that started up to this long ago: a hold cannot outlive
# its show by more than a claim lease, and older shows have nothing left to announce.
_LAPSE_LOOKBACK = timedelta(days=1)


@frozen(kw_only=True)
class ShowCancellation:
    """The cancelled show and its bookings as they stand after the refunds were sent."""

    show: Show
    bookings: tuple[Booking, ...]


@frozen(kw_only=True)
class SweepReport:
    """What a sweep did: the bookings it moved on, and those it could not (with the error)."""

    settled: tuple[Booking, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()


@frozen(kw_only=True)
class ExpiryReport:
    """Bookings closed by the expiry sweep, and holds announced as lapsed."""

    bookings: SweepReport
    lapsed_holds: int


class Operations:
    """Platform-admin operations; schedulers call them with a platform admin's principal."""

    def __init__(self, ports: Ports, policies: Policies) -> None:
        """Use ``ports`` and ``policies``."""
        self._ports = ports
        self._policies = policies

    # -- show cancellation -----------------------------------------------------------------------

    async def cancel_show(self, actor: Principal, show_id: str, reason: str) -> ShowCancellation:
        """Cancel the show and refund every confirmed booking in full, fees included.

        For the show's theater admins and platform admins.  The show is cancelled first (so no
        new hold, checkout or payment can succeed), then each confirmed booking is cancelled
        with a full refund in its own unit of work, its seats returned, and the refund sent.
        Running it again on a cancelled show finishes whatever a crash left undone.  Raises
        ``NotFound``, ``PermissionDenied``, ``InvalidInput`` for an empty reason.
        """
        show = await load_show(self._ports, show_id)
        require(
            actor,
            Action.CANCEL_SHOW,
            Resource(kind=ResourceKind.SHOW, resource_id=show_id, theater_id=show.theater_id),
        )
        now = self._ports.clock.now()

        async def cancel(uow: UnitOfWork) -> Show:
            current = await uow.shows.get(show_id, for_update=True)
            if current.status is ShowStatus.SCHEDULED:
                current.cancel(reason)
                await uow.shows.save(current)
                uow.record(
                    ShowCancelled(
                        occurred_at=now, show_id=show_id, reason=current.cancel_reason or ""
                    )
                )
            return current

        cancelled = await in_unit(self._ports, self._policies, cancel)

        async def sold(uow: UnitOfWork) -> Sequence[Booking]:
            return await uow.bookings.of_show(
                show_id, statuses={BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN}
            )

        results = [
            await cancel_for_show(self._ports, self._policies, booking.booking_id, now)
            for booking in await read_unit(self._ports, sold)
        ]
        return ShowCancellation(show=cancelled, bookings=tuple(results))

    # -- payments --------------------------------------------------------------------------------

    async def reconcile(self, actor: Principal, booking_id: str) -> Booking:
        """Settle one booking's payment by asking the gateway what really happened.

        For a booking whose payment is open (``PAYMENT_UNKNOWN``, or ``PENDING_PAYMENT`` whose
        payer never got an answer back): a captured charge confirms it if the seats can still be
        sold from its hold, and is refunded in full otherwise; a declined charge, or none at
        all once ``policies.payment_grace`` has passed since the payment went unanswered, ends
        it ``PAYMENT_FAILED`` and releases its hold — confirm or release, never both.
        A pending booking with no charge and a live hold is left alone (its customer may still
        pay).  A booking failed because its charge never arrived is asked about again: a charge
        that reached the gateway late after all is refunded in full (``FAILED_REFUNDED``), never
        kept.  Other bookings are returned unchanged.  Raises ``NotFound``, ``PermissionDenied``
        (platform admins only), ``BackendUnavailable``.
        """
        self._authorize(actor, booking_id)
        return await self._reconcile(booking_id, self._ports.clock.now())

    async def _reconcile(self, booking_id: str, now: datetime) -> Booking:
        booking = await load_booking(self._ports, booking_id)
        if _judged_unpaid(booking):
            late = await self._ports.payments.charge_status(charge_key(booking_id))
            if late is not None and late.outcome is ChargeOutcome.SUCCEEDED:
                return await refund_lost_sale(
                    self._ports, self._policies, booking_id, late.payment_id or "", now
                )
            return booking
        if booking.status not in (BookingStatus.PAYMENT_UNKNOWN, BookingStatus.PENDING_PAYMENT):
            return booking
        result = await self._ports.payments.charge_status(charge_key(booking_id))
        if result is not None and result.outcome is ChargeOutcome.SUCCEEDED:
            return await complete_sale(
                self._ports, self._policies, booking_id, result.payment_id or "", now
            )
        if result is None and booking.status is BookingStatus.PENDING_PAYMENT:
            # Never charged: the customer may still pay while the hold lives; expiry closes it.
            return booking
        if result is None and now < booking.updated_at + self._policies.payment_grace:
            # A charge still in flight may yet land; judging it lost now could keep money
            # for a failed booking.  Ask again on a later sweep.
            return booking
        if result is not None:
            settled = await settle_charge(self._ports, self._policies, booking_id, result, now)
        else:
            settled = await self._fail(booking_id, NOT_RECEIVED, now)
        if settled.status is BookingStatus.PAYMENT_FAILED:
            hold = await release_hold(self._ports, settled, now)
            if hold is not None:
                # Nobody else held or bought these seats while the hold existed: they are free.
                await publish(self._ports, [released_event(hold, now)])
        return settled

    async def _fail(self, booking_id: str, reason: str, now: datetime) -> Booking:
        async def step(uow: UnitOfWork) -> Booking:
            booking = await uow.bookings.get(booking_id, for_update=True)
            if booking.status in (BookingStatus.PAYMENT_UNKNOWN, BookingStatus.PENDING_PAYMENT):
                booking.fail_payment(reason, now)
                await uow.bookings.save(booking)
            return booking

        booking = await in_unit(self._ports, self._policies, step)
        await release_coupon(self._ports, booking)
        return booking

    async def reconcile_payments(self, actor: Principal) -> SweepReport:
        """Reconcile every booking whose payment outcome is unknown, and those failed in the
        last week because their charge never arrived (see :meth:`reconcile`)."""
        self._authorize(actor)
        now = self._ports.clock.now()

        async def read(uow: UnitOfWork) -> Sequence[Booking]:
            unknown = await uow.bookings.with_status({BookingStatus.PAYMENT_UNKNOWN})
            failed = await uow.bookings.with_status({BookingStatus.PAYMENT_FAILED})
            recent = [
                b for b in failed if _judged_unpaid(b) and b.updated_at >= now - LATE_CAPTURE_WINDOW
            ]
            return [*unknown, *recent]

        return await self._sweep(await read_unit(self._ports, read), now, self._reconcile)

    # -- expiry ----------------------------------------------------------------------------------

    async def expire(self, actor: Principal) -> ExpiryReport:
        """Close unpaid bookings past their due time, and announce lapsed holds.

        A due booking is first reconciled (a payment may have gone through without its answer
        arriving); one with no charge and no live hold is ``EXPIRED``, its coupon use given back
        and its hold released.  Then the expired holds of current shows are purged and announced
        as ``HoldLapsed`` events.  Raises ``PermissionDenied`` (platform admins only).
        """
        self._authorize(actor)
        now = self._ports.clock.now()

        async def due(uow: UnitOfWork) -> Sequence[Booking]:
            return await uow.bookings.with_status({BookingStatus.PENDING_PAYMENT}, due_before=now)

        report = await self._sweep(await read_unit(self._ports, due), now, self._expire_one)
        return ExpiryReport(bookings=report, lapsed_holds=await self._announcelapsed_event(now))

    async def _expire_one(self, booking_id: str, now: datetime) -> Booking:
        booking = await self._reconcile(booking_id, now)
        if booking.status is not BookingStatus.PENDING_PAYMENT:
            return booking
        if await self._hold_is_live(booking, now):
            return booking  # the customer extended the hold: they may still pay

        async def step(uow: UnitOfWork) -> Booking:
            current = await uow.bookings.get(booking_id, for_update=True)
            if current.status is BookingStatus.PENDING_PAYMENT:
                current.expire(now)
                await uow.bookings.save(current)
            return current

        expired = await in_unit(self._ports, self._policies, step)
        if expired.status is BookingStatus.EXPIRED:
            await release_coupon(self._ports, expired)
            hold = await release_hold(self._ports, expired, now)
            if hold is not None:
                # Its seats are free again: say so, as the purge does for lapsed holds.
                await publish(self._ports, [lapsed_event(hold, now)])
        return expired

    async def _hold_is_live(self, booking: Booking, now: datetime) -> bool:
        try:
            await self._ports.holds.get(booking.show_id, booking.hold_id, now=now)
        except HoldNotFound:
            return False
        return True

    async def _announcelapsed_event(self, now: datetime) -> int:
        async def current(uow: UnitOfWork) -> Sequence[Show]:
            return await uow.shows.find(starts_from=now - _LAPSE_LOOKBACK)

        lapsed = 0
        for show in await read_unit(self._ports, current):
            holds = await self._ports.holds.purge_expired(show.show_id, now=now)
            await publish(self._ports, [lapsed_event(h, now) for h in holds])
            lapsed += len(holds)
        return lapsed

    # -- refunds ---------------------------------------------------------------------------------

    async def retry_refunds(self, actor: Principal) -> SweepReport:
        """Send every refund the gateway has not accepted yet, and record the answers."""
        self._authorize(actor)
        now = self._ports.clock.now()

        async def owed(uow: UnitOfWork) -> Sequence[Booking]:
            found = await uow.bookings.with_status(
                {BookingStatus.CANCELLED, BookingStatus.FAILED_REFUNDED}
            )
            return [b for b in found if any(r.status is RefundStatus.REQUESTED for r in b.refunds)]

        async def send(booking_id: str, at: datetime) -> Booking:
            return await send_refunds(self._ports, self._policies, booking_id, at)

        return await self._sweep(await read_unit(self._ports, owed), now, send)

    # -- helpers ---------------------------------------------------------------------------------

    def _authorize(self, actor: Principal, booking_id: str | None = None) -> None:
        require(
            actor,
            Action.RUN_OPERATIONS,
            Resource(kind=ResourceKind.BOOKING, resource_id=booking_id),
        )

    @staticmethod
    async def _sweep(
        bookings: Sequence[Booking],
        now: datetime,
        handle: _Handler,
    ) -> SweepReport:
        settled: list[Booking] = []
        failed: list[tuple[str, str]] = []
        for booking in bookings:
            try:
                settled.append(await handle(booking.booking_id, now))
            except BookMyShowError as exc:
                # One booking's trouble must not stop the sweep; it is reported and retried.
                _log.warning("sweep: booking %r: %s", booking.booking_id, exc)
                failed.append((booking.booking_id, exc.code))
        return SweepReport(settled=tuple(settled), failed=tuple(failed))
