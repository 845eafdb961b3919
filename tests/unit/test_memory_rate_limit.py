"""What is specific to MemoryRateLimiter: forgetting idle keys and lowered limits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.adapters.memory.rate_limit import MemoryRateLimiter

MINUTE = timedelta(minutes=1)


@pytest.mark.asyncio
async def test_idle_keys_are_forgotten() -> None:
    """Keys with no hit in their window are dropped by the periodic sweep."""
    clock = ManualClock()
    limiter = MemoryRateLimiter(clock)
    for i in range(1000):
        await limiter.hit(f"user{i}", limit=1, window=MINUTE)
    assert len(limiter) == 1000
    clock.advance(MINUTE)
    for _ in range(24):
        await limiter.hit("active", limit=100, window=MINUTE)
    assert len(limiter) == 1


@pytest.mark.asyncio
async def test_lowered_limit_waits_for_enough_hits_to_age_out() -> None:
    """After 3 hits under limit 3, a hit under limit 1 waits until the last of them ages out."""
    clock = ManualClock()
    limiter = MemoryRateLimiter(clock)
    for _ in range(3):
        await limiter.hit("k", limit=3, window=MINUTE)
        clock.advance(timedelta(seconds=10))
    denied = await limiter.hit("k", limit=1, window=MINUTE)
    assert denied.retry_after == timedelta(seconds=50)
