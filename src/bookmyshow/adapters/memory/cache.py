"""An in-process TTL cache with least-recently-used eviction."""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.validation import shift
from bookmyshow.ports.cache import check_key, check_ttl
from bookmyshow.ports.clock import Clock

__all__ = ["MemoryCache"]


class MemoryCache:
    """A :class:`~bookmyshow.ports.cache.Cache` in a dict, bounded to ``max_entries``.

    Expiry is judged against ``clock``; expired entries are dropped when touched.  When a new key
    would exceed ``max_entries``, the least recently used entry (by ``get``/``get_many``/``set``)
    is evicted.  Each call yields to the event loop once (a round trip), then works under a
    :class:`threading.Lock` without awaiting: atomic for concurrent tasks, and safe for one cache
    used from several event loops or threads.  Raises ``InvalidInput`` for ``max_entries < 1``.
    """

    def __init__(self, clock: Clock, *, max_entries: int = 10_000) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise InvalidInput(field="max_entries", reason="must be a positive integer")
        self._clock = clock
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[bytes, datetime | None]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """Entries currently stored, including expired ones not yet dropped."""
        with self._lock:
            return len(self._entries)

    def _live(self, key: str, now: datetime) -> bytes | None:
        # Called with the lock held.
        entry = self._entries.get(key)
        if entry is None:
            return None
        value, expires_at = entry
        if expires_at is not None and now >= expires_at:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    async def get(self, key: str) -> bytes | None:
        """The live value under ``key`` or ``None``; raises ``InvalidInput`` for an empty key."""
        check_key(key)
        await asyncio.sleep(0)
        with self._lock:
            return self._live(key, self._clock.now())

    async def get_many(self, keys: Sequence[str]) -> Mapping[str, bytes]:
        """The live values among ``keys``; raises ``InvalidInput`` if any key is empty or
        ``keys`` is a bare string rather than a collection of keys."""
        if isinstance(keys, str | bytes | Mapping) or not isinstance(keys, Iterable):
            raise InvalidInput(field="keys", reason="a collection of keys")
        keys = list(keys)
        for key in keys:
            check_key(key)
        await asyncio.sleep(0)
        found: dict[str, bytes] = {}
        with self._lock:
            now = self._clock.now()
            for key in keys:
                value = self._live(key, now)
                if value is not None:
                    found[key] = value
        return found

    async def set(
        self, key: str, value: bytes | bytearray | memoryview, *, ttl: timedelta | None = None
    ) -> None:
        """Store ``value`` (copied to ``bytes``) under ``key`` for ``ttl`` (or until evicted).

        Raises ``InvalidInput`` for an empty key, a non-bytes value or a non-positive ttl (or one
        reaching past the calendar).
        """
        check_key(key)
        check_ttl(ttl)
        if not isinstance(value, bytes | bytearray | memoryview):
            raise InvalidInput(field="value", reason="cache values are bytes")
        data = bytes(value)
        await asyncio.sleep(0)
        with self._lock:
            now = self._clock.now()
            expires_at = None if ttl is None else shift(now, ttl, "ttl")
            if key not in self._entries and len(self._entries) >= self._max_entries:
                self._entries.popitem(last=False)
            self._entries[key] = (data, expires_at)
            self._entries.move_to_end(key)

    async def delete(self, key: str) -> bool:
        """Remove ``key``; ``True`` if it held a live value.  Raises ``InvalidInput`` if empty."""
        check_key(key)
        await asyncio.sleep(0)
        with self._lock:
            live = self._live(key, self._clock.now()) is not None
            self._entries.pop(key, None)
            return live
