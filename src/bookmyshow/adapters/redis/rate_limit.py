"""An exact sliding-window-log rate limiter on Redis: one sorted set and one Lua script per hit.

Each key's allowed hits live in the sorted set ``<ns>:rate:{<key>}``
(:func:`~bookmyshow.adapters.redis.keys.rate_key`), scored by their instant in microseconds since
the epoch and named ``"<µs>:<random nonce>"`` so that hits at the same instant stay distinct.
One script call per hit drops the hits a window old, counts the rest and, below the limit, adds
the new hit: atomic per key, on a standalone server or a cluster (one key, one slot).

``now`` is the injected clock's, passed into the script; the server's clock decides nothing.
Every number that Lua sees is an integer of at most 2**53 in magnitude, so doubles hold it
exactly, and instants travel as decimal strings (never formatted by Lua).  The key's TTL (the
window plus :data:`RATE_KEY_GRACE`, only ever lengthened) merely cleans up.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Final

from bookmyshow.adapters.redis.connection import RedisClient
from bookmyshow.adapters.redis.keys import (
    DEFAULT_NAMESPACE,
    check_namespace,
    rate_key,
    require_encodable,
)
from bookmyshow.adapters.redis.scripts import LuaScript
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.clock import Clock
from bookmyshow.ports.rate_limit import RateDecision, check_rate_arguments

__all__ = ["MAX_MICROS", "RATE_KEY_GRACE", "RedisRateLimiter"]

MAX_MICROS: Final = 2**53
"""The largest magnitude of an instant (µs since the epoch, about the year 2255) a script
compares exactly; later clocks are refused."""

RATE_KEY_GRACE: Final = timedelta(minutes=1)
"""How long a rate key outlives the window of its latest allowed hit."""

_MAX_TTL: Final = timedelta(days=365 * 100)
"""Windows longer than this keep their key without a TTL (PEXPIRE's range is finite)."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)

_HIT = LuaScript(
    "rate_hit",
    """
-- KEYS[1]: sorted set of allowed hits, score = us since epoch, member = "<us>:<nonce>".
-- ARGV: [1] now us, [2] oldest score that no longer counts (now - window) or '-inf',
--       [3] limit, [4] the new hit's member, [5] key TTL in ms ('0' = keep for ever).
local key = KEYS[1]
redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[2])
local count = redis.call('ZCARD', key)
local limit = tonumber(ARGV[3])
if count < limit then
  redis.call('ZADD', key, ARGV[1], ARGV[4])
  local ttl = tonumber(ARGV[5])
  if ttl == 0 then
    redis.call('PERSIST', key)
  else
    -- Only lengthen: a hit under a longer window may still count.  -1 with count 0 is the
    -- set just created; -1 otherwise is a set kept for ever by a longer window.
    local left = redis.call('PTTL', key)
    if (left == -1 and count == 0) or (left >= 0 and left < ttl) then
      redis.call('PEXPIRE', key, ARGV[5])
    end
  end
  return {1, count + 1}
end
-- Denied, and not recorded.  The hit that must age out first (the limit may have been lowered
-- since the older hits were allowed): ranks are 0-based, oldest first.
local rank = count - limit
local blocking = redis.call('ZRANGE', key, rank, rank)
return {0, count, blocking[1]}
""",
)


def _micros(instant: datetime) -> int:
    """``instant`` in µs since the epoch, refused past what a Lua double holds exactly."""
    if not isinstance(instant, datetime) or instant.utcoffset() is None:
        raise InvalidInput(field="now", reason="the clock must give a timezone-aware datetime")
    micros = (instant - _EPOCH) // _MICROSECOND
    if not -MAX_MICROS < micros < MAX_MICROS:
        raise InvalidInput(field="now", reason="beyond 2**53 µs from 1970 (about the year 2255)")
    return micros


class RedisRateLimiter:
    """A :class:`~bookmyshow.ports.rate_limit.RateLimiter` in Redis, exact and atomic per key.

    A hit allowed at ``t`` counts until ``t + window`` (a hit exactly then is allowed again).
    Denied hits are not recorded.  ``retry_after`` is exact to the microsecond, also after the
    limit was lowered.  Memory is ``O(limit)`` per key.  Raises ``InvalidInput`` for bad
    arguments (checked before anything is sent), for a key that is not Unicode text (a lone
    surrogate), for a bad ``namespace`` and for a clock beyond :data:`MAX_MICROS`;
    :class:`~bookmyshow.ports.errors.BackendUnavailable` when Redis fails.
    """

    def __init__(
        self, client: RedisClient, *, clock: Clock, namespace: str = DEFAULT_NAMESPACE
    ) -> None:
        self._client = client
        self._clock = clock
        self._namespace = check_namespace(namespace)

    async def hit(self, key: str, *, limit: int, window: timedelta) -> RateDecision:
        """Allow and record the hit if the last ``window`` holds fewer than ``limit`` hits."""
        check_rate_arguments(key, limit, window)
        require_encodable(key, "key")
        now = _micros(self._clock.now())
        span = window // _MICROSECOND
        # Hits at or before now - window are a whole window old.  Beyond -2**53 no hit is that
        # old (and Redis would round the bound), so nothing is dropped.
        oldest = now - span
        cutoff = str(oldest) if oldest > -MAX_MICROS else "-inf"
        # Compared before adding: a window near timedelta.max would overflow.
        if window > _MAX_TTL - RATE_KEY_GRACE:
            ttl_ms = 0
        else:
            ttl_ms = -(-(window + RATE_KEY_GRACE) // timedelta(milliseconds=1))
        member = f"{now}:{secrets.token_hex(8)}"
        reply = await _HIT.run(
            self._client,
            [rate_key(self._namespace, key)],
            [str(now), cutoff, str(limit), member, str(ttl_ms)],
        )
        if reply[0] == 1:
            return RateDecision(
                allowed=True, limit=limit, remaining=limit - reply[1], retry_after=timedelta(0)
            )
        blocking = int(reply[2].split(b":", 1)[0])
        return RateDecision(
            allowed=False,
            limit=limit,
            remaining=0,
            retry_after=timedelta(microseconds=span - (now - blocking)),
        )
