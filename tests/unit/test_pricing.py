"""Pricing: order of operations, rounding, discount allocation, GST slabs, refusals."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import pytest
from attrs import evolve
from hypothesis import assume, given
from hypothesis import strategies as st

from bookmyshow.domain.cancellation import CancellationPolicy, NotCancellable, refund_for
from bookmyshow.domain.coupons import Coupon, CouponRejected
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.money import CurrencyMismatch, Money
from bookmyshow.domain.pricing import (
    DEFAULT_GST,
    WEEKEND,
    ConvenienceFee,
    GstSchedule,
    GstSlab,
    LineKind,
    NoPriceForCategory,
    PriceModifier,
    PricingRules,
    Quote,
    QuoteLine,
    SurgeBand,
    SurgePolicy,
    allocate,
    format_rate,
    price_tickets,
    quote,
    seat_sort_key,
)
from bookmyshow.testing.strategies.pricing import (
    IST,
    PricingCase,
    amounts,
    percents,
    pricing_cases,
    quotes,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"
SATURDAY_EVENING = datetime(2025, 3, 15, 18, 30, tzinfo=IST)


def worked_example_rules() -> PricingRules:
    """The rules of the worked example in docs/pricing.md."""
    return PricingRules(
        modifiers=[
            PriceModifier(name="weekend", change=Fraction(20, 100), weekdays=WEEKEND),
            PriceModifier(name="morning", change=Fraction(-10, 100), starts=time(6), ends=time(12)),
        ],
        surge=SurgePolicy(
            bands=[
                SurgeBand(Fraction(7, 10), Fraction(10, 100)),
                SurgeBand(Fraction(9, 10), Fraction(25, 100)),
            ],
            max_per_ticket=Money.of("25"),
        ),
        convenience_fee=ConvenienceFee.flat(Money.of("30")),
    )


def worked_example_quote() -> Quote:
    """The quote of the worked example in docs/pricing.md (also used by docs/cancellation.md)."""
    coupon = Coupon(
        code="FLAT100",
        discount=Money.of("100"),
        valid_from=datetime(2025, 1, 1, tzinfo=IST),
        valid_until=datetime(2026, 1, 1, tzinfo=IST),
    )
    return quote(
        prices={"regular": Money.of("80"), "prime": Money.of("250")},
        seats={"D5": "prime", "A2": "regular", "A1": "regular"},
        starts_at=SATURDAY_EVENING,
        occupied=150,
        sellable=200,
        rules=worked_example_rules(),
        coupon=coupon,
    )


def amount_text(amount: Money) -> str:
    """An amount as the docs tables show it: ``-100.00``."""
    sign = "-" if amount.amount < 0 else ""
    whole, minor = divmod(abs(amount.amount), 100)
    return f"{sign}{whole}.{minor:02d}"


def render_lines(lines: Sequence[QuoteLine], total: Money) -> str:
    """Lines as the Markdown table the docs show."""
    rows = ["| kind | seat | description | rate | amount |", "|---|---|---|---|---:|"]
    for line in lines:
        rate = "" if line.rate is None else format_rate(line.rate)
        rows.append(
            f"| {line.kind} | {line.seat or ''} | {line.description} | {rate} "
            f"| {amount_text(line.amount)} |"
        )
    rows.append(f"| **total** | | | | **{amount_text(total)}** |")
    return "\n".join(rows)


def half_up(amount: int, rate: Fraction) -> int:
    """Independent oracle: amount * rate rounded half-up, through Decimal."""
    with localcontext() as ctx:
        ctx.prec = 60
        exact = Decimal(amount) * Decimal(rate.numerator) / Decimal(rate.denominator)
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def one_seat(
    price: Money,
    rules: PricingRules | None = None,
    *,
    starts_at: datetime = SATURDAY_EVENING,
    occupied: int = 0,
    sellable: int = 100,
    category: str = "regular",
) -> Quote:
    """A quote for seat A1 of ``category`` at ``price``."""
    return quote(
        prices={category: price},
        seats={"A1": category},
        starts_at=starts_at,
        occupied=occupied,
        sellable=sellable,
        rules=rules or PricingRules(),
    )


# --- the worked example -------------------------------------------------------------------------


def test_worked_example_numbers() -> None:
    """The docs' worked example: each ticket's steps and the total of ₹610.61."""
    q = worked_example_quote()
    a1, a2, d5 = q.tickets
    assert (a1.seat, a2.seat, d5.seat) == ("A1", "A2", "D5")
    assert [[a.amount.amount for a in t.adjustments] for t in q.tickets] == [[1600]] * 2 + [[5000]]
    assert [t.surge.amount for t in q.tickets] == [960, 960, 2500]
    assert [t.price.amount for t in q.tickets] == [10560, 10560, 32500]
    assert [t.discount.amount for t in q.tickets] == [1970, 1969, 6061]
    assert [t.net.amount for t in q.tickets] == [8590, 8591, 26439]
    assert [t.gst_rate for t in q.tickets] == [Fraction(12, 100)] * 2 + [Fraction(18, 100)]
    assert [t.gst.amount for t in q.tickets] == [1031, 1031, 4759]
    assert [(t.fee.amount, t.fee_gst.amount) for t in q.tickets] == [(3000, 540)] * 3
    assert [t.total.amount for t in q.tickets] == [13161, 13162, 34738]
    assert q.total == Money.of("610.61")


def test_worked_example_table_is_in_the_docs() -> None:
    """docs/pricing.md shows exactly the lines the worked example produces."""
    q = worked_example_quote()
    text = (DOCS / "pricing.md").read_text(encoding="utf-8")
    assert render_lines(q.lines, q.total) in text


def test_slab_is_chosen_after_the_discount() -> None:
    """A ₹105.60 ticket discounted to ₹85.90 is taxed at 12%, not the 18% its price would get."""
    a1 = worked_example_quote().ticket("A1")
    assert a1.price > Money.of("100")
    assert DEFAULT_GST.rate_for(a1.price) == Fraction(18, 100)
    assert a1.net <= Money.of("100")
    assert a1.gst_rate == Fraction(12, 100)


@pytest.mark.parametrize(
    ("price", "discount", "rate"),
    [
        ("100", None, Fraction(12, 100)),
        ("120", "20", Fraction(12, 100)),
        ("120", "19.99", Fraction(18, 100)),
    ],
)
def test_slab_boundary_is_exactly_100_rupees_after_the_discount(
    price: str, discount: str | None, rate: Fraction
) -> None:
    """A ticket at, or discounted to, exactly ₹100.00 is taxed 12%; one at ₹100.01, 18%."""
    coupon = None
    if discount is not None:
        coupon = Coupon(
            code="C",
            discount=Money.of(discount),
            valid_from=SATURDAY_EVENING - timedelta(days=1),
            valid_until=SATURDAY_EVENING + timedelta(days=1),
        )
    q = quote(
        prices={"regular": Money.of(price)},
        seats={"A1": "regular"},
        starts_at=SATURDAY_EVENING,
        occupied=0,
        sellable=10,
        rules=PricingRules(),
        coupon=coupon,
    )
    t = q.tickets[0]
    assert t.gst_rate == rate
    assert t.gst == t.net.times(rate)
    assert q.total == t.net + t.gst


def test_free_tickets_and_full_discounts_cost_only_the_fee() -> None:
    """A ₹0 ticket, or one a 100% coupon makes free, pays no GST; only the fee and its GST."""
    full = Coupon(
        code="FREE",
        discount=Fraction(1),
        valid_from=SATURDAY_EVENING - timedelta(days=1),
        valid_until=SATURDAY_EVENING + timedelta(days=1),
    )
    rules = PricingRules(convenience_fee=ConvenienceFee.flat(Money.of("20")))
    q = quote(
        prices={"regular": Money(0), "prime": Money.of("250")},
        seats={"A1": "regular", "D5": "prime"},
        starts_at=SATURDAY_EVENING,
        occupied=0,
        sellable=10,
        rules=rules,
        coupon=full,
    )
    assert [t.net for t in q.tickets] == [Money(0), Money(0)]
    assert [t.gst for t in q.tickets] == [Money(0), Money(0)]
    assert q.discount == Money.of("250")
    assert q.total == Money.of("47.20")  # 2 x (₹20 fee + ₹3.60 GST on it)


# --- modifiers ------------------------------------------------------------------------------------


def test_weekend_modifier_matches_saturday_not_friday() -> None:
    """A weekend modifier applies to a Saturday show and not to a Friday one."""
    rules = PricingRules(
        modifiers=[PriceModifier(name="weekend", change=Fraction(20, 100), weekdays=WEEKEND)]
    )
    saturday = one_seat(Money.of("100"), rules, starts_at=SATURDAY_EVENING)
    friday = one_seat(Money.of("100"), rules, starts_at=SATURDAY_EVENING - timedelta(days=1))
    assert saturday.tickets[0].price == Money.of("120")
    assert friday.tickets[0].price == Money.of("100")


def test_time_window_is_half_open() -> None:
    """A 06:00-12:00 window matches a 06:00 start and not a 12:00 start."""
    morning = PriceModifier(name="m", change=Fraction(-10, 100), starts=time(6), ends=time(12))
    day = datetime(2025, 3, 12, tzinfo=IST)
    assert morning.matches(day.replace(hour=6), "regular")
    assert morning.matches(day.replace(hour=11, minute=59), "regular")
    assert not morning.matches(day.replace(hour=12), "regular")
    assert not morning.matches(day.replace(hour=5, minute=59), "regular")


def test_time_window_wraps_past_midnight() -> None:
    """A 22:00-02:00 window matches 23:30 and 01:00 but not 02:00 or 21:59."""
    late = PriceModifier(name="late", change=Money.of("20"), starts=time(22), ends=time(2))
    day = datetime(2025, 3, 12, tzinfo=IST)
    assert late.matches(day.replace(hour=23, minute=30), "regular")
    assert late.matches(day.replace(hour=1), "regular")
    assert not late.matches(day.replace(hour=2), "regular")
    assert not late.matches(day.replace(hour=21, minute=59), "regular")


def test_modifier_reads_local_wall_clock() -> None:
    """The same instant is a morning show in IST and not in UTC: the caller's zone decides."""
    morning = PriceModifier(name="m", change=Fraction(-10, 100), starts=time(6), ends=time(12))
    local = datetime(2025, 3, 12, 9, 0, tzinfo=IST)
    assert morning.matches(local, "regular")
    assert not morning.matches(local.astimezone(UTC), "regular")


