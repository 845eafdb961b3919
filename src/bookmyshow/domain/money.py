"""Money in integer minor units (paise for INR), never ``float``.

Arithmetic between two amounts requires the same currency.  Multiplying by a rate goes through
exact fractions and rounds once, explicitly, half away from zero ("half-up" for the non-negative
amounts prices are made of).
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Final

from attrs import define, field, frozen

from bookmyshow.domain.errors import DomainError, InvalidInput

__all__ = ["CurrencyMismatch", "Money", "Rate", "round_half_up", "to_rate", "total"]

Rate = Fraction | Decimal | int
"""A multiplier: ``Fraction(18, 100)`` or ``Decimal("0.18")`` for 18%.  Floats are refused."""

_ISO_LEN: Final = 3


def to_rate(value: Rate, *, field_name: str = "rate") -> Fraction:
    """Convert a rate to an exact fraction; floats and non-finite decimals are refused."""
    if isinstance(value, bool) or not isinstance(value, Fraction | Decimal | int):
        raise InvalidInput(
            field=field_name, reason="rates are Fraction, Decimal or int, never float"
        )
    if isinstance(value, Decimal) and not value.is_finite():
        raise InvalidInput(field=field_name, reason="rate must be finite")
    return Fraction(value)


def round_half_up(value: Fraction) -> int:
    """Round to the nearest integer, halves away from zero (2.5 → 3, -2.5 → -3)."""
    magnitude = abs(value)
    rounded = int(magnitude + Fraction(1, 2))  # int() truncates, so this is floor for >= 0
    return rounded if value >= 0 else -rounded


def _check_currency(value: str) -> str:
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
    """An amount of money in minor units (``amount=12345, currency="INR"`` is ₹123.45)."""

    amount: int
    currency: str = field(default="INR")

    def __attrs_post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise InvalidInput(field="amount", reason="money is an integer number of minor units")
        _check_currency(self.currency)

    @classmethod
    def zero(cls, currency: str = "INR") -> Money:
        """Nothing, in ``currency``."""
        return cls(0, currency)

    @classmethod
    def of(cls, major: int | str | Decimal, currency: str = "INR") -> Money:
        """Build from major units exactly: ``Money.of("123.45")`` is 12345 paise.

        Raises :class:`InvalidInput` if the value has more than two decimal places.
        """
        try:
            exact = Decimal(major) * 100
        except ArithmeticError as exc:
            raise InvalidInput(field="amount", reason=f"not a number: {major!r}") from exc
        if not exact.is_finite() or exact != exact.to_integral_value():
            raise InvalidInput(field="amount", reason=f"more than two decimals: {major!r}")
        return cls(int(exact), currency)

    def _same(self, other: Money) -> None:
        if self.currency != other.currency:
            raise CurrencyMismatch(left=self.currency, right=other.currency)

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
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
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def times(self, rate: Rate) -> Money:
        """This amount multiplied by ``rate``, rounded half-up to the minor unit."""
        return Money(round_half_up(self.amount * to_rate(rate)), self.currency)

    def min(self, other: Money) -> Money:
        """The smaller of the two amounts."""
        return self if self <= other else other

    def max(self, other: Money) -> Money:
        """The larger of the two amounts."""
        return self if self >= other else other

    @property
    def is_zero(self) -> bool:
        """Whether the amount is exactly zero."""
        return self.amount == 0

    def __str__(self) -> str:
        sign = "-" if self.amount < 0 else ""
        whole, minor = divmod(abs(self.amount), 100)
        return f"{sign}{self.currency} {whole}.{minor:02d}"


def total(amounts: list[Money], currency: str = "INR") -> Money:
    """Sum of ``amounts`` (zero in ``currency`` when empty)."""
    result = Money.zero(currency)
    for a in amounts:
        result = result + a
    return result
