"""Wire shapes of the reviews routes: a review, a page of reviews, a helpful vote and a movie's
rating summary.

Ratings are whole numbers from 1 to 10; the average is a decimal string rounded half-up to one
decimal (``"8.3"``), never a float.
"""

from __future__ import annotations

from datetime import datetime

from attrs import frozen

from bookmyshow.domain.reviews import RatingSummary, Review
from bookmyshow.ports.reviews import ReviewPage, StoredReview

__all__ = [
    "HelpfulRead",
    "RatingCountRead",
    "RatingSummaryRead",
    "ReviewCreate",
    "ReviewPageRead",
    "ReviewRead",
]


@frozen(kw_only=True)
class ReviewCreate:
    """A review of a movie: a ``rating`` from 1 to 10 and an optional ``body`` (at most 5000
    characters).  One review per user and movie."""

    rating: int
    body: str = ""


@frozen(kw_only=True)
class ReviewRead:
    """A review.

    ``verified`` is true when the author had a confirmed or checked-in booking for a show of
    the movie that had started when the review was written; ``helpful`` counts the users who
    voted it helpful; ``edited_at`` is ``null`` until the author edits it.
    """

    review_id: str
    movie_id: str
    user_id: str
    rating: int
    body: str
    verified: bool
    helpful: int
    created_at: datetime
    edited_at: datetime | None

    @classmethod
    def of(cls, review: Review, *, helpful: int = 0) -> ReviewRead:
        """The wire shape of ``review`` with ``helpful`` votes."""
        return cls(
            review_id=review.review_id,
            movie_id=review.movie_id,
            user_id=review.user_id,
            rating=review.rating,
            body=review.text,
            verified=review.verified,
            helpful=helpful,
            created_at=review.created_at,
            edited_at=review.edited_at,
        )

    @classmethod
    def stored(cls, stored: StoredReview) -> ReviewRead:
        """The wire shape of a stored review and its helpful count."""
        return cls.of(stored.review, helpful=stored.helpful)


@frozen(kw_only=True)
class ReviewPageRead:
    """A page of a movie's reviews; pass ``next_cursor`` as ``cursor`` (with the same
    ``order``) for the next page.  ``next_cursor`` is ``null`` on the last page."""

    items: list[ReviewRead]
    next_cursor: str | None

    @classmethod
    def of(cls, page: ReviewPage) -> ReviewPageRead:
        """The wire shape of ``page``."""
        return cls(
            items=[ReviewRead.stored(item) for item in page.items], next_cursor=page.next_cursor
        )


@frozen(kw_only=True)
class HelpfulRead:
    """The review's helpful count after the caller's vote."""

    review_id: str
    helpful: int


@frozen(kw_only=True)
class RatingCountRead:
    """How many reviews gave ``rating``."""

    rating: int
    count: int


@frozen(kw_only=True)
class RatingSummaryRead:
    """How a movie was rated: the number of reviews, their average (``null`` with none) and a
    histogram with every rating from 10 down to 1 (zeros included)."""

    movie_id: str
    count: int
    average: str | None
    histogram: list[RatingCountRead]

    @classmethod
    def of(cls, movie_id: str, summary: RatingSummary) -> RatingSummaryRead:
        """The wire shape of ``summary``, the summary of ``movie_id``."""
        average = summary.rounded_average
        return cls(
            movie_id=movie_id,
            count=summary.count,
            average=None if average is None else str(average),
            histogram=[
                RatingCountRead(rating=rating, count=count)
                for rating, count in sorted(summary.histogram.items(), reverse=True)
            ],
        )
