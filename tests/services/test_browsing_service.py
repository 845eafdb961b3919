"""Browsing: public reads of cities, theaters, movies, show listings and seat maps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from attrs import evolve, frozen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.adapters.memory import ManualClock, MemoryUnitOfWorkFactory, SequentialIds
from bookmyshow.bootstrap import in_memory_ports
from bookmyshow.domain.catalog import Certificate, Format, Movie, MovieStatus
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.holds import HoldRequest
from bookmyshow.domain.money import Money
from bookmyshow.domain.shows import Show
from bookmyshow.domain.users import Principal, Role
from bookmyshow.domain.venues import City, GeoPoint, Screen, Theater
from bookmyshow.ports.errors import NotFound
from bookmyshow.services.browsing import (
    Browsing,
    CategoryAvailability,
    SeatMapStatus,
    ShowListing,
)
from bookmyshow.services.catalog import Catalog
from bookmyshow.services.context import Policies, Ports
from tests.services.backends import JourneyBackend

ADMIN = Principal(user_id="admin-1", roles={Role.PLATFORM_ADMIN})
ASHA = Principal(user_id="asha", roles={Role.CUSTOMER})
RAVI = Principal(user_id="ravi", roles={Role.CUSTOMER})
IST = ZoneInfo("Asia/Kolkata")
# A2 is blocked and A4 is a wheelchair seat: regular has 3 sellable seats, premium 4.
ROWS = (("A", "regular", "sx_sw"), ("B", "premium", "ssss"))
SELLABLE = {"regular": ("A1", "A3", "A4"), "premium": ("B1", "B2", "B3", "B4")}
PRICES = {"regular": Money.of(200), "premium": Money.of(350)}
HERE = GeoPoint(Decimal("12.934533"), Decimal("77.611284"))
DAY2 = datetime(2030, 1, 2, tzinfo=UTC)
"""The clock starts 2030-01-01 09:00 UTC; shows are on later days."""


@frozen(kw_only=True)
class World:
    """One city with one theater and screen, and two movies (one retired)."""

    city: City
    theater: Theater
    screen: Screen
    movie: Movie
    retired: Movie


@pytest.fixture
def catalog(ports: Ports, policies: Policies) -> Catalog:
    """The admin service, to build the world through."""
    return Catalog(ports, policies)


@pytest.fixture
def browsing(ports: Ports, policies: Policies) -> Browsing:
    """The service under test over the in-memory ports."""
    return Browsing(ports, policies)


async def add_movie(catalog: Catalog, title: str) -> Movie:
    """A 150-minute Hindi 2D movie released in 2024."""
    return await catalog.add_movie(
        ADMIN,
        title=title,
        languages=["Hindi"],
        duration=timedelta(minutes=150),
        release_date=date(2024, 1, 1),
        certificate=Certificate.U,
    )


async def build(catalog: Catalog, *, city_name: str = "Bengaluru") -> World:
    """A city in IST with one theater, one screen of :data:`ROWS`, a movie and a retired one."""
    city = await catalog.add_city(ADMIN, name=city_name)
    theater = await catalog.add_theater(
        ADMIN, name=f"PVR {city_name}", city_id=city.city_id, address="Road", location=HERE
    )
    screen = await catalog.add_screen(
        ADMIN, theater_id=theater.theater_id, name="Audi 1", rows=ROWS, formats=["2D"]
    )
    movie = await add_movie(catalog, f"Sholay {city_name}")
    retired = await add_movie(catalog, f"Mera Naam Joker {city_name}")
    await catalog.retire_movie(ADMIN, retired.movie_id)
    return World(city=city, theater=theater, screen=screen, movie=movie, retired=retired)


async def schedule(
    catalog: Catalog, w: World, starts_at: datetime, *, screen: Screen | None = None
) -> Show:
    """Schedule the world's movie at ``starts_at`` (on its screen unless another is given)."""
    return await catalog.schedule_show(
        ADMIN,
        movie_id=w.movie.movie_id,
        screen_id=(screen or w.screen).screen_id,
        starts_at=starts_at,
        format=Format.TWO_D,
        language="Hindi",
        prices=PRICES,
    )


