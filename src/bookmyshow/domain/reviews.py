"""Reviews of movies and the rating summary built from them.

A user writes at most one review per movie (:func:`check_can_add`) and only the author edits it
(:meth:`Review.edit`).  A review is *verified* when its author has a confirmed or checked-in booking
for a show of the movie that had started by the time of writing (:func:`is_verified`); the rule
takes plain :class:`ViewingRecord` values so it does not depend on the booking module.

:class:`RatingSummary` is the per-movie aggregate of ratings: a histogram from which the count
and the exact average (a :class:`~fractions.Fraction`) follow, updated purely by
:meth:`~RatingSummary.add`, :meth:`~RatingSummary.remove` and :meth:`~RatingSummary.replace`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import ClassVar, Final

from attrs import define, evolve, field, frozen

from bookmyshow.domain.catalog import clean_text, require_id
from bookmyshow.domain.errors import DomainError, InvalidInput
from bookmyshow.domain.holds import require_aware
from bookmyshow.domain.money import round_half_up
from bookmyshow.domain.validation import instances

__all__ = [
    "MAX_RATING",
    "MAX_REVIEW_TEXT",
    "MIN_RATING",
    "VERIFYING_STATUSES",
    "CannotVoteOwnReview",
    "NotReviewAuthor",
    "RatingSummary",
    "Review",
    "ReviewExists",
    "ViewingRecord",
    "check_can_add",
    "check_rating",
    "is_verified",
    "write_review",
]

MIN_RATING: Final = 1
MAX_RATING: Final = 10
MAX_REVIEW_TEXT: Final = 5000
VERIFYING_STATUSES: Final = frozenset({"confirmed", "checked_in"})
"""Booking statuses that prove the user saw the show (once it has started)."""

_SCALE = MAX_RATING - MIN_RATING + 1


def check_rating(value: object, name: str = "rating") -> int:
    """Return ``value`` if it is an int from 1 to 10 (bools refused); else raise InvalidInput."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field=name, reason="must be an integer")
    if not MIN_RATING <= value <= MAX_RATING:
        raise InvalidInput(field=name, reason=f"must be from {MIN_RATING} to {MAX_RATING}")
    return value


@define(auto_exc=True, kw_only=True)
class ReviewExists(DomainError):
    """The user already reviewed this movie; edit that review instead."""

    code: ClassVar[str] = "review_exists"
    movie_id: str
    user_id: str


@define(auto_exc=True, kw_only=True)
class NotReviewAuthor(DomainError):
    """Only the author of a review may edit it."""

    code: ClassVar[str] = "not_review_author"
    review_id: str
    user_id: str


@define(auto_exc=True, kw_only=True)
class CannotVoteOwnReview(DomainError):
    """An author cannot find their own review helpful: votes are other users' judgement."""

    code: ClassVar[str] = "cannot_vote_own_review"
    review_id: str
    user_id: str


def _status_name(value: object) -> str:
    # The booking module may hand over an enum member; the rule compares plain names.
    name = value.value if isinstance(value, enum.Enum) else value
    if not isinstance(name, str) or not name:
        raise InvalidInput(field="booking_status", reason="a booking status name")
    return name.lower()


@frozen(kw_only=True)
class ViewingRecord:
    """One booking as the review rule needs it: whose, for which movie, when, in what status.

    ``booking_status`` is stored lower-case; an enum member is reduced to its value.
    """

    user_id: str
    movie_id: str
    starts_at: datetime
    booking_status: str = field(converter=_status_name)

    def __attrs_post_init__(self) -> None:
        require_id(self.user_id, "user_id")
        require_id(self.movie_id, "movie_id")
        require_aware(self.starts_at, "starts_at")


def is_verified(
    user_id: str, movie_id: str, viewings: Iterable[ViewingRecord], now: datetime
) -> bool:
    """Whether ``user_id`` has a confirmed or checked-in booking of ``movie_id`` started by ``now``.

    Records of other users or movies are ignored, so a caller may pass a wider list.
    Raises :class:`InvalidInput` if ``now`` is naive, an id is malformed or ``viewings`` are not
    ViewingRecords.
    """
    require_id(user_id, "user_id")
    require_id(movie_id, "movie_id")
    records = instances(viewings, ViewingRecord, "viewings")
    require_aware(now)
    return any(
        v.user_id == user_id
        and v.movie_id == movie_id
        and v.booking_status in VERIFYING_STATUSES
        and v.starts_at <= now
        for v in records
    )


