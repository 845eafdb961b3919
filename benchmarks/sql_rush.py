"""A rush for one show through the whole library on the SQL adapter (SQL holds and SQL sales),
or on the hybrid (``--redis``: holds and the fast stores in Redis, sales in SQL).

Run from the repository root with the dev extras installed::

    .venv/bin/python benchmarks/sql_rush.py [--url URL] [--redis URL] [--buyers 2000] \
        [--concurrency 100]

Without ``--url`` it uses a fresh SQLite file; for MariaDB pass e.g.
``--url mysql+asyncmy://root@127.0.0.1:3306/bms_bench`` (the database must exist and is migrated
here; its tables should be empty).  Buyers ask best-available for 1-6 seats of a ~400-seat show;
``--pay`` of them check out and pay (the test gateway), the others release.  It reports holds/s,
confirmed bookings/s, refusals, median and p95 latencies, and the oversold count read from the
``sold_seats`` table (must be 0).  Not run by pytest: numbers on a shared machine are noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from bookmyshow.adapters.memory import ScryptPasswordHasher
from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS
from bookmyshow.adapters.redis import RedisClient, connect
from bookmyshow.adapters.sql import create_database
from bookmyshow.adapters.sql.migrate import upgrade
from bookmyshow.adapters.sql.schema import bookings, sold_seats
from bookmyshow.bootstrap import Ticketing, bootstrap, hybrid_ports, sql_ports
from bookmyshow.domain.booking import BookingStatus
from bookmyshow.domain.errors import DomainError
from bookmyshow.domain.holds import HoldPolicy
from bookmyshow.domain.money import Money
from bookmyshow.domain.users import Principal, Role
from bookmyshow.domain.venues import GeoPoint
from bookmyshow.services.context import Policies

ROWS = [
    (chr(ord("A") + r), "gold" if r >= 14 else "silver", "s" * 10 + "_" + "s" * 10)
    for r in range(20)
]
PRICES = {"silver": Money(20_000), "gold": Money(35_000)}
PASSWORD = "correct horse battery"


async def _world(app: Ticketing, buyers: int) -> tuple[str, list[Principal]]:
    admin = (
        await app.accounts.provision(
            "admin@bench.example", "Admin", PASSWORD, [Role.PLATFORM_ADMIN]
        )
    ).principal()
    city = await app.catalog.add_city(admin, name="Mumbai")
    theater = await app.catalog.add_theater(
        admin,
        name="Bench Plex",
        city_id=city.city_id,
        address="1 Queue Road",
        location=GeoPoint(Decimal("19.07"), Decimal("72.87")),
    )
    screen = await app.catalog.add_screen(
        admin, theater_id=theater.theater_id, name="Audi 1", rows=ROWS, formats=["2D"]
    )
    movie = await app.catalog.add_movie(
        admin,
        title="Opening Night",
        languages=["Hindi"],
        duration=timedelta(minutes=150),
        release_date=date(2026, 1, 1),
        certificate="UA",
    )
    show = await app.catalog.schedule_show(
        admin,
        movie_id=movie.movie_id,
        screen_id=screen.screen_id,
        starts_at=app.ports.clock.now() + timedelta(days=1),
        format="2D",
        language="Hindi",
        prices=PRICES,
    )
    people = []
    for n in range(buyers):
        user = await app.accounts.provision(
            f"b{n}@bench.example", f"Buyer {n}", PASSWORD, [Role.CUSTOMER]
        )
        people.append(user.principal())
    return show.show_id, people


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values, default=0)


async def _drop(client: RedisClient, namespace: str) -> None:
    async for key in client.scan_iter(match=f"{namespace}:*", count=500):
        await client.delete(key)


async def main(
    url: str | None,
    redis_url: str | None,
    *,
    buyers: int,
    concurrency: int,
    pay: float,
    seed: int,
) -> None:
    """Build the world, run the rush, print the figures."""
    with tempfile.TemporaryDirectory() as folder:
        target = url or f"sqlite+aiosqlite:///{Path(folder) / 'rush.db'}"
        database = create_database(target, pool_size=max(10, concurrency // 2))
        await upgrade(database)
        fast = ScryptPasswordHasher.fast_for_tests()
        client = None if redis_url is None else connect(redis_url)
        namespace = f"bench{uuid.uuid4().hex[:8]}"
        ports = (
            sql_ports(database, passwords=fast)
            if client is None
            else hybrid_ports(database, client, namespace=namespace, passwords=fast)
        )
        app = bootstrap(
            ports, Policies(holds=HoldPolicy(max_seats_per_hold=6, max_seats_per_user=6))
        )
        started = time.perf_counter()
        show_id, people = await _world(app, buyers)
        built = time.perf_counter() - started
        where = database.dialect if client is None else f"{database.dialect} + redis holds"
        print(f"{where}: world with {buyers} buyers in {built:.1f} s")

        rng = random.Random(seed)
        plans = [(p, rng.randint(1, 6), rng.random() < pay) for p in people]
        gate = asyncio.Semaphore(concurrency)
        outcomes: Counter[str] = Counter()
        hold_ms: list[float] = []
        book_ms: list[float] = []

        async def buyer(actor: Principal, count: int, pays: bool) -> None:
            async with gate:
                t0 = time.perf_counter()
                try:
                    held = await app.seats.hold_best_available(actor, show_id, count)
                except DomainError as error:
                    outcomes[f"hold refused: {error.code}"] += 1
                    return
                hold_ms.append((time.perf_counter() - t0) * 1000)
                outcomes["held"] += 1
                if not pays:
                    await app.seats.release(actor, show_id, held.hold.hold_id)
                    outcomes["released"] += 1
                    return
                booking = await app.bookings.checkout(
                    actor, show_id=show_id, hold_id=held.hold.hold_id, idempotency_key="k1"
                )
                paid = await app.bookings.pay(
                    actor, booking.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key="p1"
                )
                book_ms.append((time.perf_counter() - t0) * 1000)
                outcomes[f"booking {paid.status.value}"] += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(buyer(*plan) for plan in plans))
        elapsed = time.perf_counter() - t0

        async with database.writer.connect() as connection:
            sold = await connection.scalar(select(func.count()).select_from(sold_seats))
            confirmed_rows = (
                await connection.execute(
                    select(bookings.c.seats).where(
                        bookings.c.show_id == show_id,
                        bookings.c.status == BookingStatus.CONFIRMED.value,
                    )
                )
            ).all()
        claimed = Counter(seat for (seats,) in confirmed_rows for seat in seats)
        oversold = sum(1 for n in claimed.values() if n > 1)
        confirmed = outcomes[f"booking {BookingStatus.CONFIRMED.value}"]
        hold_median = statistics.median(hold_ms or [0])
        book_median = statistics.median(book_ms or [0])
        lines = [
            f"rush of {buyers} buyers, {concurrency} at a time: {elapsed:.1f} s",
            f"  holds/s {outcomes['held'] / elapsed:.0f}, "
            f"confirmed bookings/s {confirmed / elapsed:.0f}",
            f"  hold latency median {hold_median:.0f} ms, p95 {_p95(hold_ms):.0f} ms",
            f"  hold to confirmed median {book_median:.0f} ms, p95 {_p95(book_ms):.0f} ms",
            f"  outcomes: {dict(sorted(outcomes.items()))}",
            f"  sold_seats rows {sold}, seats of confirmed bookings "
            f"{sum(claimed.values())}, oversold {oversold}",
        ]
        print("\n".join(lines))
        await database.dispose()
        if client is not None:
            await _drop(client, namespace)
            await client.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=None)
    parser.add_argument("--redis", default=None, help="hold seats in this Redis (the hybrid)")
    parser.add_argument("--buyers", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--pay", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    asyncio.run(
        main(
            args.url,
            args.redis,
            buyers=args.buyers,
            concurrency=args.concurrency,
            pay=args.pay,
            seed=args.seed,
        )
    )
