"""Contract suite for :class:`bookmyshow.ports.rate_limit.RateLimiter` adapters.

Subclass :class:`RateLimiterContract` and override ``limiter`` (build it on the ``clock``
fixture).  A backend that judges windows by its own server clock overrides
:meth:`RateLimiterContract.advance`.
"""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.errors import RateLimited
from bookmyshow.ports.rate_limit import RateLimiter, check

__all__ = ["RateLimiterContract"]

_contract = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
)
_keys = itertools.count()
MINUTE = timedelta(minutes=1)


class RateLimiterContract:
    """What every rate limiter promises: an exact sliding window, atomically."""

    @pytest.fixture
    def clock(self) -> ManualClock:
        """The manual clock the limiter reads."""
        return ManualClock()

    @pytest.fixture
    def limiter(self, clock: ManualClock) -> RateLimiter:
        """The limiter under test, with no hits recorded (override in a subclass)."""
        raise NotImplementedError

    async def advance(self, clock: ManualClock, by: timedelta) -> None:
        """Let ``by`` pass for the limiter (hook for backends on their own clock)."""
        clock.advance(by)

    @pytest.mark.asyncio
    async def test_limit_then_deny(self, limiter: RateLimiter) -> None:
        """The first `limit` hits are allowed with falling `remaining`; the next is denied."""
        decisions = [await limiter.hit("login:alice", limit=3, window=MINUTE) for _ in range(4)]
        assert [d.allowed for d in decisions] == [True, True, True, False]
        assert [d.remaining for d in decisions] == [2, 1, 0, 0]
        assert all(d.limit == 3 for d in decisions)
        assert all(d.retry_after == timedelta(0) for d in decisions[:3])
        assert timedelta(0) < decisions[3].retry_after <= MINUTE

    @pytest.mark.asyncio
    async def test_retry_after_is_honest(self, limiter: RateLimiter, clock: ManualClock) -> None:
        """Just before retry_after a hit is still denied; at retry_after it is allowed."""
        await limiter.hit("k", limit=2, window=MINUTE)
        await self.advance(clock, timedelta(seconds=20))
        await limiter.hit("k", limit=2, window=MINUTE)
        denied = await limiter.hit("k", limit=2, window=MINUTE)
        assert denied.retry_after == timedelta(seconds=40)
        await self.advance(clock, timedelta(seconds=39))
        assert not (await limiter.hit("k", limit=2, window=MINUTE)).allowed
        await self.advance(clock, timedelta(seconds=1))
        assert (await limiter.hit("k", limit=2, window=MINUTE)).allowed

    @pytest.mark.asyncio
    async def test_denied_hits_do_not_count(self, limiter: RateLimiter, clock: ManualClock) -> None:
        """Hammering while denied does not push the next allowed hit further out."""
        await limiter.hit("k", limit=1, window=MINUTE)
        first_denial = await limiter.hit("k", limit=1, window=MINUTE)
        for _ in range(20):
            await self.advance(clock, timedelta(seconds=1))
            await limiter.hit("k", limit=1, window=MINUTE)
        await self.advance(clock, first_denial.retry_after - timedelta(seconds=20))
        assert (await limiter.hit("k", limit=1, window=MINUTE)).allowed

    @pytest.mark.asyncio
    async def test_full_window_restores_the_limit(
        self, limiter: RateLimiter, clock: ManualClock
    ) -> None:
        """After a whole quiet window, `limit` hits are allowed again."""
        for _ in range(5):
            await limiter.hit("k", limit=5, window=MINUTE)
        await self.advance(clock, MINUTE)
        decisions = [await limiter.hit("k", limit=5, window=MINUTE) for _ in range(5)]
        assert all(d.allowed for d in decisions)

    @pytest.mark.asyncio
    async def test_keys_are_independent(self, limiter: RateLimiter) -> None:
        """Exhausting one key leaves another untouched."""
        await limiter.hit("a", limit=1, window=MINUTE)
        assert not (await limiter.hit("a", limit=1, window=MINUTE)).allowed
        assert (await limiter.hit("b", limit=1, window=MINUTE)).allowed

    @pytest.mark.asyncio
    async def test_concurrent_hits_respect_the_limit(self, limiter: RateLimiter) -> None:
        """Of 100 concurrent hits on one key with limit 10, exactly 10 are allowed."""
        decisions = await asyncio.gather(
            *(limiter.hit("burst", limit=10, window=MINUTE) for _ in range(100))
        )
        assert sum(d.allowed for d in decisions) == 10

    @pytest.mark.asyncio
    async def test_check_raises_rate_limited(self, limiter: RateLimiter) -> None:
        """check() returns allowed decisions and raises RateLimited with the wait when denied."""
        assert (await check(limiter, "k", limit=1, window=MINUTE)).allowed
        with pytest.raises(RateLimited) as info:
            await check(limiter, "k", limit=1, window=MINUTE)
        assert info.value.code == "rate_limited"
        assert info.value.key == "k"
        assert 0 < info.value.retry_after_seconds <= 60

    @pytest.mark.asyncio
    @pytest.mark.parametrize(
        ("key", "limit", "window", "field"),
        [
            ("", 1, MINUTE, "key"),
            ("k", 0, MINUTE, "limit"),
            ("k", True, MINUTE, "limit"),
            ("k", 1, timedelta(0), "window"),
        ],
    )
    async def test_bad_arguments_are_refused(
        self, limiter: RateLimiter, key: str, limit: int, window: timedelta, field: str
    ) -> None:
        """hit() raises InvalidInput naming the bad argument."""
        with pytest.raises(InvalidInput) as info:
            await limiter.hit(key, limit=limit, window=window)
        assert info.value.field == field

    @pytest.mark.asyncio
    @_contract
    @given(
        limit=st.integers(1, 5),
        gaps=st.lists(st.integers(0, 30), min_size=1, max_size=40),
    )
    async def test_never_more_than_limit_in_any_window(
        self, limiter: RateLimiter, clock: ManualClock, limit: int, gaps: list[int]
    ) -> None:
        """Whatever the timing, no interval of one window holds more than `limit` allowed hits."""
        key = f"prop{next(_keys)}"
        window = timedelta(seconds=30)
        allowed_at = []
        for gap in gaps:
            await self.advance(clock, timedelta(seconds=gap))
            if (await limiter.hit(key, limit=limit, window=window)).allowed:
                allowed_at.append(clock.now())
        for i, start in enumerate(allowed_at):
            assert sum(1 for t in allowed_at[i:] if t < start + window) <= limit
