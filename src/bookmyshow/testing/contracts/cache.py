"""Contract suite for :class:`bookmyshow.ports.cache.Cache` adapters.

Subclass :class:`CacheContract` and override ``cache`` (build it on the ``clock`` fixture).  A
backend whose expiry runs on its own server clock overrides :meth:`CacheContract.advance` to let
real time pass.
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
from bookmyshow.ports.cache import Cache

__all__ = ["CacheContract"]

_contract = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
)
_namespaces = itertools.count()
_keys = st.text(alphabet="abcdefgh", min_size=1, max_size=3)


class CacheContract:
    """What every cache promises: read-your-writes, per-entry ttl, and deletes."""

    @pytest.fixture
    def clock(self) -> ManualClock:
        """The manual clock the cache judges expiry by."""
        return ManualClock()

    @pytest.fixture
    def cache(self, clock: ManualClock) -> Cache:
        """The cache under test, empty and big enough for the suite (override in a subclass)."""
        raise NotImplementedError

    async def advance(self, clock: ManualClock, by: timedelta) -> None:
        """Let ``by`` pass for the cache (hook for backends that expire on their own clock)."""
        clock.advance(by)

    @pytest.mark.asyncio
    async def test_set_then_get(self, cache: Cache) -> None:
        """A value set is read back; an unknown key reads None."""
        await cache.set("movie:1", b"\x00payload")
        assert await cache.get("movie:1") == b"\x00payload"
        assert await cache.get("movie:2") is None

    @pytest.mark.asyncio
    async def test_set_overwrites(self, cache: Cache) -> None:
        """A second set replaces the value."""
        await cache.set("k", b"one")
        await cache.set("k", b"two")
        assert await cache.get("k") == b"two"

    @pytest.mark.asyncio
    async def test_ttl_expires(self, cache: Cache, clock: ManualClock) -> None:
        """An entry with a ttl is readable before the ttl passes and gone after."""
        await cache.set("k", b"v", ttl=timedelta(seconds=30))
        await self.advance(clock, timedelta(seconds=29))
        assert await cache.get("k") == b"v"
        await self.advance(clock, timedelta(seconds=2))
        assert await cache.get("k") is None
        assert await cache.get_many(["k"]) == {}

    @pytest.mark.asyncio
    async def test_overwrite_resets_ttl(self, cache: Cache, clock: ManualClock) -> None:
        """Setting again without a ttl removes the earlier expiry."""
        await cache.set("k", b"v", ttl=timedelta(seconds=5))
        await cache.set("k", b"w")
        await self.advance(clock, timedelta(seconds=10))
        assert await cache.get("k") == b"w"

    @pytest.mark.asyncio
    async def test_delete(self, cache: Cache, clock: ManualClock) -> None:
        """delete() removes a live entry (True); a missing or expired one gives False."""
        await cache.set("live", b"1")
        await cache.set("dying", b"2", ttl=timedelta(seconds=1))
        await self.advance(clock, timedelta(seconds=2))
        assert await cache.delete("live") is True
        assert await cache.delete("live") is False
        assert await cache.delete("dying") is False
        assert await cache.get("live") is None

    @pytest.mark.asyncio
    async def test_get_many_returns_only_hits(self, cache: Cache) -> None:
        """get_many() maps each present key to its value and leaves misses out."""
        await cache.set("a", b"1")
        await cache.set("c", b"3")
        assert dict(await cache.get_many(["a", "b", "c"])) == {"a": b"1", "c": b"3"}
        assert dict(await cache.get_many([])) == {}

    @pytest.mark.asyncio
    @pytest.mark.parametrize("ttl", [timedelta(0), timedelta(seconds=-1)])
    async def test_non_positive_ttl_is_refused(self, cache: Cache, ttl: timedelta) -> None:
        """set() with a zero or negative ttl raises InvalidInput(field="ttl") and stores nothing."""
        with pytest.raises(InvalidInput) as info:
            await cache.set("k", b"v", ttl=ttl)
        assert info.value.field == "ttl"
        assert await cache.get("k") is None

    @pytest.mark.asyncio
    async def test_empty_key_is_refused(self, cache: Cache) -> None:
        """Every method raises InvalidInput(field="key") for an empty key."""
        for call in (
            cache.get(""),
            cache.set("", b"v"),
            cache.delete(""),
            cache.get_many(["ok", ""]),
        ):
            with pytest.raises(InvalidInput) as info:
                await call
            assert info.value.field == "key"

    @pytest.mark.asyncio
    async def test_concurrent_writers_leave_one_value(self, cache: Cache) -> None:
        """After 50 concurrent sets of one key, the key holds one of the written values."""
        values = {f"v{i}".encode() for i in range(50)}
        await asyncio.gather(*(cache.set("hot", v) for v in values))
        assert await cache.get("hot") in values

    @pytest.mark.asyncio
    @_contract
    @given(
        ops=st.lists(
            st.tuples(st.sampled_from(["set", "delete"]), _keys, st.binary(max_size=4)),
            max_size=30,
        )
    )
    async def test_behaves_like_a_dict(
        self, cache: Cache, ops: list[tuple[str, str, bytes]]
    ) -> None:
        """Any sequence of sets and deletes (no ttl) reads back like a dict would."""
        namespace = f"ns{next(_namespaces)}:"
        model: dict[str, bytes] = {}
        for op, key, value in ops:
            if op == "set":
                await cache.set(namespace + key, value)
                model[key] = value
            else:
                assert await cache.delete(namespace + key) == (key in model)
                model.pop(key, None)
        keys = sorted({k for _, k, _ in ops})
        found = await cache.get_many([namespace + k for k in keys])
        assert {k.removeprefix(namespace): v for k, v in found.items()} == model
