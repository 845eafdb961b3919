"""The in-memory engine stays correct at 50,000 movies (answers checked, not timed).

The catalog is generated deterministically.  The brute-force reference of the engine test reads
every document; for text queries it is given only the documents that have, for every query term,
some token within the term's fuzziness (found with the rules' own ``edit_distance`` over the
catalog's vocabulary) — any other document scores ``None`` under the rules, so the reference's
answer is the same and it stays quick.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator, Sequence
from datetime import timedelta
from decimal import Decimal
from functools import cache
from typing import Any

import pytest
from attrs import define, evolve, field

from bookmyshow.adapters.memory import MemoryMovieSearch
from bookmyshow.domain.catalog import Format, MovieStatus
from bookmyshow.domain.search import (
    DateRange,
    Facet,
    MovieDocument,
    SearchQuery,
    ShowFact,
    SortBy,
    analyze,
    edit_distance,
    fuzziness,
)
from bookmyshow.testing.generated_catalog import DAY0, generate_catalog
from tests.unit.test_memory_search_engine import reference, reference_suggest

MOVIES = 50_000


@cache
def _word_tokens(word: str) -> tuple[str, ...]:
    return analyze(word)


@define
class Scale:
    """The engine and, beside it, the documents it should hold."""

    engine: MemoryMovieSearch
    documents: dict[str, MovieDocument]
    tokens: dict[str, frozenset[str]] = field(factory=dict)
    """Every token of each document's text."""

    def track(self, document: MovieDocument) -> None:
        """Remember ``document`` as indexed."""
        self.documents[document.movie_id] = document
        # Folding works character by character and whitespace always separates tokens, so the
        # tokens of a text are those of its words: analysing each distinct word once is quick.
        texts = (document.title, document.director, document.description, *document.cast)
        self.tokens[document.movie_id] = frozenset(
            token for text in texts for word in text.split() for token in _word_tokens(word)
        )

    def forget(self, movie_id: str) -> None:
        """Remember ``movie_id`` as removed."""
        del self.documents[movie_id]
        del self.tokens[movie_id]

    def candidates(self, terms: Sequence[str]) -> Iterator[MovieDocument]:
        """The documents with a token within reach of every term (the others score None)."""
        vocabulary = frozenset().union(*self.tokens.values())
        reach = [
            {t for t in vocabulary if edit_distance(term, t, fuzziness(term)) <= fuzziness(term)}
            for term in terms
        ]
        for movie_id, tokens in self.tokens.items():
            if all(tokens & near for near in reach):
                yield self.documents[movie_id]

    async def check(self, query: SearchQuery) -> Any:
        """Assert the engine answers ``query`` as the reference does; return the answer."""
        found = await self.engine.search(query)
        pool = self.candidates(query.terms) if query.terms else self.documents.values()
        assert found == reference(pool, query)
        return found


@pytest.fixture(scope="module")
def scale() -> Scale:
    """50,000 generated movies, indexed in one batch."""
    catalog = generate_catalog(MOVIES)
    engine = MemoryMovieSearch()
    asyncio.run(engine.index_many(catalog))
    world = Scale(engine=engine, documents={})
    for document in catalog:
        world.track(document)
    return world


def _typo(word: str) -> str:
    """``word`` with its second letter doubled: one edit away."""
    return word[:2] + word[1:]


ALL_FACETS = frozenset(Facet)
TARGET = "mov012345"


@pytest.mark.parametrize("text", ["kote pekepa", "kalo mira", "ke"])
async def test_fuzzy_text_query(scale: Scale, text: str) -> None:
    """Short words, each near many tokens (or, at two letters, matched exactly), answer as the
    reference does, with many hits."""
    found = await scale.check(SearchQuery(text=text, facets=ALL_FACETS, page_size=50))
    assert found.total > 50


async def test_misspelt_words_of_one_movie_find_it(scale: Scale) -> None:
    """A long title word and a long description word of one movie, each misspelt, find it."""
    target = scale.documents[TARGET]
    word = max(analyze(target.title), key=len)
    other = max(analyze(target.description), key=len)
    found = await scale.check(SearchQuery(text=f"{_typo(word)} {_typo(other)}"))
    assert TARGET in {h.movie_id for h in found.hits}