def test_weekday_is_the_local_one() -> None:
    """00:30 IST on a Saturday is still Friday in UTC: the weekend price follows the local day."""
    weekend = PriceModifier(name="weekend", change=Fraction(20, 100), weekdays=WEEKEND)
    after_midnight = datetime(2025, 3, 15, 0, 30, tzinfo=IST)
    assert after_midnight.astimezone(UTC).weekday() == 4
    assert weekend.matches(after_midnight, "regular")
    assert not weekend.matches(after_midnight.astimezone(UTC), "regular")
    q = one_seat(Money.of("100"), PricingRules(modifiers=[weekend]), starts_at=after_midnight)
    assert q.tickets[0].price == Money.of("120")


def test_category_limited_modifier() -> None:
    """A modifier limited to recliners leaves regular seats alone."""
    rules = PricingRules(
        modifiers=[PriceModifier(name="lux", change=Money.of("50"), categories={"recliner"})]
    )
    q = quote(
        prices={"regular": Money.of("100"), "recliner": Money.of("300")},
        seats={"A1": "regular", "J1": "recliner"},
        starts_at=SATURDAY_EVENING,
        occupied=0,
        sellable=10,
        rules=rules,
    )
    assert q.ticket("A1").price == Money.of("100")
    assert q.ticket("J1").price == Money.of("350")


