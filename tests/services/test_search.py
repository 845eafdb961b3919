"""The search use case over the embedded system: what the catalog and schedule put in the index,
who may search what, and the rebuild."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.adapters.memory import ManualClock, MemoryEventBus, SequentialIds
from bookmyshow.adapters.memory.search import MemoryMovieSearch
from bookmyshow.bootstrap import Settings, Ticketing, from_settings, in_memory
from bookmyshow.domain.catalog import Movie, MovieStatus
from bookmyshow.domain.errors import InvalidInput, PermissionDenied
from bookmyshow.domain.events import MovieChanged, ReviewRemoved
from bookmyshow.domain.reviews import RatingSummary
from bookmyshow.domain.search import (
    DateRange,
    MovieDocument,
    SearchQuery,
    SearchResult,
    ShowFact,
    SortBy,
)
from bookmyshow.domain.shows import Show, ShowOverlap
from bookmyshow.domain.users import Principal, Role
from bookmyshow.domain.venues import GeoPoint, Screen
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services._units import read_unit
from bookmyshow.services.context import Policies
from bookmyshow.services.search import stored_documents
from tests.services.backends import JourneyBackend
from tests.services.world import PRICES, ROWS, World

IST = timedelta(hours=5, minutes=30)
ADMIN = Principal(user_id="usr_root", roles={Role.PLATFORM_ADMIN})
ALL_STATUSES = frozenset(MovieStatus)


async def add_movie(
    app: Ticketing,
    admin: Principal,
    title: str,
    *,
    cast: Sequence[str] = (),
    status: MovieStatus = MovieStatus.ACTIVE,
) -> Movie:
    """A 2-hour Hindi movie released in 2029."""
    return await app.catalog.add_movie(
        admin,
        title=title,
        languages=["Hindi"],
        duration=timedelta(minutes=120),
        release_date=date(2029, 6, 1),
        certificate="UA",
        cast=cast,
        status=status,
    )


async def add_screen(app: Ticketing, world: World) -> Screen:
    """A second 2D screen in theater A."""
    return await app.catalog.add_screen(
        world.staff_a,
        theater_id=world.theater_a.theater_id,
        name="Audi 2",
        rows=ROWS,
        formats=["2D"],
    )


async def schedule(
    app: Ticketing, actor: Principal, movie: Movie, screen: Screen, at: datetime
) -> Show:
    """A 2D Hindi show of ``movie`` on ``screen`` at ``at``."""
    return await app.catalog.schedule_show(
        actor,
        movie_id=movie.movie_id,
        screen_id=screen.screen_id,
        starts_at=at,
        format="2D",
        language="Hindi",
        prices=PRICES,
    )


def ids(result: SearchResult) -> list[str]:
    """The movie ids of a result's hits, in order."""
    return [hit.movie_id for hit in result.hits]


async def find(app: Ticketing, actor: Principal | None = None, **query: object) -> list[str]:
    """The ids of the first page of hits for ``SearchQuery(**query)``."""
    return ids(await app.search.search(actor, SearchQuery(**query)))  # type: ignore[arg-type]


async def stored_movies(app: Ticketing) -> list[Movie]:
    """Every movie in the repository."""

    async def read(uow: UnitOfWork) -> list[Movie]:
        return list(await uow.movies.list())

    return await read_unit(app.ports, read)


async def index_snapshot(app: Ticketing) -> dict[str, MovieDocument]:
    """Every indexed document, found by an all-status search paged by cursor."""
    out: dict[str, MovieDocument] = {}
    cursor = None
    while True:
        page = await app.ports.search.search(
            SearchQuery(statuses=ALL_STATUSES, sort=SortBy.POPULARITY, page_size=100, cursor=cursor)
        )
        for hit in page.hits:
            document = await app.ports.search.get(hit.movie_id)
            assert document is not None
            out[hit.movie_id] = document
        if page.next_cursor is None:
            return out
        cursor = page.next_cursor


async def wipe(app: Ticketing) -> None:
    """Remove every indexed movie."""
    for movie_id in await index_snapshot(app):
        assert await app.ports.search.remove(movie_id)


# --- indexing follows the catalog ------------------------------------------------------------


