"""CatalogCache: read-through catalog reads in memory and on Redis, invalidated by events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from types import TracebackType
from typing import Any, cast

import pytest
from attrs import evolve, frozen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.adapters.memory import (
    ManualClock,
    MemoryCache,
    MemoryEventBus,
    ScryptPasswordHasher,
    SequentialIds,
)
from bookmyshow.adapters.redis import RedisClient, connect
from bookmyshow.adapters.redis.cache import RedisCache
from bookmyshow.bootstrap import Ticketing, bootstrap, in_memory
from bookmyshow.domain.errors import BookMyShowError, InvalidInput
from bookmyshow.domain.events import MovieChanged, ShowScheduled, TheaterAdded
from bookmyshow.domain.venues import GeoPoint
from bookmyshow.ports.cache import Cache
from bookmyshow.ports.clock import Clock
from bookmyshow.ports.errors import NotFound
from bookmyshow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from bookmyshow.services.browsing import Browsing, SeatMapStatus
from bookmyshow.services.catalog_cache import (
    CACHE_FORMAT,
    CacheTtls,
    CatalogCache,
    EntryKind,
    catalog_key,
    stale_keys,
)
from tests.redis_backends import PrivateRedis, drop_namespace, free_port
from tests.services.world import World, build_world

CacheMaker = Callable[[Clock], Cache]
LOG = "bookmyshow.services"


class Gate:
    """Holds loads as they begin: ``began`` is set when one arrives, ``release`` lets all go."""

    def __init__(self) -> None:
        self.began = asyncio.Event()
        self.release = asyncio.Event()


class _Paused:
    """A unit of work that, before it opens, waits at ``gate`` (if any) and then ``pause``
    seconds (so loads overlap)."""

    def __init__(self, inner: UnitOfWork, pause: float, gate: Gate | None) -> None:
        self._inner = inner
        self._pause = pause
        self._gate = gate

    async def __aenter__(self) -> UnitOfWork:
        if self._gate is not None:
            self._gate.began.set()
            await self._gate.release.wait()
        await asyncio.sleep(self._pause)
        return await self._inner.__aenter__()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self._inner.__aexit__(kind, error, trace)


class CountingUnits:
    """A unit-of-work factory that counts the units it opens; each open may advance the clock
    by ``cost`` (what a load takes), wait at ``gate`` (set it to hold loads) and pause
    ``pause`` seconds."""

    def __init__(
        self, inner: UnitOfWorkFactory, clock: ManualClock, *, cost: timedelta, pause: float
    ) -> None:
        self.opened = 0
        self._inner = inner
        self._clock = clock
        self._cost = cost
        self._pause = pause
        self.gate: Gate | None = None

    def __call__(self) -> UnitOfWork:
        self.opened += 1
        self._clock.advance(self._cost)
        unit = self._inner()
        if self._pause or self.gate is not None:
            return cast(UnitOfWork, _Paused(unit, self._pause, self.gate))
        return unit


@frozen(kw_only=True)
class Rig:
    """A world whose browsing reads go through a catalog cache (``browsing``) or not
    (``plain``), on one store; ``loads`` counts the units the browsing reads open."""

    app: Ticketing
    browsing: Browsing
    plain: Browsing
    catalog_cache: CatalogCache
    cache: Cache
    world: World
    clock: ManualClock
    loads: CountingUnits

    @property
    def movie_id(self) -> str:
        """The world's one movie."""
        return self.world.show.movie_id

    @property
    def city_id(self) -> str:
        """The world's one city."""
        return self.world.theater_a.city_id