def test_modifiers_add_up_on_the_base_and_do_not_compound() -> None:
    """+20% and -10% on ₹100 give ₹110 (not ₹108), each rounded half-up on its own."""
    rules = PricingRules(
        modifiers=[
            PriceModifier(name="weekend", change=Fraction(20, 100)),
            PriceModifier(name="morning", change=Fraction(-10, 100)),
        ]
    )
    assert one_seat(Money.of("100"), rules).tickets[0].price == Money.of("110")
    # 12.5% of 1 paisa is 0.125 -> 0; of 4 paise is 0.5 -> 1 (half-up).
    eighth = PricingRules(modifiers=[PriceModifier(name="x", change=Fraction(1, 8))])
    assert one_seat(Money(4), eighth).tickets[0].adjustments[0].amount == Money(1)
    assert one_seat(Money(1), eighth).tickets[0].adjustments[0].amount == Money(0)


def test_modifiers_below_zero_are_refused() -> None:
    """A flat discount larger than the base price is a configuration error, not a free ticket."""
    rules = PricingRules(modifiers=[PriceModifier(name="promo", change=Money.of("-60"))])
    with pytest.raises(InvalidInput) as info:
        one_seat(Money.of("50"), rules)
    assert info.value.field == "rules.modifiers"


# --- surge ---------------------------------------------------------------------------------------


