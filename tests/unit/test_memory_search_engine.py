"""The in-memory search engine answers exactly as a brute-force reading of the search rules.

The reference here loops over every document with :func:`bookmyshow.domain.search.score`,
``SearchQuery.matches_filters`` and ``sort_key``; the engine's indexes, fuzzy expansion and
postings-based scoring must give the same hits, scores, order, totals, facets, highlights and
cursors, also after documents and shows are replaced and removed.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import pytest
from attrs import evolve, fields
from hypothesis import given
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from bookmyshow.adapters.memory import MemoryMovieSearch
from bookmyshow.adapters.memory import search as memory_search
from bookmyshow.domain.catalog import Format, MovieStatus
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.search import (
    MAX_OFFSET_WINDOW,
    DateRange,
    Facet,
    FacetCount,
    MovieDocument,
    SearchHit,
    SearchQuery,
    SearchResult,
    ShowFact,
    SortBy,
    Suggestion,
    analyze,
    decode_cursor,
    edit_distance,
    encode_cursor,
    fold,
    highlight,
    score,
    sort_key,
)
from bookmyshow.ports.errors import NotFound

# --- the reference -------------------------------------------------------------------------------

Ranked = list[tuple[tuple[Any, ...], MovieDocument, int]]


def ranked_hits(documents: Iterable[MovieDocument], query: SearchQuery) -> Ranked:
    """Every document the query matches, with its sort key and score, in result order."""
    terms = query.terms
    found: Ranked = []
    for document in documents:
        if not query.matches_filters(document):
            continue
        hit_score = score(terms, document.analyzed_fields()) if terms else 0
        if hit_score is not None:
            found.append((sort_key(query.sort, document, hit_score), document, hit_score))
    found.sort(key=lambda hit: hit[0])
    return found


def _facet(counter: Counter[str]) -> tuple[FacetCount, ...]:
    ranked = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    return tuple(FacetCount(value=value, count=count) for value, count in ranked if count)


def reference(documents: Iterable[MovieDocument], query: SearchQuery) -> SearchResult:
    """The result the search rules define for ``query`` over ``documents``, by brute force."""
    ranked = ranked_hits(documents, query)
    rest = ranked
    if query.cursor is not None:
        after = decode_cursor(query.cursor, query.sort)
        rest = [hit for hit in ranked if hit[0] > after]
    end = query.offset + query.page_size
    page = rest[query.offset : end]
    terms = query.terms
    facets: dict[Facet, tuple[FacetCount, ...]] = {}
    if Facet.GENRES in query.facets:
        facets[Facet.GENRES] = _facet(
            Counter(g for _, d, _ in ranked for g in {fold(g) for g in d.genres})
        )
    if Facet.LANGUAGES in query.facets:
        facets[Facet.LANGUAGES] = _facet(
            Counter(x for _, d, _ in ranked for x in {fold(x) for x in d.languages})
        )
    if Facet.FORMATS in query.facets:
        facets[Facet.FORMATS] = _facet(
            Counter(
                f
                for _, d, _ in ranked
                for f in {s.format.value for s in d.shows if query.show_matches(s)}
            )
        )
    return SearchResult(
        total=len(ranked),
        hits=tuple(
            SearchHit(
                movie_id=d.movie_id,
                score=s,
                highlight=highlight(d.title, terms) if terms else None,
            )
            for _, d, s in page
        ),
        facets=facets,
        next_cursor=encode_cursor(query.sort, page[-1][0]) if len(rest) > end else None,
    )


def reference_suggest(
    documents: Iterable[MovieDocument], prefix: str, limit: int = 10
) -> tuple[Suggestion, ...]:
    """Suggestions as the port defines them, by reading every title."""
    tokens = analyze(prefix)
    if not tokens:
        return ()
    *head, last = tokens
    size = len(head)
    found = []
    for d in documents:
        title = analyze(d.title)
        if d.status is MovieStatus.INACTIVE:
            continue
        if any(
            list(title[i : i + size]) == head and title[i + size].startswith(last)
            for i in range(len(title) - size)
        ):
            found.append(d)
    found.sort(key=lambda d: (-d.popularity, fold(d.title), d.movie_id))
    return tuple(Suggestion(movie_id=d.movie_id, title=d.title) for d in found[:limit])


# --- strategies ----------------------------------------------------------------------------------

# Lengths 1 to 8 (fuzziness 0, 1 and 2), near neighbours, accents, punctuation and a repeat; few
# enough that small catalogs share words and queries have hits.
WORDS = (
    "a",
    "of",
    "the",
    "thé",
    "star",
    "stars",
    "Stár",
    "wars",
    "war",
    "Amélie",
    "amelie",
    "night",
    "knight",
    "Spider-Man",
    "return",
    "retrun",
)
GENRES = ("Drama", "drama", "Comédie", "Comedie", "Action", "Sci-Fi")
LANGUAGES = ("Hindi", "hindi", "English", "Tamil")
CITIES = ("c1", "c2", "c3")
DAY0 = date(2030, 1, 1)


def phrase(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """Text made of WORDS."""
    return st.lists(st.sampled_from(WORDS), min_size=min_size, max_size=max_size).map(" ".join)


def one_in(draw: st.DrawFn, times: int) -> bool:
    """True about once in ``times`` draws."""
    return draw(st.integers(1, times)) == times


@st.composite
def show_facts(draw: st.DrawFn, show_id: str) -> ShowFact:
    """A show in one of three cities over five days."""
    return ShowFact(
        show_id=show_id,
        city_id=draw(st.sampled_from(CITIES)),
        date=DAY0 + timedelta(days=draw(st.integers(0, 4))),
        format=draw(st.sampled_from(Format)),
    )


@st.composite
def documents(draw: st.DrawFn, movie_id: str) -> MovieDocument:
    """A movie whose text comes from WORDS, with few distinct popularities (ties)."""
    count = draw(st.integers(0, 3))
    return MovieDocument(
        movie_id=movie_id,
        title=draw(phrase(1, 4)),
        cast=tuple(draw(st.lists(phrase(1, 2), max_size=3))),
        director=draw(phrase(0, 2)),
        description=draw(phrase(0, 6)),
        genres=tuple(draw(st.lists(st.sampled_from(GENRES), max_size=3))),
        languages=tuple(draw(st.lists(st.sampled_from(LANGUAGES), max_size=2))),
        status=draw(st.sampled_from(MovieStatus)),
        rating=draw(st.none() | st.integers(10, 100).map(lambda r: Decimal(r) / 10)),
        popularity=draw(st.integers(0, 3)),
        release_date=DAY0 - timedelta(days=draw(st.integers(0, 3))),
        shows=tuple(draw(show_facts(f"{movie_id}-s{n}")) for n in range(count)),
    )


@st.composite
def catalogs(draw: st.DrawFn, min_size: int = 3, max_size: int = 10) -> list[MovieDocument]:
    """``min_size`` to ``max_size`` movies with distinct ids."""
    size = draw(st.integers(min_size, max_size))
    return [draw(documents(f"m{n:02d}")) for n in range(size)]


@st.composite
def typo_words(draw: st.DrawFn, words: Sequence[str] = WORDS) -> str:
    """One of ``words``, maybe with one or two random edits (so within reach, or just out)."""
    word = draw(st.sampled_from(words))
    for _ in range(draw(st.integers(0, 2)) if one_in(draw, 3) else 0):
        chars = list(word)
        at = draw(st.integers(0, len(chars)))
        letter = draw(st.sampled_from("aeistx"))
        edit = draw(st.sampled_from(("insert", "delete", "substitute", "transpose")))
        if edit == "insert":
            chars.insert(at, letter)
        elif at < len(chars) and edit == "delete":
            del chars[at]
        elif at < len(chars) and edit == "substitute":
            chars[at] = letter
        elif at + 1 < len(chars):
            chars[at], chars[at + 1] = chars[at + 1], chars[at]
        word = "".join(chars) or word
    return word


def words_of(catalog: Sequence[MovieDocument]) -> list[str]:
    """Every word of the catalog's text fields (WORDS for an empty catalog)."""
    found = [
        word
        for d in catalog
        for text in (d.title, d.director, d.description, *d.cast)
        for word in text.split()
    ]
    return found or list(WORDS)


