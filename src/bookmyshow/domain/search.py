"""Movie search as rules: text analysis, relevance, and the query, document and result models.

Every search engine behind :class:`bookmyshow.ports.search.MovieSearch` — the in-memory one and
Elasticsearch — answers by these rules, so a query gives the same hits in the same order whichever
engine serves it.  The rules are chosen so that Elasticsearch can reproduce them exactly with
``constant_score`` and ``dis_max`` clauses (see ``docs/search.md``): scores are small integers,
not term statistics.

Text analysis (:func:`analyze`)
    Text is folded — Unicode NFKD, diacritical marks removed (the combining marks of the generic
    diacritics blocks, U+0300-036F, U+1AB0-1AFF, U+1DC0-1DFF, U+20D0-20FF, U+FE20-FE2F; the vowel
    signs and viramas of Indian scripts are letters' parts and stay), a few letters that do not
    decompose mapped (``ø→o``, ``æ→ae``, ``œ→oe``, ``đ→d``, ``ł→l``, ``þ→th``), then case-folded
    (``ß→ss``) — and split into tokens at every character that is not a letter, a digit or a
    combining mark.  "Amélie" and "AMELIE" are both the token ``amelie``; "Spider-Man" is
    ``spider``, ``man``; "हिन्दी" stays one token.

Matching and typo tolerance
    A query term matches a field *exactly* when the field has that token, and *fuzzily* when it
    has a token within the term's :func:`fuzziness` — Elasticsearch's ``fuzziness: AUTO``: no edit
    for terms of 1-2 characters, one for 3-5, two for 6 or more — counting insertions, deletions,
    substitutions and transpositions of adjacent characters (optimal string alignment,
    :func:`edit_distance`).  Every query term must match in at least one field.

Relevance (:func:`score`)
    Fields and boosts: title 3, cast 2, director 2, description 1 (:data:`FIELD_BOOSTS`).  Each
    query term scores the best of its matches: ``boost * 2`` for an exact match, ``boost * 1`` for
    a fuzzy one (so an exact match outranks a fuzzy match in the same field).  A query of two or
    more terms that occurs as a phrase — the exact tokens, consecutive, within one title, one cast
    member's name, the director or the description — adds ``boost * 4`` for the best such field.
    The score is the sum.  Hits are ordered by score, then popularity, then movie id; with no text
    every movie scores 0 and the order is by popularity.

The query (:class:`SearchQuery`) filters by genres (any of), languages (any of), a city and a
date range and formats of shows (one and the same show must satisfy all three), a minimum rating
and statuses; sorts by relevance, rating, release date or popularity; pages by offset or by an
opaque cursor; and asks for facet counts (genres, languages, formats) over every matching movie.
"""

from __future__ import annotations

import base64
import binascii
import enum
import functools
import html
import json
import re
import sys
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Final

from attrs import field, frozen

from bookmyshow.domain.catalog import Format, Movie, MovieStatus, parse_enum, require_id
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.validation import require_collection, require_count, require_instance

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_STATUSES",
    "EXACT_WEIGHT",
    "FIELD_BOOSTS",
    "FUZZY_WEIGHT",
    "MAX_OFFSET_WINDOW",
    "MAX_PAGE_SIZE",
    "MAX_QUERY_LENGTH",
    "MAX_QUERY_TERMS",
    "MAX_SUGGESTIONS",
    "PHRASE_WEIGHT",
    "DateRange",
    "Facet",
    "FacetCount",
    "MovieDocument",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "ShowFact",
    "SortBy",
    "Suggestion",
    "analyze",
    "decode_cursor",
    "edit_distance",
    "encode_cursor",
    "fold",
    "fuzziness",
    "highlight",
    "score",
    "sort_key",
    "token_spans",
]