SURGE = SurgePolicy(
    bands=[
        SurgeBand(Fraction(9, 10), Fraction(25, 100)),
        SurgeBand(Fraction(7, 10), Fraction(10, 100)),
    ]
)


@pytest.mark.parametrize(
    ("occupied", "rate"),
    [
        (0, 0),
        (69, 0),
        (70, Fraction(1, 10)),
        (89, Fraction(1, 10)),
        (90, Fraction(1, 4)),
        (100, Fraction(1, 4)),
    ],
)
def test_surge_uses_the_highest_band_reached(occupied: int, rate: Fraction) -> None:
    """Thresholds are inclusive; the highest band reached sets the rate (bands given unsorted)."""
    assert SURGE.rate_for(occupied, 100) == rate


def test_surge_caps() -> None:
    """``max_rate`` caps the rate and ``max_per_ticket`` caps the amount added to one ticket."""
    capped_rate = evolve(SURGE, max_rate=Fraction(15, 100))
    assert capped_rate.rate_for(95, 100) == Fraction(15, 100)
    capped_amount = evolve(SURGE, max_per_ticket=Money.of("20"))
    q = one_seat(Money.of("400"), PricingRules(surge=capped_amount), occupied=95)
    assert q.tickets[0].surge == Money.of("20")
    assert q.tickets[0].surge_rate == Fraction(1, 4)


def test_surge_applies_after_modifiers() -> None:
    """Surge is a rate of the price after modifiers: ₹100 +20% = ₹120, +25% surge = ₹150."""
    rules = PricingRules(
        modifiers=[PriceModifier(name="weekend", change=Fraction(20, 100))], surge=SURGE
    )
    assert one_seat(Money.of("100"), rules, occupied=95).tickets[0].price == Money.of("150")


def test_surge_bands_must_rise() -> None:
    """Bands whose rate falls as occupancy rises, or that share a threshold, are refused."""
    with pytest.raises(InvalidInput):
        SurgePolicy(
            bands=[SurgeBand(Fraction(1, 2), Fraction(2, 10)), SurgeBand(1, Fraction(1, 10))]
        )
    with pytest.raises(InvalidInput):
        SurgePolicy(
            bands=[SurgeBand(Fraction(1, 2), 0), SurgeBand(Fraction(1, 2), Fraction(1, 10))]
        )
    with pytest.raises(InvalidInput):
        SurgePolicy(bands=[])
    with pytest.raises(InvalidInput):
        SurgeBand(0, Fraction(1, 10))


# --- fee and GST ----------------------------------------------------------------------------------


def test_percent_fee_is_on_the_net_price_and_taxed_at_the_fee_rate() -> None:
    """A 10% fee on a ₹200 ticket is ₹20, plus 18% GST on it: ₹3.60."""
    q = one_seat(
        Money.of("200"), PricingRules(convenience_fee=ConvenienceFee.percent(Fraction(1, 10)))
    )
    t = q.tickets[0]
    assert (t.fee, t.fee_gst) == (Money.of("20"), Money.of("3.60"))
    assert t.gst == Money.of("36")
    assert q.total == Money.of("259.60")


def test_gst_rounds_half_up() -> None:
    """18% of a 25-paise fee is 4.5 paise, charged as 5."""
    q = one_seat(Money.of("100"), PricingRules(convenience_fee=ConvenienceFee.flat(Money(25))))
    assert q.tickets[0].fee_gst == Money(5)


