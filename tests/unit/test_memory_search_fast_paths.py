"""The in-memory engine's shortcuts answer as a brute-force reading of the search rules.

Each shortcut of :class:`~bookmyshow.adapters.memory.MemoryMovieSearch` is checked against a
plain evaluation, also after the writes that must keep it up to date: the rating buckets (three
ways to apply a bound), the kept unions of several statuses, the show index by every combination
of city, date and format, the facet cache of text-less queries, the walk down the ordered keys
(and its giving up), the walk down the suggestion order, and highlighting from the terms' fuzzy
expansions.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any
from unittest.mock import patch

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.adapters.memory import MemoryMovieSearch
from bookmyshow.adapters.memory import search as memory_search
from bookmyshow.domain.catalog import Format, MovieStatus
from bookmyshow.domain.search import (
    DateRange,
    Facet,
    MovieDocument,
    SearchQuery,
    ShowFact,
    SortBy,
    analyze,
)
from tests.unit.test_memory_search_engine import (
    CITIES,
    DAY0,
    WORDS,
    catalogs,
    documents,
    engine_with,
    queries,
    reference,
    reference_suggest,
    show_facts,
    words_of,
)

# Equal values written differently share a bucket; 5.05 sits between buckets.
RATINGS = st.none() | st.sampled_from(
    [Decimal(1), Decimal(5), Decimal("5.0"), Decimal("5.00"), Decimal("5.05"), Decimal(10)]
)
BOUNDS = st.integers(10, 100).map(lambda r: Decimal(r) / 10) | st.sampled_from(
    [Decimal(5), Decimal("5.050"), Decimal("5.04")]
)
WRITES = ("index", "bump", "status", "remove", "put_show", "drop_show")


def movie(movie_id: str, **fields: Any) -> MovieDocument:
    """A document with defaults for what the test does not care about."""
    values: dict[str, Any] = {"title": "Star", "release_date": DAY0}
    values.update(fields)
    return MovieDocument(movie_id=movie_id, **values)


@contextmanager
def patched(**values: int) -> Iterator[None]:
    """The module's cost constants set to ``values`` for the block."""
    with ExitStack() as stack:
        for name, value in values.items():
            stack.enter_context(patch.object(memory_search, name, value))
        yield


async def write(data: st.DataObject, engine: MemoryMovieSearch, model: dict[str, Any]) -> None:
    """One write drawn from WRITES, applied to the engine and to ``model`` (id -> document)."""
    pool = [f"m{n:02d}" for n in range(len(model) + 2)]
    movie_id = data.draw(st.sampled_from(pool))
    kind = data.draw(st.sampled_from(WRITES))
    old: MovieDocument | None = model.get(movie_id)
    show_id = f"{movie_id}-s{data.draw(st.integers(0, 3))}"
    if old is None or kind == "index":
        new = data.draw(documents(movie_id))
    elif kind == "bump":
        drawn = data.draw(documents(movie_id))
        new = evolve(old, popularity=drawn.popularity, rating=drawn.rating)
    elif kind == "status":
        new = evolve(old, status=data.draw(st.sampled_from(MovieStatus)))
    elif kind == "remove":
        assert await engine.remove(movie_id)
        del model[movie_id]
        return
    elif kind == "put_show":
        show = data.draw(show_facts(show_id))
        await engine.put_show(movie_id, show)
        kept = [s for s in old.shows if s.show_id != show_id]
        model[movie_id] = evolve(old, shows=(*kept, show))
        return
    else:
        there = any(s.show_id == show_id for s in old.shows)
        assert await engine.remove_show(movie_id, show_id) == there
        model[movie_id] = evolve(old, shows=tuple(s for s in old.shows if s.show_id != show_id))
        return
    await engine.index(new)
    model[movie_id] = new


# --- rating buckets ------------------------------------------------------------------------------


