"""Coupons: validity, usage limits, applicability, minimums and the discount they give."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.domain.coupons import (
    Coupon,
    CouponKind,
    CouponRejected,
    CouponRejection,
    check_coupon,
    check_coupon_for_order,
)
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.money import CurrencyMismatch, Money
from bookmyshow.testing.strategies.pricing import IST, amounts, aware_datetimes, coupons

START = datetime(2025, 3, 1, tzinfo=IST)
END = datetime(2025, 4, 1, tzinfo=IST)
NOW = datetime(2025, 3, 15, 18, 0, tzinfo=IST)


def make(**overrides: Any) -> Coupon:
    """A 20%-off coupon capped at ₹100, valid in March 2025, unless overridden."""
    fields: dict[str, Any] = {
        "code": "save20",
        "discount": Fraction(20, 100),
        "valid_from": START,
        "valid_until": END,
        "max_discount": Money.of("100"),
    }
    fields.update(overrides)
    return Coupon(**fields)


def reason_of(coupon: Coupon, **kwargs: Any) -> str:
    """The rejection reason check_coupon raises (defaults: ₹500 order, no uses, at NOW)."""
    args: dict[str, Any] = {
        "order_subtotal": Money.of("500"),
        "now": NOW,
        "user_uses": 0,
        "global_uses": 0,
    }
    args.update(kwargs)
    with pytest.raises(CouponRejected) as info:
        check_coupon(coupon, **args)
    assert info.value.code == "coupon_rejected"
    assert info.value.coupon_code == coupon.code
    return info.value.reason


def test_a_valid_coupon_passes() -> None:
    """Inside its window, under its limits, with the minimum met, check_coupon returns None."""
    coupon = make(min_order=Money.of("200"), usage_limit=10, per_user_limit=2)
    check_coupon(coupon, Money.of("200"), NOW, user_uses=1, global_uses=9)


def test_codes_are_case_insensitive() -> None:
    """Codes are stored stripped and upper-cased."""
    assert make(code="  save20 ").code == "SAVE20"


def test_window_is_half_open() -> None:
    """Valid from valid_from inclusive until valid_until exclusive."""
    coupon = make()
    check_coupon(coupon, Money.of("500"), START, 0, 0)
    check_coupon(coupon, Money.of("500"), END - timedelta(microseconds=1), 0, 0)
    assert reason_of(coupon, now=END) == CouponRejection.EXPIRED
    assert reason_of(coupon, now=START - timedelta(microseconds=1)) == "not_yet_valid"


def test_window_follows_real_time_across_a_clock_change() -> None:
    """In a zone that turns its clocks back, the second 01:10 is after the first 01:30."""
    new_york = ZoneInfo("America/New_York")
    first_0130 = datetime(2024, 11, 3, 1, 30, tzinfo=new_york)  # EDT, 05:30 UTC
    second_0110 = datetime(2024, 11, 3, 1, 10, fold=1, tzinfo=new_york)  # EST, 06:10 UTC
    coupon = make(valid_from=first_0130, valid_until=second_0110)  # a 40-minute window
    second_0105 = datetime(2024, 11, 3, 1, 5, fold=1, tzinfo=new_york)  # EST, 06:05 UTC
    check_coupon(coupon, Money.of("500"), second_0105, 0, 0)
    assert reason_of(coupon, now=second_0110) == "expired"
    night = make(valid_from=first_0130 - timedelta(hours=1), valid_until=first_0130)
    assert reason_of(night, now=second_0110) == "expired"
    assert reason_of(make(valid_from=second_0110), now=first_0130) == "not_yet_valid"


def test_each_rejection_reason() -> None:
    """Each failed rule has its own reason."""
    assert reason_of(make(min_order=Money.of("501"))) == "minimum_not_met"
    assert reason_of(make(usage_limit=5), global_uses=5) == "usage_exhausted"
    assert reason_of(make(per_user_limit=1), user_uses=1) == "user_limit_reached"
    assert reason_of(make(movies={"m1"}), movie_id="m2") == "not_applicable"
    assert reason_of(make(movies={"m1"})) == "not_applicable"
    assert reason_of(make(categories={"recliner"}), categories={"regular"}) == "not_applicable"
    assert reason_of(make(categories={"recliner"})) == "not_applicable"


def test_reasons_have_a_fixed_precedence() -> None:
    """When several rules fail, the first in the documented order is reported."""
    everything_wrong = make(
        min_order=Money.of("1000"), usage_limit=1, per_user_limit=1, movies={"m1"}
    )
    failing = {"user_uses": 5, "global_uses": 5, "movie_id": "m2"}
    assert reason_of(everything_wrong, now=END, **failing) == "expired"
    assert reason_of(everything_wrong, **failing) == "not_applicable"
    assert reason_of(everything_wrong, **{**failing, "movie_id": "m1"}) == "minimum_not_met"
    assert (
        reason_of(everything_wrong, **{**failing, "movie_id": "m1"}, order_subtotal=Money(100000))
        == "usage_exhausted"
    )


def test_applicable_coupon_for_matching_movie_and_category() -> None:
    """A coupon for movie m1 and recliners passes for an m1 order that includes a recliner."""
    coupon = make(movies={"m1"}, categories={"recliner"})
    check_coupon(coupon, Money(1), NOW, 0, 0, movie_id="m1", categories={"regular", "recliner"})
    check_coupon_for_order(coupon, Money(1), movie_id="m1", categories=["recliner"])


def test_rejection_details_are_renderable() -> None:
    """The error's details give the coupon code and reason for an HTTP layer to render."""
    with pytest.raises(CouponRejected) as info:
        check_coupon(make(), Money.of("500"), END, 0, 0)
    assert info.value.details() == {"coupon_code": "SAVE20", "reason": "expired"}


