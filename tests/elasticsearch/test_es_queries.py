"""The pure translation layer of the Elasticsearch adapter: documents, bodies and responses.

No server: documents round-trip through ``_source`` exactly, the order-preserving encodings
(``rating_key``, ``show_keys``) agree with the domain's comparisons, request bodies have the
documented shapes, and ``result_from`` over responses built from the memory engine's answers
gives the memory engine's results, pages and cursors included.  The same functions are checked
against a server by the contract suite (``test_es_search_contract.py``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from attrs import evolve
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig, ObjectApiResponse
from hypothesis import given, settings
from hypothesis import strategies as st

from bookmyshow.adapters.elasticsearch import (
    INDEX_MAPPINGS,
    document_from,
    index_body,
    rating_key,
    result_from,
    search_body,
    show_filter_keys,
    show_keys,
    source_of,
    suggest_body,
    suggestions_from,
)
from bookmyshow.adapters.elasticsearch.documents import MAX_LONG, document_json
from bookmyshow.adapters.elasticsearch.queries import (
    FACET_SIZE,
    search_after,
    sort_clauses,
)
from bookmyshow.adapters.memory.search import MemoryMovieSearch
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
    analyze,
    decode_cursor,
    encode_cursor,
    sort_key,
)
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.testing.search_catalog import SEARCH_CATALOG, catalog_document

pytestmark = pytest.mark.timeout(120)

# --- strategies ----------------------------------------------------------------------------------

_WORDS = ("Dark", "Amélie", "STRAẞE", "Øre", "हिन्दी", "Spider-Man:", "K.G.F", "ﬁne", "İ", "a_b", "")
_texts = st.lists(st.sampled_from(_WORDS) | st.text(max_size=6), max_size=4).map(" ".join)
_ids = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Z", "C")), min_size=1, max_size=6
)
_dates = st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31))
_show_dates = st.dates(min_value=date(2030, 1, 1), max_value=date(2030, 1, 8))
_cities = st.sampled_from(("delhi", "*", "a|b", "a", "b|"))
_decimals = st.decimals(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [Decimal("8.5"), Decimal("8.50"), Decimal("-0"), Decimal("1E+999999"), Decimal("-1E-999999")]
)


@st.composite
def _shows(draw: st.DrawFn, days: st.SearchStrategy[date] = _show_dates) -> tuple[ShowFact, ...]:
    facts = draw(st.lists(st.tuples(_cities, days, st.sampled_from(Format)), max_size=4))
    return tuple(
        ShowFact(show_id=f"s{n}", city_id=city, date=day, format=kind)
        for n, (city, day, kind) in enumerate(facts)
    )


@st.composite
def _documents(draw: st.DrawFn) -> MovieDocument:
    return MovieDocument(
        movie_id=draw(_ids),
        title=draw(_texts),
        cast=tuple(draw(st.lists(_texts, max_size=3))),
        director=draw(_texts),
        description=draw(_texts),
        genres=tuple(draw(st.lists(_texts, max_size=3))),
        languages=tuple(draw(st.lists(_texts, max_size=3))),
        status=draw(st.sampled_from(MovieStatus)),
        rating=draw(st.none() | _decimals),
        popularity=draw(st.integers(0, MAX_LONG)),
        release_date=draw(_dates),
        shows=draw(_shows(_dates)),
    )


@st.composite
def _show_queries(draw: st.DrawFn) -> SearchQuery:
    start = draw(_show_dates)
    dates = DateRange(start=start, end=start + timedelta(days=draw(st.integers(0, 3))))
    return SearchQuery(
        city_id=draw(st.none() | _cities),
        dates=draw(st.none() | st.just(dates)),
        formats=draw(st.sets(st.sampled_from(Format), max_size=2)),
    )


# --- documents -----------------------------------------------------------------------------------


def test_every_catalog_document_round_trips_through_json() -> None:
    """document_from(json(source_of(d))) == d for every movie of the search catalog."""
    for document in SEARCH_CATALOG:
        source = json.loads(json.dumps(source_of(document)))
        assert document_from(source) == document


@settings(max_examples=200)
@given(document=_documents())
def test_any_document_round_trips_exactly(document: MovieDocument) -> None:
    """Any document comes back equal, its rating with the same digits and exponent."""
    source = json.loads(json.dumps(source_of(document)))
    back = document_from(source)
    assert back == document
    assert str(back.rating) == str(document.rating)
    assert set(source) == set(INDEX_MAPPINGS["properties"])


def test_source_fields_hold_the_analyzed_values() -> None:
    """The indexed fields are the domain's analysis of the document, as the mapping documents."""
    source = source_of(catalog_document("amelie"))
    assert source["title"] == "amelie"
    assert source["cast"] == ["audrey tautou", "mathieu kassovitz"]
    assert source["director"] == "jean pierre jeunet"
    assert source["title_sort"] == "amélie".replace("é", "e")
    assert source["genres"] == ["comedy", "romance"]
    assert source["languages"] == ["french"]
    assert (source["status"], source["rated"], source["popularity"]) == ("active", 1, 410)
    assert source["rating_key"] == rating_key(Decimal("8.3"))
    assert source["release_ordinal"] == date(2001, 4, 25).toordinal()
    assert source["show_keys"] == sorted(
        f"{c}|{d}|{f}" for c in ("mumbai", "") for d in ("2030-01-11", "") for f in ("2D", "")
    )
    suffixes = source_of(catalog_document("dark-knight-rises"))["title_suffixes"]
    assert suffixes == ["the dark knight rises", "dark knight rises", "knight rises", "rises"]
    unrated = source_of(catalog_document("kalki"))
    assert (unrated["rated"], unrated["rating_key"]) == (0, rating_key(Decimal(0)))