@given(data=st.data())
def test_every_way_to_apply_a_rating_bound_equals_checking_each_movie(data: st.DataObject) -> None:
    """The hits within the buckets at or above the bound, the hits less the buckets below (and
    the unrated), and each hit's rating compared all give the movies rated at least the bound,
    after any mix of indexing, re-rating and removing; the buckets stay one per value, in order."""
    index = memory_search._Index()
    model: dict[str, Decimal | None] = {}
    for _ in range(data.draw(st.integers(1, 30))):
        movie_id = f"m{data.draw(st.integers(0, 12)):02d}"
        if movie_id in model and data.draw(st.booleans()):
            assert index.drop(movie_id)
            del model[movie_id]
        else:
            rating = data.draw(RATINGS)
            index.put(movie(movie_id, rating=rating))
            model[movie_id] = rating
    assert index._rating_values == sorted(index._by_rating)
    assert len(set(index._rating_values)) == len(index._rating_values)
    assert set().union(*index._by_rating.values()) | index._unrated == set(model)

    bound = data.draw(BOUNDS)
    hits = frozenset(data.draw(st.sets(st.sampled_from(sorted(model)))) if model else ())
    expected = {m for m in hits if (r := model[m]) is not None and r >= bound}
    at = bisect_left(index._rating_values, bound)
    above = [index._by_rating[v] for v in index._rating_values[at:]]
    below = [index._by_rating[v] for v in index._rating_values[:at]]
    assert index._rated_by_check(hits, bound) == expected
    assert index._rated_within(hits, above) == expected
    assert index._rated_without(hits, False, below) == expected
    assert index._rated_without(set(hits), True, below) == expected
    assert index._rated(hits, False, bound) == expected
    everything = index._entries.keys()
    every_expected = {m for m, r in model.items() if r is not None and r >= bound}
    assert index._rated_within(everything, above) == every_expected
    assert index._rated(everything, False, bound) == every_expected
    assert everything == set(model)  # read-only hits are left alone


@pytest.mark.parametrize("check", [0, 10**9], ids=["checked", "bucketed"])
@given(data=st.data())
async def test_rating_filters_answer_as_the_reference_whichever_way_is_cheaper(
    check: int, data: st.DataObject
) -> None:
    """Queries with a minimum rating (and the rest) answer as the reference, whether each
    candidate's rating is checked (free checks) or the buckets are used (costly checks)."""
    catalog = data.draw(catalogs(min_size=0))
    engine = await engine_with(catalog)
    with patched(_CHECK_COST=check):
        for _ in range(4):
            query = evolve(data.draw(queries(catalog)), min_rating=data.draw(BOUNDS))
            assert await engine.search(query) == reference(catalog, query)


# --- statuses, shows, facets: kept up to date by every write --------------------------------------


@st.composite
def show_filtered(draw: st.DrawFn, catalog: Sequence[MovieDocument]) -> SearchQuery:
    """A query with at least one of city, dates and formats, any statuses, maybe text."""
    city = draw(st.sampled_from((None, *CITIES, "c9")))
    start = DAY0 + timedelta(days=draw(st.integers(-1, 4)))
    dates = draw(
        st.none()
        | st.integers(0, 3).map(lambda n: DateRange(start=start, end=start + timedelta(n)))
    )
    formats = draw(st.sets(st.sampled_from(Format), max_size=2))
    if city is None and dates is None and not formats:
        city = CITIES[0]
    text = draw(st.sampled_from(["", "", *words_of(catalog)]))
    return SearchQuery(
        text=text,
        city_id=city,
        dates=dates,
        formats=formats,
        statuses=draw(st.sets(st.sampled_from(MovieStatus), min_size=1)),
        sort=draw(st.sampled_from(SortBy)),
        page_size=draw(st.integers(1, 4)),
        facets=draw(st.sets(st.sampled_from(Facet))),
    )


@given(data=st.data())
async def test_show_filters_statuses_and_facets_follow_every_write(data: st.DataObject) -> None:
    """Every combination of show filters (one show meeting all), several statuses at once, and
    cached facets (every text-less query cached here) answer as the reference after any mix of
    indexing, re-rating, status changes, removals and show changes."""
    catalog = data.draw(catalogs(max_size=8))
    engine = await engine_with(catalog)
    model = {d.movie_id: d for d in catalog}
    with patched(_FACET_CACHE_MIN=0):
        for _ in range(data.draw(st.integers(2, 10))):
            documents_now = list(model.values())
            query = data.draw(show_filtered(documents_now) | queries(documents_now))
            expected = reference(documents_now, query)
            found = await engine.search(query)
            assert found == expected
            # A caller changing the facets it got must not change the cached ones.
            found.facets.clear()  # type: ignore[attr-defined]
            assert await engine.search(query) == expected
            await write(data, engine, model)
        index = engine._index
        for statuses, movies in index._status_unions.items():
            assert movies == {m for m, d in model.items() if d.status in statuses}


