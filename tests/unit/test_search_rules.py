"""The search rules every engine shares: analysis, typo tolerance, relevance, query, cursors."""

from __future__ import annotations

import unicodedata
from datetime import date
from decimal import Decimal
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.domain.catalog import Format, MovieStatus
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.search import (
    DEFAULT_STATUSES,
    MAX_OFFSET_WINDOW,
    DateRange,
    MovieDocument,
    SearchQuery,
    ShowFact,
    SortBy,
    analyze,
    decode_cursor,
    edit_distance,
    encode_cursor,
    fold,
    fuzziness,
    highlight,
    score,
    sort_key,
    token_spans,
)

RELEASE = date(2024, 1, 1)


def doc(movie_id: str = "m1", **fields: object) -> MovieDocument:
    """A document with defaults for what the test does not care about."""
    values: dict[str, object] = {"title": "Untitled", "release_date": RELEASE}
    values.update(fields)
    return MovieDocument(movie_id=movie_id, **values)  # type: ignore[arg-type]


def fields_of(**text: object) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Analyzed fields of a document with the given text fields."""
    return doc("m1", **text).analyzed_fields()


# --- analysis ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Amélie", ("amelie",)),
        ("AMELIE", ("amelie",)),
        ("Ame\u0301lie", ("amelie",)),
        ("Spider-Man: No Way Home", ("spider", "man", "no", "way", "home")),
        ("Straße", ("strasse",)),
        ("Ærø", ("aero",)),
        ("Pokémon_2000", ("pokemon", "2000")),
        ("  ", ()),
        ("K.G.F: Chapter 2", ("k", "g", "f", "chapter", "2")),
        ("हिन्दी फ़िल्म", ("हिन्दी", "फ़िल्म")),
        # Tamil's two-part vowel sign decomposes (NFKD), the same way in titles and queries.
        ("காதல் கோட்டை", ("காதல்", unicodedata.normalize("NFKD", "கோட்டை"))),
    ],
)
def test_text_is_folded_and_split_at_non_letters(text: str, tokens: tuple[str, ...]) -> None:
    """Accents and case fold away; vowel signs and viramas of Indian scripts stay inside their
    word; every other non-letter, non-digit separates tokens."""
    assert analyze(text) == tokens


@given(st.text(max_size=40))
def test_folding_is_idempotent_and_analysis_ignores_case(text: str) -> None:
    """Folding twice is folding once, and upper- or lower-casing the text changes no token."""
    assert fold(fold(text)) == fold(text)
    assert analyze(fold(text)) == analyze(text)


@given(st.text(max_size=40))
def test_token_spans_point_at_the_original_words(text: str) -> None:
    """Each span's original text analyzes to its token, and spans come in order."""
    spans = token_spans(text)
    for start, end, token in spans:
        assert token in analyze(text[start:end])
    assert [s[0] for s in spans] == sorted(s[0] for s in spans)


@pytest.mark.parametrize(("term", "edits"), [("a", 0), ("ab", 0), ("abc", 1), ("abcde", 1)])
def test_fuzziness_follows_elasticsearch_auto(term: str, edits: int) -> None:
    """No edit up to two characters, one up to five."""
    assert fuzziness(term) == edits


@given(st.text(min_size=6, max_size=30))
def test_six_characters_or_more_allow_two_edits(term: str) -> None:
    """Six characters or more allow two edits."""
    assert fuzziness(term) == 2


def _osa_reference(a: str, b: str) -> int:
    """The textbook optimal-string-alignment recurrence, written independently."""
    d = {(i, j): 0 for i, j in product(range(len(a) + 1), range(len(b) + 1))}
    for i in range(len(a) + 1):
        d[i, 0] = i
    for j in range(len(b) + 1):
        d[0, j] = j
    for i, j in product(range(1, len(a) + 1), range(1, len(b) + 1)):
        cost = int(a[i - 1] != b[j - 1])
        d[i, j] = min(d[i - 1, j] + 1, d[i, j - 1] + 1, d[i - 1, j - 1] + cost)
        if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
            d[i, j] = min(d[i, j], d[i - 2, j - 2] + 1)
    return d[len(a), len(b)]


