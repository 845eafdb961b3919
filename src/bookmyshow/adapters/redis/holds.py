"""Seat holds in Redis: every change of a show's holds is one Lua script on one hash slot.

The keys of a show (:class:`~bookmyshow.adapters.redis.keys.ShowKeys`) are a seat → hold hash, a
hold → record hash, an owner → hold-ids hash, an expiry sorted set and the fencing counter.  They
share the hash tag ``{show:<id>}``, so each script runs on one node of a cluster and is atomic
there.

- **hold** is one script (one round trip): it refuses a reused hold id, names every requested
  seat that a *live* hold of someone else covers, checks the owner's per-show cap, then drops
  expired holds on the requested seats whole, takes the next fencing token and writes the hold.
  Nothing is written unless all of that passes.
- **extend** and **claim** read the hold, apply the domain's rules
  (:func:`bookmyshow.domain.holds.extended`, :func:`~bookmyshow.domain.holds.claimed`) and write
  the result with a compare-and-set script that succeeds only if the stored record is still
  the one read; a lost race reads again.  A retry can never apply a change twice: the swap
  either happened (and the next read sees it) or not.
- **release** and **purge_expired** are one script each; **get** and **active_holds** are one
  read each (``HGET``, ``HGETALL``).  Only those reads are sent again after a lost connection
  (a server restart closes every pooled connection, and the first command on each fails).

Liveness is decided by comparing a hold's stored expiry with the ``now`` the caller passes, so
a controllable clock works; key TTLs only clean up (see :mod:`bookmyshow.adapters.redis.keys`).
Instants are stored as integer microseconds since the Unix epoch, exact in Lua's doubles up to
2\\ :sup:`53` µs (the year 2255): later instants are refused with ``InvalidInput``.

**Fencing tokens survive a restart without persistence.**  Each token is the larger of the
show's last token plus one and the Redis server's clock in microseconds (``TIME``), so a server
that lost its data still hands out tokens above every earlier one, as long as its clock has not
gone back and a show never took more than one hold per microsecond on average.  Sales refuse a
stale token (see :class:`~bookmyshow.ports.inventory.SeatSales`), and the sales store's own
uniqueness keeps a seat from being sold twice even when Redis loses a hold.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final, TypeVar

from attrs import evolve
from redis.exceptions import ConnectionError as RedisConnectionError

from bookmyshow.adapters.redis.connection import RedisClient, ready
from bookmyshow.adapters.redis.errors import BACKEND, translated
from bookmyshow.adapters.redis.keys import (
    DEFAULT_NAMESPACE,
    HOLD_KEY_GRACE,
    TOKEN_KEY_TTL,
    ShowKeys,
    check_namespace,
    require_encodable,
)
from bookmyshow.adapters.redis.scripts import LuaScript
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.holds import (
    Hold,
    HoldExpired,
    HoldLimitExceeded,
    HoldNotFound,
    HoldRequest,
    NotHoldOwner,
    SeatsUnavailable,
    claimed,
    extended,
    grant,
    require_aware,
)
from bookmyshow.domain.validation import require_text, require_timedelta, shift
from bookmyshow.ports.errors import BackendUnavailable

__all__ = ["RedisSeatHolds"]

_T = TypeVar("_T")

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
_LIMIT: Final = 2**53
"""Instants and tokens beyond this many microseconds lose precision in Lua's doubles."""
_SWAP_ATTEMPTS: Final = 8

