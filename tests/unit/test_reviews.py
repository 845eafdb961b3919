"""Reviews: one per user and movie, author-only edits, verification and rating summaries."""

from __future__ import annotations

import enum
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.reviews import (
    MAX_REVIEW_TEXT,
    NotReviewAuthor,
    RatingSummary,
    Review,
    ReviewExists,
    ViewingRecord,
    check_can_add,
    is_verified,
    write_review,
)
from bookmyshow.testing.strategies.catalog import (
    aware_datetimes,
    ratings,
    reviews,
    viewing_records,
)

T0 = datetime(2024, 7, 1, 12, 0, tzinfo=UTC)


def review(**changes: Any) -> Review:
    fields: dict[str, Any] = {
        "review_id": "r-1",
        "movie_id": "m-1",
        "user_id": "u-1",
        "rating": 8,
        "text": "  Loved the second half.  ",
        "created_at": T0,
    }
    fields.update(changes)
    return Review(**fields)


def test_review_strips_text_and_starts_unedited() -> None:
    """A new review has stripped text, no edit time and is unverified by default."""
    r = review()
    assert r.text == "Loved the second half."
    assert r.edited_at is None
    assert not r.verified
    assert review(text="").text == ""


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"rating": 0}, "rating"),
        ({"rating": 11}, "rating"),
        ({"rating": 7.5}, "rating"),
        ({"rating": True}, "rating"),
        ({"text": "x" * (MAX_REVIEW_TEXT + 1)}, "text"),
        ({"text": None}, "text"),
        ({"created_at": datetime(2024, 7, 1)}, "created_at"),
        ({"edited_at": T0 - timedelta(seconds=1)}, "edited_at"),
        ({"review_id": ""}, "review_id"),
        ({"verified": "yes"}, "verified"),
    ],
)
def test_review_rejects_invalid_fields(changes: dict[str, Any], field_name: str) -> None:
    """Ratings outside 1..10, over-long text, naive or backwards times are refused."""
    with pytest.raises(InvalidInput) as info:
        review(**changes)
    assert info.value.field == field_name


def test_text_at_the_limit_is_accepted() -> None:
    """Exactly 5000 characters of text is allowed."""
    assert len(review(text="x" * MAX_REVIEW_TEXT).text) == MAX_REVIEW_TEXT


def test_author_edits_and_the_original_is_untouched() -> None:
    """edit returns a copy with the new values and edited_at; the original is unchanged."""
    r = review(verified=True)
    later = T0 + timedelta(days=1)
    edited = r.edit(by="u-1", at=later, rating=6)
    assert (edited.rating, edited.text, edited.edited_at) == (6, r.text, later)
    assert edited.verified
    assert r.rating == 8
    assert r.edit(by="u-1", at=later, text=" Meh ").text == "Meh"


def test_only_the_author_may_edit() -> None:
    """Another user editing raises NotReviewAuthor with the review and the user."""
    with pytest.raises(NotReviewAuthor) as info:
        review().edit(by="u-2", at=T0, rating=1)
    assert info.value.code == "not_review_author"
    assert info.value.details() == {"review_id": "r-1", "user_id": "u-2"}


@pytest.mark.parametrize(
    ("kwargs", "field_name"),
    [
        ({"at": T0}, "review"),
        ({"at": T0 - timedelta(minutes=1), "rating": 5}, "at"),
        ({"at": datetime(2024, 7, 2), "rating": 5}, "at"),
        ({"at": T0, "rating": 11}, "rating"),
        ({"at": T0, "text": "x" * (MAX_REVIEW_TEXT + 1)}, "text"),
    ],
)
def test_bad_edits_are_refused(kwargs: dict[str, Any], field_name: str) -> None:
    """Empty edits, edits dated before the last change and invalid values are InvalidInput."""
    with pytest.raises(InvalidInput) as info:
        review().edit(by="u-1", **kwargs)
    assert info.value.field == field_name


def test_edits_cannot_go_back_in_time() -> None:
    """A second edit must not predate the first."""
    once = review().edit(by="u-1", at=T0 + timedelta(hours=2), rating=9)
    with pytest.raises(InvalidInput):
        once.edit(by="u-1", at=T0 + timedelta(hours=1), rating=7)


