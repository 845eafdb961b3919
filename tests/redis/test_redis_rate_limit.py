"""The Redis rate limiter: the contract on a standalone server and a cluster, plus its script's
edges (exact window ends, lowered limits, equal instants, bursts, TTLs, precision, failures)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.adapters.memory.rate_limit import MemoryRateLimiter
from bookmyshow.adapters.redis import RedisClient, connect
from bookmyshow.adapters.redis.keys import rate_key
from bookmyshow.adapters.redis.rate_limit import RATE_KEY_GRACE, RedisRateLimiter
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.ports.rate_limit import RateLimiter
from bookmyshow.testing.contracts.rate_limit import RateLimiterContract
from tests.redis_backends import drop_namespace, free_port

pytestmark = pytest.mark.timeout(120)

MINUTE = timedelta(minutes=1)
US = timedelta(microseconds=1)
_runs = itertools.count()


class TestRedisRateLimiter(RateLimiterContract):
    """RedisRateLimiter keeps the rate limiter contract on both targets."""

    @pytest.fixture
    def limiter(
        self, clock: ManualClock, redis_client: RedisClient, redis_namespace: str
    ) -> RateLimiter:
        """A Redis limiter on the manual clock, in the test's own namespace."""
        return RedisRateLimiter(redis_client, clock=clock, namespace=redis_namespace)


@pytest.fixture
def clock() -> ManualClock:
    """A manual clock at an instant with a non-zero microsecond part."""
    return ManualClock(datetime(2030, 1, 1, 9, 0, 0, 123_457, tzinfo=UTC))


@pytest.fixture
def limiter(
    clock: ManualClock, redis_client: RedisClient, redis_namespace: str
) -> RedisRateLimiter:
    """A Redis limiter on the manual clock, in the test's own namespace."""
    return RedisRateLimiter(redis_client, clock=clock, namespace=redis_namespace)


async def test_window_end_is_exact_to_the_microsecond(
    limiter: RedisRateLimiter, clock: ManualClock
) -> None:
    """A hit one µs before t + window is denied (retry_after 1 µs); at t + window it is allowed."""
    assert (await limiter.hit("k", limit=1, window=MINUTE)).allowed
    clock.advance(MINUTE - US)
    denied = await limiter.hit("k", limit=1, window=MINUTE)
    assert not denied.allowed
    assert denied.retry_after == US
    clock.advance(US)
    assert (await limiter.hit("k", limit=1, window=MINUTE)).allowed


async def test_lowered_limit_waits_for_the_right_hit(
    limiter: RedisRateLimiter, clock: ManualClock
) -> None:
    """After 5 hits 1 s apart, limit 2 waits until the 4th hit ages out, as the memory limiter."""
    for _ in range(5):
        assert (await limiter.hit("k", limit=5, window=MINUTE)).allowed
        clock.advance(timedelta(seconds=1))
    denied = await limiter.hit("k", limit=2, window=MINUTE)
    # Hits at 0..4 s, now 5 s: the hit at 3 s must age out (at 63 s) before 2 fit again.
    assert (denied.allowed, denied.remaining) == (False, 0)
    assert denied.retry_after == timedelta(seconds=58)
    clock.advance(denied.retry_after - US)
    assert not (await limiter.hit("k", limit=2, window=MINUTE)).allowed
    clock.advance(US)
    allowed = await limiter.hit("k", limit=2, window=MINUTE)
    assert (allowed.allowed, allowed.remaining) == (True, 0)


async def test_hits_at_the_same_instant_all_count(limiter: RedisRateLimiter) -> None:
    """50 hits at one instant are 50 distinct hits: all allowed, and the 51st is denied."""
    decisions = [await limiter.hit("same", limit=50, window=MINUTE) for _ in range(51)]
    assert [d.remaining for d in decisions[:50]] == list(range(49, -1, -1))
    assert not decisions[50].allowed
    assert decisions[50].retry_after == MINUTE


async def test_burst_of_200_concurrent_hits_allows_exactly_the_limit(
    redis_target: str, redis_namespace: str, clock: ManualClock
) -> None:
    """Of 200 concurrent hits on one key with limit 37, exactly 37 are allowed."""
    # A client of its own with room for 200 connections: redis-py's default pool holds 100.
    client = connect(redis_target, max_connections=256)
    try:
        limiter = RedisRateLimiter(client, clock=clock, namespace=redis_namespace)
        decisions = await asyncio.gather(
            *(limiter.hit("burst", limit=37, window=MINUTE) for _ in range(200))
        )
        assert sum(d.allowed for d in decisions) == 37
        assert sorted(d.remaining for d in decisions if d.allowed) == list(range(37))
    finally:
        try:
            await drop_namespace(client, redis_namespace)
        finally:
            await client.aclose()


async def test_keys_that_look_alike_are_independent(limiter: RedisRateLimiter) -> None:
    """Keys differing only around braces or colons never share a count."""
    keys = ["a", "a}", "{a}", "a:b", "a}:{b", "ü"]
    for key in keys:
        assert (await limiter.hit(key, limit=1, window=MINUTE)).allowed
    for key in keys:
        assert not (await limiter.hit(key, limit=1, window=MINUTE)).allowed


