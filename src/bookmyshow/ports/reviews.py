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

import base64
import binascii
import enum
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Final, Protocol

from attrs import frozen

from bookmyshow.domain.catalog import require_id
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.reviews import RatingSummary, Review
from bookmyshow.domain.validation import (
    aware_utc,
    instances,
    require_count,
    require_instance,
    require_text,
)

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "CursorKey",
    "ReviewOrder",
    "ReviewPage",
    "ReviewStore",
    "StoredReview",
    "after_cursor",
    "check_order",
    "check_page_size",
    "decode_cursor",
    "encode_cursor",
    "epoch_micros",
    "page_of",
    "sort_key",
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


def check_order(order: object) -> ReviewOrder:
    """Return ``order`` if it is a :class:`ReviewOrder`; else ``InvalidInput(field="order")``."""
    return require_instance(order, ReviewOrder, "order")


def page_of(
    movie_id: str, order: ReviewOrder, found: Sequence[StoredReview], limit: int
) -> ReviewPage:
    """The page a store returns from ``found``: up to ``limit + 1`` reviews in ``order`` after
    the cursor (one more than the page tells whether another page follows).

    Raises ``InvalidInput`` for an empty movie id, an order or limit the port refuses, or
    ``found`` items that are not StoredReviews.
    """
    require_text(movie_id, "movie_id")
    check_order(order)
    check_page_size(limit)
    reviews = instances(found, StoredReview, "found")
    items = reviews[:limit]
    more = len(reviews) > limit
    return ReviewPage(
        items=items, next_cursor=encode_cursor(movie_id, order, items[-1]) if more else None
    )


def check_page_size(limit: int) -> int:
    """Return ``limit`` if it is an int from 1 to :data:`MAX_PAGE_SIZE`; else ``InvalidInput``."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(field="limit", reason=f"an integer from 1 to {MAX_PAGE_SIZE}")
    return limit


_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND: Final = timedelta(microseconds=1)
# A cursor holds two ids of at most 128 characters and three numbers; anything much longer is
# not one of ours, and refusing it early keeps a hostile cursor from costing a big decode.
_MAX_CURSOR: Final = 2048


def epoch_micros(instant: datetime) -> int:
    """``instant`` (aware) as whole microseconds since the Unix epoch: exact, and ordered like
    the instants, so adapters whose date type is coarser (BSON dates are milliseconds) can store
    and compare this instead."""
    return (aware_utc(instant, "created_at") - _EPOCH) // _MICROSECOND


@frozen(kw_only=True)
class CursorKey:
    """Where a page ended: the sort key of its last review.

    ``created_at`` is in UTC.  The next page holds the reviews strictly after this key in the
    page's order (see :func:`sort_key`).
    """

    created_at: datetime
    review_id: str
    helpful: int = 0

    @property
    def created_us(self) -> int:
        """``created_at`` as microseconds since the epoch (see :func:`epoch_micros`)."""
        return epoch_micros(self.created_at)

    def sort_key(self, order: ReviewOrder) -> tuple[int, int, str] | tuple[int, str]:
        """The key a review at this position has in ``order`` (see :func:`sort_key`)."""
        if order is ReviewOrder.HELPFUL:
            return (self.helpful, self.created_us, self.review_id)
        return (self.created_us, self.review_id)


def sort_key(order: ReviewOrder, stored: StoredReview) -> tuple[int, int, str] | tuple[int, str]:
    """The key reviews are sorted on, *descending*, in ``order``.

    ``NEWEST``: ``(created_at µs, review_id)``; ``HELPFUL``: ``(helpful, created_at µs,
    review_id)``.  Review ids compare by code point, which is also the order of their UTF-8 bytes
    (how MongoDB compares strings and how a binary SQL collation does).
    """
    require_instance(stored, StoredReview, "stored")
    return CursorKey(
        created_at=stored.review.created_at,
        review_id=stored.review.review_id,
        helpful=stored.helpful,
    ).sort_key(order)


def after_cursor(order: ReviewOrder, stored: StoredReview, key: CursorKey) -> bool:
    """Whether ``stored`` belongs on a page after ``key``: strictly after it in ``order``."""
    require_instance(key, CursorKey, "key")
    return sort_key(order, stored) < key.sort_key(order)


def encode_cursor(movie_id: str, order: ReviewOrder, stored: StoredReview) -> str:
    """The opaque cursor of the page after ``stored`` in ``movie_id``'s reviews in ``order``.

    URL-safe base64 (unpadded) of compact JSON naming the movie, the order and ``stored``'s sort
    key, so every adapter makes the same cursor for the same position.
    """
    require_id(movie_id, "movie_id")
    check_order(order)
    require_instance(stored, StoredReview, "stored")
    body = {
        "m": movie_id,
        "o": order.value,
        "t": epoch_micros(stored.review.created_at),
        "r": stored.review.review_id,
        "h": stored.helpful,
    }
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _bad_cursor(reason: str) -> InvalidInput:
    return InvalidInput(field="cursor", reason=reason)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def decode_cursor(cursor: str, movie_id: str, order: ReviewOrder) -> CursorKey:
    """The position ``cursor`` (from :func:`encode_cursor`) names.

    Raises ``InvalidInput(field="cursor")`` for anything that is not such a cursor, or one made
    for another movie or order.
    """
    require_id(movie_id, "movie_id")
    check_order(order)
    if not isinstance(cursor, str) or not cursor or len(cursor) > _MAX_CURSOR:
        raise _bad_cursor("not a cursor of this store")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        body = json.loads(raw.decode())
    except (ValueError, binascii.Error, UnicodeError):
        raise _bad_cursor("not a cursor of this store") from None
    if not isinstance(body, dict) or set(body) != {"m", "o", "t", "r", "h"}:
        raise _bad_cursor("not a cursor of this store")
    if body["m"] != movie_id or body["o"] != order.value:
        raise _bad_cursor("made for another movie or order")
    micros, review_id, helpful = body["t"], body["r"], body["h"]
    if not _is_int(micros) or not _is_int(helpful) or helpful < 0:
        raise _bad_cursor("not a cursor of this store")
    if not isinstance(review_id, str):
        raise _bad_cursor("not a cursor of this store")
    try:
        require_id(review_id, "cursor")
        created_at = _EPOCH + micros * _MICROSECOND
    except (InvalidInput, OverflowError):
        raise _bad_cursor("not a cursor of this store") from None
    return CursorKey(created_at=created_at, review_id=review_id, helpful=helpful)


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
