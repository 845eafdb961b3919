"""Catalog: admin use cases for movies, cities, theaters, screens and show scheduling."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from attrs import frozen

from bookmyshow.adapters.memory import ManualClock
from bookmyshow.adapters.memory.events import MemoryEventBus
from bookmyshow.domain.catalog import Certificate, Format, Movie, MovieStatus
from bookmyshow.domain.errors import InvalidInput, PermissionDenied
from bookmyshow.domain.events import (
    DomainEvent,
    MovieAdded,
    MovieChanged,
    MovieRetired,
    ShowScheduled,
)
from bookmyshow.domain.layouts import SeatLayout
from bookmyshow.domain.money import Money
from bookmyshow.domain.shows import MovieNotSchedulable, ScheduleRules, Show, ShowOverlap
from bookmyshow.domain.users import Principal, Role
from bookmyshow.domain.venues import City, GeoPoint, Screen, Theater
from bookmyshow.ports.errors import NotFound
from bookmyshow.services.catalog import DEFAULT_TIME_ZONE, VIEW_CATALOG, Catalog
from bookmyshow.services.context import Policies, Ports

ADMIN = Principal(user_id="admin-1", roles={Role.PLATFORM_ADMIN})
CUSTOMER = Principal(user_id="cust-1", roles={Role.CUSTOMER})
ROWS = (("A", "regular", "ss_ss"), ("B", "premium", "ssss"))
PRICES = {"regular": Money.of(200), "premium": Money.of(350)}
HERE = GeoPoint(Decimal("12.934533"), Decimal("77.611284"))
# The clock starts 2030-01-01 09:00 UTC; shows are scheduled on the next day.
DAY2 = datetime(2030, 1, 2, tzinfo=UTC)
RUNTIME = timedelta(minutes=150)


def theater_admin(*theater_ids: str) -> Principal:
    """A theater admin managing exactly ``theater_ids``."""
    return Principal(user_id="tadmin-1", roles={Role.THEATER_ADMIN}, theater_ids=theater_ids)


def events(ports: Ports) -> tuple[DomainEvent, ...]:
    """Everything published so far on the in-memory bus."""
    bus = ports.events
    assert isinstance(bus, MemoryEventBus)
    return tuple(bus.published)


@pytest.fixture
def catalog(ports: Ports, policies: Policies) -> Catalog:
    """The service under test over the in-memory ports."""
    return Catalog(ports, policies)


async def add_movie(catalog: Catalog, title: str = "Sholay") -> Movie:
    """A 150-minute Hindi/English 2D+3D movie released in 2024, added by the platform admin."""
    return await catalog.add_movie(
        ADMIN,
        title=title,
        languages=["Hindi", "English"],
        duration=RUNTIME,
        release_date=date(2024, 1, 1),
        certificate=Certificate.UA,
        formats=[Format.TWO_D, Format.THREE_D],
    )


@frozen(kw_only=True)
class World:
    """A city, two theaters in it (A and B) with one screen each, and a movie."""

    city: City
    a: Theater
    b: Theater
    screen_a: Screen
    screen_b: Screen
    movie: Movie


async def world(catalog: Catalog) -> World:
    """Build a :class:`World` through the service as the platform admin."""
    city = await catalog.add_city(ADMIN, name="Bengaluru", state="Karnataka")
    a = await catalog.add_theater(
        ADMIN, name="PVR Forum", city_id=city.city_id, address="Hosur Road", location=HERE
    )
    b = await catalog.add_theater(
        ADMIN, name="INOX Garuda", city_id=city.city_id, address="MG Road", location=HERE
    )
    screen_a = await catalog.add_screen(
        ADMIN, theater_id=a.theater_id, name="Audi 1", rows=ROWS, formats=["2D", "3D"]
    )
    screen_b = await catalog.add_screen(
        ADMIN, theater_id=b.theater_id, name="Audi 1", rows=ROWS, formats=["2D"]
    )
    movie = await add_movie(catalog)
    return World(city=city, a=a, b=b, screen_a=screen_a, screen_b=screen_b, movie=movie)


async def schedule(
    catalog: Catalog, w: World, starts_at: datetime, *, actor: Principal = ADMIN
) -> Show:
    """Schedule the world's movie on theater A's screen at ``starts_at``."""
    return await catalog.schedule_show(
        actor,
        movie_id=w.movie.movie_id,
        screen_id=w.screen_a.screen_id,
        starts_at=starts_at,
        format=Format.TWO_D,
        language="hindi",
        prices=PRICES,
    )


# --- movies --------------------------------------------------------------------------------


async def test_platform_admin_adds_a_movie_and_movie_added_is_published(
    catalog: Catalog, ports: Ports
) -> None:
    """A platform admin's new movie gets a ``mov`` id, is stored, and MovieAdded is published."""
    movie = await add_movie(catalog)
    assert movie.movie_id == "mov_000000000001"
    assert movie.status is MovieStatus.ACTIVE
    assert await catalog.get_movie(ADMIN, movie.movie_id) == movie
    (event,) = events(ports)
    assert isinstance(event, MovieAdded)
    assert (event.movie_id, event.title, event.occurred_at) == (
        movie.movie_id,
        "Sholay",
        ports.clock.now(),
    )