async def test_added_movies_are_found_by_title_with_a_typo_and_by_cast(
    app: Ticketing, world: World
) -> None:
    """A movie added through the catalog is searchable at once: a title typo, a cast name."""
    space = await add_movie(app, world.admin, "Interstellar", cast=["Anne Hathaway"])
    inception = await add_movie(app, world.admin, "Inception", cast=["Elliot Page"])
    result = await app.search.search(None, SearchQuery(text="interstelar"))
    assert ids(result) == [space.movie_id]
    assert result.hits[0].score == 3  # a fuzzy title match: boost 3 x 1
    assert result.hits[0].highlight == "<em>Interstellar</em>"
    assert await find(app, text="HATHAWAY") == [space.movie_id]
    assert await find(app, world.alice, text="elliot page") == [inception.movie_id]
    assert await find(app, text="hathaway inception") == []  # every term must match


async def test_a_show_makes_the_movie_match_its_city_and_local_date(
    app: Ticketing, world: World
) -> None:
    """A show puts its movie in its theater's city on the show's local (IST) calendar date."""
    late = await add_movie(app, world.admin, "Late Night")
    early = await add_movie(app, world.admin, "Early Hours")
    city = world.theater_a.city_id
    assert await find(app, city_id=city, text="late") == []
    screen = await add_screen(app, world)
    # 23:30 IST on the 5th is 18:00 UTC on the 5th; 02:30 IST on the 7th is still the 6th in UTC.
    await schedule(app, world.staff_a, late, screen, datetime(2030, 1, 5, 18, 0, tzinfo=UTC))
    await schedule(app, world.staff_a, early, screen, datetime(2030, 1, 6, 21, 0, tzinfo=UTC))
    on = {day: DateRange(start=date(2030, 1, day), end=date(2030, 1, day)) for day in (5, 6, 7)}
    movies = {late.movie_id, early.movie_id}

    async def on_day(day: int) -> set[str]:
        return set(await find(app, city_id=city, dates=on[day])) & movies

    assert await on_day(5) == {late.movie_id}
    assert await on_day(6) == set()
    assert await on_day(7) == {early.movie_id}
    assert await find(app, city_id=city, text="late night") == [late.movie_id]
    elsewhere = await app.catalog.add_city(world.admin, name="Mumbai")
    assert await find(app, city_id=elsewhere.city_id) == []
    document = await app.ports.search.get(late.movie_id)
    assert document is not None
    assert [(s.city_id, s.date) for s in document.shows] == [(city, date(2030, 1, 5))]


async def test_cancelling_a_show_removes_it_from_the_index(app: Ticketing, world: World) -> None:
    """A cancelled show no longer places its movie; the movie's other shows still do."""
    city = world.theater_a.city_id
    movie_id = world.show.movie_id
    await app.operations.cancel_show(world.staff_a, world.show.show_id, "projector broke")
    document = await app.ports.search.get(movie_id)
    assert document is not None
    assert [s.show_id for s in document.shows] == [world.other_show.show_id]
    assert await find(app, city_id=city) == [movie_id]
    await app.operations.cancel_show(world.staff_b, world.other_show.show_id, "flooded")
    assert await find(app, city_id=city) == []
    assert await find(app, text="long queue") == [movie_id]  # the movie itself stays


async def test_retired_movies_are_hidden_but_admins_find_them(app: Ticketing, world: World) -> None:
    """Retiring hides a movie from default searches; admins still find it by asking for it."""
    movie_id = world.show.movie_id
    await app.catalog.retire_movie(world.admin, movie_id)
    assert await find(app, text="long queue") == []
    for admin in (world.admin, world.staff_a, world.staff_b):
        retired = await find(app, admin, text="long queue", statuses={MovieStatus.INACTIVE})
        assert retired == [movie_id]
    await app.catalog.activate_movie(world.admin, movie_id)
    assert await find(app, text="long queue") == [movie_id]


@pytest.mark.parametrize("who", ["alice", "anonymous"])
async def test_only_admins_may_search_retired_movies(
    app: Ticketing, world: World, who: str
) -> None:
    """A customer or an anonymous visitor asking for inactive movies is refused."""
    actor = world.alice if who == "alice" else None
    query = SearchQuery(statuses={MovieStatus.ACTIVE, MovieStatus.INACTIVE})
    with pytest.raises(PermissionDenied) as refused:
        await app.search.search(actor, query)
    assert refused.value.action == "search_inactive"
    assert await find(app, actor) == [world.show.movie_id]  # the default statuses are fine