@given(st.text("abcd", max_size=7), st.text("abcd", max_size=7), st.integers(0, 3))
def test_edit_distance_is_optimal_string_alignment(a: str, b: str, limit: int) -> None:
    """The distance equals the reference recurrence; with a limit, anything above is limit+1."""
    exact = _osa_reference(a, b)
    assert edit_distance(a, b) == exact
    assert edit_distance(a, b, limit) == min(exact, limit + 1)


def test_a_transposition_is_one_edit() -> None:
    """Swapping two adjacent letters costs one edit, so 'knigth' is one edit from 'knight'."""
    assert edit_distance("knigth", "knight") == 1
    assert edit_distance("ca", "abc") == 3  # each substring edited once (not true Damerau)


# --- relevance -----------------------------------------------------------------------------------


def test_scores_add_the_best_match_of_each_term() -> None:
    """Exact title (3x2) plus fuzzy cast (2x1)."""
    fields = fields_of(title="Dark Knight", cast=("Christian Bale",))
    assert score(("dark", "bael"), fields) == 6 + 2


def test_every_term_must_match_somewhere() -> None:
    """A term found in no field means no hit; no terms means score 0 for every document."""
    fields = fields_of(title="Dark Knight")
    assert score(("dark", "zebra"), fields) is None
    assert score((), fields) == 0


def test_a_phrase_adds_four_times_the_best_fields_boost() -> None:
    """Consecutive exact tokens in one field add boost x 4, once, for the best field."""
    fields = fields_of(title="Shah Rukh Returns", cast=("Shah Rukh Khan",))
    assert score(("shah", "rukh"), fields) == 6 + 6 + 3 * 4


def test_a_phrase_never_spans_two_cast_members() -> None:
    """The end of one name and the start of the next are not a phrase."""
    fields = fields_of(cast=("Aamir Shah", "Rukh Khan"))
    assert score(("shah", "rukh"), fields) == 4 + 4


def test_exact_beats_fuzzy_in_the_same_field() -> None:
    """An exact title match scores more than a fuzzy one."""
    exact = score(("knight",), fields_of(title="Knight"))
    fuzzy = score(("knight",), fields_of(title="Kniggt"))
    assert exact is not None
    assert fuzzy is not None
    assert exact > fuzzy


def test_short_terms_get_no_typo_tolerance() -> None:
    """A two-letter term must match exactly."""
    assert score(("up",), fields_of(title="Us")) is None
    assert score(("up",), fields_of(title="Up")) == 6


@given(st.lists(st.sampled_from(["dark", "knight", "rises", "bale"]), min_size=1, max_size=3))
def test_scores_are_bounded_by_the_best_possible(terms: list[str]) -> None:
    """No document scores above every term exact in the title plus a title phrase."""
    fields = fields_of(title="The Dark Knight Rises", cast=("Christian Bale",))
    found = score(terms, fields)
    assert found is not None
    assert found <= 6 * len(terms) + (12 if len(terms) > 1 else 0)


# --- highlight -----------------------------------------------------------------------------------


def test_highlight_wraps_exact_and_fuzzy_words_and_escapes_html() -> None:
    """Matched words (typos included) are wrapped; the rest of the title is HTML-escaped."""
    assert highlight("Tom & Jerry", ("tom",)) == "<em>Tom</em> &amp; Jerry"
    assert highlight("The Dark Knight", ("drak", "kinght")) == "The <em>Dark</em> <em>Knight</em>"
    assert highlight("Amélie", ("amelie",)) == "<em>Amélie</em>"
    assert highlight("Up", ("down",)) is None


# --- the query -----------------------------------------------------------------------------------


def test_query_defaults_hide_inactive_movies_and_page_by_twenty() -> None:
    """An empty query matches everything active or coming soon, twenty at a time, by relevance."""
    query = SearchQuery()
    assert query.statuses == DEFAULT_STATUSES
    assert MovieStatus.INACTIVE not in query.statuses
    assert (query.page_size, query.offset, query.sort) == (20, 0, SortBy.RELEVANCE)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"page_size": 0},
        {"page_size": 101},
        {"offset": -1},
        {"offset": MAX_OFFSET_WINDOW},
        {"text": "x" * 201},
        {"text": " ".join(["word"] * 17)},
        {"min_rating": Decimal("0.5")},
        {"min_rating": 11},
        {"min_rating": 7.5},
        {"statuses": []},
        {"formats": ["8K"]},
        {"genres": "drama"},
        {"genres": [""]},
        {"sort": "random"},
        {"facets": ["cast"]},
        {"cursor": "not-a-cursor"},
        {"cursor": encode_cursor(SortBy.RELEVANCE, (0, 0, "m1")), "offset": 20},
        {"city_id": ""},
    ],
)
def test_bad_queries_are_refused_with_a_field(kwargs: dict[str, object]) -> None:
    """Every malformed part of a query is an InvalidInput naming it."""
    with pytest.raises(InvalidInput):
        SearchQuery(**kwargs)  # type: ignore[arg-type]