def test_source_of_refuses_what_the_index_cannot_hold() -> None:
    """A non-document, or a popularity beyond a long, is InvalidInput naming the field."""
    with pytest.raises(InvalidInput) as info:
        source_of(object())  # type: ignore[arg-type]
    assert info.value.field == "document"
    too_popular = evolve(catalog_document("jaws"), popularity=MAX_LONG + 1)
    with pytest.raises(InvalidInput) as info:
        source_of(too_popular)
    assert info.value.field == "popularity"
    assert source_of(evolve(too_popular, popularity=MAX_LONG))["popularity"] == MAX_LONG


def _doc_without(name: str) -> dict[str, Any]:
    doc = document_json(catalog_document("pokemon-pikachu"))
    del doc[name]
    return {"doc": doc}


def _doc_with(name: str, value: object) -> dict[str, Any]:
    return {"doc": document_json(catalog_document("pokemon-pikachu")) | {name: value}}


@pytest.mark.parametrize(
    "source",
    [
        None,
        {},
        {"doc": []},
        _doc_without("title"),
        _doc_without("shows"),
        _doc_with("rating", "eight"),
        _doc_with("rating", 8.5),
        _doc_with("popularity", True),
        _doc_with("popularity", -1),
        _doc_with("release_date", "yesterday"),
        _doc_with("status", "retired"),
        _doc_with("cast", "Ryan Reynolds"),
        _doc_with("cast", [1]),
        _doc_with("shows", [1]),
        _doc_with("shows", [{"show_id": "x", "city_id": "a", "date": "2030-01-01"}]),
        _doc_with(
            "shows", [{"show_id": "x", "city_id": "a", "date": "2030-01-01", "format": "8K"}]
        ),
    ],
)
def test_document_from_refuses_malformed_sources(source: Any) -> None:
    """A source without a well-formed doc is InvalidInput, never a half-built document."""
    with pytest.raises(InvalidInput):
        document_from(source)


@settings(max_examples=300)
@given(a=_decimals, b=_decimals)
def test_rating_key_orders_as_the_decimals(a: Decimal, b: Decimal) -> None:
    """rating_key(a) compares to rating_key(b) exactly as a compares to b (8.5 == 8.50)."""
    key_a, key_b = rating_key(a), rating_key(b)
    assert (key_a < key_b, key_a == key_b) == (a < b, a == b)
    assert key_a.isascii()


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("-Infinity"), 8.5, "8.5", None])
def test_rating_key_refuses_non_finite_decimals(value: Any) -> None:
    """rating_key of a NaN, an infinity or a non-Decimal is InvalidInput."""
    with pytest.raises(InvalidInput):
        rating_key(value)


# --- show filters --------------------------------------------------------------------------------


