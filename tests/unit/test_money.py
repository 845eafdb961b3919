"""Money: exact construction, half-up rounding, currency safety and sums."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.money import (
    MAX_AMOUNT,
    CurrencyMismatch,
    Money,
    round_half_up,
    to_rate,
    total,
)

PAISE = st.integers(-MAX_AMOUNT, MAX_AMOUNT)


def decimal_text(paise: int, extra_zeros: int = 0) -> str:
    """``paise`` written in major units with two decimals (and ``extra_zeros`` more zeros)."""
    sign = "-" if paise < 0 else ""
    whole, minor = divmod(abs(paise), 100)
    return f"{sign}{whole}.{minor:02d}" + "0" * extra_zeros


def oracle_half_up(value: Fraction) -> int:
    """Independent oracle: round half away from zero through Decimal at ample precision."""
    with localcontext() as ctx:
        ctx.prec = 200
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --- construction -------------------------------------------------------------------------------


@given(PAISE, st.integers(0, 40))
def test_of_reads_major_units_exactly(paise: int, extra_zeros: int) -> None:
    """Any amount written with two decimals (and any trailing zeros) is read to the paisa."""
    text = decimal_text(paise, extra_zeros)
    assert Money.of(text) == Money(paise)
    assert Money.of(Decimal(text)) == Money(paise)


@given(PAISE, st.integers(0, 40), st.integers(1, 9))
def test_of_refuses_any_digit_beyond_the_paisa(paise: int, zeros: int, digit: int) -> None:
    """A non-zero digit after the second decimal is refused however far out it is."""
    text = decimal_text(paise) + "0" * zeros + str(digit)
    with pytest.raises(InvalidInput) as info:
        Money.of(text)
    assert info.value.field == "amount"


def test_of_does_not_round_a_long_amount_to_the_paisa() -> None:
    """₹1.000…001 (31 significant digits) is refused, not silently charged as ₹1.00."""
    with pytest.raises(InvalidInput):
        Money.of("1.000000000000000000000000000001")
    with pytest.raises(InvalidInput):
        Money.of(Decimal("99999999999999.9999999999999999"))


def test_of_ignores_the_callers_decimal_context() -> None:
    """A low decimal precision set by the caller does not change the amount read."""
    with localcontext() as ctx:
        ctx.prec = 6
        assert Money.of("1234567.89") == Money(123456789)
        assert Money.of(Decimal("1234567.89")) == Money(123456789)
        assert Money.of(12345678) == Money(1234567800)


def test_of_range_ends_exactly_at_max_amount() -> None:
    """The largest amount is accepted in major units; one paisa more is refused."""
    assert Money.of(decimal_text(MAX_AMOUNT)) == Money(MAX_AMOUNT)
    assert Money.of(decimal_text(-MAX_AMOUNT)) == Money(-MAX_AMOUNT)
    for text in (decimal_text(MAX_AMOUNT + 1), "1E+17", "1E+999999", "-1E+999999"):
        with pytest.raises(InvalidInput):
            Money.of(text)
    with pytest.raises(InvalidInput):
        Money.of(MAX_AMOUNT // 100 + 1)


@pytest.mark.parametrize("text", ["", "abc", "NaN", "sNaN", "Infinity", "-inf", "1.2.3"])
def test_of_refuses_what_is_not_a_finite_number(text: str) -> None:
    """Text that is not a finite number is invalid_input on ``amount``."""
    with pytest.raises(InvalidInput) as info:
        Money.of(text)
    assert info.value.field == "amount"


def test_of_accepts_exponent_forms_and_zero_forms() -> None:
    """Exponent notation is exact, and every spelling of zero is zero."""
    assert Money.of("1E+2") == Money(10000)
    assert Money.of("1234E-2") == Money(1234)
    assert Money.of("0E-999999") == Money(0)
    assert Money.of("-0.00") == Money(0)
    assert Money.of("1." + "0" * 5000) == Money(100)
    with pytest.raises(InvalidInput):
        Money.of("1E-999999")
    with pytest.raises(InvalidInput):
        Money.of("0." + "0" * 5000 + "1")


# --- rounding -----------------------------------------------------------------------------------


@given(st.integers(-(10**30), 10**30), st.sampled_from([1, 2, 4, 8, 10, 100, 10_000, 3, 7]))
def test_round_half_up_matches_the_decimal_oracle(numerator: int, denominator: int) -> None:
    """round_half_up rounds to the nearest integer, halves away from zero, like ROUND_HALF_UP."""
    value = Fraction(numerator, denominator)
    assert round_half_up(value) == oracle_half_up(value)
    assert round_half_up(-value) == -round_half_up(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(5, 2), 3),
        (Fraction(-5, 2), -3),
        (Fraction(3, 2), 2),
        (Fraction(249, 100), 2),
        (Fraction(251, 100), 3),
        (0, 0),
    ],
)
def test_round_half_up_examples(value: Fraction, expected: int) -> None:
    """Halves go away from zero (2.5 → 3, not the banker's 2); others to the nearest."""
    assert round_half_up(value) == expected


@given(st.integers(0, 10**12), st.integers(0, 10_000))
def test_times_rounds_half_up_to_the_paisa(paise: int, basis_points: int) -> None:
    """amount.times(rate) is the exact product rounded half-up to the paisa."""
    rate = Fraction(basis_points, 10_000)
    assert Money(paise).times(rate).amount == oracle_half_up(paise * rate)
    assert Money(paise).times(Decimal(basis_points) / 10_000) == Money(paise).times(rate)


def test_float_rates_are_refused() -> None:
    """A float rate is invalid_input: a binary fraction is never an exact percentage."""
    bad: object = 0.18
    with pytest.raises(InvalidInput):
        Money(100).times(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        to_rate(bad)  # type: ignore[arg-type]
    assert to_rate(Decimal("0.18")) == Fraction(18, 100)


# --- currencies and sums --------------------------------------------------------------------------


def test_currencies_never_mix() -> None:
    """Adding, subtracting or comparing rupees with dollars raises currency_mismatch."""
    inr, usd = Money(100), Money(100, "USD")
    for op in (
        lambda: inr + usd,
        lambda: inr - usd,
        lambda: inr < usd,
        lambda: inr <= usd,
        lambda: inr > usd,
        lambda: inr >= usd,
        lambda: inr.min(usd),
        lambda: inr.max(usd),
        lambda: total([inr, usd]),
    ):
        with pytest.raises(CurrencyMismatch) as info:
            op()
        assert info.value.code == "currency_mismatch"
    assert inr != usd


@given(st.lists(st.integers(-(10**15), 10**15), max_size=20))
def test_total_is_the_exact_sum(paise: list[int]) -> None:
    """total() adds exactly, and the sum of nothing is zero in the asked currency."""
    assert total([Money(p) for p in paise]) == Money(sum(paise))
    assert total([Money(p, "USD") for p in paise], "USD") == Money(sum(paise), "USD")


def test_str_shows_major_units() -> None:
    """Amounts print with their currency and two decimals, sign first."""
    assert str(Money(12345)) == "INR 123.45"
    assert str(Money(-5)) == "-INR 0.05"
    assert str(Money(0, "USD")) == "USD 0.00"
