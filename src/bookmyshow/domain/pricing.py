"""Pricing as data: turn a show's prices, the seats bought and the rules into an itemized quote.

Everything here is pure.  The caller passes the per-category base prices of the show, the seats
being bought with their categories, the show's *local* start time (an aware datetime already in
the theater's time zone), the show's occupancy as two integers and a :class:`PricingRules` value;
:func:`quote` returns a :class:`Quote`.  Amounts are :class:`~bookmyshow.domain.money.Money`
(integer paise); rates are exact (``Fraction``, ``Decimal`` or ``int`` — a ``float`` is refused
everywhere).

Order of operations, per ticket
-------------------------------

1. **Base** — the show's price for the seat's category (``prices[category]``).
2. **Modifiers** — every :class:`PriceModifier` that matches the show's local weekday and start
   time (and the seat's category, if it names categories) adds its change: a percentage *of the
   base* (``Fraction(20, 100)`` = +20%, ``Fraction(-10, 100)`` = -10%) or a flat amount.  Each
   modifier's amount is rounded half-up to the paisa on its own, and modifiers add up — they do
   not compound — so their order does not matter.  If they take a ticket below zero the quote is
   refused (:class:`InvalidInput` on ``rules.modifiers``): that is a configuration error, and
   silently selling free tickets would hide it.
3. **Surge** — when :class:`SurgePolicy` is set and the occupancy (``occupied / sellable``, sold
   plus held seats — the buyer's own hold included — over sellable seats) reaches a band's
   threshold, the highest band reached gives the surge rate, limited to ``max_rate``.  The surge is
   that rate times the price after modifiers, rounded half-up, and limited per ticket to
   ``max_per_ticket``.  Base + modifiers + surge is the ticket **price**.
4. **Discount** — a :class:`~bookmyshow.domain.coupons.Coupon` is checked against the order (is it
   for this movie and these categories, is the minimum met — see
   :func:`~bookmyshow.domain.coupons.check_coupon_for_order`) and its discount is computed on the
   *eligible subtotal* (the prices of the seats in its categories).  The discount is then spread
   over the eligible tickets in proportion to their prices by :func:`allocate` (largest
   remainder, ties to the earlier seat), so the per-ticket shares sum to the discount exactly and
   no share exceeds its ticket's price.  Price - share is the ticket's **net** price (its taxable
   value).
5. **Convenience fee** — per ticket, a flat amount or a percentage of the net price (rounded
   half-up).
6. **GST** — the ticket's GST rate is chosen by its *net* price (after the discount, before tax)
   from :class:`GstSchedule` slabs: by default 12% up to ₹100.00 (10000 paise) inclusive and 18%
   above.  GST on the ticket is net * rate; GST on the fee is fee * ``fee_rate`` (18% by default);
   each rounded half-up to the paisa per ticket.

A ticket's total is net + ticket GST + fee + fee GST.  Prices are tax-exclusive: GST is added on
top.  The quote's total is the sum of its tickets' totals.

The quote
---------

:class:`Quote` carries a per-ticket breakdown (:class:`TicketBreakdown`: base, each modifier,
surge, discount share, fee, each GST) — cancellation refunds shares of these — and invoice
``lines`` (:class:`QuoteLine`): one ``ticket`` line per seat (its price), then, when not zero, one
``discount`` line (negative), one ``convenience_fee`` line, one ``gst_ticket`` line per GST rate
and one ``gst_fee`` line.  Every line is already rounded (each is a sum of per-ticket amounts
rounded half-up), so the lines sum *exactly* to the total, and the total is never negative.
Seats are ordered naturally by label (``A2`` before ``A10``), whatever order they come in, so the
same order always gets the same quote.

Refused with a coded error: an empty seat list, a seat whose category has no price, prices or
amounts in different currencies (:class:`~bookmyshow.domain.money.CurrencyMismatch`), a naive start
time, a ``float`` anywhere, a negative price, occupancy outside ``0 <= occupied <= sellable``.

Monotonicity: GST slab rates must not fall as the price rises, and surge band rates must not fall
as occupancy rises, so without a coupon raising a modifier never lowers the total.  With a coupon
the discounted subtotal never falls either, but the per-ticket rounding of shares can move one
paisa between tickets; if that paisa takes a ticket across a slab threshold the total can move
against the trend.  That is inherent in choosing slabs per ticket after the discount.
"""

from __future__ import annotations

import enum
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time
from decimal import MAX_EMAX, MIN_EMIN, Decimal, localcontext
from fractions import Fraction
from typing import ClassVar, Final

from attrs import define, field, frozen

from bookmyshow.domain.coupons import Coupon, check_coupon_for_order
from bookmyshow.domain.errors import DomainError, InvalidInput
from bookmyshow.domain.holds import require_aware
from bookmyshow.domain.money import CurrencyMismatch, Money, Rate, to_rate
from bookmyshow.domain.validation import (
    instances,
    label_set,
    require_bool,
    require_optional_text,
    require_text,
)