async def test_a_theater_admin_without_theaters_may_not_search_retired_movies(
    app: Ticketing,
) -> None:
    """Searching retired movies needs a theater actually managed, not just the role."""
    nobody = Principal(user_id="usr_idle", roles={Role.THEATER_ADMIN})
    with pytest.raises(PermissionDenied):
        await app.search.search(nobody, SearchQuery(statuses={MovieStatus.INACTIVE}))


async def test_a_show_of_a_movie_missing_from_the_index_indexes_the_whole_movie(
    app: Ticketing, world: World
) -> None:
    """Scheduling a show of a movie the index lost indexes its whole document, every show."""
    await wipe(app)
    movie = await app.catalog.get_movie(world.admin, world.show.movie_id)
    screen = await add_screen(app, world)
    late = await schedule(app, world.staff_a, movie, screen, datetime(2030, 1, 9, tzinfo=UTC))
    document = await app.ports.search.get(movie.movie_id)
    assert document is not None
    assert document.title == "The Long Queue"
    expected = {world.show.show_id, world.other_show.show_id, late.show_id}
    assert {s.show_id for s in document.shows} == expected


async def test_changing_the_title_reindexes_the_movie(app: Ticketing, world: World) -> None:
    """After a title change the new title matches and the old one does not."""
    movie_id = world.show.movie_id
    await app.catalog.update_movie(world.admin, movie_id, title="Midnight Express", cast=["Ravi"])
    assert await find(app, text="midnight") == [movie_id]
    assert await find(app, text="ravi") == [movie_id]
    assert await find(app, text="queue") == []
    document = await app.ports.search.get(movie_id)
    assert document is not None
    assert len(document.shows) == 2  # the rebuilt document keeps the shows


async def test_a_rating_change_reaches_the_index(app: Ticketing, world: World) -> None:
    """A MovieChanged naming the rating rebuilds the document with the stored rating."""
    movie_id = world.show.movie_id

    async def rate(uow: UnitOfWork) -> None:
        movie = await uow.movies.get(movie_id)
        await uow.movies.save(movie.with_rating(RatingSummary.from_ratings([8, 9])))
        await uow.commit()

    async with app.ports.uow() as uow:
        await rate(uow)
    await app.indexer.handle(
        MovieChanged(occurred_at=datetime.now(UTC), movie_id=movie_id, changed={"rating"})
    )
    assert await find(app, min_rating=Decimal("8.5")) == [movie_id]


# --- the rebuild -----------------------------------------------------------------------------


async def test_reindex_all_rebuilds_a_wiped_index(app: Ticketing, world: World) -> None:
    """reindex_all restores exactly what the events had built, and drops unknown movies."""
    for title in ("Alpha", "Beta", "Gamma", "Delta"):
        await add_movie(app, world.admin, title)
    await app.catalog.retire_movie(world.admin, world.show.movie_id)
    before = await index_snapshot(app)
    assert len(before) == 5
    await wipe(app)
    ghost = MovieDocument(movie_id="mov_ghost", title="Ghost", release_date=date(2029, 1, 1))
    await app.ports.search.index(ghost)
    assert await find(app) == ["mov_ghost"]
    assert await app.indexer.reindex_all(world.admin, batch_size=2) == 5
    assert await index_snapshot(app) == before
    assert await app.ports.search.get("mov_ghost") is None


@pytest.mark.parametrize("who", ["staff_a", "alice"])
async def test_reindex_all_is_for_platform_admins_only(
    app: Ticketing, world: World, who: str
) -> None:
    """Anyone but a platform admin is refused, and the index is left as it was."""
    await wipe(app)
    with pytest.raises(PermissionDenied):
        await app.indexer.reindex_all(getattr(world, who))
    assert await index_snapshot(app) == {}


async def test_reindex_all_refuses_an_empty_batch(app: Ticketing, world: World) -> None:
    """A batch size under 1 is bad input."""
    with pytest.raises(InvalidInput) as refused:
        await app.indexer.reindex_all(world.admin, batch_size=0)
    assert refused.value.field == "batch_size"


async def test_stored_documents_are_what_the_events_indexed(app: Ticketing, world: World) -> None:
    """stored_documents yields every stored movie's document, retired ones too, exactly as the
    events indexed them, whatever the batch size; a batch under 1 is bad input."""
    for title in ("Alpha", "Beta", "Gamma"):
        await add_movie(app, world.admin, title)
    await app.catalog.retire_movie(world.admin, world.show.movie_id)
    indexed = await index_snapshot(app)
    for size in (1, 2, 500):
        documents = [d async for d in stored_documents(app.ports, batch_size=size)]
        assert {d.movie_id: d for d in documents} == indexed
        assert len(documents) == len(indexed)
    with pytest.raises(InvalidInput) as refused:
        [d async for d in stored_documents(app.ports, batch_size=0)]
    assert refused.value.field == "batch_size"