# Shared by the scripts: drop a hold whole — its seats (those still pointing at it), its record,
# its expiry entry and its place in the owner's list.  Owner lists are JSON arrays of hold ids;
# cjson encodes an empty table as {}, so an emptied list is deleted instead.
_LUA_DROP: Final = """
local function drop(keys, id, rec)
  for _, seat in ipairs(rec.s) do
    if redis.call('HGET', keys.seats, seat) == id then redis.call('HDEL', keys.seats, seat) end
  end
  redis.call('HDEL', keys.holds, id)
  redis.call('ZREM', keys.expiry, id)
  local raw = redis.call('HGET', keys.owners, rec.o)
  if raw then
    local kept = {}
    for _, other in ipairs(cjson.decode(raw)) do
      if other ~= id then kept[#kept + 1] = other end
    end
    if #kept == 0 then redis.call('HDEL', keys.owners, rec.o)
    else redis.call('HSET', keys.owners, rec.o, cjson.encode(kept)) end
  end
end

-- The hold keys live until the latest expiry among the show's holds, plus a grace.
local function refresh_ttl(keys, now, grace_ms)
  local latest = redis.call('ZRANGE', keys.expiry, -1, -1, 'WITHSCORES')
  if #latest == 0 then return end
  local ms = math.floor((tonumber(latest[2]) - now) / 1000) + grace_ms
  if ms < grace_ms then ms = grace_ms end
  for _, key in ipairs({keys.seats, keys.holds, keys.owners, keys.expiry}) do
    redis.call('PEXPIRE', key, ms)
  end
end

local keys = {seats = KEYS[1], holds = KEYS[2], owners = KEYS[3], expiry = KEYS[4],
              token = KEYS[5]}
"""

_HOLD: Final = LuaScript(
    "hold",
    _LUA_DROP
    + """
local hold_id, owner, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local created, expires, max_expires = ARGV[3], ARGV[4], ARGV[5]
local cap, grace_ms, token_ttl_ms = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local seats = {}
for i = 9, #ARGV do seats[#seats + 1] = ARGV[i] end

if redis.call('HEXISTS', keys.holds, hold_id) == 1 then return {'duplicate'} end

local records = {}
local function load(id)
  if records[id] == nil then
    local raw = redis.call('HGET', keys.holds, id)
    records[id] = raw and cjson.decode(raw) or false
  end
  return records[id]
end

local taken, lapsed = {'taken'}, {}
for i = 1, #seats do
  -- One HGET a seat: HMGET with unpack() fails past Lua's ~8,000-value stack limit.
  local holder = redis.call('HGET', keys.seats, seats[i])
  if holder then
    local rec = load(holder)
    if rec and tonumber(rec.e) > now then taken[#taken + 1] = seats[i]
    elseif rec then lapsed[holder] = rec end
  end
end
if #taken > 1 then return taken end

local owned = 0
local mine = redis.call('HGET', keys.owners, owner)
if mine then
  for _, id in ipairs(cjson.decode(mine)) do
    local rec = load(id)
    if rec and tonumber(rec.e) > now then owned = owned + #rec.s end
  end
end
if owned + #seats > cap then return {'cap', tostring(owned + #seats)} end

-- Expired holds on the requested seats are taken over: dropped whole.
for id, rec in pairs(lapsed) do drop(keys, id, rec) end

local time = redis.call('TIME')
local token = tonumber(time[1]) * 1000000 + tonumber(time[2])
local last = tonumber(redis.call('GET', keys.token) or '0')
if last + 1 > token then token = last + 1 end
token = string.format('%.0f', token)

redis.call('HSET', keys.holds, hold_id, cjson.encode({
  o = owner, s = seats, t = token, c = created, e = expires, m = max_expires, k = '0'}))
for _, seat in ipairs(seats) do redis.call('HSET', keys.seats, seat, hold_id) end
-- Read again: dropping lapsed holds may have shortened the owner's list.
local ids = {}
mine = redis.call('HGET', keys.owners, owner)
if mine then
  for _, id in ipairs(cjson.decode(mine)) do
    if redis.call('HEXISTS', keys.holds, id) == 1 then ids[#ids + 1] = id end
  end
end
ids[#ids + 1] = hold_id
redis.call('HSET', keys.owners, owner, cjson.encode(ids))
redis.call('ZADD', keys.expiry, expires, hold_id)
redis.call('SET', keys.token, token, 'PX', token_ttl_ms)
refresh_ttl(keys, now, grace_ms)
return {'ok', token}
""",
)

_SWAP: Final = LuaScript(
    "swap",
    _LUA_DROP
    + """
local hold_id, old, new, expires = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local now, grace_ms = tonumber(ARGV[5]), tonumber(ARGV[6])
if redis.call('HGET', keys.holds, hold_id) ~= old then return 0 end
redis.call('HSET', keys.holds, hold_id, new)
redis.call('ZADD', keys.expiry, expires, hold_id)
refresh_ttl(keys, now, grace_ms)
return 1
""",
)