async def make_rig(
    make_cache: CacheMaker,
    *,
    ttls: CacheTtls | None = None,
    random: Callable[[], float] | None = None,
    cost: timedelta = timedelta(0),
    pause: float = 0.0,
) -> Rig:
    """Build the world on an in-memory system, then browse it through a fresh cache.

    The browsing reads (``lagging_read``) go through ``replica_uow``, so counting its units
    counts the cache's loads and nothing else; the cache gets ``loads`` as its primary too, so
    its loads are counted whichever of the two it reads.
    """
    clock = ManualClock()
    base = in_memory(
        clock=clock,
        ids=SequentialIds(),
        passwords=ScryptPasswordHasher.fast_for_tests(),
        token_secret=b"t" * 32,
    )
    world = await build_world(base, clock)
    cache = make_cache(clock)
    loads = CountingUnits(base.ports.uow, clock, cost=cost, pause=pause)
    ports = evolve(base.ports, cache=cache, replica_uow=loads)
    app = bootstrap(ports, base.policies)
    catalog_cache = CatalogCache(evolve(ports, uow=loads), ttls=ttls, random=random)
    catalog_cache.subscribe(cast(MemoryEventBus, ports.events))
    return Rig(
        app=app,
        browsing=Browsing(ports, base.policies, catalog_cache=catalog_cache),
        plain=Browsing(evolve(ports, cache=None), base.policies),
        catalog_cache=catalog_cache,
        cache=cache,
        world=world,
        clock=clock,
        loads=loads,
    )


@pytest.fixture(params=["memory", "redis"])
async def make_cache(request: pytest.FixtureRequest) -> AsyncIterator[CacheMaker]:
    """Makes an empty cache on a clock: in memory, or on the shared Redis in a namespace of
    its own (dropped after the test)."""
    if request.param == "memory":
        yield MemoryCache
        return
    url: str = request.getfixturevalue("redis_url")
    client = connect(url)
    namespaces: list[str] = []

    def make(clock: Clock) -> Cache:
        namespaces.append(f"t{uuid.uuid4().hex[:12]}")
        return RedisCache(client, clock=clock, namespace=namespaces[-1])

    try:
        yield make
    finally:
        try:
            for namespace in namespaces:
                await drop_namespace(client, namespace)
        finally:
            await client.aclose()


@pytest.fixture
async def rig(make_cache: CacheMaker) -> Rig:
    """The world browsed through a fresh cache with the default ttls."""
    return await make_rig(make_cache)


# --- read-through ----------------------------------------------------------------------------


async def test_reads_load_once_then_hit(rig: Rig) -> None:
    """Each of movie, theaters, seat map and listing loads on its first read only."""
    movie = await rig.browsing.movie(None, rig.movie_id)
    assert rig.loads.opened == 1
    assert await rig.browsing.movie(None, rig.movie_id) == movie
    assert rig.loads.opened == 1
    theaters = await rig.browsing.theaters(None, rig.city_id)
    assert rig.loads.opened == 2
    assert await rig.browsing.theaters(None, rig.city_id) == theaters
    assert rig.loads.opened == 2
    # The show, then its theater and screen in one unit (the movie is cached already).
    seat_map = await rig.browsing.seat_map(None, rig.world.show.show_id)
    assert rig.loads.opened == 4
    assert await rig.browsing.seat_map(None, rig.world.show.show_id) == seat_map
    assert rig.loads.opened == 4
    # A listing always reads its shows fresh; only the other show's theater and screen load.
    listings = await rig.browsing.shows(None, city_id=rig.city_id)
    assert rig.loads.opened == 6
    assert await rig.browsing.shows(None, city_id=rig.city_id) == listings
    assert rig.loads.opened == 7
    assert movie == await rig.plain.movie(None, rig.movie_id)
    assert list(theaters) == list(await rig.plain.theaters(None, rig.city_id))
    assert seat_map == await rig.plain.seat_map(None, rig.world.show.show_id)
    assert listings == await rig.plain.shows(None, city_id=rig.city_id)


async def test_seat_states_are_read_live(rig: Rig) -> None:
    """A hold shows on the next seat map at once, though the map's context is cached."""
    show_id = rig.world.show.show_id
    before = await rig.browsing.seat_map(rig.world.alice, show_id)
    opened = rig.loads.opened
    await rig.app.seats.hold(rig.world.alice, show_id, ["A1", "A2"])
    after = await rig.browsing.seat_map(rig.world.alice, show_id)
    assert rig.loads.opened == opened
    assert before.count(SeatMapStatus.HELD) == 0
    assert after.count(SeatMapStatus.HELD) == 2
    assert after.show.seats_left == before.show.seats_left - 2