def left(listing: ShowListing) -> dict[str, int]:
    """Seats left per category."""
    return {c.category: c.seats_left for c in listing.categories}


async def hold(ports: Ports, show_id: str, owner: str, seats: set[str], hold_id: str) -> None:
    """Hold ``seats`` for ``owner`` straight in the hold store."""
    request = HoldRequest(hold_id=hold_id, show_id=show_id, owner_id=owner, seats=seats)
    await ports.holds.hold(request, now=ports.clock.now())


# --- catalog reads -------------------------------------------------------------------------


async def test_anyone_reads_cities_theaters_and_movies(
    browsing: Browsing, catalog: Catalog
) -> None:
    """Anonymous visitors and customers see the same cities, theaters and movies."""
    w = await build(catalog)
    for actor in (None, ASHA):
        assert await browsing.cities(actor) == [w.city]
        assert await browsing.theaters(actor, w.city.city_id) == [w.theater]
        assert await browsing.movies(actor) == [w.movie]
        assert await browsing.movies(actor, status=MovieStatus.INACTIVE) == [
            await browsing.movie(actor, w.retired.movie_id)
        ]
        assert len(await browsing.movies(actor, status=None)) == 2
        assert await browsing.movie(actor, w.movie.movie_id) == w.movie


async def test_unknown_ids_are_not_found(browsing: Browsing, catalog: Catalog) -> None:
    """Unknown cities, movies and shows (listed, mapped or read alone) raise NotFound."""
    await build(catalog)
    with pytest.raises(NotFound):
        await browsing.theaters(None, "cty_missing")
    with pytest.raises(NotFound):
        await browsing.movie(None, "mov_missing")
    with pytest.raises(NotFound):
        await browsing.shows(None, movie_id="mov_missing")
    with pytest.raises(NotFound):
        await browsing.shows(None, city_id="cty_missing")
    for read in (browsing.seat_map, browsing.show):
        with pytest.raises(NotFound) as info:
            await read(None, "shw_missing")
        assert info.value.kind == "show"


async def test_bad_arguments_are_invalid_input(browsing: Browsing) -> None:
    """A non-principal actor, a datetime for ``on`` and an unknown status are refused."""
    with pytest.raises(InvalidInput) as info:
        await browsing.cities("asha")  # type: ignore[arg-type]
    assert info.value.field == "actor"
    with pytest.raises(InvalidInput) as info:
        await browsing.shows(None, on=DAY2)
    assert info.value.field == "on"
    with pytest.raises(InvalidInput):
        await browsing.movies(None, status="banned")


# --- listings ------------------------------------------------------------------------------


async def test_listing_describes_the_show_and_its_seats(
    browsing: Browsing, catalog: Catalog
) -> None:
    """A listing names movie, theater and screen, both start times, prices and sellable seats."""
    w = await build(catalog)
    show = await schedule(catalog, w, DAY2.replace(hour=10))
    (listing,) = await browsing.shows(None)
    assert listing == ShowListing(
        show_id=show.show_id,
        movie_id=w.movie.movie_id,
        movie_title=w.movie.title,
        theater_id=w.theater.theater_id,
        theater_name=w.theater.name,
        screen_id=w.screen.screen_id,
        screen_name="Audi 1",
        starts_at=DAY2.replace(hour=10),
        local_starts_at=datetime(2030, 1, 2, 15, 30, tzinfo=IST),
        format=Format.TWO_D,
        language="Hindi",
        categories=(
            CategoryAvailability(
                category="regular", price=Money.of(200), seats_total=3, seats_left=3
            ),
            CategoryAvailability(
                category="premium", price=Money.of(350), seats_total=4, seats_left=4
            ),
        ),
    )
    assert listing.local_starts_at.utcoffset() == timedelta(hours=5, minutes=30)
    assert listing.seats_left == 7


