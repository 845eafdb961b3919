"""The live seat feed on Redis Streams, across processes, on a standalone server or a cluster.

Publishing appends the change to the show's stream (:attr:`~bookmyshow.adapters.redis.keys.
ShowKeys.feed`, one key, so one hash slot per show) with ``XADD … MAXLEN ~ maxlen`` and refreshes
the key's time-to-live, in one Lua script that also numbers the entry (``seq``, one more than the
stream's last entry; 1 for a new stream).  An entry is a small explicit field map — ``seq``,
``kind`` (the :class:`~bookmyshow.ports.seat_updates.SeatChangeKind` value), ``seats`` (a JSON
array of labels, sorted) and ``at`` (microseconds since the Unix epoch, UTC); the show is the
key's.

Subscribing reads the stream's last entry id (``XREVRANGE … COUNT 1``) and delivers only entries
after it.  Each adapter instance runs one reader task per watched show: ``XREAD BLOCK`` from that
id, fanning each entry out to the instance's subscriptions of the show (bounded queues, see
:mod:`bookmyshow.ports.seat_updates`), and stops when the last of them closes.  A blocked
``XREAD`` occupies its connection for the whole wait, so a reader never borrows one from the
client's pool (which would starve the other commands once enough shows were watched): it opens
a dedicated connection of its own with the client's settings, to the node serving the show's
slot, and closes it when it stops.  Its socket timeout is the block time plus the client's
timeout, so a server that vanished without closing the connection is noticed too.

If a reader finds an entry numbered more than one past the last it read, the stream was trimmed
past entries it had not read (it fell ``maxlen`` entries behind): the show's subscriptions that
would have received them raise :class:`~bookmyshow.ports.seat_updates.FeedLagged`.  When the
server fails, the show's subscriptions raise ``BackendUnavailable`` and the reader stops; a new
subscription starts a new one.

The key's time-to-live (``ttl``) only cleans up the feeds of shows nobody changes any more; the
entries matter for seconds.  A stream that expired and is written again starts over at ``seq``
1, which readers accept as a new stream, not a gap.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, Final, TypeAlias

from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import AbstractConnection

from bookmyshow.adapters.memory.seat_updates import FeedSubscription
from bookmyshow.adapters.redis.connection import DEFAULT_TIMEOUT, RedisClient, no_retries, ready
from bookmyshow.adapters.redis.errors import BACKEND, translated, unavailable
from bookmyshow.adapters.redis.keys import DEFAULT_NAMESPACE, ShowKeys, check_namespace
from bookmyshow.adapters.redis.scripts import LuaScript
from bookmyshow.domain.errors import BookMyShowError, InvalidInput
from bookmyshow.domain.validation import (
    require_count,
    require_instance,
    require_text,
    require_timedelta,
)
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.ports.seat_updates import (
    DEFAULT_BUFFER,
    MAX_BUFFER,
    FeedLagged,
    SeatChange,
    SeatChangeKind,
    check_buffer,
)

__all__ = [
    "DEFAULT_BLOCK",
    "DEFAULT_FEED_TTL",
    "DEFAULT_MAXLEN",
    "RedisSeatUpdates",
]

DEFAULT_MAXLEN: Final = 1000
"""Entries a show's stream keeps at least (trimmed approximately, in whole stream nodes)."""

DEFAULT_FEED_TTL: Final = timedelta(hours=1)
"""How long a show's stream outlives its last change."""

DEFAULT_BLOCK: Final = timedelta(seconds=5)
"""How long one ``XREAD BLOCK`` waits before the reader asks again."""

_READ_COUNT: Final = 500
_CANCEL_RETRY_S: Final = 0.05
# Settings that tie a connection to the pool it came from (redis-py's maintenance-notification
# handling, and the timeouts it restores); a reader's connection belongs to no pool.
_POOLED_ONLY: Final = (
    "maint_notifications_pool_handler",
    "orig_host_address",
    "orig_socket_timeout",
    "orig_socket_connect_timeout",
)
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
_START: Final = (0, 0)
_log = logging.getLogger(__name__)
_KINDS: Final = frozenset(kind.value for kind in SeatChangeKind)

_EntryId: TypeAlias = tuple[int, int]

