"""Elasticsearch and the in-memory engine give the same answers over a generated catalog.

The contract suite checks each engine against the domain rules on a small hand-made catalog;
this checks the two engines against each other on a larger generated one (other words, other
shows): for random text (words of the catalog, some misspelt), filters, sorts and facets, both
return the same total, hits, scores, highlights, facets and cursors, page after page, and the
same suggestions.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from attrs import evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.adapters.elasticsearch import ElasticsearchMovieSearch
from bookmyshow.adapters.memory.search import MemoryMovieSearch
from bookmyshow.domain.catalog import Format, MovieStatus
from bookmyshow.domain.search import (
    DateRange,
    Facet,
    SearchQuery,
    SearchResult,
    SortBy,
    analyze,
)
from bookmyshow.testing.generated_catalog import DAY0, GENRES, LANGUAGES, generate_catalog
from tests.elasticsearch.conftest import EngineFactory

pytestmark = pytest.mark.timeout(600)

CATALOG = generate_catalog(300, seed=11)
WORDS = sorted({w for d in CATALOG for w in analyze(f"{d.title} {' '.join(d.cast)}")})
CITIES = sorted({s.city_id for d in CATALOG for s in d.shows})

_agree = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)


@st.composite
def _word(draw: st.DrawFn) -> str:
    """A catalog word, sometimes with one letter dropped or two swapped (a typo)."""
    word = draw(st.sampled_from(WORDS))
    edit = draw(st.integers(0, 3))
    if len(word) > 3 and edit == 1:
        at = draw(st.integers(0, len(word) - 1))
        return word[:at] + word[at + 1 :]
    if len(word) > 3 and edit == 2:
        at = draw(st.integers(0, len(word) - 2))
        return word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    return word


@st.composite
def _queries(draw: st.DrawFn) -> SearchQuery:
    """Random text, filters, sort and facets over the generated catalog."""
    kwargs: dict[str, Any] = {
        "text": " ".join(draw(st.lists(_word(), max_size=3))),
        "sort": draw(st.sampled_from(SortBy)),
        "facets": draw(st.sets(st.sampled_from(Facet))),
        "page_size": draw(st.sampled_from((5, 20, 100))),
    }
    if draw(st.integers(0, 3)) == 0:
        kwargs["genres"] = draw(st.sets(st.sampled_from(GENRES), min_size=1, max_size=2))
    if draw(st.integers(0, 3)) == 0:
        kwargs["languages"] = draw(st.sets(st.sampled_from(LANGUAGES), min_size=1, max_size=2))
    if draw(st.integers(0, 3)) == 0:
        kwargs["city_id"] = draw(st.sampled_from(CITIES))
    if draw(st.integers(0, 3)) == 0:
        start = DAY0 + timedelta(days=draw(st.integers(0, 29)))
        kwargs["dates"] = DateRange(start=start, end=start + timedelta(draw(st.integers(0, 6))))
    if draw(st.integers(0, 3)) == 0:
        kwargs["formats"] = draw(st.sets(st.sampled_from(Format), min_size=1, max_size=2))
    if draw(st.integers(0, 3)) == 0:
        kwargs["min_rating"] = draw(st.sampled_from(("3", "5.5", "7", "8.5")))
    if draw(st.integers(0, 3)) == 0:
        kwargs["statuses"] = draw(st.sets(st.sampled_from(MovieStatus), min_size=1))
    return SearchQuery(**kwargs)


async def _pages(engine: Any, query: SearchQuery, limit: int = 4) -> list[SearchResult]:
    """The first ``limit`` pages by cursor."""
    pages = [await engine.search(query)]
    while pages[-1].next_cursor is not None and len(pages) < limit:
        pages.append(await engine.search(evolve(query, cursor=pages[-1].next_cursor)))
    return pages


@pytest.fixture
async def engines(
    engine_factory: EngineFactory,
) -> AsyncIterator[tuple[MemoryMovieSearch, ElasticsearchMovieSearch]]:
    """Both engines holding the generated catalog."""
    memory = MemoryMovieSearch()
    await memory.index_many(CATALOG)
    async with engine_factory() as elastic:
        await elastic.index_many(CATALOG)
        yield memory, elastic


@_agree
@given(query=_queries())
async def test_both_engines_answer_alike(
    engines: tuple[MemoryMovieSearch, ElasticsearchMovieSearch], query: SearchQuery
) -> None:
    """Same total, hits, scores, highlights, facets and cursors, page after page."""
    memory, elastic = engines
    assert await _pages(elastic, query) == await _pages(memory, query)


@_agree
@given(prefix=st.sampled_from(WORDS).map(lambda w: w[: max(1, len(w) // 2)]))
async def test_both_engines_suggest_alike(
    engines: tuple[MemoryMovieSearch, ElasticsearchMovieSearch], prefix: str
) -> None:
    """Same suggestions for a word's prefix."""
    memory, elastic = engines
    assert await elastic.suggest(prefix, limit=20) == await memory.suggest(prefix, limit=20)


async def test_the_catalog_round_trips(
    engines: tuple[MemoryMovieSearch, ElasticsearchMovieSearch],
) -> None:
    """Every generated document is stored and read back unchanged."""
    memory, elastic = engines
    for document in CATALOG[:50]:
        assert await elastic.get(document.movie_id) == document
        assert await memory.get(document.movie_id) == document


def test_the_generated_catalog_is_a_real_workout() -> None:
    """The catalog has shows, several cities and enough words for typos to find neighbours."""
    assert len(CATALOG) == 300
    assert len(CITIES) > 5
    assert len(WORDS) > 500
