"""Hypothesis strategies for pricing rules, coupons, quotes and cancellation policies.

Every strategy builds valid values: :func:`pricing_cases` draws a whole pricing request that
:func:`~bookmyshow.domain.pricing.quote` accepts (a coupon it draws fits the order), so properties
can be stated over any quote.  Amounts stay in one currency (INR by default) and rates are exact
fractions.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta, timezone
from fractions import Fraction
from typing import Any

from attrs import evolve, frozen
from hypothesis import strategies as st

from bookmyshow.domain.cancellation import CancellationPolicy, RefundTier
from bookmyshow.domain.coupons import Coupon
from bookmyshow.domain.money import Money
from bookmyshow.domain.pricing import (
    ConvenienceFee,
    GstSchedule,
    GstSlab,
    PriceModifier,
    PricingRules,
    Quote,
    SurgeBand,
    SurgePolicy,
    price_tickets,
    quote,
)

__all__ = [
    "CATEGORIES",
    "IST",
    "PricingCase",
    "amounts",
    "aware_datetimes",
    "cancellation_policies",
    "convenience_fees",
    "coupons",
    "gst_schedules",
    "percents",
    "price_modifiers",
    "pricing_cases",
    "pricing_rules",
    "quotes",
    "refund_tiers",
    "seat_maps",
    "surge_policies",
]

IST = timezone(timedelta(hours=5, minutes=30), "IST")
"""India Standard Time, a fixed offset (no time-zone database needed)."""

CATEGORIES = ("regular", "prime", "recliner")
"""The seat categories the strategies draw from."""

_BASIS = 10_000
_ZONES = (IST, UTC, timezone(timedelta(hours=-5)), timezone(timedelta(hours=9, minutes=45)))


@functools.cache
def amounts(
    min_paise: int = 0, max_paise: int = 200_000, currency: str = "INR"
) -> st.SearchStrategy[Money]:
    """Money between ``min_paise`` and ``max_paise`` minor units, inclusive."""
    return st.builds(Money, st.integers(min_paise, max_paise), st.just(currency))


@functools.cache
def percents(
    min_value: Fraction = Fraction(0), max_value: Fraction = Fraction(1)
) -> st.SearchStrategy[Fraction]:
    """Exact rates in ``[min_value, max_value]``, in basis points (``Fraction(n, 10000)``).

    Includes both bounds whenever they are whole basis points.
    """
    low = math.ceil(min_value * _BASIS)
    high = math.floor(max_value * _BASIS)
    return st.integers(low, high).map(lambda n: Fraction(n, _BASIS))


@functools.cache
def aware_datetimes(
    min_value: datetime = datetime(2024, 1, 1),
    max_value: datetime = datetime(2027, 1, 1),
) -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes with fixed offsets (IST, UTC, and two others)."""
    return st.datetimes(min_value, max_value, timezones=st.sampled_from(_ZONES))


_TIMES = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
_WINDOWS = st.none() | st.tuples(_TIMES, _TIMES).filter(lambda w: w[0] != w[1])
_WEEKDAYS = st.none() | st.frozensets(st.integers(0, 6), min_size=1)
_SOME_CATEGORIES = st.frozensets(st.sampled_from(CATEGORIES), min_size=1)
_OPTIONAL_CATEGORIES = st.none() | _SOME_CATEGORIES
_NAMES = st.text("abcdefghij", min_size=1, max_size=8)


@functools.cache
def price_modifiers(
    name: str | None = None, currency: str = "INR"
) -> st.SearchStrategy[PriceModifier]:
    """A modifier: a rate in [-30%, +100%] or a flat amount in [0, ₹100], any day/time filter.

    Up to three such modifiers can never take a non-negative base price below zero.
    """
    changes = st.one_of(percents(Fraction(-3, 10), Fraction(1)), amounts(0, 10_000, currency))

    def build(
        change: Money | Fraction,
        weekdays: frozenset[int] | None,
        window: tuple[time, time] | None,
        categories: frozenset[str] | None,
        drawn_name: str,
    ) -> PriceModifier:
        return PriceModifier(
            name=name or drawn_name,
            change=change,
            weekdays=weekdays,
            starts=None if window is None else window[0],
            ends=None if window is None else window[1],
            categories=categories,
        )

    return st.builds(build, changes, _WEEKDAYS, _WINDOWS, _OPTIONAL_CATEGORIES, _NAMES)


