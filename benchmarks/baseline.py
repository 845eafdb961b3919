"""The seed document's seat lock, run in the same rush as the library, to compare against.

The seed design locks a seat with one plain ``SET seat_lock:{show}:{seat} <user> EX <ttl>`` per
seat — no ``NX``, no look at a lock already there — plus a lock record per user (here one key
holding the booking, its seats and its expiry), on Redis through redis-py, the client the
library uses.  Nothing in SQL guards a seat: confirming a paid booking inserts its rows into
``baseline_sales(booking_id, show_id, seat)``, a table without a unique key on
``(show_id, seat)``, then deletes the locks and adds the seats to the show's sold set.

A buyer of :func:`~benchmarks.workload.rush_plan` reads the seed design's availability view (an
``MGET`` of every seat lock of the show and the sold set, then an ``MGET`` of the lock records
those locks name, for their expiry) and picks its seats from it: every buyer, best-available
or not, the most central free run of adjacent seats (the seed design has no server-side
best-available, and buyers reading one view pick alike — which is how it oversells).  It locks
them, then pays and confirms, or abandons.
Buyers who find no run free come back in the next wave; those still without seats after the
last wave are ``unmet_buyers``.

The scenario's clock stands in for Redis expiry, as the library's rush uses a manual clock: a
lock record carries its expiry in scenario seconds, a lock whose record has expired reads as
free, and each wave starts :data:`~benchmarks.workload.HOLD_TTL` (plus a minute) after the
previous one, so the abandoners' locks have lapsed.

Oversold seats are counted from ``baseline_sales`` — seats with more than one row — never from
the buyers' own view; ``bookings_sharing_a_seat`` counts the confirmed bookings naming such a
seat.  ``unsold_with_demand`` counts, as the library's rush does, the seats left without a
sale while a buyer left without could have used one — and a buyer whose confirmed booking
shares a seat is left without too (zero when nobody was).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import timedelta

from redis.asyncio import Redis

from benchmarks.ceiling import (
    FifoPool,
    delete_keys,
    insert_rows,
    redis_client,
    require_servers,
    scratch_database,
)
from benchmarks.measure import Figure, Recorder, closed_loop
from benchmarks.options import Options
from benchmarks.workload import HOLD_TTL, RUSH_ROWS, Buyer, centre_seats, rush_plan, seat_labels

__all__ = ["run", "run_baseline"]

_SALES_TABLE = """
CREATE TABLE baseline_sales (
  booking_id VARCHAR(40) NOT NULL,
  show_id VARCHAR(64) NOT NULL,
  seat VARCHAR(8) NOT NULL,
  KEY by_show (show_id)
) ENGINE=InnoDB
"""
"""No unique key on (show_id, seat): the seed design trusts its locks."""
_SALES_COLUMNS = ("booking_id", "show_id", "seat")
_SQL_CONNECTIONS = 32
_WAVE_GAP = HOLD_TTL + timedelta(minutes=1)
"""Scenario time between the starts of two waves: every hold of a wave has lapsed by the next."""
_MAX_SEATS = 6


def _runs() -> dict[int, list[tuple[str, ...]]]:
    """For 1-6 seats, every run of adjacent seats of a row (an aisle breaks a run), most
    central first (by the summed rank of its seats in :func:`centre_seats`)."""
    rank = {label: i for i, label in enumerate(centre_seats(RUSH_ROWS))}
    blocks: list[list[str]] = []
    for row, _, pattern in RUSH_ROWS:
        number = 0
        block: list[str] = []
        for cell in pattern + "_":
            if cell == "s":
                number += 1
                block.append(f"{row}{number}")
            elif block:
                blocks.append(block)
                block = []
    runs = {}
    for count in range(1, _MAX_SEATS + 1):
        candidates = [
            tuple(block[i : i + count]) for block in blocks for i in range(len(block) - count + 1)
        ]
        candidates.sort(key=lambda run: (sum(rank[seat] for seat in run), run))
        runs[count] = candidates
    return runs


class _SeedLocks:
    """The seed design's seat locks and lock records for one show, in one key namespace."""

    def __init__(self, redis: Redis, namespace: str, show_id: str, labels: list[str]) -> None:
        self.redis = redis
        self.show_id = show_id
        self._prefix = f"{namespace}:{{{show_id}}}"
        self._seat_keys = [self.seat_key(label) for label in labels]
        self._labels = labels
        self._sold = f"{self._prefix}:sold"

    def seat_key(self, seat: str) -> str:
        """``seat_lock:{show}:{seat}``."""
        return f"{self._prefix}:seat_lock:{seat}"

    def record_key(self, user: str) -> str:
        """The lock record of ``user`` for this show."""
        return f"{self._prefix}:lock:{user}"

    async def taken(self, now: float) -> set[str]:
        """Seats sold or under a lock whose record has not expired at scenario time ``now``."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.mget(self._seat_keys)
            pipe.smembers(self._sold)
            owners, sold = await pipe.execute()
        taken = {_text(seat) for seat in sold}
        users = sorted({_text(owner) for owner in owners if owner is not None})
        if not users:
            return taken
        records = await self.redis.mget([self.record_key(user) for user in users])
        live = {
            user
            for user, record in zip(users, records, strict=True)
            if record is not None and json.loads(record)["expires_at"] > now
        }
        taken.update(
            label
            for label, owner in zip(self._labels, owners, strict=True)
            if owner is not None and _text(owner) in live
        )
        return taken

    async def lock(self, user: str, booking_id: str, seats: tuple[str, ...], now: float) -> None:
        """One plain ``SET`` per seat — no ``NX``, whatever lock is there — and the record."""
        ttl = int(HOLD_TTL.total_seconds())
        record = {
            "user": user,
            "booking": booking_id,
            "seats": list(seats),
            "expires_at": now + HOLD_TTL.total_seconds(),
        }
        async with self.redis.pipeline(transaction=False) as pipe:
            for seat in seats:
                pipe.set(self.seat_key(seat), user, ex=ttl)
            pipe.set(self.record_key(user), json.dumps(record), ex=ttl)
            await pipe.execute()

    async def still_locked(self, user: str, booking_id: str, now: float) -> bool:
        """Whether ``user``'s lock record is the booking's and has not expired."""
        raw = await self.redis.get(self.record_key(user))
        if raw is None:
            return False
        record = json.loads(raw)
        return bool(record["booking"] == booking_id and record["expires_at"] > now)

    async def sold(self, user: str, seats: tuple[str, ...]) -> None:
        """After the sale: the seats join the sold set; their locks and the record go."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.sadd(self._sold, *seats)
            pipe.delete(*(self.seat_key(seat) for seat in seats), self.record_key(user))
            await pipe.execute()


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def _sales(pool: FifoPool, show_id: str) -> dict[str, int]:
    """What ``baseline_sales`` says of the show: ``sold_rows``, ``seats_sold`` (distinct),
    ``oversold`` (seats with more than one row) and ``bookings_sharing_a_seat``."""
    doubled = "SELECT seat FROM baseline_sales WHERE show_id = %s GROUP BY seat HAVING COUNT(*) > 1"
    async with pool.transaction() as connection, connection.cursor() as cursor:
        await cursor.execute(
            "SELECT COUNT(*), COUNT(DISTINCT seat) FROM baseline_sales WHERE show_id = %s",
            (show_id,),
        )
        rows, seats = await cursor.fetchone()
        await cursor.execute(f"SELECT COUNT(*) FROM ({doubled}) AS doubled", (show_id,))
        (oversold,) = await cursor.fetchone()
        await cursor.execute(
            "SELECT COUNT(DISTINCT sale.booking_id) FROM baseline_sales AS sale "
            f"JOIN ({doubled}) AS doubled ON sale.seat = doubled.seat "
            "WHERE sale.show_id = %s",
            (show_id, show_id),
        )
        (sharing,) = await cursor.fetchone()
    return {
        "sold_rows": int(rows),
        "seats_sold": int(seats),
        "oversold": int(oversold),
        "bookings_sharing_a_seat": int(sharing),
    }


