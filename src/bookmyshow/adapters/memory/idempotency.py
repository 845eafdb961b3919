"""An in-process idempotency store."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta
from typing import Final

from attrs import frozen

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.clock import Clock
from bookmyshow.ports.errors import Conflict, IdempotencyKeyReused, NotFound
from bookmyshow.ports.idempotency import (
    BeginResult,
    Completed,
    IdempotencyInProgress,
    Started,
    check_idempotency_arguments,
)

__all__ = ["MemoryIdempotencyStore"]

_SWEEP_EVERY: Final = 1024


@frozen(kw_only=True)
class _Entry:
    fingerprint: str
    response: str | None
    until: datetime
    """Lease end while started; forget-after instant once completed."""


class MemoryIdempotencyStore:
    """An :class:`~bookmyshow.ports.idempotency.IdempotencyStore` in a dict.

    ``lease`` bounds how long an unfinished start blocks its key; ``retention`` how long a
    completed key is remembered (both judged by ``clock``).  Every 1024 started keys,
    completed keys past retention and starts whose lease ended a retention ago are dropped.
    Each call yields to the event loop once (a round trip), then does its whole check-and-change
    under a :class:`threading.Lock` without awaiting: atomic for concurrent tasks, and for one
    store used from several event loops or threads.  Raises ``InvalidInput`` for a non-positive
    lease or retention.
    """

    def __init__(
        self,
        clock: Clock,
        *,
        lease: timedelta = timedelta(minutes=5),
        retention: timedelta = timedelta(hours=24),
    ) -> None:
        for name, value in (("lease", lease), ("retention", retention)):
            if not isinstance(value, timedelta) or value <= timedelta(0):
                raise InvalidInput(field=name, reason="must be a positive timedelta")
        self._clock = clock
        self._lease = lease
        self._retention = retention
        self._entries: dict[str, _Entry] = {}
        self._begins = 0
        self._lock = threading.Lock()

    def _sweep(self, now: datetime) -> None:
        stale = [
            key
            for key, entry in self._entries.items()
            if now
            >= entry.until + (timedelta(0) if entry.response is not None else self._retention)
        ]
        for key in stale:
            del self._entries[key]

    def _current(self, key: str, now: datetime) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None and entry.response is not None and now >= entry.until:
            del self._entries[key]
            return None
        return entry

    async def begin(self, key: str, fingerprint: str) -> BeginResult:
        """Start ``key`` or return its completion; see the port for the errors."""
        if fingerprint is None:  # None means "no fingerprint" to the shared check; begin needs one
            raise InvalidInput(field="fingerprint", reason="must be a non-empty string")
        check_idempotency_arguments(key, fingerprint)
        await asyncio.sleep(0)
        with self._lock:
            now = self._clock.now()
            entry = self._current(key, now)
            if entry is not None:
                if entry.fingerprint != fingerprint:
                    raise IdempotencyKeyReused(key=key)
                if entry.response is not None:
                    return Completed(key=key, response=entry.response)
                if now < entry.until:
                    raise IdempotencyInProgress(key=key)
                # The previous start's lease ran out: its owner is presumed dead; take over.
            # Counted only here, so that a refused begin leaves the store exactly as it was.
            self._begins += 1
            if self._begins % _SWEEP_EVERY == 0:
                self._sweep(now)
            until = now + self._lease
            self._entries[key] = _Entry(fingerprint=fingerprint, response=None, until=until)
            return Started(key=key)

    async def complete(self, key: str, response: str) -> None:
        """Store ``response`` for the started ``key``; see the port for the errors."""
        check_idempotency_arguments(key)
        if not isinstance(response, str):
            raise InvalidInput(field="response", reason="responses are text")
        await asyncio.sleep(0)
        with self._lock:
            now = self._clock.now()
            entry = self._current(key, now)
            if entry is None:
                raise NotFound(kind="idempotency_key", key=key)
            if entry.response is not None:
                if entry.response != response:
                    raise Conflict(what="idempotency_response", keys=(key,))
                return
            self._entries[key] = _Entry(
                fingerprint=entry.fingerprint, response=response, until=now + self._retention
            )

    async def abandon(self, key: str) -> bool:
        """Drop the started ``key``; ``False`` if it is completed or unknown."""
        check_idempotency_arguments(key)
        await asyncio.sleep(0)
        with self._lock:
            entry = self._current(key, self._clock.now())
            if entry is None or entry.response is not None:
                return False
            del self._entries[key]
            return True

    def __len__(self) -> int:
        """Keys currently remembered (started or completed, including expired leftovers)."""
        return len(self._entries)