async def test_the_union_of_two_statuses_is_kept_up_to_date() -> None:
    """Asked once, the union of active and coming-soon movies follows later status changes."""
    engine = await engine_with([movie("m1"), movie("m2", status=MovieStatus.INACTIVE)])
    visible = SearchQuery(text="star")
    assert [h.movie_id for h in (await engine.search(visible)).hits] == ["m1"]
    await engine.index(movie("m2", status=MovieStatus.COMING_SOON))
    await engine.index(movie("m1", status=MovieStatus.INACTIVE))
    await engine.index(movie("m3"))
    assert [h.movie_id for h in (await engine.search(visible)).hits] == ["m2", "m3"]
    await engine.remove("m3")
    assert [h.movie_id for h in (await engine.search(visible)).hits] == ["m2"]


async def test_one_show_must_meet_city_and_formats_without_dates() -> None:
    """City and formats (no dates), dates and formats (no city): one show meets both, and the
    formats facet counts the formats of such shows only."""
    shows = (
        ShowFact(show_id="s1", city_id="c1", date=DAY0, format=Format.TWO_D),
        ShowFact(show_id="s2", city_id="c2", date=DAY0 + timedelta(days=1), format=Format.IMAX),
    )
    engine = await engine_with([movie("m1", shows=shows)])
    day0 = DateRange(start=DAY0, end=DAY0)
    for query in (
        SearchQuery(city_id="c1", formats={Format.IMAX}),
        SearchQuery(dates=day0, formats={Format.IMAX}),
    ):
        assert (await engine.search(query)).total == 0
    found = await engine.search(SearchQuery(city_id="c2", facets={Facet.FORMATS}))
    assert [(c.value, c.count) for c in found.facets[Facet.FORMATS]] == [("IMAX", 1)]
    found = await engine.search(SearchQuery(dates=day0, formats={"2D", "IMAX"}, facets={"formats"}))
    assert [(c.value, c.count) for c in found.facets[Facet.FORMATS]] == [("2D", 1)]


async def test_facets_of_a_text_less_query_are_counted_again_after_a_write() -> None:
    """A cached facet count changes with the next write (a new genre, a show, a removal)."""
    engine = await engine_with([movie("m1", genres=("Drama",))])
    query = SearchQuery(facets={Facet.GENRES, Facet.FORMATS})
    with patched(_FACET_CACHE_MIN=0):
        assert await engine.search(query) == reference([movie("m1", genres=("Drama",))], query)
        await engine.index(movie("m2", genres=("Action",)))
        show = ShowFact(show_id="s1", city_id="c1", date=DAY0, format=Format.IMAX)
        await engine.put_show("m2", show)
        expected = [movie("m1", genres=("Drama",)), movie("m2", genres=("Action",), shows=(show,))]
        assert await engine.search(query) == reference(expected, query)
        await engine.remove("m1")
        assert await engine.search(query) == reference(expected[1:], query)


# --- pages: gathered, or walked off the ordered keys ---------------------------------------------


@pytest.mark.parametrize("cost", [1, 3])
@given(data=st.data())
async def test_pages_walked_or_gathered_equal_the_reference(cost: int, data: st.DataObject) -> None:
    """Whether the page is read off the ordered keys (given up when the hits lie further down)
    or gathered, results and cursors equal the reference, also after writes."""
    catalog = data.draw(catalogs(max_size=10))
    engine = await engine_with(catalog)
    model = {d.movie_id: d for d in catalog}
    with patched(_GATHER_COST=cost):
        for _ in range(4):
            documents_now = list(model.values())
            query = data.draw(queries(documents_now))
            assert await engine.search(query) == reference(documents_now, query)
            await write(data, engine, model)


