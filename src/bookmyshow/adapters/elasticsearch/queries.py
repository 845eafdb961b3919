"""Search queries to Elasticsearch request bodies, and responses back to domain results.

Pure functions: no client, no I/O.  The bodies reproduce :mod:`bookmyshow.domain.search`
exactly (``docs/search.md`` explains each construct):

* each query term is one ``must`` clause, a ``dis_max`` (tie breaker 0) over the text fields of
  ``constant_score`` clauses: ``term`` scoring ``boost * 2`` and, when the term allows edits,
  ``fuzzy`` (explicit edits, transpositions, no prefix, ``constant_score`` rewrite so every
  variant counts) scoring ``boost * 1``; two or more terms add one ``should`` clause, a
  ``dis_max`` of ``match_phrase`` (slop 0) scoring ``boost * 4``.  Without text the query is
  ``constant_score`` with boost 0 over the filters: every hit scores 0;
* filters never score: ``terms`` on status, folded genres and languages; ``rated`` and a range
  on the exact ``rating_key``; one ``terms`` on ``show_keys`` for the show filters;
* sorts are the domain's sort keys turned into Elasticsearch sort values (each component's
  sign turned back), ending on ``movie_id``; a cursor becomes ``search_after``;
* facets are ``terms`` aggregations (genres, languages) and one ``filters`` aggregation with a
  filter per format (formats), re-ordered in Python by count, then value;
* highlights are computed in Python (:func:`bookmyshow.domain.search.highlight`).

Responses are read as plain mappings (``ObjectApiResponse`` is accepted too); a response that
does not have the expected shape raises :class:`~bookmyshow.ports.errors.BackendUnavailable`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any, Final

from elastic_transport import ObjectApiResponse

from bookmyshow.adapters.elasticsearch.documents import (
    MAX_LONG,
    WILDCARD,
    document_from,
    rating_key,
    show_key,
)
from bookmyshow.adapters.elasticsearch.errors import BACKEND
from bookmyshow.domain.catalog import Format, MovieStatus
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.search import (
    EXACT_WEIGHT,
    FIELD_BOOSTS,
    FUZZY_WEIGHT,
    MAX_SUGGESTIONS,
    PHRASE_WEIGHT,
    Facet,
    FacetCount,
    MovieDocument,
    SearchHit,
    SearchQuery,
    SearchResult,
    SortBy,
    Suggestion,
    analyze,
    decode_cursor,
    encode_cursor,
    fuzziness,
    highlight,
    sort_key,
)
from bookmyshow.domain.validation import require_count, require_instance
from bookmyshow.ports.errors import BackendUnavailable

__all__ = [
    "BACKEND",
    "FACET_SIZE",
    "FUZZY_MAX_EXPANSIONS",
    "MAX_PREFIX_LENGTH",
    "Response",
    "filter_clauses",
    "result_from",
    "search_after",
    "search_body",
    "show_filter_keys",
    "sort_clauses",
    "suggest_body",
    "suggestions_from",
    "text_query",
]


FACET_SIZE: Final = 10_000
"""Most distinct genres (or languages) a facet returns; more make the search fail loudly."""

FUZZY_MAX_EXPANSIONS: Final = 10_000
"""``max_expansions`` of the fuzzy clauses.  They also use the ``constant_score`` rewrite, which
visits every indexed variant within the term's edits, so no variant is left out."""

MAX_PREFIX_LENGTH: Final = 100
"""The longest prefix :func:`suggest_body` takes, in characters (as every engine)."""

_SUGGESTED: Final = (MovieStatus.ACTIVE.value, MovieStatus.COMING_SOON.value)
_MIN_INT: Final = -(2**31)
_MAX_INT: Final = 2**31 - 1
_MAX_EXACT_FLOAT: Final = 2**53

Response = Mapping[str, Any] | ObjectApiResponse[Any]
"""A search response: the client's ``ObjectApiResponse`` or its ``.body``."""