__all__ = [
    "DEFAULT_GST",
    "WEEKDAYS",
    "WEEKEND",
    "Adjustment",
    "ConvenienceFee",
    "GstSchedule",
    "GstSlab",
    "LineKind",
    "NoPriceForCategory",
    "PriceModifier",
    "PricingRules",
    "Quote",
    "QuoteLine",
    "SurgeBand",
    "SurgePolicy",
    "TicketBreakdown",
    "allocate",
    "format_rate",
    "price_tickets",
    "quote",
    "seat_sort_key",
]

WEEKDAYS: Final = frozenset({0, 1, 2, 3, 4})
"""Monday to Friday, as :meth:`datetime.weekday` numbers them."""
WEEKEND: Final = frozenset({5, 6})
"""Saturday and Sunday."""


class LineKind(enum.StrEnum):
    """What a :class:`QuoteLine` charges for."""

    TICKET = "ticket"
    DISCOUNT = "discount"
    CONVENIENCE_FEE = "convenience_fee"
    GST_TICKET = "gst_ticket"
    GST_FEE = "gst_fee"


@define(auto_exc=True, kw_only=True)
class NoPriceForCategory(DomainError):
    """Seats of ``category`` are being bought but the show has no price for it."""

    code: ClassVar[str] = "no_price_for_category"
    category: str
    seats: frozenset[str]


def format_rate(rate: Rate) -> str:
    """A rate as a percentage for descriptions: ``Fraction(18, 100)`` gives ``"18%"``.

    Exact rates are shown exactly; others are shown to six significant digits.  Raises
    :class:`InvalidInput` for a float or anything else that is not an exact rate.
    """
    percent = to_rate(rate) * 100
    # Beyond 30 digits an integer percentage is noise (and too long to print exactly).
    if percent.denominator == 1 and abs(percent.numerator) < 10**30:
        return f"{percent.numerator}%"
    with localcontext() as ctx:
        ctx.prec = 6
        ctx.Emax, ctx.Emin = MAX_EMAX, MIN_EMIN  # an absurd rate is still shown, not an error
        shown = (Decimal(percent.numerator) / Decimal(percent.denominator)).normalize()
    # Positional notation for sensible rates; an absurd one in scientific notation, not a
    # million zeros.
    return f"{shown:f}%" if -30 < shown.adjusted() < 30 else f"{shown}%"


def _signed(amount: Money) -> str:
    return f"-{-amount}" if amount.amount < 0 else f"+{amount}"


def _rate(value: Rate) -> Fraction:
    return to_rate(value)


def _optional_rate(value: Rate | None) -> Fraction | None:
    return None if value is None else to_rate(value)


def _money_or_rate(value: Money | Rate) -> Money | Fraction:
    return value if isinstance(value, Money) else to_rate(value, field_name="change")


def _fee_value(value: Money | Rate) -> Money | Fraction:
    return value if isinstance(value, Money) else to_rate(value, field_name="per_ticket")


def _optional_set(value: Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else label_set(value, "categories")


def _optional_days(value: Iterable[int] | None) -> frozenset[int] | None:
    if value is None:
        return None
    days = instances(value, int, "weekdays")
    if any(isinstance(d, bool) for d in days):
        raise InvalidInput(field="weekdays", reason="a non-empty set of 0 (Mon) .. 6 (Sun)")
    return frozenset(days)


def _require_money(value: object, name: str, *, allow_negative: bool = False) -> Money:
    if not isinstance(value, Money):
        raise InvalidInput(field=name, reason="must be Money")
    if not allow_negative and value.amount < 0:
        raise InvalidInput(field=name, reason="must not be negative")
    return value


def _same_currency(amounts: Iterable[Money]) -> str | None:
    currency: str | None = None
    for m in amounts:
        if currency is None:
            currency = m.currency
        elif m.currency != currency:
            raise CurrencyMismatch(left=currency, right=m.currency)
    return currency


def _sum(amounts: Iterable[Money], currency: str) -> Money:
    result = Money.zero(currency)
    for m in amounts:
        result = result + m
    return result


_DIGITS = re.compile(r"(\d+)")


def seat_sort_key(label: str) -> tuple[tuple[int, int, str], ...]:
    """Natural order for seat labels: ``A2`` < ``A10`` < ``B1``; used to order quote lines.

    Raises :class:`InvalidInput` if ``label`` is not a string.
    """
    if not isinstance(label, str):
        raise InvalidInput(field="label", reason="a seat label is a string")
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in _DIGITS.split(label)
        if part
    )