_RELEASE: Final = LuaScript(
    "release",
    _LUA_DROP
    + """
local hold_id, owner = ARGV[1], ARGV[2]
local raw = redis.call('HGET', keys.holds, hold_id)
if not raw then return {'missing'} end
local rec = cjson.decode(raw)
if rec.o ~= owner then return {'owner'} end
drop(keys, hold_id, rec)
return {'ok', raw}
""",
)

_PURGE: Final = LuaScript(
    "purge",
    _LUA_DROP
    + """
local now = tonumber(ARGV[1])
local dropped = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', keys.expiry, '-inf', ARGV[1])) do
  local raw = redis.call('HGET', keys.holds, id)
  if not raw then
    redis.call('ZREM', keys.expiry, id)
  else
    local rec = cjson.decode(raw)
    if tonumber(rec.e) <= now then
      drop(keys, id, rec)
      dropped[#dropped + 1] = id
      dropped[#dropped + 1] = raw
    end
  end
end
return dropped
""",
)


def _micros(instant: datetime, name: str) -> int:
    """``instant`` as whole microseconds since the epoch; refuses what Lua cannot hold exactly."""
    value = (require_aware(instant, name) - _EPOCH) // _MICROSECOND
    if abs(value) >= _LIMIT:
        raise InvalidInput(field=name, reason="must lie before the year 2255 for Redis holds")
    return value


def _instant(micros: str) -> datetime:
    return _EPOCH + int(micros) * _MICROSECOND


