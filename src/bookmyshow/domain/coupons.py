"""Coupons: what a code takes off an order, and when it may be used.

A :class:`Coupon` is plain data.  It takes either a flat amount off the order (``discount`` is a
:class:`~bookmyshow.domain.money.Money`) or a percentage of it (``discount`` is a rate such as
``Fraction(20, 100)``), optionally capped by ``max_discount``.  It is valid from ``valid_from``
(inclusive) until ``valid_until`` (exclusive), may require a minimum order value, may be limited
to some seat categories and/or some movies, and may be used at most ``usage_limit`` times in all
and ``per_user_limit`` times by one user.  A coupon marked ``non_cancellable`` makes the bookings
paid with it impossible to cancel (see :mod:`bookmyshow.domain.cancellation`).

Checking is pure.  :func:`check_coupon` takes the usage counts as arguments — counting uses
atomically is a port's job, not this module's — and raises :class:`CouponRejected` with one
reason, checked in this fixed order so that the same facts always give the same reason:

1. ``not_yet_valid`` — ``now < valid_from``;
2. ``expired`` — ``now >= valid_until``;
3. ``not_applicable`` — the coupon is limited to movies or categories and the order is for none
   of them (or does not say which);
4. ``minimum_not_met`` — the order subtotal is below ``min_order``;
5. ``usage_exhausted`` — the coupon was already used ``usage_limit`` times in all;
6. ``user_limit_reached`` — this user already used it ``per_user_limit`` times.

:func:`check_coupon_for_order` is the subset (3 and 4) that depends only on the order; the pricing
rules call it, so a quote never applies a coupon to an order it does not fit.  The service calls
:func:`check_coupon` (all six) with ``now`` from the clock and the counts from the usage port.

The discount itself is :meth:`Coupon.discount_on`: applied to the *eligible* subtotal (the ticket
prices, after day/time modifiers and surge, of the seats in the coupon's categories — all seats
when it names none), it never exceeds that subtotal, so an order never costs less than nothing.
Percentages round half-up to the paisa, then the cap applies.

Times are compared as instants, also across a daylight-saving change when ``now`` and the window
are given in one zone.

Coupon codes are case-insensitive: they are stored stripped and upper-cased.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from fractions import Fraction
from typing import ClassVar, Final

from attrs import define, field, frozen

from bookmyshow.domain.errors import DomainError, InvalidInput
from bookmyshow.domain.holds import require_aware
from bookmyshow.domain.money import CurrencyMismatch, Money, Rate, to_rate
from bookmyshow.domain.validation import elapsed, label_set, require_instance, require_optional_text

__all__ = [
    "Coupon",
    "CouponKind",
    "CouponRejected",
    "CouponRejection",
    "check_coupon",
    "check_coupon_for_order",
]

_MAX_CODE = 64


class CouponKind(enum.StrEnum):
    """How a coupon's discount is expressed."""

    FLAT = "flat"
    """A fixed amount off the order."""
    PERCENT = "percent"
    """A percentage of the eligible subtotal, optionally capped."""


class CouponRejection(enum.StrEnum):
    """Why a coupon was refused (the ``reason`` of :class:`CouponRejected`)."""

    NOT_YET_VALID = "not_yet_valid"
    EXPIRED = "expired"
    NOT_APPLICABLE = "not_applicable"
    MINIMUM_NOT_MET = "minimum_not_met"
    USAGE_EXHAUSTED = "usage_exhausted"
    USER_LIMIT_REACHED = "user_limit_reached"


@define(auto_exc=True, kw_only=True)
class CouponRejected(DomainError):
    """The coupon ``coupon_code`` cannot be used for this order; ``reason`` says why.

    ``reason`` is one of the :class:`CouponRejection` values.
    """

    code: ClassVar[str] = "coupon_rejected"
    coupon_code: str
    reason: str


def _code(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field="code", reason="a coupon code is a string")
    code = value.strip().upper()
    if not code or len(code) > _MAX_CODE:
        raise InvalidInput(field="code", reason=f"1 to {_MAX_CODE} characters")
    if any(c.isspace() or not c.isprintable() for c in code):
        raise InvalidInput(field="code", reason="no whitespace or control characters")
    return code


_NO_TIME: Final = timedelta(0)


def _discount(value: Money | Rate) -> Money | Fraction:
    if isinstance(value, Money):
        return value
    return to_rate(value, field_name="discount")


def _names(value: Iterable[str] | None, name: str) -> frozenset[str] | None:
    # A bare string would silently become a set of its characters: label_set refuses it.
    return None if value is None else label_set(value, name)


