"""A small demo cinema, made through the public use cases: for examples, demos and trying the app.

:func:`seed_demo` provisions a platform admin and the staff of one theater, then adds a city, a
theater with two screens, three movies and a show of each movie on each of the next days.  Every
step goes through the same use cases a real front end calls, so the demo data obeys every rule
(the overlap rule, prices per category, permissions).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from attrs import frozen

from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.catalog import Movie
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.money import Money
from bookmyshow.domain.shows import Show
from bookmyshow.domain.users import Principal, Role
from bookmyshow.domain.validation import require_count
from bookmyshow.domain.venues import City, GeoPoint, Screen, Theater

__all__ = ["DEMO_PASSWORD", "Demo", "seed_demo"]

DEMO_PASSWORD = "demo password 1"
"""The password of the demo's staff accounts (change it before exposing a demo anywhere)."""

_AUDI_1 = [
    ("A", "silver", "ssss_ssss"),
    ("B", "silver", "ssss_ssss"),
    ("C", "silver", "ssssssssss"),
    ("D", "gold", "ssssssssss"),
    ("E", "gold", "wwssssssww"),
    ("F", "recliner", "ss_ss_ss"),
]
_AUDI_2 = [
    ("A", "silver", "ssssss"),
    ("B", "silver", "ssssss"),
    ("C", "gold", "ssxxss"),
]
_PRICES = {
    "silver": Money.of("180"),
    "gold": Money.of("250"),
    "recliner": Money.of("450"),
}
_MOVIES = [
    ("Sholay", ["Hindi"], 204, date(1975, 8, 15), "U", ["Action", "Adventure"]),
    ("Kantara", ["Kannada", "Hindi"], 148, date(2022, 9, 30), "UA", ["Thriller", "Drama"]),
    ("Baahubali", ["Telugu", "Tamil", "Hindi"], 159, date(2015, 7, 10), "UA", ["Epic"]),
]
# Local start times (IST) of the day's screenings, one per movie, spaced beyond every runtime.
_STARTS = [timedelta(hours=10), timedelta(hours=14), timedelta(hours=18, minutes=30)]


@frozen(kw_only=True)
class Demo:
    """What :func:`seed_demo` made, and the principals to act as."""

    admin: Principal
    staff: Principal
    city: City
    theater: Theater
    screens: tuple[Screen, ...]
    movies: tuple[Movie, ...]
    shows: tuple[Show, ...]


async def seed_demo(
    app: Ticketing,
    *,
    days: int = 2,
    admin_email: str = "admin@demo.example",
    staff_email: str = "staff@demo.example",
    password: str = DEMO_PASSWORD,
) -> Demo:
    """Make the demo cinema in ``app``: shows of every movie on each of the next ``days`` days.

    Shows start on the days after today in the theater's zone (``app.ports.clock``), so they are
    always bookable when seeded.  Raises :class:`InvalidInput` for ``days`` outside 1..14, and
    whatever the use cases raise — ``EmailTaken`` if the demo was seeded in ``app`` already.
    """
    require_count(days, "days")
    if not 1 <= days <= 14:
        raise InvalidInput(field="days", reason="from 1 to 14")
    admin = (
        await app.accounts.provision(admin_email, "Demo Admin", password, [Role.PLATFORM_ADMIN])
    ).principal()
    catalog = app.catalog
    city = await catalog.add_city(admin, name="Bengaluru", state="Karnataka")
    theater = await catalog.add_theater(
        admin,
        name="PVR Forum Mall",
        city_id=city.city_id,
        address="21 Hosur Road, Koramangala",
        location=GeoPoint(Decimal("12.934533"), Decimal("77.611284")),
        amenities=["parking", "food court", "wheelchair access"],
    )
    staff = (
        await app.accounts.provision(
            staff_email,
            "Demo Staff",
            password,
            [Role.THEATER_ADMIN],
            theater_ids=[theater.theater_id],
        )
    ).principal()
    screens = (
        await catalog.add_screen(
            staff, theater_id=theater.theater_id, name="Audi 1", rows=_AUDI_1, formats=["2D", "3D"]
        ),
        await catalog.add_screen(
            staff, theater_id=theater.theater_id, name="Audi 2", rows=_AUDI_2, formats=["2D"]
        ),
    )
    movies = tuple(
        [
            await catalog.add_movie(
                admin,
                title=title,
                languages=languages,
                duration=timedelta(minutes=minutes),
                release_date=released,
                certificate=certificate,
                genres=genres,
            )
            for title, languages, minutes, released, certificate, genres in _MOVIES
        ]
    )
    today = theater.local_time(app.ports.clock.now()).date()
    shows: list[Show] = []
    for day in range(1, days + 1):
        midnight = datetime.combine(today + timedelta(days=day), datetime.min.time(), theater.zone)
        for screen in screens:
            for movie, start in zip(movies, _STARTS, strict=True):
                prices = {c: _PRICES[c] for c in screen.layout.categories}
                shows.append(
                    await catalog.schedule_show(
                        staff,
                        movie_id=movie.movie_id,
                        screen_id=screen.screen_id,
                        starts_at=midnight + start,
                        format="2D",
                        language=movie.languages[0],
                        prices=prices,
                    )
                )
    return Demo(
        admin=admin,
        staff=staff,
        city=city,
        theater=theater,
        screens=screens,
        movies=movies,
        shows=tuple(shows),
    )