@settings(max_examples=300)
@given(shows=_shows(), query=_show_queries(), kind=st.sampled_from(Format))
def test_show_keys_meet_exactly_when_one_show_satisfies_the_filters(
    shows: tuple[ShowFact, ...], query: SearchQuery, kind: Format
) -> None:
    """A movie's show keys meet the query's keys iff one show passes city, dates and formats."""
    keys = set(show_keys(shows))
    wanted = set(show_filter_keys(query))
    assert bool(keys & wanted) == any(query.show_matches(s) for s in shows)
    if not query.formats or kind in query.formats:
        in_kind = set(show_filter_keys(query, kind))
        assert bool(keys & in_kind) == any(
            query.show_matches(s) and s.format is kind for s in shows
        )


def test_show_filter_keys_expand_every_combination() -> None:
    """City x each date x each format; an unset part is the empty wildcard."""
    query = SearchQuery(
        city_id="delhi",
        dates=DateRange(start=date(2030, 1, 10), end=date(2030, 1, 11)),
        formats={Format.IMAX, Format.TWO_D},
    )
    assert show_filter_keys(query) == [
        "delhi|2030-01-10|2D",
        "delhi|2030-01-10|IMAX",
        "delhi|2030-01-11|2D",
        "delhi|2030-01-11|IMAX",
    ]
    assert show_filter_keys(SearchQuery(formats={"3D"})) == ["||3D"]
    assert show_filter_keys(SearchQuery(city_id="pune"), Format.FOUR_DX) == ["pune||4DX"]
    year = SearchQuery(dates=DateRange(start=date(2030, 1, 1), end=date(2031, 1, 2)))
    assert len(show_filter_keys(year)) == 367


# --- request bodies ------------------------------------------------------------------------------


def _term(field: str, term: str, exact: int, fuzzy: int | None, edits: int) -> list[Any]:
    clauses: list[Any] = [{"constant_score": {"filter": {"term": {field: term}}, "boost": exact}}]
    if fuzzy is not None:
        options = {
            "value": term,
            "fuzziness": edits,
            "transpositions": True,
            "prefix_length": 0,
            "max_expansions": 10_000,
            "rewrite": "constant_score",
        }
        clauses.append({"constant_score": {"filter": {"fuzzy": {field: options}}, "boost": fuzzy}})
    return clauses


def test_text_query_has_the_documented_shape() -> None:
    """'drak water ab': a dis_max per term (no fuzzy for 2 letters) and a phrase should."""
    body = search_body(SearchQuery(text="Drak water AB"))
    query = body["query"]["bool"]
    fields = (("title", 3), ("cast", 2), ("director", 2), ("description", 1))
    for clause, (term, edits) in zip(
        query["must"], (("drak", 1), ("water", 1), ("ab", 0)), strict=True
    ):
        expected = [
            part
            for field, boost in fields
            for part in _term(field, term, 2 * boost, boost if edits else None, edits)
        ]
        assert clause == {"dis_max": {"tie_breaker": 0, "queries": expected}}
    phrase = {"query": "drak water ab", "slop": 0}
    assert query["should"] == [
        {
            "dis_max": {
                "tie_breaker": 0,
                "queries": [
                    {
                        "constant_score": {
                            "filter": {"match_phrase": {field: phrase}},
                            "boost": 4 * boost,
                        }
                    }
                    for field, boost in fields
                ],
            }
        }
    ]
    assert query["filter"] == [{"terms": {"status": ["active", "coming_soon"]}}]
    single = search_body(SearchQuery(text="dark"))["query"]["bool"]
    assert "should" not in single


def test_filters_without_text_score_zero() -> None:
    """No text: constant_score 0 over every filter; sorts, paging and source as documented."""
    query = SearchQuery(
        genres={"Sci-Fi"},
        languages={"HINDI"},
        min_rating="8.5",
        city_id="delhi",
        statuses={"inactive"},
        sort=SortBy.RATING,
        page_size=7,
        offset=14,
    )
    body = search_body(query)
    assert body["query"] == {
        "constant_score": {
            "filter": {
                "bool": {
                    "filter": [
                        {"terms": {"status": ["inactive"]}},
                        {"terms": {"genres": ["sci-fi"]}},
                        {"terms": {"languages": ["hindi"]}},
                        {"term": {"rated": 1}},
                        {"range": {"rating_key": {"gte": rating_key(Decimal("8.5"))}}},
                        {"terms": {"show_keys": ["delhi||"]}},
                    ]
                }
            },
            "boost": 0,
        }
    }
    assert body["sort"] == [
        {"rated": {"order": "desc"}},
        {"rating_key": {"order": "desc"}},
        {"popularity": {"order": "desc"}},
        {"movie_id": {"order": "asc"}},
    ]
    assert (body["from"], body["size"], body["_source"]) == (14, 7, ["doc"])
    assert body["track_total_hits"] is True
    assert body["track_scores"] is True
    assert "search_after" not in body
    assert "aggs" not in body


