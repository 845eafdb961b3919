"""The in-memory cache against the cache contract."""

from __future__ import annotations

import pytest

from bookmyshow.adapters.memory.cache import MemoryCache
from bookmyshow.adapters.memory.clock import ManualClock
from bookmyshow.ports.cache import Cache
from bookmyshow.testing.contracts.cache import CacheContract


class TestMemoryCache(CacheContract):
    """MemoryCache keeps the cache contract."""

    @pytest.fixture
    def cache(self, clock: ManualClock) -> Cache:
        """An in-memory cache on the manual clock."""
        return MemoryCache(clock)
