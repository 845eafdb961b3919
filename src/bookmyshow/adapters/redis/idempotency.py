"""Idempotency keys on Redis: one hash per key, each call one atomic Lua script.

The hash ``<ns>:idem:{<key>}`` (:func:`~bookmyshow.adapters.redis.keys.idempotency_key`) holds

- ``fp`` — the request's fingerprint;
- ``until`` — while started: the lease end (µs since the epoch);
- ``resp`` — once completed: the response;
- ``gone`` — the instant the entry counts as forgotten: a completion ``retention`` after it was
  completed, a start ``retention`` after its lease ended (as the SQL store's purge; ``begin``
  takes an expired start over long before that).

Every decision compares those instants with the ``now`` of the injected clock, passed into the
script; an entry past ``gone`` counts as absent even while Redis still holds it.  The key's TTL
(``gone`` plus :data:`IDEMPOTENCY_KEY_GRACE`) merely cleans up.  Instants travel as decimal
strings of integers below 2**53, which Lua's doubles compare exactly.  Fingerprints and responses
are stored as UTF-8 bytes (lone surrogates kept), compared and returned byte for byte.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from bookmyshow.adapters.redis.connection import RedisClient
from bookmyshow.adapters.redis.keys import (
    DEFAULT_NAMESPACE,
    check_namespace,
    idempotency_key,
    require_encodable,
)
from bookmyshow.adapters.redis.scripts import LuaScript
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.validation import require_timedelta
from bookmyshow.ports.clock import Clock
from bookmyshow.ports.errors import Conflict, IdempotencyKeyReused, NotFound
from bookmyshow.ports.idempotency import (
    BeginResult,
    Completed,
    IdempotencyInProgress,
    Started,
    check_idempotency_arguments,
)

__all__ = ["IDEMPOTENCY_KEY_GRACE", "MAX_MICROS", "MAX_SPAN", "RedisIdempotencyStore"]

MAX_MICROS: Final = 2**53
"""Every stored instant (µs since the epoch) stays below this, which Lua compares exactly."""

MAX_SPAN: Final = timedelta(days=3653)
"""The longest lease or retention accepted (ten years), so that ``now + lease + retention``
stays below :data:`MAX_MICROS` for clocks up to about the year 2235."""

IDEMPOTENCY_KEY_GRACE: Final = timedelta(minutes=1)
"""How long an idempotency key's hash outlives the instant its entry is forgotten."""

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
_MILLISECOND: Final = timedelta(milliseconds=1)

# Replies of the scripts.
_STARTED, _COMPLETED, _IN_PROGRESS, _REUSED = 0, 1, 2, 3
_MISSING, _DONE, _SAME, _CONFLICT = 0, 1, 2, 3

# Shared head of the scripts: the entry, or nil when absent or forgotten (h[4] = gone <= now).
_READ = """
local h = redis.call('HMGET', KEYS[1], 'fp', 'resp', 'until', 'gone')
local now = tonumber(ARGV[1])
if h[1] and tonumber(h[4]) <= now then h[1] = false end
"""

_BEGIN = LuaScript(
    "idempotency_begin",
    _READ
    + """
-- ARGV: [1] now us, [2] fingerprint, [3] lease end us, [4] forget-at us, [5] TTL ms.
if h[1] then
  if h[1] ~= ARGV[2] then return {3} end
  if h[2] then return {1, h[2]} end
  if now < tonumber(h[3]) then return {2} end
  -- The lease ran out: its owner is presumed dead; take the key over.
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'fp', ARGV[2], 'until', ARGV[3], 'gone', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return {0}
""",
)

_COMPLETE = LuaScript(
    "idempotency_complete",
    _READ
    + """
-- ARGV: [1] now us, [2] response, [3] forget-at us, [4] TTL ms.
if not h[1] then return 0 end
if h[2] then
  if h[2] == ARGV[2] then return 2 end
  return 3
end
redis.call('HDEL', KEYS[1], 'until')
redis.call('HSET', KEYS[1], 'resp', ARGV[2], 'gone', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1
""",
)

_ABANDON = LuaScript(
    "idempotency_abandon",
    _READ
    + """
-- ARGV: [1] now us.  Only a start is dropped; a completion keeps its response.
if not h[1] or h[2] then return 0 end
redis.call('DEL', KEYS[1])
return 1
""",
)


