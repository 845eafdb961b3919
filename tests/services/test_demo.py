"""The demo cinema is made through the use cases and is bookable when seeded."""

from __future__ import annotations

import pytest

from bookmyshow.adapters.memory import ManualClock
from bookmyshow.bootstrap import Ticketing
from bookmyshow.demo import seed_demo
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.services.accounts import EmailTaken


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