# --- filters -------------------------------------------------------------------------------------


def show_filter_keys(query: SearchQuery, kind: Format | None = None) -> list[str]:
    """The ``show_keys`` a movie needs one of to pass the query's show filters: the city (or the
    wildcard) x each date of the range (or the wildcard) x each format asked for (or the
    wildcard).  With ``kind``, the format part is ``kind`` alone (for the formats facet).

    A movie's keys (:func:`~bookmyshow.adapters.elasticsearch.documents.show_keys`) meet this
    list exactly when one of its shows satisfies the city, the dates and the formats together.
    Raises :class:`InvalidInput` for a non-query or a ``kind`` that is not a :class:`Format`.
    """
    require_instance(query, SearchQuery, "query")
    cities = [WILDCARD if query.city_id is None else query.city_id]
    days: list[date | None] = [None]
    if query.dates is not None:
        span = (query.dates.end - query.dates.start).days
        days = [query.dates.start + timedelta(days=n) for n in range(span + 1)]
    kinds: list[Format | None] = [None]
    if kind is not None:
        kinds = [require_instance(kind, Format, "kind")]
    elif query.formats:
        kinds = [*sorted(query.formats, key=lambda f: f.value)]
    return [show_key(city, day, k) for city in cities for day in days for k in kinds]


def filter_clauses(query: SearchQuery) -> list[dict[str, Any]]:
    """The non-scoring clauses for every filter of ``query`` (the text aside).

    Raises :class:`InvalidInput` for a non-query.
    """
    require_instance(query, SearchQuery, "query")
    clauses: list[dict[str, Any]] = [
        {"terms": {"status": sorted(status.value for status in query.statuses)}}
    ]
    if query.genres:
        clauses.append({"terms": {"genres": sorted(query.genres)}})
    if query.languages:
        clauses.append({"terms": {"languages": sorted(query.languages)}})
    if query.min_rating is not None:
        clauses.append({"term": {"rated": 1}})
        clauses.append({"range": {"rating_key": {"gte": rating_key(query.min_rating)}}})
    if query.filters_shows:
        clauses.append({"terms": {"show_keys": show_filter_keys(query)}})
    return clauses


# --- text ----------------------------------------------------------------------------------------


def _constant(clause: dict[str, Any], boost: int) -> dict[str, Any]:
    return {"constant_score": {"filter": clause, "boost": boost}}


def _term_clause(term: str) -> dict[str, Any]:
    edits = fuzziness(term)
    queries: list[dict[str, Any]] = []
    for name, boost in FIELD_BOOSTS.items():
        queries.append(_constant({"term": {name: term}}, boost * EXACT_WEIGHT))
        if edits:
            fuzzy = {
                "value": term,
                "fuzziness": edits,
                "transpositions": True,
                "prefix_length": 0,
                "max_expansions": FUZZY_MAX_EXPANSIONS,
                "rewrite": "constant_score",
            }
            queries.append(_constant({"fuzzy": {name: fuzzy}}, boost * FUZZY_WEIGHT))
    return {"dis_max": {"tie_breaker": 0, "queries": queries}}


def _phrase_clause(terms: Sequence[str]) -> dict[str, Any]:
    phrase = " ".join(terms)
    queries = [
        _constant({"match_phrase": {name: {"query": phrase, "slop": 0}}}, boost * PHRASE_WEIGHT)
        for name, boost in FIELD_BOOSTS.items()
    ]
    return {"dis_max": {"tie_breaker": 0, "queries": queries}}


def text_query(query: SearchQuery) -> dict[str, Any]:
    """The ``query`` clause of a search: the terms scored by the rules, the filters not scored.

    Raises :class:`InvalidInput` for a non-query.
    """
    filters = filter_clauses(query)
    terms = query.terms
    if not terms:
        return _constant({"bool": {"filter": filters}}, 0)
    scored: dict[str, Any] = {"must": [_term_clause(term) for term in terms], "filter": filters}
    if len(terms) >= 2:
        scored["should"] = [_phrase_clause(terms)]
    return {"bool": scored}


