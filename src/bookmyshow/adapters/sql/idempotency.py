"""Idempotency keys in the ``idempotency_keys`` table.

One row per remembered key: the request's fingerprint, the response once completed (``NULL``
while started), and ``until`` — the lease end of a start, or the instant a completion is forgotten.
Each call is one short transaction through :meth:`SqlDatabase.write
<bookmyshow.adapters.sql.database.SqlDatabase.write>` (retried on deadlocks and lock-wait
timeouts).

How ``begin`` stays atomic without gap locks (MySQL/MariaDB run at ``READ COMMITTED``):

1. ``SELECT … FOR UPDATE`` the key's row.  If it exists, the row is now locked and the decision
   (replay, refuse, or take an expired lease over with an ``UPDATE``) cannot race.
2. If it does not, ``INSERT IGNORE`` (``INSERT OR IGNORE`` on SQLite) it.  The primary key lets
   exactly one of many concurrent inserts through: the losers wait for the winner's commit and
   insert nothing.  A loser then reads the winner's row *without* asking for a lock (asking would
   upgrade the shared lock the failed insert took, and many losers upgrading at once deadlock)
   and answers from it; in the rare case that the row it reads needs a change (the winner
   abandoned it, or its lease already ran out) the whole transaction is run again.

On SQLite, writers are serialized by ``BEGIN IMMEDIATE`` anyway.  Expired rows are purged
opportunistically — every :data:`PURGE_EVERY` calls to ``begin`` a bounded :meth:`purge` runs
first, in its own transaction — and :meth:`SqlIdempotencyStore.purge` may also be scheduled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Row, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bookmyshow.adapters.sql.database import SqlDatabase
from bookmyshow.adapters.sql.schema import idempotency_keys, insert_ignore
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.clock import Clock
from bookmyshow.ports.errors import BackendUnavailable, Conflict, IdempotencyKeyReused, NotFound
from bookmyshow.ports.idempotency import (
    BeginResult,
    Completed,
    IdempotencyInProgress,
    Started,
    check_idempotency_arguments,
)

__all__ = [
    "MAX_FINGERPRINT_LENGTH",
    "MAX_RESPONSE_BYTES",
    "PURGE_BATCH",
    "PURGE_EVERY",
    "SqlIdempotencyStore",
]

MAX_FINGERPRINT_LENGTH: Final = 255
"""Fingerprints longer than this are stored as ``"sha256:" + hexdigest`` (the column's width)."""

MAX_RESPONSE_BYTES: Final = 65_535
"""The largest response, in UTF-8 bytes, a ``TEXT`` column holds on MySQL/MariaDB."""

PURGE_EVERY: Final = 512
"""Every this many ``begin`` calls, a bounded purge of expired rows runs first."""

PURGE_BATCH: Final = 500
"""How many expired rows one opportunistic purge deletes at most."""

# A loser of an insert race re-runs its transaction when the winner's row changed under it;
# this bounds how often (each re-run needs yet another racer to change the row in between).
_RACE_ATTEMPTS: Final = 5

_t = idempotency_keys


class _Raced(Exception):
    """The row read after a lost insert race must change, but is not locked: run again."""


def _stored_fingerprint(fingerprint: str) -> str:
    if len(fingerprint) <= MAX_FINGERPRINT_LENGTH:
        return fingerprint
    digest = hashlib.sha256(fingerprint.encode("utf-8", "surrogatepass")).hexdigest()
    return f"sha256:{digest}"


def _positive(name: str, value: object) -> timedelta:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise InvalidInput(field=name, reason="must be a positive timedelta")
    return value


class SqlIdempotencyStore:
    """An :class:`~bookmyshow.ports.idempotency.IdempotencyStore` in SQL.

    ``lease`` bounds how long an unfinished start blocks its key; ``retention`` how long a
    completed key is remembered; both are judged by ``clock`` (never the database's clock).
    Besides the port's errors, raises ``InvalidInput`` for a non-positive lease or retention and,
    from :meth:`complete`, for a response over :data:`MAX_RESPONSE_BYTES` UTF-8 bytes.
    Fingerprints of any length are accepted (see :data:`MAX_FINGERPRINT_LENGTH`).
    """

    def __init__(
        self,
        database: SqlDatabase,
        *,
        clock: Clock,
        lease: timedelta = timedelta(minutes=5),
        retention: timedelta = timedelta(hours=24),
    ) -> None:
        self._database = database
        self._clock = clock
        self._lease = _positive("lease", lease)
        self._retention = _positive("retention", retention)
        self._begins = 0

    # -- the port ---------------------------------------------------------------------------

    async def begin(self, key: str, fingerprint: str) -> BeginResult:
        """Start ``key`` or return its completion; see the port for the errors."""
        if fingerprint is None:  # None means "no fingerprint" to the shared check; begin needs one
            raise InvalidInput(field="fingerprint", reason="must be a non-empty string")
        check_idempotency_arguments(key, fingerprint)
        stored = _stored_fingerprint(fingerprint)
        self._begins += 1
        if self._begins % PURGE_EVERY == 0:
            await self.purge(limit=PURGE_BATCH)

        async def work(connection: AsyncConnection) -> BeginResult:
            now = self._clock.now()
            row = await self._locked(connection, key)
            if row is None:
                inserted = await connection.execute(
                    insert_ignore(_t).values(
                        key=key, fingerprint=stored, response=None, until=now + self._lease
                    )
                )
                if inserted.rowcount == 1:
                    return Started(key=key)
                # Lost the insert race: the winner has committed.  Read its row unlocked.
                row = (await connection.execute(_select(key))).first()
                verdict = None if row is None else self._verdict(key, stored, row, now)
                if verdict is None:
                    raise _Raced  # the row must change but is not locked: run again
                return verdict
            return await self._take(connection, key, stored, row, now)

        for _ in range(_RACE_ATTEMPTS):
            try:
                return await self._database.write(work)
            except _Raced:
                continue
        raise BackendUnavailable(
            backend=self._database.backend, reason=f"idempotency key {key!r} kept changing"
        )

    async def complete(self, key: str, response: str) -> None:
        """Store ``response`` for the started ``key``; see the port for the errors."""
        check_idempotency_arguments(key)
        if not isinstance(response, str):
            raise InvalidInput(field="response", reason="responses are text")
        if len(response.encode("utf-8", "surrogatepass")) > MAX_RESPONSE_BYTES:
            raise InvalidInput(field="response", reason=f"at most {MAX_RESPONSE_BYTES} bytes")

        async def work(connection: AsyncConnection) -> None:
            now = self._clock.now()
            row = await self._locked(connection, key)
            if row is None or self._forgotten(row, now):
                raise NotFound(kind="idempotency_key", key=key)
            if row.response is not None:
                if row.response != response:
                    raise Conflict(what="idempotency_response", keys=(key,))
                return
            await connection.execute(
                update(_t)
                .where(_t.c.key == key)
                .values(response=response, until=now + self._retention)
            )

        await self._database.write(work)

    async def abandon(self, key: str) -> bool:
        """Drop the started ``key``; ``False`` if it is completed or unknown."""
        check_idempotency_arguments(key)

        async def work(connection: AsyncConnection) -> bool:
            # One statement: a completed row (response set) is never deleted here.
            result = await connection.execute(
                delete(_t).where(_t.c.key == key, _t.c.response.is_(None))
            )
            return result.rowcount > 0

        return await self._database.write(work)

    # -- maintenance ------------------------------------------------------------------------

    async def purge(self, now: datetime | None = None, *, limit: int = 1000) -> int:
        """Delete up to ``limit`` forgotten rows; returns how many were deleted.

        Forgotten: completions past their retention, and starts whose lease ended a retention
        ago (their owners are long dead; a ``begin`` would have taken them over anyway).
        ``now`` defaults to the clock's.  Call it repeatedly until it returns less than
        ``limit`` to purge everything.  Raises ``InvalidInput`` for a non-positive ``limit`` or
        a naive ``now``.
        """
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidInput(field="limit", reason="a positive integer")
        if now is not None and (not isinstance(now, datetime) or now.utcoffset() is None):
            raise InvalidInput(field="now", reason="an aware datetime")
        instant = self._clock.now() if now is None else now
        forgotten = or_(
            and_(_t.c.response.is_not(None), _t.c.until <= instant),
            and_(_t.c.response.is_(None), _t.c.until <= instant - self._retention),
        )

        async def work(connection: AsyncConnection) -> int:
            # Two statements, because MariaDB refuses LIMIT inside an IN subquery; the
            # condition is checked again by the DELETE, so a row begun anew in between stays.
            keys = (
                await connection.execute(select(_t.c.key).where(forgotten).limit(limit))
            ).scalars()
            batch: Sequence[str] = list(keys)
            if not batch:
                return 0
            result = await connection.execute(delete(_t).where(_t.c.key.in_(batch), forgotten))
            return result.rowcount

        return await self._database.write(work)

    # -- internals --------------------------------------------------------------------------

    @staticmethod
    async def _locked(connection: AsyncConnection, key: str) -> Row[Any] | None:
        return (await connection.execute(_select(key).with_for_update())).first()

    def _forgotten(self, row: Row[Any], now: datetime) -> bool:
        """A completion past its retention counts as absent (the memory store deletes it)."""
        until: datetime = row.until
        return row.response is not None and now >= until

    def _verdict(self, key: str, stored: str, row: Row[Any], now: datetime) -> Completed | None:
        """Answer ``begin`` from an existing row: a replay, a refusal (raised), or ``None`` when
        the key is free again (completion forgotten, or the start's lease ran out)."""
        if self._forgotten(row, now):
            return None
        if row.fingerprint != stored:
            raise IdempotencyKeyReused(key=key)
        if row.response is not None:
            return Completed(key=key, response=row.response)
        if now < row.until:
            raise IdempotencyInProgress(key=key)
        # The previous start's lease ran out: its owner is presumed dead; it may be taken over.
        return None

    async def _take(
        self, connection: AsyncConnection, key: str, stored: str, row: Row[Any], now: datetime
    ) -> BeginResult:
        """Decide on a row this transaction has locked: replay, refuse, or start anew."""
        verdict = self._verdict(key, stored, row, now)
        if verdict is not None:
            return verdict
        await connection.execute(
            update(_t)
            .where(_t.c.key == key)
            .values(fingerprint=stored, response=None, until=now + self._lease)
        )
        return Started(key=key)


def _select(key: str) -> Any:
    return select(_t.c.fingerprint, _t.c.response, _t.c.until).where(_t.c.key == key)