async def test_unknown_ids_are_not_found_and_not_cached(rig: Rig) -> None:
    """An unknown movie, city or show is NotFound on every read, each time from the store."""
    for _ in range(2):
        with pytest.raises(NotFound):
            await rig.browsing.movie(None, "mov-missing")
        with pytest.raises(NotFound):
            await rig.browsing.theaters(None, "cty-missing")
        with pytest.raises(NotFound):
            await rig.browsing.seat_map(None, "shw-missing")
    assert rig.loads.opened == 6


async def test_ids_that_cannot_be_keys_go_to_the_store(rig: Rig) -> None:
    """An empty id is refused by the store exactly as without a cache, on every read."""
    refusals = []
    for browsing in (rig.browsing, rig.plain, rig.browsing):
        with pytest.raises((NotFound, InvalidInput)) as failed:
            await browsing.movie(None, "")
        refusals.append((type(failed.value), str(failed.value)))
    assert refusals[0] == refusals[1] == refusals[2]
    assert rig.loads.opened == 3


# --- invalidation ----------------------------------------------------------------------------


async def test_update_movie_invalidates_the_movie(rig: Rig) -> None:
    """After update_movie the movie and the seat map's title are the new ones."""
    show_id = rig.world.show.show_id
    await rig.browsing.movie(None, rig.movie_id)
    await rig.browsing.seat_map(None, show_id)
    await rig.app.catalog.update_movie(rig.world.admin, rig.movie_id, title="The Longer Queue")
    assert (await rig.browsing.movie(None, rig.movie_id)).title == "The Longer Queue"
    assert (await rig.browsing.seat_map(None, show_id)).show.movie_title == "The Longer Queue"
    await rig.app.catalog.retire_movie(rig.world.admin, rig.movie_id)
    assert await rig.browsing.movie(None, rig.movie_id) == await rig.plain.movie(None, rig.movie_id)


async def test_update_theater_invalidates_theater_and_city(rig: Rig) -> None:
    """After update_theater the city list, seat map name and local times follow the change."""
    show_id = rig.world.show.show_id
    theater_id = rig.world.theater_a.theater_id
    await rig.browsing.theaters(None, rig.city_id)
    before = await rig.browsing.seat_map(None, show_id)
    await rig.app.catalog.update_theater(
        rig.world.admin, theater_id, name="PVR Nexus", time_zone="Asia/Dubai"
    )
    names = [t.name for t in await rig.browsing.theaters(None, rig.city_id)]
    assert "PVR Nexus" in names
    after = await rig.browsing.seat_map(None, show_id)
    assert after.show.theater_name == "PVR Nexus"
    assert before.show.local_starts_at.utcoffset() == timedelta(hours=5, minutes=30)
    assert after.show.local_starts_at.utcoffset() == timedelta(hours=4)
    assert after == await rig.plain.seat_map(None, show_id)


async def test_add_theater_invalidates_the_city_list(rig: Rig) -> None:
    """A theater added to the city is listed by the next theaters() read."""
    assert len(await rig.browsing.theaters(None, rig.city_id)) == 2
    added = await rig.app.catalog.add_theater(
        rig.world.admin,
        name="Cinepolis",
        city_id=rig.city_id,
        address="Bannerghatta Road",
        location=GeoPoint("12.9", "77.6"),
    )
    listed = await rig.browsing.theaters(None, rig.city_id)
    assert added in listed
    assert list(listed) == list(await rig.plain.theaters(None, rig.city_id))


async def test_cancel_show_invalidates_the_show(rig: Rig) -> None:
    """After a show is cancelled its seat map is not bookable and listings drop it."""
    show_id = rig.world.show.show_id
    assert (await rig.browsing.seat_map(None, show_id)).bookable
    await rig.app.operations.cancel_show(rig.world.admin, show_id, "projector fault")
    assert not (await rig.browsing.seat_map(None, show_id)).bookable
    assert show_id not in [s.show_id for s in await rig.browsing.shows(None)]