def _ms(duration: timedelta) -> int:
    return max(1, duration // timedelta(milliseconds=1))


def _record(hold: Hold) -> str:
    """The stored form of ``hold``: JSON with every number as text (Lua never formats them)."""
    return json.dumps(
        {
            "o": hold.owner_id,
            "s": sorted(hold.seats),
            "t": str(hold.token),
            "c": str(_micros(hold.created_at, "created_at")),
            "e": str(_micros(hold.expires_at, "expires_at")),
            "m": str(_micros(hold.max_expires_at, "max_expires_at")),
            "k": "1" if hold.claimed else "0",
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _hold_from(show_id: str, hold_id: str, raw: bytes | str) -> Hold:
    """Rebuild a hold from its record; a record that does not decode is the backend's fault."""
    try:
        data: Any = json.loads(raw)
        # cjson writes an empty Lua table as an object; a hold always has seats, so a dict
        # here is a corrupt record like any other.
        return Hold(
            hold_id=hold_id,
            show_id=show_id,
            owner_id=data["o"],
            seats=data["s"],
            token=int(data["t"]),
            created_at=_instant(data["c"]),
            expires_at=_instant(data["e"]),
            max_expires_at=_instant(data["m"]),
            claimed=data["k"] == "1",
        )
    except (ValueError, KeyError, TypeError, OverflowError, InvalidInput) as exc:
        raise BackendUnavailable(
            backend=BACKEND, reason=f"hold {hold_id!r} of show {show_id!r} is corrupt: {exc}"
        ) from exc


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisSeatHolds:
    """:class:`~bookmyshow.ports.inventory.SeatHolds` in Redis (standalone or cluster).

    ``client`` comes from :func:`bookmyshow.adapters.redis.connect`; ``namespace`` prefixes
    every key.  Errors are those of :class:`~bookmyshow.domain.holds.ShowHolds`
    (``SeatsUnavailable``, ``HoldNotFound``, ``HoldExpired``, ``NotHoldOwner``,
    ``HoldLimitExceeded``, ``HoldExtensionLimit``), ``InvalidInput`` for bad arguments (checked
    before anything is sent) and ``BackendUnavailable`` when Redis fails or times out.  After a
    timeout a hold may or may not have been granted; it is never retried here.
    """

    def __init__(
        self,
        client: RedisClient,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        key_grace: timedelta = HOLD_KEY_GRACE,
        token_ttl: timedelta = TOKEN_KEY_TTL,
    ) -> None:
        """Keep holds through ``client`` under ``namespace``.

        ``key_grace`` is how long a show's hold keys outlive its latest hold expiry (it must
        exceed any skew between the callers' clock and the server's); ``token_ttl`` how long the
        token counter outlives the show's last hold.  Raises ``InvalidInput`` for a bad
        namespace or a non-positive duration.
        """
        self._client = client
        self._namespace = check_namespace(namespace)
        self._grace_ms = _ms(require_timedelta(key_grace, "key_grace", positive=True))
        self._token_ttl_ms = _ms(require_timedelta(token_ttl, "token_ttl", positive=True))

    def keys(self, show_id: str) -> ShowKeys:
        """The Redis keys of ``show_id``'s holds."""
        return ShowKeys(self._namespace, require_text(show_id, "show_id"))

    async def hold(self, request: HoldRequest, *, now: datetime) -> Hold:
        """Hold every requested seat or none; enforces the request's policy atomically."""
        if not isinstance(request, HoldRequest):
            raise InvalidInput(field="request", reason="must be a HoldRequest")
        # The granted hold as the domain builds it (range checks included), before any I/O;
        # the script supplies the token.
        template = grant(request, token=1, owned=0, now=now)
        for name in ("hold_id", "owner_id"):
            require_encodable(getattr(request, name), name)
        for seat in request.seats:
            require_encodable(seat, "seats")
        seats = sorted(request.seats)
        args: list[str | int | bytes] = [
            request.hold_id,
            request.owner_id,
            _micros(template.created_at, "now"),
            _micros(template.expires_at, "now"),
            _micros(template.max_expires_at, "now"),
            request.policy.max_seats_per_user,
            self._grace_ms,
            self._token_ttl_ms,
            *seats,
        ]
        keys = self.keys(request.show_id)
        reply = await _HOLD.run(self._client, keys.hold_keys(), args)
        outcome = _text(reply[0])
        if outcome == "ok":
            return evolve(template, token=int(_text(reply[1])))
        if outcome == "taken":
            taken = frozenset(_text(seat) for seat in reply[1:])
            raise SeatsUnavailable(show_id=request.show_id, seats=taken)
        if outcome == "cap":
            raise HoldLimitExceeded(
                scope="user",
                limit=request.policy.max_seats_per_user,
                requested=int(_text(reply[1])),
            )
        if outcome == "duplicate":
            raise InvalidInput(field="hold_id", reason="hold id already used for this show")
        raise BackendUnavailable(backend=BACKEND, reason=f"hold script answered {outcome!r}")

    async def _read_twice(self, action: str, read: Callable[[RedisClient], Awaitable[_T]]) -> _T:
        """Run a read; after a lost connection run it once more.

        Only reads are resent: a pooled connection that the server closed (say, in a restart)
        fails the first command sent on it, and a read changes nothing, so sending it again is
        safe.  A script that changes holds is never resent (see the module).
        """
        with translated(action):
            client = await ready(self._client)
            try:
                return await read(client)
            except RedisConnectionError:
                return await read(client)

    async def _read(self, show_id: str, hold_id: str) -> tuple[Hold, bytes | str] | None:
        keys = self.keys(show_id)
        raw = await self._read_twice("read hold", lambda c: c.hget(keys.holds, hold_id))
        if raw is None:
            return None
        return _hold_from(show_id, hold_id, raw), raw

    async def get(self, show_id: str, hold_id: str, *, now: datetime) -> Hold:
        """The live hold; raises ``HoldNotFound`` (or its subclass ``HoldExpired``)."""
        require_encodable(show_id, "show_id")
        require_encodable(hold_id, "hold_id")
        now = require_aware(now)
        found = await self._read(show_id, hold_id)
        if found is None:
            raise HoldNotFound(show_id=show_id, hold_id=hold_id)
        return _live(found[0], now)

    async def _change(
        self,
        show_id: str,
        hold_id: str,
        owner_id: str,
        now: datetime,
        change: Callable[[Hold], Hold],
    ) -> Hold:
        """Apply ``change`` to the owner's live hold by compare-and-set, reading again on a race."""
        keys = self.keys(show_id)
        now_us = _micros(now, "now")
        for _ in range(_SWAP_ATTEMPTS):
            found = await self._read(show_id, hold_id)
            if found is None:
                raise HoldNotFound(show_id=show_id, hold_id=hold_id)
            hold, raw = found
            if hold.owner_id != owner_id:
                raise NotHoldOwner(hold_id=hold_id)
            changed = change(_live(hold, now))
            record = _record(changed)
            args: list[str | int | bytes] = [
                hold_id,
                raw,
                record,
                _micros(changed.expires_at, "expires_at"),
                now_us,
                self._grace_ms,
            ]
            if await _SWAP.run(self._client, keys.hold_keys(), args) == 1:
                return changed
        raise BackendUnavailable(
            backend=BACKEND,
            reason=f"hold {hold_id!r} kept changing through {_SWAP_ATTEMPTS} attempts",
        )

    async def extend(
        self, show_id: str, hold_id: str, owner_id: str, *, by: timedelta, now: datetime
    ) -> Hold:
        """Extend the owner's live hold by ``by``, capped at its ``max_expires_at``."""
        _require_ids(show_id, hold_id, owner_id)
        now = require_aware(now)
        require_timedelta(by, "by", positive=True)
        return await self._change(show_id, hold_id, owner_id, now, lambda h: extended(h, by))

    async def claim(
        self, show_id: str, hold_id: str, owner_id: str, *, lease: timedelta, now: datetime
    ) -> Hold:
        """Protect the owner's live hold from expiry for ``lease`` while it is sold."""
        _require_ids(show_id, hold_id, owner_id)
        now = require_aware(now)
        require_timedelta(lease, "lease", positive=True)
        _micros(shift(now, lease, "lease"), "lease")  # in range, checked before any I/O
        return await self._change(show_id, hold_id, owner_id, now, lambda h: claimed(h, lease, now))

    async def release(self, show_id: str, hold_id: str, owner_id: str, *, now: datetime) -> Hold:
        """Remove the owner's hold, live or expired, and return it."""
        _require_ids(show_id, hold_id, owner_id)
        require_aware(now)
        keys = self.keys(show_id)
        reply = await _RELEASE.run(self._client, keys.hold_keys(), [hold_id, owner_id])
        outcome = _text(reply[0])
        if outcome == "missing":
            raise HoldNotFound(show_id=show_id, hold_id=hold_id)
        if outcome == "owner":
            raise NotHoldOwner(hold_id=hold_id)
        return _hold_from(show_id, hold_id, reply[1])

    async def active_holds(self, show_id: str, *, now: datetime) -> Sequence[Hold]:
        """Every live hold of the show, oldest token first — one ``HGETALL``."""
        keys = self.keys(show_id)
        now = require_aware(now)
        records: Mapping[bytes | str, bytes | str] = await self._read_twice(
            "read holds", lambda c: c.hgetall(keys.holds)
        )
        holds = _holds(show_id, records.items())
        return sorted((h for h in holds if h.is_live(now)), key=lambda h: h.token)

    async def purge_expired(self, show_id: str, *, now: datetime) -> Sequence[Hold]:
        """Remove the show's expired holds and return them, oldest token first."""
        keys = self.keys(show_id)
        now_us = _micros(now, "now")
        reply = await _PURGE.run(self._client, keys.hold_keys(), [now_us])
        pairs = zip(reply[::2], reply[1::2], strict=True)
        return sorted(_holds(show_id, pairs), key=lambda h: h.token)


def _holds(show_id: str, records: Iterable[tuple[bytes | str, bytes | str]]) -> list[Hold]:
    return [_hold_from(show_id, _text(hold_id), raw) for hold_id, raw in records]


def _live(hold: Hold, now: datetime) -> Hold:
    if not hold.is_live(now):
        raise HoldExpired(show_id=hold.show_id, hold_id=hold.hold_id)
    return hold


def _require_ids(show_id: str, hold_id: str, owner_id: str) -> None:
    require_encodable(show_id, "show_id")
    require_encodable(hold_id, "hold_id")
    require_encodable(owner_id, "owner_id")