def test_second_review_by_the_same_user_is_refused() -> None:
    """check_can_add raises ReviewExists with the movie and user; other pairs pass."""
    existing = [review(), review(review_id="r-2", user_id="u-2", movie_id="m-2")]
    with pytest.raises(ReviewExists) as info:
        check_can_add("m-1", "u-1", existing)
    assert info.value.code == "review_exists"
    assert info.value.details() == {"movie_id": "m-1", "user_id": "u-1"}
    check_can_add("m-2", "u-1", existing)
    check_can_add("m-1", "u-2", existing)


@given(st.lists(reviews(), max_size=8), st.sampled_from(("movie-1", "movie-2")), st.data())
def test_check_can_add_refuses_exactly_existing_pairs(
    existing: list[Review], movie_id: str, data: st.DataObject
) -> None:
    """check_can_add raises exactly when a review by that user of that movie exists."""
    user_id = data.draw(st.sampled_from(("user-1", "user-2", "user-3")))
    taken = {(r.movie_id, r.user_id) for r in existing}
    if (movie_id, user_id) in taken:
        with pytest.raises(ReviewExists):
            check_can_add(movie_id, user_id, existing)
    else:
        check_can_add(movie_id, user_id, existing)


class _Status(enum.Enum):
    CHECKED_IN = "CHECKED_IN"


def test_verification_needs_a_confirmed_started_show_of_that_movie() -> None:
    """Only the user's confirmed or checked-in booking of this movie, started by now, verifies."""
    started = T0 - timedelta(hours=3)

    def record(**changes: Any) -> ViewingRecord:
        fields: dict[str, Any] = {
            "user_id": "u-1",
            "movie_id": "m-1",
            "starts_at": started,
            "booking_status": "confirmed",
        }
        fields.update(changes)
        return ViewingRecord(**fields)

    assert is_verified("u-1", "m-1", [record()], T0)
    assert is_verified("u-1", "m-1", [record(booking_status=_Status.CHECKED_IN)], T0)
    assert is_verified("u-1", "m-1", [record(starts_at=T0)], T0)
    assert not is_verified("u-1", "m-1", [record(starts_at=T0 + timedelta(minutes=1))], T0)
    assert not is_verified("u-1", "m-1", [record(booking_status="cancelled")], T0)
    assert not is_verified("u-1", "m-1", [record(booking_status="pending")], T0)
    assert not is_verified("u-1", "m-1", [record(movie_id="m-2")], T0)
    assert not is_verified("u-1", "m-1", [record(user_id="u-2")], T0)
    assert not is_verified("u-1", "m-1", [], T0)
    with pytest.raises(InvalidInput):
        is_verified("u-1", "m-1", [], datetime(2024, 7, 1))


@given(
    st.lists(viewing_records(), max_size=6),
    st.lists(viewing_records(), max_size=3),
    aware_datetimes(),
    st.integers(0, 10_000),
)
def test_verification_is_monotone(
    records: list[ViewingRecord], more: list[ViewingRecord], now: datetime, wait: int
) -> None:
    """Once verified, a user stays verified later and with more bookings listed."""
    if is_verified("user-1", "movie-1", records, now):
        assert is_verified("user-1", "movie-1", records, now + timedelta(minutes=wait))
        assert is_verified("user-1", "movie-1", records + more, now)


def test_write_review_checks_uniqueness_and_sets_verified() -> None:
    """write_review refuses a duplicate and marks a review from a viewer as verified."""
    seen = [ViewingRecord(user_id="u-1", movie_id="m-1", starts_at=T0, booking_status="confirmed")]
    written = write_review(
        review_id="r-1",
        movie_id="m-1",
        user_id="u-1",
        rating=9,
        text="Great",
        now=T0 + timedelta(hours=4),
        existing=[],
        viewings=seen,
    )
    assert written.verified
    assert written.created_at == T0 + timedelta(hours=4)
    with pytest.raises(ReviewExists):
        write_review(
            review_id="r-2",
            movie_id="m-1",
            user_id="u-1",
            rating=3,
            now=T0 + timedelta(hours=5),
            existing=[written],
            viewings=seen,
        )