async def test_filter_only_query(scale: Scale) -> None:
    """Genre, language, one show in a city within dates and formats, rating and facets."""
    query = SearchQuery(
        genres={"drama", "COMEDIE"},
        languages={"hindi"},
        city_id="c07",
        dates=DateRange(start=DAY0 + timedelta(days=3), end=DAY0 + timedelta(days=24)),
        formats={Format.IMAX, Format.TWO_D, Format.THREE_D},
        min_rating=Decimal(4),
        sort=SortBy.POPULARITY,
        page_size=50,
        facets=ALL_FACETS,
    )
    found = await scale.check(query)
    assert found.total > 50


async def test_filter_only_query_over_everything(scale: Scale) -> None:
    """No text and no filter: every visible movie, by popularity, a deep offset page."""
    found = await scale.check(
        SearchQuery(statuses=set(MovieStatus), offset=9_900, page_size=100, facets=ALL_FACETS)
    )
    assert found.total == MOVIES


async def test_phrase_query(scale: Scale) -> None:
    """Consecutive words of a description, and a cast name, find their movie among many
    near matches, as the reference ranks them."""
    target = scale.documents[TARGET]
    for text in (" ".join(analyze(target.description)[1:3]), target.cast[0]):
        found = await scale.check(SearchQuery(text=text, facets={Facet.GENRES}, page_size=100))
        assert found.total > 50
        assert TARGET in {h.movie_id for h in found.hits}


async def test_rating_sort_cursor_walk(scale: Scale) -> None:
    """Five pages by rating, each after the previous page's cursor, each as the reference."""
    query = SearchQuery(genres={"thriller"}, sort=SortBy.RATING, page_size=100)
    seen: list[str] = []
    for _ in range(5):
        found = await scale.check(query)
        seen.extend(h.movie_id for h in found.hits)
        assert found.next_cursor is not None
        query = evolve(query, cursor=found.next_cursor)
    assert len(set(seen)) == 500


async def test_suggest(scale: Scale) -> None:
    """Completions of one word, and of a word and the start of the next, as the reference."""
    target = next(d for d in scale.documents.values() if len(analyze(d.title)) >= 2)
    first, second = analyze(target.title)[:2]
    for prefix, limit in ((first[:2], 20), (f"{first} {second[:2]}", 10), (first, 5)):
        expected = reference_suggest(scale.documents.values(), prefix, limit)
        assert await scale.engine.suggest(prefix, limit=limit) == expected
        assert expected


async def test_writes_at_scale(scale: Scale) -> None:
    """After removing, re-titling and re-showing movies, answers still equal the reference."""
    rng = random.Random(7)
    chosen = rng.sample(sorted(set(scale.documents) - {TARGET}), 300)
    for movie_id in chosen[:100]:
        assert await scale.engine.remove(movie_id)
        scale.forget(movie_id)
    renamed = [
        evolve(scale.documents[m], title=f"Zebra Crossing {n}") for n, m in enumerate(chosen[100:])
    ]
    await scale.engine.index_many(renamed)
    for document in renamed:
        scale.track(document)
    for movie_id in chosen[200:]:
        new = ShowFact(show_id="late", city_id="c99", date=DAY0, format=Format.FOUR_DX)
        await scale.engine.put_show(movie_id, new)
        scale.track(
            evolve(scale.documents[movie_id], shows=(*scale.documents[movie_id].shows, new))
        )
    await scale.check(SearchQuery(text="zebar crossing", facets=ALL_FACETS))
    found = await scale.check(SearchQuery(city_id="c99", facets=ALL_FACETS, page_size=100))
    assert found.total == sum(
        1 for m in chosen[200:] if scale.documents[m].status is not MovieStatus.INACTIVE
    )
    await scale.check(SearchQuery(sort=SortBy.RELEASE_DATE, facets=ALL_FACETS))