@functools.cache
def surge_policies(currency: str = "INR") -> st.SearchStrategy[SurgePolicy]:
    """One to three bands with ascending thresholds and non-decreasing rates, optional caps."""
    pairs = st.lists(
        st.tuples(percents(Fraction(1, 100), Fraction(1)), percents(Fraction(0), Fraction(1, 2))),
        min_size=1,
        max_size=3,
        unique_by=lambda p: p[0],
    )

    def build(
        drawn: list[tuple[Fraction, Fraction]], max_rate: Fraction | None, cap: Money | None
    ) -> SurgePolicy:
        thresholds = sorted(t for t, _ in drawn)
        rates = sorted(r for _, r in drawn)
        bands = [SurgeBand(t, r) for t, r in zip(thresholds, rates, strict=True)]
        return SurgePolicy(bands=bands, max_rate=max_rate, max_per_ticket=cap)

    return st.builds(
        build,
        pairs,
        st.none() | percents(Fraction(0), Fraction(1, 2)),
        st.none() | amounts(0, 10_000, currency),
    )


@functools.cache
def convenience_fees(currency: str = "INR") -> st.SearchStrategy[ConvenienceFee]:
    """A flat fee up to ₹50 or a rate up to 20% of the net price."""
    return st.one_of(
        st.builds(ConvenienceFee.flat, amounts(0, 5_000, currency)),
        st.builds(ConvenienceFee.percent, percents(Fraction(0), Fraction(1, 5))),
    )


@functools.cache
def gst_schedules(currency: str = "INR") -> st.SearchStrategy[GstSchedule]:
    """One to three slabs with ascending thresholds and non-decreasing rates up to 28%."""
    rate = percents(Fraction(0), Fraction(28, 100))
    pairs = st.lists(st.tuples(st.integers(1, 100_000), rate), max_size=2, unique_by=lambda p: p[0])

    def build(drawn: list[tuple[int, Fraction]], top: Fraction, fee_rate: Fraction) -> GstSchedule:
        bounds = sorted(b for b, _ in drawn)
        rates = sorted([r for _, r in drawn] + [top])
        slabs = [GstSlab(Money(b, currency), r) for b, r in zip(bounds, rates, strict=False)]
        slabs.append(GstSlab(None, rates[-1]))
        return GstSchedule(ticket_slabs=slabs, fee_rate=fee_rate)

    return st.builds(build, pairs, rate, rate)


@functools.cache
def pricing_rules(currency: str = "INR") -> st.SearchStrategy[PricingRules]:
    """Up to three modifiers, optional surge and fee, and the default or a drawn GST schedule."""
    modifiers = st.lists(
        st.sampled_from(["weekend", "morning", "late", "holiday"]), max_size=3, unique=True
    ).flatmap(lambda names: st.tuples(*(price_modifiers(n, currency) for n in names)))
    return st.builds(
        PricingRules,
        modifiers=modifiers,
        surge=st.none() | surge_policies(currency),
        convenience_fee=st.none() | convenience_fees(currency),
        gst=st.just(GstSchedule()) | gst_schedules(currency),
    )


_LABELS = st.builds(
    lambda row, number: f"{row}{number}", st.sampled_from("ABCDEFGHJK"), st.integers(1, 30)
)


@functools.cache
def seat_maps(max_seats: int = 8) -> st.SearchStrategy[dict[str, str]]:
    """Seat label -> category for 1 to ``max_seats`` distinct seats such as ``"C12"``."""
    return st.dictionaries(_LABELS, st.sampled_from(CATEGORIES), min_size=1, max_size=max_seats)


@functools.cache
def coupons(*, around: datetime | None = None, currency: str = "INR") -> st.SearchStrategy[Coupon]:
    """A flat or percent coupon; its validity window contains ``around`` when given."""
    discounts = st.one_of(amounts(1, 50_000, currency), percents(Fraction(1, 100), Fraction(1)))
    optional_amount = st.none() | amounts(1, 50_000, currency)
    if around is None:
        starts = aware_datetimes()
    else:
        starts = st.timedeltas(timedelta(0), timedelta(days=30)).map(lambda d: around - d)

    def build(
        *,
        code: str,
        discount: Money | Fraction,
        start: datetime,
        length: timedelta,
        cap: Money | None,
        min_order: Money | None,
        usage_limit: int | None,
        per_user_limit: int | None,
        categories: frozenset[str] | None,
        movies: frozenset[str] | None,
        non_cancellable: bool,
    ) -> Coupon:
        if around is not None:
            length = max(length, around - start + timedelta(seconds=1))
        return Coupon(
            code=code,
            discount=discount,
            valid_from=start,
            valid_until=start + length,
            max_discount=cap if isinstance(discount, Fraction) else None,
            min_order=min_order,
            usage_limit=usage_limit,
            per_user_limit=per_user_limit,
            categories=categories,
            movies=movies,
            non_cancellable=non_cancellable,
        )

    return st.builds(
        build,
        code=st.text("ABCDEFXYZ0123456789", min_size=3, max_size=10),
        discount=discounts,
        start=starts,
        length=st.timedeltas(timedelta(seconds=1), timedelta(days=60)),
        cap=optional_amount,
        min_order=st.none() | amounts(0, 50_000, currency),
        usage_limit=st.none() | st.integers(1, 1000),
        per_user_limit=st.none() | st.integers(1, 5),
        categories=_OPTIONAL_CATEGORIES,
        movies=st.none() | st.just(frozenset({"movie-1", "movie-2"})),
        non_cancellable=st.booleans(),
    )