@given(reviews())
def test_review_round_trips(r: Review) -> None:
    """Rebuilding a valid review from its fields gives an equal review."""
    assert attrs.evolve(r) == r


# ---- RatingSummary -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "average", "shown"),
    [
        ([], None, None),
        ([8], Fraction(8), Decimal("8.0")),
        ([8, 9], Fraction(17, 2), Decimal("8.5")),
        ([8, 8, 9], Fraction(25, 3), Decimal("8.3")),
        ([7, 8, 8, 8], Fraction(31, 4), Decimal("7.8")),
        (
            [1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2],
            Fraction(37, 20),
            Decimal("1.9"),
        ),
        ([10, 10, 9], Fraction(29, 3), Decimal("9.7")),
    ],
)
def test_summary_average_is_exact_and_rounds_half_up(
    values: list[int], average: Fraction | None, shown: Decimal | None
) -> None:
    """The average is an exact Fraction; the shown value rounds half-up to one decimal."""
    summary = RatingSummary.from_ratings(values)
    assert summary.average == average
    assert summary.rounded_average == shown
    if summary.rounded_average is not None:
        assert summary.rounded_average.as_tuple().exponent == -1


def test_summary_histogram_covers_every_rating() -> None:
    """The histogram lists 1..10, zeros included."""
    histogram = RatingSummary.from_ratings([10, 10, 3]).histogram
    assert list(histogram) == list(range(1, 11))
    assert (histogram[10], histogram[3], histogram[5]) == (2, 1, 0)


def test_removing_an_absent_rating_is_refused() -> None:
    """remove and replace of a rating that was never counted raise InvalidInput."""
    summary = RatingSummary.from_ratings([5])
    with pytest.raises(InvalidInput):
        summary.remove(6)
    with pytest.raises(InvalidInput):
        summary.replace(6, 7)
    with pytest.raises(InvalidInput):
        summary.replace(5, 11)
    with pytest.raises(InvalidInput):
        RatingSummary.from_ratings([0])
    with pytest.raises(InvalidInput):
        RatingSummary((1, 2, 3))
    with pytest.raises(InvalidInput):
        RatingSummary((0,) * 9 + (-1,))


ops = st.lists(st.tuples(st.sampled_from(("add", "remove", "replace")), ratings(), ratings()))


@given(st.lists(ratings(), max_size=20), ops)
def test_summary_updates_match_recomputation(start: list[int], steps: list[Any]) -> None:
    """After any add/remove/replace sequence the summary equals one rebuilt from scratch."""
    summary = RatingSummary.from_ratings(start)
    bag = Counter(start)
    for op, a, b in steps:
        if op == "add":
            summary, bag[a] = summary.add(a), bag[a] + 1
        elif bag[a] == 0:
            with pytest.raises(InvalidInput):
                summary.remove(a) if op == "remove" else summary.replace(a, b)
        elif op == "remove":
            summary, bag[a] = summary.remove(a), bag[a] - 1
        else:
            summary = summary.replace(a, b)
            bag[a] -= 1
            bag[b] += 1
        assert summary == RatingSummary.from_ratings(bag.elements())
    rebuilt = list(bag.elements())
    assert summary.count == len(rebuilt) == sum(summary.histogram.values())
    if rebuilt:
        assert summary.average == Fraction(sum(rebuilt), len(rebuilt))
    else:
        assert summary.average is None


@given(st.lists(ratings(), min_size=1, max_size=50))
def test_average_stays_within_the_scale(values: list[int]) -> None:
    """The exact and the rounded averages lie between the lowest and highest rating given."""
    summary = RatingSummary.from_ratings(values)
    assert summary.average is not None
    assert summary.rounded_average is not None
    assert min(values) <= summary.average <= max(values)
    assert 1 <= summary.rounded_average <= 10
    assert abs(
        summary.rounded_average - Decimal(summary.average.numerator) / summary.average.denominator
    ) <= Decimal("0.05")