async def test_only_shows_not_yet_started_are_listed(
    browsing: Browsing, catalog: Catalog, clock: ManualClock
) -> None:
    """A show drops out of listings at its start instant, not a minute later."""
    w = await build(catalog)
    early = await schedule(catalog, w, DAY2.replace(hour=10))
    late = await schedule(catalog, w, DAY2.replace(hour=15))
    clock.set(early.starts_at - timedelta(seconds=1))
    assert [s.show_id for s in await browsing.shows(None)] == [early.show_id, late.show_id]
    clock.set(early.starts_at)
    assert [s.show_id for s in await browsing.shows(None)] == [late.show_id]


async def test_cancelled_shows_are_not_listed(
    browsing: Browsing, catalog: Catalog, ports: Ports
) -> None:
    """A cancelled show is not listed, but its seat map still answers (not bookable)."""
    w = await build(catalog)
    show = await schedule(catalog, w, DAY2.replace(hour=10))
    async with ports.uow() as uow:
        stored = await uow.shows.get(show.show_id, for_update=True)
        stored.cancel("projector failure")
        await uow.shows.save(stored)
        await uow.commit()
    assert await browsing.shows(None) == []
    seat_map = await browsing.seat_map(None, show.show_id)
    assert not seat_map.bookable


async def test_shows_filter_by_movie_and_city(browsing: Browsing, catalog: Catalog) -> None:
    """Filters combine: a movie's shows, a city's shows, and both."""
    bengaluru = await build(catalog)
    pune = await build(catalog, city_name="Pune")
    here = await schedule(catalog, bengaluru, DAY2.replace(hour=10))
    there = await schedule(catalog, pune, DAY2.replace(hour=11))
    everything = await browsing.shows(None)
    assert [s.show_id for s in everything] == [here.show_id, there.show_id]
    by_city = await browsing.shows(None, city_id=pune.city.city_id)
    assert [s.show_id for s in by_city] == [there.show_id]
    by_movie = await browsing.shows(None, movie_id=bengaluru.movie.movie_id)
    assert [s.show_id for s in by_movie] == [here.show_id]
    assert (
        await browsing.shows(None, movie_id=bengaluru.movie.movie_id, city_id=pune.city.city_id)
        == []
    )
    assert await browsing.shows(None, movie_id=bengaluru.retired.movie_id) == []


@pytest.mark.parametrize("in_city", [True, False], ids=["city", "anywhere"])
async def test_shows_on_a_date_use_the_theater_local_calendar(
    browsing: Browsing, catalog: Catalog, in_city: bool
) -> None:
    """23:30 IST on the 5th is on the 5th (18:00 UTC); 02:30 IST on the 6th (21:00 UTC) is not."""
    w = await build(catalog)
    before_midnight = await schedule(catalog, w, datetime(2030, 1, 5, 23, 30, tzinfo=IST))
    after_midnight = await schedule(catalog, w, datetime(2030, 1, 6, 2, 30, tzinfo=IST))
    assert before_midnight.starts_at == datetime(2030, 1, 5, 18, 0, tzinfo=UTC)
    city = w.city.city_id if in_city else None
    fifth = await browsing.shows(None, city_id=city, on=date(2030, 1, 5))
    assert [s.show_id for s in fifth] == [before_midnight.show_id]
    assert fifth[0].local_starts_at.date() == date(2030, 1, 5)
    sixth = await browsing.shows(None, city_id=city, on=date(2030, 1, 6))
    assert [s.show_id for s in sixth] == [after_midnight.show_id]
    assert await browsing.shows(None, city_id=city, on=date(2030, 1, 4)) == []