@pytest.mark.parametrize(
    ("paise", "rate"),
    [(0, Fraction(12, 100)), (10000, Fraction(12, 100)), (10001, Fraction(18, 100))],
)
def test_default_slabs(paise: int, rate: Fraction) -> None:
    """12% up to ₹100.00 inclusive, 18% from ₹100.01."""
    assert DEFAULT_GST.rate_for(Money(paise)) == rate


def test_gst_schedule_validation() -> None:
    """Slabs must end open, ascend, and never lower the rate as the price rises."""
    with pytest.raises(InvalidInput):
        GstSchedule(ticket_slabs=[GstSlab(Money(100), Fraction(1, 10))])
    with pytest.raises(InvalidInput):
        GstSchedule(
            ticket_slabs=[GstSlab(Money(100), Fraction(2, 10)), GstSlab(None, Fraction(1, 10))]
        )
    with pytest.raises(InvalidInput):
        GstSchedule(
            ticket_slabs=[
                GstSlab(Money(200), Fraction(1, 10)),
                GstSlab(Money(100), Fraction(1, 10)),
                GstSlab(None, Fraction(1, 10)),
            ]
        )
    with pytest.raises(InvalidInput):
        GstSchedule(ticket_slabs=[])


# --- refusals -------------------------------------------------------------------------------------


def test_empty_seat_list_is_refused() -> None:
    """Pricing nothing is an error, not a zero quote."""
    with pytest.raises(InvalidInput) as info:
        quote(
            prices={"regular": Money(100)},
            seats={},
            starts_at=SATURDAY_EVENING,
            occupied=0,
            sellable=1,
            rules=PricingRules(),
        )
    assert info.value.field == "seats"


def test_seat_without_price_is_refused() -> None:
    """A seat whose category has no price raises no_price_for_category naming the seats."""
    with pytest.raises(NoPriceForCategory) as info:
        quote(
            prices={"regular": Money(100)},
            seats={"A1": "regular", "J1": "recliner", "J2": "recliner"},
            starts_at=SATURDAY_EVENING,
            occupied=0,
            sellable=10,
            rules=PricingRules(),
        )
    assert info.value.code == "no_price_for_category"
    assert info.value.details() == {"category": "recliner", "seats": ["J1", "J2"]}


def test_mixed_currencies_are_refused() -> None:
    """Prices in two currencies, or a flat fee in another currency, raise currency_mismatch."""
    with pytest.raises(CurrencyMismatch):
        quote(
            prices={"regular": Money(100), "prime": Money(100, "USD")},
            seats={"A1": "regular"},
            starts_at=SATURDAY_EVENING,
            occupied=0,
            sellable=1,
            rules=PricingRules(),
        )
    with pytest.raises(CurrencyMismatch):
        one_seat(Money(100), PricingRules(convenience_fee=ConvenienceFee.flat(Money(5, "USD"))))


