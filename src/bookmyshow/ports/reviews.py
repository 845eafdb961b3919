"""The review store port: reviews, helpful votes and per-movie rating summaries.

Reviews are not part of a booking's unit of work: they tolerate eventual consistency, are written
at high volume, and may live in another database (MongoDB) than the bookings.  So every method
here is atomic on its own, and a movie's rating in the catalog and the search index follows the
summaries through domain events (:class:`~bookmyshow.services.reviews.RatingPropagator`), never
inside a review write.

- One review per user per movie: a second :meth:`ReviewStore.add` by the same user raises
  :class:`~bookmyshow.domain.reviews.ReviewExists`; changing a review is an explicit
  :meth:`ReviewStore.replace`.
- One helpful vote per user per review (:meth:`ReviewStore.vote_helpful`); voting again changes
  nothing.
- Each movie's :class:`~bookmyshow.domain.reviews.RatingSummary` is kept up to date as reviews are
  added, replaced and removed; :meth:`ReviewStore.recompute` rebuilds it from the reviews and
  repairs any drift (a crash between a review write and its summary update).
- :meth:`ReviewStore.page` pages a movie's reviews newest first or most helpful first, with
  opaque cursors: a page after a cursor holds exactly the reviews that sort after the cursor's
  review, so reviews added meanwhile are neither repeated nor make others skipped.  (Votes cast
  meanwhile can move a review across the cursor in the helpful order.)
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Final, Protocol

from attrs import frozen

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.reviews import RatingSummary, Review
from bookmyshow.domain.validation import require_count

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "ReviewOrder",
    "ReviewPage",
    "ReviewStore",
    "StoredReview",
    "check_page_size",
]

DEFAULT_PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 100


class ReviewOrder(enum.StrEnum):
    """How a movie's reviews are paged.

    ``NEWEST``: by ``created_at`` descending, then review id descending.  ``HELPFUL``: by helpful
    votes descending, then as ``NEWEST``.
    """

    NEWEST = "newest"
    HELPFUL = "helpful"


@frozen(kw_only=True)
class StoredReview:
    """A review as stored, with how many users found it helpful."""

    review: Review
    helpful: int = 0

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.review, Review):
            raise InvalidInput(field="review", reason="must be a Review")
        require_count(self.helpful, "helpful")


@frozen(kw_only=True)
class ReviewPage:
    """One page of a movie's reviews and the cursor of the next page (``None`` after the last)."""

    items: tuple[StoredReview, ...]
    next_cursor: str | None = None


def check_page_size(limit: int) -> int:
    """Return ``limit`` if it is an int from 1 to :data:`MAX_PAGE_SIZE`; else ``InvalidInput``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(field="limit", reason=f"an integer from 1 to {MAX_PAGE_SIZE}")
    return limit


class ReviewStore(Protocol):
    """Reviews by id and by movie, their helpful votes, and each movie's rating summary.

    Errors besides those named: ``InvalidInput`` for malformed arguments (checked before anything
    is written) and :class:`~bookmyshow.ports.errors.BackendUnavailable` when the backend fails.
    """

    async def add(self, review: Review) -> None:
        """Store a new review (no votes) and count its rating in the movie's summary.

        Raises :class:`~bookmyshow.domain.reviews.ReviewExists` when its author already reviewed
        the movie, :class:`~bookmyshow.ports.errors.Conflict` (``what="review_id"``) for a
        review id in use.
        """
        ...

    async def get(self, review_id: str) -> StoredReview:
        """The review and its votes; ``NotFound(kind="review")``."""
        ...

    async def by_author(self, movie_id: str, user_id: str) -> StoredReview | None:
        """The user's review of the movie, if any."""
        ...

    async def replace(self, review: Review) -> Review:
        """Store an edited ``review`` over the one with its id and move its rating in the
        summary; returns the review it replaced.  Votes are kept.

        Raises ``NotFound(kind="review")``, and ``InvalidInput`` if the movie or author differ
        from the stored review's.
        """
        ...

    async def remove(self, review_id: str) -> Review:
        """Delete the review and its votes, uncount its rating, and return it;
        ``NotFound(kind="review")``."""
        ...

    async def vote_helpful(self, review_id: str, user_id: str) -> int:
        """Record that ``user_id`` found the review helpful (once: voting again changes
        nothing) and return its helpful count; ``NotFound(kind="review")``."""
        ...

    async def page(
        self,
        movie_id: str,
        *,
        order: ReviewOrder = ReviewOrder.NEWEST,
        limit: int = DEFAULT_PAGE_SIZE,
        cursor: str | None = None,
    ) -> ReviewPage:
        """Up to ``limit`` reviews of the movie in ``order``, after ``cursor`` (from an earlier
        page in the same order).  Raises ``InvalidInput`` for a cursor this store did not make
        for this movie and order, or a ``limit`` outside 1..100."""
        ...

    async def summary(self, movie_id: str) -> RatingSummary:
        """The movie's rating summary as maintained (empty when it has no reviews)."""
        ...

    async def recompute(self, movie_id: str) -> RatingSummary:
        """Rebuild the movie's summary from its reviews, store it, and return it."""
        ...

    async def ratings(self, movie_id: str) -> Sequence[int]:
        """Every rating given to the movie, in no particular order."""
        ...
