"""Cancellation and refunds, with the policy as data.

A customer may cancel a confirmed booking until shortly before the show; how much comes back
depends on how long before the show they cancel.  A :class:`CancellationPolicy` is a list of
:class:`RefundTier` values, each "cancelled at least ``before`` the show start, refund
``ticket_rate`` of the ticket price".  The default:

=========================  ==========================================
time left before the show  refund
=========================  ==========================================
2 hours or more            75% of each ticket's price (and its GST)
20 minutes to 2 hours      50% of each ticket's price (and its GST)
less than 20 minutes       not cancellable (``too_late``)
=========================  ==========================================

A tier's lower bound is inclusive: exactly 2 hours before still gets 75%, exactly 20 minutes
before gets 50%.  The time left is real elapsed time, also across a daylight-saving change in the
theater's zone.  Tiers must pay less (or the same) as the show gets closer, so the refund is
monotone: waiting never increases it.

What is refunded, per ticket, from the quote's :class:`~bookmyshow.domain.pricing.TicketBreakdown`:

- **ticket**: ``ticket_rate`` * the ticket's *net* price (its price after the coupon discount —
  what the customer actually paid for the ticket), rounded half-up to the paisa;
- **GST on the ticket**: ``ticket_rate`` * the GST charged on that ticket, rounded half-up.  GST is
  refunded in proportion to the refunded ticket amount, since tax is due only on what the theater
  keeps; applying the same rate to the GST actually charged (rather than recomputing GST on the
  refunded amount) guarantees the refunded tax never exceeds the tax paid and keeps each slab's
  rounding intact;
- **convenience fee**: in full when ``refund_convenience_fee`` is set, else nothing (the default:
  the booking service was rendered);
- **GST on the fee**: in full when ``refund_fee_gst`` is set, else nothing (the default).

The refund is then limited to the amount actually paid, less what earlier refunds of the booking
returned (``already_refunded``; a ``limit`` line shows any reduction), so it is never more than was
paid and never negative, and the refunds of one booking together never exceed the payment.  A
subset of the booking's seats can be cancelled by passing ``seats``.

A booking cannot be cancelled (:class:`NotCancellable`) when its status is not ``confirmed``
(``not_confirmed``), when it was paid with a coupon marked ``non_cancellable`` (``coupon``), or
when less time is left than the smallest tier (``too_late``, which includes a show that has
started), checked in that order.  The booking's facts come in as arguments, so this module
depends on no booking module.

When the theater cancels a show, :func:`full_refund` returns every paisa paid and not refunded
yet — tickets, GST, fees and GST on fees — whatever the policy, coupon or time.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from typing import ClassVar, Final

from attrs import define, field, frozen

from bookmyshow.domain.errors import DomainError, InvalidInput
from bookmyshow.domain.holds import require_aware
from bookmyshow.domain.money import CurrencyMismatch, Money, Rate, to_rate
from bookmyshow.domain.pricing import Quote, QuoteLine, TicketBreakdown, format_rate
from bookmyshow.domain.validation import (
    elapsed,
    instances,
    label_set,
    require_bool,
    require_text,
    require_timedelta,
)

__all__ = [
    "CONFIRMED",
    "DEFAULT_TIERS",
    "CancellationPolicy",
    "NotCancellable",
    "NotCancellableReason",
    "RefundDecision",
    "RefundKind",
    "RefundTier",
    "full_refund",
    "refund_for",
]

CONFIRMED: Final = "confirmed"
"""The only booking status that can be cancelled by the customer."""


class NotCancellableReason(enum.StrEnum):
    """Why a booking cannot be cancelled (the ``reason`` of :class:`NotCancellable`)."""

    NOT_CONFIRMED = "not_confirmed"
    COUPON = "coupon"
    TOO_LATE = "too_late"


class RefundKind(enum.StrEnum):
    """The ``kind`` of a refund line."""

    TICKET_REFUND = "ticket_refund"
    GST_TICKET_REFUND = "gst_ticket_refund"
    CONVENIENCE_FEE_REFUND = "convenience_fee_refund"
    GST_FEE_REFUND = "gst_fee_refund"
    LIMIT = "limit"
    """Brings the refund down (or, for a full refund, up) to exactly what was paid."""


@define(auto_exc=True, kw_only=True)
class NotCancellable(DomainError):
    """The booking cannot be cancelled; ``reason`` is a :class:`NotCancellableReason` value.

    ``detail`` explains in words (the status, the coupon, or the time left).
    """

    code: ClassVar[str] = "not_cancellable"
    reason: str
    detail: str = ""


def _rate(value: Rate) -> Fraction:
    return to_rate(value, field_name="ticket_rate")


@frozen
class RefundTier:
    """Cancelled at least ``before`` the show start: refund ``ticket_rate`` (0 to 1) of tickets.

    Raises :class:`InvalidInput` for a negative ``before`` or a rate outside [0, 1].
    """

    before: timedelta
    ticket_rate: Fraction = field(converter=_rate)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.before, timedelta) or self.before < timedelta(0):
            raise InvalidInput(field="before", reason="a non-negative timedelta")
        if not 0 <= self.ticket_rate <= 1:
            raise InvalidInput(field="ticket_rate", reason="between 0 and 1")


def _tiers(value: Iterable[RefundTier]) -> tuple[RefundTier, ...]:
    tiers = instances(value, RefundTier, "tiers")
    # Longest notice first: the first tier whose bound is met is the one that applies.
    return tuple(sorted(tiers, key=lambda t: t.before, reverse=True))


DEFAULT_TIERS: Final = (
    RefundTier(timedelta(hours=2), Fraction(75, 100)),
    RefundTier(timedelta(minutes=20), Fraction(50, 100)),
)
"""75% from 2 hours before the show, 50% from 20 minutes before; later is too late."""


@frozen(kw_only=True)
class CancellationPolicy:
    """Refund tiers and which fees come back.

    ``tiers`` may be given in any order; they are kept longest notice first.  Raises
    :class:`InvalidInput` when there are no tiers, two tiers share a bound, or a tier closer to
    the show refunds more than one further from it.
    """

    tiers: tuple[RefundTier, ...] = field(default=DEFAULT_TIERS, converter=_tiers)
    refund_convenience_fee: bool = False
    refund_fee_gst: bool = False

    def __attrs_post_init__(self) -> None:
        if not self.tiers:
            raise InvalidInput(field="tiers", reason="at least one tier")
        for earlier, later in itertools.pairwise(self.tiers):
            if earlier.before == later.before:
                raise InvalidInput(field="tiers", reason="two tiers share a bound")
            if later.ticket_rate > earlier.ticket_rate:
                raise InvalidInput(
                    field="tiers", reason="a tier closer to the show may not refund more"
                )
        for name in ("refund_convenience_fee", "refund_fee_gst"):
            if not isinstance(getattr(self, name), bool):
                raise InvalidInput(field=name, reason="must be a bool")

    def tier_for(self, time_left: timedelta) -> RefundTier | None:
        """The tier for cancelling ``time_left`` before the show, or ``None`` if too late.

        Raises :class:`InvalidInput` if ``time_left`` is not a timedelta.
        """
        require_timedelta(time_left, "time_left")
        for tier in self.tiers:
            if time_left >= tier.before:
                return tier
        return None


def _lines(value: Iterable[QuoteLine]) -> tuple[QuoteLine, ...]:
    return instances(value, QuoteLine, "lines")


def _seats(value: Iterable[str]) -> tuple[str, ...]:
    seats = instances(value, str, "seats")
    for seat in seats:
        require_text(seat, "seats")
    return seats


@frozen(kw_only=True)
class RefundDecision:
    """How much to refund and why.

    ``amount`` is the sum of ``lines``; ``tier`` is the tier applied (``None`` for a full
    refund); ``full`` marks a full refund; ``seats`` are the seats cancelled.  Raises
    :class:`InvalidInput` unless the lines sum exactly to a non-negative ``amount``.
    """

    amount: Money
    tier: RefundTier | None
    lines: tuple[QuoteLine, ...] = field(converter=_lines)
    seats: tuple[str, ...] = field(converter=_seats)
    full: bool = False

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.amount, Money) or self.amount.amount < 0:
            raise InvalidInput(field="amount", reason="a non-negative Money")
        if self.tier is not None and not isinstance(self.tier, RefundTier):
            raise InvalidInput(field="tier", reason="a RefundTier or None")
        require_bool(self.full, "full")
        summed = Money.zero(self.amount.currency)
        for line in self.lines:
            summed = summed + line.amount
        if summed != self.amount:
            raise InvalidInput(field="lines", reason="lines do not sum to the amount")


def _breakdowns(
    priced: Quote | Sequence[TicketBreakdown], seats: Collection[str] | None
) -> tuple[tuple[TicketBreakdown, ...], str]:
    if isinstance(priced, Quote):
        tickets = priced.tickets
    elif isinstance(priced, str | bytes | Mapping) or not isinstance(priced, Iterable):
        raise InvalidInput(field="quote", reason="a Quote or a non-empty list of TicketBreakdown")
    else:
        tickets = tuple(priced)
    if not tickets or not all(isinstance(t, TicketBreakdown) for t in tickets):
        raise InvalidInput(field="quote", reason="a Quote or a non-empty list of TicketBreakdown")
    currency = tickets[0].currency
    for t in tickets:
        if t.currency != currency:
            raise CurrencyMismatch(left=currency, right=t.currency)
    if seats is None:
        return tickets, currency
    wanted = label_set(seats, "seats")
    unknown = wanted - {t.seat for t in tickets}
    if unknown:
        raise InvalidInput(field="seats", reason=f"not in the booking: {sorted(unknown)}")
    if not wanted:
        raise InvalidInput(field="seats", reason="at least one seat to cancel")
    return tuple(t for t in tickets if t.seat in wanted), currency


def _check_paid(paid: object, currency: str) -> Money:
    if not isinstance(paid, Money) or paid.amount < 0:
        raise InvalidInput(field="paid", reason="a non-negative Money")
    if paid.currency != currency:
        raise CurrencyMismatch(left=currency, right=paid.currency)
    return paid


def _refundable(paid: Money, already_refunded: object) -> Money:
    """What is left of ``paid`` after the earlier refunds of the same booking."""
    if already_refunded is None:
        return paid
    if not isinstance(already_refunded, Money) or already_refunded.amount < 0:
        raise InvalidInput(field="already_refunded", reason="a non-negative Money or None")
    if already_refunded.currency != paid.currency:
        raise CurrencyMismatch(left=paid.currency, right=already_refunded.currency)
    if already_refunded > paid:
        raise InvalidInput(field="already_refunded", reason=f"more than was paid, {paid}")
    return paid - already_refunded


def _sum(amounts: Iterable[Money], currency: str) -> Money:
    result = Money.zero(currency)
    for m in amounts:
        result = result + m
    return result


def _itemize(
    tickets: Sequence[TicketBreakdown],
    rate: Fraction,
    *,
    fee: bool,
    fee_gst: bool,
) -> list[QuoteLine]:
    currency = tickets[0].currency
    percent = format_rate(rate)
    lines = [
        QuoteLine(
            kind=RefundKind.TICKET_REFUND,
            seat=t.seat,
            description=f"Seat {t.seat}: {percent} of {t.net}",
            amount=t.net.times(rate),
            rate=rate,
        )
        for t in tickets
    ]
    for slab in sorted({t.gst_rate for t in tickets}):
        taxed = [t for t in tickets if t.gst_rate == slab]
        amount = _sum([t.gst.times(rate) for t in taxed], currency)
        if amount.amount:
            lines.append(
                QuoteLine(
                    kind=RefundKind.GST_TICKET_REFUND,
                    seat=None,
                    description=f"{percent} of GST at {format_rate(slab)} on "
                    + ", ".join(t.seat for t in taxed),
                    amount=amount,
                    rate=rate,
                )
            )
    fees = _sum([t.fee for t in tickets], currency)
    if fee and fees.amount:
        lines.append(
            QuoteLine(
                kind=RefundKind.CONVENIENCE_FEE_REFUND,
                seat=None,
                description="Convenience fee",
                amount=fees,
                rate=Fraction(1),
            )
        )
    fee_taxes = _sum([t.fee_gst for t in tickets], currency)
    if fee_gst and fee_taxes.amount:
        lines.append(
            QuoteLine(
                kind=RefundKind.GST_FEE_REFUND,
                seat=None,
                description="GST on convenience fee",
                amount=fee_taxes,
                rate=Fraction(1),
            )
        )
    return lines


def refund_for(
    quote_or_breakdown: Quote | Sequence[TicketBreakdown],
    paid: Money,
    show_starts_at: datetime,
    now: datetime,
    policy: CancellationPolicy,
    *,
    status: str = CONFIRMED,
    non_cancellable: bool = False,
    seats: Collection[str] | None = None,
    already_refunded: Money | None = None,
) -> RefundDecision:
    """Decide the refund for a customer cancelling at ``now``.

    ``quote_or_breakdown`` is the booking's quote (or its ticket breakdowns); ``paid`` is what
    was charged; ``status`` is the booking's status (only ``"confirmed"`` can be cancelled);
    ``non_cancellable`` is true when the booking used a non-cancellable coupon (a
    :class:`~bookmyshow.domain.pricing.Quote` records this itself and either suffices);
    ``seats`` cancels only those seats (``None``: all); ``already_refunded`` is what earlier
    refunds of this booking returned (a partial cancellation, say): the refund is limited to
    ``paid - already_refunded``.

    Raises :class:`NotCancellable` (``not_confirmed``, ``coupon``, ``too_late``, in that order),
    :class:`InvalidInput` (naive datetimes, negative ``paid``, ``already_refunded`` negative or
    above ``paid``, unknown seats, a bad policy) and :class:`CurrencyMismatch`.
    """
    tickets, currency = _breakdowns(quote_or_breakdown, seats)
    paid = _check_paid(paid, currency)
    refundable = _refundable(paid, already_refunded)
    require_aware(show_starts_at, "show_starts_at")
    require_aware(now)
    if not isinstance(policy, CancellationPolicy):
        raise InvalidInput(field="policy", reason="a CancellationPolicy")
    if not isinstance(status, str):
        raise InvalidInput(field="status", reason="a booking status name")
    require_bool(non_cancellable, "non_cancellable")
    if status != CONFIRMED:
        raise NotCancellable(
            reason=NotCancellableReason.NOT_CONFIRMED, detail=f"booking is {status!r}"
        )
    if non_cancellable or (
        isinstance(quote_or_breakdown, Quote) and quote_or_breakdown.non_cancellable
    ):
        code = quote_or_breakdown.coupon_code if isinstance(quote_or_breakdown, Quote) else None
        raise NotCancellable(
            reason=NotCancellableReason.COUPON,
            detail=f"paid with non-cancellable coupon {code or ''}".rstrip(),
        )
    time_left = elapsed(now, show_starts_at)
    tier = policy.tier_for(time_left)
    if tier is None:
        raise NotCancellable(
            reason=NotCancellableReason.TOO_LATE,
            detail=f"{time_left} before the show; the last tier needs {policy.tiers[-1].before}",
        )
    lines = _itemize(
        tickets,
        tier.ticket_rate,
        fee=policy.refund_convenience_fee,
        fee_gst=policy.refund_fee_gst,
    )
    amount = _sum([line.amount for line in lines], currency)
    if amount > refundable:
        limit = (
            f"Limited to the amount paid, {paid}"
            if refundable == paid
            else f"Limited to what is left of the amount paid, {refundable}"
        )
        lines.append(
            QuoteLine(
                kind=RefundKind.LIMIT, seat=None, description=limit, amount=refundable - amount
            )
        )
        amount = refundable
    return RefundDecision(
        amount=amount, tier=tier, lines=lines, seats=tuple(t.seat for t in tickets)
    )


def full_refund(
    quote_or_breakdown: Quote | Sequence[TicketBreakdown],
    paid: Money,
    *,
    seats: Collection[str] | None = None,
    already_refunded: Money | None = None,
) -> RefundDecision:
    """Refund everything paid for a booking whose show the theater cancelled.

    The amount is exactly ``paid - already_refunded`` (``already_refunded``: what earlier
    refunds of this booking returned, e.g. for seats cancelled before; ``None`` for nothing):
    tickets, GST, fees and GST on fees of ``seats`` (``None``: all), itemized from the
    breakdown, plus a ``limit`` line if that amount differs from the itemized total.  No policy,
    coupon or time applies.  Raises :class:`InvalidInput` (negative ``paid``,
    ``already_refunded`` negative or above ``paid``, empty breakdown, unknown seats) and
    :class:`CurrencyMismatch`.
    """
    tickets, currency = _breakdowns(quote_or_breakdown, seats)
    paid = _check_paid(paid, currency)
    amount = _refundable(paid, already_refunded)
    lines = _itemize(tickets, Fraction(1), fee=True, fee_gst=True)
    itemized = _sum([line.amount for line in lines], currency)
    if itemized != amount:
        adjusted = (
            f"Adjusted to the amount paid, {paid}"
            if amount == paid
            else f"Adjusted to what is left of the amount paid, {amount}"
        )
        lines.append(
            QuoteLine(
                kind=RefundKind.LIMIT, seat=None, description=adjusted, amount=amount - itemized
            )
        )
    return RefundDecision(
        amount=amount, tier=None, lines=lines, seats=tuple(t.seat for t in tickets), full=True
    )