def test_floats_are_refused_everywhere() -> None:
    """A float price, rate, fee, threshold or count raises invalid_input."""
    bad_rate: object = 0.2
    with pytest.raises(InvalidInput):
        PriceModifier(name="x", change=bad_rate)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        ConvenienceFee.percent(bad_rate)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        SurgeBand(bad_rate, Fraction(1, 10))  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        GstSlab(None, bad_rate)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        quote(
            prices={"regular": bad_rate},  # type: ignore[dict-item]
            seats={"A1": "regular"},
            starts_at=SATURDAY_EVENING,
            occupied=0,
            sellable=1,
            rules=PricingRules(),
        )
    with pytest.raises(InvalidInput):
        one_seat(Money(100), occupied=0.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(("occupied", "sellable"), [(-1, 10), (11, 10), (0, 0), (True, 10)])
def test_bad_occupancy_is_refused(occupied: int, sellable: int) -> None:
    """Occupancy must satisfy 0 <= occupied <= sellable, sellable > 0, integers only."""
    with pytest.raises(InvalidInput):
        one_seat(Money(100), occupied=occupied, sellable=sellable)


def test_naive_start_time_is_refused() -> None:
    """The show's start must be timezone-aware."""
    with pytest.raises(InvalidInput) as info:
        one_seat(Money(100), starts_at=datetime(2025, 3, 15, 18, 30))
    assert info.value.field == "starts_at"


def test_modifier_validation() -> None:
    """Malformed modifiers are refused: below -100%, bad weekdays, half a window, duplicates."""
    with pytest.raises(InvalidInput):
        PriceModifier(name="x", change=Fraction(-11, 10))
    with pytest.raises(InvalidInput):
        PriceModifier(name="x", change=Fraction(1, 10), weekdays={7})
    with pytest.raises(InvalidInput):
        PriceModifier(name="x", change=Fraction(1, 10), starts=time(6))
    with pytest.raises(InvalidInput):
        PriceModifier(name="x", change=Fraction(1, 10), starts=time(6), ends=time(6))
    with pytest.raises(InvalidInput):
        PriceModifier(name="x", change=Fraction(1, 10), categories="regular")
    m = PriceModifier(name="x", change=Fraction(1, 10))
    with pytest.raises(InvalidInput):
        PricingRules(modifiers=[m, m])


def test_coupon_not_fitting_the_order_is_rejected_by_the_quote() -> None:
    """A quote refuses a coupon for another movie or below its minimum."""
    coupon = Coupon(
        code="x10",
        discount=Fraction(1, 10),
        valid_from=SATURDAY_EVENING - timedelta(days=1),
        valid_until=SATURDAY_EVENING + timedelta(days=1),
        movies={"m1"},
        min_order=Money.of("500"),
    )
    kwargs = PricingCase(
        prices={"regular": Money.of("200")},
        seats={"A1": "regular"},
        starts_at=SATURDAY_EVENING,
        occupied=0,
        sellable=10,
        rules=PricingRules(),
        coupon=coupon,
        movie_id="m2",
    )
    with pytest.raises(CouponRejected) as info:
        kwargs.quote()
    assert info.value.reason == "not_applicable"
    with pytest.raises(CouponRejected) as info:
        evolve(kwargs, movie_id="m1").quote()
    assert info.value.reason == "minimum_not_met"
    ok = evolve(kwargs, movie_id="m1", seats={"A1": "regular", "A2": "regular", "A3": "regular"})
    assert ok.quote().discount == Money.of("60")


def test_non_cancellable_coupon_marks_the_quote() -> None:
    """A quote priced with a non-cancellable coupon records it, and its booking cannot cancel."""
    coupon = Coupon(
        code="nocancel",
        discount=Fraction(1, 10),
        valid_from=SATURDAY_EVENING - timedelta(days=1),
        valid_until=SATURDAY_EVENING + timedelta(days=1),
        non_cancellable=True,
    )
    q = quote(
        prices={"regular": Money.of("200")},
        seats={"A1": "regular"},
        starts_at=SATURDAY_EVENING,
        occupied=0,
        sellable=10,
        rules=PricingRules(),
        coupon=coupon,
    )
    assert (q.coupon_code, q.non_cancellable) == ("NOCANCEL", True)
    with pytest.raises(NotCancellable) as info:
        refund_for(
            q, q.total, SATURDAY_EVENING, SATURDAY_EVENING - timedelta(days=1), CancellationPolicy()
        )
    assert info.value.reason == "coupon"
    plain = one_seat(Money.of("200"))
    assert (plain.coupon_code, plain.non_cancellable) == (None, False)


def test_category_coupon_discounts_only_its_categories() -> None:
    """A recliner-only coupon takes its discount from recliner seats only."""
    coupon = Coupon(
        code="LUX",
        discount=Money.of("50"),
        valid_from=SATURDAY_EVENING - timedelta(days=1),
        valid_until=SATURDAY_EVENING + timedelta(days=1),
        categories={"recliner"},
    )
    q = quote(
        prices={"regular": Money.of("100"), "recliner": Money.of("300")},
        seats={"A1": "regular", "J1": "recliner", "J2": "recliner"},
        starts_at=SATURDAY_EVENING,
        occupied=0,
        sellable=10,
        rules=PricingRules(),
        coupon=coupon,
    )
    assert q.ticket("A1").discount == Money(0)
    assert q.ticket("J1").discount + q.ticket("J2").discount == Money.of("50")


def test_quote_refuses_inconsistent_lines() -> None:
    """A Quote whose lines do not sum to its total cannot be built (e.g. when deserialized)."""
    q = worked_example_quote()
    with pytest.raises(InvalidInput):
        evolve(q, lines=q.lines[1:])
    with pytest.raises(InvalidInput):
        evolve(q, total=q.total + Money(1))


# --- ordering and allocation ----------------------------------------------------------------------


def test_seats_are_in_natural_order() -> None:
    """A2 comes before A10, and A10 before B1."""
    assert sorted(["B1", "A10", "A2"], key=seat_sort_key) == ["A2", "A10", "B1"]


def test_allocate_examples() -> None:
    """Largest remainder: leftovers go to the largest remainders, ties to the lower index."""
    assert allocate(10, [1, 1, 1]) == (4, 3, 3)
    assert allocate(2, [15000, 15000, 34000]) == (1, 0, 1)
    assert allocate(0, [0, 0]) == (0, 0)
    assert allocate(7, [0, 5]) == (0, 7)
    with pytest.raises(InvalidInput):
        allocate(1, [0, 0])
    with pytest.raises(InvalidInput):
        allocate(-1, [1])


def test_format_rate() -> None:
    """Rates print as percentages, exactly when they can be."""
    assert format_rate(Fraction(18, 100)) == "18%"
    assert format_rate(Fraction(1, 8)) == "12.5%"
    assert format_rate(Fraction(1, 3)) == "33.3333%"


# --- properties -----------------------------------------------------------------------------------


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=12))
def test_allocate_is_exact_and_largest_remainder(total: int, weights: list[int]) -> None:
    """Shares sum to the total, each within one paisa of its exact share, extras by remainder."""
    assume(sum(weights) > 0)
    shares = allocate(total, weights)
    whole = sum(weights)
    assert sum(shares) == total
    exact = [Fraction(total * w, whole) for w in weights]
    for share, ideal in zip(shares, exact, strict=True):
        assert ideal - 1 < share <= ideal + 1
    got_extra = [i for i, (s, e) in enumerate(zip(shares, exact, strict=True)) if s > e]
    no_extra = [i for i in range(len(weights)) if i not in got_extra]
    for i in got_extra:
        for j in no_extra:
            ri, rj = exact[i] % 1, exact[j] % 1
            assert ri > rj or (ri == rj and i < j)
    if total <= whole:
        assert all(s <= w for s, w in zip(shares, weights, strict=True))