def test_cursor_becomes_search_after_with_one_more_hit() -> None:
    """A cursor is search_after of its key with the signs turned back, and size page + 1."""
    key = sort_key(SortBy.RELEVANCE, catalog_document("jawan"), 12)
    query = SearchQuery(text="x", page_size=5, cursor=encode_cursor(SortBy.RELEVANCE, key))
    body = search_body(query)
    assert body["search_after"] == [12.0, 850, "jawan"]
    assert (body["from"], body["size"]) == (0, 6)


def test_facets_ask_for_every_value() -> None:
    """Genre and language terms aggs return every value; formats filter per asked format."""
    query = SearchQuery(city_id="delhi", formats={"IMAX", "3D"}, facets=set(Facet))
    aggs = search_body(query)["aggs"]
    for name in ("genres", "languages"):
        assert aggs[name]["terms"]["field"] == name
        assert aggs[name]["terms"]["size"] == FACET_SIZE
    assert aggs["formats"] == {
        "filters": {
            "filters": {
                "3D": {"terms": {"show_keys": ["delhi||3D"]}},
                "IMAX": {"terms": {"show_keys": ["delhi||IMAX"]}},
            }
        }
    }
    everything = search_body(SearchQuery(facets={Facet.FORMATS}))["aggs"]["formats"]["filters"]
    assert everything["filters"] == {
        kind.value: {"terms": {"show_keys": [f"||{kind.value}"]}} for kind in Format
    }


def test_search_body_refuses_a_non_query() -> None:
    """search_body of anything but a SearchQuery is InvalidInput naming the query."""
    with pytest.raises(InvalidInput) as info:
        search_body("dark")  # type: ignore[arg-type]
    assert info.value.field == "query"


# --- orders and cursors --------------------------------------------------------------------------


def _sort_values(sort: SortBy, document: MovieDocument, score: int) -> list[Any]:
    """The sort values Elasticsearch reports for a hit: its source fields, by sort_clauses."""
    source = source_of(document)
    names = [next(iter(clause)) for clause in sort_clauses(sort)]
    return [float(score) if name == "_score" else source[name] for name in names]


def _compare(sort: SortBy, a: Sequence[Any], b: Sequence[Any]) -> int:
    for clause, left, right in zip(sort_clauses(sort), a, b, strict=True):
        if left != right:
            ascending = next(iter(clause.values()))["order"] == "asc"
            return (-1 if left < right else 1) * (1 if ascending else -1)
    return 0


@settings(max_examples=300)
@given(
    sort=st.sampled_from(SortBy),
    first=st.tuples(st.sampled_from(SEARCH_CATALOG) | _documents(), st.integers(0, 120)),
    second=st.tuples(st.sampled_from(SEARCH_CATALOG) | _documents(), st.integers(0, 120)),
)
def test_sort_values_order_as_the_domain_keys(
    sort: SortBy, first: tuple[MovieDocument, int], second: tuple[MovieDocument, int]
) -> None:
    """The index's sort values order two hits as the domain's sort keys do, and search_after of
    a hit's key is its sort values."""
    (a, score_a), (b, score_b) = first, second
    key_a, key_b = sort_key(sort, a, score_a), sort_key(sort, b, score_b)
    values_a, values_b = _sort_values(sort, a, score_a), _sort_values(sort, b, score_b)
    assert search_after(sort, key_a) == values_a
    expected = (key_a > key_b) - (key_a < key_b)
    assert _compare(sort, values_a, values_b) == expected


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        (SortBy.POPULARITY, (-(2**63) - 1, "a")),
        (SortBy.POPULARITY, (2**64, "a")),
        (SortBy.RELEASE_DATE, (True, 0, "a")),
        (SortBy.RATING, (2**40, Decimal(0), 0, "a")),
        (SortBy.RATING, (0, "8.5", 0, "a")),
        (SortBy.RELEVANCE, (-(2**60), 0, "a")),
        (SortBy.RELEVANCE, (0, 0)),
    ],
)
def test_search_after_refuses_keys_no_index_value_can_have(
    sort: SortBy, key: tuple[Any, ...]
) -> None:
    """A decodable but out-of-range (tampered) cursor key is InvalidInput naming the cursor."""
    with pytest.raises(InvalidInput) as info:
        search_after(sort, key)
    assert info.value.field == "cursor"


