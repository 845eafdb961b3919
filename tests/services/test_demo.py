"""The demo cinema and the showcase are made through the use cases and bookable when seeded."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from bookmyshow.adapters.memory import ManualClock
from bookmyshow.bootstrap import Ticketing
from bookmyshow.demo import (
    DEMO_COUPONS,
    DEMO_CUSTOMER_EMAIL,
    DEMO_PASSWORD,
    seed_demo,
    seed_showcase,
)
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.shows import Show
from bookmyshow.domain.users import Role
from bookmyshow.services.accounts import EmailTaken
from tests.services.backends import backend_params


async def test_the_demo_has_a_bookable_show_of_every_movie_each_day(
    app: Ticketing, clock: ManualClock
) -> None:
    """Each of the next days has a show of every movie on every screen, all in the future."""
    demo = await seed_demo(app, days=3)
    assert len(demo.shows) == 3 * len(demo.screens) * len(demo.movies)
    assert all(show.is_bookable(clock.now()) for show in demo.shows)
    listings = await app.browsing.shows(None, city_id=demo.city.city_id)
    assert {listing.show_id for listing in listings} == {show.show_id for show in demo.shows}
    staff_shows = await app.catalog.shows_of_theater(demo.staff, demo.theater.theater_id)
    assert len(staff_shows) == len(demo.shows)


async def test_the_demo_is_seeded_once(app: Ticketing) -> None:
    """Seeding twice into one system is refused: the demo accounts exist already."""
    await seed_demo(app, days=1)
    with pytest.raises(EmailTaken):
        await seed_demo(app, days=1)


@pytest.mark.parametrize("days", [0, 15, -1])
async def test_the_number_of_days_is_bounded(app: Ticketing, days: int) -> None:
    """Between one and fourteen days of shows; anything else is refused before any change."""
    with pytest.raises(InvalidInput):
        await seed_demo(app, days=days)
    assert await app.browsing.cities(None) == []


# The showcase writes hundreds of shows: memory proves what it holds and the hybrid (the
# deployed wiring) that it stores; SQLite and MariaDB on their own would add time, not coverage.
@pytest.mark.parametrize(
    "backend",
    [param for param in backend_params() if param.id in {"memory", "hybrid"}],
    indirect=True,
)
async def test_the_showcase_is_a_bookable_country_wide_demo(
    app: Ticketing, clock: ManualClock
) -> None:
    """Every city has theaters, every movie has a future bookable show, the accounts work."""
    showcase = await seed_showcase(app, days=1)
    assert {c.name for c in await app.browsing.cities(None)} >= {
        "Mumbai",
        "Delhi",
        "Bengaluru",
        "Hyderabad",
        "Chennai",
        "Kolkata",
    }
    assert len(showcase.movies) >= 12
    assert len({language for m in showcase.movies for language in m.languages}) >= 7
    shows: list[Show] = []
    for city in showcase.cities:
        assert await app.browsing.theaters(None, city.city_id)
    for theater in showcase.theaters:
        shows += await app.catalog.shows_of_theater(showcase.staff, theater.theater_id)
    assert len(shows) == showcase.shows
    assert all(show.is_bookable(clock.now()) for show in shows)
    assert {show.movie_id for show in shows} == {m.movie_id for m in showcase.movies}
    listed = await app.browsing.shows(None)
    assert len(listed) == showcase.shows
    assert all(
        c.price.amount > 0 and c.seats_left == c.seats_total for s in listed for c in s.categories
    )

    tokens = await app.accounts.login(DEMO_CUSTOMER_EMAIL, DEMO_PASSWORD)
    customer = await app.accounts.authenticate(tokens.access_token)
    assert customer == showcase.customer
    hold = await app.seats.hold(customer, shows[0].show_id, ["B3", "B4"])
    assert hold.seats == {"B3", "B4"}
    assert Role.PLATFORM_ADMIN in showcase.admin.roles
    assert showcase.staff.theater_ids == {t.theater_id for t in showcase.theaters}
    assert {c.code for c in await app.coupons.list(showcase.admin)} == set(DEMO_COUPONS)

    with pytest.raises(EmailTaken):
        await seed_showcase(app, days=1)
    assert len(await app.browsing.cities(None)) == len(showcase.cities)


@pytest.mark.parametrize("backend", ["memory"], indirect=True)
async def test_every_city_plays_all_its_movies_each_full_day(
    app: Ticketing, clock: ManualClock
) -> None:
    """A week of showcase: each day after today, a city's screens play every movie it lists."""
    showcase = await seed_showcase(app, days=7)
    city_movies = {}
    for city in showcase.cities:
        by_day: dict[date, set[str]] = {}
        for listing in await app.browsing.shows(None, city_id=city.city_id):
            by_day.setdefault(listing.local_starts_at.date(), set()).add(listing.movie_id)
        today = clock.now().astimezone(ZoneInfo("Asia/Kolkata")).date()
        full_days = [today + timedelta(days=day) for day in range(1, 8)]
        assert sorted(by_day) == [today, *full_days]
        city_movies[city.name] = by_day[full_days[0]]
        assert all(by_day[day] == city_movies[city.name] for day in full_days)
    assert set().union(*city_movies.values()) == {m.movie_id for m in showcase.movies}
    assert len(city_movies["Kolkata"]) > len(city_movies["Kochi"])


@pytest.mark.parametrize("days", [0, 15])
async def test_the_showcase_days_are_bounded(app: Ticketing, days: int) -> None:
    """Between one and fourteen days of shows; anything else is refused before any change."""
    with pytest.raises(InvalidInput):
        await seed_showcase(app, days=days)
    assert await app.browsing.cities(None) == []