async def test_a_theater_in_another_zone_uses_its_own_calendar(
    browsing: Browsing, catalog: Catalog
) -> None:
    """Theaters of one city in different zones are each filtered by their own local date."""
    w = await build(catalog)
    dubai = await catalog.add_theater(
        ADMIN,
        name="Gulf",
        city_id=w.city.city_id,
        address="Road",
        location=HERE,
        time_zone="Asia/Dubai",
    )
    screen = await catalog.add_screen(
        ADMIN, theater_id=dubai.theater_id, name="Audi 1", rows=ROWS, formats=["2D"]
    )
    # 23:30 in Dubai on the 5th is already the 6th in India.
    late = await schedule(
        catalog, w, datetime(2030, 1, 5, 23, 30, tzinfo=ZoneInfo("Asia/Dubai")), screen=screen
    )
    fifth = await browsing.shows(None, city_id=w.city.city_id, on=date(2030, 1, 5))
    assert [s.show_id for s in fifth] == [late.show_id]
    assert await browsing.shows(None, city_id=w.city.city_id, on=date(2030, 1, 6)) == []


async def test_seats_left_drop_after_a_hold_and_after_a_sale(
    browsing: Browsing, catalog: Catalog, ports: Ports
) -> None:
    """Held and sold seats are no longer left; seats_total stays the sellable count."""
    w = await build(catalog)
    show = await schedule(catalog, w, DAY2.replace(hour=10))
    await hold(ports, show.show_id, "asha", {"B1", "B2"}, "hld_1")
    (listing,) = await browsing.shows(None)
    assert left(listing) == {"regular": 3, "premium": 2}
    await ports.sales.sell(show.show_id, "bkg_1", frozenset({"A1"}), fencing_token=1)
    (listing,) = await browsing.shows(None)
    assert left(listing) == {"regular": 2, "premium": 2}
    assert [c.seats_total for c in listing.categories] == [3, 4]


async def test_an_expired_hold_frees_its_seats_in_listings(
    browsing: Browsing, catalog: Catalog, ports: Ports, clock: ManualClock
) -> None:
    """Once a hold's expiry passes, its seats count as left again (no sweeper needed)."""
    w = await build(catalog)
    show = await schedule(catalog, w, DAY2.replace(hour=10))
    await hold(ports, show.show_id, "asha", {"B1"}, "hld_1")
    clock.advance(timedelta(minutes=11))
    (listing,) = await browsing.shows(None)
    assert left(listing)["premium"] == 4


# --- one show ------------------------------------------------------------------------------


async def test_one_show_reads_as_the_listings_list_it(
    browsing: Browsing, catalog: Catalog, ports: Ports
) -> None:
    """``show`` answers the very listing ``shows`` gives, seats left included, for anyone."""
    w = await build(catalog)
    show = await schedule(catalog, w, DAY2.replace(hour=10))
    await schedule(catalog, w, DAY2.replace(hour=15))
    await hold(ports, show.show_id, "asha", {"B1", "B2"}, "hld_1")
    await ports.sales.sell(show.show_id, "bkg_1", frozenset({"A1"}), fencing_token=1)
    listed = {s.show_id: s for s in await browsing.shows(None)}
    for actor in (None, ASHA, RAVI):
        assert await browsing.show(actor, show.show_id) == listed[show.show_id]
    assert left(listed[show.show_id]) == {"regular": 2, "premium": 2}
    assert (await browsing.seat_map(None, show.show_id)).show == listed[show.show_id]


async def test_a_started_or_cancelled_show_still_reads_alone(
    browsing: Browsing, catalog: Catalog, ports: Ports, clock: ManualClock
) -> None:
    """Shows leave the listings once started or cancelled, but ``show`` still answers them."""
    w = await build(catalog)
    started = await schedule(catalog, w, DAY2.replace(hour=10))
    cancelled = await schedule(catalog, w, DAY2.replace(hour=15))
    async with ports.uow() as uow:
        stored = await uow.shows.get(cancelled.show_id, for_update=True)
        stored.cancel("projector failure")
        await uow.shows.save(stored)
        await uow.commit()
    clock.set(started.starts_at)
    assert await browsing.shows(None) == []
    for show in (started, cancelled):
        listing = await browsing.show(None, show.show_id)
        assert (listing.show_id, listing.starts_at) == (show.show_id, show.starts_at)
        assert listing.local_starts_at == show.starts_at.astimezone(IST)


