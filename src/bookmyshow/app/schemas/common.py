"""Shapes shared by every resource."""

from __future__ import annotations

from attrs import frozen

from bookmyshow.domain.money import Money

__all__ = ["MoneyRead"]


@frozen(kw_only=True)
class MoneyRead:
    """An amount: ``paise`` is exact (integer minor units); ``display`` is for people."""

    paise: int
    currency: str
    display: str

    @classmethod
    def of(cls, money: Money) -> MoneyRead:
        """The wire shape of ``money``."""
        return cls(paise=money.amount, currency=money.currency, display=str(money))