@frozen(kw_only=True)
class PricingCase:
    """Everything :func:`~bookmyshow.domain.pricing.quote` takes, as one value."""

    prices: Mapping[str, Money]
    seats: Mapping[str, str]
    starts_at: datetime
    occupied: int
    sellable: int
    rules: PricingRules
    coupon: Coupon | None = None
    movie_id: str | None = "movie-1"

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments for :func:`quote` / :func:`price_tickets`."""
        return {
            "prices": self.prices,
            "seats": self.seats,
            "starts_at": self.starts_at,
            "occupied": self.occupied,
            "sellable": self.sellable,
            "rules": self.rules,
            "coupon": self.coupon,
            "movie_id": self.movie_id,
        }

    def quote(self) -> Quote:
        """The quote for this case."""
        return quote(**self.kwargs())


def _fit(case: PricingCase, coupon: Coupon, extra_category: str) -> PricingCase:
    """Make ``coupon`` fit the order: cover a seat's category, lower its minimum if needed."""
    categories = coupon.categories
    if categories is not None and categories.isdisjoint(case.seats.values()):
        categories = categories | {extra_category}
    subtotal = sum(t.price.amount for t in price_tickets(**case.kwargs()))
    min_order = coupon.min_order
    if min_order is not None and min_order.amount > subtotal:
        min_order = Money(subtotal, min_order.currency)
    return evolve(case, coupon=evolve(coupon, categories=categories, min_order=min_order))


@functools.cache
def pricing_cases(
    *, with_coupon: bool | None = None, currency: str = "INR"
) -> st.SearchStrategy[PricingCase]:
    """A pricing request ``quote`` accepts; ``with_coupon`` forces a coupon on/off (None: either).

    A drawn coupon always fits the order: it covers at least one of the seats' categories, the
    movie is one it allows, and its minimum is at most the order subtotal.
    """
    prices = st.fixed_dictionaries({c: amounts(0, 100_000, currency) for c in CATEGORIES})
    occupancy = st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))

    def build(
        seats: dict[str, str],
        prices: dict[str, Money],
        starts_at: datetime,
        counts: tuple[int, int],
        rules: PricingRules,
    ) -> PricingCase:
        return PricingCase(
            prices=prices,
            seats=seats,
            starts_at=starts_at,
            occupied=counts[0],
            sellable=counts[1],
            rules=rules,
        )

    cases = st.builds(
        build, seat_maps(), prices, aware_datetimes(), occupancy, pricing_rules(currency)
    )
    coupon_choice = st.booleans() if with_coupon is None else st.just(with_coupon)
    optional_coupons = coupon_choice.flatmap(
        lambda use: (
            st.tuples(coupons(currency=currency), st.sampled_from(CATEGORIES)) if use else st.none()
        )
    )

    def combine(case: PricingCase, drawn: tuple[Coupon, str] | None) -> PricingCase:
        if drawn is None:
            return case
        coupon, category = drawn
        used = sorted(set(case.seats.values()))
        extra = category if category in used else used[0]
        return _fit(case, coupon, extra)

    return st.builds(combine, cases, optional_coupons)


@functools.cache
def quotes(*, with_coupon: bool | None = None) -> st.SearchStrategy[Quote]:
    """Quotes from :func:`pricing_cases`."""
    return pricing_cases(with_coupon=with_coupon).map(PricingCase.quote)


@functools.cache
def refund_tiers() -> st.SearchStrategy[tuple[RefundTier, ...]]:
    """One to four tiers: distinct bounds up to 2 days, rates falling as the show nears."""
    pairs = st.lists(
        st.tuples(st.integers(0, 2 * 24 * 60), percents()),
        min_size=1,
        max_size=4,
        unique_by=lambda p: p[0],
    )

    def build(drawn: list[tuple[int, Fraction]]) -> tuple[RefundTier, ...]:
        minutes = sorted((m for m, _ in drawn), reverse=True)
        rates = sorted((r for _, r in drawn), reverse=True)
        return tuple(
            RefundTier(timedelta(minutes=m), r) for m, r in zip(minutes, rates, strict=True)
        )

    return st.builds(build, pairs)


@functools.cache
def cancellation_policies() -> st.SearchStrategy[CancellationPolicy]:
    """A policy of :func:`refund_tiers` with either fee flag set or not."""
    return st.builds(
        CancellationPolicy,
        tiers=refund_tiers(),
        refund_convenience_fee=st.booleans(),
        refund_fee_gst=st.booleans(),
    )