def test_a_tampered_cursor_is_refused_before_any_request() -> None:
    """A cursor whose popularity overflows a long is refused by search_body."""
    cursor = encode_cursor(SortBy.POPULARITY, (-(2**70), "jaws"))
    with pytest.raises(InvalidInput) as info:
        search_body(SearchQuery(sort=SortBy.POPULARITY, cursor=cursor))
    assert info.value.field == "cursor"


# --- responses -----------------------------------------------------------------------------------

_MEMORY = MemoryMovieSearch()


async def _memory(query: SearchQuery) -> SearchResult:
    if (await _MEMORY.search(SearchQuery(page_size=1))).total == 0:
        await _MEMORY.index_many(SEARCH_CATALOG)
    return await _MEMORY.search(query)


def _respond(body: dict[str, Any], everything: SearchResult) -> dict[str, Any]:
    """What a server answers to ``body``, given every hit in order with its score: search_after,
    from and size applied to the ordered hits, facets as buckets in a scrambled order."""
    hits: list[dict[str, Any]] = []
    for hit in everything.hits:
        document = catalog_document(hit.movie_id)
        hits.append(
            {"_id": hit.movie_id, "_score": float(hit.score), "_source": source_of(document)}
        )
    if "search_after" in body:
        names = [next(iter(clause)) for clause in body["sort"]]
        sort = next(s for s in SortBy if [next(iter(c)) for c in sort_clauses(s)] == names)
        after = body["search_after"]
        hits = [
            hit
            for hit in hits
            if _compare(
                sort, _sort_values(sort, catalog_document(hit["_id"]), int(hit["_score"])), after
            )
            > 0
        ]
    page = hits[body["from"] : body["from"] + body["size"]]
    response: dict[str, Any] = {
        "hits": {"total": {"value": everything.total, "relation": "eq"}, "hits": page}
    }
    aggregations: dict[str, Any] = {}
    shuffle = random.Random(len(page)).shuffle
    for facet, counts in everything.facets.items():
        buckets = [{"key": c.value, "doc_count": c.count} for c in counts]
        shuffle(buckets)
        if facet is Facet.FORMATS:
            aggregations["formats"] = {
                "buckets": {b["key"]: {"doc_count": b["doc_count"]} for b in buckets}
                | {
                    kind.value: {"doc_count": 0}
                    for kind in Format
                    if kind.value not in {b["key"] for b in buckets}
                }
            }
        else:
            aggregations[facet.value] = {"buckets": buckets, "sum_other_doc_count": 0}
    if aggregations:
        response["aggregations"] = aggregations
    return response


async def _pages(query: SearchQuery, by_cursor: bool) -> list[SearchResult]:
    everything = await _memory(evolve(query, page_size=100, offset=0, cursor=None))
    pages: list[SearchResult] = []
    current = query
    while True:
        pages.append(result_from(_respond(search_body(current), everything), current))
        if len(pages) > len(SEARCH_CATALOG):
            return pages
        if by_cursor and pages[-1].next_cursor is not None:
            current = evolve(query, cursor=pages[-1].next_cursor)
        elif not by_cursor and len(pages[-1].hits) == query.page_size:
            current = evolve(current, offset=current.offset + query.page_size)
        else:
            return pages


async def _memory_pages(query: SearchQuery, by_cursor: bool) -> list[SearchResult]:
    pages = [await _memory(query)]
    while len(pages) <= len(SEARCH_CATALOG):
        last = pages[-1]
        if by_cursor and last.next_cursor is not None:
            pages.append(await _memory(evolve(query, cursor=last.next_cursor)))
        elif not by_cursor and len(last.hits) == query.page_size:
            pages.append(await _memory(evolve(query, offset=query.page_size * len(pages))))
        else:
            break
    return pages