@st.composite
def queries(draw: st.DrawFn, catalog: Sequence[MovieDocument] = ()) -> SearchQuery:
    """Any query: text (words of ``catalog``, some misspelt, or a phrase of a title), each
    filter about one time in four (values mostly taken from the catalog), any sort, a small
    page, and facets."""

    def sometimes(values: st.SearchStrategy[Any], otherwise: Any = None) -> Any:
        return draw(values) if one_in(draw, 4) else otherwise

    words = words_of(catalog)
    if catalog and one_in(draw, 5):
        text = draw(st.sampled_from(catalog)).title  # a phrase
    else:
        text = " ".join(draw(st.lists(typo_words(words), max_size=3)))
    genres = sorted({g for d in catalog for g in d.genres} | {"Horror"})
    languages = sorted({x for d in catalog for x in d.languages} | {"Tamil"})
    start = DAY0 + timedelta(days=draw(st.integers(0, 4)))
    statuses = sometimes(st.sets(st.sampled_from(MovieStatus), min_size=1))
    extra: dict[str, Any] = {} if statuses is None else {"statuses": statuses}
    return SearchQuery(
        text=text,
        genres=sometimes(st.sets(st.sampled_from(genres), min_size=1, max_size=2), frozenset()),
        languages=sometimes(st.sets(st.sampled_from(languages), min_size=1, max_size=2), ()),
        city_id=sometimes(st.sampled_from((*CITIES, "c9"))),
        dates=sometimes(
            st.integers(0, 3).map(lambda n: DateRange(start=start, end=start + timedelta(days=n)))
        ),
        formats=sometimes(st.sets(st.sampled_from(Format), min_size=1, max_size=2), frozenset()),
        min_rating=sometimes(st.integers(2, 18).map(lambda r: Decimal(r) / 2)),
        sort=draw(st.sampled_from(SortBy)),
        page_size=draw(st.integers(1, 4)),
        offset=draw(st.integers(0, 3)) if one_in(draw, 3) else 0,
        facets=draw(st.sets(st.sampled_from(Facet))),
        **extra,
    )