# --- order and paging ----------------------------------------------------------------------------

_SORTS: Final[Mapping[SortBy, tuple[tuple[str, str], ...]]] = {
    SortBy.RELEVANCE: (("_score", "desc"), ("popularity", "desc"), ("movie_id", "asc")),
    SortBy.RATING: (
        ("rated", "desc"),
        ("rating_key", "desc"),
        ("popularity", "desc"),
        ("movie_id", "asc"),
    ),
    SortBy.RELEASE_DATE: (("release_ordinal", "desc"), ("popularity", "desc"), ("movie_id", "asc")),
    SortBy.POPULARITY: (("popularity", "desc"), ("movie_id", "asc")),
}


def sort_clauses(sort: SortBy) -> list[dict[str, Any]]:
    """The ``sort`` of a search under ``sort``: the domain's sort key, field by field.

    Raises :class:`InvalidInput` for an unknown sort.
    """
    order = _SORTS.get(sort) if isinstance(sort, SortBy) else None
    if order is None:
        raise InvalidInput(field="sort", reason="a SortBy")
    return [{name: {"order": direction}} for name, direction in order]


def _bounded(value: Any, low: int, high: int) -> int:
    # A cursor that decodes but names a position no index value can have (a tampered one) is
    # refused as the domain refuses malformed cursors, rather than sent to fail as a bad request.
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidInput(field="cursor", reason="not a cursor of this search")
    return value


def search_after(sort: SortBy, key: tuple[Any, ...]) -> list[Any]:
    """The ``search_after`` values of the hit whose domain sort key is ``key``
    (:func:`~bookmyshow.domain.search.sort_key`, or a decoded cursor): each component with its
    sign turned back, the rating as its ``rating_key``.

    Raises :class:`InvalidInput` (``field="cursor"``) for a key of the wrong shape or with
    values beyond what the index can hold.
    """
    sort_clauses(sort)
    size = len(_SORTS[sort])
    if not isinstance(key, tuple) or len(key) != size or not isinstance(key[-1], str):
        raise InvalidInput(field="cursor", reason="not a cursor of this search")
    movie_id = key[-1]
    if sort is SortBy.RELEVANCE:
        score = _bounded(key[0], -_MAX_EXACT_FLOAT, _MAX_EXACT_FLOAT)
        return [float(-score), -_bounded(key[1], -MAX_LONG, MAX_LONG), movie_id]
    if sort is SortBy.RATING:
        rated = 1 - _bounded(key[0], 1 - _MAX_INT, 1 - _MIN_INT)
        try:
            rating = rating_key(key[1].copy_negate())
        except (AttributeError, InvalidInput):
            raise InvalidInput(field="cursor", reason="not a cursor of this search") from None
        return [rated, rating, -_bounded(key[2], -MAX_LONG, MAX_LONG), movie_id]
    if sort is SortBy.RELEASE_DATE:
        released = -_bounded(key[0], -MAX_LONG, MAX_LONG)
        return [released, -_bounded(key[1], -MAX_LONG, MAX_LONG), movie_id]
    return [-_bounded(key[0], -MAX_LONG, MAX_LONG), movie_id]


# --- the request ---------------------------------------------------------------------------------


def _aggregations(query: SearchQuery) -> dict[str, Any]:
    aggs: dict[str, Any] = {}
    for facet in (Facet.GENRES, Facet.LANGUAGES):
        if facet in query.facets:
            aggs[facet.value] = {
                "terms": {
                    "field": facet.value,
                    "size": FACET_SIZE,
                    "order": [{"_count": "desc"}, {"_key": "asc"}],
                }
            }
    if Facet.FORMATS in query.facets:
        kinds = query.formats or frozenset(Format)
        aggs[Facet.FORMATS.value] = {
            "filters": {
                "filters": {
                    kind.value: {"terms": {"show_keys": show_filter_keys(query, kind)}}
                    for kind in sorted(kinds, key=lambda f: f.value)
                }
            }
        }
    return aggs


