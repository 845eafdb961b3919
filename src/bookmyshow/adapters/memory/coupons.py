"""In-process coupon redemption counting."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from typing import TypeVar

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.coupons import (
    CouponUsage,
    CouponUsageExhausted,
    CouponUserLimitReached,
    Redemption,
    check_redeem_arguments,
)
from bookmyshow.ports.errors import IdempotencyKeyReused

__all__ = ["MemoryCouponRedemptions"]

_K = TypeVar("_K")


def _decrement(counter: Counter[_K], key: _K) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]  # keeps memory bounded by the uses currently counted


class MemoryCouponRedemptions:
    """A :class:`~bookmyshow.ports.coupons.CouponRedemptions` in dicts.

    Each call yields to the event loop once (a round trip), then checks and counts under a
    :class:`threading.Lock` without awaiting: atomic for concurrent tasks, and for one store used
    from several event loops or threads.
    """

    def __init__(self) -> None:
        self._active: dict[str, Redemption] = {}
        self._total: Counter[str] = Counter()
        self._by_user: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()

    async def redeem(
        self,
        *,
        redemption_id: str,
        coupon_code: str,
        user_id: str,
        global_limit: int | None,
        per_user_limit: int | None,
    ) -> Redemption:
        """Count one use if the limits allow; see the port for errors and idempotency."""
        check_redeem_arguments(redemption_id, coupon_code, user_id, global_limit, per_user_limit)
        wanted = Redemption(redemption_id=redemption_id, coupon_code=coupon_code, user_id=user_id)
        await asyncio.sleep(0)
        with self._lock:
            existing = self._active.get(redemption_id)
            if existing is not None:
                if existing != wanted:
                    raise IdempotencyKeyReused(key=redemption_id)
                return existing
            if global_limit is not None and self._total[coupon_code] >= global_limit:
                raise CouponUsageExhausted(coupon_code=coupon_code, limit=global_limit)
            mine = self._by_user[coupon_code, user_id]
            if per_user_limit is not None and mine >= per_user_limit:
                raise CouponUserLimitReached(coupon_code=coupon_code, limit=per_user_limit)
            self._active[redemption_id] = wanted
            self._total[coupon_code] += 1
            self._by_user[coupon_code, user_id] += 1
            return wanted

    async def release(self, redemption_id: str) -> Redemption | None:
        """Un-count ``redemption_id``; ``None`` if it is not counted.  ``InvalidInput`` if empty."""
        if not isinstance(redemption_id, str) or not redemption_id:
            raise InvalidInput(field="redemption_id", reason="must be a non-empty string")
        await asyncio.sleep(0)
        with self._lock:
            redemption = self._active.pop(redemption_id, None)
            if redemption is None:
                return None
            _decrement(self._total, redemption.coupon_code)
            _decrement(self._by_user, (redemption.coupon_code, redemption.user_id))
            return redemption

    async def usage(self, coupon_code: str, user_id: str) -> CouponUsage:
        """Current counts for the coupon and the user; ``InvalidInput`` for an empty one."""
        for name, value in (("coupon_code", coupon_code), ("user_id", user_id)):
            if not isinstance(value, str) or not value:
                raise InvalidInput(field=name, reason="must be a non-empty string")
        await asyncio.sleep(0)
        with self._lock:
            total, by_user = self._total[coupon_code], self._by_user[coupon_code, user_id]
        return CouponUsage(coupon_code=coupon_code, user_id=user_id, total=total, by_user=by_user)