async def test_a_movie_can_be_announced_as_coming_soon(catalog: Catalog) -> None:
    """``status="coming_soon"`` adds a movie announced before release."""
    movie = await catalog.add_movie(
        ADMIN,
        title="Kalki 2",
        languages=["Telugu"],
        duration=RUNTIME,
        release_date=date(2031, 1, 1),
        certificate="UA13+",
        status="coming_soon",
    )
    assert movie.status is MovieStatus.COMING_SOON
    assert movie.formats == frozenset({Format.TWO_D})


@pytest.mark.parametrize(
    "actor", [CUSTOMER, theater_admin("thr_000000000001")], ids=["customer", "theater_admin"]
)
async def test_only_a_platform_admin_adds_a_movie(
    catalog: Catalog, ports: Ports, actor: Principal
) -> None:
    """A customer or theater admin adding a movie is refused and nothing is written."""
    with pytest.raises(PermissionDenied) as info:
        await add_movie_as(catalog, actor)
    assert info.value.action == "manage_catalog"
    assert await catalog.list_movies(ADMIN) == []
    assert events(ports) == ()


async def add_movie_as(catalog: Catalog, actor: Principal) -> Movie:
    """Add a minimal movie as ``actor``."""
    return await catalog.add_movie(
        actor,
        title="X",
        languages=["Hindi"],
        duration=RUNTIME,
        release_date=date(2024, 1, 1),
        certificate="U",
    )


async def test_a_bare_string_is_not_split_into_languages(catalog: Catalog) -> None:
    """``languages="Hindi"`` is refused, not read as five one-letter languages."""
    with pytest.raises(InvalidInput) as info:
        await catalog.add_movie(
            ADMIN,
            title="X",
            languages="Hindi",
            duration=RUNTIME,
            release_date=date(2024, 1, 1),
            certificate="U",
        )
    assert info.value.field == "languages"
    assert await catalog.list_movies(ADMIN) == []


async def test_update_movie_changes_the_given_fields_and_names_them(
    catalog: Catalog, ports: Ports
) -> None:
    """Only the given fields change; MovieChanged names those whose value really changed."""
    movie = await add_movie(catalog)
    updated = await catalog.update_movie(
        ADMIN, movie.movie_id, title="  Sholay (1975) ", genres=["Action", "Drama"], director=""
    )
    assert (updated.title, updated.genres) == ("Sholay (1975)", ("Action", "Drama"))
    assert updated.languages == movie.languages
    assert await catalog.get_movie(ADMIN, movie.movie_id) == updated
    changed = [e for e in events(ports) if isinstance(e, MovieChanged)]
    assert [e.changed for e in changed] == [frozenset({"title", "genres"})]


async def test_update_movie_without_a_real_change_publishes_nothing(
    catalog: Catalog, ports: Ports
) -> None:
    """Setting a field to its current value saves and publishes nothing."""
    movie = await add_movie(catalog)
    again = await catalog.update_movie(ADMIN, movie.movie_id, title="Sholay")
    assert again == movie
    assert not [e for e in events(ports) if isinstance(e, MovieChanged)]


