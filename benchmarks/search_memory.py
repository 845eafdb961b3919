"""Median latency of the in-memory search engine at 50,000 movies, per kind of query.

Run from the repository root with the dev extras installed::

    .venv/bin/python benchmarks/search_memory.py [movies]

The catalog is the deterministic :func:`bookmyshow.testing.generated_catalog.generate_catalog`.
Each query runs once cold (fuzzy expansions not cached yet), then ``REPEATS`` times; the median
of those is printed.  Not run by pytest.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from bookmyshow.adapters.memory import MemoryMovieSearch
from bookmyshow.domain.search import DateRange, Facet, SearchQuery, SortBy
from bookmyshow.testing.generated_catalog import DAY0, generate_catalog

REPEATS = 25


async def timed(call: Callable[[], Awaitable[Any]]) -> tuple[float, float]:
    """Milliseconds of the first call and the median of the next REPEATS calls."""
    start = time.perf_counter()
    await call()
    first = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        await call()
        times.append((time.perf_counter() - start) * 1000)
    return first, statistics.median(times)


async def main(movies: int) -> None:
    """Index the catalog, then time each kind of query."""
    start = time.perf_counter()
    catalog = generate_catalog(movies)
    generated = time.perf_counter()
    engine = MemoryMovieSearch()
    await engine.index_many(catalog)
    indexed = time.perf_counter()
    print(
        f"{movies} movies: generated in {generated - start:.1f} s, "
        f"indexed in {indexed - generated:.1f} s"
    )

    second_page = await engine.search(SearchQuery(sort=SortBy.RATING, page_size=20))
    week = DateRange(start=DAY0, end=DAY0 + timedelta(days=6))
    every = frozenset(Facet)
    searches: dict[str, SearchQuery] = {
        "one exact word": SearchQuery(text="mira"),
        "two fuzzy words": SearchQuery(text="kote pekepa"),
        "long misspelt words": SearchQuery(text="veemavepu boovokima"),
        "cast name (phrase)": SearchQuery(text="Kato Pekepé"),
        "fuzzy words + facets": SearchQuery(text="kalo mira", facets=every),
        "filters only": SearchQuery(genres={"drama"}, city_id="c07", dates=week),
        "everything + facets": SearchQuery(facets=every),
        "rating, cursor page 2": SearchQuery(
            sort=SortBy.RATING, page_size=20, cursor=second_page.next_cursor
        ),
    }
    print(f"{'query':<28}{'first ms':>10}{'median ms':>11}{'hits':>8}")
    for name, query in searches.items():
        first, median = await timed(lambda q=query: engine.search(q))  # type: ignore[misc]
        total = (await engine.search(query)).total
        print(f"{name:<28}{first:>10.2f}{median:>11.2f}{total:>8}")
    for prefix in ("ka", "koko ve"):
        first, median = await timed(lambda p=prefix: engine.suggest(p))  # type: ignore[misc]
        print(f"{'suggest ' + repr(prefix):<28}{first:>10.2f}{median:>11.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000))