def allocate(total: int, weights: Sequence[int]) -> tuple[int, ...]:
    """Split ``total`` (minor units) in proportion to ``weights`` by largest remainder.

    Each share is ``floor(total * w / sum(weights))``; the paise left over go one each to the
    largest fractional remainders, ties to the lower index.  The shares sum to ``total`` exactly,
    each lies within one paisa of its exact proportion, and when ``total <= sum(weights)`` no
    share exceeds its weight.  Deterministic: same arguments, same shares.

    Raises :class:`InvalidInput` for a negative total or weight, non-integers, or all-zero
    weights with a positive total.
    """
    if isinstance(total, bool) or not isinstance(total, int) or total < 0:
        raise InvalidInput(field="total", reason="a non-negative integer")
    weights = instances(weights, int, "weights")
    if any(isinstance(w, bool) or not isinstance(w, int) or w < 0 for w in weights):
        raise InvalidInput(field="weights", reason="non-negative integers")
    whole = sum(weights)
    if whole == 0:
        if total:
            raise InvalidInput(field="weights", reason="cannot split a positive total by zero")
        return tuple(0 for _ in weights)
    floors = [total * w // whole for w in weights]
    remainders = [total * w % whole for w in weights]
    left = total - sum(floors)
    # Sorting on (-remainder, index) gives the largest remainders first, ties to the lower index.
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        floors[index] += 1
    return tuple(floors)


def _check_rate_range(rate: Fraction, name: str, low: Fraction, high: Fraction | None) -> None:
    if rate < low or (high is not None and rate > high):
        upper = "" if high is None else f" and at most {format_rate(high)}"
        raise InvalidInput(field=name, reason=f"must be at least {format_rate(low)}{upper}")


@frozen(kw_only=True)
class PriceModifier:
    """A day-of-week / time-of-day price change, e.g. "weekend +20%" or "morning show -10%".

    ``change`` is a rate of the base price (``Fraction(20, 100)``; at least -100%) or a flat
    :class:`Money` (may be negative).  It matches a show whose local start falls on one of
    ``weekdays`` (0 = Monday; ``None`` = any day) and whose local start time lies in
    ``[starts, ends)`` (``None`` for both = any time; ``starts > ends`` wraps past midnight, so
    22:00-02:00 matches a 23:30 and a 01:00 start — the weekday is always the start's own).
    ``categories`` limits it to some seat categories (``None`` = all).

    Raises :class:`InvalidInput` for a malformed field.
    """

    name: str
    change: Money | Fraction = field(converter=_money_or_rate)
    weekdays: frozenset[int] | None = field(default=None, converter=_optional_days)
    starts: time | None = None
    ends: time | None = None
    categories: frozenset[str] | None = field(default=None, converter=_optional_set)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidInput(field="name", reason="must be a non-empty string")
        if isinstance(self.change, Fraction):
            _check_rate_range(self.change, "change", Fraction(-1), None)
        if self.weekdays is not None and (
            not self.weekdays
            or not all(isinstance(d, int) and not isinstance(d, bool) for d in self.weekdays)
            or not self.weekdays <= frozenset(range(7))
        ):
            raise InvalidInput(field="weekdays", reason="a non-empty set of 0 (Mon) .. 6 (Sun)")
        if (self.starts is None) != (self.ends is None):
            raise InvalidInput(field="ends", reason="give both starts and ends, or neither")
        if self.starts is not None and self.ends is not None:
            for name in ("starts", "ends"):
                value = getattr(self, name)
                if not isinstance(value, time) or value.tzinfo is not None:
                    raise InvalidInput(field=name, reason="a naive local wall-clock time")
            if self.starts == self.ends:
                raise InvalidInput(field="ends", reason="an empty window: use None for all day")
        if self.categories is not None and (
            not self.categories or not all(isinstance(c, str) and c for c in self.categories)
        ):
            raise InvalidInput(field="categories", reason="non-empty names, or None for all")

    def matches(self, starts_at: datetime, category: str) -> bool:
        """Whether this modifier applies to a seat of ``category`` at a show starting ``starts_at``.

        ``starts_at`` is read as local wall-clock time; raises :class:`InvalidInput` if naive or
        if ``category`` is not a string.
        """
        require_aware(starts_at, "starts_at")
        if not isinstance(category, str):
            raise InvalidInput(field="category", reason="a seat category name")
        if self.categories is not None and category not in self.categories:
            return False
        if self.weekdays is not None and starts_at.weekday() not in self.weekdays:
            return False
        if self.starts is None or self.ends is None:
            return True
        clock = starts_at.time()
        if self.starts < self.ends:
            return self.starts <= clock < self.ends
        return clock >= self.starts or clock < self.ends

    def amount_for(self, base: Money) -> Money:
        """The change to ``base``: ``base * rate`` rounded half-up, or the flat amount.

        Raises :class:`InvalidInput` if ``base`` is not Money, CurrencyMismatch for a flat
        change in another currency.
        """
        _require_money(base, "base")
        if isinstance(self.change, Money):
            if self.change.currency != base.currency:
                raise CurrencyMismatch(left=base.currency, right=self.change.currency)
            return self.change
        return base.times(self.change)

    @property
    def rate(self) -> Fraction | None:
        """The percentage as a fraction, or ``None`` for a flat change."""
        return self.change if isinstance(self.change, Fraction) else None


@frozen
class SurgeBand:
    """From ``at_least`` occupancy (in (0, 1], e.g. ``Fraction(7, 10)``), surge by ``rate``."""

    at_least: Fraction = field(converter=_rate)
    rate: Fraction = field(converter=_rate)

    def __attrs_post_init__(self) -> None:
        if not 0 < self.at_least <= 1:
            raise InvalidInput(field="at_least", reason="an occupancy in (0, 1]")
        _check_rate_range(self.rate, "rate", Fraction(0), None)


def _bands(value: Iterable[SurgeBand]) -> tuple[SurgeBand, ...]:
    return tuple(sorted(instances(value, SurgeBand, "bands"), key=lambda b: b.at_least))


@frozen(kw_only=True)
class SurgePolicy:
    """Occupancy surge: the highest band reached sets the rate, within the caps.

    ``bands`` are sorted by threshold; thresholds must differ and rates must not fall as the
    threshold rises.  ``max_rate`` caps the rate; ``max_per_ticket`` caps the surge amount added
    to one ticket.  Raises :class:`InvalidInput` for malformed bands or caps.
    """

    bands: tuple[SurgeBand, ...] = field(converter=_bands)
    max_rate: Fraction | None = field(default=None, converter=_optional_rate)
    max_per_ticket: Money | None = None

    def __attrs_post_init__(self) -> None:
        if not self.bands or not all(isinstance(b, SurgeBand) for b in self.bands):
            raise InvalidInput(field="bands", reason="at least one SurgeBand")
        for lower, upper in itertools.pairwise(self.bands):
            if lower.at_least == upper.at_least:
                raise InvalidInput(field="bands", reason="two bands share a threshold")
            if upper.rate < lower.rate:
                raise InvalidInput(field="bands", reason="rates must not fall as occupancy rises")
        if self.max_rate is not None:
            _check_rate_range(self.max_rate, "max_rate", Fraction(0), None)
        if self.max_per_ticket is not None:
            _require_money(self.max_per_ticket, "max_per_ticket")

    def rate_for(self, occupied: int, sellable: int) -> Fraction:
        """The surge rate at ``occupied / sellable`` (0 below every band), capped by max_rate.

        Raises :class:`InvalidInput` unless ``0 <= occupied <= sellable`` and ``sellable > 0``
        are integers.
        """
        occupied, sellable = _check_occupancy(occupied, sellable)
        occupancy = Fraction(occupied, sellable)
        rate = Fraction(0)
        for band in self.bands:
            if occupancy >= band.at_least:
                rate = band.rate
        if self.max_rate is not None:
            rate = min(rate, self.max_rate)
        return rate

    def amount_for(self, price: Money, rate: Rate) -> Money:
        """The surge on ``price`` at ``rate``, rounded half-up, limited to ``max_per_ticket``.

        Raises :class:`InvalidInput` for a ``price`` that is not Money or a negative or inexact
        ``rate``.
        """
        _require_money(price, "price")
        exact = to_rate(rate)
        _check_rate_range(exact, "rate", Fraction(0), None)
        amount = price.times(exact)
        if self.max_per_ticket is not None:
            amount = amount.min(self.max_per_ticket)
        return amount


@frozen
class ConvenienceFee:
    """A per-ticket booking fee: a flat :class:`Money` or a rate of the ticket's net price.

    Build with :meth:`flat` or :meth:`percent`.  Raises :class:`InvalidInput` for a negative
    amount or a rate outside [0, 1].
    """

    per_ticket: Money | Fraction = field(converter=_fee_value)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.per_ticket, Money):
            _require_money(self.per_ticket, "per_ticket")
        else:
            _check_rate_range(self.per_ticket, "per_ticket", Fraction(0), Fraction(1))

    @classmethod
    def flat(cls, amount: Money) -> ConvenienceFee:
        """``amount`` per ticket; raises :class:`InvalidInput` unless it is non-negative Money."""
        return cls(_require_money(amount, "per_ticket"))

    @classmethod
    def percent(cls, rate: Rate) -> ConvenienceFee:
        """``rate`` of each ticket's net price (``Fraction(175, 10000)`` = 1.75%)."""
        return cls(to_rate(rate, field_name="per_ticket"))

    @property
    def rate(self) -> Fraction | None:
        """The percentage, or ``None`` for a flat fee."""
        return self.per_ticket if isinstance(self.per_ticket, Fraction) else None

    def amount_for(self, net: Money) -> Money:
        """The fee for a ticket whose net price is ``net``; raises InvalidInput unless Money."""
        _require_money(net, "net", allow_negative=True)
        if isinstance(self.per_ticket, Money):
            if self.per_ticket.currency != net.currency:
                raise CurrencyMismatch(left=net.currency, right=self.per_ticket.currency)
            return self.per_ticket
        return net.times(self.per_ticket)


