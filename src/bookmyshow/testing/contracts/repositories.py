"""Contract suites for the repository ports, run through the unit of work.

An adapter's test module subclasses each ``<Name>Contract`` and overrides one fixture,
``uow_factory``, returning a :class:`~bookmyshow.ports.unit_of_work.UnitOfWorkFactory` (it may be
an async fixture)::

    class TestMemoryMovieRepository(MovieRepositoryContract):
        @pytest.fixture
        def uow_factory(self) -> UnitOfWorkFactory:
            return MemoryUnitOfWorkFactory()

Every test makes fresh ids with a random prefix (:class:`~bookmyshow.testing.fixtures.UniqueIds`),
so a factory may keep one database for a whole session; listings that span the whole database
(movies, cities, shows without a movie or theater filter) are checked on the test's own rows.
Coupons are keyed by their code, so the coupon suite makes codes from the same random prefix.
Every child row is stored after its parents (a theater's city, a show's movie, theater and
screen, a booking's show and user, a review's movie and user), so an adapter may enforce foreign
keys; the suites require it only where the ports say so (a theater's city, a screen's theater).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest
from attrs import evolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookmyshow.domain.booking import (
    BOOKING_CODE_SPACE,
    LIVE_STATUSES,
    Booking,
    BookingStatus,
    CancelReason,
    Refund,
    booking_code_from,
)
from bookmyshow.domain.catalog import Movie, MovieStatus
from bookmyshow.domain.coupons import Coupon
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.money import Money
from bookmyshow.domain.reviews import RatingSummary, Review, ReviewExists
from bookmyshow.domain.shows import Show
from bookmyshow.domain.users import Email, User
from bookmyshow.domain.venues import City, Screen, Theater
from bookmyshow.ports.errors import Conflict, NotFound
from bookmyshow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from bookmyshow.testing.fixtures import (
    T0,
    SampleWorld,
    UniqueIds,
    sample_booking,
    sample_city,
    sample_movie,
    sample_review,
    sample_screen,
    sample_show,
    sample_theater,
    sample_user,
    sample_world,
)
from bookmyshow.testing.strategies.booking import pending_bookings
from bookmyshow.testing.strategies.catalog import (
    cities,
    movies,
    ratings,
    reviews,
    screens,
    shows,
    theaters,
    users,
)
from bookmyshow.testing.strategies.pricing import coupons

__all__ = [
    "BookingRepositoryContract",
    "CouponRepositoryContract",
    "MovieRepositoryContract",
    "ReviewRepositoryContract",
    "ShowRepositoryContract",
    "UnitOfWorkSuite",
    "UserRepositoryContract",
    "VenueRepositoryContract",
    "add_world",
    "committed",
    "fresh_booking_code",
    "in_unit",
]

_T = TypeVar("_T")

_contract = settings(
    max_examples=25,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)


async def in_unit(factory: UnitOfWorkFactory, step: Callable[[UnitOfWork], Awaitable[_T]]) -> _T:
    """Run ``step`` in a new unit that is then rolled back; returns what it returned."""
    async with factory() as uow:
        return await step(uow)


async def committed(factory: UnitOfWorkFactory, step: Callable[[UnitOfWork], Awaitable[_T]]) -> _T:
    """Run ``step`` in a new unit and commit it; returns what the step returned."""
    async with factory() as uow:
        result = await step(uow)
        await uow.commit()
    return result


async def add_world(uow: UnitOfWork, world: SampleWorld) -> None:
    """Stage the world's city, theater, screen, movie and show, parents first."""
    await uow.venues.add_city(world.city)
    await uow.venues.add_theater(world.theater)
    await uow.venues.add_screen(world.screen)
    await uow.movies.add(world.movie)
    await uow.shows.add(world.show)


def fresh_booking_code() -> str:
    """A random valid booking code, so tests sharing a database do not collide."""
    return booking_code_from(uuid.uuid4().int % BOOKING_CODE_SPACE)


class UnitOfWorkSuite:
    """The fixtures every repository and unit-of-work contract uses."""

    @pytest.fixture
    def uow_factory(self) -> UnitOfWorkFactory:
        """The unit-of-work factory under test (override in the adapter's test module)."""
        raise NotImplementedError

    @pytest.fixture
    def ids(self) -> UniqueIds:
        """Fresh ids with a random prefix, unique across tests and sessions."""
        return UniqueIds(uuid.uuid4().hex[:10])


# --- movies -------------------------------------------------------------------------------------