class FlakySearch(MemoryMovieSearch):
    """A memory index whose writes fail while ``down`` is set."""

    down = False

    async def index(self, document: MovieDocument) -> None:
        """Index, unless down."""
        if self.down:
            raise BackendUnavailable(backend="search", reason="down for the test")
        await super().index(document)


async def test_a_lost_event_is_logged_and_reindex_all_repairs_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The use case succeeds while the index is down; the failure is logged; reindex repairs."""
    engine = FlakySearch()
    app = in_memory(clock=ManualClock(), ids=SequentialIds(), search=engine)
    engine.down = True
    with caplog.at_level(logging.ERROR, logger="bookmyshow"):
        movie = await add_movie(app, ADMIN, "Unseen")
    assert "publishing 1 committed event(s) failed" in caplog.text
    assert await find(app, text="unseen") == []
    engine.down = False
    assert await app.indexer.reindex_all(ADMIN) == 1
    assert await find(app, text="unseen") == [movie.movie_id]


# --- wiring ----------------------------------------------------------------------------------


async def test_every_composition_root_keeps_the_index_current() -> None:
    """in_memory() and from_settings() subscribe the indexer to their event bus."""
    for app in (in_memory(clock=ManualClock()), from_settings(Settings())):
        movie = await add_movie(app, ADMIN, "Wired Up")
        assert await find(app, text="wired") == [movie.movie_id]


class CountingSearch(MemoryMovieSearch):
    """A memory index that counts whole-document writes."""

    writes = 0

    async def index(self, document: MovieDocument) -> None:
        """Index and count."""
        self.writes += 1
        await super().index(document)


async def test_subscribing_twice_indexes_once() -> None:
    """A second subscription to the same bus adds no second delivery."""
    engine = CountingSearch()
    app = in_memory(clock=ManualClock(), search=engine)
    bus = app.ports.events
    assert isinstance(bus, MemoryEventBus)
    app.indexer.subscribe(bus)
    await add_movie(app, ADMIN, "Once")
    assert engine.writes == 1


async def test_subscribe_refuses_a_publisher_without_subscriptions(app: Ticketing) -> None:
    """Only a bus can be subscribed to."""
    with pytest.raises(InvalidInput):
        app.indexer.subscribe(object())  # type: ignore[arg-type]


async def test_other_events_are_ignored_and_non_events_refused(
    app: Ticketing, world: World
) -> None:
    """handle() ignores events search does not follow and refuses what is not an event."""
    before = await index_snapshot(app)
    removed = ReviewRemoved(
        occurred_at=datetime.now(UTC), review_id="rev_1", movie_id="mov_x", user_id="usr_x"
    )
    await app.indexer.handle(removed)
    assert await index_snapshot(app) == before
    with pytest.raises(InvalidInput):
        await app.indexer.handle("movie.added")  # type: ignore[arg-type]


# --- suggestions, paging and bad queries -----------------------------------------------------


async def test_suggest_completes_titles_for_anyone(app: Ticketing, world: World) -> None:
    """suggest() completes a title prefix through the service, anonymous visitors included."""
    space = await add_movie(app, world.admin, "Interstellar")
    await add_movie(app, world.admin, "Inception")
    suggestions = await app.search.suggest(None, "inter")
    assert [(s.movie_id, s.title) for s in suggestions] == [(space.movie_id, "Interstellar")]
    assert len(await app.search.suggest(world.alice, "in", limit=1)) == 1
    assert list(await app.search.suggest(None, "")) == []


@pytest.mark.parametrize(
    ("prefix", "limit", "field"),
    [("in", 0, "limit"), ("in", 21, "limit"), ("x" * 101, 5, "prefix"), (None, 5, "prefix")],
)
async def test_suggest_refuses_bad_arguments(
    app: Ticketing, prefix: object, limit: int, field: str
) -> None:
    """A limit outside 1..20 or a prefix that is not a short string is bad input."""
    with pytest.raises(InvalidInput) as refused:
        await app.search.suggest(None, prefix, limit=limit)  # type: ignore[arg-type]
    assert refused.value.field == field


async def test_pages_by_cursor_cover_every_hit_once(app: Ticketing, world: World) -> None:
    """Following next_cursor visits every matching movie exactly once, in the result order."""
    for title in ("Run One", "Run Two", "Run Three", "Run Four", "Run Five"):
        await add_movie(app, world.admin, title)
    seen: list[str] = []
    cursor = None
    while True:
        page = await app.search.search(None, SearchQuery(text="run", page_size=2, cursor=cursor))
        assert page.total == 5
        seen += ids(page)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == await find(app, text="run", page_size=5)
    assert len(set(seen)) == 5


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page_size": 0}, "page_size"),
        ({"page_size": 101}, "page_size"),
        ({"offset": 9_990, "page_size": 20}, "offset"),
        ({"cursor": "not a cursor"}, "cursor"),
        ({"statuses": []}, "statuses"),
    ],
)
def test_bad_queries_are_refused(query: dict[str, object], field: str) -> None:
    """The query refuses bad paging, a malformed cursor and no statuses as InvalidInput."""
    with pytest.raises(InvalidInput) as refused:
        SearchQuery(**query)  # type: ignore[arg-type]
    assert refused.value.field == field


async def test_search_refuses_what_is_not_a_query(app: Ticketing, world: World) -> None:
    """search() takes a SearchQuery and a Principal or None; a cursor of another sort is bad."""
    with pytest.raises(InvalidInput) as refused:
        await app.search.search(None, "long queue")  # type: ignore[arg-type]
    assert refused.value.field == "query"
    with pytest.raises(InvalidInput) as refused:
        await app.search.search("alice", SearchQuery())  # type: ignore[arg-type]
    assert refused.value.field == "actor"
    await add_movie(app, world.admin, "The Long Night")
    page = await app.search.search(None, SearchQuery(text="long", page_size=1))
    assert page.next_cursor is not None
    with pytest.raises(InvalidInput) as refused:
        SearchQuery(text="long", sort=SortBy.POPULARITY, cursor=page.next_cursor)
    assert refused.value.field == "cursor"


# --- the index converges on the repositories -------------------------------------------------

_TITLES = st.sampled_from(["Dune", "Dunes", "Dark Water", "Water Lilies", "Amélie", "Sholay"])
Op = tuple[str, int, int, str]
"""An operation: its kind, a movie (or show) number, a time slot and a title."""

_OPS = st.lists(
    st.tuples(
        st.sampled_from(["add", "rename", "retire", "activate", "schedule", "cancel"]),
        st.integers(0, 9),
        st.integers(0, 60),
        _TITLES,
    ),
    max_size=14,
)


async def small_cinema(app: Ticketing) -> Screen:
    """A city, a theater and one 2D screen, made by the platform admin."""
    city = await app.catalog.add_city(ADMIN, name="Chennai")
    theater = await app.catalog.add_theater(
        ADMIN,
        name="Sathyam",
        city_id=city.city_id,
        address="Royapettah",
        location=GeoPoint(Decimal("13.05"), Decimal("80.26")),
    )
    return await app.catalog.add_screen(
        ADMIN, theater_id=theater.theater_id, name="Main", rows=ROWS, formats=["2D"]
    )


async def apply(app: Ticketing, screen: Screen, ops: list[Op]) -> None:
    """Run catalog and schedule operations, skipping those the rules refuse."""
    movies: list[str] = []
    shows: list[str] = []
    base = datetime(2030, 2, 1, tzinfo=UTC)
    for kind, number, slot, title in ops:
        if kind == "add":
            movies.append((await add_movie(app, ADMIN, title)).movie_id)
        elif kind == "cancel":
            if shows:
                await app.operations.cancel_show(ADMIN, shows[number % len(shows)], "gone")
        elif not movies:
            continue
        elif kind == "rename":
            await app.catalog.update_movie(ADMIN, movies[number % len(movies)], title=title)
        elif kind == "retire":
            await app.catalog.retire_movie(ADMIN, movies[number % len(movies)])
        elif kind == "activate":
            await app.catalog.activate_movie(ADMIN, movies[number % len(movies)])
        else:
            movie = await app.catalog.get_movie(ADMIN, movies[number % len(movies)])
            if movie.status is MovieStatus.INACTIVE:
                continue
            # Slots 5 h 30 apart land on every half hour of the IST day across 48 slots.
            at = base + slot * timedelta(hours=5, minutes=30)
            try:
                shows.append((await schedule(app, ADMIN, movie, screen, at)).show_id)
            except ShowOverlap:
                continue


def expected_document(movie: Movie, shows: Sequence[Show], city_id: str) -> MovieDocument:
    """The document a movie should have, computed here from its live shows in Chennai."""
    return MovieDocument.from_movie(
        movie,
        [
            ShowFact(
                show_id=s.show_id,
                city_id=city_id,
                date=(s.starts_at + IST).date(),
                format=s.format,
            )
            for s in shows
            if s.movie_id == movie.movie_id and not s.is_cancelled
        ],
    )


async def assert_index_matches_repositories(app: Ticketing, screen: Screen) -> None:
    """The index holds exactly the expected document of every stored movie."""
    theater = await app.catalog.get_theater(ADMIN, screen.theater_id)

    async def read(uow: UnitOfWork) -> list[Show]:
        return list(await uow.shows.find(include_cancelled=True))

    shows = await read_unit(app.ports, read)
    expected = {
        movie.movie_id: expected_document(movie, shows, theater.city_id)
        for movie in await stored_movies(app)
    }
    assert await index_snapshot(app) == expected


# ``backend`` only says where to open a fresh store: sharing it between examples is safe.
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_OPS)
async def test_event_driven_index_equals_the_repositories(
    backend: JourneyBackend, ops: list[Op]
) -> None:
    """After any run of catalog and schedule changes, the index matches the repositories, and
    a wipe plus reindex_all gives the same index."""
    async with backend.system(clock=ManualClock()) as app:
        screen = await small_cinema(app)
        await apply(app, screen, ops)
        await assert_index_matches_repositories(app, screen)
        await wipe(app)
        await app.indexer.reindex_all(ADMIN, batch_size=3)
        await assert_index_matches_repositories(app, screen)


class JitterySearch(MemoryMovieSearch):
    """A memory index whose writes take a random number of event-loop turns to land."""

    def __init__(self, seed: int) -> None:
        super().__init__()
        self._random = random.Random(seed)

    async def _delay(self) -> None:
        for _ in range(self._random.randrange(30)):
            await asyncio.sleep(0)

    async def index(self, document: MovieDocument) -> None:
        """Index, late."""
        await self._delay()
        await super().index(document)

    async def index_many(self, documents: Sequence[MovieDocument]) -> None:
        """Index in bulk, late."""
        await self._delay()
        await super().index_many(documents)

    async def put_show(self, movie_id: str, show: ShowFact) -> None:
        """Add a show, late."""
        await self._delay()
        await super().put_show(movie_id, show)


@pytest.mark.parametrize("seed", range(5))
async def test_concurrent_changes_converge(seed: int, backend: JourneyBackend) -> None:
    """Renames and schedulings of one movie racing each other and a rebuild, through an index
    whose writes land late, leave the index as stored."""
    async with backend.system(
        clock=ManualClock(), policies=Policies(unit_attempts=100), search=JitterySearch(seed)
    ) as app:
        screen = await small_cinema(app)
        movie = await add_movie(app, ADMIN, "Race")
        base = datetime(2030, 3, 1, tzinfo=UTC)
        await asyncio.gather(
            *(app.catalog.update_movie(ADMIN, movie.movie_id, title=f"Race {n}") for n in range(8)),
            *(schedule(app, ADMIN, movie, screen, base + n * timedelta(hours=4)) for n in range(8)),
            app.indexer.reindex_all(ADMIN, batch_size=1),
        )
        await assert_index_matches_repositories(app, screen)
        document = await app.ports.search.get(movie.movie_id)
        assert document is not None
        assert len(document.shows) == 8


async def test_show_filters_mean_upcoming_shows_unless_dates_are_given(
    app: Ticketing, world: World, clock: ManualClock
) -> None:
    """Once a movie's only show in a city is days past, a city search without dates misses it;
    a date range that covers the show still finds it."""
    movie = await add_movie(app, world.admin, "Yesterday Once More")
    screen = await add_screen(app, world)
    show = await schedule(app, world.staff_a, movie, screen, clock.now() + timedelta(days=1))
    city = world.theater_a.city_id
    assert movie.movie_id in await find(app, city_id=city)
    clock.advance(timedelta(days=4))
    assert movie.movie_id not in await find(app, city_id=city)
    shown_on = (show.starts_at + IST).date()
    then = DateRange(start=shown_on, end=shown_on)
    assert movie.movie_id in await find(app, city_id=city, dates=then)