def test_flat_discount_never_exceeds_the_subtotal() -> None:
    """A ₹150 coupon on an ₹80 order takes ₹80 off, not ₹150."""
    flat = make(discount=Money.of("150"), max_discount=None)
    assert flat.kind is CouponKind.FLAT
    assert flat.rate is None
    assert flat.discount_on(Money.of("80")) == Money.of("80")
    assert flat.discount_on(Money.of("800")) == Money.of("150")


def test_percent_discount_rounds_half_up_then_caps() -> None:
    """20% of 2.5 paise rounds to 1 paisa; 20% of ₹1000 is capped at ₹100."""
    coupon = make()
    assert coupon.kind is CouponKind.PERCENT
    assert coupon.discount_on(Money(5)) == Money(1)
    assert coupon.discount_on(Money(2)) == Money(0)
    assert coupon.discount_on(Money.of("1000")) == Money.of("100")
    assert make(max_discount=None).discount_on(Money.of("1000")) == Money.of("200")


def test_decimal_percent_is_exact() -> None:
    """A Decimal percentage is kept exactly as a fraction."""
    assert make(discount=Decimal("0.125")).rate == Fraction(1, 8)


@pytest.mark.parametrize(
    "overrides",
    [
        {"discount": 0.2},
        {"discount": Fraction(0)},
        {"discount": Fraction(11, 10)},
        {"discount": Money(0), "max_discount": None},
        {"discount": Money(500)},
        {"max_discount": Money(0)},
        {"min_order": Money(-1)},
        {"valid_until": START},
        {"valid_from": datetime(2025, 3, 1)},
        {"code": "   "},
        {"code": "two words"},
        {"usage_limit": 0},
        {"per_user_limit": True},
        {"categories": frozenset()},
        {"categories": "recliner"},
        {"movies": ["", "m1"]},
    ],
)
def test_malformed_coupons_are_refused(overrides: dict[str, Any]) -> None:
    """Floats, out-of-range rates, empty limits, naive times and bad codes raise invalid_input."""
    with pytest.raises(InvalidInput):
        make(**overrides)


def test_coupon_amounts_share_a_currency() -> None:
    """A coupon whose cap and minimum are in different currencies is refused."""
    with pytest.raises(CurrencyMismatch):
        make(max_discount=Money(100, "USD"), min_order=Money(100))


def test_order_in_another_currency_is_refused() -> None:
    """A ₹ coupon cannot discount a dollar order."""
    with pytest.raises(CurrencyMismatch):
        check_coupon(make(), Money(500, "USD"), NOW, 0, 0)
    with pytest.raises(CurrencyMismatch):
        make().discount_on(Money(500, "USD"))


def test_bad_check_arguments_are_refused() -> None:
    """Negative counts, a naive now and a negative subtotal raise invalid_input."""
    with pytest.raises(InvalidInput):
        check_coupon(make(), Money(1), NOW, user_uses=-1, global_uses=0)
    with pytest.raises(InvalidInput):
        check_coupon(make(), Money(1), datetime(2025, 3, 15), 0, 0)
    with pytest.raises(InvalidInput):
        check_coupon(make(), Money(-1), NOW, 0, 0)


@given(coupons(), amounts(0, 10**7))
def test_discount_is_bounded(coupon: Coupon, subtotal: Money) -> None:
    """A discount is never negative, never above the subtotal, and never above the cap."""
    discount = coupon.discount_on(subtotal)
    assert Money(0) <= discount <= subtotal
    if coupon.max_discount is not None:
        assert discount <= coupon.max_discount
    if isinstance(coupon.discount, Money):
        assert discount <= coupon.discount


@given(coupons(), amounts(0, 10**7), amounts(0, 10**7))
def test_discount_is_monotone_in_the_subtotal(coupon: Coupon, a: Money, b: Money) -> None:
    """A larger subtotal never gets a smaller discount."""
    low, high = (a, b) if a <= b else (b, a)
    assert coupon.discount_on(low) <= coupon.discount_on(high)


@given(
    coupons(around=NOW),
    st.integers(0, 1000),
    st.integers(0, 10),
)
def test_usage_limits_decide_exactly(coupon: Coupon, global_uses: int, user_uses: int) -> None:
    """Inside the window, for a fitting order, only the usage counts can refuse the coupon."""
    subtotal = Money(10**7) if coupon.min_order is None else coupon.min_order
    coupon = evolve(coupon, movies=None, categories=None)
    exhausted = coupon.usage_limit is not None and global_uses >= coupon.usage_limit
    user_done = coupon.per_user_limit is not None and user_uses >= coupon.per_user_limit
    if not exhausted and not user_done:
        check_coupon(coupon, subtotal, NOW, user_uses, global_uses)
        return
    with pytest.raises(CouponRejected) as info:
        check_coupon(coupon, subtotal, NOW, user_uses, global_uses)
    assert info.value.reason == ("usage_exhausted" if exhausted else "user_limit_reached")


@given(coupons(), aware_datetimes())
def test_time_outside_the_window_is_refused(coupon: Coupon, now: datetime) -> None:
    """Any instant before valid_from is not_yet_valid and any at or after valid_until expired."""
    if coupon.valid_from <= now < coupon.valid_until:
        return
    expected = "not_yet_valid" if now < coupon.valid_from else "expired"
    with pytest.raises(CouponRejected) as info:
        check_coupon(coupon, Money(10**7), now, 0, 0)
    assert info.value.reason == expected