# KEYS: the feed stream.  ARGV: maxlen, ttl in ms, kind, seats (JSON), at (µs).
# Returns the new entry's id.
_PUBLISH = LuaScript(
    "seat_feed_publish",
    """
local seq = 1
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last > 0 then
  local fields = last[1][2]
  for i = 1, #fields, 2 do
    if fields[i] == 'seq' then seq = tonumber(fields[i + 1]) + 1 end
  end
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*',
  'seq', string.format('%d', seq), 'kind', ARGV[3], 'seats', ARGV[4], 'at', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return id
""",
)


def _whole_ms(value: object, name: str) -> int:
    delta = require_timedelta(value, name, positive=True)
    ms = delta // timedelta(milliseconds=1)
    if ms < 1:
        raise InvalidInput(field=name, reason="at least one millisecond")
    return ms


def _entry_id(raw: object) -> _EntryId:
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    ms, _, seq = text.partition("-")
    return int(ms), int(seq)


def _pairs(raw: object) -> dict[bytes, bytes]:
    if isinstance(raw, dict):
        return {_bytes(k): _bytes(v) for k, v in raw.items()}
    if not isinstance(raw, list) or len(raw) % 2:
        raise TypeError("stream entry fields are not pairs")
    return {_bytes(raw[i]): _bytes(raw[i + 1]) for i in range(0, len(raw), 2)}


def _bytes(value: object) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode()
    raise TypeError(f"a stream field is {type(value).__name__}, not bytes")


def _entries(reply: Any) -> Iterator[tuple[object, object]]:
    """The (id, fields) of an ``XREAD`` reply for one stream, RESP2 or RESP3, raw."""
    if reply is None:
        return
    streams = reply.values() if isinstance(reply, dict) else (s[1] for s in reply)
    for entries in streams:
        for entry in entries:
            yield entry[0], entry[1]


def _seq(fields: dict[bytes, bytes]) -> int:
    return int(fields[b"seq"])


def _decode(show_id: str, fields: dict[bytes, bytes]) -> SeatChange:
    return SeatChange(
        show_id=show_id,
        kind=fields[b"kind"].decode(),
        seats=json.loads(fields[b"seats"]),
        occurred_at=_EPOCH + int(fields[b"at"]) * _MICROSECOND,
    )


def _malformed(where: str, exc: Exception) -> BackendUnavailable:
    reason = f"malformed seat feed entry in {where!r}: {type(exc).__name__}: {exc}"
    return BackendUnavailable(backend=BACKEND, reason=reason[:300])


def _report_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        _log.error("%s failed", task.get_name(), exc_info=error)


class _Member:
    """One subscription as its show's reader sees it.

    Until the subscription knows where it starts (``after``), entries wait in ``early``; then
    only entries after ``after`` reach it.  A ``None`` change marks a gap before that entry.
    """

    __slots__ = ("after", "early", "subscription")

    def __init__(self, subscription: FeedSubscription) -> None:
        self.subscription = subscription
        self.after: _EntryId | None = None
        self.early: list[tuple[_EntryId, SeatChange | None]] = []

    def deliver(self, entry_id: _EntryId, change: SeatChange | None) -> None:
        if self.after is None:
            if len(self.early) >= MAX_BUFFER:
                self.early.clear()
                self._lag()
            else:
                self.early.append((entry_id, change))
        elif entry_id > self.after:
            if change is None:
                self._lag()
            else:
                self.subscription.offer(change)

    def start_after(self, after: _EntryId) -> None:
        self.after = after
        early, self.early = self.early, []
        for entry_id, change in early:
            self.deliver(entry_id, change)

    def _lag(self) -> None:
        sub = self.subscription
        sub.fail(FeedLagged(show_id=sub.show_id, buffer=sub.buffer))


class _ShowReader:
    """The subscriptions of one show on this instance, and the task reading for them."""

    __slots__ = ("key", "lock", "members", "show_id", "stopping", "task")

    def __init__(self, show_id: str, key: str) -> None:
        self.show_id = show_id
        self.key = key
        self.members: list[_Member] = []
        self.lock = asyncio.Lock()  # subscriptions of the show start one at a time
        self.task: asyncio.Task[None] | None = None
        self.stopping = False

    def fail(self, error: BookMyShowError) -> None:
        for member in list(self.members):
            member.subscription.fail(error)

    async def stop(self) -> None:
        """End the reader task and wait until it has closed its connection."""
        self.stopping = True
        task = self.task
        # On Python 3.11 a cancellation that arrives just as a redis-py command's send
        # completes is lost (asyncio.wait_for, gh-86296): cancel again until the task ends.
        # ``stopping`` bounds it anyway: the loop checks it after every blocking read.
        while task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task], timeout=_CANCEL_RETRY_S)