async def run_baseline(options: Options, *, buyers: int, waves: int, concurrency: int) -> Figure:
    """The rush of ``buyers`` buyers in ``waves`` waves (:func:`rush_plan` with the run's seed)
    on the seed design's locks, ``concurrency`` buyers at a time: scenario ``rush``, backend
    ``baseline``."""
    require_servers(options)
    plan = rush_plan(buyers, waves, seed=options.seed)
    labels = seat_labels(RUSH_ROWS)
    runs = _runs()
    recorder = Recorder()
    namespace = f"bench-baseline-{uuid.uuid4().hex[:8]}"
    show_id = "rush-show"
    redis = redis_client(options.services.redis, concurrency + 8)
    elapsed = 0.0
    unmet: list[Buyer] = []
    try:
        async with scratch_database(
            options.services.mariadb, "bench_baseline", [_SALES_TABLE]
        ) as database:
            pool = await FifoPool.opened(
                options.services.mariadb, database, min(concurrency, _SQL_CONNECTIONS)
            )
            try:
                locks = _SeedLocks(redis, namespace, show_id, labels)
                await asyncio.gather(*(redis.ping() for _ in range(concurrency)))

                async def attempt(buyer: Buyer, wave: int, now: float, started: float) -> bool:
                    """One buyer's try in a wave; False when no run of seats was free."""
                    taken = await locks.taken(now)
                    recorder.add("availability", time.perf_counter() - started)
                    seats = next((run for run in runs[buyer.count] if taken.isdisjoint(run)), None)
                    if seats is None:
                        recorder.count("refused")
                        return False
                    user = f"user-{buyer.index}"
                    booking_id = f"booking-{buyer.index}-{wave}"
                    await locks.lock(user, booking_id, seats, now)
                    recorder.add("hold", time.perf_counter() - started)
                    recorder.count("holds")
                    if not buyer.pays:
                        recorder.count("abandoned")
                        return True
                    if not await locks.still_locked(user, booking_id, now):
                        recorder.count("lock_lost")
                        return True
                    async with pool.transaction() as connection:
                        await insert_rows(
                            connection,
                            "baseline_sales",
                            _SALES_COLUMNS,
                            [(booking_id, show_id, seat) for seat in seats],
                        )
                    await locks.sold(user, seats)
                    recorder.add("booking", time.perf_counter() - started)
                    recorder.count("confirmed")
                    return True

                for wave in range(waves):
                    arrivals = unmet + [b for b in plan if b.wave == wave]
                    unmet = []

                    async def buyer_job(
                        index: int,
                        started: float,
                        arrivals: list[Buyer] = arrivals,
                        wave: int = wave,
                        refused: list[Buyer] = unmet,
                    ) -> None:
                        buyer = arrivals[index]
                        now = wave * _WAVE_GAP.total_seconds()
                        try:
                            if not await attempt(buyer, wave, now, started):
                                refused.append(buyer)
                        except Exception as exc:  # noqa: BLE001 - counted, and fails the run
                            recorder.error(exc)

                    progress = options.progress(
                        len(arrivals), f"rush baseline wave {wave + 1}/{waves}"
                    )
                    try:
                        elapsed += await closed_loop(
                            buyer_job,
                            count=len(arrivals),
                            concurrency=concurrency,
                            progress=progress,
                        )
                    finally:
                        progress.close()
                sales = await _sales(pool, show_id)
            finally:
                await pool.close()
    finally:
        try:
            await delete_keys(redis, f"{namespace}:*")
        finally:
            await redis.aclose()
    recorder.count("errors", 0)
    for name, value in sales.items():
        recorder.count(name, value)
    recorder.count("unmet_buyers", len(unmet))
    # As the library's rush counts it — unsold seats while a buyer left without could have used
    # one — where a buyer whose booking shares a seat is left without as well.
    unsold = len(labels) - sales["seats_sold"]
    demand_left = any(b.count <= unsold for b in unmet) or sales["bookings_sharing_a_seat"] > 0
    recorder.count("unsold_with_demand", unsold if demand_left else 0)
    # A booking whose seats someone else also bought is not a sale the theater can honour.
    recorder.count(
        "sound_confirmed", recorder.counters["confirmed"] - sales["bookings_sharing_a_seat"]
    )
    recorder.count("attempts", recorder.counters["holds"] + recorder.counters["refused"])
    figure = recorder.figure(
        "rush",
        "baseline",
        elapsed=elapsed,
        setting={"mode": "closed", "buyers": buyers, "concurrency": concurrency, "waves": waves},
        rates={
            "holds": "holds",
            "confirmed": "confirmed",
            "sound_confirmed": "sound_confirmed",
            "attempts": "attempts",
        },
    )
    figure.notes.append(
        "seed design: one plain SET per seat and a lock record, no SQL guard; "
        f"{sales['sold_rows']} sale rows for {sales['seats_sold']} distinct seats of "
        f"{len(labels)}; {sales['bookings_sharing_a_seat']} confirmed bookings share a seat "
        "with another"
    )
    return figure


async def run(options: Options) -> list[Figure]:
    """The baseline in the rush at its default size (full: 2,000 buyers in 4 waves, 100 at a
    time; quick: 120 buyers in 2 waves, 8 at a time)."""
    return [
        await run_baseline(
            options,
            buyers=options.size(2000, 120),
            waves=options.size(4, 2),
            concurrency=options.size(100, 8),
        )
    ]
