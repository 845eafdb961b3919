"""What is specific to MemoryCache: the size bound and LRU eviction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.adapters.memory.cache import MemoryCache
from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.domain.errors import InvalidInput


@pytest.mark.asyncio
async def test_least_recently_used_entry_is_evicted() -> None:
    """With room for two, reading 'a' then adding 'c' evicts 'b'."""
    cache = MemoryCache(ManualClock(), max_entries=2)
    await cache.set("a", b"1")
    await cache.set("b", b"2")
    await cache.get("a")
    await cache.set("c", b"3")
    assert dict(await cache.get_many(["a", "b", "c"])) == {"a": b"1", "c": b"3"}


@pytest.mark.asyncio
async def test_overwriting_does_not_evict() -> None:
    """Setting an existing key when full evicts nothing."""
    cache = MemoryCache(ManualClock(), max_entries=2)
    await cache.set("a", b"1")
    await cache.set("b", b"2")
    await cache.set("a", b"3")
    assert dict(await cache.get_many(["a", "b"])) == {"a": b"3", "b": b"2"}


@pytest.mark.asyncio
@given(keys=st.lists(st.integers(0, 20), max_size=60), bound=st.integers(1, 8))
async def test_size_never_exceeds_the_bound(keys: list[int], bound: int) -> None:
    """However many keys are set, at most max_entries are stored."""
    cache = MemoryCache(ManualClock(), max_entries=bound)
    for key in keys:
        await cache.set(str(key), b"x")
        assert len(cache) <= bound
    if keys:
        assert await cache.get(str(keys[-1])) == b"x"


@pytest.mark.asyncio
async def test_expired_entries_are_dropped_when_read() -> None:
    """Reading an expired entry removes it from storage."""
    clock = ManualClock()
    cache = MemoryCache(clock)
    await cache.set("k", b"v", ttl=timedelta(seconds=1))
    clock.advance(timedelta(seconds=1))
    assert await cache.get("k") is None
    assert len(cache) == 0


@pytest.mark.asyncio
async def test_values_are_copied() -> None:
    """A bytearray stored and then mutated by the caller does not change the cached bytes."""
    cache = MemoryCache(ManualClock())
    buffer = bytearray(b"abc")
    await cache.set("k", buffer)
    buffer[0] = ord("z")
    assert await cache.get("k") == b"abc"


@pytest.mark.asyncio
async def test_non_bytes_values_are_refused() -> None:
    """Storing a str raises InvalidInput(field="value")."""
    cache = MemoryCache(ManualClock())
    with pytest.raises(InvalidInput) as info:
        await cache.set("k", "text")  # type: ignore[arg-type]
    assert info.value.field == "value"


@pytest.mark.parametrize("bound", [0, -1, True])
def test_bad_bound_is_refused(bound: int) -> None:
    """max_entries below one (or a bool) raises InvalidInput."""
    with pytest.raises(InvalidInput):
        MemoryCache(ManualClock(), max_entries=bound)