@given(quotes())
def test_lines_and_tickets_sum_exactly_to_a_non_negative_total(q: Quote) -> None:
    """Every quote's lines, and its tickets' totals, sum to its total, which is >= 0."""
    assert sum(line.amount.amount for line in q.lines) == q.total.amount
    assert sum(t.total.amount for t in q.tickets) == q.total.amount
    assert q.total.amount >= 0
    assert all(line.amount.amount >= 0 for line in q.lines if line.kind != LineKind.DISCOUNT)
    assert [line.amount for line in q.lines if line.kind == LineKind.TICKET] == [
        t.price for t in q.tickets
    ]


@given(quotes())
def test_nothing_in_a_quote_is_negative(q: Quote) -> None:
    """Every amount of every ticket, and every line but the discount, is zero or more."""
    for t in q.tickets:
        parts = [t.base, t.surge, t.discount, t.price, t.net, t.fee, t.gst, t.fee_gst, t.total]
        assert all(part.amount >= 0 for part in parts)
    for line in q.lines:
        assert (
            (line.amount.amount <= 0) if line.kind == LineKind.DISCOUNT else line.amount.amount >= 0
        )


@given(pricing_cases())
def test_each_ticket_follows_the_order_of_operations(case: PricingCase) -> None:
    """Per ticket: slab by post-discount price, GST and fee rounded half-up, discount <= price."""
    q = case.quote()
    gst = case.rules.gst
    for t in q.tickets:
        assert t.price == t.base + t.surge + Money(sum(a.amount.amount for a in t.adjustments))
        assert Money(0) <= t.discount <= t.price
        assert t.gst_rate == gst.rate_for(t.net)
        assert t.gst.amount == half_up(t.net.amount, t.gst_rate)
        assert t.fee_gst.amount == half_up(t.fee.amount, gst.fee_rate)
        if t.fee_rate is not None:
            assert t.fee.amount == half_up(t.net.amount, t.fee_rate)
        assert t.base == case.prices[t.category]


