"""from_settings with a database URL and a Redis URL builds the hybrid, and it books end to end."""

from __future__ import annotations

from pathlib import Path

from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS
from bookmyshow.adapters.redis import connect
from bookmyshow.adapters.redis.cache import RedisCache
from bookmyshow.adapters.redis.holds import RedisSeatHolds
from bookmyshow.adapters.redis.idempotency import RedisIdempotencyStore
from bookmyshow.adapters.redis.keys import ShowKeys
from bookmyshow.adapters.redis.rate_limit import RedisRateLimiter
from bookmyshow.adapters.redis.seat_updates import RedisSeatUpdates
from bookmyshow.adapters.sql import SqlCouponRedemptions, SqlSeatSales
from bookmyshow.adapters.sql.migrate import upgrade
from bookmyshow.bootstrap import Backend, Settings, from_settings, plan_backends
from bookmyshow.demo import DEMO_PASSWORD, seed_demo
from bookmyshow.domain.booking import BookingStatus
from bookmyshow.ports.seat_updates import SeatChangeKind
from tests.redis_backends import drop_namespace

SECRET = b"s" * 32


async def test_database_and_redis_urls_build_the_hybrid_and_it_books(
    tmp_path: Path, redis_url: str, redis_namespace: str
) -> None:
    """Database and Redis URLs build the hybrid: a booking's seats held in Redis, sold in SQL."""
    # Holds, idempotency, cache, limiter and feed live in Redis and sales in SQL; the hold
    # stays in Redis only until the sale.
    url = f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"
    await upgrade(url)
    settings = Settings(
        database_url=url, redis_url=redis_url, redis_namespace=redis_namespace, token_secret=SECRET
    )
    plan = plan_backends(settings)
    assert (plan.holds, plan.sales, plan.cache) == (Backend.REDIS, Backend.SQL, Backend.REDIS)
    app = from_settings(settings)
    inspector = connect(redis_url)
    try:
        await app.start()
        ports = app.ports
        assert isinstance(ports.holds, RedisSeatHolds)
        assert isinstance(ports.sales, SqlSeatSales)
        assert isinstance(ports.idempotency, RedisIdempotencyStore)
        assert isinstance(ports.coupon_redemptions, SqlCouponRedemptions)
        assert isinstance(ports.cache, RedisCache)
        assert isinstance(ports.rate_limiter, RedisRateLimiter)
        assert isinstance(ports.seat_updates, RedisSeatUpdates)
        demo = await seed_demo(app, days=1)
        show = demo.shows[0]
        await app.accounts.register("asha@example.com", "Asha", DEMO_PASSWORD)
        tokens = await app.accounts.login("asha@example.com", DEMO_PASSWORD)
        asha = await app.accounts.authenticate(tokens.access_token)
        async with ports.seat_updates.subscribe(show.show_id) as changes:
            picked = await app.seats.hold_best_available(asha, show.show_id, 2)
            keys = ShowKeys(redis_namespace, show.show_id)
            assert await inspector.hexists(keys.holds, picked.hold.hold_id)
            booking = await app.bookings.checkout(
                asha, show_id=show.show_id, hold_id=picked.hold.hold_id, idempotency_key="c-1"
            )
            paid = await app.bookings.pay(
                asha, booking.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key="p-1"
            )
            seen = [await anext(changes), await anext(changes)]
        assert paid.status is BookingStatus.CONFIRMED
        assert [c.kind for c in seen] == [SeatChangeKind.HELD, SeatChangeKind.SOLD]
        assert all(c.seats == picked.hold.seats for c in seen)
        sold = await ports.sales.sold_seats(show.show_id)
        assert {s for s, b in sold.items() if b == booking.booking_id} == picked.hold.seats
        assert not await inspector.hexists(keys.holds, picked.hold.hold_id)
        seat_map = await app.browsing.seat_map(asha, show.show_id)
        assert {v.label for v in seat_map.seats if v.status == "sold"} == picked.hold.seats
    finally:
        await app.close()
        await drop_namespace(inspector, redis_namespace)
        await inspector.aclose()


async def test_the_hybrid_cache_is_invalidated_by_catalog_changes(
    tmp_path: Path, redis_url: str, redis_namespace: str
) -> None:
    """Through from_settings, a movie read (and cached in Redis) then renamed reads renamed."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"
    await upgrade(url)
    settings = Settings(
        database_url=url, redis_url=redis_url, redis_namespace=redis_namespace, token_secret=SECRET
    )
    app = from_settings(settings)
    inspector = connect(redis_url)
    try:
        await app.start()
        demo = await seed_demo(app, days=1)
        movie = demo.movies[0]
        assert (await app.browsing.movie(None, movie.movie_id)).title == movie.title
        cached = [k async for k in inspector.scan_iter(match=f"{redis_namespace}:cache:*")]
        assert cached, "the read was not cached in Redis"
        await app.catalog.update_movie(demo.admin, movie.movie_id, title="Renamed For Good")
        assert (await app.browsing.movie(None, movie.movie_id)).title == "Renamed For Good"
    finally:
        await app.close()
        await drop_namespace(inspector, redis_namespace)
        await inspector.aclose()
