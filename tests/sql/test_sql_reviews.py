"""The SQL review store against the review store contract, plus what is specific to SQL: the
0002 migration, exact summaries under concurrency, and rows written around the store."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from attrs import evolve
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bookmyshow.adapters.sql.database import SqlDatabase, create_database
from bookmyshow.adapters.sql.migrate import current_revision, downgrade, head_revision, upgrade
from bookmyshow.adapters.sql.reviews import SqlReviewStore
from bookmyshow.adapters.sql.schema import metadata, review_votes
from bookmyshow.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from bookmyshow.domain.reviews import RatingSummary
from bookmyshow.ports.errors import Conflict
from bookmyshow.ports.reviews import ReviewOrder, ReviewStore, StoredReview
from bookmyshow.testing.contracts.reviews import ReviewStoreContract
from bookmyshow.testing.fixtures import T0, UniqueIds, sample_movie, sample_review, sample_user

pytestmark = pytest.mark.timeout(300)


class TestSqlReviewStore(ReviewStoreContract):
    """SqlReviewStore keeps the review store contract on SQLite and MariaDB."""

    @pytest.fixture
    def review_store(self, sql_database: SqlDatabase) -> ReviewStore:
        """A store over the session's migrated database of each SQL backend."""
        return SqlReviewStore(sql_database)


@pytest.fixture
def ids() -> UniqueIds:
    """Ids no other test shares: the session database is not emptied between tests."""
    return UniqueIds(uuid.uuid4().hex[:10])


@pytest.fixture
def store(sql_database: SqlDatabase) -> SqlReviewStore:
    """A store over the session database of each SQL backend."""
    return SqlReviewStore(sql_database)


async def _votes(database: SqlDatabase, review_id: str) -> int:
    async with database.transaction(read_only=True) as connection:
        count = await connection.scalar(
            select(func.count())
            .select_from(review_votes)
            .where(review_votes.c.review_id == review_id)
        )
    return int(count or 0)


# -- concurrency ----------------------------------------------------------------------------------


async def test_fifty_concurrent_adds_and_votes_keep_the_summary_exact(
    store: SqlReviewStore, sql_database: SqlDatabase, ids: UniqueIds
) -> None:
    """50 adds, 60 votes (10 repeated) and recomputes at once: summary and count stay exact."""
    movie = ids("movie")
    popular = sample_review(ids("review"), movie_id=movie, user_id=ids("user"), rating=4)
    await store.add(popular)
    fresh = [
        sample_review(ids("review"), movie_id=movie, user_id=ids("user"), rating=1 + i % 10)
        for i in range(50)
    ]
    voters = [ids("user") for _ in range(50)]
    calls: list[Awaitable[object]] = [store.add(r) for r in fresh]
    calls += [store.vote_helpful(popular.review_id, v) for v in voters + voters[:10]]
    calls += [store.recompute(movie) for _ in range(5)]
    await asyncio.gather(*calls)
    expected = RatingSummary.from_ratings([4, *(r.rating for r in fresh)])
    assert await store.summary(movie) == expected
    assert await store.recompute(movie) == expected
    assert (await store.get(popular.review_id)).helpful == 50
    assert await _votes(sql_database, popular.review_id) == 50
    top = await store.page(movie, order=ReviewOrder.HELPFUL, limit=1)
    assert top.items == (StoredReview(review=popular, helpful=50),)


# -- rows written around the store ----------------------------------------------------------------


async def test_summary_drift_from_unit_of_work_writes_is_repaired_in_the_write(
    store: SqlReviewStore, sql_database: SqlDatabase, ids: UniqueIds
) -> None:
    """Reviews added by the unit of work are not counted; uncounting one rebuilds the summary."""
    movie = ids("movie")
    counted = sample_review(ids("review"), movie_id=movie, user_id=ids("user"), rating=5)
    await store.add(counted)
    around = [
        sample_review(ids("review"), movie_id=movie, user_id=ids("user"), rating=9)
        for _ in range(2)
    ]
    async with SqlUnitOfWorkFactory(sql_database)() as uow:
        for review in around:
            await uow.reviews.add(review)
        await uow.commit()
    assert await store.summary(movie) == RatingSummary.from_ratings([5])
    assert await store.get(around[0].review_id) == StoredReview(review=around[0])
    # The summary has no 9 to take away: the write rebuilds it from the reviews instead.
    await store.remove(around[0].review_id)
    assert await store.summary(movie) == RatingSummary.from_ratings([5, 9])
    edited = around[1].edit(by=around[1].user_id, at=T0, rating=2)
    await store.replace(edited)
    assert await store.summary(movie) == RatingSummary.from_ratings([5, 2])