def search_body(query: SearchQuery) -> dict[str, Any]:
    """The request body of ``query`` (pass it as ``body=``: it uses the key ``from``).

    ``from``/``size`` page by offset; a cursor becomes ``search_after`` with one hit more than
    the page, which tells whether another page follows.  Hits carry only ``doc`` in their
    ``_source``.  Raises :class:`InvalidInput` for a non-query or a cursor of another sort.
    """
    require_instance(query, SearchQuery, "query")
    body: dict[str, Any] = {
        "query": text_query(query),
        "sort": sort_clauses(query.sort),
        "from": query.offset,
        "size": query.page_size,
        "track_total_hits": True,
        "track_scores": True,
        "_source": ["doc"],
    }
    if query.cursor is not None:
        body["search_after"] = search_after(query.sort, decode_cursor(query.cursor, query.sort))
        body["size"] = query.page_size + 1
    if query.facets:
        body["aggs"] = _aggregations(query)
    return body


def suggest_body(prefix: str, limit: int = 10) -> dict[str, Any] | None:
    """The request body of a title completion, or ``None`` when ``prefix`` has no tokens (the
    answer is then empty without asking).

    The analyzed prefix, tokens joined by spaces, is a ``prefix`` query on ``title_suffixes``:
    a suffix starting with ``p1 … pk`` is one whose tokens are ``p1..p(k-1)`` and then a token
    starting with ``pk``.  Raises :class:`InvalidInput` for a prefix that is not a string of at
    most 100 characters (``field="prefix"``) or a ``limit`` outside 1..20 (``field="limit"``).
    """
    if not isinstance(prefix, str) or len(prefix) > MAX_PREFIX_LENGTH:
        raise InvalidInput(
            field="prefix", reason=f"a string of at most {MAX_PREFIX_LENGTH} characters"
        )
    if require_count(limit, "limit", minimum=1) > MAX_SUGGESTIONS:
        raise InvalidInput(field="limit", reason=f"at most {MAX_SUGGESTIONS}")
    tokens = analyze(prefix)
    if not tokens:
        return None
    return {
        "query": {
            "bool": {
                "filter": [
                    {"prefix": {"title_suffixes": {"value": " ".join(tokens)}}},
                    {"terms": {"status": list(_SUGGESTED)}},
                ]
            }
        },
        "sort": [
            {"popularity": {"order": "desc"}},
            {"title_sort": {"order": "asc"}},
            {"movie_id": {"order": "asc"}},
        ],
        "size": limit,
        "track_total_hits": False,
        "_source": ["doc"],
    }


# --- the response --------------------------------------------------------------------------------


def _unexpected(what: str) -> BackendUnavailable:
    return BackendUnavailable(backend=BACKEND, reason=f"unexpected response: {what}")


def _body(response: Response) -> Mapping[str, Any]:
    body = response.body if isinstance(response, ObjectApiResponse) else response
    if not isinstance(body, Mapping):
        raise _unexpected("not a JSON object")
    return body


