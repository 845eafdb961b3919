"""Reviews in MongoDB, wired: from_settings keeps them there, and a verified viewer's review rates
the movie in the catalog and in search."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from attrs import evolve
from pymongo import AsyncMongoClient

from bookmyshow.adapters.memory import ManualClock, ScryptPasswordHasher, SequentialIds
from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS
from bookmyshow.adapters.mongo import MongoReviewStore
from bookmyshow.adapters.sql.migrate import upgrade
from bookmyshow.bootstrap import (
    Backend,
    Settings,
    Ticketing,
    bootstrap,
    from_settings,
    in_memory_ports,
    plan_backends,
)
from bookmyshow.domain.booking import BookingStatus
from bookmyshow.domain.users import Principal
from tests.mongo.conftest import StoreFactory, fresh_database
from tests.services.world import World, build_world


async def test_from_settings_keeps_reviews_in_mongodb(tmp_path: Path, mongo_url: str) -> None:
    """BOOKMYSHOW_MONGO_URL with a database: reviews go to MongoDB, start() makes the indexes."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'tickets.db'}"
    await upgrade(url)
    name = fresh_database("wire")
    settings = Settings(database_url=url, mongo_url=mongo_url, mongo_database=name)
    assert plan_backends(settings).reviews is Backend.MONGO
    app = from_settings(settings)
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_url)
    try:
        assert isinstance(app.ports.reviews, MongoReviewStore)
        await app.start()
        names = {index["name"] async for index in await client[name]["reviews"].list_indexes()}
        assert "movie_user" in names
    finally:
        await app.close()
        await client.drop_database(name)
        await client.close()


async def _watch(app: Ticketing, world: World, actor: Principal, seat: str) -> None:
    """``actor`` books and pays ``seat`` of the world's show (a confirmed booking)."""
    hold = await app.seats.hold(actor, world.show.show_id, [seat])
    booking = await app.bookings.checkout(
        actor, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key=f"k-{seat}"
    )
    paid = await app.bookings.pay(
        actor, booking.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key=f"p-{seat}"
    )
    assert paid.status is BookingStatus.CONFIRMED


async def test_a_verified_review_in_mongodb_rates_the_movie_everywhere(
    store_factory: StoreFactory,
) -> None:
    """With Mongo reviews wired in, reviews, an edit and a removal move catalog and search."""
    clock = ManualClock()
    async with store_factory() as store:
        ports = evolve(
            in_memory_ports(
                clock=clock,
                ids=SequentialIds(),
                passwords=ScryptPasswordHasher.fast_for_tests(),
                token_secret=b"t" * 32,
            ),
            reviews=store,
        )
        app = bootstrap(ports)
        world = await build_world(app, clock)
        movie_id = world.show.movie_id
        await _watch(app, world, world.alice, "A1")
        clock.set(world.show.starts_at + timedelta(minutes=1))

        first = await app.reviews.write(world.alice, movie_id, rating=9, text="Loved it")
        assert first.verified
        second = await app.reviews.write(world.bob, movie_id, rating=6)
        await app.reviews.edit(world.bob, second.review_id, rating=4)

        async def rating_everywhere() -> tuple[Decimal | None, int, Decimal | None]:
            movie = await app.browsing.movie(None, movie_id)
            document = await app.ports.search.get(movie_id)
            assert document is not None
            return movie.rating, movie.rating_count, document.rating

        assert await rating_everywhere() == (Decimal("6.5"), 2, Decimal("6.5"))
        await app.reviews.remove(world.admin, first.review_id)
        assert await rating_everywhere() == (Decimal("4.0"), 1, Decimal("4.0"))
        assert await store.summary(movie_id) == await store.recompute(movie_id)