async def engine_with(catalog: Iterable[MovieDocument]) -> MemoryMovieSearch:
    """A fresh engine holding ``catalog``."""
    engine = MemoryMovieSearch()
    await engine.index_many(list(catalog))
    return engine


# --- properties ----------------------------------------------------------------------------------


@given(data=st.data())
async def test_results_equal_the_brute_force_reference(data: st.DataObject) -> None:
    """Hits, scores, order, total, facets, highlights and next cursor equal the reference."""
    catalog = data.draw(catalogs(min_size=0))
    engine = await engine_with(catalog)
    for _ in range(6):
        query = data.draw(queries(catalog))
        assert await engine.search(query) == reference(catalog, query)


@pytest.mark.parametrize("cost", [0, 10**9], ids=["gathered", "ordered"])
@given(data=st.data(), page_size=st.integers(1, 3))
async def test_cursor_and_offset_walks_visit_every_hit_once_in_order(
    cost: int, data: st.DataObject, page_size: int
) -> None:
    """Following next_cursor, or stepping the offset, lists every hit exactly once, in order,
    whether the page is taken from the gathered hits or read off the ordered keys."""
    catalog = data.draw(catalogs())
    engine = await engine_with(catalog)
    word = data.draw(st.sampled_from(words_of(catalog)))
    # A gathering cost of 0 never walks; a huge one always walks, and never gives up.
    with patch.object(memory_search, "_GATHER_COST", cost):
        for query in (data.draw(queries(catalog)), SearchQuery(text=word)):
            await _walk(engine, catalog, query, page_size)


async def _walk(
    engine: MemoryMovieSearch, catalog: list[MovieDocument], query: SearchQuery, page_size: int
) -> None:
    """Walk the query's hits by cursor and by offset; each walk must list the reference's."""
    expected = [d.movie_id for _, d, _ in ranked_hits(catalog, query)]
    first = SearchQuery(**{**_fields(query), "offset": 0, "page_size": page_size})

    by_cursor: list[str] = []
    current = first
    for _ in range(len(expected) + 2):
        result = await engine.search(current)
        assert result.total == len(expected)
        by_cursor.extend(hit.movie_id for hit in result.hits)
        if result.next_cursor is None:
            break
        current = SearchQuery(**{**_fields(first), "cursor": result.next_cursor})
    assert by_cursor == expected

    by_offset: list[str] = []
    for offset in range(0, len(expected) + page_size, page_size):
        page = await engine.search(SearchQuery(**{**_fields(first), "offset": offset}))
        by_offset.extend(hit.movie_id for hit in page.hits)
        assert (page.next_cursor is None) == (offset + page_size >= len(expected))
    assert by_offset == expected


