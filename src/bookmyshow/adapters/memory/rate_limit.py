"""An in-process sliding-window-log rate limiter."""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from datetime import datetime, timedelta
from typing import Final

from bookmyshow.ports.clock import Clock
from bookmyshow.ports.rate_limit import RateDecision, check_rate_arguments

__all__ = ["MemoryRateLimiter"]

_SWEEP_EVERY: Final = 1024


class MemoryRateLimiter:
    """A :class:`~bookmyshow.ports.rate_limit.RateLimiter` keeping each key's allowed-hit times.

    A hit made at ``t`` counts until ``t + window``.  Memory is ``O(limit)`` per active key; every
    1024 hits, keys with no hit inside their last window are forgotten.  Each call yields to the
    event loop once (a round trip), then counts under a :class:`threading.Lock` without awaiting:
    atomic for concurrent tasks, and for one limiter used from several event loops or threads.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._hits: dict[str, tuple[deque[datetime], timedelta]] = {}
        self._calls = 0
        self._lock = threading.Lock()

    async def hit(self, key: str, *, limit: int, window: timedelta) -> RateDecision:
        """Allow and record the hit if the last ``window`` holds fewer than ``limit`` hits.

        Raises :class:`~bookmyshow.domain.errors.InvalidInput` for bad arguments.
        """
        check_rate_arguments(key, limit, window)
        await asyncio.sleep(0)
        with self._lock:
            return self._hit(key, limit, window)

    def _hit(self, key: str, limit: int, window: timedelta) -> RateDecision:
        # Called with the lock held.
        now = self._clock.now()
        self._calls += 1
        if self._calls % _SWEEP_EVERY == 0:
            self._sweep(now)
        times, _ = self._hits.get(key, (deque(), window))
        # Ages are compared as ``now - t >= window`` rather than ``t + window <= now``: a huge
        # window must mean "for ever", not overflow past the calendar.
        while times and now - times[0] >= window:
            times.popleft()
        if len(times) < limit:
            times.append(now)
            self._hits[key] = (times, window)
            return RateDecision(
                allowed=True, limit=limit, remaining=limit - len(times), retry_after=timedelta(0)
            )
        # The hit that must age out before the count drops below the limit (the limit may have
        # been lowered since the older hits were recorded).
        blocking = times[len(times) - limit]
        return RateDecision(
            allowed=False, limit=limit, remaining=0, retry_after=window - (now - blocking)
        )

    def _sweep(self, now: datetime) -> None:
        stale = [k for k, (times, w) in self._hits.items() if not times or now - times[-1] >= w]
        for key in stale:
            del self._hits[key]

    def __len__(self) -> int:
        """Keys currently tracked."""
        with self._lock:
            return len(self._hits)