async def test_events_name_the_keys_they_make_stale() -> None:
    """Theater events name the theater and its city list; unrelated events name nothing."""
    at = ManualClock().now()
    added = TheaterAdded(occurred_at=at, theater_id="thr-1", city_id="cty-1")
    assert stale_keys(added) == (
        "catalog:theater:thr-1",
        "catalog:city-theaters:cty-1",
    )
    changed = MovieChanged(occurred_at=at, movie_id="mov-1", changed={"title"})
    assert stale_keys(changed) == ("catalog:movie:mov-1",)
    scheduled = ShowScheduled(
        occurred_at=at,
        show_id="shw-1",
        movie_id="mov-1",
        theater_id="thr-1",
        screen_id="scr-1",
        starts_at=at,
    )
    assert stale_keys(scheduled) == ()
    with pytest.raises(InvalidInput):
        stale_keys("movie.changed")  # type: ignore[arg-type]


async def test_invalidation_during_a_load_keeps_it_out_of_the_cache(make_cache: CacheMaker) -> None:
    """A load that overlaps an invalidation answers its reader but is not stored."""
    rig = await make_rig(make_cache)
    movie = await rig.plain.movie(None, rig.movie_id)
    gate = rig.loads.gate = Gate()
    reading = asyncio.create_task(rig.browsing.movie(None, rig.movie_id))
    # Events, not sleeps: the invalidation lands after the load began and before it ends.
    await asyncio.wait_for(gate.began.wait(), 10)
    await rig.catalog_cache.handle(
        MovieChanged(occurred_at=rig.clock.now(), movie_id=rig.movie_id, changed={"title"})
    )
    gate.release.set()
    assert await asyncio.wait_for(reading, 10) == movie
    assert await rig.cache.get(catalog_key(EntryKind.MOVIE, rig.movie_id)) is None
    assert await rig.browsing.movie(None, rig.movie_id) == movie
    assert await rig.cache.get(catalog_key(EntryKind.MOVIE, rig.movie_id)) is not None


# --- stampede protection ---------------------------------------------------------------------


async def test_concurrent_cold_reads_share_one_load(make_cache: CacheMaker) -> None:
    """Twenty concurrent cold reads of one movie, and of one seat map, each load once."""
    rig = await make_rig(make_cache, pause=0.02)
    movies = await asyncio.gather(*(rig.browsing.movie(None, rig.movie_id) for _ in range(20)))
    assert rig.loads.opened == 1
    assert len({m.title for m in movies}) == 1
    show_id = rig.world.other_show.show_id
    maps = await asyncio.gather(*(rig.browsing.seat_map(None, show_id) for _ in range(20)))
    assert rig.loads.opened == 3
    assert all(m == maps[0] for m in maps)


async def test_concurrent_misses_of_an_unknown_id_share_not_found(make_cache: CacheMaker) -> None:
    """Concurrent reads of an unknown movie share one load and each raises NotFound."""
    rig = await make_rig(make_cache, pause=0.02)
    outcomes = await asyncio.gather(
        *(rig.browsing.movie(None, "mov-missing") for _ in range(10)), return_exceptions=True
    )
    assert all(isinstance(o, NotFound) for o in outcomes)
    assert rig.loads.opened == 1


class Draws:
    """An injectable random source returning the numbers it is given, in order."""

    def __init__(self) -> None:
        self.queue: list[float] = []
        self.calls = 0

    def __call__(self) -> float:
        self.calls += 1
        return self.queue.pop(0)