def _fields(query: SearchQuery) -> dict[str, Any]:
    """The query's constructor arguments."""
    return {a.name: getattr(query, a.name) for a in fields(SearchQuery)}


@given(data=st.data())
async def test_writes_keep_the_indexes_equal_to_the_documents(data: st.DataObject) -> None:
    """After any mix of index (new text, or the same text with a new popularity and rating),
    remove, put_show and remove_show, searches, suggestions and get answer as the reference over
    the documents the writes leave."""
    catalog = data.draw(catalogs(max_size=8))
    engine = await engine_with(catalog)
    model = {d.movie_id: d for d in catalog}
    pool = [f"m{n:02d}" for n in range(len(catalog) + 2)]
    kinds = ("index", "bump", "remove", "put_show", "drop_show")
    for _ in range(data.draw(st.integers(3, 12))):
        movie_id = data.draw(st.sampled_from(pool))
        kind = data.draw(st.sampled_from(kinds))
        old = model.get(movie_id)
        show_id = f"{movie_id}-s{data.draw(st.integers(0, 3))}"
        if kind == "index" or (kind == "bump" and old is not None):
            new = data.draw(documents(movie_id))
            if kind == "bump" and old is not None:
                new = evolve(old, popularity=new.popularity, rating=new.rating)
            await engine.index(new)
            model[movie_id] = new
        elif kind == "remove":
            assert await engine.remove(movie_id) == (model.pop(movie_id, None) is not None)
        elif kind == "put_show" and old is None:
            with pytest.raises(NotFound):
                await engine.put_show(movie_id, data.draw(show_facts(show_id)))
        elif kind == "put_show" and old is not None:
            show = data.draw(show_facts(show_id))
            await engine.put_show(movie_id, show)
            kept = [s for s in old.shows if s.show_id != show_id]
            model[movie_id] = _with_shows(old, [*kept, show])
        elif kind == "drop_show":
            there = old is not None and any(s.show_id == show_id for s in old.shows)
            assert await engine.remove_show(movie_id, show_id) == there
            if old is not None and there:
                model[movie_id] = _with_shows(old, [s for s in old.shows if s.show_id != show_id])
        query = data.draw(queries(list(model.values())))
        assert await engine.search(query) == reference(model.values(), query)
        prefix = query.text[: len(query.text) // 2 + 1]
        assert await engine.suggest(prefix) == reference_suggest(model.values(), prefix)
    for movie_id in pool:
        assert await engine.get(movie_id) == model.get(movie_id)


def _with_shows(document: MovieDocument, shows: list[ShowFact]) -> MovieDocument:
    """``document`` with its shows replaced."""
    return evolve(document, shows=tuple(shows))


def truncated(text: str) -> st.SearchStrategy[str]:
    """The text from one of its words on, cut anywhere: what someone typing it may have typed."""
    words = text.split() or [""]
    return st.integers(0, len(words) - 1).flatmap(
        lambda first: st.integers(0, len(" ".join(words[first:]))).map(
            lambda size: " ".join(words[first:])[:size]
        )
    )


@given(catalog=catalogs(), data=st.data(), limit=st.integers(1, 20))
async def test_suggestions_equal_the_reference(
    catalog: list[MovieDocument], data: st.DataObject, limit: int
) -> None:
    """Suggestions continue the prefix word by word, in popularity, title and id order."""
    engine = await engine_with(catalog)
    titles = [d.title for d in catalog] or ["star"]
    for _ in range(5):
        source = data.draw(st.sampled_from(titles) | phrase(1, 3))
        prefix = data.draw(truncated(source) | st.text(alphabet="sStaAéw -", max_size=6))
        found = await engine.suggest(prefix, limit=limit)
        assert found == reference_suggest(catalog, prefix, limit)


@given(
    a=st.text(alphabet="abcéß", max_size=8),
    b=st.text(alphabet="abcéß", max_size=8),
    limit=st.integers(0, 2),
)
def test_rapidfuzz_osa_agrees_with_the_rules_distance(a: str, b: str, limit: int) -> None:
    """rapidfuzz's OSA distance, which the engine expands terms with, is the rules' distance."""
    assert OSA.distance(a, b) == edit_distance(a, b)
    within = OSA.distance(a, b, score_cutoff=limit) <= limit
    assert within == (edit_distance(a, b, limit) <= limit)


# --- examples ------------------------------------------------------------------------------------


def movie(movie_id: str, title: str, **fields: Any) -> MovieDocument:
    """A document with defaults for what the test does not care about."""
    values: dict[str, Any] = {"release_date": DAY0}
    values.update(fields)
    return MovieDocument(movie_id=movie_id, title=title, **values)


def show(show_id: str, city_id: str = "c1", days: int = 0, kind: str = "2D") -> ShowFact:
    """A show on DAY0 + ``days``."""
    return ShowFact(
        show_id=show_id, city_id=city_id, date=DAY0 + timedelta(days=days), format=Format(kind)
    )


async def ids(engine: MemoryMovieSearch, **query: Any) -> list[str]:
    """The movie ids of the first page of a query."""
    return [hit.movie_id for hit in (await engine.search(SearchQuery(**query))).hits]


async def test_index_replaces_the_whole_document_shows_included() -> None:
    """Re-indexing a movie drops its old text, filters and shows."""
    engine = await engine_with([movie("m1", "Star Wars", genres=("Drama",))])
    await engine.put_show("m1", show("s1", "c1"))
    await engine.index(movie("m1", "Lagaan", genres=("Action",)))
    assert await ids(engine, text="star") == []
    assert await ids(engine, text="lagaan", genres={"action"}) == ["m1"]
    assert await ids(engine, city_id="c1") == []
    got = await engine.get("m1")
    assert got is not None
    assert got.shows == ()


async def test_reindexing_with_the_same_title_updates_the_other_text() -> None:
    """A new description, cast or director under an unchanged title replaces the old one."""
    engine = await engine_with([movie("m1", "Star", description="desert", director="Lucas")])
    await engine.index(movie("m1", "Star", description="ocean", cast=("Mark Hamill",)))
    assert await ids(engine, text="desert") == []
    assert await ids(engine, text="lucas") == []
    assert await ids(engine, text="ocean hamill") == ["m1"]


async def test_index_many_keeps_the_later_document_of_an_id() -> None:
    """A movie id given twice in one batch keeps the later document."""
    engine = await engine_with([movie("m1", "First"), movie("m1", "Second")])
    got = await engine.get("m1")
    assert got is not None
    assert got.title == "Second"
    assert await ids(engine, text="first") == []


async def test_index_many_with_a_bad_item_indexes_nothing() -> None:
    """A batch holding a non-document is refused as a whole."""
    engine = MemoryMovieSearch()
    with pytest.raises(InvalidInput):
        await engine.index_many([movie("m1", "Star"), "m2"])  # type: ignore[list-item]
    assert await engine.get("m1") is None


async def test_remove_forgets_the_movie_everywhere() -> None:
    """A removed movie is gone from get, search, filters, facets and suggestions; a second
    remove reports nothing was there."""
    engine = await engine_with(
        [movie("m1", "Star Wars", genres=("Drama",), shows=(show("s1"),)), movie("m2", "Dangal")]
    )
    assert await engine.remove("m1") is True
    assert await engine.remove("m1") is False
    assert await engine.get("m1") is None
    assert await ids(engine, text="star") == []
    result = await engine.search(SearchQuery(facets={Facet.GENRES, Facet.FORMATS}))
    assert result.facets == {Facet.GENRES: (), Facet.FORMATS: ()}
    assert await engine.suggest("st") == ()


async def test_put_show_needs_an_indexed_movie() -> None:
    """Adding a show to a movie that is not indexed raises NotFound naming the movie."""
    engine = MemoryMovieSearch()
    with pytest.raises(NotFound) as raised:
        await engine.put_show("m9", show("s1"))
    assert (raised.value.kind, raised.value.key) == ("movie", "m9")


async def test_put_show_replaces_a_show_by_id() -> None:
    """A show put twice under one id keeps only the later one."""
    engine = await engine_with([movie("m1", "Star")])
    await engine.put_show("m1", show("s1", "c1"))
    await engine.put_show("m1", show("s1", "c2"))
    assert await ids(engine, city_id="c1") == []
    assert await ids(engine, city_id="c2") == ["m1"]
    got = await engine.get("m1")
    assert got is not None
    assert got.shows == (show("s1", "c2"),)


async def test_remove_show_reports_whether_it_was_there() -> None:
    """remove_show is True once, then False; False for a movie that is not indexed."""
    engine = await engine_with([movie("m1", "Star", shows=(show("s1"), show("s2", "c2")))])
    assert await engine.remove_show("m1", "s1") is True
    assert await engine.remove_show("m1", "s1") is False
    assert await engine.remove_show("m9", "s1") is False
    assert await ids(engine, city_id="c1") == []
    assert await ids(engine, city_id="c2") == ["m1"]


async def test_one_show_must_meet_every_show_filter() -> None:
    """City, dates and format are met by one show, not by different shows of the movie."""
    engine = await engine_with(
        [movie("m1", "Star", shows=(show("s1", "c1", 0, "2D"), show("s2", "c2", 3, "IMAX")))]
    )
    day = DateRange(start=DAY0, end=DAY0)
    assert await ids(engine, city_id="c1", formats={"IMAX"}) == []
    assert await ids(engine, city_id="c2", dates=day) == []
    assert await ids(engine, city_id="c1", dates=day, formats={"2D"}) == ["m1"]


async def test_formats_facet_counts_shows_meeting_the_show_filters() -> None:
    """The formats facet counts a movie under the formats of its shows that pass the show
    filters; values without a movie are left out."""
    engine = await engine_with(
        [
            movie("m1", "A", shows=(show("s1", "c1", 0, "2D"), show("s2", "c2", 0, "IMAX"))),
            movie("m2", "B", shows=(show("s3", "c1", 0, "2D"), show("s4", "c1", 1, "3D"))),
        ]
    )
    result = await engine.search(SearchQuery(city_id="c1", facets={"formats"}))
    assert result.facets == {
        Facet.FORMATS: (FacetCount(value="2D", count=2), FacetCount(value="3D", count=1))
    }
    everything = await engine.search(SearchQuery(facets={"formats"}))
    assert [c.value for c in everything.facets[Facet.FORMATS]] == ["2D", "3D", "IMAX"]


async def test_genre_facet_counts_a_movie_once_per_folded_value() -> None:
    """'Comédie' and 'comedie' on one movie count once, under the folded value."""
    engine = await engine_with(
        [movie("m1", "A", genres=("Comédie", "comedie")), movie("m2", "B", genres=("COMEDIE",))]
    )
    result = await engine.search(SearchQuery(facets={"genres"}))
    assert result.facets == {Facet.GENRES: (FacetCount(value="comedie", count=2),)}


async def test_a_new_token_reaches_terms_expanded_before_it_arrived() -> None:
    """A term searched before a near token was indexed matches that token afterwards."""
    engine = await engine_with([movie("m1", "Star")])
    assert await ids(engine, text="stars") == ["m1"]
    await engine.index(movie("m2", "Stairs"))
    assert await ids(engine, text="stars") == ["m1", "m2"]
    await engine.remove("m2")
    assert await ids(engine, text="stars") == ["m1"]


async def test_scores_rank_exact_over_fuzzy_and_phrase_over_scattered() -> None:
    """An exact title word outranks a fuzzy one; the words as a phrase outrank them apart."""
    engine = await engine_with(
        [
            movie("exact", "Star Wars"),
            movie("fuzzy", "Stag Wars"),
            movie("apart", "Wars of a Star"),
        ]
    )
    result = await engine.search(SearchQuery(text="star wars"))
    # exact: 6 + 6 + title phrase 12; apart: 6 + 6; fuzzy: "stag" 3 + "wars" 6, no phrase.
    assert [(h.movie_id, h.score) for h in result.hits] == [
        ("exact", 24),
        ("apart", 12),
        ("fuzzy", 9),
    ]
    assert result.hits[0].highlight == "<em>Star</em> <em>Wars</em>"


async def test_phrase_never_spans_two_cast_members() -> None:
    """Two names' last and first words next to each other are not a phrase."""
    engine = await engine_with(
        [movie("m1", "X", cast=("Aamir Khan", "Shah Rukh"))],
    )
    for text in ("khan shah", "aamir shah"):
        result = await engine.search(SearchQuery(text=text))
        assert [h.score for h in result.hits] == [8]
    together = await engine.search(SearchQuery(text="aamir khan"))
    assert [h.score for h in together.hits] == [8 + 8]


async def test_cursor_of_another_sort_is_refused() -> None:
    """A cursor made under one sort is InvalidInput under another."""
    engine = await engine_with([movie("m1", "A"), movie("m2", "B")])
    first = await engine.search(SearchQuery(page_size=1, sort="rating"))
    assert first.next_cursor is not None
    with pytest.raises(InvalidInput):
        await engine.search(SearchQuery(page_size=1, cursor=first.next_cursor, sort="popularity"))


async def test_no_text_lists_every_filtered_movie_by_popularity() -> None:
    """Without text every movie passing the filters is a hit scoring 0, most popular first;
    retired movies are hidden by default."""
    engine = await engine_with(
        [
            movie("m1", "A", popularity=1),
            movie("m2", "B", popularity=5),
            movie("m3", "C", popularity=9, status=MovieStatus.INACTIVE),
        ]
    )
    result = await engine.search(SearchQuery())
    assert result == SearchResult(
        total=2,
        hits=(SearchHit(movie_id="m2", score=0), SearchHit(movie_id="m1", score=0)),
    )


async def test_offset_past_the_hits_is_an_empty_last_page() -> None:
    """An offset beyond the hits gives no hits, the total, and no cursor."""
    engine = await engine_with([movie("m1", "A")])
    result = await engine.search(SearchQuery(offset=MAX_OFFSET_WINDOW - 1, page_size=1))
    assert (result.total, result.hits, result.next_cursor) == (1, (), None)


async def test_suggest_completes_the_last_word_after_exact_words() -> None:
    """'star w' suggests titles with 'star' followed by a word starting with 'w', most popular
    first; inactive movies and other word orders are not suggested."""
    engine = await engine_with(
        [
            movie("m1", "Star Wars", popularity=5),
            movie("m2", "The Star Witness", popularity=9),
            movie("m3", "Wars of the Star", popularity=7),
            movie("m4", "Star Wreck", popularity=20, status=MovieStatus.INACTIVE),
            movie("m5", "Star-Wolf", popularity=5, status=MovieStatus.COMING_SOON),
        ]
    )
    found = await engine.suggest("Star w")
    assert [s.movie_id for s in found] == ["m2", "m1", "m5"]
    assert [s.movie_id for s in await engine.suggest("star wa")] == ["m1"]
    assert [s.movie_id for s in await engine.suggest("sta", limit=2)] == ["m2", "m3"]
    assert await engine.suggest("  -- ") == ()


async def test_suggest_folds_accents_and_case() -> None:
    """'AMEL' suggests 'Amélie'."""
    engine = await engine_with([movie("m1", "Amélie")])
    assert await engine.suggest("AMEL") == (Suggestion(movie_id="m1", title="Amélie"),)


@pytest.mark.parametrize(
    ("prefix", "limit"),
    [("a", 0), ("a", 21), ("a", True), ("a", "3"), ("x" * 101, 10), (None, 10)],
)
async def test_suggest_refuses_bad_arguments(prefix: object, limit: object) -> None:
    """A limit outside 1..20, a non-integer limit or a prefix over 100 characters is refused."""
    engine = MemoryMovieSearch()
    with pytest.raises(InvalidInput):
        await engine.suggest(prefix, limit=limit)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("index", ("m1",)),
        ("index_many", ("m1",)),
        ("remove", ("",)),
        ("remove", ("a b",)),
        ("put_show", ("m1", "s1")),
        ("put_show", ("", show("s1"))),
        ("remove_show", ("m1", "")),
        ("get", (None,)),
        ("search", ("star",)),
    ],
)
async def test_bad_arguments_are_refused(method: str, args: tuple[object, ...]) -> None:
    """Arguments of the wrong type or malformed ids raise InvalidInput."""
    engine = MemoryMovieSearch()
    with pytest.raises(InvalidInput):
        await getattr(engine, method)(*args)


def test_one_engine_serves_two_event_loops_at_once() -> None:
    """Writes and searches from two threads, each with its own loop, all land and agree."""
    engine = MemoryMovieSearch()
    start = threading.Barrier(2)

    async def work(n: int) -> None:
        for i in range(50):
            await engine.index(movie(f"m{n}-{i}", f"Star {n} {i}"))
            await engine.search(SearchQuery(text="star"))

    def run(n: int) -> None:
        start.wait()
        asyncio.run(work(n))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result = asyncio.run(engine.search(SearchQuery(text="star", page_size=1)))
    assert result.total == 100


def test_a_rating_that_cannot_be_ordered_never_reaches_the_index() -> None:
    """A document with a NaN rating is refused: sorting by rating or filtering on it would
    raise."""
    for bad in ("NaN", "sNaN"):
        with pytest.raises(InvalidInput):
            movie("m1", "A", rating=Decimal(bad))