@frozen
class GstSlab:
    """Tickets whose net price is at most ``up_to`` (``None`` = no limit) are taxed at ``rate``."""

    up_to: Money | None
    rate: Fraction = field(converter=_rate)

    def __attrs_post_init__(self) -> None:
        if self.up_to is not None:
            _require_money(self.up_to, "up_to")
        _check_rate_range(self.rate, "rate", Fraction(0), Fraction(1))


def _slabs(value: Iterable[GstSlab]) -> tuple[GstSlab, ...]:
    return instances(value, GstSlab, "ticket_slabs")


_DEFAULT_SLABS: Final = (
    GstSlab(Money(10000), Fraction(12, 100)),
    GstSlab(None, Fraction(18, 100)),
)


@frozen(kw_only=True)
class GstSchedule:
    """GST on tickets by slab of net price, and the GST rate on the convenience fee.

    ``ticket_slabs`` are in ascending ``up_to`` order, the last one open (``up_to=None``); rates
    must not fall as the slab rises.  The default: 12% up to ₹100.00 inclusive, 18% above, 18% on
    the fee.  Raises :class:`InvalidInput` for malformed slabs.
    """

    ticket_slabs: tuple[GstSlab, ...] = field(default=_DEFAULT_SLABS, converter=_slabs)
    fee_rate: Fraction = field(default=Fraction(18, 100), converter=_rate)

    def __attrs_post_init__(self) -> None:
        slabs = self.ticket_slabs
        if not slabs or not all(isinstance(s, GstSlab) for s in slabs):
            raise InvalidInput(field="ticket_slabs", reason="at least one GstSlab")
        if slabs[-1].up_to is not None or any(s.up_to is None for s in slabs[:-1]):
            raise InvalidInput(field="ticket_slabs", reason="only the last slab is open-ended")
        bounded = [s.up_to for s in slabs[:-1] if s.up_to is not None]
        _same_currency(bounded)
        for lower, upper in itertools.pairwise(slabs):
            if upper.rate < lower.rate:
                raise InvalidInput(field="ticket_slabs", reason="rates must not fall")
        for low, high in itertools.pairwise(bounded):
            if high <= low:
                raise InvalidInput(field="ticket_slabs", reason="thresholds must ascend")
        _check_rate_range(self.fee_rate, "fee_rate", Fraction(0), Fraction(1))

    def rate_for(self, net: Money) -> Fraction:
        """The GST rate for a ticket whose net price (after discount, before tax) is ``net``.

        Raises :class:`InvalidInput` if ``net`` is not Money and CurrencyMismatch if it is in
        another currency than the slabs.
        """
        _require_money(net, "net", allow_negative=True)
        for slab in self.ticket_slabs[:-1]:
            if slab.up_to is not None and net <= slab.up_to:
                return slab.rate
        return self.ticket_slabs[-1].rate


