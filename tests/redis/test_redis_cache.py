"""RedisCache: the cache contract on a standalone server and a cluster, and what is Redis-only."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest

from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.adapters.redis import RedisClient, connect
from bookmyshow.adapters.redis.cache import CACHE_KEY_GRACE, RedisCache
from bookmyshow.adapters.redis.keys import cache_key
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.cache import Cache
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.testing.contracts.cache import CacheContract
from tests.redis_backends import free_port


class TestRedisCacheContract(CacheContract):
    """The cache contract, run on the shared server and on the cluster."""

    @pytest.fixture
    async def cache(
        self, clock: ManualClock, redis_client: RedisClient, redis_namespace: str
    ) -> Cache:
        """A RedisCache in the test's own namespace, judging expiry by the manual clock.

        The client is initialised first: redis-py's cluster client initialises lazily, and a
        burst of concurrent first commands races that (a client matter, not the cache's).
        """
        await redis_client.initialize()
        return RedisCache(redis_client, clock=clock, namespace=redis_namespace)


async def test_namespaces_do_not_meet(redis_client: RedisClient, redis_namespace: str) -> None:
    """Two caches with different namespaces on one server never see each other's entries."""
    clock = ManualClock()
    mine = RedisCache(redis_client, clock=clock, namespace=redis_namespace)
    other = RedisCache(redis_client, clock=clock, namespace=f"{redis_namespace}:other")
    await mine.set("movie:1", b"mine")
    assert await other.get("movie:1") is None
    await other.set("movie:1", b"other")
    assert await mine.get("movie:1") == b"mine"
    assert await other.delete("movie:1") is True
    assert await mine.get("movie:1") == b"mine"


async def test_keys_are_named_by_the_keys_module(
    redis_client: RedisClient, redis_namespace: str
) -> None:
    """An entry lives under keys.cache_key(namespace, key), and nowhere else."""
    cache = RedisCache(redis_client, clock=ManualClock(), namespace=redis_namespace)
    await cache.set("k", b"v")
    stored = [key async for key in redis_client.scan_iter(match=f"{redis_namespace}:*")]
    assert stored == [cache_key(redis_namespace, "k").encode()]


async def test_key_ttl_outlives_the_value(redis_client: RedisClient, redis_namespace: str) -> None:
    """A ttl'd entry's key expires ttl + grace later by the server; a ttl-less one never does."""
    clock = ManualClock()
    cache = RedisCache(redis_client, clock=clock, namespace=redis_namespace)
    ttl = timedelta(seconds=30)
    await cache.set("dying", b"v", ttl=ttl)
    await cache.set("lasting", b"v")
    pttl = await redis_client.pttl(cache_key(redis_namespace, "dying"))
    ms = timedelta(milliseconds=1)
    assert ttl / ms < pttl <= (ttl + CACHE_KEY_GRACE) / ms
    assert await redis_client.pttl(cache_key(redis_namespace, "lasting")) == -1
    clock.advance(ttl)
    assert await cache.get("dying") is None
    assert await redis_client.exists(cache_key(redis_namespace, "dying")) == 1


async def test_expiry_follows_the_clock_not_the_server(
    redis_client: RedisClient, redis_namespace: str
) -> None:
    """Only the clock decides expiry: an entry misses past its ttl and is live again if set back."""
    clock = ManualClock()
    cache = RedisCache(redis_client, clock=clock, namespace=redis_namespace)
    start = clock.now()
    await cache.set("k", b"v", ttl=timedelta(minutes=1))
    clock.advance(timedelta(days=365))
    assert await cache.get("k") is None
    clock.set(start)
    assert await cache.get("k") == b"v"


async def test_get_many_spans_hash_slots(redis_client: RedisClient, redis_namespace: str) -> None:
    """get_many reads keys that fall in many different hash slots (no cross-slot error)."""
    cache = RedisCache(redis_client, clock=ManualClock(), namespace=redis_namespace)
    keys = [f"movie:{i}" for i in range(40)]
    for i, key in enumerate(keys):
        if i % 3:
            await cache.set(key, str(i).encode())
    found = await cache.get_many([*keys, keys[1]])
    assert found == {key: str(i).encode() for i, key in enumerate(keys) if i % 3}


async def test_foreign_values_read_as_misses(
    redis_client: RedisClient, redis_namespace: str
) -> None:
    """A value without this adapter's header (written by something else) reads as a miss."""
    cache = RedisCache(redis_client, clock=ManualClock(), namespace=redis_namespace)
    for name, raw in (("empty", b""), ("alien", b"\x07hello"), ("short", b"\x01\x00\x01")):
        await redis_client.set(cache_key(redis_namespace, name), raw)
    assert await cache.get("alien") is None
    assert await cache.get_many(["empty", "alien", "short"]) == {}
    assert await cache.delete("short") is False


async def test_unreachable_server_is_backend_unavailable() -> None:
    """Every method raises BackendUnavailable(backend="redis") when the server is unreachable."""
    client = connect(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    cache = RedisCache(client, clock=ManualClock(), namespace="unreachable")
    try:
        calls: list[Callable[[], Awaitable[object]]] = [
            lambda: cache.get("k"),
            lambda: cache.get_many(["k", "j"]),
            lambda: cache.set("k", b"v", ttl=timedelta(seconds=1)),
            lambda: cache.delete("k"),
        ]
        for call in calls:
            with pytest.raises(BackendUnavailable) as failed:
                await call()
            assert failed.value.backend == "redis"
    finally:
        await client.aclose()


_offline = itertools.count()


async def test_bad_input_is_refused_before_anything_is_sent() -> None:
    """Bad keys, values, ttls and namespaces are InvalidInput even with no server to talk to."""
    client = connect(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    cache = RedisCache(client, clock=ManualClock(), namespace=f"offline{next(_offline)}")
    try:
        refused: list[tuple[Callable[[], Awaitable[object]], str]] = [
            (lambda: cache.get_many("abc"), "keys"),
            (lambda: cache.set("k", "text"), "value"),  # type: ignore[arg-type]
            (lambda: cache.set("k", b"v", ttl=timedelta(days=3_000_000)), "ttl"),
            (lambda: cache.delete(""), "key"),
        ]
        for call, field in refused:
            with pytest.raises(InvalidInput) as info:
                await call()
            assert info.value.field == field
        for namespace in ("", "{x}", "ns:"):
            with pytest.raises(InvalidInput) as bad:
                RedisCache(client, clock=ManualClock(), namespace=namespace)
            assert bad.value.field == "namespace"
    finally:
        await client.aclose()


async def test_a_client_decoding_strings_is_refused(redis_url: str, redis_namespace: str) -> None:
    """A client built with decode_responses=True is refused loudly rather than mangling bytes."""
    from redis.asyncio import Redis  # noqa: PLC0415 - only this test builds a raw client

    client = Redis.from_url(redis_url, decode_responses=True)
    cache = RedisCache(client, clock=ManualClock(), namespace=redis_namespace)
    try:
        await cache.set("k", b"v")
        with pytest.raises(InvalidInput) as info:
            await cache.get("k")
        assert info.value.field == "client"
    finally:
        await client.delete(cache_key(redis_namespace, "k"))
        await client.aclose()
