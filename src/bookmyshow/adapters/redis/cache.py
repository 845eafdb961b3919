"""The cache port on Redis: one string key per entry, expiry judged by the injected clock.

Each entry is stored under :func:`~bookmyshow.adapters.redis.keys.cache_key` as a small header
followed by the value's bytes:

* ``0x00`` + value — no expiry (the key has no TTL either);
* ``0x01`` + 8-byte big-endian signed microseconds since the Unix epoch + value — the instant the
  entry stops being live, by the :class:`~bookmyshow.ports.clock.Clock` the cache was given.

A read compares that instant with ``clock.now()``, so the answer never depends on the server's
clock.  The key's own TTL (``PX``) is only clean-up: it is the entry's ttl plus
:data:`CACHE_KEY_GRACE`, so Redis never drops a key while the clock may still call it live.  A
value that does not carry a known header (written by something else) reads as a miss.

Every command touches one key, and :meth:`RedisCache.get_many` sends one ``GET`` per key in a
non-transactional pipeline (no ``MGET``), so the same code runs on a standalone server and on a
Redis Cluster, where the keys sit in different hash slots.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Final

from bookmyshow.adapters.redis.connection import RedisClient, ready
from bookmyshow.adapters.redis.errors import translated
from bookmyshow.adapters.redis.keys import DEFAULT_NAMESPACE, cache_key, check_namespace
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.validation import require_collection, shift
from bookmyshow.ports.cache import check_key, check_ttl
from bookmyshow.ports.clock import Clock

__all__ = ["CACHE_KEY_GRACE", "RedisCache"]

CACHE_KEY_GRACE: Final = timedelta(minutes=5)
"""How long a cache key outlives its entry's ttl (covers a clock a little behind the server's)."""

_FOREVER: Final = b"\x00"
_EXPIRING: Final = b"\x01"
_INSTANT: Final = struct.Struct(">q")
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
_MILLISECOND: Final = timedelta(milliseconds=1)


def _micros(instant: datetime) -> int:
    return (instant - _EPOCH) // _MICROSECOND


def _encode(value: bytes, expires_at: datetime | None) -> bytes:
    if expires_at is None:
        return _FOREVER + value
    return _EXPIRING + _INSTANT.pack(_micros(expires_at)) + value


def _live(raw: bytes | str | None, now_us: int) -> bytes | None:
    """The value stored in ``raw`` if it is live at ``now_us``; ``None`` otherwise."""
    if isinstance(raw, str):
        # A client with decode_responses=True would mangle binary values: refuse it loudly.
        raise InvalidInput(field="client", reason="must return bytes (decode_responses=False)")
    if not raw:
        return None
    marker, rest = raw[:1], raw[1:]
    if marker == _FOREVER:
        return rest
    if marker != _EXPIRING or len(rest) < _INSTANT.size:
        return None
    (expires_us,) = _INSTANT.unpack_from(rest)
    return rest[_INSTANT.size :] if now_us < expires_us else None


class RedisCache:
    """A :class:`~bookmyshow.ports.cache.Cache` on a Redis server or cluster (see the module).

    ``client`` is a :data:`~bookmyshow.adapters.redis.connection.RedisClient` returning bytes;
    ``clock`` decides expiry; ``namespace`` prefixes every key.  Raises :class:`InvalidInput`
    for a bad namespace.  Every method raises ``InvalidInput`` for bad arguments before sending
    anything and :class:`~bookmyshow.ports.errors.BackendUnavailable` when Redis fails.
    """

    def __init__(
        self, client: RedisClient, *, clock: Clock, namespace: str = DEFAULT_NAMESPACE
    ) -> None:
        self._client = client
        self._clock = clock
        self._namespace = check_namespace(namespace)

    def _key(self, key: str) -> str:
        return cache_key(self._namespace, key)

    def _now_us(self) -> int:
        return _micros(self._clock.now())

    async def get(self, key: str) -> bytes | None:
        """The live value under ``key`` or ``None``; ``InvalidInput`` for an empty key."""
        check_key(key)
        with translated("cache get"):
            raw = await (await ready(self._client)).get(self._key(key))
        return _live(raw, self._now_us())

    async def get_many(self, keys: Sequence[str]) -> Mapping[str, bytes]:
        """The live values among ``keys``, read with one pipelined ``GET`` per key.

        Raises ``InvalidInput`` if any key is empty or ``keys`` is a bare string rather than a
        collection of keys.
        """
        require_collection(keys, "keys")
        wanted = list(dict.fromkeys(check_key(key) for key in keys))
        if not wanted:
            return {}
        with translated("cache get_many"):
            async with (await ready(self._client)).pipeline(transaction=False) as pipe:
                for key in wanted:
                    pipe.get(self._key(key))
                replies = await pipe.execute()
        now_us = self._now_us()
        found: dict[str, bytes] = {}
        for key, raw in zip(wanted, replies, strict=True):
            value = _live(raw, now_us)
            if value is not None:
                found[key] = value
        return found

    async def set(
        self, key: str, value: bytes | bytearray | memoryview, *, ttl: timedelta | None = None
    ) -> None:
        """Store ``value`` under ``key`` for ``ttl`` by the clock (or until deleted or evicted).

        Raises ``InvalidInput`` for an empty key, a non-bytes value or a non-positive ttl (or
        one reaching past the calendar).
        """
        check_key(key)
        check_ttl(ttl)
        if not isinstance(value, bytes | bytearray | memoryview):
            raise InvalidInput(field="value", reason="cache values are bytes")
        data = bytes(value)
        if ttl is None:
            with translated("cache set"):
                await (await ready(self._client)).set(self._key(key), _encode(data, None))
            return
        expires_at = shift(self._clock.now(), ttl, "ttl")
        px = math.ceil((ttl + CACHE_KEY_GRACE) / _MILLISECOND)
        with translated("cache set"):
            client = await ready(self._client)
            await client.set(self._key(key), _encode(data, expires_at), px=px)

    async def delete(self, key: str) -> bool:
        """Remove ``key``; ``True`` if it held a live value.  ``InvalidInput`` if empty."""
        check_key(key)
        with translated("cache delete"):
            raw = await (await ready(self._client)).getdel(self._key(key))
        return _live(raw, self._now_us()) is not None