DEFAULT_GST: Final = GstSchedule()
"""12% GST on tickets up to ₹100.00, 18% above; 18% on the convenience fee."""


def _modifiers(value: Iterable[PriceModifier]) -> tuple[PriceModifier, ...]:
    return instances(value, PriceModifier, "modifiers")


@frozen(kw_only=True)
class PricingRules:
    """Every pricing rule of a show as one value: modifiers, surge, fee, GST.

    Raises :class:`InvalidInput` when a part is of the wrong type or two modifiers share a name.
    """

    modifiers: tuple[PriceModifier, ...] = field(default=(), converter=_modifiers)
    surge: SurgePolicy | None = None
    convenience_fee: ConvenienceFee | None = None
    gst: GstSchedule = DEFAULT_GST

    def __attrs_post_init__(self) -> None:
        if not all(isinstance(m, PriceModifier) for m in self.modifiers):
            raise InvalidInput(field="modifiers", reason="PriceModifier values")
        names = [m.name for m in self.modifiers]
        if len(set(names)) != len(names):
            raise InvalidInput(field="modifiers", reason="modifier names must be unique")
        if self.surge is not None and not isinstance(self.surge, SurgePolicy):
            raise InvalidInput(field="surge", reason="a SurgePolicy or None")
        if self.convenience_fee is not None and not isinstance(
            self.convenience_fee, ConvenienceFee
        ):
            raise InvalidInput(field="convenience_fee", reason="a ConvenienceFee or None")
        if not isinstance(self.gst, GstSchedule):
            raise InvalidInput(field="gst", reason="a GstSchedule")


@frozen
class Adjustment:
    """One modifier's change to one ticket: ``name``, ``amount`` and ``rate`` if a percentage.

    Raises :class:`InvalidInput` for an empty name, a non-Money amount or an inexact rate.
    """

    name: str
    amount: Money
    rate: Fraction | None = field(default=None, converter=_optional_rate)

    def __attrs_post_init__(self) -> None:
        require_text(self.name, "name")
        _require_money(self.amount, "amount", allow_negative=True)


def _adjustments(value: Iterable[Adjustment]) -> tuple[Adjustment, ...]:
    return instances(value, Adjustment, "adjustments")