def _span(name: str, value: object) -> timedelta:
    value = require_timedelta(value, name, positive=True)
    if value > MAX_SPAN:
        raise InvalidInput(field=name, reason="at most ten years")
    return value


def _text(value: str) -> bytes:
    # A lone surrogate has no strict UTF-8 form; surrogatepass keeps every str distinct.
    return value.encode("utf-8", "surrogatepass")


def _ttl_ms(span: timedelta) -> str:
    return str(-(-(span + IDEMPOTENCY_KEY_GRACE) // _MILLISECOND))


class RedisIdempotencyStore:
    """An :class:`~bookmyshow.ports.idempotency.IdempotencyStore` in Redis hashes.

    ``lease`` bounds how long an unfinished start blocks its key; ``retention`` how long a
    completed key is remembered; both are judged by ``clock`` (never the server's clock).
    Besides the port's errors, raises ``InvalidInput`` for a lease or retention that is not
    positive or exceeds :data:`MAX_SPAN`, a bad ``namespace``, a key that is not Unicode text
    (a lone surrogate), and a clock so late that a stored instant would reach
    :data:`MAX_MICROS`.  Fingerprints and responses of any length are accepted.
    """

    def __init__(
        self,
        client: RedisClient,
        *,
        clock: Clock,
        lease: timedelta = timedelta(minutes=5),
        retention: timedelta = timedelta(hours=24),
        namespace: str = DEFAULT_NAMESPACE,
    ) -> None:
        self._client = client
        self._clock = clock
        self._lease = _span("lease", lease)
        self._retention = _span("retention", retention)
        self._namespace = check_namespace(namespace)

    async def begin(self, key: str, fingerprint: str) -> BeginResult:
        """Start ``key`` or return its completion; see the port for the errors."""
        if fingerprint is None:  # None means "no fingerprint" to the shared check; begin needs one
            raise InvalidInput(field="fingerprint", reason="must be a non-empty string")
        redis_key = self._redis_key(key, fingerprint)
        now = self._now()
        lease_end = now + self._lease // _MICROSECOND
        forget = lease_end + self._retention // _MICROSECOND
        reply = await _BEGIN.run(
            self._client,
            [redis_key],
            [
                str(now),
                _text(fingerprint),
                str(lease_end),
                str(forget),
                _ttl_ms(self._lease + self._retention),
            ],
        )
        verdict = reply[0]
        if verdict == _STARTED:
            return Started(key=key)
        if verdict == _COMPLETED:
            return Completed(key=key, response=reply[1].decode("utf-8", "surrogatepass"))
        if verdict == _IN_PROGRESS:
            raise IdempotencyInProgress(key=key)
        raise IdempotencyKeyReused(key=key)

    async def complete(self, key: str, response: str) -> None:
        """Store ``response`` for the started ``key``; see the port for the errors."""
        redis_key = self._redis_key(key)
        if not isinstance(response, str):
            raise InvalidInput(field="response", reason="responses are text")
        now = self._now()
        reply = await _COMPLETE.run(
            self._client,
            [redis_key],
            [
                str(now),
                _text(response),
                str(now + self._retention // _MICROSECOND),
                _ttl_ms(self._retention),
            ],
        )
        if reply == _MISSING:
            raise NotFound(kind="idempotency_key", key=key)
        if reply == _CONFLICT:
            raise Conflict(what="idempotency_response", keys=(key,))

    async def abandon(self, key: str) -> bool:
        """Drop the started ``key``; ``False`` if it is completed or unknown."""
        redis_key = self._redis_key(key)
        reply = await _ABANDON.run(self._client, [redis_key], [str(self._now())])
        return bool(reply == 1)

    def _redis_key(self, key: str, fingerprint: str | None = None) -> str:
        check_idempotency_arguments(key, fingerprint)
        require_encodable(key, "key")
        return idempotency_key(self._namespace, key)

    def _now(self) -> int:
        """The clock's now in µs, refused when an instant stored from it would pass 2**53."""
        instant = self._clock.now()
        if not isinstance(instant, datetime) or instant.utcoffset() is None:
            raise InvalidInput(field="now", reason="the clock must give a timezone-aware datetime")
        now = (instant - _EPOCH) // _MICROSECOND
        latest = now + (self._lease + self._retention) // _MICROSECOND
        if now <= -MAX_MICROS or latest >= MAX_MICROS:
            raise InvalidInput(
                field="now", reason="stored instants would pass 2**53 µs (about the year 2235)"
            )
        return now
