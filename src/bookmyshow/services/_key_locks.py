"""Per-key asyncio locks that exist only while some task holds or awaits them.

The search indexer and the rating propagator serialize their work per movie inside a process
(so that their units of work rarely conflict); the table stays small, and no lock outlives the
event loop it was used on.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import AsyncExitStack, asynccontextmanager

from attrs import define, field

__all__ = ["KeyLocks"]


@define
class _Entry:
    """A lock for one key, and how many tasks hold or wait for it."""

    lock: asyncio.Lock = field(factory=asyncio.Lock)
    users: int = 0


class KeyLocks:
    """A lock per key, made on first use and dropped when its last user leaves."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    @asynccontextmanager
    async def locked(self, keys: Iterable[str]) -> AsyncIterator[None]:
        """Hold the locks of ``keys``, taken in sorted order so that overlapping batches cannot
        deadlock."""
        entries: list[tuple[str, _Entry]] = []
        for key in sorted(set(keys)):
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry()
            entry.users += 1
            entries.append((key, entry))
        try:
            async with AsyncExitStack() as stack:
                for _, entry in entries:
                    await stack.enter_async_context(entry.lock)
                yield
        finally:
            for key, entry in entries:
                entry.users -= 1
                if entry.users == 0:
                    del self._entries[key]
