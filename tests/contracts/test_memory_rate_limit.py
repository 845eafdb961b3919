"""The in-memory rate limiter against the rate limiter contract."""

from __future__ import annotations

import pytest

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.adapters.memory.rate_limit import MemoryRateLimiter
from bookmyshow.ports.rate_limit import RateLimiter
from bookmyshow.testing.contracts.rate_limit import RateLimiterContract


class TestMemoryRateLimiter(RateLimiterContract):
    """MemoryRateLimiter keeps the rate limiter contract."""

    @pytest.fixture
    def limiter(self, clock: ManualClock) -> RateLimiter:
        """An in-memory limiter on the manual clock."""
        return MemoryRateLimiter(clock)