def _categories(value: Iterable[str] | None) -> frozenset[str] | None:
    return _names(value, "categories")


def _movies(value: Iterable[str] | None) -> frozenset[str] | None:
    return _names(value, "movies")


def _check_names(value: frozenset[str] | None, name: str) -> None:
    if value is None:
        return
    if not value:
        raise InvalidInput(field=name, reason="empty: use None for 'any'")
    if not all(isinstance(v, str) and v for v in value):
        raise InvalidInput(field=name, reason="names are non-empty strings")


def _check_limit(value: int | None, name: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidInput(field=name, reason="must be a positive integer or None")


def _check_count(value: int, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(field=name, reason="must be a non-negative integer")


@frozen(kw_only=True)
class Coupon:
    """A discount code and the rules for using it.

    ``discount`` is a :class:`Money` for a flat coupon or a rate (``Fraction``/``Decimal``/``int``,
    never ``float``) for a percent coupon, ``0 < rate <= 1``.  ``max_discount`` caps a percent
    coupon's discount (it is refused on a flat coupon, where it would mean nothing).
    ``min_order`` is compared with the order subtotal (ticket prices before discount, fees and
    tax).  ``categories`` / ``movies`` limit where it applies (``None`` means anywhere).
    ``usage_limit`` / ``per_user_limit`` bound uses in all / per user (``None`` means unlimited).

    Raises :class:`InvalidInput` for a malformed field and :class:`CurrencyMismatch` when its
    amounts are in different currencies.
    """

    code: str = field(converter=_code)
    discount: Money | Fraction = field(converter=_discount)
    valid_from: datetime
    valid_until: datetime
    max_discount: Money | None = None
    min_order: Money | None = None
    usage_limit: int | None = None
    per_user_limit: int | None = None
    categories: frozenset[str] | None = field(default=None, converter=_categories)
    movies: frozenset[str] | None = field(default=None, converter=_movies)
    non_cancellable: bool = False

    def __attrs_post_init__(self) -> None:
        require_aware(self.valid_from, "valid_from")
        require_aware(self.valid_until, "valid_until")
        if elapsed(self.valid_from, self.valid_until) <= _NO_TIME:
            raise InvalidInput(field="valid_until", reason="must be after valid_from")
        if isinstance(self.discount, Money):
            if self.discount.amount <= 0:
                raise InvalidInput(field="discount", reason="a flat discount must be positive")
            if self.max_discount is not None:
                raise InvalidInput(field="max_discount", reason="only percent coupons have a cap")
        elif not 0 < self.discount <= 1:
            raise InvalidInput(field="discount", reason="a percentage must be in (0, 1]")
        for name in ("max_discount", "min_order"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Money):
                raise InvalidInput(field=name, reason="must be Money or None")
        if self.max_discount is not None and self.max_discount.amount <= 0:
            raise InvalidInput(field="max_discount", reason="must be positive")
        if self.min_order is not None and self.min_order.amount < 0:
            raise InvalidInput(field="min_order", reason="must not be negative")
        currencies = {m.currency for m in self._amounts()}
        if len(currencies) > 1:
            left, right = sorted(currencies)[:2]
            raise CurrencyMismatch(left=left, right=right)
        _check_limit(self.usage_limit, "usage_limit")
        _check_limit(self.per_user_limit, "per_user_limit")
        _check_names(self.categories, "categories")
        _check_names(self.movies, "movies")
        if not isinstance(self.non_cancellable, bool):
            raise InvalidInput(field="non_cancellable", reason="must be a bool")

    def _amounts(self) -> list[Money]:
        candidates = (self.discount, self.max_discount, self.min_order)
        return [m for m in candidates if isinstance(m, Money)]

    @property
    def kind(self) -> CouponKind:
        """:attr:`CouponKind.FLAT` or :attr:`CouponKind.PERCENT`, from the type of ``discount``."""
        return CouponKind.FLAT if isinstance(self.discount, Money) else CouponKind.PERCENT

    @property
    def rate(self) -> Fraction | None:
        """The percentage as an exact fraction, or ``None`` for a flat coupon."""
        return None if isinstance(self.discount, Money) else self.discount

    @property
    def currency(self) -> str | None:
        """The currency of the coupon's amounts, or ``None`` if it has none (a bare percentage)."""
        amounts = self._amounts()
        return amounts[0].currency if amounts else None

    def applies_to_category(self, category: str) -> bool:
        """Whether a seat of ``category`` is eligible for the discount.

        Raises :class:`InvalidInput` if ``category`` is not a string.
        """
        if not isinstance(category, str):
            raise InvalidInput(field="category", reason="a seat category name")
        return self.categories is None or category in self.categories

    def discount_on(self, eligible_subtotal: Money) -> Money:
        """The discount on ``eligible_subtotal``: never more than it, never negative.

        Flat: ``min(discount, subtotal)``.  Percent: ``subtotal * rate`` rounded half-up to the
        paisa, then limited to ``max_discount``.  Raises :class:`CurrencyMismatch` or
        :class:`InvalidInput` (negative subtotal).
        """
        _require_money(eligible_subtotal, "eligible_subtotal")
        self._same_currency(eligible_subtotal)
        if isinstance(self.discount, Money):
            return self.discount.min(eligible_subtotal)
        amount = eligible_subtotal.times(self.discount)
        if self.max_discount is not None:
            amount = amount.min(self.max_discount)
        return amount

    def _same_currency(self, amount: Money) -> None:
        currency = self.currency
        if currency is not None and currency != amount.currency:
            raise CurrencyMismatch(left=amount.currency, right=currency)

    def _reject(self, reason: CouponRejection) -> CouponRejected:
        return CouponRejected(coupon_code=self.code, reason=reason)


def _require_money(value: object, name: str) -> None:
    if not isinstance(value, Money):
        raise InvalidInput(field=name, reason="must be Money")
    if value.amount < 0:
        raise InvalidInput(field=name, reason="must not be negative")


def check_coupon_for_order(
    coupon: Coupon,
    order_subtotal: Money,
    *,
    movie_id: str | None,
    categories: Collection[str] | None,
) -> None:
    """Check the conditions that depend only on the order (applicability, then minimum).

    ``categories`` are the categories of the seats being bought.  A coupon limited to movies
    (categories) is ``not_applicable`` when ``movie_id`` (``categories``) is ``None`` or outside
    the limit.  Raises :class:`CouponRejected`, :class:`CurrencyMismatch` or
    :class:`InvalidInput` (also for a ``coupon``, ``movie_id`` or ``categories`` of the wrong
    type).
    """
    require_instance(coupon, Coupon, "coupon")
    require_optional_text(movie_id, "movie_id")
    if categories is not None:
        categories = label_set(categories, "categories")
    _require_money(order_subtotal, "order_subtotal")
    coupon._same_currency(order_subtotal)
    if coupon.movies is not None and (movie_id is None or movie_id not in coupon.movies):
        raise coupon._reject(CouponRejection.NOT_APPLICABLE)
    if coupon.categories is not None and (
        categories is None or coupon.categories.isdisjoint(categories)
    ):
        raise coupon._reject(CouponRejection.NOT_APPLICABLE)
    if coupon.min_order is not None and order_subtotal < coupon.min_order:
        raise coupon._reject(CouponRejection.MINIMUM_NOT_MET)


def check_coupon(
    coupon: Coupon,
    order_subtotal: Money,
    now: datetime,
    user_uses: int,
    global_uses: int,
    *,
    movie_id: str | None = None,
    categories: Collection[str] | None = None,
) -> None:
    """Check every rule of ``coupon`` for an order; returns ``None`` when it may be used.

    ``user_uses`` / ``global_uses`` are how many times this user / anyone already used it (the
    use being checked not included).  Rules are checked in the order listed in the module
    documentation and the first failing one is raised as :class:`CouponRejected`.  Raises
    :class:`InvalidInput` for a naive ``now``, negative counts or a negative subtotal, and
    :class:`CurrencyMismatch` for a subtotal in another currency.
    """
    require_instance(coupon, Coupon, "coupon")
    require_aware(now)
    _check_count(user_uses, "user_uses")
    _check_count(global_uses, "global_uses")
    _require_money(order_subtotal, "order_subtotal")
    if elapsed(coupon.valid_from, now) < _NO_TIME:
        raise coupon._reject(CouponRejection.NOT_YET_VALID)
    if elapsed(coupon.valid_until, now) >= _NO_TIME:
        raise coupon._reject(CouponRejection.EXPIRED)
    check_coupon_for_order(coupon, order_subtotal, movie_id=movie_id, categories=categories)
    if coupon.usage_limit is not None and global_uses >= coupon.usage_limit:
        raise coupon._reject(CouponRejection.USAGE_EXHAUSTED)
    if coupon.per_user_limit is not None and user_uses >= coupon.per_user_limit:
        raise coupon._reject(CouponRejection.USER_LIMIT_REACHED)
