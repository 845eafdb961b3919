"""The cache port: a best-effort key-value store for bytes with optional time-to-live.

A cache may forget anything at any time (eviction, restart); callers treat a miss as normal and
never keep a record of truth here.  Values are ``bytes``: serialising is the caller's job, so
every backend stores the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Protocol

from bookmyshow.domain.errors import InvalidInput

__all__ = ["Cache", "check_key", "check_ttl"]


def check_key(key: str) -> str:
    """Return ``key`` if it is a non-empty string; raise ``InvalidInput(field="key")`` otherwise."""
    if not isinstance(key, str) or not key:
        raise InvalidInput(field="key", reason="must be a non-empty string")
    return key


def check_ttl(ttl: timedelta | None) -> timedelta | None:
    """Return ``ttl`` if it is ``None`` or a positive timedelta.

    Raises ``InvalidInput(field="ttl")`` otherwise.
    """
    if ttl is not None and (not isinstance(ttl, timedelta) or ttl <= timedelta(0)):
        raise InvalidInput(field="ttl", reason="must be positive (or None for no expiry)")
    return ttl


class Cache(Protocol):
    """Bytes by string key, each entry optionally expiring.

    Errors: :class:`~bookmyshow.domain.errors.InvalidInput` for an empty key or a non-positive
    ttl, :class:`~bookmyshow.ports.errors.BackendUnavailable` when the backend fails.
    """

    async def get(self, key: str) -> bytes | None:
        """The value stored under ``key``, or ``None`` if absent or expired."""
        ...

    async def get_many(self, keys: Sequence[str]) -> Mapping[str, bytes]:
        """The live values among ``keys`` (misses are simply absent from the result)."""
        ...

    async def set(self, key: str, value: bytes, *, ttl: timedelta | None = None) -> None:
        """Store ``value`` under ``key``, replacing any previous value and ttl.

        With ``ttl`` the entry is gone once ``ttl`` has passed; with ``None`` it lives until
        deleted or evicted.
        """
        ...

    async def delete(self, key: str) -> bool:
        """Remove ``key``; ``True`` if a live entry was removed."""
        ...