async def test_hot_entry_is_refreshed_early_by_an_unlucky_draw(make_cache: CacheMaker) -> None:
    """With a 10 s load and 30 s left, u=0.5 serves the entry and u=0.99 reloads it early."""
    draws = Draws()
    rig = await make_rig(
        make_cache,
        ttls=CacheTtls(movie=timedelta(seconds=60)),
        random=draws,
        cost=timedelta(seconds=10),
    )
    await rig.browsing.movie(None, rig.movie_id)
    assert rig.loads.opened == 1
    rig.clock.advance(timedelta(seconds=30))
    # XFetch reloads when 10 s * -ln(1 - u) >= 30 s left, i.e. u >= 1 - e^-3 (about 0.95).
    draws.queue = [0.5]
    await rig.browsing.movie(None, rig.movie_id)
    assert rig.loads.opened == 1
    draws.queue = [0.99]
    await rig.browsing.movie(None, rig.movie_id)
    assert rig.loads.opened == 2
    # The reload stored a new entry: 50 s later it is still served with a lucky draw.
    rig.clock.advance(timedelta(seconds=45))
    draws.queue = [0.0]
    await rig.browsing.movie(None, rig.movie_id)
    assert rig.loads.opened == 2
    assert draws.calls == 3


async def test_entries_that_cost_nothing_are_never_refreshed_early(make_cache: CacheMaker) -> None:
    """A load that took no time is served until it expires, without drawing at all."""
    draws = Draws()
    rig = await make_rig(make_cache, ttls=CacheTtls(movie=timedelta(seconds=60)), random=draws)
    await rig.browsing.movie(None, rig.movie_id)
    rig.clock.advance(timedelta(seconds=59))
    await rig.browsing.movie(None, rig.movie_id)
    assert (rig.loads.opened, draws.calls) == (1, 0)
    rig.clock.advance(timedelta(seconds=1))
    await rig.browsing.movie(None, rig.movie_id)
    assert rig.loads.opened == 2


async def test_a_random_source_outside_the_unit_interval_is_refused(
    make_cache: CacheMaker,
) -> None:
    """A random source returning 1.0 is a configuration error: InvalidInput(field="random")."""
    rig = await make_rig(make_cache, random=lambda: 1.0, cost=timedelta(seconds=1))
    await rig.browsing.movie(None, rig.movie_id)
    with pytest.raises(InvalidInput) as info:
        await rig.browsing.movie(None, rig.movie_id)
    assert info.value.field == "random"


# --- unreadable entries ----------------------------------------------------------------------


def _bad_entries(good: bytes, other_movie: bytes) -> Iterator[tuple[str, bytes]]:
    """Entries a reader must take as misses: garbage, another format, another kind, a movie
    under another movie's key, and data that does not build a Movie."""
    yield "garbage", b"\xff\x00 not json"
    document = json.loads(good)
    yield "old format", json.dumps({**document, "v": CACHE_FORMAT + 1}).encode()
    yield "another kind", json.dumps({**document, "kind": "theater"}).encode()
    yield "another record", other_movie
    yield "bad data", json.dumps({**document, "data": {"movie_id": 7}}).encode()
    yield "not an object", b"[1, 2, 3]"