async def test_unit_of_work_sees_store_edits_and_cascades_votes(
    store: SqlReviewStore, sql_database: SqlDatabase, ids: UniqueIds
) -> None:
    """A store replace bumps the row version a unit checks; a unit's remove drops the votes."""
    review = sample_review(ids("review"), movie_id=ids("movie"), user_id=ids("user"), rating=6)
    await store.add(review)
    await store.vote_helpful(review.review_id, ids("user"))
    factory = SqlUnitOfWorkFactory(sql_database)
    async with factory() as uow:
        stale = await uow.reviews.get(review.review_id)
        await store.replace(review.edit(by=review.user_id, at=T0, rating=7))
        with pytest.raises(Conflict) as info:
            await uow.reviews.save(evolve(stale, text="Lost update?"))
        assert info.value.what == "concurrent_update"
    async with factory() as uow:
        await uow.reviews.remove(review.review_id)
        await uow.commit()
    assert await _votes(sql_database, review.review_id) == 0


# -- the migration --------------------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "mariadb"])
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A brand-new, empty database on each backend (dropped afterwards)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'reviews.db'}"
        return
    server = str(request.getfixturevalue("mariadb_url")).rsplit("/", 1)[0]
    name = f"bms_rev_{uuid.uuid4().hex[:12]}"
    admin = create_database(f"{server}/mysql")
    try:
        async with admin.writer.connect() as connection:
            await connection.exec_driver_sql(f"CREATE DATABASE `{name}`")
        yield f"{server}/{name}"
    finally:
        async with admin.writer.connect() as connection:
            await connection.exec_driver_sql(f"DROP DATABASE IF EXISTS `{name}`")
        await admin.dispose()


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


_INSERT_0001_REVIEW = text(
    "INSERT INTO reviews (review_id, movie_id, user_id, rating, created_at, text, edited_at, "
    "verified, version) VALUES (:review_id, :movie_id, :user_id, :rating, "
    "'2030-01-07 12:00:00.000000', '', NULL, 0, 1)"
)


async def test_0002_counts_existing_reviews_and_round_trips(empty_url: str) -> None:
    """Upgrading counts 0001's reviews; downgrading drops votes, summaries and orphan reviews
    and restores the foreign keys; upgrading again is clean and counts again."""
    await upgrade(empty_url, "0001")
    database = create_database(empty_url)
    try:
        async with SqlUnitOfWorkFactory(database)() as uow:
            await uow.movies.add(sample_movie("m"))
            for user in ("u1", "u2"):
                await uow.users.add(sample_user(user))
            await uow.commit()
        async with database.transaction() as connection:
            for review_id, user, rating in (("r1", "u1", 7), ("r2", "u2", 3)):
                await connection.execute(
                    _INSERT_0001_REVIEW,
                    {"review_id": review_id, "movie_id": "m", "user_id": user, "rating": rating},
                )
        await upgrade(empty_url)
        assert await current_revision(empty_url) == head_revision()
        async with database.writer.connect() as connection:
            assert await connection.run_sync(_differences) == []
        store = SqlReviewStore(database)
        assert await store.summary("m") == RatingSummary.from_ratings([7, 3])
        assert (await store.get("r1")).helpful == 0
        assert await store.vote_helpful("r1", "someone") == 1
        # No foreign keys now: a review of a movie and user without rows is kept.
        await store.add(sample_review("r3", movie_id="ghost", user_id="nobody"))

        await downgrade(empty_url, "0001")
        async with database.writer.connect() as connection:
            assert not {"review_votes", "rating_summaries"} & await connection.run_sync(_tables)
            ids = (await connection.execute(text("SELECT review_id FROM reviews"))).scalars()
            assert sorted(ids) == ["r1", "r2"]
        with pytest.raises(IntegrityError):
            async with database.transaction() as connection:
                await connection.execute(
                    _INSERT_0001_REVIEW,
                    {"review_id": "r4", "movie_id": "ghost", "user_id": "u1", "rating": 5},
                )

        await upgrade(empty_url)
        async with database.writer.connect() as connection:
            assert await connection.run_sync(_differences) == []
            assert await connection.run_sync(_tables) == set(metadata.tables)
        assert await store.summary("m") == RatingSummary.from_ratings([7, 3])
        assert (await store.get("r1")).helpful == 0
    finally:
        await database.dispose()
