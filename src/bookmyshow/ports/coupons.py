"""The coupon-redemption port: counting coupon uses atomically.

The pure rules (validity window, applicability, minimum order, and the limits given counts) live
in :mod:`bookmyshow.domain.coupons`.  Checking counts there and then writing them is racy, so the
limits are enforced again, atomically, here: :meth:`CouponRedemptions.redeem` counts a use only if
the coupon's global limit and the user's limit still allow it.  A booking that fails after
redeeming gives the use back with :meth:`CouponRedemptions.release`.

Coupon codes are compared exactly: pass :attr:`bookmyshow.domain.coupons.Coupon.code`, which is
already normalised.  The limit errors are :class:`~bookmyshow.domain.coupons.CouponRejected`
subclasses, so a service that handles rejections handles them too.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from attrs import define, frozen

from bookmyshow.domain.coupons import CouponRejected, CouponRejection
from bookmyshow.domain.errors import InvalidInput

__all__ = [
    "CouponLimitReached",
    "CouponRedemptions",
    "CouponUsage",
    "CouponUsageExhausted",
    "CouponUserLimitReached",
    "Redemption",
    "check_redeem_arguments",
]


@define(auto_exc=True, kw_only=True)
class CouponLimitReached(CouponRejected):
    """A limit on the coupon's uses is reached: ``scope`` is ``"global"`` or ``"user"``."""

    code: ClassVar[str] = "coupon_limit_reached"
    scope: str
    limit: int


@define(auto_exc=True, kw_only=True)
class CouponUsageExhausted(CouponLimitReached):
    """The coupon was used ``limit`` times in all (``reason="usage_exhausted"``)."""

    code: ClassVar[str] = "coupon_usage_exhausted"
    reason: str = CouponRejection.USAGE_EXHAUSTED.value
    scope: str = "global"


@define(auto_exc=True, kw_only=True)
class CouponUserLimitReached(CouponLimitReached):
    """This user used the coupon ``limit`` times (``reason="user_limit_reached"``)."""

    code: ClassVar[str] = "coupon_user_limit_reached"
    reason: str = CouponRejection.USER_LIMIT_REACHED.value
    scope: str = "user"


@frozen(kw_only=True)
class Redemption:
    """One counted use of ``coupon_code`` by ``user_id``, identified by ``redemption_id``."""

    redemption_id: str
    coupon_code: str
    user_id: str


@frozen(kw_only=True)
class CouponUsage:
    """How often ``coupon_code`` is currently redeemed: ``total`` and ``by_user`` (``user_id``)."""

    coupon_code: str
    user_id: str
    total: int
    by_user: int


def check_redeem_arguments(
    redemption_id: str,
    coupon_code: str,
    user_id: str,
    global_limit: int | None,
    per_user_limit: int | None,
) -> None:
    """Raise :class:`~bookmyshow.domain.errors.InvalidInput` for an empty id, code or user, or
    a limit that is neither ``None`` nor a non-negative integer."""
    for name, value in (
        ("redemption_id", redemption_id),
        ("coupon_code", coupon_code),
        ("user_id", user_id),
    ):
        if not isinstance(value, str) or not value:
            raise InvalidInput(field=name, reason="must be a non-empty string")
    for name, limit in (("global_limit", global_limit), ("per_user_limit", per_user_limit)):
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise InvalidInput(field=name, reason="must be None or a non-negative integer")


class CouponRedemptions(Protocol):
    """Atomic, idempotent counting of coupon uses.

    Errors besides those named: ``InvalidInput`` for bad arguments,
    :class:`~bookmyshow.ports.errors.BackendUnavailable` when the backend fails.
    """

    async def redeem(
        self,
        *,
        redemption_id: str,
        coupon_code: str,
        user_id: str,
        global_limit: int | None,
        per_user_limit: int | None,
    ) -> Redemption:
        """Count one use of the coupon by the user, if both limits (``None``: unlimited) allow.

        Checked atomically, global limit first: raises :class:`CouponUsageExhausted` when
        ``global_limit`` uses are counted, else :class:`CouponUserLimitReached` when the user has
        ``per_user_limit``.  Redeeming an already counted ``redemption_id`` again returns it and
        counts nothing (even if the limits are now reached); the same id for another coupon or
        user raises :class:`~bookmyshow.ports.errors.IdempotencyKeyReused`.  A released id may be
        redeemed again and then counts anew.
        """
        ...

    async def release(self, redemption_id: str) -> Redemption | None:
        """Give back a counted use; returns it, or ``None`` if it is not (or no longer) counted."""
        ...

    async def usage(self, coupon_code: str, user_id: str) -> CouponUsage:
        """The counted uses of ``coupon_code``: in all and by ``user_id``."""
        ...