async def test_key_ttl_is_window_plus_grace_and_only_grows(
    limiter: RedisRateLimiter, redis_client: RedisClient, redis_namespace: str
) -> None:
    """An allowed hit sets PEXPIRE to window + grace; a shorter window never shortens it."""
    key = rate_key(redis_namespace, "ttl")
    await limiter.hit("ttl", limit=10, window=timedelta(hours=1))
    full = (timedelta(hours=1) + RATE_KEY_GRACE) // timedelta(milliseconds=1)
    first = await redis_client.pttl(key)
    assert full - 5_000 < first <= full
    await limiter.hit("ttl", limit=10, window=timedelta(seconds=1))
    assert full - 5_000 < await redis_client.pttl(key) <= full


async def test_denied_hits_leave_the_set_alone(
    limiter: RedisRateLimiter, redis_client: RedisClient, redis_namespace: str
) -> None:
    """Denied hits add no member: the set holds exactly the allowed hits."""
    for _ in range(10):
        await limiter.hit("d", limit=3, window=MINUTE)
    assert await redis_client.zcard(rate_key(redis_namespace, "d")) == 3


async def test_endless_window_keeps_the_key_without_ttl(
    limiter: RedisRateLimiter, redis_client: RedisClient, redis_namespace: str
) -> None:
    """A window of timedelta.max works (never ages out) and leaves the key without a TTL."""
    window = timedelta.max
    assert (await limiter.hit("forever", limit=1, window=window)).allowed
    denied = await limiter.hit("forever", limit=1, window=window)
    assert not denied.allowed
    assert denied.retry_after == window
    assert await redis_client.pttl(rate_key(redis_namespace, "forever")) == -1


async def test_old_hits_are_dropped_from_the_set(
    limiter: RedisRateLimiter, clock: ManualClock, redis_client: RedisClient, redis_namespace: str
) -> None:
    """A hit after a quiet window leaves only itself in the set (memory stays O(limit))."""
    for _ in range(5):
        await limiter.hit("old", limit=5, window=MINUTE)
    clock.advance(MINUTE)
    await limiter.hit("old", limit=5, window=MINUTE)
    assert await redis_client.zcard(rate_key(redis_namespace, "old")) == 1


@settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["x", "y"]),
            st.integers(1, 4),
            st.sampled_from([0, 1, 999_999, 1_000_000, 1_000_001, 3_000_000]),
        ),
        min_size=1,
        max_size=30,
    )
)
async def test_agrees_with_the_memory_limiter(
    redis_client: RedisClient, redis_namespace: str, steps: list[tuple[str, int, int]]
) -> None:
    """Any sequence of hits (keys, changing limits, µs gaps) gets the memory limiter's answers."""
    clock = ManualClock(datetime(2030, 1, 1, tzinfo=UTC))
    run = f"{redis_namespace}:p{next(_runs)}"
    redis = RedisRateLimiter(redis_client, clock=clock, namespace=run)
    memory = MemoryRateLimiter(clock)
    window = timedelta(seconds=3)
    for key, limit, gap in steps:
        clock.advance(gap * US)
        assert await redis.hit(key, limit=limit, window=window) == await memory.hit(
            key, limit=limit, window=window
        )


async def test_instants_past_two_to_the_53_microseconds_are_refused() -> None:
    """A clock beyond 2**53 µs (year ~2255) is InvalidInput on now, before anything is sent."""
    client = connect(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    try:
        late = ManualClock(datetime(2256, 1, 1, tzinfo=UTC))
        limiter = RedisRateLimiter(client, clock=late)
        with pytest.raises(InvalidInput) as refused:
            await limiter.hit("k", limit=1, window=MINUTE)
        assert refused.value.field == "now"
    finally:
        await client.aclose()


async def test_latest_exact_instant_is_kept_exactly(
    redis_client: RedisClient, redis_namespace: str
) -> None:
    """Just below 2**53 µs, a one-µs-short retry is still denied with retry_after of 1 µs."""
    start = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=2**53 - 10**6 - 2)
    clock = ManualClock(start)
    limiter = RedisRateLimiter(redis_client, clock=clock, namespace=redis_namespace)
    window = timedelta(seconds=1)
    assert (await limiter.hit("edge", limit=1, window=window)).allowed
    clock.advance(window - US)
    assert (await limiter.hit("edge", limit=1, window=window)).retry_after == US
    clock.advance(US)
    assert (await limiter.hit("edge", limit=1, window=window)).allowed


async def test_key_without_utf8_form_is_refused(limiter: RedisRateLimiter) -> None:
    """A key with a lone surrogate is InvalidInput on key."""
    with pytest.raises(InvalidInput) as refused:
        await limiter.hit("bad\ud800", limit=1, window=MINUTE)
    assert refused.value.field == "key"


async def test_bad_namespace_is_refused() -> None:
    """A namespace with braces is InvalidInput on namespace."""
    client = connect(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    try:
        with pytest.raises(InvalidInput) as refused:
            RedisRateLimiter(client, clock=ManualClock(), namespace="a{b}")
        assert refused.value.field == "namespace"
    finally:
        await client.aclose()


async def test_unreachable_server_is_backend_unavailable() -> None:
    """A hit on a server that is not there raises BackendUnavailable(backend='redis')."""
    client = connect(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    try:
        limiter = RedisRateLimiter(client, clock=ManualClock())
        with pytest.raises(BackendUnavailable) as failed:
            await limiter.hit("k", limit=1, window=MINUTE)
        assert failed.value.backend == "redis"
    finally:
        await client.aclose()