async def test_a_walk_that_finds_too_few_hits_gives_way_to_gathering() -> None:
    """Hits bunched at the end of the order: the walk gives up after its budget and the page is
    gathered, the same page."""
    catalog = [movie(f"m{n}", popularity=n, genres=("Drama",) if n < 5 else ()) for n in range(10)]
    engine = await engine_with(catalog)
    query = SearchQuery(genres={"drama"}, sort=SortBy.POPULARITY, page_size=1)
    walks: list[object] = []
    real = memory_search._Index._walk

    def spy(*args: Any) -> Any:
        walks.append(result := real(*args))
        return result

    with patched(_GATHER_COST=1), patch.object(memory_search._Index, "_walk", staticmethod(spy)):
        found = await engine.search(query)
    assert walks == [None]  # 5 hits, 2 keys wanted: walked 5 keys, found none, gave up
    assert found == reference(catalog, query)
    assert [h.movie_id for h in found.hits] == ["m4"]


# --- suggestions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check", "fit"), [(1, 10**6), (1, 1), (10**6, 0)], ids=["walk", "walk-or-give-up", "gather"]
)
@given(data=st.data(), limit=st.integers(1, 4))
async def test_suggestions_walked_or_gathered_equal_the_reference(
    check: int, fit: int, data: st.DataObject, limit: int
) -> None:
    """Suggestions read off the popularity order (given up when too few titles fit) or gathered
    from the prefix's words equal the reference, also after writes that change titles,
    popularity and statuses."""
    catalog = data.draw(catalogs(max_size=10))
    engine = await engine_with(catalog)
    model = {d.movie_id: d for d in catalog}
    with patched(_SUGGEST_CHECK_COST=check, _SUGGEST_FIT_COST=fit):
        for _ in range(4):
            titles = [d.title for d in model.values()] or ["star"]
            words = data.draw(st.sampled_from(titles)).split() or ["s"]
            cut = data.draw(st.integers(1, len(words)))
            prefix = " ".join(words[:cut])[: data.draw(st.integers(1, 30))]
            found = await engine.suggest(prefix, limit=limit)
            assert found == reference_suggest(model.values(), prefix, limit)
            await write(data, engine, model)
        index = engine._index
        if index._suggestions is not None:
            assert index._suggestions == sorted(index._suggestable.values())


async def test_a_bulk_load_rebuilds_the_suggestion_order_on_first_use() -> None:
    """After a batch large enough to drop the order, the next suggestion sorts it again and
    later writes keep it."""
    catalog = [movie(f"m{n:03d}", title=f"Star {n}", popularity=n % 7) for n in range(300)]
    engine = await engine_with(catalog)
    with patched(_SUGGEST_CHECK_COST=1):
        assert await engine.suggest("sta", limit=5) == reference_suggest(catalog, "sta", 5)
        await engine.index(movie("m999", title="Stardust", popularity=99))
        catalog.append(movie("m999", title="Stardust", popularity=99))
        assert await engine.suggest("sta", limit=5) == reference_suggest(catalog, "sta", 5)


# --- highlights ----------------------------------------------------------------------------------

# Characters that fold into letters or separators: their titles split differently when read
# word by word for highlighting than when analyzed whole.
ODD = ("A™B", "½", "ﬁne", "straße", "İstar", "e\u0301toile", "x-y", "Ⅻ")


@given(
    titles=st.lists(
        st.lists(st.sampled_from((*WORDS, *ODD)), min_size=1, max_size=4).map(" ".join),
        min_size=1,
        max_size=6,
    ),
    data=st.data(),
)
async def test_highlights_from_expansions_equal_the_rules(
    titles: list[str], data: st.DataObject
) -> None:
    """Highlighting with the terms' fuzzy expansions marks the words the rules mark, titles with
    odd characters included."""
    catalog = [movie(f"m{n}", title=title) for n, title in enumerate(titles)]
    engine = await engine_with(catalog)
    vocabulary = sorted({t for title in titles for t in analyze(title)} | {"stat", "a", "tm"})
    for _ in range(3):
        text = " ".join(data.draw(st.lists(st.sampled_from(vocabulary), min_size=1, max_size=3)))
        query = SearchQuery(text=text, page_size=10)
        assert await engine.search(query) == reference(catalog, query)