FIELD_BOOSTS: Final[Mapping[str, int]] = MappingProxyType(
    {"title": 3, "cast": 2, "director": 2, "description": 1}
)
"""How much a match in each text field counts."""
EXACT_WEIGHT: Final = 2
"""A term found exactly in a field scores ``boost * EXACT_WEIGHT``."""
FUZZY_WEIGHT: Final = 1
"""A term found only within its fuzziness scores ``boost * FUZZY_WEIGHT``."""
PHRASE_WEIGHT: Final = 4
"""A multi-term query found as a phrase in a field adds ``boost * PHRASE_WEIGHT``."""

MAX_QUERY_LENGTH: Final = 200
"""The longest text query, in characters."""
MAX_QUERY_TERMS: Final = 16
"""The most terms a text query may have."""
DEFAULT_PAGE_SIZE: Final = 20
MAX_PAGE_SIZE: Final = 100
MAX_OFFSET_WINDOW: Final = 10_000
"""``offset + page_size`` may not exceed this (Elasticsearch's ``max_result_window``); page
deeper with a cursor."""
MAX_SUGGESTIONS: Final = 20
MAX_DATE_SPAN: Final = timedelta(days=366)

DEFAULT_STATUSES: Final = frozenset({MovieStatus.ACTIVE, MovieStatus.COMING_SOON})
"""Statuses searched unless the query names others: inactive (retired) movies are hidden."""