# --- seat maps -----------------------------------------------------------------------------


async def test_seat_map_shows_every_seat_with_its_status(
    browsing: Browsing, catalog: Catalog, ports: Ports
) -> None:
    """Seats come in row order with status, price and wheelchair flag; holders stay private."""
    w = await build(catalog)
    show = await schedule(catalog, w, DAY2.replace(hour=10))
    await hold(ports, show.show_id, "asha", {"B1"}, "hld_1")
    await hold(ports, show.show_id, "ravi", {"B2"}, "hld_2")
    await ports.sales.sell(show.show_id, "bkg_1", frozenset({"A1", "B4"}), fencing_token=1)
    seat_map = await browsing.seat_map(ASHA, show.show_id)
    view = {s.label: s for s in seat_map.seats}
    assert [s.label for s in seat_map.seats] == ["A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"]
    assert {label: s.status for label, s in view.items()} == {
        "A1": SeatMapStatus.SOLD,
        "A2": SeatMapStatus.BLOCKED,
        "A3": SeatMapStatus.AVAILABLE,
        "A4": SeatMapStatus.AVAILABLE,
        "B1": SeatMapStatus.HELD,
        "B2": SeatMapStatus.HELD,
        "B3": SeatMapStatus.AVAILABLE,
        "B4": SeatMapStatus.SOLD,
    }
    assert {label for label, s in view.items() if s.held_by_you} == {"B1"}
    assert (view["A4"].wheelchair, view["A3"].wheelchair) == (True, False)
    assert (view["A3"].row, view["A3"].number, view["A3"].column) == ("A", 3, 3)
    assert (view["A3"].price, view["B3"].price) == (Money.of(200), Money.of(350))
    assert seat_map.bookable
    assert left(seat_map.show) == {"regular": 2, "premium": 1}
    anonymous = await browsing.seat_map(None, show.show_id)
    assert not any(s.held_by_you for s in anonymous.seats)
    ravi = await browsing.seat_map(RAVI, show.show_id)
    assert {s.label for s in ravi.seats if s.held_by_you} == {"B2"}


async def test_a_blocked_seat_is_never_available(
    browsing: Browsing, catalog: Catalog, ports: Ports
) -> None:
    """Even a hold slipped past the layout check leaves a blocked seat blocked and uncounted."""
    w = await build(catalog)
    show = await schedule(catalog, w, DAY2.replace(hour=10))
    await hold(ports, show.show_id, "asha", {"A2"}, "hld_1")
    seat_map = await browsing.seat_map(ASHA, show.show_id)
    a2 = next(s for s in seat_map.seats if s.label == "A2")
    assert (a2.status, a2.held_by_you) == (SeatMapStatus.BLOCKED, False)
    assert left(seat_map.show) == {"regular": 3, "premium": 4}


async def test_seat_map_of_a_started_show_is_not_bookable(
    browsing: Browsing, catalog: Catalog, clock: ManualClock
) -> None:
    """After the start the map still answers, marked not bookable."""
    w = await build(catalog)
    show = await schedule(catalog, w, DAY2.replace(hour=10))
    assert (await browsing.seat_map(None, show.show_id)).bookable
    clock.set(show.starts_at)
    assert not (await browsing.seat_map(None, show.show_id)).bookable


# --- the counting property -----------------------------------------------------------------

_ALL_SELLABLE = sorted(label for labels in SELLABLE.values() for label in labels)