@pytest.mark.asyncio
@pytest.mark.parametrize("by_cursor", [True, False], ids=["cursor", "offset"])
@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(page_size=6, facets=set(Facet)),
        SearchQuery(text="knight", page_size=1),
        SearchQuery(text="khan", sort=SortBy.RATING, page_size=2, facets={Facet.GENRES}),
        SearchQuery(sort=SortBy.RATING, page_size=4, statuses=set(MovieStatus)),
        SearchQuery(city_id="delhi", sort="release_date", page_size=5, facets={Facet.FORMATS}),
        SearchQuery(min_rating="8.2", sort="popularity", page_size=3),
        SearchQuery(text="zzzz", facets={Facet.LANGUAGES}),
    ],
    ids=["all", "knight", "khan-rating", "rating", "delhi-release", "popularity", "none"],
)
async def test_results_page_as_the_memory_engine(query: SearchQuery, by_cursor: bool) -> None:
    """Over a server's answers, result_from pages (hits, scores, highlights, totals, facets and
    cursors) exactly as the memory engine."""
    assert await _pages(query, by_cursor) == await _memory_pages(query, by_cursor)


def _response(hits: list[Any], total: Any = None, **extra: Any) -> dict[str, Any]:
    counted = {"value": len(hits), "relation": "eq"} if total is None else total
    return {"hits": {"total": counted, "hits": hits}} | extra


def _hit(movie_id: str = "jaws", score: Any = 0.0) -> dict[str, Any]:
    return {
        "_id": movie_id,
        "_score": score,
        "_source": {"doc": document_json(catalog_document(movie_id))},
    }


@pytest.mark.parametrize(
    "response",
    [
        [],
        {},
        {"hits": {"hits": []}},
        _response([], total={"value": 10_000, "relation": "gte"}),
        _response([_hit(score=2.5)]),
        _response([_hit(score=None)]),
        _response([_hit(score=float("nan"))]),
        _response([{"_id": "jaws", "_score": 0.0, "_source": {"doc": {"movie_id": "jaws"}}}]),
        _response([_hit()], aggregations={"genres": {"buckets": [], "sum_other_doc_count": 3}}),
        _response([_hit()], aggregations={"genres": {"buckets": [{"key": 1, "doc_count": 1}]}}),
        _response([_hit()]),
    ],
    ids=[
        "not-an-object",
        "no-hits",
        "no-total",
        "inexact-total",
        "fractional-score",
        "no-score",
        "nan-score",
        "malformed-document",
        "facet-cut",
        "bad-bucket",
        "facets-missing",
    ],
)
def test_result_from_refuses_unexpected_responses(response: Any) -> None:
    """A response of another shape is BackendUnavailable naming what is wrong."""
    with pytest.raises(BackendUnavailable) as info:
        result_from(response, SearchQuery(facets={Facet.GENRES}))
    assert info.value.backend == "elasticsearch"


def test_result_from_accepts_the_client_response_object() -> None:
    """The client's ObjectApiResponse is read through its body."""
    meta = ApiResponseMeta(
        status=200,
        http_version="1.1",
        headers=HttpHeaders(),
        duration=0.0,
        node=NodeConfig("http", "localhost", 9200),
    )
    response: ObjectApiResponse[Any] = ObjectApiResponse(
        body=_response([_hit("jaws", 6.0)]), meta=meta
    )
    result = result_from(response, SearchQuery(text="jaws"))
    assert [(h.movie_id, h.score, h.highlight) for h in result.hits] == [
        ("jaws", 6, "<em>Jaws</em>")
    ]
    assert suggestions_from(response) == [Suggestion(movie_id="jaws", title="Jaws")]


def test_next_cursor_names_the_last_hit_of_the_page() -> None:
    """By offset a cursor follows when the total goes past the page; by cursor, when the extra
    hit came back; it encodes the domain sort key of the page's last hit."""
    hits = [_hit("jawan", 0.0), _hit("jaws", 0.0)]
    query = SearchQuery(page_size=1)
    result = result_from(_response(hits[:1], total={"value": 2, "relation": "eq"}), query)
    assert result.next_cursor == encode_cursor(
        SortBy.RELEVANCE, sort_key(SortBy.RELEVANCE, catalog_document("jawan"), 0)
    )
    assert decode_cursor(result.next_cursor, SortBy.RELEVANCE)[-1] == "jawan"
    paged = evolve(query, cursor=result.next_cursor)
    last = result_from(_response(hits[1:], total={"value": 2, "relation": "eq"}), paged)
    assert ([h.movie_id for h in last.hits], last.next_cursor) == (["jaws"], None)
    more = result_from(_response(hits, total={"value": 2, "relation": "eq"}), paged)
    assert [h.movie_id for h in more.hits] == ["jawan"]
    assert more.next_cursor is not None


# --- suggestions ---------------------------------------------------------------------------------