async def test_a_bad_update_leaves_the_movie_unchanged(catalog: Catalog) -> None:
    """An invalid duration is refused and the stored movie keeps every field."""
    movie = await add_movie(catalog)
    with pytest.raises(InvalidInput) as info:
        await catalog.update_movie(ADMIN, movie.movie_id, title="New", duration=timedelta(0))
    assert info.value.field == "duration"
    assert await catalog.get_movie(ADMIN, movie.movie_id) == movie


async def test_customer_cannot_update_or_retire_a_movie(catalog: Catalog) -> None:
    """Changing a movie needs manage_catalog, which customers lack."""
    movie = await add_movie(catalog)
    with pytest.raises(PermissionDenied):
        await catalog.update_movie(CUSTOMER, movie.movie_id, title="Mine")
    with pytest.raises(PermissionDenied):
        await catalog.retire_movie(CUSTOMER, movie.movie_id)
    assert await catalog.get_movie(ADMIN, movie.movie_id) == movie


async def test_retire_and_activate_publish_once_per_real_change(
    catalog: Catalog, ports: Ports
) -> None:
    """Retiring publishes MovieRetired, activating MovieChanged(status); repeats are no-ops."""
    movie = await add_movie(catalog)
    retired = await catalog.retire_movie(ADMIN, movie.movie_id)
    assert retired.status is MovieStatus.INACTIVE
    assert await catalog.retire_movie(ADMIN, movie.movie_id) == retired
    active = await catalog.activate_movie(ADMIN, movie.movie_id)
    assert active.status is MovieStatus.ACTIVE
    assert await catalog.activate_movie(ADMIN, movie.movie_id) == active
    kinds = [type(e) for e in events(ports)]
    assert kinds == [MovieAdded, MovieRetired, MovieChanged]
    last = events(ports)[-1]
    assert isinstance(last, MovieChanged)
    assert last.changed == frozenset({"status"})


async def test_unknown_movie_is_not_found(catalog: Catalog) -> None:
    """Reading or changing a movie that does not exist raises NotFound."""
    with pytest.raises(NotFound):
        await catalog.get_movie(ADMIN, "mov_missing")
    with pytest.raises(NotFound):
        await catalog.retire_movie(ADMIN, "mov_missing")
    with pytest.raises(NotFound):
        await catalog.update_movie(ADMIN, "mov_missing", title="x")


async def test_admin_catalog_reads_are_for_admins(catalog: Catalog) -> None:
    """Theater admins read the whole catalog (retired too); customers are sent to Browsing."""
    movie = await add_movie(catalog)
    await catalog.retire_movie(ADMIN, movie.movie_id)
    reader = theater_admin("thr_1")
    assert [m.movie_id for m in await catalog.list_movies(reader)] == [movie.movie_id]
    assert await catalog.list_movies(reader, status=MovieStatus.ACTIVE) == []
    assert (await catalog.get_movie(reader, movie.movie_id)).status is MovieStatus.INACTIVE
    with pytest.raises(PermissionDenied) as info:
        await catalog.list_movies(CUSTOMER)
    assert info.value.action == VIEW_CATALOG
    with pytest.raises(PermissionDenied):
        await catalog.get_movie(CUSTOMER, movie.movie_id)


# --- cities and theaters -------------------------------------------------------------------


async def test_add_city_defaults_to_india_and_checks_the_zone(catalog: Catalog) -> None:
    """A new city is in Asia/Kolkata unless told; an unknown zone is refused."""
    city = await catalog.add_city(ADMIN, name="Pune")
    assert (city.city_id, city.time_zone) == ("cty_000000000001", DEFAULT_TIME_ZONE)
    with pytest.raises(InvalidInput) as info:
        await catalog.add_city(ADMIN, name="Atlantis", time_zone="Ocean/Atlantis")
    assert info.value.field == "time_zone"


async def test_customer_cannot_add_a_city(catalog: Catalog) -> None:
    """Cities belong to the catalog: a customer is refused."""
    with pytest.raises(PermissionDenied):
        await catalog.add_city(CUSTOMER, name="Pune")