@frozen(kw_only=True)
class TicketBreakdown:
    """How one ticket's total is made: the amounts of every step, each rounded to the paisa.

    ``price`` = base + adjustments + surge; ``net`` = price - discount (the taxable value);
    ``total`` = net + gst + fee + fee_gst.  ``fee_rate`` is ``None`` for a flat fee.  Raises
    :class:`InvalidInput` if the parts are inconsistent (negative price, discount above price,
    negative fee or tax) and :class:`CurrencyMismatch` if they mix currencies.
    """

    seat: str
    category: str
    base: Money
    adjustments: tuple[Adjustment, ...] = field(default=(), converter=_adjustments)
    surge_rate: Fraction = field(default=Fraction(0), converter=_rate)
    surge: Money
    discount: Money
    fee_rate: Fraction | None = field(default=None, converter=_optional_rate)
    fee: Money
    gst_rate: Fraction = field(converter=_rate)
    gst: Money
    fee_gst_rate: Fraction = field(converter=_rate)
    fee_gst: Money

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.seat, str) or not self.seat:
            raise InvalidInput(field="seat", reason="a non-empty seat label")
        require_text(self.category, "category")
        for name in ("base", "surge", "discount", "fee", "gst", "fee_gst"):
            _require_money(getattr(self, name), name)
        _same_currency(
            [self.base, self.surge, self.discount, self.fee, self.gst, self.fee_gst]
            + [a.amount for a in self.adjustments]
        )
        if self.price.amount < 0:
            raise InvalidInput(field="adjustments", reason="the price would be negative")
        if self.discount > self.price:
            raise InvalidInput(field="discount", reason="more than the ticket's price")

    @property
    def currency(self) -> str:
        """The currency of every amount in the breakdown."""
        return self.base.currency

    @property
    def price(self) -> Money:
        """Base + modifiers + surge: the ticket price before discount, fee and tax."""
        return _sum([a.amount for a in self.adjustments], self.currency) + self.base + self.surge

    @property
    def net(self) -> Money:
        """Price - discount share: what the ticket itself costs, and its taxable value."""
        return self.price - self.discount

    @property
    def total(self) -> Money:
        """Net + ticket GST + fee + fee GST: what this ticket adds to the order."""
        return self.net + self.gst + self.fee + self.fee_gst


@frozen(kw_only=True)
class QuoteLine:
    """One invoice line.  ``seat`` is set on per-seat lines; ``rate`` where a rate produced it.

    ``kind`` is a :class:`LineKind` value in a quote (refunds use their own kinds).  Amounts
    may be negative (a discount).  Raises :class:`InvalidInput` for an empty kind or seat or a
    non-Money amount.
    """

    kind: str
    seat: str | None
    description: str
    amount: Money
    rate: Fraction | None = field(default=None, converter=_optional_rate)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.kind, str) or not self.kind:
            raise InvalidInput(field="kind", reason="a non-empty line kind")
        if self.seat is not None and (not isinstance(self.seat, str) or not self.seat):
            raise InvalidInput(field="seat", reason="a seat label or None")
        if not isinstance(self.description, str):
            raise InvalidInput(field="description", reason="must be a string")
        _require_money(self.amount, "amount", allow_negative=True)


def _tickets(value: Iterable[TicketBreakdown]) -> tuple[TicketBreakdown, ...]:
    return instances(value, TicketBreakdown, "tickets")


def _lines(value: Iterable[QuoteLine]) -> tuple[QuoteLine, ...]:
    return instances(value, QuoteLine, "lines")


@frozen(kw_only=True)
class Quote:
    """The price of an order: per-ticket breakdowns, invoice lines and the total.

    ``coupon_code`` names the coupon applied (if any) and ``non_cancellable`` records whether it
    forbids cancellation.  Raises :class:`InvalidInput` unless the lines and the tickets each sum
    exactly to ``total``, the seats are distinct and non-empty, and ``total`` is not negative.
    """

    tickets: tuple[TicketBreakdown, ...] = field(converter=_tickets)
    lines: tuple[QuoteLine, ...] = field(converter=_lines)
    total: Money
    coupon_code: str | None = None
    non_cancellable: bool = False

    def __attrs_post_init__(self) -> None:
        if not self.tickets:
            raise InvalidInput(field="tickets", reason="a quote has at least one ticket")
        require_optional_text(self.coupon_code, "coupon_code")
        require_bool(self.non_cancellable, "non_cancellable")
        seats = [t.seat for t in self.tickets]
        if len(set(seats)) != len(seats):
            raise InvalidInput(field="tickets", reason="a seat appears twice")
        _require_money(self.total, "total")
        currency = self.total.currency
        if _sum([t.total for t in self.tickets], currency) != self.total:
            raise InvalidInput(field="tickets", reason="ticket totals do not sum to the total")
        if _sum([line.amount for line in self.lines], currency) != self.total:
            raise InvalidInput(field="lines", reason="lines do not sum to the total")

    @property
    def currency(self) -> str:
        """The quote's currency."""
        return self.total.currency

    @property
    def subtotal(self) -> Money:
        """Sum of ticket prices (before discount, fees and tax)."""
        return _sum([t.price for t in self.tickets], self.currency)

    @property
    def discount(self) -> Money:
        """The whole discount (sum of the per-ticket shares), as a non-negative amount."""
        return _sum([t.discount for t in self.tickets], self.currency)

    @property
    def seats(self) -> tuple[str, ...]:
        """The seat labels, in quote order."""
        return tuple(t.seat for t in self.tickets)

    def ticket(self, seat: str) -> TicketBreakdown:
        """The breakdown of ``seat``; raises :class:`InvalidInput` if it is not in the quote."""
        for t in self.tickets:
            if t.seat == seat:
                return t
        raise InvalidInput(field="seat", reason=f"seat {seat!r} is not in the quote")


