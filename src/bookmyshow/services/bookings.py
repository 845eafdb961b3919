"""Bookings: checkout from a hold, pay and confirm, cancel with a refund, check in.

The money path, step by step (see ``docs/use-cases.md``):

1. :meth:`Bookings.checkout` prices the held seats into an itemized quote, counts the coupon use
   atomically, and stores a ``PENDING_PAYMENT`` booking that remembers the hold, its fencing
   token and the price of every seat.  A retry with the same idempotency key returns the same
   booking; the same key for another hold or coupon raises ``IdempotencyKeyReused``.
2. :meth:`Bookings.pay` first *claims* the hold (protecting it from expiry while money moves),
   then charges the gateway under the booking's own charge key — so one booking is never charged
   twice, whatever the client retries — and then sells the seats with the hold's fencing token
   and confirms the booking in one unit of work.  Only after that is durable is the hold
   released.  Seats lost meanwhile: the charge is refunded at once (``FAILED_REFUNDED``).
   Declined: ``PAYMENT_FAILED``, and the customer's hold stays theirs to retry with another card.
   No answer: ``PAYMENT_UNKNOWN``, settled later by
   :meth:`~bookmyshow.services.operations.Operations.reconcile`.
3. :meth:`Bookings.cancel` cancels by the policy, returns the seats to sale in the same unit of
   work, records the refund and sends it.

:meth:`Bookings.ticket` answers the e-ticket of a confirmed or checked-in booking: the booking,
its code and the show's listing (:class:`Ticket`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime

from attrs import evolve, frozen

from bookmyshow.domain.booking import (
    LIVE_STATUSES,
    Booking,
    BookingLine,
    BookingStatus,
    CancelReason,
    normalize_booking_code,
)
from bookmyshow.domain.cancellation import RefundDecision, refund_for
from bookmyshow.domain.coupons import Coupon, CouponRejected, check_coupon
from bookmyshow.domain.errors import BookMyShowError, InvalidInput
from bookmyshow.domain.holds import Hold, HoldNotFound, NotHoldOwner
from bookmyshow.domain.layouts import SeatLayout
from bookmyshow.domain.pricing import Quote, quote
from bookmyshow.domain.shows import Show, local_start
from bookmyshow.domain.users import Action, Principal, Resource, ResourceKind, require
from bookmyshow.domain.venues import Theater
from bookmyshow.ports.errors import Conflict, IdempotencyKeyReused, NotFound
from bookmyshow.ports.idempotency import Completed
from bookmyshow.ports.payments import (
    ChargeOutcome,
    ChargeRequest,
    ChargeResult,
    check_idempotency_key,
)
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services._settlement import (
    cancel_in_unit,
    charge_key,
    load_booking,
    redemption_id,
    release_coupon,
    send_refunds,
    settle_charge,
)
from bookmyshow.services._units import in_unit, read_unit
from bookmyshow.services.browsing import Browsing, ShowListing
from bookmyshow.services.context import Policies, Ports
from bookmyshow.services.errors import (
    BookingNotPayable,
    CheckInClosed,
    HoldInCheckout,
    ShowNotBookable,
)
from bookmyshow.services.inventory import SeatInventory, SeatStatus

__all__ = ["Bookings", "Ticket"]

_log = logging.getLogger(__name__)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


@frozen(kw_only=True)
class Ticket:
    """The e-ticket of a confirmed or checked-in booking: show it at the theater.

    ``booking_code`` is the code to scan at the entrance (the booking's own); ``show`` the
    show's listing (movie, theater, screen, start in UTC and local time) as it was read.
    """

    booking: Booking
    booking_code: str
    show: ShowListing


class Bookings:
    """Checkout, payment, cancellation and check-in, each for the acting principal."""

    def __init__(
        self, ports: Ports, policies: Policies, *, browsing: Browsing | None = None
    ) -> None:
        """Use ``ports`` and ``policies`` (pricing, cancellation tiers, the claim lease).

        E-tickets read their show's listing through ``browsing`` (pass the system's, so that
        they share its catalog cache), else through a :class:`Browsing` of their own over
        ``ports``.  Raises :class:`InvalidInput` for a ``browsing`` that is not a Browsing.
        """
        if browsing is not None and not isinstance(browsing, Browsing):
            raise InvalidInput(field="browsing", reason="a Browsing, or None")
        self._ports = ports
        self._policies = policies
        self._inventory = SeatInventory(ports.holds, ports.sales, claim_lease=policies.claim_lease)
        # A Browsing of its own reads the store: a catalog cache of its own would follow no
        # events, so its tickets could name a show as it was an hour ago.
        self._browsing = (
            Browsing(evolve(ports, cache=None), policies) if browsing is None else browsing
        )

    # -- reading ---------------------------------------------------------------------------------

    async def get(self, actor: Principal, booking_id: str) -> Booking:
        """The booking, for its customer, an admin of its theater, or a platform admin.

        Raises ``NotFound`` and ``PermissionDenied``.
        """
        booking, _ = await self._load_authorized(actor, Action.VIEW_BOOKING, booking_id)
        return booking

    async def ticket(self, actor: Principal, booking_id: str) -> Ticket:
        """The e-ticket of the booking, for whoever may :meth:`get` it.

        Raises ``NotFound``, ``PermissionDenied`` (checked first, so a refused actor learns
        nothing of the booking's status) and
        :class:`~bookmyshow.domain.booking.TicketNotAvailable` unless the booking is
        confirmed or checked in (:attr:`~bookmyshow.domain.booking.Booking.has_ticket`).
        """
        booking = await self.get(actor, booking_id)
        code = booking.ticket_code()
        show = await self._browsing.show(actor, booking.show_id)
        return Ticket(booking=booking, booking_code=code, show=show)

    async def of_user(self, actor: Principal, user_id: str | None = None) -> Sequence[Booking]:
        """The bookings of ``user_id`` (default: the actor's own), newest first.

        Raises ``PermissionDenied`` for another customer's bookings.
        """
        owner = actor.user_id if user_id is None else user_id
        require(actor, Action.VIEW_BOOKING, Resource(kind=ResourceKind.BOOKING, owner_id=owner))

        async def read(uow: UnitOfWork) -> Sequence[Booking]:
            return await uow.bookings.of_user(owner)

        return await read_unit(self._ports, read)

    # -- checkout --------------------------------------------------------------------------------

    async def quote(
        self, actor: Principal, show_id: str, hold_id: str, *, coupon_code: str | None = None
    ) -> Quote:
        """The itemized price of the actor's hold (with the coupon, if any), without booking.

        Raises like :meth:`checkout`, but counts no coupon use and stores nothing.
        """
        require(
            actor,
            Action.MANAGE_BOOKING,
            Resource(kind=ResourceKind.BOOKING, owner_id=actor.user_id),
        )
        now = self._ports.clock.now()
        hold = await self._own_hold(actor, show_id, hold_id, now)
        priced, _ = await self._price(actor, hold, coupon_code, now)
        return priced

    async def checkout(
        self,
        actor: Principal,
        *,
        show_id: str,
        hold_id: str,
        idempotency_key: str,
        coupon_code: str | None = None,
    ) -> Booking:
        """Open a booking awaiting payment for the actor's live hold, priced by the rules.

        The payment is due when the hold expires.  Idempotent per (actor, ``idempotency_key``):
        a retry returns the booking made the first time.  Raises ``IdempotencyKeyReused`` (the
        key was used for another hold, show or coupon), ``PermissionDenied``,
        ``HoldNotFound``/``HoldExpired``, ``NotHoldOwner``, :class:`HoldInCheckout`,
        :class:`ShowNotBookable`, ``CouponRejected`` (unknown, expired, not applicable,
        minimum not met, or a limit reached — counted atomically), ``InvalidInput``.
        """
        require(
            actor,
            Action.MANAGE_BOOKING,
            Resource(kind=ResourceKind.BOOKING, owner_id=actor.user_id),
        )
        check_idempotency_key(idempotency_key)
        existing = await self._by_key(actor.user_id, idempotency_key)
        if existing is not None:
            return self._same_checkout(existing, show_id, hold_id, coupon_code, idempotency_key)
        now = self._ports.clock.now()
        hold = await self._own_hold(actor, show_id, hold_id, now)
        try:
            priced, coupon = await self._price(actor, hold, coupon_code, now, checking_out=True)
        except HoldInCheckout:
            # A concurrent retry of this very checkout may have committed since we looked.
            found = await self._by_key(actor.user_id, idempotency_key)
            if found is None:
                raise
            return self._same_checkout(found, show_id, hold_id, coupon_code, idempotency_key)
        redemption = redemption_id(actor.user_id, idempotency_key)
        if coupon is not None:
            await self._ports.coupon_redemptions.redeem(
                redemption_id=redemption,
                coupon_code=coupon.code,
                user_id=actor.user_id,
                global_limit=coupon.usage_limit,
                per_user_limit=coupon.per_user_limit,
            )
        booking = Booking.create(
            booking_id=self._ports.ids.new_id("bkg"),
            user_id=actor.user_id,
            show_id=hold.show_id,
            hold_id=hold.hold_id,
            seats=hold.seats,
            fencing_token=hold.token,
            amount=priced.total,
            idempotency_key=idempotency_key,
            created_at=now,
            payment_due_at=hold.expires_at,
            lines=[
                BookingLine(kind=li.kind, amount=li.amount, seat=li.seat) for li in priced.lines
            ],
            tickets=priced.tickets,
            coupon_code=priced.coupon_code,
            non_cancellable=priced.non_cancellable,
        )

        async def step(uow: UnitOfWork) -> Booking:
            # Saving the customer's own row makes their concurrent checkouts conflict, so the
            # loser re-runs and sees the winner's booking: one open booking per hold, for sure.
            # Only the hold's owner can check it out, so no other customer ever waits on this.
            await uow.users.save(await uow.users.get(actor.user_id))
            earlier = await uow.bookings.by_idempotency_key(actor.user_id, idempotency_key)
            if earlier is not None:
                return earlier  # a concurrent retry of this very checkout won
            await self._check_no_open_booking(uow, hold)
            await uow.bookings.add(booking)
            return booking

        try:
            stored = await in_unit(self._ports, self._policies, step)
        except BookMyShowError as exc:
            if not (isinstance(exc, Conflict) and exc.what == "idempotency_key"):
                if coupon is not None:
                    await self._ports.coupon_redemptions.release(redemption)
                raise
            # A concurrent retry of the same checkout won; it counted the coupon use we share.
            found = await self._by_key(actor.user_id, idempotency_key)
            if found is None:  # pragma: no cover - the conflict says it exists
                raise
            stored = found
        return self._same_checkout(stored, show_id, hold_id, coupon_code, idempotency_key)

    # -- payment ---------------------------------------------------------------------------------

    async def pay(
        self,
        actor: Principal,
        booking_id: str,
        *,
        payment_method: str,
        idempotency_key: str,
    ) -> Booking:
        """Charge the booking and, once paid, sell its seats and confirm it.

        Returns the booking as it ends: ``CONFIRMED``; ``FAILED_REFUNDED`` (paid, but the seats
        were lost: refunded at once); ``PAYMENT_FAILED`` (declined; the hold stays the
        customer's until it expires); ``PAYMENT_UNKNOWN`` (no answer: reconciliation settles
        it).  A retry with the same key returns the booking's current state and charges
        nothing; the same key for another booking or payment method raises
        ``IdempotencyKeyReused``; a concurrent attempt with the key raises
        ``IdempotencyInProgress``.  Also raises ``PermissionDenied``, ``NotFound``,
        :class:`BookingNotPayable`, :class:`ShowNotBookable`, ``HoldNotFound``/``HoldExpired``
        (the hold lapsed before payment: nothing is charged, the booking ends), and
        ``BackendUnavailable``: from the gateway it means nothing was charged; from a store it
        may come after the charge — either way retry with the same key, which replays the
        booking's one charge instead of making another.
        """
        check_idempotency_key(idempotency_key)
        if not isinstance(payment_method, str) or not payment_method:
            raise InvalidInput(field="payment_method", reason="must be a non-empty string")
        booking, show = await self._load_authorized(actor, Action.MANAGE_BOOKING, booking_id)
        key = f"pay-{_digest(actor.user_id, idempotency_key)}"
        begun = await self._ports.idempotency.begin(key, _digest(booking_id, payment_method))
        if isinstance(begun, Completed):
            return await load_booking(self._ports, begun.response)
        try:
            paid = await self._pay(booking, show, payment_method)
        except BaseException:
            # Nothing irreversible is left half-done: the charge key is the booking's own, so a
            # retry replays the same charge rather than making a second one.
            await self._ports.idempotency.abandon(key)
            raise
        try:
            await self._ports.idempotency.complete(key, paid.booking_id)
        except NotFound:
            # The store lost the started key (a Redis restart or failover).  The payment itself
            # is done; a retry with this key finds the booking settled (BookingNotPayable) and
            # charges nothing, since the gateway key is the booking's own.
            _log.warning("idempotency key %r was lost before it was completed", key)
        return paid

    async def _pay(self, booking: Booking, show: Show, payment_method: str) -> Booking:
        if booking.status is not BookingStatus.PENDING_PAYMENT:
            raise BookingNotPayable(booking_id=booking.booking_id, status=booking.status.value)
        now = self._ports.clock.now()
        if show.is_cancelled:
            raise ShowNotBookable(show_id=show.show_id, reason="cancelled")
        try:
            await self._ports.holds.claim(
                booking.show_id,
                booking.hold_id,
                booking.user_id,
                lease=self._policies.claim_lease,
                now=now,
            )
        except HoldNotFound:
            await self._end_unpayable(booking.booking_id, now)
            raise
        if booking.amount.amount == 0:
            result = ChargeResult(
                outcome=ChargeOutcome.SUCCEEDED,
                idempotency_key=charge_key(booking.booking_id),
                amount=booking.amount,
                payment_id=f"free-{booking.booking_id}",
            )
        else:
            result = await self._ports.payments.charge(
                ChargeRequest(
                    idempotency_key=charge_key(booking.booking_id),
                    booking_id=booking.booking_id,
                    amount=booking.amount,
                    payment_method=payment_method,
                    description=f"Booking {booking.booking_id}",
                )
            )
        return await settle_charge(
            self._ports, self._policies, booking.booking_id, result, self._ports.clock.now()
        )

    async def _end_unpayable(self, booking_id: str, now: datetime) -> None:
        """The hold is gone before any charge: the booking can never be paid; end it."""

        async def step(uow: UnitOfWork) -> Booking:
            booking = await uow.bookings.get(booking_id, for_update=True)
            if booking.status is BookingStatus.PENDING_PAYMENT:
                if now >= booking.payment_due_at:
                    booking.expire(now)
                else:
                    booking.fail_payment("hold_released", now)
                await uow.bookings.save(booking)
            return booking

        booking = await in_unit(self._ports, self._policies, step)
        await release_coupon(self._ports, booking)

    # -- cancellation ----------------------------------------------------------------------------

    async def cancellation_preview(self, actor: Principal, booking_id: str) -> RefundDecision:
        """What cancelling now would refund, itemized, without cancelling.

        Raises ``NotCancellable`` (not confirmed, a non-cancellable coupon, too late),
        ``PermissionDenied``, ``NotFound``.
        """
        booking, show = await self._load_authorized(actor, Action.MANAGE_BOOKING, booking_id)
        return self._decide(booking, show, self._ports.clock.now())

    async def cancel(self, actor: Principal, booking_id: str) -> Booking:
        """Cancel the confirmed booking by the policy: seats back on sale, refund recorded and
        sent.  Returns the booking (``REFUNDED`` once the gateway accepted the refund, else
        ``CANCELLED`` with the refund retried later).  Raises like :meth:`cancellation_preview`.
        """
        await self._load_authorized(actor, Action.MANAGE_BOOKING, booking_id)
        now = self._ports.clock.now()

        async def step(uow: UnitOfWork) -> Booking:
            current = await uow.bookings.get(booking_id, for_update=True)
            show = await uow.shows.get(current.show_id)
            decision = self._decide(current, show, now)
            await cancel_in_unit(
                uow,
                self._ports,
                current,
                amount=decision.amount,
                reason=CancelReason.USER_REQUEST,
                now=now,
            )
            return current

        await in_unit(self._ports, self._policies, step)
        return await send_refunds(self._ports, self._policies, booking_id, now)

    def _decide(self, booking: Booking, show: Show, now: datetime) -> RefundDecision:
        return refund_for(
            booking.tickets,
            booking.amount_paid,
            show.starts_at,
            now,
            self._policies.cancellation,
            status=booking.status.value,
            non_cancellable=booking.non_cancellable,
            already_refunded=booking.amount_refunded + booking.amount_refund_pending,
        )

    # -- check-in --------------------------------------------------------------------------------

    async def check_in(self, actor: Principal, booking_code: str) -> Booking:
        """Admit the booking with this code at its theater, once.

        For theater admins of the show's theater and platform admins.  Raises
        ``InvalidBookingCode`` (a typo), ``NotFound``, ``PermissionDenied``,
        ``AlreadyCheckedIn`` on a second scan, :class:`CheckInClosed` once the show has ended
        or if it was cancelled, ``IllegalTransition`` for a booking that is not confirmed.
        """
        code = normalize_booking_code(booking_code)
        now = self._ports.clock.now()

        async def find(uow: UnitOfWork) -> tuple[Booking, Show]:
            booking = await uow.bookings.by_code(code)
            return booking, await uow.shows.get(booking.show_id)

        found, show = await read_unit(self._ports, find)
        self._require(actor, Action.CHECK_IN, found, show)
        if show.is_cancelled or show.has_ended(now):
            raise CheckInClosed(booking_id=found.booking_id, show_id=show.show_id)

        async def step(uow: UnitOfWork) -> Booking:
            booking = await uow.bookings.get(found.booking_id, for_update=True)
            booking.check_in(now)
            await uow.bookings.save(booking)
            return booking

        return await in_unit(self._ports, self._policies, step)

    # -- helpers ---------------------------------------------------------------------------------

    async def _load_authorized(
        self, actor: Principal, action: Action, booking_id: str
    ) -> tuple[Booking, Show]:
        """The booking and its show, read in one unit, once ``actor`` may do ``action``."""

        async def read(uow: UnitOfWork) -> tuple[Booking, Show]:
            booking = await uow.bookings.get(booking_id)
            return booking, await uow.shows.get(booking.show_id)

        booking, show = await read_unit(self._ports, read)
        self._require(actor, action, booking, show)
        return booking, show

    @staticmethod
    def _require(actor: Principal, action: Action, booking: Booking, show: Show) -> None:
        require(
            actor,
            action,
            Resource(
                kind=ResourceKind.BOOKING,
                resource_id=booking.booking_id,
                owner_id=booking.user_id,
                theater_id=show.theater_id,
            ),
        )

    async def _by_key(self, user_id: str, key: str) -> Booking | None:
        async def read(uow: UnitOfWork) -> Booking | None:
            return await uow.bookings.by_idempotency_key(user_id, key)

        return await read_unit(self._ports, read)

    @staticmethod
    def _same_checkout(
        booking: Booking, show_id: str, hold_id: str, coupon_code: str | None, key: str
    ) -> Booking:
        wanted_coupon = None if coupon_code is None else coupon_code.strip().upper()
        if (booking.show_id, booking.hold_id, booking.coupon_code) != (
            show_id,
            hold_id,
            wanted_coupon,
        ):
            raise IdempotencyKeyReused(key=key)
        return booking

    async def _own_hold(self, actor: Principal, show_id: str, hold_id: str, now: datetime) -> Hold:
        hold = await self._inventory.get(show_id, hold_id, now)
        if hold.owner_id != actor.user_id:
            raise NotHoldOwner(hold_id=hold_id)
        return hold

    @staticmethod
    async def _check_no_open_booking(uow: UnitOfWork, hold: Hold) -> None:
        for other in await uow.bookings.of_show(
            hold.show_id, statuses=LIVE_STATUSES, hold_id=hold.hold_id
        ):
            raise HoldInCheckout(hold_id=hold.hold_id, booking_id=other.booking_id)

    async def _price(
        self,
        actor: Principal,
        hold: Hold,
        coupon_code: str | None,
        now: datetime,
        *,
        checking_out: bool = False,
    ) -> tuple[Quote, Coupon | None]:
        """The hold's quote and coupon; ``checking_out`` also refuses a hold that already has
        an open booking (:class:`HoldInCheckout`), in the same read."""

        async def read(uow: UnitOfWork) -> tuple[Show, Theater, SeatLayout, Coupon | None]:
            show = await uow.shows.get(hold.show_id)
            if show.is_cancelled:
                raise ShowNotBookable(show_id=show.show_id, reason="cancelled")
            if show.has_started(now):
                raise ShowNotBookable(show_id=show.show_id, reason="started")
            theater = await uow.venues.get_theater(show.theater_id)
            layout = (await uow.venues.get_screen(show.screen_id)).layout
            coupon = None if coupon_code is None else await self._coupon(uow, coupon_code)
            if checking_out:
                # Early, before a coupon use is counted; the write unit checks again.
                await self._check_no_open_booking(uow, hold)
            return show, theater, layout, coupon

        show, theater, layout, coupon = await read_unit(self._ports, read)
        states = await self._inventory.seat_states(show.show_id, now)
        sellable = len(layout.sellable())
        # Surge looks at sold plus held seats, the buyer's own hold included.
        occupied = sum(
            1
            for label, state in states.items()
            if state.status is not SeatStatus.AVAILABLE and label in layout
        )

        def price(with_coupon: Coupon | None) -> Quote:
            return quote(
                prices=show.prices,
                seats={label: layout.seat(label).category for label in hold.seats},
                starts_at=local_start(show, theater),
                occupied=min(occupied, sellable),
                sellable=sellable,
                rules=self._policies.pricing,
                coupon=with_coupon,
                movie_id=show.movie_id,
            )

        base = price(None)
        if coupon is None:
            return base, None
        usage = await self._ports.coupon_redemptions.usage(coupon.code, actor.user_id)
        check_coupon(
            coupon,
            base.subtotal,
            now,
            usage.by_user,
            usage.total,
            movie_id=show.movie_id,
            categories=[t.category for t in base.tickets],
        )
        return price(coupon), coupon

    @staticmethod
    async def _coupon(uow: UnitOfWork, code: str) -> Coupon:
        try:
            return await uow.coupons.get(code)
        except NotFound:
            raise CouponRejected(coupon_code=code, reason="unknown") from None