async def test_unreadable_entries_are_misses_and_overwritten(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    """An unreadable entry is loaded again and overwritten, never an error."""
    key = catalog_key(EntryKind.MOVIE, rig.movie_id)
    movie = await rig.browsing.movie(None, rig.movie_id)
    good = await rig.cache.get(key)
    assert good is not None
    twin = await rig.app.catalog.add_movie(
        rig.world.admin,
        title="Another Queue",
        languages=["Hindi"],
        duration=timedelta(minutes=100),
        release_date=movie.release_date,
        certificate="U",
    )
    await rig.browsing.movie(None, twin.movie_id)
    other = await rig.cache.get(catalog_key(EntryKind.MOVIE, twin.movie_id))
    assert other is not None
    for reason, raw in _bad_entries(good, other):
        await rig.cache.set(key, raw)
        opened = rig.loads.opened
        with caplog.at_level(logging.INFO, logger=LOG):
            assert await rig.browsing.movie(None, rig.movie_id) == movie, reason
        assert rig.loads.opened == opened + 1, reason
        assert await rig.cache.get(key) != raw, reason
        assert await rig.browsing.movie(None, rig.movie_id) == movie, reason
        assert rig.loads.opened == opened + 1, reason
    assert "reloading" in caplog.text


# --- a failing cache -------------------------------------------------------------------------


def _unreachable_cache(clock: Clock) -> tuple[RedisCache, RedisClient]:
    client = connect(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    return RedisCache(client, clock=clock, namespace="down"), client


async def test_reads_answer_while_the_cache_is_unreachable(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With Redis down, reads answer from the store and changes commit; the failures are logged."""
    # The failed invalidation after the update is logged, not raised.
    clients: list[RedisClient] = []

    def make(clock: Clock) -> Cache:
        cache, client = _unreachable_cache(clock)
        clients.append(client)
        return cache

    try:
        rig = await make_rig(make)
        show_id = rig.world.show.show_id
        with caplog.at_level(logging.WARNING, logger=LOG):
            assert await rig.browsing.movie(None, rig.movie_id) == await rig.plain.movie(
                None, rig.movie_id
            )
            assert list(await rig.browsing.theaters(None, rig.city_id)) == list(
                await rig.plain.theaters(None, rig.city_id)
            )
            assert await rig.browsing.seat_map(None, show_id) == await rig.plain.seat_map(
                None, show_id
            )
            assert await rig.browsing.shows(None) == await rig.plain.shows(None)
            updated = await rig.app.catalog.update_movie(
                rig.world.admin, rig.movie_id, title="Offline Queue"
            )
            assert await rig.browsing.movie(None, rig.movie_id) == updated
        assert "catalog cache unavailable" in caplog.text
    finally:
        for client in clients:
            await client.aclose()


async def test_reads_survive_a_redis_restart(
    private_redis: PrivateRedis, caplog: pytest.LogCaptureFixture
) -> None:
    """Reads answer while the cache's server is down, and are cached again once it is back."""
    client = connect(private_redis.url, timeout=1)
    try:
        rig = await make_rig(lambda clock: RedisCache(client, clock=clock, namespace="restart"))
        movie = await rig.browsing.movie(None, rig.movie_id)
        assert rig.loads.opened == 1
        private_redis.stop()
        with caplog.at_level(logging.WARNING, logger=LOG):
            assert await rig.browsing.movie(None, rig.movie_id) == movie
        assert rig.loads.opened == 2
        private_redis.start()
        # The first command may still meet a connection the restart broke (retries are off).
        for _ in range(2):
            assert await rig.browsing.movie(None, rig.movie_id) == movie
        opened = rig.loads.opened
        assert await rig.browsing.movie(None, rig.movie_id) == movie
        assert rig.loads.opened == opened
    finally:
        await client.aclose()


# --- configuration ---------------------------------------------------------------------------


def test_ttls_default_and_refuse_non_positive_durations() -> None:
    """The default ttls are 1 h, 1 h, 10 min and 5 min; a zero ttl is InvalidInput."""
    ttls = CacheTtls()
    assert (ttls.movie, ttls.theater, ttls.city_theaters, ttls.show_context) == (
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(minutes=10),
        timedelta(minutes=5),
    )
    with pytest.raises(InvalidInput) as info:
        CacheTtls(city_theaters=timedelta(0))
    assert info.value.field == "city_theaters"


def test_a_cache_is_required_and_settings_are_checked() -> None:
    """CatalogCache refuses ports without a cache, a bad beta and a non-callable random."""
    system = in_memory(clock=ManualClock())
    with pytest.raises(InvalidInput) as info:
        CatalogCache(system.ports)
    assert info.value.field == "cache"
    cache = MemoryCache(ManualClock())
    for kwargs, field in (({"beta": 0}, "beta"), ({"random": 0.5}, "random")):
        with pytest.raises(InvalidInput) as bad:
            CatalogCache(system.ports, cache=cache, **cast(dict[str, Any], kwargs))
        assert bad.value.field == field
    with pytest.raises(InvalidInput):
        catalog_key("seat", "x")
    assert system.browsing.catalog_cache is None


# --- cached reads equal uncached reads -------------------------------------------------------

_ZONES = ("Asia/Kolkata", "Asia/Dubai", "UTC")
_ops = st.lists(
    st.one_of(
        st.tuples(st.just("retitle"), st.sampled_from(["Queue A", "Queue B", "Queue C"])),
        st.tuples(st.just("retire"), st.none()),
        st.tuples(st.just("activate"), st.none()),
        st.tuples(st.just("rename"), st.sampled_from(["Alpha", "Zeta", "Mid"])),
        st.tuples(st.just("rezone"), st.sampled_from(_ZONES)),
        st.tuples(st.just("add_theater"), st.sampled_from(["Beta", "Omega"])),
        st.tuples(st.just("cancel"), st.sampled_from([0, 1])),
        st.tuples(st.just("hold"), st.sampled_from(["A1", "B2", "C8"])),
        st.tuples(st.just("advance"), st.sampled_from([1, 6, 11, 61, 60 * 24])),
    ),
    max_size=10,
)


async def _apply(rig: Rig, op: str, arg: Any, theater_index: int) -> None:
    """Apply one catalog change (or let time pass) through the public use cases."""
    admin, catalog = rig.world.admin, rig.app.catalog
    theater_id = (rig.world.theater_a, rig.world.theater_b)[theater_index].theater_id
    if op == "retitle":
        await catalog.update_movie(admin, rig.movie_id, title=arg)
    elif op == "retire":
        await catalog.retire_movie(admin, rig.movie_id)
    elif op == "activate":
        await catalog.activate_movie(admin, rig.movie_id)
    elif op == "rename":
        await catalog.update_theater(admin, theater_id, name=arg)
    elif op == "rezone":
        await catalog.update_theater(admin, theater_id, time_zone=arg)
    elif op == "add_theater":
        await catalog.add_theater(
            admin, name=arg, city_id=rig.city_id, address="MG Road", location=GeoPoint(12, 77)
        )
    elif op == "cancel":
        show = (rig.world.show, rig.world.other_show)[arg]
        await rig.app.operations.cancel_show(admin, show.show_id, "called off")
    elif op == "hold":
        with contextlib.suppress(BookMyShowError):
            # A refused hold (cancelled, started, taken, over the limit) changes nothing.
            await rig.app.seats.hold(rig.world.alice, rig.world.show.show_id, [arg])
    else:
        rig.clock.advance(timedelta(minutes=arg))


async def _same_reads(rig: Rig) -> None:
    """Every cached read answers exactly what the uncached one does."""
    cached, plain = rig.browsing, rig.plain
    assert await cached.movie(None, rig.movie_id) == await plain.movie(None, rig.movie_id)
    assert list(await cached.theaters(None, rig.city_id)) == list(
        await plain.theaters(None, rig.city_id)
    )
    for show in (rig.world.show, rig.world.other_show):
        alice = rig.world.alice
        assert await cached.seat_map(alice, show.show_id) == await plain.seat_map(
            alice, show.show_id
        )
    assert await cached.shows(None) == await plain.shows(None)
    city, movie = rig.city_id, rig.movie_id
    assert await cached.shows(None, city_id=city) == await plain.shows(None, city_id=city)
    assert await cached.shows(None, movie_id=movie) == await plain.shows(None, movie_id=movie)


@pytest.mark.parametrize("cache_kind", ["memory", "redis"])
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=_ops, theater_index=st.sampled_from([0, 1]))
async def test_cached_reads_equal_uncached_reads(
    cache_kind: str,
    request: pytest.FixtureRequest,
    ops: list[tuple[str, Any]],
    theater_index: int,
) -> None:
    """For any sequence of catalog changes and reads, a cached read equals an uncached one."""
    if cache_kind == "memory":
        rig = await make_rig(MemoryCache)
        await _run(rig, ops, theater_index)
        return
    client = connect(request.getfixturevalue("redis_url"))
    namespace = f"t{uuid.uuid4().hex[:12]}"
    try:
        rig = await make_rig(lambda clock: RedisCache(client, clock=clock, namespace=namespace))
        await _run(rig, ops, theater_index)
    finally:
        try:
            await drop_namespace(client, namespace)
        finally:
            await client.aclose()


async def _run(rig: Rig, ops: list[tuple[str, Any]], theater_index: int) -> None:
    await _same_reads(rig)
    for op, arg in ops:
        await _apply(rig, op, arg, theater_index)
        await _same_reads(rig)