def _check_count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field=name, reason="must be an integer")
    return value


def _check_occupancy(occupied: object, sellable: object) -> tuple[int, int]:
    occupied = _check_count(occupied, "occupied")
    sellable = _check_count(sellable, "sellable")
    if sellable <= 0:
        raise InvalidInput(field="sellable", reason="must be positive")
    if not 0 <= occupied <= sellable:
        raise InvalidInput(field="occupied", reason="must be between 0 and sellable")
    return occupied, sellable


def _validate_request(
    prices: Mapping[str, Money], seats: Mapping[str, str], occupied: int, sellable: int
) -> str:
    if not isinstance(prices, Mapping):
        raise InvalidInput(field="prices", reason="a mapping of category to Money")
    for category, price in prices.items():
        _require_money(price, f"prices.{category}")
    if not isinstance(seats, Mapping) or not seats:
        raise InvalidInput(field="seats", reason="at least one seat (label → category)")
    for seat, category in seats.items():
        if not isinstance(seat, str) or not seat:
            raise InvalidInput(field="seats", reason="seat labels are non-empty strings")
        if not isinstance(category, str) or not category:
            raise InvalidInput(field=f"seats.{seat}", reason="a non-empty category name")
    _check_occupancy(occupied, sellable)
    missing: dict[str, set[str]] = {}
    for seat, category in seats.items():
        if category not in prices:
            missing.setdefault(category, set()).add(seat)
    if missing:
        category = min(missing)
        raise NoPriceForCategory(category=category, seats=frozenset(missing[category]))
    _same_currency(prices.values())
    return prices[next(iter(seats.values()))].currency


@frozen
class _Priced:
    seat: str
    category: str
    base: Money
    adjustments: tuple[Adjustment, ...]
    surge: Money

    @property
    def price(self) -> Money:
        return (
            _sum([a.amount for a in self.adjustments], self.base.currency) + self.base + self.surge
        )


def price_tickets(
    *,
    prices: Mapping[str, Money],
    seats: Mapping[str, str],
    starts_at: datetime,
    occupied: int,
    sellable: int,
    rules: PricingRules,
    coupon: Coupon | None = None,
    movie_id: str | None = None,
) -> tuple[TicketBreakdown, ...]:
    """Price every seat, steps 1-6 of the module documentation; see :func:`quote`.

    Returns the breakdowns in natural seat order.  Raises what :func:`quote` raises.
    """
    currency = _validate_request(prices, seats, occupied, sellable)
    require_aware(starts_at, "starts_at")
    if not isinstance(rules, PricingRules):
        raise InvalidInput(field="rules", reason="a PricingRules value")
    if coupon is not None and not isinstance(coupon, Coupon):
        raise InvalidInput(field="coupon", reason="a Coupon or None")
    require_optional_text(movie_id, "movie_id")

    surge_rate = Fraction(0)
    if rules.surge is not None:
        surge_rate = rules.surge.rate_for(occupied, sellable)

    priced: list[_Priced] = []
    for seat in sorted(seats, key=lambda s: (seat_sort_key(s), s)):
        category = seats[seat]
        base = prices[category]
        adjustments = tuple(
            Adjustment(m.name, m.amount_for(base), m.rate)
            for m in rules.modifiers
            if m.matches(starts_at, category)
        )
        modified = _sum([a.amount for a in adjustments], currency) + base
        if modified.amount < 0:
            raise InvalidInput(
                field="rules.modifiers",
                reason=f"modifiers take seat {seat} ({category}) below zero: {modified}",
            )
        surge = Money.zero(currency)
        if rules.surge is not None:
            surge = rules.surge.amount_for(modified, surge_rate)
        priced.append(_Priced(seat, category, base, adjustments, surge))

    shares = [Money.zero(currency)] * len(priced)
    if coupon is not None:
        subtotal = _sum([p.price for p in priced], currency)
        check_coupon_for_order(
            coupon, subtotal, movie_id=movie_id, categories=frozenset(seats.values())
        )
        eligible = [i for i, p in enumerate(priced) if coupon.applies_to_category(p.category)]
        eligible_subtotal = _sum([priced[i].price for i in eligible], currency)
        discount = coupon.discount_on(eligible_subtotal)
        split = allocate(discount.amount, [priced[i].price.amount for i in eligible])
        for i, amount in zip(eligible, split, strict=True):
            shares[i] = Money(amount, currency)

    fee_rule = rules.convenience_fee
    tickets: list[TicketBreakdown] = []
    for p, share in zip(priced, shares, strict=True):
        net = p.price - share
        gst_rate = rules.gst.rate_for(net)
        fee = Money.zero(currency) if fee_rule is None else fee_rule.amount_for(net)
        tickets.append(
            TicketBreakdown(
                seat=p.seat,
                category=p.category,
                base=p.base,
                adjustments=p.adjustments,
                surge_rate=surge_rate,
                surge=p.surge,
                discount=share,
                fee_rate=None if fee_rule is None else fee_rule.rate,
                fee=fee,
                gst_rate=gst_rate,
                gst=net.times(gst_rate),
                fee_gst_rate=rules.gst.fee_rate,
                fee_gst=fee.times(rules.gst.fee_rate),
            )
        )
    return tuple(tickets)