def test_filters_are_folded_and_shows_must_match_together() -> None:
    """Genre filters ignore case and accents; city, dates and formats must hold for one show."""
    shows = (
        ShowFact(show_id="s1", city_id="blr", date=date(2030, 1, 5), format=Format.IMAX),
        ShowFact(show_id="s2", city_id="mum", date=date(2030, 1, 6), format="2D"),
    )
    movie = doc(genres=("Drama", "Comédie"), languages=("Hindi",), shows=shows)
    assert SearchQuery(genres=["COMEDIE"]).matches_filters(movie)
    assert SearchQuery(city_id="blr", formats=["IMAX"]).matches_filters(movie)
    assert not SearchQuery(city_id="blr", formats=["2D"]).matches_filters(movie)
    day = DateRange(start=date(2030, 1, 6), end=date(2030, 1, 7))
    assert SearchQuery(city_id="mum", dates=day).matches_filters(movie)
    assert not SearchQuery(city_id="blr", dates=day).matches_filters(movie)


def test_date_ranges_are_ordered_and_bounded() -> None:
    """The end is not before the start and a range spans at most 366 days."""
    with pytest.raises(InvalidInput):
        DateRange(start=date(2030, 1, 2), end=date(2030, 1, 1))
    with pytest.raises(InvalidInput):
        DateRange(start=date(2030, 1, 1), end=date(2031, 6, 1))


# --- ordering and cursors ------------------------------------------------------------------------


@given(
    st.sampled_from(list(SortBy)),
    st.integers(0, 100),
    st.one_of(st.none(), st.decimals(min_value=1, max_value=10, places=1)),
    st.integers(0, 10**6),
)
def test_a_cursor_round_trips_its_sort_key(
    sort: SortBy, hit_score: int, rating: Decimal | None, popularity: int
) -> None:
    """Decoding a cursor gives back exactly the key it was made from, for its sort only."""
    document = doc(rating=rating, popularity=popularity)
    key = sort_key(sort, document, hit_score)
    cursor = encode_cursor(sort, key)
    assert decode_cursor(cursor, sort) == key
    other = next(s for s in SortBy if s is not sort)
    with pytest.raises(InvalidInput):
        decode_cursor(cursor, other)


def test_rating_order_puts_unrated_movies_last() -> None:
    """Sorting by rating: high first, unrated after every rated movie, then by popularity."""
    rated = doc("a", rating=Decimal("6.0"))
    better = doc("b", rating=Decimal("9.1"), popularity=1)
    unrated = doc("c", popularity=10**6)
    keys = sorted([rated, better, unrated], key=lambda d: sort_key(SortBy.RATING, d, 0))
    assert [d.movie_id for d in keys] == ["b", "a", "c"]


def test_indian_titles_match_typed_either_way() -> None:
    """A precomposed and a decomposed nukta fold to the same token, and a typo still matches."""
    title = fields_of(title="फ़िल्म")
    assert score(analyze("फ़िल्म"), title) == 6
    assert score(analyze("\u092b\u093c\u093f\u0932\u094d\u092e"), title) == 6
    assert score(analyze("फिल्म"), title) == 3  # the nukta left out: one edit


def test_rating_keys_order_ratings_beyond_the_decimal_context_exactly() -> None:
    """Ratings that differ only past 28 significant digits still sort apart, higher first, and
    the cursor round-trips the exact key."""
    low = doc("m1", rating=Decimal("10000000000000000000000000001"))
    high = doc("m2", rating=Decimal("10000000000000000000000000002"))
    low_key = sort_key(SortBy.RATING, low, 0)
    high_key = sort_key(SortBy.RATING, high, 0)
    assert high_key < low_key
    assert decode_cursor(encode_cursor(SortBy.RATING, low_key), SortBy.RATING) == low_key