class RedisSeatUpdates:
    """A :class:`~bookmyshow.ports.seat_updates.SeatUpdates` on Redis Streams (see the module).

    ``client`` (standalone or cluster, from :func:`~bookmyshow.adapters.redis.connect`) runs
    the publishes and the subscription starts; readers open dedicated connections with its
    settings.  ``maxlen`` is how many entries a show's stream keeps at least (a reader further
    behind than that lags its subscriptions), ``ttl`` how long the stream outlives its last
    change, ``block`` how long one blocking read waits.  Raises ``InvalidInput`` for a bad
    namespace, a ``maxlen`` under 1, or a ``ttl`` or ``block`` under a millisecond.  Bound to
    the event loop it is used on, like the client; call :meth:`aclose` when done (the client
    stays open: it is the caller's).
    """

    def __init__(
        self,
        client: RedisClient,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        maxlen: int = DEFAULT_MAXLEN,
        ttl: timedelta = DEFAULT_FEED_TTL,
        block: timedelta = DEFAULT_BLOCK,
    ) -> None:
        self._client = client
        self._namespace = check_namespace(namespace)
        self._maxlen = require_count(maxlen, "maxlen", minimum=1)
        self._ttl_ms = _whole_ms(ttl, "ttl")
        self._block_ms = _whole_ms(block, "block")
        self._readers: dict[str, _ShowReader] = {}
        self._closed = False

    async def publish(self, change: SeatChange) -> None:
        """Append ``change`` to its show's stream.

        Raises ``InvalidInput`` for anything but a :class:`SeatChange` (nothing is sent), and
        ``BackendUnavailable`` when Redis fails (the change may or may not have been appended).
        """
        require_instance(change, SeatChange, "change")
        key = ShowKeys(self._namespace, change.show_id).feed
        seats = json.dumps(sorted(change.seats), separators=(",", ":"))
        micros = (change.occurred_at - _EPOCH) // _MICROSECOND
        await _PUBLISH.run(
            self._client,
            [key],
            [self._maxlen, self._ttl_ms, change.kind.value, seats, micros],
        )

    def subscribe(
        self, show_id: str, *, buffer: int = DEFAULT_BUFFER
    ) -> AbstractAsyncContextManager[AsyncIterator[SeatChange]]:
        """Subscribe to ``show_id``'s changes (see the port).

        Raises ``InvalidInput`` at once for bad arguments; entering the block raises
        ``BackendUnavailable`` when Redis fails or after :meth:`aclose`.
        """
        require_text(show_id, "show_id")
        size = check_buffer(buffer)
        return self._subscription(show_id, size)

    def subscriber_count(self, show_id: str) -> int:
        """Open subscriptions to ``show_id`` on this instance."""
        reader = self._readers.get(show_id)
        return 0 if reader is None else len(reader.members)

    def watched_shows(self) -> frozenset[str]:
        """The shows this instance runs a reader for now."""
        return frozenset(
            show_id
            for show_id, reader in self._readers.items()
            if reader.task is not None and not reader.task.done()
        )

    async def aclose(self) -> None:
        """Stop every reader and end every open subscription (their iterators stop); later
        subscriptions raise ``BackendUnavailable``.  Idempotent."""
        self._closed = True
        readers = list(self._readers.values())
        self._readers.clear()
        for reader in readers:
            for member in reader.members:
                member.subscription.close()
        await asyncio.gather(*(reader.stop() for reader in readers))

    # --- internals -------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise BackendUnavailable(backend=BACKEND, reason="the seat feed was closed")

    @asynccontextmanager
    async def _subscription(self, show_id: str, buffer: int) -> AsyncIterator[FeedSubscription]:
        self._check_open()
        subscription = FeedSubscription(show_id, buffer)
        member = _Member(subscription)
        reader = self._readers.get(show_id)
        if reader is None:
            reader = self._readers[show_id] = _ShowReader(
                show_id, ShowKeys(self._namespace, show_id).feed
            )
        # Joined before the start is read: whatever the reader delivers meanwhile waits in
        # ``early`` and is sorted out by ``start_after``, so nothing after the start is missed.
        reader.members.append(member)
        try:
            async with reader.lock:
                start, seq = await self._last_entry(reader.key)
                member.start_after(start)
                self._check_open()
                if reader.task is None:
                    reader.task = asyncio.create_task(
                        self._read(reader, start, seq), name=f"seat feed reader {show_id}"
                    )
                    reader.task.add_done_callback(_report_failure)
            yield subscription
        finally:
            subscription.close()
            reader.members.remove(member)
            if not reader.members:
                if self._readers.get(show_id) is reader:
                    del self._readers[show_id]
                await reader.stop()

    async def _last_entry(self, key: str) -> tuple[_EntryId, int]:
        with translated("subscribe to the seat feed"):
            client = await ready(self._client)
            last = await client.xrevrange(key, "+", "-", count=1)
        if not last:
            return _START, 0
        entry_id, fields = last[0]
        try:
            return _entry_id(entry_id), _seq(_pairs(fields))
        except (KeyError, ValueError, TypeError) as exc:
            raise _malformed(key, exc) from exc

    def _blocking_connection(self, key: str) -> AbstractConnection:
        """A connection of its own to the server (or cluster node) holding ``key``."""
        client = self._client
        if isinstance(client, RedisCluster):
            node = client.get_node_from_key(key)
            if node is None:
                raise BackendUnavailable(backend=BACKEND, reason=f"no cluster node serves {key!r}")
            kind: type[AbstractConnection] = node.connection_class
            settings = dict(node.connection_kwargs)
        else:
            kind = client.connection_pool.connection_class
            settings = dict(client.connection_pool.connection_kwargs)
        for pooled_only in _POOLED_ONLY:
            settings.pop(pooled_only, None)
        timeout = settings.get("socket_timeout") or DEFAULT_TIMEOUT
        settings["socket_timeout"] = self._block_ms / 1000 + timeout
        # A blocking read is safe to repeat, but a retry would only delay the failure report.
        settings["retry"] = no_retries()
        return kind(**settings)

    async def _read(self, reader: _ShowReader, cursor: _EntryId, last_seq: int) -> None:
        """Read the show's stream after ``cursor`` and fan out, until stopped or failed."""
        connection: AbstractConnection | None = None
        try:
            with translated(f"read the seat feed of show {reader.show_id!r}"):
                connection = self._blocking_connection(reader.key)
                while not reader.stopping:
                    await connection.send_command(
                        "XREAD",
                        "COUNT",
                        _READ_COUNT,
                        "BLOCK",
                        self._block_ms,
                        "STREAMS",
                        reader.key,
                        f"{cursor[0]}-{cursor[1]}",
                    )
                    reply = await connection.read_response()
                    for raw_id, raw_fields in _entries(reply):
                        try:
                            entry_id = _entry_id(raw_id)
                            fields = _pairs(raw_fields)
                            seq = _seq(fields)
                            kind = fields[b"kind"].decode()
                            if kind not in _KINDS:
                                # A newer version's kind (a rolling deploy): skip it rather
                                # than fail every viewer of the show.
                                _log.warning(
                                    "skipping seat change of unknown kind %r in show %r",
                                    kind,
                                    reader.show_id,
                                )
                                cursor, last_seq = entry_id, seq
                                continue
                            change = _decode(reader.show_id, fields)
                        except (
                            KeyError,
                            ValueError,
                            TypeError,
                            OverflowError,
                            InvalidInput,
                        ) as exc:
                            raise _malformed(reader.show_id, exc) from exc
                        if seq not in (last_seq + 1, 1):
                            # Trimmed past entries this reader never saw.
                            for member in list(reader.members):
                                member.deliver(entry_id, None)
                        for member in list(reader.members):
                            member.deliver(entry_id, change)
                        cursor, last_seq = entry_id, seq
        except BookMyShowError as exc:
            self._fail_reader(reader, exc)
        except Exception as exc:
            # A bug, not a failure of Redis: end the subscriptions rather than leave them
            # waiting, and let the task fail (reported by _report_failure).
            self._fail_reader(reader, unavailable("read the seat feed", exc))
            raise
        finally:
            if connection is not None:
                await connection.disconnect(nowait=True)

    def _fail_reader(self, reader: _ShowReader, error: BookMyShowError) -> None:
        if self._readers.get(reader.show_id) is reader:
            del self._readers[reader.show_id]
        reader.fail(error)