def _ticket_description(t: TicketBreakdown) -> str:
    parts = [f"base {t.base}"]
    for a in t.adjustments:
        rate = "" if a.rate is None else f" {format_rate(a.rate)}"
        parts.append(f"{a.name}{rate} {_signed(a.amount)}")
    if t.surge.amount:
        parts.append(f"surge {format_rate(t.surge_rate)} {_signed(t.surge)}")
    return f"Seat {t.seat} ({t.category}): " + ", ".join(parts)


def _build_lines(
    tickets: Sequence[TicketBreakdown], coupon: Coupon | None, fee_rule: ConvenienceFee | None
) -> list[QuoteLine]:
    currency = tickets[0].currency
    lines = [
        QuoteLine(
            kind=LineKind.TICKET, seat=t.seat, description=_ticket_description(t), amount=t.price
        )
        for t in tickets
    ]
    discount = _sum([t.discount for t in tickets], currency)
    if coupon is not None and discount.amount:
        lines.append(
            QuoteLine(
                kind=LineKind.DISCOUNT,
                seat=None,
                description=f"Coupon {coupon.code}",
                amount=-discount,
                rate=coupon.rate,
            )
        )
    fees = _sum([t.fee for t in tickets], currency)
    if fees.amount:
        lines.append(
            QuoteLine(
                kind=LineKind.CONVENIENCE_FEE,
                seat=None,
                description=f"Convenience fee ({len(tickets)} tickets)",
                amount=fees,
                rate=None if fee_rule is None else fee_rule.rate,
            )
        )
    for rate in sorted({t.gst_rate for t in tickets}):
        taxed = [t for t in tickets if t.gst_rate == rate]
        gst = _sum([t.gst for t in taxed], currency)
        if gst.amount:
            lines.append(
                QuoteLine(
                    kind=LineKind.GST_TICKET,
                    seat=None,
                    description=f"GST {format_rate(rate)} on "
                    + ("ticket " if len(taxed) == 1 else "tickets ")
                    + ", ".join(t.seat for t in taxed),
                    amount=gst,
                    rate=rate,
                )
            )
    fee_gst = _sum([t.fee_gst for t in tickets], currency)
    if fee_gst.amount:
        rate = tickets[0].fee_gst_rate
        lines.append(
            QuoteLine(
                kind=LineKind.GST_FEE,
                seat=None,
                description=f"GST {format_rate(rate)} on convenience fee",
                amount=fee_gst,
                rate=rate,
            )
        )
    return lines


def quote(
    *,
    prices: Mapping[str, Money],
    seats: Mapping[str, str],
    starts_at: datetime,
    occupied: int,
    sellable: int,
    rules: PricingRules,
    coupon: Coupon | None = None,
    movie_id: str | None = None,
) -> Quote:
    """Price an order: the entry point of this module.

    ``prices`` maps category → base price for the show; ``seats`` maps seat label → category;
    ``starts_at`` is the show's start in the theater's zone (aware); ``occupied`` / ``sellable``
    are the sold-plus-held and sellable seat counts; ``coupon`` (already checked for time and
    usage by :func:`~bookmyshow.domain.coupons.check_coupon`) is checked here against the order;
    ``movie_id`` is needed for a coupon limited to movies.

    Raises :class:`InvalidInput` (empty seats, bad counts, naive time, negative or non-Money
    prices, modifiers taking a price below zero, a float rate), :class:`NoPriceForCategory`,
    :class:`~bookmyshow.domain.money.CurrencyMismatch` and
    :class:`~bookmyshow.domain.coupons.CouponRejected` (``not_applicable``, ``minimum_not_met``).
    """
    tickets = price_tickets(
        prices=prices,
        seats=seats,
        starts_at=starts_at,
        occupied=occupied,
        sellable=sellable,
        rules=rules,
        coupon=coupon,
        movie_id=movie_id,
    )
    lines = _build_lines(tickets, coupon, rules.convenience_fee)
    return Quote(
        tickets=tickets,
        lines=lines,
        total=_sum([t.total for t in tickets], tickets[0].currency),
        coupon_code=None if coupon is None else coupon.code,
        non_cancellable=coupon is not None and coupon.non_cancellable,
    )
