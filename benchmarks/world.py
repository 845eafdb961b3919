"""The catalog and customers a booking scenario needs, made through the library's own use cases.

Everything is created the way an operator would: an admin adds a city, theaters, screens and a
movie and schedules shows; customers are provisioned accounts.  Made before the clock starts.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from decimal import Decimal

from attrs import frozen

from benchmarks.workload import RUSH_ROWS, STEADY_ROWS
from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.money import Money
from bookmyshow.domain.users import Principal, Role
from bookmyshow.domain.venues import GeoPoint

__all__ = ["World", "build_world", "customers"]

PRICES = {"silver": Money(20_000), "gold": Money(35_000)}
"""Ticket prices by category, in paise."""

_PASSWORD = "correct horse battery"


@frozen(kw_only=True)
class World:
    """The shows made for a scenario, in creation order."""

    admin: Principal
    show_ids: tuple[str, ...]


async def _admin(app: Ticketing) -> Principal:
    account = await app.accounts.provision(
        "admin@bench.example", "Bench Admin", _PASSWORD, [Role.PLATFORM_ADMIN]
    )
    return account.principal()


async def build_world(
    app: Ticketing, *, theaters: int, screens: int, shows_per_screen: int, rush: bool = False
) -> World:
    """``theaters`` theaters of ``screens`` screens, each screen with ``shows_per_screen`` shows
    of one movie starting a day from the clock's now, three hours apart.  With ``rush`` the
    screens have :data:`~benchmarks.workload.RUSH_ROWS` (400 seats), else
    :data:`~benchmarks.workload.STEADY_ROWS` (160)."""
    admin = await _admin(app)
    city = await app.catalog.add_city(admin, name="Mumbai")
    movie = await app.catalog.add_movie(
        admin,
        title="Opening Night",
        languages=["Hindi"],
        duration=timedelta(minutes=150),
        release_date=date(2026, 1, 1),
        certificate="UA",
    )
    first = app.ports.clock.now() + timedelta(days=1)
    rows = RUSH_ROWS if rush else STEADY_ROWS
    show_ids: list[str] = []
    for t in range(theaters):
        theater = await app.catalog.add_theater(
            admin,
            name=f"Bench Plex {t}",
            city_id=city.city_id,
            address=f"{t} Queue Road",
            location=GeoPoint(Decimal("19.07"), Decimal("72.87")),
        )
        for s in range(screens):
            screen = await app.catalog.add_screen(
                admin, theater_id=theater.theater_id, name=f"Audi {s}", rows=rows, formats=["2D"]
            )
            for n in range(shows_per_screen):
                show = await app.catalog.schedule_show(
                    admin,
                    movie_id=movie.movie_id,
                    screen_id=screen.screen_id,
                    starts_at=first + timedelta(hours=3 * n),
                    format="2D",
                    language="Hindi",
                    prices=PRICES,
                )
                show_ids.append(show.show_id)
    return World(admin=admin, show_ids=tuple(show_ids))


async def customers(app: Ticketing, count: int, *, prefix: str = "c") -> list[Principal]:
    """``count`` provisioned customer accounts, made a few at a time."""
    gate = asyncio.Semaphore(8)

    async def one(n: int) -> Principal:
        async with gate:
            account = await app.accounts.provision(
                f"{prefix}{n}@bench.example", f"Customer {n}", _PASSWORD, [Role.CUSTOMER]
            )
            return account.principal()

    return list(await asyncio.gather(*(one(n) for n in range(count))))