# ``backend`` only says where to open a fresh store: sharing it between examples is safe.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    held=st.lists(st.sampled_from(_ALL_SELLABLE), unique=True, max_size=len(_ALL_SELLABLE)),
    sold=st.frozensets(st.sampled_from(_ALL_SELLABLE)),
)
async def test_seats_left_is_sellable_minus_held_or_sold(
    backend: JourneyBackend, held: list[str], sold: frozenset[str]
) -> None:
    """For any held and sold seats, left = sellable - |held or sold|; map and listing agree."""
    async with backend.fresh_ports(clock=ManualClock()) as ports:
        await _count_seats_left(ports, held, sold)


async def _count_seats_left(ports: Ports, held: list[str], sold: frozenset[str]) -> None:
    """The body of :func:`test_seats_left_is_sellable_minus_held_or_sold` over ``ports``."""
    catalog, browsing = Catalog(ports, Policies()), Browsing(ports, Policies())
    w = await build(catalog)
    show = await schedule(catalog, w, DAY2.replace(hour=10))
    for index, label in enumerate(held):
        # One seat per hold and per owner: the per-user cap never interferes.
        await hold(ports, show.show_id, f"user{index}", {label}, f"hld_{index}")
    if sold:
        await ports.sales.sell(show.show_id, "bkg_1", sold, fencing_token=1)
    (listing,) = await browsing.shows(None)
    seat_map = await browsing.seat_map(None, show.show_id)
    taken = set(held) | sold
    for availability in listing.categories:
        sellable = set(SELLABLE[availability.category])
        assert availability.seats_total == len(sellable)
        assert availability.seats_left == len(sellable) - len(taken & sellable)
        on_map = seat_map.count(SeatMapStatus.AVAILABLE, availability.category)
        assert on_map == availability.seats_left
    assert seat_map.show == listing
    assert seat_map.count(SeatMapStatus.SOLD) == len(sold)
    assert seat_map.count(SeatMapStatus.HELD) == len(set(held) - sold)
    assert seat_map.count(SeatMapStatus.BLOCKED) == 1


async def test_browsing_reads_from_the_replica_units_when_configured() -> None:
    """With ``replica_uow`` set, browsing reads come from it while writes go to ``uow``."""
    primary = in_memory_ports(clock=ManualClock(), ids=SequentialIds(), token_secret=b"t" * 32)
    replica = MemoryUnitOfWorkFactory()
    ports = evolve(primary, replica_uow=replica)
    catalog = Catalog(ports, Policies())
    city = await catalog.add_city(ADMIN, name="Bengaluru")
    browsing = Browsing(ports, Policies())
    # The replica has not caught up: browsing sees its (empty) state, not the primary's.
    assert await browsing.cities(None) == []
    async with replica() as uow:
        await uow.venues.add_city(city)
        await uow.commit()
    assert await browsing.cities(None) == [city]
    # Without a replica, browsing reads the primary.
    assert await Browsing(primary, Policies()).cities(None) == [city]


async def test_one_show_reads_from_the_replica_units_when_configured() -> None:
    """``show`` reads the show and what it names from ``replica_uow``, like the listings."""
    primary = in_memory_ports(clock=ManualClock(), ids=SequentialIds(), token_secret=b"t" * 32)
    replica = MemoryUnitOfWorkFactory()
    ports = evolve(primary, replica_uow=replica)
    w = await build(Catalog(ports, Policies()))
    show = await schedule(Catalog(ports, Policies()), w, DAY2.replace(hour=10))
    browsing = Browsing(ports, Policies())
    # The replica has not caught up: the show is not there yet.
    with pytest.raises(NotFound):
        await browsing.show(None, show.show_id)
    async with replica() as uow:
        await uow.venues.add_city(w.city)
        await uow.venues.add_theater(w.theater)
        await uow.venues.add_screen(w.screen)
        await uow.movies.add(w.movie)
        await uow.shows.add(show)
        await uow.commit()
    assert (await browsing.show(None, show.show_id)).show_id == show.show_id
    assert await Browsing(primary, Policies()).show(None, show.show_id) == await browsing.show(
        None, show.show_id
    )
