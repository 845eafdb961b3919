"""Contract suite for :class:`bookmyshow.ports.search.MovieSearch` engines.

An engine's test module subclasses :class:`MovieSearchContract` and overrides one fixture,
``search_factory``: a plain (synchronous) fixture returning a :data:`SearchFactory` — a callable
that opens a fresh, *empty* engine as an async context manager.  The factory is called inside the
event loop that uses the engine, so a client bound to a loop is created where it is used::

    class TestMemoryMovieSearch(MovieSearchContract):
        @pytest.fixture
        def search_factory(self) -> SearchFactory:
            return lambda: contextlib.nullcontext(MemoryMovieSearch())

The cases are stated over the fixed catalog :data:`~bookmyshow.testing.search_catalog.
SEARCH_CATALOG`: each names the rule it checks and the exact hits (ordered movie ids), total,
scores, highlights and facet counts, worked out by hand from :mod:`bookmyshow.domain.search`.
Hypothesis properties then check random queries against the domain rules: every hit passes every
filter with the score and highlight the rules give, facets add up, paging by offset and by cursor
visits each hit once, and index / remove / put_show / remove_show keep the index in step.  The
write property opens a fresh engine per example (``search_factory`` may be called many times).
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

import pytest
import pytest_asyncio
from attrs import evolve, field, frozen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.domain.catalog import Format, MovieStatus
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.search import (
    DateRange,
    Facet,
    MovieDocument,
    SearchQuery,
    SearchResult,
    ShowFact,
    SortBy,
    Suggestion,
    fold,
    highlight,
    score,
    sort_key,
)
from bookmyshow.ports.errors import NotFound
from bookmyshow.ports.search import MovieSearch
from bookmyshow.testing.search_catalog import CITIES, SEARCH_CATALOG, catalog_document

__all__ = [
    "SEARCH_CASES",
    "SUGGEST_CASES",
    "MovieSearchContract",
    "SearchCase",
    "SearchFactory",
    "SuggestCase",
]

SearchFactory = Callable[[], AbstractAsyncContextManager[MovieSearch]]
"""Opens a fresh, empty :class:`MovieSearch`; called inside the event loop that will use it."""

_contract = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors]
)

_FacetTable = Mapping[Facet, tuple[tuple[str, int], ...]]


def _jan(day: int) -> date:
    return date(2030, 1, day)


def _on(first: int, last: int | None = None) -> DateRange:
    return DateRange(start=_jan(first), end=_jan(first if last is None else last))


@frozen(kw_only=True)
class SearchCase:
    """One query over the search catalog and exactly what it returns.

    ``ids`` are every hit of the first page, in order; ``total`` defaults to their number;
    ``scores`` and ``highlights`` (when given) line up with ``ids``; ``facets`` maps each facet
    asked for to its ``(value, count)`` pairs in order (empty when none is asked for).
    """

    name: str
    rule: str
    query: SearchQuery
    ids: tuple[str, ...]
    total: int | None = None
    scores: tuple[int, ...] | None = None
    highlights: tuple[str | None, ...] | None = None
    facets: _FacetTable = field(factory=dict)


@frozen(kw_only=True)
class SuggestCase:
    """One prefix (and limit) and the ids of the suggestions, in order."""

    name: str
    rule: str
    prefix: str
    ids: tuple[str, ...]
    limit: int = 10


# Every visible movie (active and coming soon) by popularity; ties by id (dark-knight before
# three-idiots at 760, ddlj before dilwale at 560).  Inactive sholay, dil-se and pokemon-first
# are hidden.
_BY_POPULARITY: Final = (
    "spider-man-nwh",
    "oppenheimer",
    "spider-verse",
    "jawan",
    "rrr",
    "pathaan",
    "dune-2",
    "baahubali-2",
    "dark-knight",
    "three-idiots",
    "kgf-2",
    "interstellar",
    "dangal",
    "inception",
    "kalki",
    "war-2",
    "ramayana",
    "baahubali-1",
    "drishyam-2",
    "dark-knight-rises",
    "kantara",
    "ddlj",
    "dilwale",
    "paradise",
    "pokemon-pikachu",
    "parasite",
    "spirited-away",
    "drishyam",
    "amelie",
    "lagaan",
    "leon",
    "dil-chahta-hai",
    "dabangg",
    "tom-jerry",
    "jaws",
    "y-tu-mama",
    "mughal-e-azam",
)

# The same movies by rating, high first, popularity breaking ties, the three unrated last.
_BY_RATING: Final = (
    "dark-knight",  # 9.0
    "inception",  # 8.8
    "interstellar",  # 8.7
    "spider-verse",  # 8.6, popularity 870
    "spirited-away",  # 8.6, 450
    "dune-2",  # 8.5, 790
    "parasite",  # 8.5, 500
    "leon",  # 8.5, 350
    "three-idiots",  # 8.4
    "dark-knight-rises",
    "oppenheimer",  # 8.3
    "dangal",
    "drishyam",
    "amelie",
    "spider-man-nwh",  # 8.2
    "baahubali-2",
    "kgf-2",
    "drishyam-2",
    "kantara",
    "lagaan",  # 8.1
    "dil-chahta-hai",
    "jaws",
    "mughal-e-azam",
    "baahubali-1",  # 8.0
    "ddlj",
    "rrr",  # 7.8
    "y-tu-mama",  # 7.7
    "paradise",  # 7.2
    "jawan",  # 7.0
    "pokemon-pikachu",  # 6.6
    "dabangg",  # 6.2
    "pathaan",  # 5.9
    "tom-jerry",  # 5.3
    "dilwale",  # 5.2
    "kalki",  # unrated, 680
    "war-2",  # unrated, 670
    "ramayana",  # unrated, 655
)


SEARCH_CASES: Final[tuple[SearchCase, ...]] = (
    # --- typos ------------------------------------------------------------------------------
    SearchCase(
        name="typo-one-deletion",
        rule="'interstelar' (11 letters, 2 edits allowed) is one deletion from 'interstellar': "
        "a fuzzy title match scores 3*1",
        query=SearchQuery(text="interstelar"),
        ids=("interstellar",),
        scores=(3,),
        highlights=("<em>Interstellar</em>",),
    ),
    SearchCase(
        name="typo-one-edit-short-word",
        rule="'jawn' (4 letters, 1 edit) reaches 'jawan' (insertion) and 'jaws' (substitution) "
        "but not 'john' or 'jean' (2 edits); equal scores go by popularity",
        query=SearchQuery(text="jawn"),
        ids=("jawan", "jaws"),
        scores=(3, 3),
        highlights=("<em>Jawan</em>", "<em>Jaws</em>"),
    ),
    SearchCase(
        name="typo-two-edits",
        rule="'bahubaly' (8 letters, 2 edits) is a deletion and a substitution from 'baahubali'",
        query=SearchQuery(text="bahubaly"),
        ids=("baahubali-2", "baahubali-1"),
        scores=(3, 3),
        highlights=("<em>Baahubali</em> 2: The Conclusion", "<em>Baahubali</em>: The Beginning"),
    ),
    SearchCase(
        name="typo-transposition",
        rule="'dnue' (4 letters, 1 edit) is one adjacent transposition from 'dune' (two edits "
        "without transpositions)",
        query=SearchQuery(text="dnue"),
        ids=("dune-2",),
        scores=(3,),
        highlights=("<em>Dune</em>: Part Two",),
    ),
    SearchCase(
        name="typo-transposition-long-word",
        rule="'oppenhiemer' swaps two adjacent letters of 'oppenheimer'",
        query=SearchQuery(text="oppenhiemer"),
        ids=("oppenheimer",),
        scores=(3,),
        highlights=("<em>Oppenheimer</em>",),
    ),
    SearchCase(
        name="short-term-exact",
        rule="'AD' (2 letters) matches the title token 'ad' exactly, case folded",
        query=SearchQuery(text="AD"),
        ids=("kalki",),
        scores=(6,),
        highlights=("Kalki 2898 <em>AD</em>",),
    ),
    SearchCase(
        name="short-term-no-fuzziness",
        rule="'ab' is one substitution from 'ad', but 1-2 letter terms allow no edit",
        query=SearchQuery(text="ab"),
        ids=(),
    ),
    SearchCase(
        name="short-term-no-insertion",
        rule="'rr' is one insertion from 'rrr', but 1-2 letter terms allow no edit",
        query=SearchQuery(text="rr"),
        ids=(),
    ),
    # --- fields -------------------------------------------------------------------------------
    SearchCase(
        name="cast-name",
        rule="'aamir khan' is a phrase in one cast name: 2*2 + 2*2 + 2*4 = 16 for all four of "
        "his films (other Khans lack 'aamir'); popularity orders them; genres counted once each",
        query=SearchQuery(text="aamir khan", facets={Facet.GENRES}),
        ids=("three-idiots", "dangal", "lagaan", "dil-chahta-hai"),
        scores=(16, 16, 16, 16),
        highlights=(None, None, None, None),
        facets={
            Facet.GENRES: (
                ("drama", 4),
                ("comedy", 2),
                ("sport", 2),
                ("biography", 1),
                ("musical", 1),
                ("romance", 1),
            )
        },
    ),
    SearchCase(
        name="director",
        rule="'rajamouli' is an exact director token: 2*2 = 4 each, ordered by popularity",
        query=SearchQuery(text="rajamouli"),
        ids=("rrr", "baahubali-2", "baahubali-1"),
        scores=(4, 4, 4),
    ),
    SearchCase(
        name="director-five-films",
        rule="'Nolan' matches the director of five films exactly; none fuzzily",
        query=SearchQuery(text="Nolan"),
        ids=("oppenheimer", "dark-knight", "interstellar", "inception", "dark-knight-rises"),
        scores=(4, 4, 4, 4, 4),
    ),
    # --- accents ------------------------------------------------------------------------------
    SearchCase(
        name="accent-in-document",
        rule="'amelie' matches the title 'Amélie' exactly; the highlight keeps the accent",
        query=SearchQuery(text="amelie"),
        ids=("amelie",),
        scores=(6,),
        highlights=("<em>Amélie</em>",),
    ),
    SearchCase(
        name="accent-in-query",
        rule="'Dángal' folds to 'dangal' and matches the plain title exactly",
        query=SearchQuery(text="Dángal"),
        ids=("dangal",),
        scores=(6,),
        highlights=("<em>Dangal</em>",),
    ),
    SearchCase(
        name="accent-in-both-inactive-hidden",
        rule="'POKÉMON' folds to 'pokemon'; the inactive 'Pokémon: The First Movie' is hidden",
        query=SearchQuery(text="POKÉMON"),
        ids=("pokemon-pikachu",),
        scores=(6,),
        highlights=("<em>Pokémon</em> Detective Pikachu",),
    ),
    SearchCase(
        name="accent-in-cast",
        rule="'chloe' matches the cast member 'Chloë Grace Moretz'; no title word, no highlight",
        query=SearchQuery(text="chloe"),
        ids=("tom-jerry",),
        scores=(4,),
        highlights=(None,),
    ),
    # --- ranking ------------------------------------------------------------------------------
    SearchCase(
        name="phrase-outranks-scattered",
        rule="'road trip' is a phrase in y-tu-mama's description (1*2 + 1*2 + 1*4 = 8) and "
        "scattered in dilwale's (4): the phrase wins despite much lower popularity",
        query=SearchQuery(text="road trip"),
        ids=("y-tu-mama", "dilwale"),
        scores=(8, 4),
    ),
    SearchCase(
        name="phrase-in-title",
        rule="'dark knight' in a title: 3*2 + 3*2 + 3*4 = 24 for both, popularity decides",
        query=SearchQuery(text="dark knight"),
        ids=("dark-knight", "dark-knight-rises"),
        scores=(24, 24),
        highlights=("The <em>Dark</em> <em>Knight</em>", "The <em>Dark</em> <em>Knight</em> Rises"),
    ),
    SearchCase(
        name="exact-outranks-fuzzy-same-field",
        rule="'parasite' is exact in Parasite's title (6) and one edit from 'Paradise' (3); the "
        "exact match wins although Paradise is more popular",
        query=SearchQuery(text="parasite"),
        ids=("parasite", "paradise"),
        scores=(6, 3),
        highlights=("<em>Parasite</em>", "<em>Paradise</em>"),
    ),
    SearchCase(
        name="exact-outranks-fuzzy-more-popular",
        rule="'knight' is exact in two titles (6); 'right' and 'fight' (2 edits) in the "
        "descriptions of more popular films score 1",
        query=SearchQuery(text="knight"),
        ids=("dark-knight", "dark-knight-rises", "jawan", "rrr"),
        scores=(6, 6, 1, 1),
        highlights=("The Dark <em>Knight</em>", "The Dark <em>Knight</em> Rises", None, None),
    ),
    SearchCase(
        name="popularity-then-id-break-ties",
        rule="'shah rukh khan' scores 4+4+4+8 = 20 in four films; ddlj and dilwale tie on "
        "popularity too and go by id; inactive dil-se is hidden",
        query=SearchQuery(text="shah rukh khan"),
        ids=("jawan", "pathaan", "ddlj", "dilwale"),
        scores=(20, 20, 20, 20),
    ),
    # --- filters alone ------------------------------------------------------------------------
    SearchCase(
        name="filter-genre",
        rule="genre filter compared folded ('SPORT'); no text: score 0, by popularity",
        query=SearchQuery(genres={"SPORT"}, facets={Facet.LANGUAGES}),
        ids=("dangal", "lagaan"),
        scores=(0, 0),
        highlights=(None, None),
        facets={Facet.LANGUAGES: (("hindi", 2),)},
    ),
    SearchCase(
        name="filter-language",
        rule="language filter: the two Kannada films",
        query=SearchQuery(languages={"Kannada"}),
        ids=("kgf-2", "kantara"),
    ),
    SearchCase(
        name="filter-city-with-facets",
        rule="every visible film with a show in Delhi; genres and languages counted over them, "
        "formats counted from their Delhi shows only",
        query=SearchQuery(city_id="delhi", facets={Facet.GENRES, Facet.LANGUAGES, Facet.FORMATS}),
        ids=(
            "spider-man-nwh",
            "oppenheimer",
            "spider-verse",
            "jawan",
            "rrr",
            "pathaan",
            "dune-2",
            "baahubali-2",
            "dangal",
            "kalki",
            "drishyam-2",
            "dark-knight-rises",
            "dilwale",
            "dabangg",
            "y-tu-mama",
        ),
        facets={
            Facet.GENRES: (
                ("action", 11),
                ("drama", 7),
                ("adventure", 3),
                ("thriller", 3),
                ("biography", 2),
                ("comedy", 2),
                ("romance", 2),
                ("science fiction", 2),
                ("animation", 1),
                ("crime", 1),
                ("fantasy", 1),
                ("history", 1),
                ("sport", 1),
            ),
            Facet.LANGUAGES: (
                ("hindi", 11),
                ("english", 5),
                ("tamil", 5),
                ("telugu", 5),
                ("malayalam", 1),
                ("spanish", 1),
            ),
            Facet.FORMATS: (("2D", 8), ("IMAX", 3), ("3D", 2), ("4DX", 2)),
        },
    ),
    SearchCase(
        name="filter-date",
        rule="shows on 14 January in any city; coming-soon war-2 (a preview) is included",
        query=SearchQuery(dates=_on(14)),
        ids=("oppenheimer", "dune-2", "war-2", "leon", "y-tu-mama", "mughal-e-azam"),
    ),
    SearchCase(
        name="filter-format",
        rule="films with a 4DX show",
        query=SearchQuery(formats={"4DX"}, facets={Facet.FORMATS}),
        ids=("spider-man-nwh", "jawan", "pathaan", "dune-2"),
        facets={Facet.FORMATS: (("4DX", 4),)},
    ),
    SearchCase(
        name="filter-min-rating-sort-rating",
        rule="rated 8.5 or more, by rating then popularity",
        query=SearchQuery(min_rating=Decimal("8.5"), sort=SortBy.RATING),
        ids=(
            "dark-knight",
            "inception",
            "interstellar",
            "spider-verse",
            "spirited-away",
            "dune-2",
            "parasite",
            "leon",
        ),
    ),
    SearchCase(
        name="inactive-hidden-by-default",
        rule="Mumbai on 10 January: inactive dil-se has a show but is hidden; the formats facet "
        "counts only the shows that pass the city and date (jawan's Mumbai 2D is on the 12th)",
        query=SearchQuery(city_id="mumbai", dates=_on(10), facets={Facet.FORMATS}),
        ids=("spider-verse", "jawan", "dune-2", "three-idiots", "baahubali-1", "ddlj"),
        facets={Facet.FORMATS: (("2D", 3), ("IMAX", 2), ("4DX", 1))},
    ),
    SearchCase(
        name="inactive-when-asked",
        rule="the same with inactive films asked for: dil-se joins",
        query=SearchQuery(
            city_id="mumbai",
            dates=_on(10),
            statuses={MovieStatus.ACTIVE, MovieStatus.INACTIVE},
        ),
        ids=("spider-verse", "jawan", "dune-2", "three-idiots", "baahubali-1", "ddlj", "dil-se"),
    ),
    SearchCase(
        name="status-inactive-only",
        rule="only the inactive films, shows or not",
        query=SearchQuery(statuses={"inactive"}),
        ids=("sholay", "dil-se", "pokemon-first"),
    ),
    SearchCase(
        name="status-coming-soon-only",
        rule="only the coming-soon films",
        query=SearchQuery(statuses={MovieStatus.COMING_SOON}),
        ids=("war-2", "ramayana"),
    ),
    # --- filters with text --------------------------------------------------------------------
    SearchCase(
        name="text-and-genre",
        rule="'shah rukh khan' among romances",
        query=SearchQuery(text="shah rukh khan", genres={"Romance"}),
        ids=("ddlj", "dilwale"),
        scores=(20, 20),
    ),
    SearchCase(
        name="city-date-format-one-show",
        rule="Mumbai, 10 January, IMAX must hold for one and the same show: oppenheimer, rrr, "
        "interstellar, jawan and inception each have the three only across different shows",
        query=SearchQuery(
            city_id="mumbai", dates=_on(10), formats={Format.IMAX}, facets={Facet.FORMATS}
        ),
        ids=("spider-verse", "dune-2"),
        facets={Facet.FORMATS: (("IMAX", 2),)},
    ),
    # --- sorts --------------------------------------------------------------------------------
    SearchCase(
        name="sort-relevance-popularity-ties",
        rule="'prabhas' (cast, 4 each) by relevance: popularity orders the tie",
        query=SearchQuery(text="prabhas"),
        ids=("baahubali-2", "kalki", "baahubali-1"),
        scores=(4, 4, 4),
    ),
    SearchCase(
        name="sort-rating-unrated-last",
        rule="'prabhas' by rating: 8.2, 8.0, then unrated kalki although it is more popular",
        query=SearchQuery(text="prabhas", sort=SortBy.RATING),
        ids=("baahubali-2", "baahubali-1", "kalki"),
        scores=(4, 4, 4),
    ),
    SearchCase(
        name="sort-release-date",
        rule="Nolan's films newest first",
        query=SearchQuery(text="nolan", sort="release_date"),
        ids=("oppenheimer", "interstellar", "dark-knight-rises", "inception", "dark-knight"),
    ),
    SearchCase(
        name="sort-popularity-ignores-score",
        rule="'parasite' by popularity: Paradise (530, fuzzy) before Parasite (500, exact)",
        query=SearchQuery(text="parasite", sort=SortBy.POPULARITY),
        ids=("paradise", "parasite"),
        scores=(3, 6),
    ),
    # --- highlights and empty results ---------------------------------------------------------
    SearchCase(
        name="highlight-html-escaped",
        rule="the title is HTML-escaped around the highlighted word",
        query=SearchQuery(text="jerry"),
        ids=("tom-jerry",),
        scores=(6,),
        highlights=("Tom &amp; <em>Jerry</em>",),
    ),
    SearchCase(
        name="highlight-every-occurrence",
        rule="every title word matching is wrapped, hyphenated parts included",
        query=SearchQuery(text="Spider"),
        ids=("spider-man-nwh", "spider-verse"),
        scores=(6, 6),
        highlights=(
            "<em>Spider</em>-Man: No Way Home",
            "<em>Spider</em>-Man: Across the <em>Spider</em>-Verse",
        ),
    ),
    SearchCase(
        name="highlight-none-for-cast-match",
        rule="a film found through its cast has no highlight",
        query=SearchQuery(text="zendaya"),
        ids=("spider-man-nwh", "dune-2"),
        scores=(4, 4),
        highlights=(None, None),
    ),
    SearchCase(
        name="no-hits-empty-facets",
        rule="no film matches 'zzzz': total 0, the facet asked for is present and empty",
        query=SearchQuery(text="zzzz", facets={"genres"}),
        ids=(),
        facets={Facet.GENRES: ()},
    ),
)
"""The literal cases every engine must answer exactly (see :class:`SearchCase`)."""


SUGGEST_CASES: Final[tuple[SuggestCase, ...]] = (
    SuggestCase(
        name="first-word", rule="a prefix of the first title word", prefix="inc", ids=("inception",)
    ),
    SuggestCase(
        name="first-word-two-films",
        rule="both Drishyam films, by popularity",
        prefix="Drish",
        ids=("drishyam-2", "drishyam"),
    ),
    SuggestCase(
        name="later-word",
        rule="a prefix of a later word",
        prefix="knig",
        ids=("dark-knight", "dark-knight-rises"),
    ),
    SuggestCase(
        name="later-word-after-punctuation",
        rule="'conc' completes 'Conclusion' after '2:'",
        prefix="conc",
        ids=("baahubali-2",),
    ),
    SuggestCase(
        name="multi-word",
        rule="whole words then a prefix of the next: only 'Rises' completes 'r'",
        prefix="the dark knight r",
        ids=("dark-knight-rises",),
    ),
    SuggestCase(
        name="multi-word-mid-title",
        rule="a multi-word prefix may start at a later word",
        prefix="dark kn",
        ids=("dark-knight", "dark-knight-rises"),
    ),
    SuggestCase(
        name="multi-word-hyphen",
        rule="'spider man n': the hyphen separates words; Across the Spider-Verse has no 'n…' "
        "after 'spider man'",
        prefix="spider man n",
        ids=("spider-man-nwh",),
    ),
    SuggestCase(
        name="accent-in-prefix", rule="'amé' folds to 'ame'", prefix="amé", ids=("amelie",)
    ),
    SuggestCase(
        name="accent-in-title",
        rule="'POKE' completes 'Pokémon'; the inactive first movie is not suggested",
        prefix="POKE",
        ids=("pokemon-pikachu",),
    ),
    SuggestCase(
        name="popularity-then-title",
        rule="dilwale and ddlj tie at 560: 'dilwale' sorts before 'dilwale dulhania…' although "
        "its id sorts after; inactive 'Dil Se..' is not suggested",
        prefix="dil",
        ids=("dilwale", "ddlj", "dil-chahta-hai"),
    ),
    SuggestCase(
        name="coming-soon",
        rule="coming-soon films are suggested",
        prefix="ram",
        ids=("ramayana",),
    ),
    SuggestCase(
        name="limit",
        rule="the three most popular titles with a word starting with 'd'",
        prefix="d",
        limit=3,
        ids=("dune-2", "dark-knight", "dangal"),
    ),
    SuggestCase(
        name="default-limit",
        rule="ten by default of the eleven titles with a 'd' word",
        prefix="D",
        ids=(
            "dune-2",
            "dark-knight",
            "dangal",
            "drishyam-2",
            "dark-knight-rises",
            "dilwale",
            "ddlj",
            "pokemon-pikachu",
            "drishyam",
            "dil-chahta-hai",
        ),
    ),
    SuggestCase(
        name="whole-word-only-as-prefix",
        rule="'jaw' completes 'Jawan' and 'Jaws'",
        prefix="jaw",
        ids=("jawan", "jaws"),
    ),
    SuggestCase(name="no-match", rule="no title word starts with 'xyz'", prefix="xyz", ids=()),
    SuggestCase(name="empty", rule="an empty prefix suggests nothing", prefix="", ids=()),
    SuggestCase(
        name="no-tokens", rule="a prefix without letters suggests nothing", prefix=" -!", ids=()
    ),
)
"""The literal suggest cases every engine must answer exactly (see :class:`SuggestCase`)."""


def _facet_table(result: SearchResult) -> dict[Facet, tuple[tuple[str, int], ...]]:
    return {
        facet: tuple((c.value, c.count) for c in counts) for facet, counts in result.facets.items()
    }


def _show(show_id: str, city: str, day: int, fmt: Format) -> ShowFact:
    return ShowFact(show_id=show_id, city_id=city, date=_jan(day), format=fmt)


async def _documents(search: MovieSearch, ids: Sequence[str]) -> dict[str, MovieDocument]:
    out: dict[str, MovieDocument] = {}
    for movie_id in ids:
        document = await search.get(movie_id)
        assert document is not None, f"hit {movie_id} has no document"
        out[movie_id] = document
    return out


async def _all_ids(search: MovieSearch, query: SearchQuery) -> list[str]:
    result = await search.search(evolve(query, page_size=100, offset=0, cursor=None))
    assert result.total == len(result.hits)
    return [hit.movie_id for hit in result.hits]


async def _pages_by_cursor(search: MovieSearch, query: SearchQuery) -> list[SearchResult]:
    """Every page of ``query`` from the first, following ``next_cursor`` until it is None."""
    pages = [await search.search(evolve(query, offset=0, cursor=None))]
    while pages[-1].next_cursor is not None:
        assert len(pages) <= len(SEARCH_CATALOG) + 1, "the cursor never runs out"
        pages.append(await search.search(evolve(query, cursor=pages[-1].next_cursor, offset=0)))
    return pages


async def _pages_by_offset(search: MovieSearch, query: SearchQuery) -> list[SearchResult]:
    """Pages at offsets 0, page_size, … until one comes back short."""
    pages: list[SearchResult] = []
    offset = 0
    while True:
        page = await search.search(evolve(query, offset=offset, cursor=None))
        pages.append(page)
        if len(page.hits) < query.page_size:
            return pages
        offset += query.page_size
        assert offset <= len(SEARCH_CATALOG) + query.page_size, "offset paging never runs out"


# --- strategies for the properties ---------------------------------------------------------------

_VOCABULARY: Final = tuple(
    sorted(
        {
            token
            for document in SEARCH_CATALOG
            for sequences in document.analyzed_fields().values()
            for tokens in sequences
            for token in tokens
        }
    )
)
_TYPO_LETTERS: Final = string.ascii_lowercase + "éü"
# Each list adds a value no movie has, so that a filter can match nothing.
_GENRES: Final = (*sorted({g for d in SEARCH_CATALOG for g in d.genres}), "Western")
_LANGUAGES: Final = (*sorted({lang for d in SEARCH_CATALOG for lang in d.languages}), "Bengali")


@st.composite
def _words(draw: st.DrawFn) -> str:
    """A catalog word, perhaps with one or two typos or shouted, or a short random word."""
    if draw(st.integers(0, 5)) == 0:
        return draw(st.text(alphabet=_TYPO_LETTERS, min_size=1, max_size=4))
    word = draw(st.sampled_from(_VOCABULARY))
    for _ in range(draw(st.sampled_from((0, 0, 1, 2)))):
        letters = list(word)
        at = draw(st.integers(0, len(letters)))
        edit = draw(st.sampled_from(("insert", "delete", "replace", "swap")))
        if edit == "insert" or not letters:
            letters.insert(at, draw(st.sampled_from(_TYPO_LETTERS)))
        elif edit == "delete" and len(letters) > 1:
            del letters[min(at, len(letters) - 1)]
        elif edit == "swap" and len(letters) > 1:
            i = min(at, len(letters) - 2)
            letters[i], letters[i + 1] = letters[i + 1], letters[i]
        else:
            letters[min(at, len(letters) - 1)] = draw(st.sampled_from(_TYPO_LETTERS))
        word = "".join(letters)
    return word.upper() if draw(st.integers(0, 7)) == 0 else word


@st.composite
def _texts(draw: st.DrawFn) -> str:
    words = draw(st.lists(_words(), max_size=3))
    return draw(st.sampled_from((" ", "-", ", "))).join(words)


@st.composite
def _date_ranges(draw: st.DrawFn) -> DateRange:
    start = draw(st.integers(9, 15))
    return DateRange(start=_jan(start), end=_jan(start) + timedelta(days=draw(st.integers(0, 3))))


@st.composite
def _queries(draw: st.DrawFn, page_size: int = 100) -> SearchQuery:
    """A query over the catalog: random text, filters, sort and facets, first page."""
    kwargs: dict[str, Any] = {
        "text": draw(_texts()) if draw(st.booleans()) else "",
        "sort": draw(st.sampled_from(SortBy)),
        "facets": draw(st.sets(st.sampled_from(Facet))),
        "page_size": page_size,
    }
    if draw(st.integers(0, 2)) == 0:
        kwargs["genres"] = draw(st.sets(st.sampled_from(_GENRES), min_size=1, max_size=2))
    if draw(st.integers(0, 2)) == 0:
        kwargs["languages"] = draw(st.sets(st.sampled_from(_LANGUAGES), min_size=1, max_size=2))
    if draw(st.booleans()):
        kwargs["city_id"] = draw(st.sampled_from((*CITIES, "pune")))
    if draw(st.integers(0, 2)) == 0:
        kwargs["dates"] = draw(_date_ranges())
    if draw(st.integers(0, 2)) == 0:
        kwargs["formats"] = draw(st.sets(st.sampled_from(Format), min_size=1, max_size=2))
    if draw(st.integers(0, 3)) == 0:
        kwargs["min_rating"] = draw(st.sampled_from(("5", "7.5", "8.2", "8.5", "9.0")))
    if draw(st.integers(0, 3)) == 0:
        kwargs["statuses"] = draw(st.sets(st.sampled_from(MovieStatus), min_size=1))
    return SearchQuery(**kwargs)


def _format_values(query: SearchQuery, document: MovieDocument) -> set[str]:
    return {show.format.value for show in document.shows if query.show_matches(show)}


def _facet_values(facet: Facet, query: SearchQuery, document: MovieDocument) -> set[str]:
    if facet is Facet.GENRES:
        return {fold(g).strip() for g in document.genres}
    if facet is Facet.LANGUAGES:
        return {fold(lang).strip() for lang in document.languages}
    return _format_values(query, document)


# Write operations for the index property: a few catalog movies (one of them inactive, one
# coming soon), shows drawn from a small pool of ids so that put_show also replaces.
_WRITE_MOVIES: Final = ("dangal", "jaws", "sholay", "war-2", "kantara")
_show_facts = st.builds(
    _show,
    st.sampled_from(("x1", "x2", "x3", "dangal-s1")),
    st.sampled_from(CITIES),
    st.integers(10, 14),
    st.sampled_from(Format),
)
_write_ops = st.lists(
    st.one_of(
        st.tuples(st.just("index"), st.sampled_from(_WRITE_MOVIES), st.booleans()),
        st.tuples(st.just("remove"), st.sampled_from(_WRITE_MOVIES)),
        st.tuples(st.just("put_show"), st.sampled_from(_WRITE_MOVIES), _show_facts),
        st.tuples(
            st.just("remove_show"),
            st.sampled_from(_WRITE_MOVIES),
            st.sampled_from(("x1", "x2", "x3", "dangal-s1", "jaws-s1")),
        ),
    ),
    max_size=12,
)


class MovieSearchContract:
    """What every movie search engine promises: the shared rules, exactly.

    Subclass it and provide ``search_factory``; see the module docstring.
    """

    @pytest.fixture
    def search_factory(self) -> SearchFactory:
        """Override: return a callable opening a fresh, empty engine."""
        raise NotImplementedError("subclasses provide the search_factory fixture")

    @pytest_asyncio.fixture
    async def search(self, search_factory: SearchFactory) -> AsyncIterator[MovieSearch]:
        """A fresh, empty engine for one test, closed afterwards."""
        async with search_factory() as engine:
            yield engine

    @pytest_asyncio.fixture
    async def catalog(self, search: MovieSearch) -> MovieSearch:
        """The engine with the whole search catalog indexed."""
        await search.index_many(SEARCH_CATALOG)
        return search

    # ----------------------------------------------------------------------- literal cases

    @pytest.mark.asyncio
    @pytest.mark.parametrize("case", SEARCH_CASES, ids=lambda case: case.name)
    async def test_search_case(self, catalog: MovieSearch, case: SearchCase) -> None:
        """The catalog query gives exactly the stated hits, total, scores, highlights, facets."""
        result = await catalog.search(case.query)
        # This module is not assertion-rewritten by pytest, so the messages carry the values.
        why = f"{case.name}: {case.rule}\ngot {result!r}"
        hits = result.hits
        assert tuple(hit.movie_id for hit in hits) == case.ids, why
        assert result.total == (len(case.ids) if case.total is None else case.total), why
        if case.scores is not None:
            assert tuple(hit.score for hit in hits) == case.scores, why
        if case.highlights is not None:
            assert tuple(hit.highlight for hit in hits) == case.highlights, why
        assert _facet_table(result) == dict(case.facets), why
        assert result.next_cursor is None, f"every case fits on its first page\n{why}"

    @pytest.mark.asyncio
    async def test_empty_text_lists_everything_by_popularity(self, catalog: MovieSearch) -> None:
        """No text and no filter: every visible movie, score 0, by popularity then id."""
        result = await catalog.search(SearchQuery(page_size=100))
        got = tuple(hit.movie_id for hit in result.hits)
        assert got == _BY_POPULARITY, got
        assert result.total == 37, result.total
        assert {hit.score for hit in result.hits} == {0}
        assert {hit.highlight for hit in result.hits} == {None}
        by_popularity = await catalog.search(SearchQuery(page_size=100, sort="popularity"))
        assert tuple(hit.movie_id for hit in by_popularity.hits) == _BY_POPULARITY

    @pytest.mark.asyncio
    async def test_rating_sort_puts_unrated_last(self, catalog: MovieSearch) -> None:
        """Sort by rating: high first, popularity breaks ties, the unrated come last."""
        result = await catalog.search(SearchQuery(page_size=100, sort=SortBy.RATING))
        got = tuple(hit.movie_id for hit in result.hits)
        assert got == _BY_RATING, got

    # ----------------------------------------------------------------------- paging

    @pytest.mark.asyncio
    async def test_offset_paging(self, catalog: MovieSearch) -> None:
        """Pages of 8 by offset visit all 37 movies once, in order; past the end is empty."""
        query = SearchQuery(page_size=8)
        pages = await _pages_by_offset(catalog, query)
        assert [len(page.hits) for page in pages] == [8, 8, 8, 8, 5]
        assert tuple(hit.movie_id for page in pages for hit in page.hits) == _BY_POPULARITY
        assert {page.total for page in pages} == {37}
        beyond = await catalog.search(evolve(query, offset=40))
        assert (beyond.total, beyond.hits, beyond.next_cursor) == (37, (), None)

    @pytest.mark.asyncio
    async def test_cursor_paging(self, catalog: MovieSearch) -> None:
        """Pages of 6 by cursor visit all 37 once, in order; only the last has no cursor."""
        pages = await _pages_by_cursor(catalog, SearchQuery(page_size=6))
        assert [len(page.hits) for page in pages] == [6, 6, 6, 6, 6, 6, 1]
        assert tuple(hit.movie_id for page in pages for hit in page.hits) == _BY_POPULARITY
        assert {page.total for page in pages} == {37}
        assert [page.next_cursor is None for page in pages] == [False] * 6 + [True]

    @pytest.mark.asyncio
    async def test_cursor_paging_by_rating(self, catalog: MovieSearch) -> None:
        """Cursor pages under the rating sort cross rating ties and the unrated tail cleanly."""
        pages = await _pages_by_cursor(catalog, SearchQuery(page_size=4, sort=SortBy.RATING))
        assert tuple(hit.movie_id for page in pages for hit in page.hits) == _BY_RATING
        assert len(pages) == 10

    @pytest.mark.asyncio
    async def test_cursor_paging_by_relevance(self, catalog: MovieSearch) -> None:
        """Cursor pages of one hit follow score, then popularity, through score ties."""
        pages = await _pages_by_cursor(catalog, SearchQuery(text="knight", page_size=1))
        assert [hit.movie_id for page in pages for hit in page.hits] == [
            "dark-knight",
            "dark-knight-rises",
            "jawan",
            "rrr",
        ]
        assert [hit.score for page in pages for hit in page.hits] == [6, 6, 1, 1]

    @pytest.mark.asyncio
    async def test_last_full_page_has_no_cursor(self, catalog: MovieSearch) -> None:
        """A page that ends on the last hit has no next cursor; one that ends before has one."""
        everything = await catalog.search(SearchQuery(page_size=37))
        assert (len(everything.hits), everything.next_cursor) == (37, None)
        almost = await catalog.search(SearchQuery(page_size=36))
        assert almost.next_cursor is not None
        rest = await catalog.search(SearchQuery(page_size=36, cursor=almost.next_cursor))
        assert ([hit.movie_id for hit in rest.hits], rest.next_cursor) == (["mughal-e-azam"], None)

    @pytest.mark.asyncio
    async def test_cursor_keeps_filters_and_facets(self, catalog: MovieSearch) -> None:
        """A cursor page keeps the query's filters, total and facets over every match."""
        query = SearchQuery(city_id="delhi", page_size=10, facets={Facet.FORMATS})
        first = await catalog.search(query)
        assert first.next_cursor is not None
        second = await catalog.search(evolve(query, cursor=first.next_cursor))
        assert [hit.movie_id for hit in second.hits] == [
            "drishyam-2",
            "dark-knight-rises",
            "dilwale",
            "dabangg",
            "y-tu-mama",
        ]
        assert second.total == 15
        assert second.next_cursor is None
        assert _facet_table(second) == _facet_table(first)
        assert _facet_table(second)[Facet.FORMATS] == (
            ("2D", 8),
            ("IMAX", 3),
            ("3D", 2),
            ("4DX", 2),
        )

    @pytest.mark.asyncio
    @pytest.mark.parametrize(
        "cursor",
        ["not-a-cursor", "", "e30", "W10", "WyJwb3B1bGFyaXR5IixbMSwyXV0"],
        ids=["garbage", "empty", "object", "empty-list", "key-without-id"],
    )
    async def test_bad_cursor_is_refused(self, catalog: MovieSearch, cursor: str) -> None:
        """A malformed cursor raises InvalidInput naming the cursor."""
        with pytest.raises(InvalidInput) as info:
            await catalog.search(SearchQuery(cursor=cursor))
        assert info.value.field == "cursor"

    @pytest.mark.asyncio
    async def test_cursor_of_another_sort_is_refused(self, catalog: MovieSearch) -> None:
        """A cursor made under one sort raises InvalidInput under another, or with an offset."""
        first = await catalog.search(SearchQuery(page_size=5, sort=SortBy.POPULARITY))
        assert first.next_cursor is not None
        for sort in (SortBy.RATING, SortBy.RELEASE_DATE, SortBy.RELEVANCE):
            with pytest.raises(InvalidInput) as info:
                await catalog.search(SearchQuery(sort=sort, cursor=first.next_cursor))
            assert info.value.field == "cursor"
        with pytest.raises(InvalidInput):
            await catalog.search(
                SearchQuery(sort=SortBy.POPULARITY, cursor=first.next_cursor, offset=5)
            )

    # ----------------------------------------------------------------------- suggest

    @pytest.mark.asyncio
    @pytest.mark.parametrize("case", SUGGEST_CASES, ids=lambda case: case.name)
    async def test_suggest_case(self, catalog: MovieSearch, case: SuggestCase) -> None:
        """The prefix gives exactly the stated completions, each with its original title."""
        if case.limit == 10:
            got = await catalog.suggest(case.prefix)
        else:
            got = await catalog.suggest(case.prefix, limit=case.limit)
        why = f"{case.name}: {case.rule}\ngot {got!r}"
        assert tuple(s.movie_id for s in got) == case.ids, why
        assert list(got) == [
            Suggestion(movie_id=movie_id, title=catalog_document(movie_id).title)
            for movie_id in case.ids
        ], why

    @pytest.mark.asyncio
    @pytest.mark.parametrize(
        ("prefix", "limit", "field"),
        [
            ("d", 0, "limit"),
            ("d", 21, "limit"),
            ("d", True, "limit"),
            ("x" * 101, 5, "prefix"),
            (7, 5, "prefix"),
        ],
        ids=["limit-0", "limit-21", "limit-bool", "prefix-101", "prefix-int"],
    )
    async def test_suggest_refuses_bad_arguments(
        self, catalog: MovieSearch, prefix: object, limit: object, field: str
    ) -> None:
        """suggest raises InvalidInput for a limit outside 1..20 or a bad or long prefix."""
        with pytest.raises(InvalidInput) as info:
            await catalog.suggest(prefix, limit=limit)  # type: ignore[arg-type]
        assert info.value.field == field

    @pytest.mark.asyncio
    async def test_suggest_limits(self, catalog: MovieSearch) -> None:
        """Limits 1 and 20 are accepted; a 100-character prefix is accepted."""
        assert [s.movie_id for s in await catalog.suggest("the", limit=1)] == ["spider-verse"]
        assert len(await catalog.suggest("d", limit=20)) == 11
        assert list(await catalog.suggest("x" * 100, limit=20)) == []

    # ----------------------------------------------------------------------- writes

    @pytest.mark.asyncio
    async def test_get_returns_the_indexed_document(self, catalog: MovieSearch) -> None:
        """get returns each document as indexed, and None for a movie never indexed."""
        for document in SEARCH_CATALOG:
            assert await catalog.get(document.movie_id) == document
        assert await catalog.get("no-such-movie") is None

    @pytest.mark.asyncio
    async def test_empty_index_finds_nothing(self, search: MovieSearch) -> None:
        """A fresh engine has no hits, empty facets and no suggestions."""
        result = await search.search(SearchQuery(facets={Facet.GENRES, Facet.FORMATS}))
        assert (result.total, result.hits, result.next_cursor) == (0, (), None)
        assert _facet_table(result) == {Facet.GENRES: (), Facet.FORMATS: ()}
        assert list(await search.suggest("d")) == []

    @pytest.mark.asyncio
    async def test_index_replaces_everything(self, catalog: MovieSearch) -> None:
        """Indexing a movie again replaces its text, fields and shows."""
        old = catalog_document("jaws")
        new = evolve(
            old,
            title="Jaws 2",
            description="The shark is back.",
            genres=("Horror",),
            shows=(_show("jaws2-s1", "delhi", 10, Format.THREE_D),),
        )
        await catalog.index(new)
        assert await catalog.get("jaws") == new
        assert await _all_ids(catalog, SearchQuery(text="amity island")) == []
        assert await _all_ids(catalog, SearchQuery(text="shark")) == ["jaws"]
        assert await _all_ids(catalog, SearchQuery(genres={"horror"})) == ["jaws"]
        assert "jaws" not in await _all_ids(catalog, SearchQuery(city_id="bengaluru"))
        assert await _all_ids(catalog, SearchQuery(formats={"3D"}, dates=_on(10))) == [
            "kalki",
            "pokemon-pikachu",
            "jaws",
        ]
        assert [s.title for s in await catalog.suggest("jaws 2")] == ["Jaws 2"]

    @pytest.mark.asyncio
    async def test_index_many_keeps_the_later_duplicate(self, search: MovieSearch) -> None:
        """index_many with one movie id twice keeps the later document."""
        first, second = catalog_document("dangal"), catalog_document("dabangg")
        renamed = evolve(second, title="Dabangg 2")
        await search.index_many([first, second, renamed])
        assert await search.get("dabangg") == renamed
        assert await _all_ids(search, SearchQuery()) == ["dangal", "dabangg"]
        assert [s.title for s in await search.suggest("dab")] == ["Dabangg 2"]

    @pytest.mark.asyncio
    async def test_remove_forgets_the_movie(self, catalog: MovieSearch) -> None:
        """remove returns True once, then False; the movie is gone from search and suggest."""
        assert await catalog.remove("dune-2") is True
        assert await catalog.remove("dune-2") is False
        assert await catalog.remove("never-indexed") is False
        assert await catalog.get("dune-2") is None
        assert await _all_ids(catalog, SearchQuery(text="zendaya")) == ["spider-man-nwh"]
        assert list(await catalog.suggest("dune")) == []
        formats = await catalog.search(SearchQuery(formats={"4DX"}, facets={Facet.FORMATS}))
        assert [hit.movie_id for hit in formats.hits] == ["spider-man-nwh", "jawan", "pathaan"]
        assert _facet_table(formats) == {Facet.FORMATS: (("4DX", 3),)}
        assert (await catalog.search(SearchQuery())).total == 36

    @pytest.mark.asyncio
    async def test_put_show_adds_and_replaces(self, catalog: MovieSearch) -> None:
        """put_show adds a show; the same show id again replaces it (a move to another city)."""
        await catalog.put_show("jaws", _show("jaws-extra", "delhi", 14, Format.IMAX))
        query = SearchQuery(city_id="delhi", dates=_on(14))
        assert await _all_ids(catalog, query) == ["jaws", "y-tu-mama"]
        await catalog.put_show("jaws", _show("jaws-extra", "mumbai", 14, Format.IMAX))
        assert await _all_ids(catalog, query) == ["y-tu-mama"]
        document = await catalog.get("jaws")
        assert document is not None
        assert {s.show_id: s.city_id for s in document.shows} == {
            "jaws-s1": "bengaluru",
            "jaws-extra": "mumbai",
        }
        assert "jaws" in await _all_ids(catalog, SearchQuery(city_id="mumbai", formats={"IMAX"}))

    @pytest.mark.asyncio
    async def test_put_show_needs_an_indexed_movie(self, catalog: MovieSearch) -> None:
        """put_show for a movie not indexed raises NotFound(kind="movie") and adds nothing."""
        with pytest.raises(NotFound) as info:
            await catalog.put_show("ghost", _show("ghost-s1", "delhi", 10, Format.TWO_D))
        assert (info.value.kind, info.value.key) == ("movie", "ghost")
        assert await catalog.get("ghost") is None

    @pytest.mark.asyncio
    async def test_remove_show_stops_matching_its_city(self, catalog: MovieSearch) -> None:
        """remove_show returns True once; the movie no longer matches the show's city."""
        assert "jaws" in await _all_ids(catalog, SearchQuery(city_id="bengaluru"))
        assert await catalog.remove_show("jaws", "jaws-s1") is True
        assert await catalog.remove_show("jaws", "jaws-s1") is False
        assert await catalog.remove_show("ghost", "jaws-s1") is False
        assert "jaws" not in await _all_ids(catalog, SearchQuery(city_id="bengaluru"))
        assert await _all_ids(catalog, SearchQuery(text="jaws")) == ["jaws"]
        document = await catalog.get("jaws")
        assert document is not None
        assert document.shows == ()

    @pytest.mark.asyncio
    @pytest.mark.parametrize(
        "call",
        [
            "index-not-a-document",
            "index-many-with-a-bad-item",
            "index-many-not-a-sequence",
            "put-show-not-a-show",
            "search-not-a-query",
            "get-not-a-string",
            "remove-not-a-string",
            "remove-show-not-a-string",
        ],
    )
    async def test_wrong_types_are_refused(self, search: MovieSearch, call: str) -> None:
        """Arguments of the wrong type raise InvalidInput and index nothing."""
        good = catalog_document("dangal")
        bad: Any = object()
        calls: dict[str, Callable[[], Any]] = {
            "index-not-a-document": lambda: search.index(bad),
            "index-many-with-a-bad-item": lambda: search.index_many([good, bad]),
            "index-many-not-a-sequence": lambda: search.index_many(bad),
            "put-show-not-a-show": lambda: search.put_show("dangal", bad),
            "search-not-a-query": lambda: search.search(bad),
            "get-not-a-string": lambda: search.get(bad),
            "remove-not-a-string": lambda: search.remove(bad),
            "remove-show-not-a-string": lambda: search.remove_show("dangal", bad),
        }
        if call in ("put-show-not-a-show", "remove-show-not-a-string"):
            await search.index(good)
        with pytest.raises(InvalidInput):
            await calls[call]()
        expected = 1 if call in ("put-show-not-a-show", "remove-show-not-a-string") else 0
        assert (await search.search(SearchQuery())).total == expected
        if expected:
            assert await search.get("dangal") == good

    # ----------------------------------------------------------------------- properties

    @pytest.mark.asyncio
    @_contract
    @given(query=_queries())
    async def test_hits_are_exactly_the_matching_movies(
        self, catalog: MovieSearch, query: SearchQuery
    ) -> None:
        """Hits are exactly the movies passing filters and text, with rule scores, in order."""
        result = await catalog.search(query)
        ids = [hit.movie_id for hit in result.hits]
        documents = await _documents(catalog, ids)
        terms = query.terms
        keys = []
        for hit in result.hits:
            document = documents[hit.movie_id]
            assert query.matches_filters(document)
            assert hit.score == score(terms, document.analyzed_fields()), hit
            assert hit.highlight == highlight(document.title, terms), hit
            keys.append(sort_key(query.sort, document, hit.score))
        assert keys == sorted(keys)
        expected = {
            d.movie_id
            for d in SEARCH_CATALOG
            if query.matches_filters(d) and score(terms, d.analyzed_fields()) is not None
        }
        assert set(ids) == expected, f"hits {sorted(ids)}, expected {sorted(expected)}"
        assert result.total == len(ids) == len(expected), f"total {result.total}"
        assert set(result.facets) == query.facets

    @pytest.mark.asyncio
    @_contract
    @given(query=_queries(), page_size=st.integers(1, 9), facets=st.sets(st.sampled_from(Facet)))
    async def test_facet_counts_add_up(
        self,
        catalog: MovieSearch,
        query: SearchQuery,
        page_size: int,
        facets: set[Facet],
    ) -> None:
        """Each facet count equals the matching movies with that value, in facet order."""
        query = evolve(query, page_size=page_size, facets=facets)
        pages = await _pages_by_offset(catalog, query)
        ids = [hit.movie_id for page in pages for hit in page.hits]
        documents = await _documents(catalog, ids)
        for page in pages:
            assert set(page.facets) == facets
            assert _facet_table(page) == _facet_table(pages[0])
        for facet, counts in pages[0].facets.items():
            expected = Counter(
                value for d in documents.values() for value in _facet_values(facet, query, d)
            )
            assert {c.value: c.count for c in counts} == dict(expected), (facet, counts)
            assert all(c.count > 0 for c in counts), (facet, counts)
            order = [(-c.count, c.value) for c in counts]
            assert order == sorted(order)

    @pytest.mark.asyncio
    @_contract
    @given(query=_queries(), page_size=st.integers(1, 8))
    async def test_paging_visits_each_hit_once(
        self, catalog: MovieSearch, query: SearchQuery, page_size: int
    ) -> None:
        """Cursor and offset paging visit each hit once; total equals the hits collected."""
        everything = await _all_ids(catalog, query)
        query = evolve(query, page_size=page_size)
        by_cursor = await _pages_by_cursor(catalog, query)
        by_offset = await _pages_by_offset(catalog, query)
        for pages in (by_cursor, by_offset):
            ids = [hit.movie_id for page in pages for hit in page.hits]
            assert ids == everything, f"paged {ids}, one page {everything}"
            assert len(set(ids)) == len(ids), ids
            assert {page.total for page in pages} == {len(ids)}
            assert all(len(page.hits) <= page_size for page in pages)
        assert all(page.next_cursor is not None for page in by_cursor[:-1])
        assert by_cursor[-1].next_cursor is None
        assert by_offset[-1].next_cursor is None

    @pytest.mark.asyncio
    @_contract
    @given(ops=_write_ops)
    async def test_writes_keep_the_index_in_step(
        self, search_factory: SearchFactory, ops: list[tuple[Any, ...]]
    ) -> None:
        """Any sequence of writes leaves get, totals and city filters agreeing with a model."""
        model: dict[str, MovieDocument] = {}
        everyone = frozenset(MovieStatus)
        async with search_factory() as engine:
            for op in ops:
                kind, movie_id = op[0], op[1]
                if kind == "index":
                    document = catalog_document(movie_id)
                    if op[2]:
                        document = evolve(document, shows=())
                    await engine.index(document)
                    model[movie_id] = document
                elif kind == "remove":
                    assert await engine.remove(movie_id) is (movie_id in model)
                    model.pop(movie_id, None)
                elif kind == "put_show":
                    show: ShowFact = op[2]
                    if movie_id not in model:
                        with pytest.raises(NotFound):
                            await engine.put_show(movie_id, show)
                        continue
                    await engine.put_show(movie_id, show)
                    kept = tuple(s for s in model[movie_id].shows if s.show_id != show.show_id)
                    model[movie_id] = evolve(model[movie_id], shows=(*kept, show))
                else:
                    had = movie_id in model and any(
                        s.show_id == op[2] for s in model[movie_id].shows
                    )
                    assert await engine.remove_show(movie_id, op[2]) is had
                    if had:
                        kept = tuple(s for s in model[movie_id].shows if s.show_id != op[2])
                        model[movie_id] = evolve(model[movie_id], shows=kept)
            for movie_id in _WRITE_MOVIES:
                assert await engine.get(movie_id) == model.get(movie_id)
            every = await engine.search(SearchQuery(statuses=everyone, page_size=100))
            assert every.total == len(model)
            assert {hit.movie_id for hit in every.hits} == set(model)
            for city in CITIES:
                query = SearchQuery(city_id=city, statuses=everyone, facets={Facet.FORMATS})
                result = await engine.search(query)
                expected = {m for m, d in model.items() if any(s.city_id == city for s in d.shows)}
                assert {hit.movie_id for hit in result.hits} == expected
                formats = Counter(v for m in expected for v in _format_values(query, model[m]))
                assert {c.value: c.count for c in result.facets[Facet.FORMATS]} == dict(formats)
