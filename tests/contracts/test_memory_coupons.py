"""The in-memory coupon redemptions against the coupon redemption contract."""

from __future__ import annotations

import pytest

from bookmyshow.adapters.memory.coupons import MemoryCouponRedemptions
from bookmyshow.ports.coupons import CouponRedemptions
from bookmyshow.testing.contracts.coupons import CouponRedemptionsContract


class TestMemoryCouponRedemptions(CouponRedemptionsContract):
    """MemoryCouponRedemptions keeps the coupon redemption contract."""

    @pytest.fixture
    def redemptions(self) -> CouponRedemptions:
        """Fresh in-memory redemptions."""
        return MemoryCouponRedemptions()