class MovieRepositoryContract(UnitOfWorkSuite):
    """What every movie repository promises."""

    @pytest.mark.asyncio
    @_contract
    @given(movie=movies(), given_ratings=st.lists(ratings(), max_size=6))
    async def test_movie_round_trips(
        self,
        uow_factory: UnitOfWorkFactory,
        ids: UniqueIds,
        movie: Movie,
        given_ratings: list[int],
    ) -> None:
        """Any valid movie, rated or not, reads back equal from a later unit."""
        stored = evolve(movie, movie_id=ids("movie")).with_rating(
            RatingSummary.from_ratings(given_ratings)
        )
        await committed(uow_factory, lambda u: u.movies.add(stored))
        assert await in_unit(uow_factory, lambda u: u.movies.get(stored.movie_id)) == stored

    @pytest.mark.asyncio
    async def test_missing_movie_is_not_found(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """get() of an unknown id raises NotFound(kind="movie") naming the id."""
        missing = ids("movie")
        with pytest.raises(NotFound) as info:
            await in_unit(uow_factory, lambda u: u.movies.get(missing))
        assert (info.value.kind, info.value.key) == ("movie", missing)

    @pytest.mark.asyncio
    async def test_duplicate_movie_id_conflicts(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """Adding an id that is committed, or staged in the same unit, raises Conflict(movie_id)."""
        first = sample_movie(ids("movie"))
        await committed(uow_factory, lambda u: u.movies.add(first))
        with pytest.raises(Conflict) as info:
            await in_unit(uow_factory, lambda u: u.movies.add(evolve(first, title="Other")))
        assert (info.value.what, info.value.keys) == ("movie_id", (first.movie_id,))
        second = sample_movie(ids("movie"))

        async def twice(uow: UnitOfWork) -> None:
            await uow.movies.add(second)
            await uow.movies.add(second)

        with pytest.raises(Conflict) as again:
            await in_unit(uow_factory, twice)
        assert again.value.what == "movie_id"

    @pytest.mark.asyncio
    async def test_save_replaces_a_movie(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """save() replaces the stored movie; saving one never added raises NotFound(movie)."""
        movie = sample_movie(ids("movie"))
        await committed(uow_factory, lambda u: u.movies.add(movie))
        changed = movie.retire().with_rating(RatingSummary.from_ratings([7, 8, 10]))
        await committed(uow_factory, lambda u: u.movies.save(changed))
        assert await in_unit(uow_factory, lambda u: u.movies.get(movie.movie_id)) == changed
        with pytest.raises(NotFound) as info:
            await in_unit(uow_factory, lambda u: u.movies.save(sample_movie(ids("movie"))))
        assert info.value.kind == "movie"

    @pytest.mark.asyncio
    async def test_list_orders_by_id_and_filters_by_status(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """list() returns movies ordered by id, and only those in ``status`` when given."""
        prefix = ids("movie")
        mine = [
            sample_movie(f"{prefix}-c", status=MovieStatus.ACTIVE),
            sample_movie(f"{prefix}-a", status=MovieStatus.INACTIVE),
            sample_movie(f"{prefix}-b", status=MovieStatus.COMING_SOON),
            sample_movie(f"{prefix}-d", status=MovieStatus.ACTIVE),
        ]

        async def add_all(uow: UnitOfWork) -> None:
            for movie in mine:
                await uow.movies.add(movie)

        await committed(uow_factory, add_all)
        own = {m.movie_id for m in mine}
        listed = [
            m for m in await in_unit(uow_factory, lambda u: u.movies.list()) if m.movie_id in own
        ]
        assert listed == sorted(mine, key=lambda m: m.movie_id)

        async def by_status(uow: UnitOfWork) -> None:
            for status in MovieStatus:
                found = await uow.movies.list(status=status)
                assert all(m.status is status for m in found)
                assert [m for m in found if m.movie_id in own] == [
                    m for m in listed if m.status is status
                ]

        await in_unit(uow_factory, by_status)

    @pytest.mark.asyncio
    async def test_empty_movie_id_is_invalid(self, uow_factory: UnitOfWorkFactory) -> None:
        """get("") raises InvalidInput rather than looking anything up."""
        with pytest.raises(InvalidInput):
            await in_unit(uow_factory, lambda u: u.movies.get(""))


# --- venues -------------------------------------------------------------------------------------


class VenueRepositoryContract(UnitOfWorkSuite):
    """What every venue repository promises for cities, theaters and screens."""

    @pytest.mark.asyncio
    @_contract
    @given(city=cities())
    async def test_city_round_trips(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds, city: City
    ) -> None:
        """Any valid city reads back equal from a later unit."""
        stored = evolve(city, city_id=ids("city"))
        await committed(uow_factory, lambda u: u.venues.add_city(stored))
        assert await in_unit(uow_factory, lambda u: u.venues.get_city(stored.city_id)) == stored

    @pytest.mark.asyncio
    @_contract
    @given(theater=theaters())
    async def test_theater_round_trips(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds, theater: Theater
    ) -> None:
        """Any valid theater (any location, zone and amenities) reads back equal."""
        city = sample_city(ids("city"))
        stored = evolve(theater, theater_id=ids("theater"), city_id=city.city_id)

        async def add(uow: UnitOfWork) -> None:
            await uow.venues.add_city(city)
            await uow.venues.add_theater(stored)

        await committed(uow_factory, add)
        found = await in_unit(uow_factory, lambda u: u.venues.get_theater(stored.theater_id))
        assert found == stored

    @pytest.mark.asyncio
    @_contract
    @given(screen=screens())
    async def test_screen_round_trips(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds, screen: Screen
    ) -> None:
        """Any valid screen, its whole seat layout included, reads back equal."""
        city = sample_city(ids("city"))
        theater = sample_theater(ids("theater"), city_id=city.city_id)
        stored = evolve(screen, screen_id=ids("screen"), theater_id=theater.theater_id)

        async def add(uow: UnitOfWork) -> None:
            await uow.venues.add_city(city)
            await uow.venues.add_theater(theater)
            await uow.venues.add_screen(stored)

        await committed(uow_factory, add)
        found = await in_unit(uow_factory, lambda u: u.venues.get_screen(stored.screen_id))
        assert found == stored
        assert found.layout.specs == stored.layout.specs

    @pytest.mark.asyncio
    async def test_missing_venues_are_not_found(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """get_city/get_theater/get_screen of unknown ids raise NotFound of that kind."""
        lookups: list[tuple[str, Callable[[UnitOfWork], Awaitable[object]]]] = [
            ("city", lambda u: u.venues.get_city(ids("city"))),
            ("theater", lambda u: u.venues.get_theater(ids("theater"))),
            ("screen", lambda u: u.venues.get_screen(ids("screen"))),
        ]
        for kind, lookup in lookups:
            with pytest.raises(NotFound) as info:
                await in_unit(uow_factory, lookup)
            assert info.value.kind == kind

    @pytest.mark.asyncio
    async def test_duplicate_venue_ids_conflict(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """Adding an existing city, theater or screen id raises Conflict naming that id kind."""
        world = sample_world(ids)
        await committed(uow_factory, lambda u: add_world(u, world))
        attempts: list[tuple[str, Callable[[UnitOfWork], Awaitable[None]]]] = [
            ("city_id", lambda u: u.venues.add_city(world.city)),
            ("theater_id", lambda u: u.venues.add_theater(world.theater)),
            ("screen_id", lambda u: u.venues.add_screen(world.screen)),
        ]
        for what, attempt in attempts:
            with pytest.raises(Conflict) as info:
                await in_unit(uow_factory, attempt)
            assert info.value.what == what

    @pytest.mark.asyncio
    async def test_parents_must_exist(self, uow_factory: UnitOfWorkFactory, ids: UniqueIds) -> None:
        """A theater needs its city and a screen its theater (NotFound); staged parents count."""
        orphan_theater = sample_theater(ids("theater"), city_id=ids("city"))
        with pytest.raises(NotFound) as no_city:
            await in_unit(uow_factory, lambda u: u.venues.add_theater(orphan_theater))
        assert (no_city.value.kind, no_city.value.key) == ("city", orphan_theater.city_id)
        orphan_screen = sample_screen(ids("screen"), theater_id=ids("theater"))
        with pytest.raises(NotFound) as no_theater:
            await in_unit(uow_factory, lambda u: u.venues.add_screen(orphan_screen))
        assert no_theater.value.kind == "theater"
        world = sample_world(ids)
        await committed(uow_factory, lambda u: add_world(u, world))
        assert (
            await in_unit(uow_factory, lambda u: u.venues.get_screen(world.screen.screen_id))
            == world.screen
        )

    @pytest.mark.asyncio
    async def test_list_cities_orders_by_name_then_id(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """list_cities() orders by name, then by id among equal names."""
        prefix = ids("city")
        mine = [
            sample_city(f"{prefix}-2", name="Pune"),
            sample_city(f"{prefix}-3", name="Agra"),
            sample_city(f"{prefix}-1", name="Agra"),
            sample_city(f"{prefix}-0", name="Mysuru"),
        ]

        async def add_all(uow: UnitOfWork) -> None:
            for city in mine:
                await uow.venues.add_city(city)

        await committed(uow_factory, add_all)
        own = {c.city_id for c in mine}
        listed = await in_unit(uow_factory, lambda u: u.venues.list_cities())
        assert [c for c in listed if c.city_id in own] == sorted(
            mine, key=lambda c: (c.name, c.city_id)
        )

    @pytest.mark.asyncio
    async def test_theaters_and_screens_order_by_name_then_id(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """theaters_in_city() and screens_of() order by name then id; unknown parents give []."""
        city = sample_city(ids("city"))
        prefix = ids("theater")
        theater_list = [
            sample_theater(f"{prefix}-b", city_id=city.city_id, name="Inox"),
            sample_theater(f"{prefix}-c", city_id=city.city_id, name="Cinepolis"),
            sample_theater(f"{prefix}-a", city_id=city.city_id, name="Inox"),
        ]
        screen_list = [
            sample_screen(f"{prefix}-s2", theater_id=theater_list[0].theater_id, name="Audi 2"),
            sample_screen(f"{prefix}-s1", theater_id=theater_list[0].theater_id, name="Audi 1"),
            sample_screen(f"{prefix}-s0", theater_id=theater_list[0].theater_id, name="Audi 2"),
        ]

        async def add_all(uow: UnitOfWork) -> None:
            await uow.venues.add_city(city)
            for theater in theater_list:
                await uow.venues.add_theater(theater)
            for screen in screen_list:
                await uow.venues.add_screen(screen)

        await committed(uow_factory, add_all)

        async def read(uow: UnitOfWork) -> None:
            assert list(await uow.venues.theaters_in_city(city.city_id)) == sorted(
                theater_list, key=lambda t: (t.name, t.theater_id)
            )
            assert list(await uow.venues.screens_of(theater_list[0].theater_id)) == sorted(
                screen_list, key=lambda s: (s.name, s.screen_id)
            )
            assert list(await uow.venues.screens_of(theater_list[1].theater_id)) == []
            assert list(await uow.venues.theaters_in_city(ids("city"))) == []

        await in_unit(uow_factory, read)

    @pytest.mark.asyncio
    async def test_save_theater_replaces_and_moves_it(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """save_theater() replaces a theater (a new city moves it); unknown ones are NotFound."""
        world = sample_world(ids)
        other_city = sample_city(ids("city"), name="Mysuru")

        async def setup(uow: UnitOfWork) -> None:
            await add_world(uow, world)
            await uow.venues.add_city(other_city)

        await committed(uow_factory, setup)
        moved = evolve(world.theater, name="PVR Orion", city_id=other_city.city_id)
        await committed(uow_factory, lambda u: u.venues.save_theater(moved))

        async def read(uow: UnitOfWork) -> None:
            assert await uow.venues.get_theater(moved.theater_id) == moved
            assert list(await uow.venues.theaters_in_city(world.city.city_id)) == []
            assert list(await uow.venues.theaters_in_city(other_city.city_id)) == [moved]

        await in_unit(uow_factory, read)
        unknown = sample_theater(ids("theater"), city_id=world.city.city_id)
        with pytest.raises(NotFound) as info:
            await in_unit(uow_factory, lambda u: u.venues.save_theater(unknown))
        assert info.value.kind == "theater"


# --- shows --------------------------------------------------------------------------------------


def _placed(show: Show, world: SampleWorld, show_id: str) -> Show:
    return evolve(
        show,
        show_id=show_id,
        movie_id=world.movie.movie_id,
        theater_id=world.theater.theater_id,
        screen_id=world.screen.screen_id,
    )


class ShowRepositoryContract(UnitOfWorkSuite):
    """What every show repository promises: storage, the overlap query and search."""

    @pytest.mark.asyncio
    @_contract
    @given(show=shows())
    async def test_show_round_trips(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds, show: Show
    ) -> None:
        """Any valid show, scheduled or cancelled, reads back equal."""
        world = sample_world(ids)
        stored = _placed(show, world, ids("show"))

        async def add(uow: UnitOfWork) -> None:
            await add_world(uow, world)
            await uow.shows.add(stored)

        await committed(uow_factory, add)
        assert await in_unit(uow_factory, lambda u: u.shows.get(stored.show_id)) == stored

    @pytest.mark.asyncio
    async def test_show_errors(self, uow_factory: UnitOfWorkFactory, ids: UniqueIds) -> None:
        """Unknown ids are NotFound(show) for get and save; a duplicate id is Conflict(show_id)."""
        world = sample_world(ids)
        await committed(uow_factory, lambda u: add_world(u, world))
        missing = ids("show")
        with pytest.raises(NotFound) as info:
            await in_unit(uow_factory, lambda u: u.shows.get(missing))
        assert (info.value.kind, info.value.key) == ("show", missing)
        with pytest.raises(NotFound):
            await in_unit(uow_factory, lambda u: u.shows.save(evolve(world.show, show_id=missing)))
        with pytest.raises(Conflict) as dup:
            await in_unit(uow_factory, lambda u: u.shows.add(world.show))
        assert dup.value.what == "show_id"

    @pytest.mark.asyncio
    async def test_cancellation_is_saved(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """A show cancelled and saved reads back cancelled with its reason."""
        world = sample_world(ids)
        await committed(uow_factory, lambda u: add_world(u, world))

        async def cancel(uow: UnitOfWork) -> None:
            show = await uow.shows.get(world.show.show_id, for_update=True)
            show.cancel("screen flooded")
            await uow.shows.save(show)

        await committed(uow_factory, cancel)
        found = await in_unit(uow_factory, lambda u: u.shows.get(world.show.show_id))
        assert (found.is_cancelled, found.cancel_reason) == (True, "screen flooded")

    @pytest.mark.asyncio
    async def test_shows_are_copies(self, uow_factory: UnitOfWorkFactory, ids: UniqueIds) -> None:
        """Changing a show after add() or after get() changes nothing stored until save()."""
        world = sample_world(ids)
        original = sample_show(
            ids("show"),
            movie_id=world.movie.movie_id,
            theater_id=world.theater.theater_id,
            screen_id=world.screen.screen_id,
        )
        expected = evolve(original)

        async def add_then_mutate(uow: UnitOfWork) -> None:
            await add_world(uow, world)
            await uow.shows.add(original)
            original.cancel("changed after add")
            original.prices["regular"] = Money.of(1)
            assert await uow.shows.get(original.show_id) == expected

        await committed(uow_factory, add_then_mutate)

        async def get_then_mutate(uow: UnitOfWork) -> None:
            show = await uow.shows.get(expected.show_id)
            show.cancel("changed after get")
            show.prices["premium"] = Money.of(1)
            assert await uow.shows.get(expected.show_id) == expected

        await committed(uow_factory, get_then_mutate)
        assert await in_unit(uow_factory, lambda u: u.shows.get(expected.show_id)) == expected

    @pytest.mark.asyncio
    async def test_on_screen_finds_overlap_candidates(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """on_screen() gives the screen's shows (cancelled too) strictly in the window, by start."""
        world = sample_world(ids)
        hour = timedelta(hours=1)

        def at(offset: timedelta, *, cancelled: bool = False) -> Show:
            return _placed(
                sample_show(starts_at=T0 + offset, runtime=2 * hour, cancelled=cancelled),
                world,
                ids("show"),
            )

        ends_at_window_start = at(-2 * hour)  # ends exactly at T0: excluded
        overlapping = at(-hour)
        cancelled = at(hour, cancelled=True)
        starts_at_window_end = at(4 * hour)  # starts exactly at T0 + 4h: excluded
        inside = at(2 * hour)
        other_world = sample_world(ids)
        elsewhere = _placed(sample_show(starts_at=T0 + hour), other_world, ids("show"))

        async def add(uow: UnitOfWork) -> None:
            await add_world(uow, world)
            await add_world(uow, other_world)
            for show in (starts_at_window_end, inside, cancelled, overlapping, elsewhere):
                await uow.shows.add(show)
            await uow.shows.add(ends_at_window_start)

        await committed(uow_factory, add)
        found = await in_unit(
            uow_factory,
            lambda u: u.shows.on_screen(
                world.screen.screen_id, starts_before=T0 + 4 * hour, ends_after=T0
            ),
        )
        assert [s.show_id for s in found] == [
            s.show_id for s in (overlapping, world.show, cancelled, inside)
        ]

    @pytest.mark.asyncio
    async def test_find_applies_every_filter(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """find() filters by movie, theaters, start window and cancellation; orders by start, id."""
        one, two = sample_world(ids, starts_at=T0), sample_world(ids, starts_at=T0)
        hour = timedelta(hours=1)
        later = _placed(sample_show(starts_at=T0 + 5 * hour), one, ids("show"))
        gone = _placed(sample_show(starts_at=T0 + 8 * hour, cancelled=True), one, ids("show"))
        same_time = _placed(sample_show(starts_at=T0 + 5 * hour), two, ids("show"))

        async def add(uow: UnitOfWork) -> None:
            await add_world(uow, one)
            await add_world(uow, two)
            for show in (later, gone, same_time):
                await uow.shows.add(show)

        await committed(uow_factory, add)
        theaters_ = [one.theater.theater_id, two.theater.theater_id]
        by_start = sorted(
            [one.show, two.show, later, same_time], key=lambda s: (s.starts_at, s.show_id)
        )

        async def read(uow: UnitOfWork) -> None:
            assert [s.show_id for s in await uow.shows.find(movie_id=one.movie.movie_id)] == [
                one.show.show_id,
                later.show_id,
            ]
            found = await uow.shows.find(theater_ids=theaters_)
            assert [s.show_id for s in found] == [s.show_id for s in by_start]
            found = await uow.shows.find(theater_ids=theaters_, include_cancelled=True)
            assert [s.show_id for s in found][-1] == gone.show_id
            found = await uow.shows.find(
                theater_ids=theaters_, starts_from=T0 + 5 * hour, starts_before=T0 + 8 * hour
            )
            assert {s.show_id for s in found} == {later.show_id, same_time.show_id}
            found = await uow.shows.find(
                theater_ids=theaters_,
                starts_from=T0 + 5 * hour + timedelta(minutes=1),
                starts_before=T0 + 8 * hour + timedelta(minutes=1),
                include_cancelled=True,
            )
            assert [s.show_id for s in found] == [gone.show_id]
            # starts_from is inclusive, starts_before exclusive.
            at, second = later.starts_at, timedelta(seconds=1)
            found = await uow.shows.find(theater_ids=theaters_, starts_from=at, starts_before=at)
            assert list(found) == []
            found = await uow.shows.find(
                movie_id=one.movie.movie_id, starts_from=at, starts_before=at + second
            )
            assert [s.show_id for s in found] == [later.show_id]
            assert list(await uow.shows.find(theater_ids=[])) == []
            assert list(await uow.shows.find(movie_id=ids("movie"))) == []

        await in_unit(uow_factory, read)

    @pytest.mark.asyncio
    @_contract
    @given(
        drawn=st.lists(
            st.tuples(shows(span=timedelta(hours=12)), st.integers(0, 1), st.integers(0, 1)),
            max_size=8,
        ),
        filters=st.tuples(
            st.sampled_from((None, 0, 1)),
            st.sampled_from((None, (), (0,), (1,), (0, 1))),
            st.none() | st.integers(-60, 13 * 60),
            st.none() | st.integers(-60, 13 * 60),
            st.booleans(),
        ),
    )
    async def test_queries_match_a_model(
        self,
        uow_factory: UnitOfWorkFactory,
        ids: UniqueIds,
        drawn: list[tuple[Show, int, int]],
        filters: tuple[int | None, tuple[int, ...] | None, int | None, int | None, bool],
    ) -> None:
        """For any shows and filters, find() and on_screen() answer like a list comprehension."""
        movie_pick, theater_pick, from_minute, before_minute, include_cancelled = filters
        worlds = [sample_world(ids), sample_world(ids)]
        stored = [
            evolve(_placed(show, worlds[place], ids("show")), movie_id=worlds[movie].movie.movie_id)
            for show, place, movie in drawn
        ]

        async def add(uow: UnitOfWork) -> None:
            for world in worlds:
                await add_world(uow, world)
            for show in stored:
                await uow.shows.add(show)

        await committed(uow_factory, add)
        everything = [*stored, *(w.show for w in worlds)]
        epoch = min((s.starts_at for s in everything), default=T0)
        start = None if from_minute is None else epoch + timedelta(minutes=from_minute)
        end = None if before_minute is None else epoch + timedelta(minutes=before_minute)
        movie_id = None if movie_pick is None else worlds[movie_pick].movie.movie_id
        theater_ids = (
            None if theater_pick is None else [worlds[i].theater.theater_id for i in theater_pick]
        )
        expected = sorted(
            (
                s
                for s in everything
                if (movie_id is None or s.movie_id == movie_id)
                and (theater_ids is None or s.theater_id in theater_ids)
                and (start is None or s.starts_at >= start)
                and (end is None or s.starts_at < end)
                and (include_cancelled or not s.is_cancelled)
            ),
            key=lambda s: (s.starts_at, s.show_id),
        )
        own = {s.show_id for s in everything}
        screen = worlds[0].screen.screen_id
        lo, hi = start or epoch, end or epoch + timedelta(hours=6)
        candidates = sorted(
            (
                s
                for s in everything
                if s.screen_id == screen and s.starts_at < hi and s.ends_at > lo
            ),
            key=lambda s: (s.starts_at, s.show_id),
        )

        async def read(uow: UnitOfWork) -> None:
            found = await uow.shows.find(
                movie_id=movie_id,
                theater_ids=theater_ids,
                starts_from=start,
                starts_before=end,
                include_cancelled=include_cancelled,
            )
            assert [s for s in found if s.show_id in own] == expected
            overlap = await uow.shows.on_screen(screen, starts_before=hi, ends_after=lo)
            assert list(overlap) == candidates

        await in_unit(uow_factory, read)

    @pytest.mark.asyncio
    async def test_find_refuses_bad_arguments(self, uow_factory: UnitOfWorkFactory) -> None:
        """find() with a naive datetime or a bare string of theater ids raises InvalidInput."""
        with pytest.raises(InvalidInput):
            await in_unit(uow_factory, lambda u: u.shows.find(starts_from=T0.replace(tzinfo=None)))
        with pytest.raises(InvalidInput):
            await in_unit(uow_factory, lambda u: u.shows.find(theater_ids="theater-1"))


# --- bookings -----------------------------------------------------------------------------------


async def _add_booking_parents(uow: UnitOfWork, world: SampleWorld, *users_: User) -> None:
    await add_world(uow, world)
    for user in users_:
        await uow.users.add(user)


class BookingRepositoryContract(UnitOfWorkSuite):
    """What every booking repository promises: storage, codes, keys and the listing queries."""

    @pytest.mark.asyncio
    @_contract
    @given(booking=pending_bookings())
    async def test_pending_booking_round_trips(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds, booking: Booking
    ) -> None:
        """Any new booking reads back equal, with no pending events."""
        world, user = sample_world(ids), sample_user(ids("user"))
        stored = evolve(
            booking,
            booking_id=ids("booking"),
            user_id=user.user_id,
            show_id=world.show.show_id,
            idempotency_key=ids("key"),
            events=[],
        )

        async def add(uow: UnitOfWork) -> None:
            await _add_booking_parents(uow, world, user)
            await uow.bookings.add(stored)

        await committed(uow_factory, add)
        found = await in_unit(uow_factory, lambda u: u.bookings.get(stored.booking_id))
        assert found == stored
        assert found.events == []

    @pytest.mark.asyncio
    async def test_booking_history_round_trips(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """A confirmed, cancelled and refunded booking keeps every field, refunds included."""
        world, user = sample_world(ids), sample_user(ids("user"))
        booking = sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id)
        now = booking.created_at + timedelta(minutes=5)
        booking.confirm("pay-1", fresh_booking_code(), now)
        refund = Refund(
            refund_id=ids("refund"),
            amount=Money.of(150),
            reason="customer cancelled",
            created_at=now,
        )
        booking.cancel(refund, now + timedelta(hours=1), CancelReason.USER_REQUEST)
        booking.settle_refund(refund.refund_id, now + timedelta(hours=2))

        async def add(uow: UnitOfWork) -> None:
            await _add_booking_parents(uow, world, user)
            await uow.bookings.add(booking)

        await committed(uow_factory, add)
        found = await in_unit(uow_factory, lambda u: u.bookings.get(booking.booking_id))
        assert found == booking
        assert found.status is BookingStatus.REFUNDED

    @pytest.mark.asyncio
    async def test_booking_lookups_miss_cleanly(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """Unknown ids and codes are NotFound, unknown keys None, malformed codes InvalidInput."""
        missing = ids("booking")
        with pytest.raises(NotFound) as info:
            await in_unit(uow_factory, lambda u: u.bookings.get(missing))
        assert (info.value.kind, info.value.key) == ("booking", missing)
        with pytest.raises(NotFound) as by_code:
            await in_unit(uow_factory, lambda u: u.bookings.by_code(fresh_booking_code()))
        assert by_code.value.kind == "booking"
        assert (
            await in_unit(uow_factory, lambda u: u.bookings.by_idempotency_key(ids("user"), "k"))
            is None
        )
        with pytest.raises(InvalidInput):
            await in_unit(uow_factory, lambda u: u.bookings.by_code("not a code"))
        with pytest.raises(NotFound):
            await in_unit(uow_factory, lambda u: u.bookings.save(sample_booking(missing)))

    @pytest.mark.asyncio
    async def test_duplicates_conflict(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """A taken booking id or a user's reused idempotency key is Conflict; others may use it."""
        world = sample_world(ids)
        alice, bob = sample_user(ids("user")), sample_user(ids("user"))
        first = sample_booking(
            ids("booking"), user_id=alice.user_id, show_id=world.show.show_id, idempotency_key="k1"
        )

        async def setup(uow: UnitOfWork) -> None:
            await _add_booking_parents(uow, world, alice, bob)
            await uow.bookings.add(first)

        await committed(uow_factory, setup)
        with pytest.raises(Conflict) as same_id:
            await in_unit(
                uow_factory, lambda u: u.bookings.add(evolve(first, idempotency_key="k2"))
            )
        assert (same_id.value.what, same_id.value.keys) == ("booking_id", (first.booking_id,))
        again = evolve(first, booking_id=ids("booking"))
        with pytest.raises(Conflict) as same_key:
            await in_unit(uow_factory, lambda u: u.bookings.add(again))
        assert same_key.value.what == "idempotency_key"
        bobs = evolve(first, booking_id=ids("booking"), user_id=bob.user_id)
        await committed(uow_factory, lambda u: u.bookings.add(bobs))

        async def read(uow: UnitOfWork) -> None:
            assert await uow.bookings.by_idempotency_key(alice.user_id, "k1") == first
            assert await uow.bookings.by_idempotency_key(bob.user_id, "k1") == bobs
            assert await uow.bookings.by_idempotency_key(alice.user_id, "k2") is None

        await in_unit(uow_factory, read)

    @pytest.mark.asyncio
    async def test_booking_code_is_found_in_any_spelling_and_unique(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """by_code() ignores case and dashes; a second booking with a taken code is Conflict."""
        world, user = sample_world(ids), sample_user(ids("user"))
        first = sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id)
        second = sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id)
        code = fresh_booking_code()

        async def setup(uow: UnitOfWork) -> None:
            await _add_booking_parents(uow, world, user)
            await uow.bookings.add(first)
            await uow.bookings.add(second)

        await committed(uow_factory, setup)

        async def confirm(uow: UnitOfWork) -> None:
            booking = await uow.bookings.get(first.booking_id, for_update=True)
            booking.confirm("pay-1", code, T0)
            await uow.bookings.save(booking)

        await committed(uow_factory, confirm)

        async def look_up(uow: UnitOfWork) -> None:
            for spelling in (code, code.lower(), f"{code[:4]}-{code[4:]}"):
                assert (await uow.bookings.by_code(spelling)).booking_id == first.booking_id

        await in_unit(uow_factory, look_up)

        async def steal(uow: UnitOfWork) -> None:
            booking = await uow.bookings.get(second.booking_id, for_update=True)
            booking.confirm("pay-2", code, T0)
            await uow.bookings.save(booking)

        with pytest.raises(Conflict) as info:
            await in_unit(uow_factory, steal)
        assert (info.value.what, info.value.keys) == ("booking_code", (code,))

    @pytest.mark.asyncio
    async def test_listings_order_and_filter(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """of_user() is newest first; of_show() and with_status() are oldest first and filter
        (of_show by status and by hold)."""
        world, user, other = sample_world(ids), sample_user(ids("user")), sample_user(ids("user"))
        hour = timedelta(hours=1)
        made = [
            sample_booking(
                ids("booking"),
                user_id=user.user_id,
                show_id=world.show.show_id,
                created_at=T0 - 10 * hour + n * hour,
            )
            for n in (3, 0, 2, 1)
        ]
        theirs = sample_booking(
            ids("booking"), user_id=other.user_id, show_id=world.show.show_id, created_at=T0
        )
        made[0].confirm("pay-1", fresh_booking_code(), T0 - 6 * hour)
        made[2].fail_payment("declined", T0 - 7 * hour)

        async def setup(uow: UnitOfWork) -> None:
            await _add_booking_parents(uow, world, user, other)
            for booking in (*made, theirs):
                await uow.bookings.add(booking)

        await committed(uow_factory, setup)
        oldest_first = sorted(made, key=lambda b: b.created_at)
        pending = BookingStatus.PENDING_PAYMENT
        mine = {b.booking_id for b in (*made, theirs)}

        async def read(uow: UnitOfWork) -> None:
            assert list(await uow.bookings.of_user(user.user_id)) == oldest_first[::-1]
            assert list(await uow.bookings.of_show(world.show.show_id)) == sorted(
                [*made, theirs], key=lambda b: b.created_at
            )
            assert list(
                await uow.bookings.of_show(world.show.show_id, statuses=[BookingStatus.CONFIRMED])
            ) == [made[0]]
            # Each sample booking has a hold of its own: the filter finds exactly that one.
            assert list(
                await uow.bookings.of_show(world.show.show_id, hold_id=made[2].hold_id)
            ) == [made[2]]
            assert (
                await uow.bookings.of_show(
                    world.show.show_id, statuses=LIVE_STATUSES, hold_id=made[0].hold_id
                )
                == []
            )
            assert await uow.bookings.of_show(world.show.show_id, hold_id=ids("hold")) == []
            waiting = [b for b in await uow.bookings.with_status([pending]) if b.booking_id in mine]
            assert waiting == [made[1], made[3], theirs]
            # made[1] is due at T0-10h+15m, made[3] at T0-9h+15m: only the first is due before.
            due = await uow.bookings.with_status([pending], due_before=made[3].payment_due_at)
            assert [b for b in due if b.booking_id in mine] == [made[1]]
            assert list(await uow.bookings.of_user(ids("user"))) == []

        await in_unit(uow_factory, read)

    @pytest.mark.asyncio
    async def test_bookings_are_copies_without_events(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """A read booking has no events, and changing it changes nothing stored until save()."""
        world, user = sample_world(ids), sample_user(ids("user"))
        booking = sample_booking(ids("booking"), user_id=user.user_id, show_id=world.show.show_id)
        expected = evolve(booking, events=[])

        async def setup(uow: UnitOfWork) -> None:
            await _add_booking_parents(uow, world, user)
            await uow.bookings.add(booking)
            booking.fail_payment("changed after add", T0)

        await committed(uow_factory, setup)

        async def mutate(uow: UnitOfWork) -> None:
            found = await uow.bookings.get(expected.booking_id)
            assert found.events == []
            found.confirm("pay-1", fresh_booking_code(), T0)
            assert await uow.bookings.get(expected.booking_id) == expected

        await committed(uow_factory, mutate)
        assert await in_unit(uow_factory, lambda u: u.bookings.get(expected.booking_id)) == expected

    @pytest.mark.asyncio
    async def test_with_status_refuses_a_bare_string(self, uow_factory: UnitOfWorkFactory) -> None:
        """with_status("confirmed") (a string, not a collection of statuses) is InvalidInput."""
        with pytest.raises(InvalidInput):
            await in_unit(uow_factory, lambda u: u.bookings.with_status("confirmed"))  # type: ignore[arg-type]


# --- users --------------------------------------------------------------------------------------


def _unique_email(email: Email, token: str) -> Email:
    return Email(f"{token}.{email.value}")


class UserRepositoryContract(UnitOfWorkSuite):
    """What every user repository promises: storage and unique, normalised emails."""

    @pytest.mark.asyncio
    @_contract
    @given(user=users())
    async def test_user_round_trips(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds, user: User
    ) -> None:
        """Any valid user reads back equal, by id and by email."""
        user_id = ids("user")
        stored = evolve(user, user_id=user_id, email=_unique_email(user.email, user_id))
        await committed(uow_factory, lambda u: u.users.add(stored))

        async def read(uow: UnitOfWork) -> None:
            assert await uow.users.get(user_id) == stored
            assert await uow.users.by_email(stored.email.value) == stored

        await in_unit(uow_factory, read)

    @pytest.mark.asyncio
    async def test_duplicates_conflict(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """A taken user id, or an email taken in any domain case, is Conflict naming it."""
        user = sample_user(ids("user"))
        await committed(uow_factory, lambda u: u.users.add(user))
        with pytest.raises(Conflict) as same_id:
            await in_unit(
                uow_factory,
                lambda u: u.users.add(evolve(user, email=f"{ids('other')}@example.com")),
            )
        assert same_id.value.what == "user_id"
        shouting = sample_user(ids("user"), email=user.email.value.replace("example", "EXAMPLE"))
        with pytest.raises(Conflict) as same_email:
            await in_unit(uow_factory, lambda u: u.users.add(shouting))
        assert (same_email.value.what, same_email.value.keys) == ("email", (user.email.value,))

    @pytest.mark.asyncio
    async def test_by_email_compares_normalised(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """by_email() ignores surrounding spaces and the domain's case; unknown gives None."""
        user = sample_user(ids("user"))
        await committed(uow_factory, lambda u: u.users.add(user))
        local = user.email.value.split("@")[0]

        async def read(uow: UnitOfWork) -> None:
            assert await uow.users.by_email(f"  {local}@Example.COM ") == user
            assert await uow.users.by_email(f"{ids('nobody')}@example.com") is None

        await in_unit(uow_factory, read)
        with pytest.raises(InvalidInput):
            await in_unit(uow_factory, lambda u: u.users.by_email("not an email"))

    @pytest.mark.asyncio
    async def test_save_replaces_and_keeps_emails_unique(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """save() may change the email, freeing the old one; a taken email is Conflict(email)."""
        user, other = sample_user(ids("user")), sample_user(ids("user"))

        async def setup(uow: UnitOfWork) -> None:
            await uow.users.add(user)
            await uow.users.add(other)

        await committed(uow_factory, setup)
        renamed = evolve(user, email=f"{ids('new')}@example.com").deactivate()
        await committed(uow_factory, lambda u: u.users.save(renamed))

        async def read(uow: UnitOfWork) -> None:
            assert await uow.users.get(user.user_id) == renamed
            assert await uow.users.by_email(user.email.value) is None
            assert await uow.users.by_email(renamed.email.value) == renamed

        await in_unit(uow_factory, read)
        with pytest.raises(Conflict) as taken:
            await in_unit(uow_factory, lambda u: u.users.save(evolve(other, email=renamed.email)))
        assert taken.value.what == "email"
        with pytest.raises(NotFound) as missing:
            await in_unit(uow_factory, lambda u: u.users.save(sample_user(ids("user"))))
        assert missing.value.kind == "user"
        # The freed address can be taken by someone else.
        await committed(uow_factory, lambda u: u.users.save(evolve(other, email=user.email)))


# --- reviews ------------------------------------------------------------------------------------


class ReviewRepositoryContract(UnitOfWorkSuite):
    """What every review repository promises: one review per user per movie, paged listings."""

    async def _parents(
        self, factory: UnitOfWorkFactory, ids: UniqueIds, users_: int = 1
    ) -> tuple[Movie, list[User]]:
        movie = sample_movie(ids("movie"))
        people = [sample_user(ids("user")) for _ in range(users_)]

        async def add(uow: UnitOfWork) -> None:
            await uow.movies.add(movie)
            for user in people:
                await uow.users.add(user)

        await committed(factory, add)
        return movie, people

    @pytest.mark.asyncio
    @_contract
    @given(review=reviews())
    async def test_review_round_trips(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds, review: Review
    ) -> None:
        """Any valid review, edited or not, reads back equal by id and by author."""
        movie, (user,) = await self._parents(uow_factory, ids)
        stored = evolve(
            review, review_id=ids("review"), movie_id=movie.movie_id, user_id=user.user_id
        )
        await committed(uow_factory, lambda u: u.reviews.add(stored))

        async def read(uow: UnitOfWork) -> None:
            assert await uow.reviews.get(stored.review_id) == stored
            assert await uow.reviews.by_author(movie.movie_id, user.user_id) == stored

        await in_unit(uow_factory, read)

    @pytest.mark.asyncio
    async def test_one_review_per_user_per_movie(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """A user's second review of a movie is ReviewExists; a reused id is Conflict(review_id)."""
        movie, (user, other) = await self._parents(uow_factory, ids, users_=2)
        first = sample_review(ids("review"), movie_id=movie.movie_id, user_id=user.user_id)
        await committed(uow_factory, lambda u: u.reviews.add(first))
        second = evolve(first, review_id=ids("review"), rating=3)
        with pytest.raises(ReviewExists) as exists:
            await in_unit(uow_factory, lambda u: u.reviews.add(second))
        assert (exists.value.movie_id, exists.value.user_id) == (movie.movie_id, user.user_id)
        with pytest.raises(Conflict) as dup:
            await in_unit(
                uow_factory, lambda u: u.reviews.add(evolve(first, user_id=other.user_id))
            )
        assert dup.value.what == "review_id"

    @pytest.mark.asyncio
    async def test_edit_and_remove(self, uow_factory: UnitOfWorkFactory, ids: UniqueIds) -> None:
        """Edits are saved; remove() deletes and returns a review, and the author may write anew."""
        movie, (user,) = await self._parents(uow_factory, ids)
        review = sample_review(ids("review"), movie_id=movie.movie_id, user_id=user.user_id)
        await committed(uow_factory, lambda u: u.reviews.add(review))
        edited = review.edit(by=user.user_id, at=T0 + timedelta(days=1), rating=4, text="Meh.")
        await committed(uow_factory, lambda u: u.reviews.save(edited))
        assert await in_unit(uow_factory, lambda u: u.reviews.get(review.review_id)) == edited
        removed = await committed(uow_factory, lambda u: u.reviews.remove(review.review_id))
        assert removed == edited
        attempts: list[Callable[[UnitOfWork], Awaitable[object]]] = [
            lambda u: u.reviews.get(review.review_id),
            lambda u: u.reviews.remove(review.review_id),
            lambda u: u.reviews.save(edited),
        ]
        for attempt in attempts:
            with pytest.raises(NotFound) as info:
                await in_unit(uow_factory, attempt)
            assert info.value.kind == "review"
        assert (
            await in_unit(uow_factory, lambda u: u.reviews.by_author(movie.movie_id, user.user_id))
            is None
        )
        again = sample_review(ids("review"), movie_id=movie.movie_id, user_id=user.user_id)
        await committed(uow_factory, lambda u: u.reviews.add(again))

    @pytest.mark.asyncio
    async def test_remove_and_rewrite_in_one_unit(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """Within one unit a review can be removed and the author's new review added."""
        movie, (user,) = await self._parents(uow_factory, ids)
        old = sample_review(ids("review"), movie_id=movie.movie_id, user_id=user.user_id)
        await committed(uow_factory, lambda u: u.reviews.add(old))
        new = sample_review(ids("review"), movie_id=movie.movie_id, user_id=user.user_id, rating=2)

        async def rewrite(uow: UnitOfWork) -> None:
            await uow.reviews.remove(old.review_id)
            await uow.reviews.add(new)
            assert await uow.reviews.by_author(movie.movie_id, user.user_id) == new

        await committed(uow_factory, rewrite)
        assert (
            await in_unit(uow_factory, lambda u: u.reviews.by_author(movie.movie_id, user.user_id))
            == new
        )

    @pytest.mark.asyncio
    async def test_listing_is_newest_first_and_paged(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """of_movie() pages newest first; ratings_of() gives every rating of the movie."""
        movie, people = await self._parents(uow_factory, ids, users_=5)
        other_movie, _ = await self._parents(uow_factory, ids, users_=0)
        written = [
            sample_review(
                ids("review"),
                movie_id=movie.movie_id,
                user_id=user.user_id,
                rating=n + 3,
                created_at=T0 + timedelta(hours=(n * 3) % 5),
            )
            for n, user in enumerate(people)
        ]
        elsewhere = sample_review(
            ids("review"), movie_id=other_movie.movie_id, user_id=people[0].user_id, rating=1
        )

        async def add(uow: UnitOfWork) -> None:
            for review in (*written, elsewhere):
                await uow.reviews.add(review)

        await committed(uow_factory, add)
        newest_first = sorted(written, key=lambda r: r.created_at, reverse=True)

        async def read(uow: UnitOfWork) -> None:
            assert list(await uow.reviews.of_movie(movie.movie_id)) == newest_first
            assert list(await uow.reviews.of_movie(movie.movie_id, limit=2)) == newest_first[:2]
            page = await uow.reviews.of_movie(movie.movie_id, limit=2, offset=2)
            assert list(page) == newest_first[2:4]
            assert list(await uow.reviews.of_movie(movie.movie_id, offset=5)) == []
            assert sorted(await uow.reviews.ratings_of(movie.movie_id)) == [3, 4, 5, 6, 7]
            assert list(await uow.reviews.ratings_of(ids("movie"))) == []

        await in_unit(uow_factory, read)

    @pytest.mark.asyncio
    @pytest.mark.parametrize(("limit", "offset"), [(0, 0), (-1, 0), (10, -1)])
    async def test_bad_paging_is_invalid(
        self, uow_factory: UnitOfWorkFactory, limit: int, offset: int
    ) -> None:
        """of_movie() with a limit below 1 or a negative offset raises InvalidInput."""
        with pytest.raises(InvalidInput):
            await in_unit(
                uow_factory, lambda u: u.reviews.of_movie("movie-1", limit=limit, offset=offset)
            )


# --- coupons ------------------------------------------------------------------------------------

_IST = timezone(timedelta(hours=5, minutes=30), "IST")


def _coupon(
    code: str,
    *,
    valid_from: datetime = T0 - timedelta(days=1),
    valid_until: datetime = T0 + timedelta(days=1),
    **more: Any,
) -> Coupon:
    return Coupon(
        code=code,
        discount=Money.of(100),
        valid_from=valid_from,
        valid_until=valid_until,
        **more,
    )


def _code(ids: UniqueIds) -> str:
    """A fresh coupon code in its stored (upper-case) form."""
    return ids("cpn").upper()


class CouponRepositoryContract(UnitOfWorkSuite):
    """What every coupon repository promises: coupons by normalised code, windows, and the
    unit of work's isolation and lost-update rules for them."""

    @pytest.mark.asyncio
    @_contract
    @given(coupon=coupons())
    async def test_coupon_round_trips(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds, coupon: Coupon
    ) -> None:
        """Any valid coupon, flat or percent, limited or not, reads back equal from a later unit."""
        stored = evolve(coupon, code=_code(ids))
        await committed(uow_factory, lambda u: u.coupons.add(stored))
        assert await in_unit(uow_factory, lambda u: u.coupons.get(stored.code)) == stored

    @pytest.mark.asyncio
    async def test_get_compares_codes_normalised(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """get() finds a coupon by its code in any case and with surrounding spaces."""
        coupon = _coupon(f"diwali50-{ids('cpn')}")
        assert coupon.code.isupper()
        await committed(uow_factory, lambda u: u.coupons.add(coupon))

        async def read(uow: UnitOfWork) -> None:
            assert await uow.coupons.get(f"  {coupon.code.lower()} ") == coupon
            assert await uow.coupons.get(coupon.code.title()) == coupon

        await in_unit(uow_factory, read)

    @pytest.mark.asyncio
    async def test_missing_coupon_is_not_found(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """get() of an unknown code raises NotFound(kind="coupon") naming the normalised code."""
        missing = _code(ids)
        with pytest.raises(NotFound) as info:
            await in_unit(uow_factory, lambda u: u.coupons.get(f" {missing.lower()}"))
        assert (info.value.kind, info.value.key) == ("coupon", missing)

    @pytest.mark.asyncio
    async def test_duplicate_code_conflicts(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """Adding a code that is committed, or staged in the same unit, in any spelling, raises
        Conflict(coupon_code) and stores nothing."""
        first = _coupon(_code(ids))
        await committed(uow_factory, lambda u: u.coupons.add(first))
        other = _coupon(first.code.lower(), usage_limit=5)
        with pytest.raises(Conflict) as info:
            await in_unit(uow_factory, lambda u: u.coupons.add(other))
        assert (info.value.what, info.value.keys) == ("coupon_code", (first.code,))
        assert await in_unit(uow_factory, lambda u: u.coupons.get(first.code)) == first
        second = _coupon(_code(ids))

        async def twice(uow: UnitOfWork) -> None:
            await uow.coupons.add(second)
            await uow.coupons.add(evolve(second, per_user_limit=1))

        with pytest.raises(Conflict) as again:
            await in_unit(uow_factory, twice)
        assert again.value.what == "coupon_code"

    @pytest.mark.asyncio
    async def test_save_replaces_a_coupon(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """save() replaces the stored coupon; saving one never added raises NotFound(coupon)."""
        coupon = _coupon(_code(ids), usage_limit=10)
        await committed(uow_factory, lambda u: u.coupons.add(coupon))
        changed = evolve(coupon, valid_until=T0, usage_limit=20, non_cancellable=True)
        await committed(uow_factory, lambda u: u.coupons.save(changed))
        assert await in_unit(uow_factory, lambda u: u.coupons.get(coupon.code)) == changed
        with pytest.raises(NotFound) as info:
            await in_unit(uow_factory, lambda u: u.coupons.save(_coupon(_code(ids))))
        assert info.value.kind == "coupon"

    @pytest.mark.asyncio
    async def test_list_orders_by_code_and_filters_by_window(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """list() orders by code; list(valid_at=t) keeps the coupons with valid_from <= t <
        valid_until, compared as instants whatever the zones."""
        prefix = _code(ids)
        day, hour = timedelta(days=1), timedelta(hours=1)
        expired = _coupon(f"{prefix}-E", valid_from=T0 - 2 * day, valid_until=T0 - day)
        ends_at_t = _coupon(f"{prefix}-A", valid_from=T0 - day, valid_until=T0)
        starts_at_t = _coupon(f"{prefix}-D", valid_from=T0, valid_until=T0 + day)
        upcoming = _coupon(f"{prefix}-B", valid_from=T0 + hour, valid_until=T0 + day)
        # The same instants as T0 -/+ 1h, written in India Standard Time.
        in_ist = _coupon(
            f"{prefix}-C",
            valid_from=(T0 - hour).astimezone(_IST),
            valid_until=(T0 + hour).astimezone(_IST),
        )
        mine = [expired, ends_at_t, starts_at_t, upcoming, in_ist]

        async def add_all(uow: UnitOfWork) -> None:
            for coupon in mine:
                await uow.coupons.add(coupon)

        await committed(uow_factory, add_all)

        async def own(uow: UnitOfWork, valid_at: datetime | None = None) -> list[Coupon]:
            listed = await uow.coupons.list(valid_at=valid_at)
            assert [c.code for c in listed] == sorted(c.code for c in listed)
            return [c for c in listed if c.code.startswith(prefix)]

        async def read(uow: UnitOfWork) -> None:
            assert await own(uow) == sorted(mine, key=lambda c: c.code)
            assert await own(uow, T0) == [in_ist, starts_at_t]
            assert await own(uow, T0.astimezone(_IST)) == [in_ist, starts_at_t]
            assert await own(uow, T0 - timedelta(microseconds=1)) == [ends_at_t, in_ist]
            assert await own(uow, T0 + hour) == [upcoming, starts_at_t]
            assert await own(uow, T0 - 3 * day) == []

        await in_unit(uow_factory, read)

    @pytest.mark.asyncio
    async def test_a_unit_reads_its_own_coupon_writes_and_rollback_discards_them(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """Coupons added or saved in a unit are seen by it at once, by no other unit before it
        commits, and by nobody if it does not."""
        kept, dropped = _coupon(_code(ids)), _coupon(_code(ids))
        await committed(uow_factory, lambda u: u.coupons.add(kept))
        ended = evolve(kept, valid_until=T0)

        async def peek(other: UnitOfWork) -> None:
            assert await other.coupons.get(kept.code) == kept
            with pytest.raises(NotFound):
                await other.coupons.get(dropped.code)

        writer = uow_factory()
        async with writer:
            await writer.coupons.add(dropped)
            await writer.coupons.save(ended)
            assert await writer.coupons.get(dropped.code.lower()) == dropped
            assert await writer.coupons.get(kept.code) == ended
            listed = {c.code: c for c in await writer.coupons.list()}
            assert (listed[kept.code], listed[dropped.code]) == (ended, dropped)
            assert kept.code not in {c.code for c in await writer.coupons.list(valid_at=T0)}
            await in_unit(uow_factory, peek)
            # Leaving without commit() rolls the unit back.
        await in_unit(uow_factory, peek)

    @pytest.mark.asyncio
    async def test_a_stale_coupon_read_cannot_overwrite_a_later_commit(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """Saving a coupon that another unit changed and committed after this unit read it is
        Conflict(concurrent_update), and the other unit's change stays."""
        coupon = _coupon(_code(ids), usage_limit=10)
        await committed(uow_factory, lambda u: u.coupons.add(coupon))
        has_read, winner_done = asyncio.Event(), asyncio.Event()

        async def stale() -> None:
            async with uow_factory() as uow:
                try:
                    seen = await uow.coupons.get(coupon.code)
                finally:
                    has_read.set()
                await winner_done.wait()
                await uow.coupons.save(evolve(seen, usage_limit=1))
                await uow.commit()

        async def winner() -> None:
            await has_read.wait()
            try:

                async def end(uow: UnitOfWork) -> None:
                    found = await uow.coupons.get(coupon.code)
                    await uow.coupons.save(evolve(found, valid_until=T0))

                await committed(uow_factory, end)
            finally:
                winner_done.set()

        lost, won = await asyncio.gather(stale(), winner(), return_exceptions=True)
        assert won is None
        assert isinstance(lost, Conflict), lost
        assert lost.what == "concurrent_update"
        stored = await in_unit(uow_factory, lambda u: u.coupons.get(coupon.code))
        assert stored == evolve(coupon, valid_until=T0)

    @pytest.mark.asyncio
    async def test_concurrent_adds_of_a_code_have_one_winner(
        self, uow_factory: UnitOfWorkFactory, ids: UniqueIds
    ) -> None:
        """Units racing to add the same code (in different spellings) commit it once; the others
        fail with Conflict(coupon_code) and leave nothing behind."""
        code = _code(ids)
        spellings = [code, code.lower(), f" {code.title()} "]
        racers = [_coupon(s, usage_limit=n + 1) for n, s in enumerate(spellings)]

        async def add(coupon: Coupon) -> Coupon:
            await committed(uow_factory, lambda u: u.coupons.add(coupon))
            return coupon

        outcomes = await asyncio.gather(*(add(c) for c in racers), return_exceptions=True)
        winners = [o for o in outcomes if isinstance(o, Coupon)]
        assert len(winners) == 1
        losers = [o for o in outcomes if not isinstance(o, Coupon)]
        assert all(isinstance(o, Conflict) and o.what == "coupon_code" for o in losers), losers
        assert await in_unit(uow_factory, lambda u: u.coupons.get(code)) == winners[0]

    @pytest.mark.asyncio
    async def test_bad_arguments_are_invalid(self, uow_factory: UnitOfWorkFactory) -> None:
        """An empty or blank code, a code with inner spaces, a non-coupon and a naive valid_at
        raise InvalidInput rather than reading or writing anything."""
        attempts: list[Callable[[UnitOfWork], Awaitable[object]]] = [
            lambda u: u.coupons.get(""),
            lambda u: u.coupons.get("   "),
            lambda u: u.coupons.get("NO SUCH"),
            lambda u: u.coupons.list(valid_at=T0.replace(tzinfo=None)),
            lambda u: u.coupons.add(sample_movie()),  # type: ignore[arg-type]
        ]
        for attempt in attempts:
            with pytest.raises(InvalidInput):
                await in_unit(uow_factory, attempt)
