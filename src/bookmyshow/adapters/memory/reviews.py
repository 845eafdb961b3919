"""An in-process review store: reviews, helpful votes and per-movie rating summaries."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from bookmyshow.domain.catalog import require_id
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.reviews import RatingSummary, Review, ReviewExists
from bookmyshow.domain.validation import require_instance
from bookmyshow.ports.errors import Conflict, NotFound
from bookmyshow.ports.reviews import (
    DEFAULT_PAGE_SIZE,
    CursorKey,
    ReviewOrder,
    ReviewPage,
    StoredReview,
    after_cursor,
    check_order,
    check_page_size,
    decode_cursor,
    page_of,
    sort_key,
)

__all__ = ["MemoryReviewStore"]


class MemoryReviewStore:
    """A :class:`~bookmyshow.ports.reviews.ReviewStore` in dicts.

    Each call yields to the event loop once (a round trip), then checks and changes under a
    :class:`threading.Lock` without awaiting: a review write and its summary update are one
    atomic step for concurrent tasks, and for one store used from several event loops or threads.
    """

    def __init__(self) -> None:
        self._reviews: dict[str, Review] = {}
        self._voters: dict[str, set[str]] = {}
        self._by_author: dict[tuple[str, str], str] = {}
        self._by_movie: dict[str, set[str]] = {}
        self._summaries: dict[str, RatingSummary] = {}
        self._lock = threading.Lock()

    def _stored(self, review_id: str) -> StoredReview:
        # Callers hold the lock.
        return StoredReview(
            review=self._reviews[review_id], helpful=len(self._voters.get(review_id, ()))
        )

    def _summary(self, movie_id: str) -> RatingSummary:
        return self._summaries.get(movie_id, RatingSummary())

    def _existing(self, review_id: str) -> Review:
        review = self._reviews.get(review_id)
        if review is None:
            raise NotFound(kind="review", key=review_id)
        return review

    async def add(self, review: Review) -> None:
        """Store a new review and count it; ``ReviewExists``, ``Conflict(what="review_id")``."""
        require_instance(review, Review, "review")
        await asyncio.sleep(0)
        with self._lock:
            if (review.movie_id, review.user_id) in self._by_author:
                raise ReviewExists(movie_id=review.movie_id, user_id=review.user_id)
            if review.review_id in self._reviews:
                raise Conflict(what="review_id", keys=(review.review_id,))
            self._reviews[review.review_id] = review
            self._by_author[review.movie_id, review.user_id] = review.review_id
            self._by_movie.setdefault(review.movie_id, set()).add(review.review_id)
            self._summaries[review.movie_id] = self._summary(review.movie_id).add(review.rating)

    async def get(self, review_id: str) -> StoredReview:
        """The review and its votes; ``NotFound(kind="review")``."""
        require_id(review_id, "review_id")
        await asyncio.sleep(0)
        with self._lock:
            self._existing(review_id)
            return self._stored(review_id)

    async def by_author(self, movie_id: str, user_id: str) -> StoredReview | None:
        """The user's review of the movie, if any."""
        require_id(movie_id, "movie_id")
        require_id(user_id, "user_id")
        await asyncio.sleep(0)
        with self._lock:
            review_id = self._by_author.get((movie_id, user_id))
            return None if review_id is None else self._stored(review_id)

    async def replace(self, review: Review) -> Review:
        """Store the edited review over its id, move its rating; returns the replaced one."""
        require_instance(review, Review, "review")
        await asyncio.sleep(0)
        with self._lock:
            old = self._existing(review.review_id)
            if old.movie_id != review.movie_id:
                raise InvalidInput(field="review.movie_id", reason="an edit keeps the movie")
            if old.user_id != review.user_id:
                raise InvalidInput(field="review.user_id", reason="an edit keeps the author")
            self._reviews[review.review_id] = review
            summary = self._summary(review.movie_id).replace(old.rating, review.rating)
            self._summaries[review.movie_id] = summary
            return old

    async def remove(self, review_id: str) -> Review:
        """Delete the review and its votes, uncount it, and return it; ``NotFound``."""
        require_id(review_id, "review_id")
        await asyncio.sleep(0)
        with self._lock:
            review = self._existing(review_id)
            del self._reviews[review_id]
            self._voters.pop(review_id, None)
            del self._by_author[review.movie_id, review.user_id]
            self._by_movie[review.movie_id].discard(review_id)
            self._summaries[review.movie_id] = self._summary(review.movie_id).remove(review.rating)
            return review

    async def vote_helpful(self, review_id: str, user_id: str) -> int:
        """Record one helpful vote per user and return the count; ``NotFound``."""
        require_id(review_id, "review_id")
        require_id(user_id, "user_id")
        await asyncio.sleep(0)
        with self._lock:
            self._existing(review_id)
            voters = self._voters.setdefault(review_id, set())
            voters.add(user_id)
            return len(voters)

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
        key: CursorKey | None = None
        if cursor is not None:
            key = decode_cursor(cursor, movie_id, order)
        await asyncio.sleep(0)
        with self._lock:
            candidates = [self._stored(rid) for rid in self._by_movie.get(movie_id, ())]
        if key is not None:
            candidates = [s for s in candidates if after_cursor(order, s, key)]
        candidates.sort(key=lambda s: sort_key(order, s), reverse=True)
        return page_of(movie_id, order, candidates, limit)

    async def summary(self, movie_id: str) -> RatingSummary:
        """The movie's rating summary as maintained."""
        require_id(movie_id, "movie_id")
        await asyncio.sleep(0)
        with self._lock:
            return self._summary(movie_id)

    async def recompute(self, movie_id: str) -> RatingSummary:
        """Rebuild the movie's summary from its reviews, store it and return it."""
        require_id(movie_id, "movie_id")
        await asyncio.sleep(0)
        with self._lock:
            rebuilt = RatingSummary.from_ratings(self._ratings(movie_id))
            self._summaries[movie_id] = rebuilt
            return rebuilt

    def _ratings(self, movie_id: str) -> list[int]:
        return [self._reviews[rid].rating for rid in self._by_movie.get(movie_id, ())]

    async def ratings(self, movie_id: str) -> Sequence[int]:
        """Every rating given to the movie."""
        require_id(movie_id, "movie_id")
        await asyncio.sleep(0)
        with self._lock:
            return self._ratings(movie_id)