@frozen(kw_only=True)
class Review:
    """A user's review of a movie.  Construction validates and raises InvalidInput.

    ``rating`` is an integer from 1 to 10; ``text`` is stripped, may be empty, at most 5000
    characters.  ``edited_at`` is None until the first edit and never before ``created_at``.
    """

    review_id: str
    movie_id: str
    user_id: str
    rating: int
    created_at: datetime
    text: str = ""
    edited_at: datetime | None = None
    verified: bool = False

    def __attrs_post_init__(self) -> None:
        require_id(self.review_id, "review_id")
        require_id(self.movie_id, "movie_id")
        require_id(self.user_id, "user_id")
        check_rating(self.rating)
        object.__setattr__(
            self,
            "text",
            clean_text(self.text, "text", max_length=MAX_REVIEW_TEXT, allow_empty=True),
        )
        require_aware(self.created_at, "created_at")
        if self.edited_at is not None:
            require_aware(self.edited_at, "edited_at")
            if self.edited_at < self.created_at:
                raise InvalidInput(field="edited_at", reason="must not be before created_at")
        if not isinstance(self.verified, bool):
            raise InvalidInput(field="verified", reason="must be a bool")

    def edit(
        self, *, by: str, at: datetime, rating: int | None = None, text: str | None = None
    ) -> Review:
        """A copy with the new ``rating`` and/or ``text``, stamped ``edited_at=at``.

        Raises :class:`NotReviewAuthor` when ``by`` is not the author, and :class:`InvalidInput`
        when nothing is changed, a value is invalid, or ``at`` is before the last change.
        The verified flag is kept: it is about the viewing, not the wording.
        """
        if by != self.user_id:
            raise NotReviewAuthor(review_id=self.review_id, user_id=by)
        if rating is None and text is None:
            raise InvalidInput(field="review", reason="an edit changes the rating or the text")
        require_aware(at, "at")
        last = self.edited_at or self.created_at
        if at < last:
            raise InvalidInput(field="at", reason="an edit cannot predate the last change")
        return evolve(
            self,
            rating=self.rating if rating is None else rating,
            text=self.text if text is None else text,
            edited_at=at,
        )


def check_can_add(movie_id: str, user_id: str, existing: Iterable[Review]) -> None:
    """Refuse a second review of ``movie_id`` by ``user_id``: raises :class:`ReviewExists`.

    ``existing`` may hold any reviews; only those by this user of this movie count.  Raises
    :class:`InvalidInput` for a malformed id or ``existing`` items that are not Reviews.
    """
    require_id(movie_id, "movie_id")
    require_id(user_id, "user_id")
    reviews = instances(existing, Review, "existing")
    if any(r.movie_id == movie_id and r.user_id == user_id for r in reviews):
        raise ReviewExists(movie_id=movie_id, user_id=user_id)


def write_review(
    *,
    review_id: str,
    movie_id: str,
    user_id: str,
    rating: int,
    now: datetime,
    existing: Iterable[Review],
    viewings: Iterable[ViewingRecord],
    text: str = "",
) -> Review:
    """A new review, verified by :func:`is_verified` from ``viewings``.

    Raises :class:`ReviewExists` if ``existing`` holds this user's review of the movie, and
    :class:`InvalidInput` for invalid values.
    """
    check_can_add(movie_id, user_id, existing)
    return Review(
        review_id=review_id,
        movie_id=movie_id,
        user_id=user_id,
        rating=rating,
        text=text,
        created_at=now,
        verified=is_verified(user_id, movie_id, viewings, now),
    )


def _check_counts(counts: object) -> tuple[int, ...]:
    if not isinstance(counts, tuple) or len(counts) != _SCALE:
        raise InvalidInput(
            field="counts", reason=f"one count per rating {MIN_RATING}..{MAX_RATING}"
        )
    for c in counts:
        if isinstance(c, bool) or not isinstance(c, int) or c < 0:
            raise InvalidInput(field="counts", reason="counts are non-negative integers")
    return counts


@frozen
class RatingSummary:
    """How a movie was rated: ``counts[i]`` is the number of ratings equal to ``i + 1``.

    Updates return a new summary.  The average is exact; :attr:`rounded_average` is the display
    value, rounded half-up to one decimal.
    """

    counts: tuple[int, ...] = field(default=(0,) * _SCALE)

    def __attrs_post_init__(self) -> None:
        _check_counts(self.counts)

    @classmethod
    def from_ratings(cls, ratings: Iterable[int]) -> RatingSummary:
        """The summary of ``ratings``; raises InvalidInput if one is not an int from 1 to 10."""
        counts = [0] * _SCALE
        for r in instances(ratings, object, "ratings"):
            counts[check_rating(r) - MIN_RATING] += 1
        return cls(tuple(counts))

    @property
    def count(self) -> int:
        """How many ratings."""
        return sum(self.counts)

    @property
    def total(self) -> int:
        """Sum of all ratings."""
        return sum((i + MIN_RATING) * c for i, c in enumerate(self.counts))

    @property
    def average(self) -> Fraction | None:
        """The exact mean rating, or None when there are none."""
        count = self.count
        return Fraction(self.total, count) if count else None

    @property
    def rounded_average(self) -> Decimal | None:
        """The mean rounded half-up to one decimal (``Decimal("8.3")``), or None."""
        average = self.average
        if average is None:
            return None
        return Decimal(round_half_up(average * 10)).scaleb(-1)

    @property
    def histogram(self) -> dict[int, int]:
        """Every rating 1..10 mapped to its count (zeros included)."""
        return {i + MIN_RATING: c for i, c in enumerate(self.counts)}

    def add(self, rating: int) -> RatingSummary:
        """The summary with one more ``rating``; raises InvalidInput for a bad rating."""
        counts = list(self.counts)
        counts[check_rating(rating) - MIN_RATING] += 1
        return RatingSummary(tuple(counts))

    def remove(self, rating: int) -> RatingSummary:
        """The summary with one ``rating`` fewer.

        Raises :class:`InvalidInput` for a bad rating or when no such rating was counted.
        """
        index = check_rating(rating) - MIN_RATING
        if self.counts[index] == 0:
            raise InvalidInput(field="rating", reason=f"no rating of {rating} to remove")
        counts = list(self.counts)
        counts[index] -= 1
        return RatingSummary(tuple(counts))

    def replace(self, old: int, new: int) -> RatingSummary:
        """The summary after an edit from ``old`` to ``new`` (raises like :meth:`remove`)."""
        check_rating(new, "new")
        return self.remove(old).add(new)