def _get(values: object, name: str, kind: type | tuple[type, ...]) -> Any:
    if not isinstance(values, Mapping) or name not in values:
        raise _unexpected(f"no {name!r}")
    value = values[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise _unexpected(f"{name!r} of the wrong type")
    return value


def _count(values: object, name: str) -> int:
    count: int = _get(values, name, int)
    if count < 0:
        raise _unexpected(f"negative {name!r}")
    return count


def _document(hit: object) -> MovieDocument:
    try:
        return document_from(_get(hit, "_source", Mapping))
    except InvalidInput as error:
        raise _unexpected(f"a malformed indexed document ({error.field}: {error.reason})") from None


def _score(hit: object) -> int:
    value = _get(hit, "_score", (int, float))
    # The rules' scores are small integers, which the clauses' float sums represent exactly.
    if not math.isfinite(value) or value < 0 or value != int(value):
        raise _unexpected(f"the score {value!r} is not a rule score")
    return int(value)


def _facet_counts(counts: Mapping[str, int]) -> tuple[FacetCount, ...]:
    ranked = sorted((item for item in counts.items() if item[1] > 0), key=lambda i: (-i[1], i[0]))
    return tuple(FacetCount(value=value, count=count) for value, count in ranked)


def _facets(body: Mapping[str, Any], query: SearchQuery) -> dict[Facet, tuple[FacetCount, ...]]:
    if not query.facets:
        return {}
    aggregations = _get(body, "aggregations", Mapping)
    facets: dict[Facet, tuple[FacetCount, ...]] = {}
    for facet in Facet:
        if facet not in query.facets:
            continue
        aggregation = _get(aggregations, facet.value, Mapping)
        counts: dict[str, int] = {}
        if facet is Facet.FORMATS:
            for value, bucket in _get(aggregation, "buckets", Mapping).items():
                counts[value] = _count(bucket, "doc_count")
        else:
            if _count(aggregation, "sum_other_doc_count"):
                raise BackendUnavailable(
                    backend=BACKEND, reason=f"more than {FACET_SIZE} {facet.value}: facet cut"
                )
            for bucket in _get(aggregation, "buckets", list):
                counts[_get(bucket, "key", str)] = _count(bucket, "doc_count")
        facets[facet] = _facet_counts(counts)
    return facets


def result_from(response: Response, query: SearchQuery) -> SearchResult:
    """The :class:`SearchResult` of ``query`` from the response to :func:`search_body`.

    Hits come with their indexed document: the score is the response's (an integral float), the
    highlight is computed from the original title, and ``next_cursor`` encodes the domain sort
    key of the page's last hit when more hits follow (by offset: the total goes beyond the page;
    by cursor: the extra hit asked for came back).  Facets are ordered by count, then value.

    Raises :class:`InvalidInput` for a non-query, and
    :class:`~bookmyshow.ports.errors.BackendUnavailable` for a response of another shape.
    """
    require_instance(query, SearchQuery, "query")
    body = _body(response)
    hits_part = _get(body, "hits", Mapping)
    total_part = _get(hits_part, "total", Mapping)
    if total_part.get("relation") != "eq":
        raise _unexpected("the total is not exact")
    total = _count(total_part, "value")
    raw = _get(hits_part, "hits", list)
    terms = query.terms
    page: list[tuple[SearchHit, MovieDocument]] = []
    for hit in raw[: query.page_size]:
        document = _document(hit)
        found = SearchHit(
            movie_id=document.movie_id,
            score=_score(hit),
            highlight=highlight(document.title, terms) if terms else None,
        )
        page.append((found, document))
    if query.cursor is not None:
        more = len(raw) > query.page_size
    else:
        more = total > query.offset + query.page_size
    next_cursor = None
    if more and page:
        last, document = page[-1]
        next_cursor = encode_cursor(query.sort, sort_key(query.sort, document, last.score))
    return SearchResult(
        total=total,
        hits=tuple(hit for hit, _ in page),
        facets=_facets(body, query),
        next_cursor=next_cursor,
    )


def suggestions_from(response: Response) -> list[Suggestion]:
    """The suggestions, in order, from the response to :func:`suggest_body`.

    Raises :class:`~bookmyshow.ports.errors.BackendUnavailable` for a response of another shape.
    """
    hits = _get(_get(_body(response), "hits", Mapping), "hits", list)
    suggestions = []
    for hit in hits:
        document = _document(hit)
        suggestions.append(Suggestion(movie_id=document.movie_id, title=document.title))
    return suggestions
