"""Movies: validation, normalisation and pure transitions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.domain.catalog import (
    Certificate,
    Format,
    Movie,
    MovieStatus,
    clean_text,
    parse_enum,
    require_id,
)
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.reviews import RatingSummary
from bookmyshow.testing.strategies.catalog import LANGUAGES, movies, ratings


def movie(**changes: Any) -> Movie:
    fields: dict[str, Any] = {
        "movie_id": "m-1",
        "title": "Jawan",
        "languages": ("Hindi", "Tamil"),
        "duration": timedelta(minutes=169),
        "release_date": date(2023, 9, 7),
        "certificate": Certificate.UA,
        "formats": frozenset({Format.TWO_D, Format.IMAX}),
    }
    fields.update(changes)
    return Movie(**fields)


def test_movie_normalises_text_lists_and_enums() -> None:
    """Titles are stripped, list fields become tuples without case-duplicates, enums are parsed."""
    m = movie(
        title="  Jawan \n",
        languages=["Hindi", " hindi ", "Tamil"],
        genres=["Action", "ACTION", "Thriller"],
        certificate="A",
        formats={"2D", Format.THREE_D},
        status="coming_soon",
    )
    assert m.title == "Jawan"
    assert m.languages == ("Hindi", "Tamil")
    assert m.genres == ("Action", "Thriller")
    assert m.certificate is Certificate.A
    assert m.formats == frozenset({Format.TWO_D, Format.THREE_D})
    assert m.status is MovieStatus.COMING_SOON


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"movie_id": ""}, "movie_id"),
        ({"movie_id": "has space"}, "movie_id"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"title": "bell\x07"}, "title"),
        ({"languages": ()}, "languages"),
        ({"languages": "Hindi"}, "languages"),
        ({"languages": ("Hindi", "")}, "languages[1]"),
        ({"duration": timedelta(0)}, "duration"),
        ({"duration": timedelta(seconds=59)}, "duration"),
        ({"duration": timedelta(hours=8, seconds=1)}, "duration"),
        ({"duration": 120}, "duration"),
        ({"release_date": datetime(2023, 9, 7)}, "release_date"),
        ({"release_date": "2023-09-07"}, "release_date"),
        ({"certificate": "R"}, "certificate"),
        ({"formats": frozenset()}, "formats"),
        ({"formats": {"8K"}}, "formats"),
        ({"formats": "2D"}, "formats"),
        ({"status": "deleted"}, "status"),
        ({"rating": Decimal("8.0")}, "rating"),
        ({"rating_count": 3}, "rating"),
        ({"rating": Decimal("8.25"), "rating_count": 4}, "rating"),
        ({"rating": Decimal("0.9"), "rating_count": 1}, "rating"),
        ({"rating": Decimal("10.1"), "rating_count": 1}, "rating"),
        ({"rating": 8, "rating_count": 1}, "rating"),
        ({"rating_count": -1}, "rating_count"),
        ({"popularity": -1}, "popularity"),
        ({"popularity": True}, "popularity"),
    ],
)
def test_movie_rejects_invalid_fields(changes: dict[str, Any], field_name: str) -> None:
    """Each malformed field is refused with InvalidInput naming that field."""
    with pytest.raises(InvalidInput) as info:
        movie(**changes)
    assert info.value.field == field_name
    assert info.value.code == "invalid_input"


def test_duration_bounds_are_inclusive() -> None:
    """One minute and eight hours are both valid durations."""
    assert movie(duration=timedelta(minutes=1)).duration == timedelta(minutes=1)
    assert movie(duration=timedelta(hours=8)).duration == timedelta(hours=8)


@given(movies())
def test_normalisation_is_idempotent(m: Movie) -> None:
    """Rebuilding a valid movie from its own fields gives an equal movie."""
    assert attrs.evolve(m) == m
    assert hash(attrs.evolve(m)) == hash(m)


@given(movies(), st.lists(ratings(), max_size=30))
def test_with_rating_copies_the_rounded_summary(m: Movie, values: list[int]) -> None:
    """with_rating copies the summary's rounded average and count; the original is unchanged."""
    summary = RatingSummary.from_ratings(values)
    rated = m.with_rating(summary)
    assert rated.rating == summary.rounded_average
    assert rated.rating_count == len(values)
    assert (rated.rating is None) == (not values)
    assert m.rating is None
    assert attrs.evolve(rated, rating=None, rating_count=0) == m


@given(movies())
def test_retire_makes_a_movie_unschedulable_without_touching_the_original(m: Movie) -> None:
    """retire returns an inactive copy; activate makes it schedulable again."""
    retired = m.retire()
    assert retired.status is MovieStatus.INACTIVE
    assert not retired.schedulable
    assert retired.activate().schedulable
    assert attrs.evolve(retired, status=m.status) == m


def test_coming_soon_movies_are_schedulable() -> None:
    """Advance booking: a coming-soon movie can get shows; an inactive one cannot."""
    assert movie(status=MovieStatus.COMING_SOON).schedulable
    assert not movie(status=MovieStatus.INACTIVE).schedulable


def test_with_popularity_validates() -> None:
    """A negative popularity is refused; a valid one is copied."""
    assert movie().with_popularity(42).popularity == 42
    with pytest.raises(InvalidInput):
        movie().with_popularity(-5)


@given(movies(), st.sampled_from(LANGUAGES), st.sampled_from([str.lower, str.upper, str.title]))
def test_speaks_ignores_case_and_returns_the_movie_spelling(
    m: Movie, language: str, case: Any
) -> None:
    """speaks finds a language whatever its case and answers with the movie's own spelling."""
    found = m.speaks(f" {case(language)} ")
    if language in m.languages:
        assert found == language
    else:
        assert found is None


@given(movies(), st.dates(date(2019, 1, 1), date(2026, 1, 1)))
def test_is_released_on_and_after_the_release_date(m: Movie, day: date) -> None:
    """A movie is released on its release date and every day after."""
    assert m.is_released(day) == (day >= m.release_date)


def test_clean_text_strips_and_checks() -> None:
    """clean_text strips, allows newlines inside, and refuses empties and over-long text."""
    assert clean_text("  a\nb  ", "x", max_length=5) == "a\nb"
    assert clean_text("  ", "x", max_length=5, allow_empty=True) == ""
    for bad in ("", "   ", "abcdef", 7):
        with pytest.raises(InvalidInput):
            clean_text(bad, "x", max_length=5)


def test_clean_text_keeps_indic_joiners_and_emoji() -> None:
    """Zero-width joiners used by Indic scripts and emoji are text, not control characters."""
    for text in ("ന്\u200dമ", "क्\u200cष", "👨\u200d👩\u200d👧", "Premam\r\nസിനിമ"):
        assert clean_text(text, "x", max_length=50) == text


def test_require_id_rules() -> None:
    """Ids are non-empty strings up to 128 characters without whitespace."""
    assert require_id("show-1", "id") == "show-1"
    for bad in ("", " a", "a\tb", "x" * 129, None, 5):
        with pytest.raises(InvalidInput):
            require_id(bad, "id")


def test_parse_enum_accepts_members_and_values_only() -> None:
    """parse_enum takes members and their values; other types and unknown values are refused."""
    assert parse_enum(Format, "IMAX", "f") is Format.IMAX
    assert parse_enum(Format, Format.FOUR_DX, "f") is Format.FOUR_DX
    for bad in ("imax", 2, None):
        with pytest.raises(InvalidInput) as info:
            parse_enum(Format, bad, "f")
        assert info.value.field == "f"