@given(pricing_cases(with_coupon=True))
def test_discount_shares_sum_to_the_coupon_discount(case: PricingCase) -> None:
    """Per-ticket shares sum exactly to the coupon's discount on the eligible subtotal."""
    assert case.coupon is not None
    q = case.quote()
    eligible = [t for t in q.tickets if case.coupon.applies_to_category(t.category)]
    expected = case.coupon.discount_on(Money(sum(t.price.amount for t in eligible)))
    assert q.discount == expected
    assert all(t.discount == Money(0) for t in q.tickets if t not in eligible)
    discount_lines = [line for line in q.lines if line.kind == LineKind.DISCOUNT]
    assert sum(line.amount.amount for line in discount_lines) == -expected.amount


@given(pricing_cases(), st.randoms(use_true_random=False))
def test_seat_order_does_not_change_the_quote(case: PricingCase, rnd: random.Random) -> None:
    """The same seats in any order give the same quote."""
    items = list(case.seats.items())
    rnd.shuffle(items)
    assert evolve(case, seats=dict(items)).quote() == case.quote()


@given(pricing_cases(with_coupon=False), st.data())
def test_raising_a_modifier_never_lowers_the_total(case: PricingCase, data: st.DataObject) -> None:
    """Without a coupon, increasing one modifier's change never lowers any ticket's total."""
    assume(case.rules.modifiers)
    index = data.draw(st.integers(0, len(case.rules.modifiers) - 1))
    m = case.rules.modifiers[index]
    if isinstance(m.change, Money):
        bumped = evolve(m, change=m.change + data.draw(amounts(0, 10_000)))
    else:
        bumped = evolve(m, change=m.change + data.draw(percents(Fraction(0), Fraction(1))))
    modifiers = list(case.rules.modifiers)
    modifiers[index] = bumped
    higher = evolve(case, rules=evolve(case.rules, modifiers=modifiers)).quote()
    lower = case.quote()
    assert higher.total >= lower.total
    for before, after in zip(lower.tickets, higher.tickets, strict=True):
        assert after.total >= before.total


@given(pricing_cases(with_coupon=True), st.data())
def test_raising_a_modifier_never_lowers_the_discounted_subtotal(
    case: PricingCase, data: st.DataObject
) -> None:
    """With a coupon, a price-raising modifier never lowers the sum of net ticket prices."""
    extra = PriceModifier(name="extra", change=data.draw(percents(Fraction(0), Fraction(1))))
    raised = evolve(case, rules=evolve(case.rules, modifiers=[*case.rules.modifiers, extra]))
    before, after = case.quote(), raised.quote()
    assert sum(t.net.amount for t in after.tickets) >= sum(t.net.amount for t in before.tickets)


@given(pricing_cases(with_coupon=False), st.data())
def test_fuller_shows_never_cost_less(case: PricingCase, data: st.DataObject) -> None:
    """More occupied seats never lower the total (surge bands only rise)."""
    more = data.draw(st.integers(case.occupied, case.sellable))
    assert evolve(case, occupied=more).quote().total >= case.quote().total


@given(pricing_cases())
def test_surge_respects_its_caps(case: PricingCase) -> None:
    """The surge rate never exceeds max_rate and no ticket's surge exceeds max_per_ticket."""
    surge = case.rules.surge
    q = case.quote()
    for t in q.tickets:
        if surge is None:
            assert t.surge == Money(0)
            continue
        if surge.max_rate is not None:
            assert t.surge_rate <= surge.max_rate
        if surge.max_per_ticket is not None:
            assert t.surge <= surge.max_per_ticket


@given(pricing_cases())
def test_quote_records_the_coupon(case: PricingCase) -> None:
    """The quote names the coupon it applied and is non-cancellable exactly when the coupon is."""
    q = case.quote()
    coupon = case.coupon
    assert q.coupon_code == (None if coupon is None else coupon.code)
    assert q.non_cancellable == (coupon is not None and coupon.non_cancellable)


@given(pricing_cases())
def test_price_tickets_is_the_quote_breakdown(case: PricingCase) -> None:
    """price_tickets returns exactly the quote's per-ticket breakdown."""
    assert price_tickets(**case.kwargs()) == case.quote().tickets