_TEXT_FIELDS: Final = tuple(FIELD_BOOSTS)
_EXTRA_FOLDS: Final = str.maketrans(
    {"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "đ": "d", "Đ": "D"}
    | {"ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "\u0131": "i"}
)
_FOLD_ROUNDS: Final = 4
_DIACRITICS: Final = (
    (0x0300, 0x036F),
    (0x1AB0, 0x1AFF),
    (0x1DC0, 0x1DFF),
    (0x20D0, 0x20FF),
    (0xFE20, 0xFE2F),
)


# str.translate with a table is C-speed; these marks are deleted, the extra letters mapped.
_FOLD_TABLE: Final[dict[int, str | None]] = {
    **{point: None for low, high in _DIACRITICS for point in range(low, high + 1)},
    **_EXTRA_FOLDS,
}


@functools.cache
def _token_pattern() -> re.Pattern[str]:
    """Letters, digits and combining marks make tokens; anything else separates them.

    Python's ``\\w`` has no marks (an Indian vowel sign would split a word), so the marks are
    listed as ranges, once, on first use.
    """
    ranges: list[tuple[int, int]] = []
    for point in range(sys.maxunicode + 1):
        if unicodedata.category(chr(point)).startswith("M"):
            if ranges and ranges[-1][1] == point - 1:
                ranges[-1] = (ranges[-1][0], point)
            else:
                ranges.append((point, point))
    marks = "".join(
        re.escape(chr(low)) if low == high else f"{re.escape(chr(low))}-{re.escape(chr(high))}"
        for low, high in ranges
    )
    return re.compile(rf"(?:[^\W_]|[{marks}])+")


def _word_char(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char).startswith("M")


# --- analysis ------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """``text`` without accents and case: NFKD, diacritical marks dropped, extra letters mapped,
    case-folded.  Raises :class:`InvalidInput` for a non-string."""
    if not isinstance(text, str):
        raise InvalidInput(field="text", reason="must be a string")
    if text.isascii():
        return text.lower()  # ASCII has no marks to drop, and casefold is lower there
    # Case folding can produce marks (dotted capital I -> "i" + a dot) and decomposition
    # upper-case letters (black-letter H -> "H"), so the steps repeat until nothing changes.
    current = text
    for _ in range(_FOLD_ROUNDS):
        decomposed = unicodedata.normalize("NFKD", current.casefold())
        folded = decomposed.translate(_FOLD_TABLE).casefold()
        if folded == current:
            break
        current = folded
    return current


def analyze(text: str) -> tuple[str, ...]:
    """The tokens of ``text``: folded runs of letters, digits and marks, in order."""
    return tuple(_token_pattern().findall(fold(text)))


def token_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    """Each token of ``text`` with its ``(start, end)`` in the original text, for highlighting.

    A run of letters, digits and combining marks of the original text is folded on its own; if
    folding splits it (a character whose decomposition holds a separator) each part keeps the
    run's span.
    """
    if not isinstance(text, str):
        raise InvalidInput(field="text", reason="must be a string")
    spans: list[tuple[int, int, str]] = []
    start: int | None = None
    for index, char in enumerate([*text, " "]):
        inside = _word_char(char)
        if inside and start is None:
            start = index
        elif not inside and start is not None:
            spans.extend((start, index, token) for token in analyze(text[start:index]))
            start = None
    return tuple(spans)


def _strings(values: Iterable[str], name: str) -> tuple[str, ...]:
    require_collection(values, name)
    out = tuple(values)
    if not all(isinstance(v, str) for v in out):
        raise InvalidInput(field=name, reason="must be strings")
    return out


def _require_str(value: object, name: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(field=name, reason="must be a string")
    return value


def fuzziness(term: str) -> int:
    """Edits allowed for ``term`` (Elasticsearch ``AUTO``): 0 up to 2 characters, 1 up to 5,
    else 2.  Raises :class:`InvalidInput` for a non-string."""
    length = len(_require_str(term, "term"))
    if length <= 2:
        return 0
    if length <= 5:
        return 1
    return 2


def edit_distance(a: str, b: str, limit: int | None = None) -> int:
    """Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent
    transpositions, each substring edited once.

    With ``limit``, any distance above it is reported as ``limit + 1`` (and found faster).
    Raises :class:`InvalidInput` for non-strings or a negative limit.
    """
    _require_str(a, "a")
    _require_str(b, "b")
    if limit is not None:
        require_count(limit, "limit")
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    if a == b:
        return 0
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, previous2[j - 2] + 1)
            current[j] = value
        if limit is not None and min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    distance = previous[-1]
    return distance if limit is None else min(distance, limit + 1)


# --- relevance -----------------------------------------------------------------------------------


def _term_weight(term: str, sequences: Sequence[Sequence[str]]) -> int:
    """EXACT_WEIGHT, FUZZY_WEIGHT or 0: how ``term`` matches one field's token sequences."""
    allowed = fuzziness(term)
    fuzzy = False
    for tokens in sequences:
        for token in tokens:
            if token == term:
                return EXACT_WEIGHT
            if allowed and not fuzzy and edit_distance(term, token, allowed) <= allowed:
                fuzzy = True
    return FUZZY_WEIGHT if fuzzy else 0


def _has_phrase(terms: Sequence[str], sequences: Sequence[Sequence[str]]) -> bool:
    size = len(terms)
    return any(
        tuple(tokens[i : i + size]) == tuple(terms)
        for tokens in sequences
        for i in range(len(tokens) - size + 1)
    )


def score(terms: Sequence[str], fields: Mapping[str, Sequence[Sequence[str]]]) -> int | None:
    """The relevance of a document whose analyzed text ``fields`` are given, for query ``terms``.

    ``fields`` maps each name of :data:`FIELD_BOOSTS` to the token sequences of that field (one
    per cast member; one for each other field).  Returns ``None`` when some term matches no field
    (the document is not a hit), else the score described in the module documentation; ``0`` for
    no terms.  Raises :class:`InvalidInput` for terms or fields of the wrong shape.
    """
    terms = _strings(terms, "terms")
    if not isinstance(fields, Mapping):
        raise InvalidInput(field="fields", reason="a mapping of field name to token sequences")
    for name, sequences in fields.items():
        if name not in FIELD_BOOSTS:
            raise InvalidInput(field="fields", reason=f"unknown field {name!r}")
        require_collection(sequences, "fields")
        for tokens in sequences:
            _strings(tokens, "fields")
    total = 0
    for term in terms:
        best = max(
            (
                FIELD_BOOSTS[name] * _term_weight(term, fields.get(name, ()))
                for name in _TEXT_FIELDS
            ),
            default=0,
        )
        if best == 0:
            return None
        total += best
    if len(terms) >= 2:
        total += max(
            (
                FIELD_BOOSTS[name] * PHRASE_WEIGHT
                for name in _TEXT_FIELDS
                if _has_phrase(terms, fields.get(name, ()))
            ),
            default=0,
        )
    return total


def highlight(title: str, terms: Sequence[str]) -> str | None:
    """The title, HTML-escaped, with every word matching a query term (exactly or within its
    fuzziness) wrapped in ``<em>…</em>``; ``None`` when no word of the title matches.
    Raises :class:`InvalidInput` for a non-string title or terms."""
    terms = _strings(terms, "terms")
    spans = token_spans(title)
    marked: list[tuple[int, int]] = []
    for start, end, token in spans:
        hit = any(edit_distance(term, token, fuzziness(term)) <= fuzziness(term) for term in terms)
        if hit and (not marked or marked[-1] != (start, end)):
            marked.append((start, end))
    if not marked:
        return None
    out: list[str] = []
    cursor = 0
    for start, end in marked:
        out.append(html.escape(title[cursor:start]))
        out.append(f"<em>{html.escape(title[start:end])}</em>")
        cursor = end
    out.append(html.escape(title[cursor:]))
    return "".join(out)


# --- documents -----------------------------------------------------------------------------------


def _format(value: Format | str) -> Format:
    return parse_enum(Format, value, "format")


@frozen(kw_only=True)
class ShowFact:
    """A scheduled show of a movie, as search sees it: where, on which local date, in what format.

    ``date`` is the show's start date in its theater's time zone.  Raises :class:`InvalidInput`
    for an empty id, a date that is not a ``date``, or an unknown format.
    """

    show_id: str
    city_id: str
    date: date
    format: Format = field(converter=_format)

    def __attrs_post_init__(self) -> None:
        require_id(self.show_id, "show_id")
        require_id(self.city_id, "city_id")
        _require_date(self.date, "date")


def _require_date(value: object, name: str) -> date:
    # datetime is a date too, but a show's local day is a calendar day.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidInput(field=name, reason="must be a date")
    return value


def _shows(values: Iterable[ShowFact]) -> tuple[ShowFact, ...]:
    require_collection(values, "shows")
    shows = tuple(values)
    for show in shows:
        require_instance(show, ShowFact, "shows")
    ids = [s.show_id for s in shows]
    if len(set(ids)) != len(ids):
        raise InvalidInput(field="shows", reason="a show appears twice")
    return tuple(sorted(shows, key=lambda s: s.show_id))


@frozen(kw_only=True)
class MovieDocument:
    """What the search index holds for one movie: its catalog fields and its shows.

    Build it with :meth:`from_movie`.  Raises :class:`InvalidInput` for fields of the wrong type.
    """

    movie_id: str
    title: str
    cast: tuple[str, ...] = ()
    director: str = ""
    description: str = ""
    genres: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    status: MovieStatus = MovieStatus.ACTIVE
    rating: Decimal | None = None
    popularity: int = 0
    release_date: date
    shows: tuple[ShowFact, ...] = field(default=(), converter=_shows)

    def __attrs_post_init__(self) -> None:
        require_id(self.movie_id, "movie_id")
        for name in ("title", "director", "description"):
            if not isinstance(getattr(self, name), str):
                raise InvalidInput(field=name, reason="must be a string")
        for name in ("cast", "genres", "languages"):
            values = getattr(self, name)
            if not isinstance(values, tuple) or not all(isinstance(v, str) for v in values):
                raise InvalidInput(field=name, reason="must be a tuple of strings")
        object.__setattr__(self, "status", parse_enum(MovieStatus, self.status, "status"))
        # A NaN would make every comparison of sort keys and every rating filter raise.
        if self.rating is not None and (
            not isinstance(self.rating, Decimal) or not self.rating.is_finite()
        ):
            raise InvalidInput(field="rating", reason="a finite Decimal or None")
        require_count(self.popularity, "popularity")
        _require_date(self.release_date, "release_date")

    @classmethod
    def from_movie(cls, movie: Movie, shows: Iterable[ShowFact] = ()) -> MovieDocument:
        """The document of ``movie`` with ``shows``; raises InvalidInput for a non-Movie."""
        require_instance(movie, Movie, "movie")
        return cls(
            movie_id=movie.movie_id,
            title=movie.title,
            cast=tuple(movie.cast),
            director=movie.director,
            description=movie.description,
            genres=tuple(movie.genres),
            languages=tuple(movie.languages),
            status=movie.status,
            rating=movie.rating,
            popularity=movie.popularity,
            release_date=movie.release_date,
            shows=shows,  # the converter checks and sorts them
        )

    def analyzed_fields(self) -> dict[str, tuple[tuple[str, ...], ...]]:
        """The text fields as token sequences, as :func:`score` takes them."""
        return {
            "title": (analyze(self.title),),
            "cast": tuple(analyze(name) for name in self.cast),
            "director": (analyze(self.director),),
            "description": (analyze(self.description),),
        }


# --- the query -----------------------------------------------------------------------------------


class SortBy(enum.StrEnum):
    """Result orders; every one ends with the movie id, so the order is total.

    * ``RELEVANCE``: score, then popularity (both high first);
    * ``RATING``: rating (unrated last), then popularity;
    * ``RELEASE_DATE``: newest first, then popularity;
    * ``POPULARITY``: most popular first.
    """

    RELEVANCE = "relevance"
    RATING = "rating"
    RELEASE_DATE = "release_date"
    POPULARITY = "popularity"


class Facet(enum.StrEnum):
    """Facets a query can ask to count."""

    GENRES = "genres"
    LANGUAGES = "languages"
    FORMATS = "formats"


@frozen(kw_only=True)
class DateRange:
    """Local show dates from ``start`` to ``end``, both included, at most 366 days apart.

    Raises :class:`InvalidInput` for non-dates, an end before the start, or a longer span.
    """

    start: date
    end: date

    def __attrs_post_init__(self) -> None:
        _require_date(self.start, "dates.start")
        _require_date(self.end, "dates.end")
        if self.end < self.start:
            raise InvalidInput(field="dates", reason="the end is before the start")
        if self.end - self.start > MAX_DATE_SPAN:
            raise InvalidInput(field="dates", reason="at most 366 days")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


def _folded_set(values: Iterable[str], name: str) -> frozenset[str]:
    require_collection(values, name)
    out: set[str] = set()
    for value in values:
        if not isinstance(value, str) or not fold(value).strip():
            raise InvalidInput(field=name, reason="non-empty strings")
        out.add(fold(value).strip())
    return frozenset(out)


def _genres(values: Iterable[str]) -> frozenset[str]:
    return _folded_set(values, "genres")


def _languages(values: Iterable[str]) -> frozenset[str]:
    return _folded_set(values, "languages")


def _sort(value: SortBy | str) -> SortBy:
    return parse_enum(SortBy, value, "sort")


def _formats(values: Iterable[Format | str]) -> frozenset[Format]:
    require_collection(values, "formats")
    return frozenset(parse_enum(Format, v, "formats") for v in values)


def _statuses(values: Iterable[MovieStatus | str]) -> frozenset[MovieStatus]:
    require_collection(values, "statuses")
    statuses = frozenset(parse_enum(MovieStatus, v, "statuses") for v in values)
    if not statuses:
        raise InvalidInput(field="statuses", reason="at least one status")
    return statuses


def _facets(values: Iterable[Facet | str]) -> frozenset[Facet]:
    require_collection(values, "facets")
    return frozenset(parse_enum(Facet, v, "facets") for v in values)


def _rating(value: Decimal | str | int | None) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        raise InvalidInput(field="min_rating", reason="a Decimal from 1 to 10")
    try:
        rating = Decimal(value)
    except InvalidOperation:
        raise InvalidInput(field="min_rating", reason="a Decimal from 1 to 10") from None
    if not rating.is_finite() or not Decimal(1) <= rating <= Decimal(10):
        raise InvalidInput(field="min_rating", reason="a Decimal from 1 to 10")
    return rating


@frozen(kw_only=True)
class SearchQuery:
    """A movie search: text, filters, order, page and facets.

    ``text`` (at most 200 characters and 16 terms) is matched as the module describes; empty
    text matches every movie.  Filters combine with AND; within ``genres``, ``languages`` and
    ``formats`` any value matches (compared folded).  ``city_id``, ``dates`` and ``formats``
    describe shows: a movie matches when *one* of its shows is in that city, on a local date in
    the range and in one of the formats.  ``min_rating`` keeps rated movies at or above it.
    ``statuses`` defaults to active and coming-soon movies.  A page is ``page_size`` hits (1 to
    100) after ``offset`` (``offset + page_size`` at most 10,000), or after the hit a previous
    result's ``next_cursor`` names (then ``offset`` must be 0).  Raises :class:`InvalidInput`.
    """

    text: str = ""
    genres: frozenset[str] = field(default=frozenset(), converter=_genres)
    languages: frozenset[str] = field(default=frozenset(), converter=_languages)
    city_id: str | None = None
    dates: DateRange | None = None
    formats: frozenset[Format] = field(default=frozenset(), converter=_formats)
    min_rating: Decimal | None = field(default=None, converter=_rating)
    statuses: frozenset[MovieStatus] = field(default=DEFAULT_STATUSES, converter=_statuses)
    sort: SortBy = field(default=SortBy.RELEVANCE, converter=_sort)
    page_size: int = DEFAULT_PAGE_SIZE
    offset: int = 0
    cursor: str | None = None
    facets: frozenset[Facet] = field(default=frozenset(), converter=_facets)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.text, str) or len(self.text) > MAX_QUERY_LENGTH:
            raise InvalidInput(field="text", reason=f"a string of at most {MAX_QUERY_LENGTH}")
        if len(self.terms) > MAX_QUERY_TERMS:
            raise InvalidInput(field="text", reason=f"at most {MAX_QUERY_TERMS} words")
        if self.city_id is not None:
            require_id(self.city_id, "city_id")
        if self.dates is not None:
            require_instance(self.dates, DateRange, "dates")
        size = require_count(self.page_size, "page_size", minimum=1)
        if size > MAX_PAGE_SIZE:
            raise InvalidInput(field="page_size", reason=f"at most {MAX_PAGE_SIZE}")
        offset = require_count(self.offset, "offset")
        if offset + size > MAX_OFFSET_WINDOW:
            raise InvalidInput(
                field="offset", reason=f"offset + page_size at most {MAX_OFFSET_WINDOW}"
            )
        if self.cursor is not None:
            if offset:
                raise InvalidInput(field="cursor", reason="a cursor pages on its own: offset 0")
            decode_cursor(self.cursor, self.sort)

    @property
    def terms(self) -> tuple[str, ...]:
        """The analyzed text."""
        return analyze(self.text)

    @property
    def filters_shows(self) -> bool:
        """Whether a show filter (city, dates, formats) is set."""
        return self.city_id is not None or self.dates is not None or bool(self.formats)

    def show_matches(self, show: ShowFact) -> bool:
        """Whether ``show`` satisfies the city, date and format filters."""
        require_instance(show, ShowFact, "show")
        return (
            (self.city_id is None or show.city_id == self.city_id)
            and (self.dates is None or show.date in self.dates)
            and (not self.formats or show.format in self.formats)
        )

    def matches_filters(self, document: MovieDocument) -> bool:
        """Whether ``document`` passes every filter (the text aside)."""
        require_instance(document, MovieDocument, "document")
        if document.status not in self.statuses:
            return False
        if self.genres and not self.genres & {fold(g) for g in document.genres}:
            return False
        if self.languages and not self.languages & {fold(lang) for lang in document.languages}:
            return False
        if self.min_rating is not None and (
            document.rating is None or document.rating < self.min_rating
        ):
            return False
        return not self.filters_shows or any(self.show_matches(s) for s in document.shows)


# --- results -------------------------------------------------------------------------------------


@frozen(kw_only=True)
class SearchHit:
    """One movie found: its id, its score (0 without text) and its highlighted title."""

    movie_id: str
    score: int
    highlight: str | None = None


@frozen(kw_only=True)
class FacetCount:
    """How many matching movies have ``value``."""

    value: str
    count: int


@frozen(kw_only=True)
class SearchResult:
    """A page of hits, how many movies match in all, and the facets asked for.

    ``facets`` maps each facet asked for to its counts, most frequent first (ties by value);
    ``next_cursor`` pages on after the last hit (``None`` on the last page).
    """

    total: int
    hits: tuple[SearchHit, ...]
    facets: Mapping[Facet, tuple[FacetCount, ...]] = field(factory=dict)
    next_cursor: str | None = None


@frozen(kw_only=True)
class Suggestion:
    """A title completion."""

    movie_id: str
    title: str


# --- ordering and cursors ------------------------------------------------------------------------

SortKey = tuple[Any, ...]


def sort_key(sort: SortBy, document: MovieDocument, hit_score: int) -> SortKey:
    """The key that orders hits for ``sort`` (ascending); ties end on the movie id.

    Raises :class:`InvalidInput` for an unknown sort, a non-document or a negative score.
    """
    sort = _sort(sort)
    require_instance(document, MovieDocument, "document")
    require_count(hit_score, "hit_score")
    # copy_negate, not unary minus: minus rounds to the context's 28 digits, and the key must
    # order every finite Decimal exactly as the engines do.
    rating = document.rating.copy_negate() if document.rating is not None else Decimal(0)
    rated = 0 if document.rating is not None else 1
    if sort is SortBy.RELEVANCE:
        return (-hit_score, -document.popularity, document.movie_id)
    if sort is SortBy.RATING:
        return (rated, rating, -document.popularity, document.movie_id)
    if sort is SortBy.RELEASE_DATE:
        return (-document.release_date.toordinal(), -document.popularity, document.movie_id)
    return (-document.popularity, document.movie_id)


def encode_cursor(sort: SortBy, key: SortKey) -> str:
    """An opaque cursor for the hit with ``key`` under ``sort``; the inverse of
    :func:`decode_cursor`.  Raises :class:`InvalidInput` for a key that is not a sort key."""
    sort = _sort(sort)
    if not isinstance(key, tuple) or not key or not isinstance(key[-1], str):
        raise InvalidInput(field="key", reason="a sort key ending with the movie id")
    if not all(isinstance(v, int | Decimal) and not isinstance(v, bool) for v in key[:-1]):
        raise InvalidInput(field="key", reason="a sort key of integers and decimals")
    values = [str(v) if isinstance(v, Decimal) else v for v in key]
    raw = json.dumps([sort.value, values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: SortBy) -> SortKey:
    """The sort key a cursor names; raises :class:`InvalidInput` for a malformed cursor or one
    made for another sort."""
    sort = _sort(sort)
    bad = InvalidInput(field="cursor", reason="not a cursor of this search")
    if not isinstance(cursor, str) or not cursor or len(cursor) > 1000:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, values = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise bad from None
    if name != sort.value or not isinstance(values, list):
        raise bad
    expected = {SortBy.RELEVANCE: 3, SortBy.RATING: 4, SortBy.RELEASE_DATE: 3}.get(sort, 2)
    if len(values) != expected or not isinstance(values[-1], str):
        raise bad
    key: list[Any] = []
    for index, value in enumerate(values[:-1]):
        if sort is SortBy.RATING and index == 1:
            try:
                rating = Decimal(value)
            except (InvalidOperation, TypeError):
                raise bad from None
            # A NaN would make every later comparison of sort keys raise.
            if isinstance(value, bool) or not rating.is_finite():
                raise bad
            key.append(rating)
        elif isinstance(value, int) and not isinstance(value, bool):
            key.append(value)
        else:
            raise bad
    key.append(values[-1])
    return tuple(key)
