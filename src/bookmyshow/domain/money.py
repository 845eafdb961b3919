"""Money in integer minor units (paise for INR), never ``float``.

Arithmetic between two amounts requires the same currency.  Multiplying by a rate goes through
exact fractions and rounds once, explicitly, half away from zero ("half-up" for the non-negative
amounts prices are made of).

The operators (``+``, ``-``, ``*``, ``<``, ...) follow Python's data model: with an operand that is
not a :class:`Money` (an ``int`` for ``*``) they return ``NotImplemented``, so Python raises its
usual ``TypeError``.  Named methods (:meth:`Money.min`, :func:`total`, ...) raise
:class:`~bookmyshow.domain.errors.InvalidInput` instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from fractions import Fraction
from typing import Final, cast

from attrs import define, field, frozen

from bookmyshow.domain.errors import DomainError, InvalidInput

__all__ = [
    "MAX_AMOUNT",
    "CurrencyMismatch",
    "Money",
    "Rate",
    "round_half_up",
    "to_rate",
    "total",
]

Rate = Fraction | Decimal | int
"""A multiplier: ``Fraction(18, 100)`` or ``Decimal("0.18")`` for 18%.  Floats are refused."""

_ISO_LEN: Final = 3
_RATE_DIGITS: Final = 40
_MAX_RATE: Final = 10**9
_MAX_RATE_DENOMINATOR: Final = 10**_RATE_DIGITS
MAX_AMOUNT: Final = 2**63 - 1
"""The largest amount in minor units (it fits a signed 64-bit column); ``-MAX_AMOUNT`` is the
smallest."""
_MAX_MAJOR_DIGITS: Final = len(str(MAX_AMOUNT // 100)) - 1  # Decimal.adjusted() of the largest


def to_rate(value: Rate, *, field_name: str = "rate") -> Fraction:
    """Convert a rate to an exact fraction.

    Raises :class:`InvalidInput` for a float (or anything but a Fraction, Decimal or int), a
    non-finite decimal, and a rate beyond ``±10**9`` or finer than ``10**-40``: no multiplier
    of money is that large, and an exact fraction of such a value costs time and memory to build.
    """
    if isinstance(value, bool) or not isinstance(value, Fraction | Decimal | int):
        raise InvalidInput(
            field=field_name, reason="rates are Fraction, Decimal or int, never float"
        )
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidInput(field=field_name, reason="rate must be finite")
        # Checked on the digits first: Fraction(Decimal("1E+999999")) alone takes seconds.
        exponent = value.as_tuple().exponent
        if value.adjusted() > _RATE_DIGITS or (
            isinstance(exponent, int) and exponent < -_RATE_DIGITS and not value.is_zero()
        ):
            raise InvalidInput(field=field_name, reason="rate out of range")
    rate = Fraction(value)
    if abs(rate) > _MAX_RATE or rate.denominator > _MAX_RATE_DENOMINATOR:
        raise InvalidInput(field=field_name, reason="rate out of range")
    return rate


def round_half_up(value: Fraction | int) -> int:
    """Round to the nearest integer, halves away from zero (2.5 → 3, -2.5 → -3).

    Raises :class:`InvalidInput` for anything but an exact ``Fraction`` or ``int``.
    """
    if isinstance(value, bool) or not isinstance(value, Fraction | int):
        raise InvalidInput(field="value", reason="an exact Fraction or int")
    magnitude = abs(Fraction(value))
    rounded = int(magnitude + Fraction(1, 2))  # int() truncates, so this is floor for >= 0
    return rounded if value >= 0 else -rounded


def _check_currency(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field="currency", reason="an ISO 4217 code as a string")
    if len(value) != _ISO_LEN or not value.isascii() or not value.isalpha() or not value.isupper():
        raise InvalidInput(field="currency", reason=f"not an ISO 4217 code: {value!r}")
    return value


@define(auto_exc=True, kw_only=True)
class CurrencyMismatch(DomainError):
    """Two amounts in different currencies were combined."""

    code = "currency_mismatch"
    left: str
    right: str


@frozen(order=False)
class Money:
    """An amount of money in minor units (``amount=12345, currency="INR"`` is ₹123.45).

    Raises :class:`InvalidInput` for an amount that is not an int within ``±MAX_AMOUNT`` (every
    store keeps amounts in 64 bits) or a currency that is not an ISO 4217 code.
    """

    amount: int
    currency: str = field(default="INR")

    def __attrs_post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise InvalidInput(field="amount", reason="money is an integer number of minor units")
        if not -MAX_AMOUNT <= self.amount <= MAX_AMOUNT:
            raise InvalidInput(field="amount", reason="out of range (64-bit minor units)")
        _check_currency(self.currency)

    @classmethod
    def zero(cls, currency: str = "INR") -> Money:
        """Nothing, in ``currency``."""
        return cls(0, currency)

    @classmethod
    def of(cls, major: int | str | Decimal, currency: str = "INR") -> Money:
        """Build from major units exactly: ``Money.of("123.45")`` is 12345 paise.

        Exact whatever the digits and whatever the caller's decimal context: nothing is rounded.
        Raises :class:`InvalidInput` if the value has more than two decimal places or is not an
        ``int``, ``str`` or ``Decimal`` (a ``float`` or ``bool`` is refused).
        """
        if isinstance(major, bool) or not isinstance(major, int | str | Decimal):
            raise InvalidInput(field="amount", reason="major units as int, str or Decimal")
        if isinstance(major, int):
            return cls(_in_range(major * 100), currency)
        try:
            value = Decimal(major)  # construction is exact; only Decimal arithmetic rounds
        except ArithmeticError as exc:
            raise InvalidInput(field="amount", reason=f"not a number: {major!r}") from exc
        if not value.is_finite():
            raise InvalidInput(field="amount", reason=f"not a finite number: {major!r}")
        if value.is_zero():
            return cls(0, currency)
        if value.adjusted() > _MAX_MAJOR_DIGITS:  # checked before building any big integer
            raise InvalidInput(field="amount", reason="out of range (64-bit minor units)")
        # Scale by 100 in integers, not with Decimal arithmetic: that rounds to the context's
        # precision (28 digits by default, less if the caller lowered it), which would turn
        # "1.000…001" into 100 paise and "1234567.89" at 6 digits into 123457000.
        sign, digits, exponent = value.as_tuple()
        significant = len(digits)
        while digits[significant - 1] == 0:  # trailing zeros carry no value: "1.2300" is 123
            significant -= 1
        scale = cast(int, exponent) + (len(digits) - significant) + 2
        if scale < 0:
            raise InvalidInput(field="amount", reason=f"more than two decimals: {major!r}")
        # At most 19 digits and a scale of at most 18 here, given the range check above.
        minor = int("".join(map(str, digits[:significant]))) * 10**scale
        return cls(_in_range(-minor if sign else minor), currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(left=self.currency, right=other.currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, count: int) -> Money:
        if isinstance(count, bool) or not isinstance(count, int):
            return NotImplemented
        return Money(self.amount * count, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        self._same(other)
        return self.amount >= other.amount

    def times(self, rate: Rate) -> Money:
        """This amount multiplied by ``rate``, rounded half-up to the minor unit."""
        return Money(round_half_up(self.amount * to_rate(rate)), self.currency)

    def min(self, other: Money) -> Money:
        """The smaller of the two amounts; raises InvalidInput or CurrencyMismatch."""
        _require_money(other, "other")
        return self if self <= other else other

    def max(self, other: Money) -> Money:
        """The larger of the two amounts; raises InvalidInput or CurrencyMismatch."""
        _require_money(other, "other")
        return self if self >= other else other

    @property
    def is_zero(self) -> bool:
        """Whether the amount is exactly zero."""
        return self.amount == 0

    def __str__(self) -> str:
        sign = "-" if self.amount < 0 else ""
        whole, minor = divmod(abs(self.amount), 100)
        return f"{sign}{self.currency} {whole}.{minor:02d}"


def _in_range(minor: int) -> int:
    if not -MAX_AMOUNT <= minor <= MAX_AMOUNT:
        raise InvalidInput(field="amount", reason="out of range (64-bit minor units)")
    return minor


def _require_money(value: object, name: str) -> Money:
    if not isinstance(value, Money):
        raise InvalidInput(field=name, reason="must be Money")
    return value


def total(amounts: Iterable[Money], currency: str = "INR") -> Money:
    """Sum of ``amounts`` (zero in ``currency`` when empty).

    Raises :class:`InvalidInput` unless ``amounts`` is a collection of :class:`Money`, and
    :class:`CurrencyMismatch` when they are not all in ``currency``.
    """
    result = Money.zero(currency)
    if isinstance(amounts, str | bytes | Mapping) or not isinstance(amounts, Iterable):
        raise InvalidInput(field="amounts", reason="a collection of Money")
    for index, a in enumerate(amounts):
        result = result + _require_money(a, f"amounts[{index}]")
    return result