async def test_theater_takes_its_city_zone_unless_given(catalog: Catalog) -> None:
    """A theater's zone defaults to its city's; an explicit zone wins."""
    city = await catalog.add_city(ADMIN, name="Dubai", time_zone="Asia/Dubai")
    one = await catalog.add_theater(
        ADMIN, name="Vox", city_id=city.city_id, address="Mall", location=HERE
    )
    two = await catalog.add_theater(
        ADMIN,
        name="Reel",
        city_id=city.city_id,
        address="Marina",
        location=HERE,
        time_zone="UTC",
        amenities=["Parking", "parking "],
    )
    assert (one.theater_id, one.time_zone) == ("thr_000000000001", "Asia/Dubai")
    assert (two.time_zone, two.amenities) == ("UTC", frozenset({"parking"}))
    assert await catalog.get_theater(ADMIN, one.theater_id) == one


async def test_theater_in_unknown_city_is_not_found(catalog: Catalog) -> None:
    """Adding a theater to a city that does not exist raises NotFound."""
    with pytest.raises(NotFound) as info:
        await catalog.add_theater(
            ADMIN, name="Vox", city_id="cty_missing", address="Mall", location=HERE
        )
    assert info.value.kind == "city"


async def test_theater_admin_cannot_create_a_theater(catalog: Catalog, ports: Ports) -> None:
    """A new theater is in no admin's list, so only a platform admin creates one."""
    w = await world(catalog)
    with pytest.raises(PermissionDenied) as info:
        await catalog.add_theater(
            theater_admin(w.a.theater_id),
            name="New",
            city_id=w.city.city_id,
            address="Road",
            location=HERE,
        )
    assert info.value.action == "manage_theater"
    async with ports.uow() as uow:
        assert await uow.venues.theaters_in_city(w.city.city_id) == [w.b, w.a]


async def test_theater_admin_updates_only_their_theater(catalog: Catalog) -> None:
    """The admin of theater A may update A, not B; B is left as it was."""
    w = await world(catalog)
    mine = theater_admin(w.a.theater_id)
    updated = await catalog.update_theater(mine, w.a.theater_id, name="PVR Forum Mall")
    assert updated.name == "PVR Forum Mall"
    assert updated.address == w.a.address
    assert await catalog.get_theater(mine, w.a.theater_id) == updated
    with pytest.raises(PermissionDenied):
        await catalog.update_theater(mine, w.b.theater_id, name="Taken over")
    with pytest.raises(PermissionDenied):
        await catalog.get_theater(mine, w.b.theater_id)
    assert (await catalog.get_theater(ADMIN, w.b.theater_id)).name == "INOX Garuda"


async def test_update_theater_refuses_a_bad_zone(catalog: Catalog) -> None:
    """An unknown time zone is refused and the theater is unchanged."""
    w = await world(catalog)
    with pytest.raises(InvalidInput):
        await catalog.update_theater(ADMIN, w.a.theater_id, time_zone="Mars/Olympus")
    assert await catalog.get_theater(ADMIN, w.a.theater_id) == w.a


# --- screens -------------------------------------------------------------------------------


async def test_theater_admin_adds_screens_only_to_their_theater(catalog: Catalog) -> None:
    """The admin of A adds a screen to A; adding one to B is refused and writes nothing."""
    w = await world(catalog)
    mine = theater_admin(w.a.theater_id)
    screen = await catalog.add_screen(
        mine,
        theater_id=w.a.theater_id,
        name="Audi 2",
        rows=SeatLayout.from_rows([("A", "recliner", "ww_ss")]),
        formats=[Format.IMAX],
    )
    assert screen.layout.categories == ("recliner",)
    assert [s.screen_id for s in await catalog.screens_of(mine, w.a.theater_id)] == [
        w.screen_a.screen_id,
        screen.screen_id,
    ]
    with pytest.raises(PermissionDenied):
        await catalog.add_screen(
            mine, theater_id=w.b.theater_id, name="Audi 9", rows=ROWS, formats=["2D"]
        )
    with pytest.raises(PermissionDenied):
        await catalog.screens_of(mine, w.b.theater_id)
    assert await catalog.screens_of(ADMIN, w.b.theater_id) == [w.screen_b]


async def test_add_screen_checks_layout_and_theater(catalog: Catalog) -> None:
    """A bad layout is InvalidInput; an unknown theater is NotFound."""
    w = await world(catalog)
    with pytest.raises(InvalidInput):
        await catalog.add_screen(
            ADMIN, theater_id=w.a.theater_id, name="Bad", rows=[("A", "x", "s?s")], formats=["2D"]
        )
    with pytest.raises(NotFound):
        await catalog.add_screen(
            ADMIN, theater_id="thr_missing", name="Audi", rows=ROWS, formats=["2D"]
        )
    assert await catalog.screens_of(ADMIN, w.a.theater_id) == [w.screen_a]


