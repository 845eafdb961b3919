"""The review store in SQL: reviews, helpful votes and exact per-movie rating summaries.

:class:`SqlReviewStore` keeps reviews in the ``reviews`` table (the one the unit of work's
review repository uses), one row per helpful vote in ``review_votes`` and one row of rating
counts per movie in ``rating_summaries``.  Every method is one transaction
(:meth:`SqlDatabase.write <bookmyshow.adapters.sql.database.SqlDatabase.write>`, retried on a
deadlock or lock-wait timeout), so a review write and its summary change commit together and
the maintained summary is always exact — unlike a store without multi-document transactions,
``recompute`` here only repairs rows written around the store (by the unit of work's
repository, or by hand).

Locks, so that concurrent writers queue instead of deadlocking (MySQL/MariaDB at
``READ COMMITTED``; SQLite's ``BEGIN IMMEDIATE`` serializes writers anyway):

* ``add`` inserts the review, then upserts the movie's summary row (``INSERT … ON DUPLICATE KEY
  UPDATE`` / ``ON CONFLICT DO UPDATE`` adding one to the rating's count), which locks it.
* ``replace``, ``remove`` and ``vote_helpful`` first lock the review row (``SELECT … FOR
  UPDATE``); the first two then change the summary row with one ``UPDATE``.  Votes on one
  review therefore queue on its row, and the vote insert never upgrades a shared lock.
* ``recompute`` locks the summary row first (creating it if needed), *then* counts the reviews:
  a review inserted meanwhile either committed before the count (and is counted) or waits for
  the summary lock and adds itself after the recomputed row is written.

Every summary row is locked last, after any review row, so no two of these transactions wait
for each other in a cycle.  Reads that decide a write (``get``, ``by_author``) go to the
primary; pages, summaries and ratings may come from a replica.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, TypeVar

from sqlalchemy import ColumnElement, Insert, and_, delete, func, insert, or_, select, update
from sqlalchemy.dialects import mysql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bookmyshow.adapters.sql.database import SqlDatabase
from bookmyshow.adapters.sql.errors import violated_columns
from bookmyshow.adapters.sql.rows import check_fits, review_from, review_values
from bookmyshow.adapters.sql.schema import (
    RATING_COLUMNS,
    insert_ignore,
    rating_summaries,
    review_votes,
    reviews,
)
from bookmyshow.domain.catalog import require_id
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.reviews import MIN_RATING, RatingSummary, Review, ReviewExists
from bookmyshow.domain.validation import require_instance
from bookmyshow.ports.errors import Conflict, NotFound
from bookmyshow.ports.reviews import (
    DEFAULT_PAGE_SIZE,
    CursorKey,
    ReviewOrder,
    ReviewPage,
    StoredReview,
    check_order,
    check_page_size,
    decode_cursor,
    page_of,
)

__all__ = ["SqlReviewStore"]

_T = TypeVar("_T")
_r = reviews
_v = review_votes
_s = rating_summaries

_NEWEST: Final = (_r.c.created_at.desc(), _r.c.review_id.desc())
_HELPFUL: Final = (_r.c.helpful.desc(), *_NEWEST)


def _column(rating: int) -> str:
    """The ``rating_summaries`` column counting ``rating`` (already checked 1..10)."""
    return RATING_COLUMNS[rating - MIN_RATING]


def _stored(row: RowMapping) -> StoredReview:
    return StoredReview(review=review_from(row), helpful=int(row["helpful"]))


def _summary(row: RowMapping | None) -> RatingSummary:
    if row is None:
        return RatingSummary()
    return RatingSummary(tuple(int(row[name]) for name in RATING_COLUMNS))


def _check_review(review: object) -> Review:
    checked = require_instance(review, Review, "review")
    check_fits(
        _r,
        {"review_id": checked.review_id, "movie_id": checked.movie_id, "user_id": checked.user_id},
    )
    return checked


def _upsert(connection: AsyncConnection, values: dict[str, Any], changes: dict[str, Any]) -> Insert:
    """Insert the summary row ``values``, or apply ``changes`` to the existing one."""
    if connection.dialect.name == "sqlite":
        return (
            sqlite.insert(_s)
            .values(values)
            .on_conflict_do_update(index_elements=[_s.c.movie_id], set_=changes)
        )
    return mysql.insert(_s).values(values).on_duplicate_key_update(changes)


def _after(order: ReviewOrder, key: CursorKey) -> ColumnElement[bool]:
    """Strictly after ``key`` in ``order`` (every column descending)."""
    newest = or_(
        _r.c.created_at < key.created_at,
        and_(_r.c.created_at == key.created_at, _r.c.review_id < key.review_id),
    )
    if order is ReviewOrder.NEWEST:
        return newest
    return or_(_r.c.helpful < key.helpful, and_(_r.c.helpful == key.helpful, newest))


class SqlReviewStore:
    """A :class:`~bookmyshow.ports.reviews.ReviewStore` in MySQL / MariaDB or SQLite.

    Like a document store, it keeps reviews of any movie and user ids (the ``reviews`` table has
    no foreign keys to ``movies`` and ``users``); the services check them.  Besides the port's
    errors, ids longer than their column are ``InvalidInput`` before anything is written.
    """

    def __init__(self, database: SqlDatabase) -> None:
        self._database = database

    # -- writes -----------------------------------------------------------------------------

    async def add(self, review: Review) -> None:
        """Store a new review and count its rating; ``ReviewExists``, ``Conflict(review_id)``."""
        review = _check_review(review)

        async def work(connection: AsyncConnection) -> None:
            try:
                await connection.execute(
                    insert(_r).values(**review_values(review), helpful=0, version=1)
                )
            except IntegrityError as exc:
                # The failed statement alone is undone; the transaction can still read.
                refusal = await self._refusal(connection, exc, review)
                if refusal is None:
                    raise
                raise refusal from exc
            column = _column(review.rating)
            await connection.execute(
                _upsert(
                    connection,
                    {"movie_id": review.movie_id, column: 1},
                    {column: _s.c[column] + 1},
                )
            )

        await self._database.write(work)

    async def replace(self, review: Review) -> Review:
        """Store the edited review over its id, move its rating; returns the replaced one."""
        review = _check_review(review)

        async def work(connection: AsyncConnection) -> Review:
            old = (await self._locked(connection, review.review_id)).review
            if old.movie_id != review.movie_id:
                raise InvalidInput(field="review.movie_id", reason="an edit keeps the movie")
            if old.user_id != review.user_id:
                raise InvalidInput(field="review.user_id", reason="an edit keeps the author")
            values = review_values(review)
            del values["review_id"]
            # A new version, so that a unit of work that read the row sees it changed.
            await connection.execute(
                update(_r)
                .where(_r.c.review_id == review.review_id)
                .values(**values, version=_r.c.version + 1)
            )
            if old.rating != review.rating:
                await self._move(connection, review.movie_id, old.rating, review.rating)
            return old

        return await self._database.write(work)

    async def remove(self, review_id: str) -> Review:
        """Delete the review and its votes, uncount it, and return it; ``NotFound``."""
        require_id(review_id, "review_id")

        async def work(connection: AsyncConnection) -> Review:
            old = (await self._locked(connection, review_id)).review
            # The foreign key cascades too; deleting here does not depend on it being enforced.
            await connection.execute(delete(_v).where(_v.c.review_id == review_id))
            await connection.execute(delete(_r).where(_r.c.review_id == review_id))
            await self._move(connection, old.movie_id, old.rating, None)
            return old

        return await self._database.write(work)

    async def vote_helpful(self, review_id: str, user_id: str) -> int:
        """Record one helpful vote per user and return the count; ``NotFound``."""
        require_id(review_id, "review_id")
        require_id(user_id, "user_id")
        check_fits(_v, {"review_id": review_id, "user_id": user_id})

        async def work(connection: AsyncConnection) -> int:
            stored = await self._locked(connection, review_id)
            # IGNORE can only meet the duplicate key: the review row is locked (so the foreign
            # key holds) and the ids fit their columns.
            inserted = await connection.execute(
                insert_ignore(_v).values(review_id=review_id, user_id=user_id)
            )
            if inserted.rowcount != 1:
                return stored.helpful
            await connection.execute(
                update(_r).where(_r.c.review_id == review_id).values(helpful=_r.c.helpful + 1)
            )
            return stored.helpful + 1

        return await self._database.write(work)

    async def recompute(self, movie_id: str) -> RatingSummary:
        """Rebuild the movie's summary from its reviews, store it and return it."""
        require_id(movie_id, "movie_id")
        check_fits(_s, {"movie_id": movie_id})
        return await self._database.write(lambda c: self._rebuild(c, movie_id))

    # -- reads ------------------------------------------------------------------------------

    async def get(self, review_id: str) -> StoredReview:
        """The review and its votes; ``NotFound(kind="review")``."""
        require_id(review_id, "review_id")

        async def work(connection: AsyncConnection) -> StoredReview:
            row = (
                (await connection.execute(select(_r).where(_r.c.review_id == review_id)))
                .mappings()
                .one_or_none()
            )
            if row is None:
                raise NotFound(kind="review", key=review_id)
            return _stored(row)

        return await self._database.read_latest(work)

    async def by_author(self, movie_id: str, user_id: str) -> StoredReview | None:
        """The user's review of the movie, if any."""
        require_id(movie_id, "movie_id")
        require_id(user_id, "user_id")
        query = select(_r).where(_r.c.movie_id == movie_id, _r.c.user_id == user_id)

        async def work(connection: AsyncConnection) -> StoredReview | None:
            row = (await connection.execute(query)).mappings().one_or_none()
            return None if row is None else _stored(row)

        return await self._database.read_latest(work)

    async def page(
        self,
        movie_id: str,
        *,
        order: ReviewOrder = ReviewOrder.NEWEST,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
    ) -> ReviewPage:
        """Up to ``limit`` of the movie's reviews in ``order`` after ``cursor``."""
        require_id(movie_id, "movie_id")
        check_order(order)
        check_page_size(limit)
        query = select(_r).where(_r.c.movie_id == movie_id)
        if cursor is not None:
            query = query.where(_after(order, decode_cursor(cursor, movie_id, order)))
        # One row more than asked tells whether another page follows.
        query = query.order_by(*(_HELPFUL if order is ReviewOrder.HELPFUL else _NEWEST))
        query = query.limit(limit + 1)

        async def work(connection: AsyncConnection) -> list[StoredReview]:
            return [_stored(row) for row in (await connection.execute(query)).mappings()]

        found = await self._database.read(work)
        return page_of(movie_id, order, found, limit)

    async def summary(self, movie_id: str) -> RatingSummary:
        """The movie's rating summary as maintained (empty without a row)."""
        require_id(movie_id, "movie_id")

        async def work(connection: AsyncConnection) -> RatingSummary:
            query = select(_s).where(_s.c.movie_id == movie_id)
            return _summary((await connection.execute(query)).mappings().one_or_none())

        # From the primary: the rating propagator copies it into the catalog right after a
        # write, and a lagging replica's copy would stay there.
        return await self._database.read_latest(work)

    async def ratings(self, movie_id: str) -> Sequence[int]:
        """Every rating given to the movie, in review id order."""
        require_id(movie_id, "movie_id")
        query = select(_r.c.rating).where(_r.c.movie_id == movie_id).order_by(_r.c.review_id)

        async def work(connection: AsyncConnection) -> list[int]:
            return [int(r) for r in (await connection.execute(query)).scalars()]

        return await self._database.read(work)

    # -- internals --------------------------------------------------------------------------

    @staticmethod
    async def _locked(connection: AsyncConnection, review_id: str) -> StoredReview:
        query = select(_r).where(_r.c.review_id == review_id).with_for_update()
        row = (await connection.execute(query)).mappings().one_or_none()
        if row is None:
            raise NotFound(kind="review", key=review_id)
        return _stored(row)

    async def _move(
        self, connection: AsyncConnection, movie_id: str, old: int, new: int | None
    ) -> None:
        """Uncount ``old`` (and count ``new``) in the movie's summary in one ``UPDATE``.

        A row that cannot uncount ``old`` has drifted (reviews written around this store); it is
        rebuilt from the reviews instead, in this transaction, rather than counted negative.
        """
        gone = _column(old)
        changes: dict[str, Any] = {gone: _s.c[gone] - 1}
        if new is not None:
            changes[_column(new)] = _s.c[_column(new)] + 1
        result = await connection.execute(
            update(_s).where(_s.c.movie_id == movie_id, _s.c[gone] > 0).values(changes)
        )
        if result.rowcount != 1:
            await self._rebuild(connection, movie_id)

    @staticmethod
    async def _rebuild(connection: AsyncConnection, movie_id: str) -> RatingSummary:
        # Lock (creating) the summary row before counting: see the module docstring.
        await connection.execute(
            _upsert(connection, {"movie_id": movie_id}, {"movie_id": _s.c.movie_id})
        )
        counted = await connection.execute(
            select(_r.c.rating, func.count()).where(_r.c.movie_id == movie_id).group_by(_r.c.rating)
        )
        counts = [0] * len(RATING_COLUMNS)
        for rating, count in counted:
            counts[int(rating) - MIN_RATING] = int(count)
        summary = RatingSummary(tuple(counts))
        await connection.execute(
            update(_s)
            .where(_s.c.movie_id == movie_id)
            .values(dict(zip(RATING_COLUMNS, counts, strict=True)))
        )
        return summary

    @staticmethod
    async def _refusal(
        connection: AsyncConnection, exc: IntegrityError, review: Review
    ) -> Exception | None:
        """The port error for ``review``'s refused insert; ``None`` if it is no duplicate key."""
        columns = violated_columns(exc, _r)
        if columns is None:
            return None
        # When both keys collide, the author's own review is what the caller must hear about.
        mine = await connection.execute(
            select(_r.c.review_id).where(
                _r.c.movie_id == review.movie_id, _r.c.user_id == review.user_id
            )
        )
        if mine.first() is not None:
            return ReviewExists(movie_id=review.movie_id, user_id=review.user_id)
        if columns == frozenset({"review_id"}):
            return Conflict(what="review_id", keys=(review.review_id,))
        return None