def test_suggest_body_prefixes_the_title_suffixes() -> None:
    """The analyzed prefix is a prefix query on title_suffixes among active and coming-soon
    movies, by popularity, folded title and id, at most limit."""
    body = suggest_body("The Dark-KNIGHT r", 3)
    assert body == {
        "query": {
            "bool": {
                "filter": [
                    {"prefix": {"title_suffixes": {"value": "the dark knight r"}}},
                    {"terms": {"status": ["active", "coming_soon"]}},
                ]
            }
        },
        "sort": [
            {"popularity": {"order": "desc"}},
            {"title_sort": {"order": "asc"}},
            {"movie_id": {"order": "asc"}},
        ],
        "size": 3,
        "track_total_hits": False,
        "_source": ["doc"],
    }


@pytest.mark.parametrize("prefix", ["", " -!", "¿?"])
def test_a_prefix_without_tokens_asks_nothing(prefix: str) -> None:
    """A prefix that analyzes to no tokens gives no body: the answer is empty."""
    assert suggest_body(prefix) is None


@pytest.mark.parametrize(
    ("prefix", "limit", "field"),
    [
        ("d", 0, "limit"),
        ("d", 21, "limit"),
        ("d", True, "limit"),
        ("x" * 101, 5, "prefix"),
        (7, 5, "prefix"),
    ],
)
def test_suggest_body_refuses_bad_arguments(prefix: Any, limit: Any, field: str) -> None:
    """A limit outside 1..20 or a prefix that is not a string of at most 100 characters is
    InvalidInput naming it, as every engine."""
    with pytest.raises(InvalidInput) as info:
        suggest_body(prefix, limit)
    assert info.value.field == field


@settings(max_examples=100)
@given(document=st.sampled_from(SEARCH_CATALOG), data=st.data())
def test_a_title_suffix_starts_with_the_prefix_exactly_when_the_rule_suggests(
    document: MovieDocument, data: st.DataObject
) -> None:
    """A title suffix starts with the joined prefix iff the title continues the prefix's
    tokens at some word (the domain's suggestion rule)."""
    words = analyze(document.title) or ("x",)
    start = data.draw(st.integers(0, len(words) - 1))
    length = data.draw(st.integers(1, len(words) - start))
    cut = data.draw(st.integers(1, len(words[start + length - 1])))
    tokens = (*words[start : start + length - 1], words[start + length - 1][:cut])
    if data.draw(st.booleans()):
        tokens = (*tokens[:-1], tokens[-1] + data.draw(st.sampled_from("aeiouz")))
    body = suggest_body(" ".join(tokens))
    assert body is not None
    wanted = body["query"]["bool"]["filter"][0]["prefix"]["title_suffixes"]["value"]
    *head, last = tokens
    expected = any(
        list(words[i : i + len(head)]) == head and words[i + len(head)].startswith(last)
        for i in range(len(words) - len(head))
    )
    suffixes = source_of(document)["title_suffixes"]
    assert any(s.startswith(wanted) for s in suffixes) == expected


def test_suggestions_keep_order_and_original_titles() -> None:
    """Suggestions follow the hits' order with each movie's original title."""
    response = _response([_hit("pokemon-pikachu"), _hit("amelie")])
    assert suggestions_from(response) == [
        Suggestion(movie_id="pokemon-pikachu", title="Pokémon Detective Pikachu"),
        Suggestion(movie_id="amelie", title="Amélie"),
    ]
    with pytest.raises(BackendUnavailable):
        suggestions_from({"hits": {}})


def test_index_body_is_a_fresh_copy() -> None:
    """index_body returns settings and mappings that callers may change freely."""
    body = index_body()
    body["mappings"]["properties"].clear()
    assert index_body()["mappings"] == INDEX_MAPPINGS
    assert index_body()["settings"]["analysis"]["analyzer"]["bms_tokens"]["filter"] == []


@pytest.mark.parametrize(
    ("rating", "shown"),
    [(Decimal("8.5"), 8.5), (None, None), (Decimal("1E+400"), None)],
)
def test_display_fields_hold_rating_release_date_and_show_count(
    rating: Decimal | None, shown: float | None
) -> None:
    """The fields for people and dashboards: the rating as a double (None when unrated or out
    of a double's range), the release date, and how many shows the movie has."""
    document = evolve(catalog_document("amelie"), rating=rating)
    source = source_of(document)
    assert source["rating"] == shown
    assert source["release_date"] == document.release_date.isoformat()
    assert source["show_count"] == len(document.shows)