# --- shows ---------------------------------------------------------------------------------


async def test_schedule_show_stores_it_and_publishes_show_scheduled(
    catalog: Catalog, ports: Ports
) -> None:
    """A scheduled show gets a ``shw`` id, the movie's runtime and spelling, and an event."""
    w = await world(catalog)
    show = await schedule(catalog, w, DAY2.replace(hour=10))
    assert show.show_id == "shw_000000000001"
    assert (show.theater_id, show.runtime, show.language) == (w.a.theater_id, RUNTIME, "Hindi")
    assert await catalog.shows_of_theater(ADMIN, w.a.theater_id) == [show]
    last = events(ports)[-1]
    assert isinstance(last, ShowScheduled)
    assert (last.show_id, last.screen_id, last.starts_at) == (
        show.show_id,
        w.screen_a.screen_id,
        show.starts_at,
    )


async def test_theater_admin_schedules_only_in_their_theater(catalog: Catalog) -> None:
    """The admin of A schedules on A's screen; on B's screen they are refused, nothing written."""
    w = await world(catalog)
    mine = theater_admin(w.a.theater_id)
    show = await schedule(catalog, w, DAY2.replace(hour=10), actor=mine)
    assert await catalog.shows_of_theater(mine, w.a.theater_id) == [show]
    with pytest.raises(PermissionDenied) as info:
        await catalog.schedule_show(
            mine,
            movie_id=w.movie.movie_id,
            screen_id=w.screen_b.screen_id,
            starts_at=DAY2.replace(hour=10),
            format="2D",
            language="Hindi",
            prices=PRICES,
        )
    assert info.value.action == "manage_show"
    assert await catalog.shows_of_theater(ADMIN, w.b.theater_id) == []
    with pytest.raises(PermissionDenied):
        await catalog.shows_of_theater(mine, w.b.theater_id)


async def test_customer_cannot_schedule_a_show(catalog: Catalog) -> None:
    """Customers have no manage_show grant."""
    w = await world(catalog)
    with pytest.raises(PermissionDenied):
        await schedule(catalog, w, DAY2.replace(hour=10), actor=CUSTOMER)
    assert await catalog.shows_of_theater(ADMIN, w.a.theater_id) == []


@pytest.mark.parametrize(
    ("offset", "overlaps"),
    [
        # The first show runs 10:00-12:30 and the screen is cleaned until 12:45.
        (timedelta(hours=2, minutes=44), True),
        (timedelta(hours=2, minutes=45), False),
        # A show before it must be cleaned out by 10:00: 150 + 15 minutes earlier is the limit.
        (-timedelta(minutes=164), True),
        (-timedelta(minutes=165), False),
        (timedelta(0), True),
    ],
)
async def test_overlap_includes_the_cleaning_buffer(
    catalog: Catalog, offset: timedelta, overlaps: bool
) -> None:
    """A show is refused exactly when it meets another one's run plus the cleaning buffer."""
    w = await world(catalog)
    first = await schedule(catalog, w, DAY2.replace(hour=10))
    starts_at = first.starts_at + offset
    if overlaps:
        with pytest.raises(ShowOverlap) as info:
            await schedule(catalog, w, starts_at)
        assert info.value.conflicting_show_id == first.show_id
        assert await catalog.shows_of_theater(ADMIN, w.a.theater_id) == [first]
    else:
        second = await schedule(catalog, w, starts_at)
        assert second in await catalog.shows_of_theater(ADMIN, w.a.theater_id)


async def test_the_buffer_comes_from_the_policies(ports: Ports) -> None:
    """With no cleaning buffer, a show may start the minute the previous one ends."""
    catalog = Catalog(ports, Policies(schedule=ScheduleRules(cleaning_buffer=timedelta(0))))
    w = await world(catalog)
    first = await schedule(catalog, w, DAY2.replace(hour=10))
    second = await schedule(catalog, w, first.ends_at)
    assert second.starts_at == first.ends_at


async def test_same_slot_on_another_screen_is_free(catalog: Catalog) -> None:
    """Overlap is per screen: theater B's screen takes the same time."""
    w = await world(catalog)
    await schedule(catalog, w, DAY2.replace(hour=10))
    other = await catalog.schedule_show(
        ADMIN,
        movie_id=w.movie.movie_id,
        screen_id=w.screen_b.screen_id,
        starts_at=DAY2.replace(hour=10),
        format="2D",
        language="English",
        prices=PRICES,
    )
    assert other.theater_id == w.b.theater_id


async def test_two_concurrent_schedules_into_one_free_slot_one_wins(catalog: Catalog) -> None:
    """Racing schedulers for the same free slot: exactly one show is made, the other overlaps."""
    w = await world(catalog)
    results = await asyncio.gather(
        schedule(catalog, w, DAY2.replace(hour=10)),
        schedule(catalog, w, DAY2.replace(hour=11)),
        return_exceptions=True,
    )
    made = [r for r in results if isinstance(r, Show)]
    refused = [r for r in results if isinstance(r, ShowOverlap)]
    assert (len(made), len(refused)) == (1, 1), results
    assert await catalog.shows_of_theater(ADMIN, w.a.theater_id) == made


async def test_retired_movie_cannot_be_scheduled(catalog: Catalog) -> None:
    """Scheduling a retired movie raises MovieNotSchedulable and writes nothing."""
    w = await world(catalog)
    await catalog.retire_movie(ADMIN, w.movie.movie_id)
    with pytest.raises(MovieNotSchedulable):
        await schedule(catalog, w, DAY2.replace(hour=10))
    assert await catalog.shows_of_theater(ADMIN, w.a.theater_id) == []


async def test_schedule_show_checks_prices_time_and_references(
    catalog: Catalog, clock: ManualClock
) -> None:
    """Missing prices, a past start and unknown ids are refused; nothing is written."""
    w = await world(catalog)
    with pytest.raises(InvalidInput) as info:
        await catalog.schedule_show(
            ADMIN,
            movie_id=w.movie.movie_id,
            screen_id=w.screen_a.screen_id,
            starts_at=DAY2.replace(hour=10),
            format="2D",
            language="Hindi",
            prices={"regular": Money.of(200)},
        )
    assert info.value.field == "prices"
    with pytest.raises(InvalidInput) as info:
        await schedule(catalog, w, clock.now())
    assert info.value.field == "starts_at"
    with pytest.raises(InvalidInput):
        await schedule(catalog, w, datetime(2030, 1, 2, 10))  # a naive start
    with pytest.raises(NotFound):
        await catalog.schedule_show(
            ADMIN,
            movie_id="mov_missing",
            screen_id=w.screen_a.screen_id,
            starts_at=DAY2.replace(hour=10),
            format="2D",
            language="Hindi",
            prices=PRICES,
        )
    assert await catalog.shows_of_theater(ADMIN, w.a.theater_id) == []


async def test_shows_of_theater_filters_by_time_and_cancellation(
    catalog: Catalog, ports: Ports
) -> None:
    """Admins see cancelled shows unless they ask not to, within the given start bounds."""
    w = await world(catalog)
    morning = await schedule(catalog, w, DAY2.replace(hour=9))
    evening = await schedule(catalog, w, DAY2.replace(hour=18))
    async with ports.uow() as uow:
        stored = await uow.shows.get(morning.show_id, for_update=True)
        stored.cancel("projector failure")
        await uow.shows.save(stored)
        await uow.commit()
    everything = await catalog.shows_of_theater(ADMIN, w.a.theater_id)
    assert [s.show_id for s in everything] == [morning.show_id, evening.show_id]
    assert everything[0].is_cancelled
    live = await catalog.shows_of_theater(ADMIN, w.a.theater_id, include_cancelled=False)
    assert [s.show_id for s in live] == [evening.show_id]
    later = await catalog.shows_of_theater(ADMIN, w.a.theater_id, starts_from=DAY2.replace(hour=12))
    assert [s.show_id for s in later] == [evening.show_id]
    earlier = await catalog.shows_of_theater(
        ADMIN, w.a.theater_id, starts_before=DAY2.replace(hour=18)
    )
    assert [s.show_id for s in earlier] == [morning.show_id]
    with pytest.raises(NotFound):
        await catalog.shows_of_theater(ADMIN, "thr_missing")
