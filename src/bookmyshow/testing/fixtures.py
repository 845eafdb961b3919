"""Small builders of valid sample aggregates, for contract tests and examples.

Every builder is deterministic: the same arguments give equal objects, and ids come in as
arguments so a test can keep them unique (see :class:`UniqueIds`).  The defaults describe one
small world: a city, a theater in it, a screen with a two-row layout (categories ``regular`` and
``premium``), a movie, a show of that movie on that screen, a user, a booking for that show and a
review of that movie.  :class:`SampleWorld` bundles the parents a show needs.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Final

from attrs import frozen

from bookmyshow.domain.booking import Booking, BookingLine
from bookmyshow.domain.catalog import Certificate, Format, Movie, MovieStatus
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.layouts import SeatLayout
from bookmyshow.domain.money import Money
from bookmyshow.domain.reviews import Review
from bookmyshow.domain.shows import Show, ShowStatus
from bookmyshow.domain.users import User
from bookmyshow.domain.venues import City, GeoPoint, Screen, Theater

__all__ = [
    "SAMPLE_PRICES",
    "SAMPLE_ROWS",
    "T0",
    "SampleWorld",
    "UniqueIds",
    "sample_booking",
    "sample_city",
    "sample_layout",
    "sample_movie",
    "sample_review",
    "sample_screen",
    "sample_show",
    "sample_theater",
    "sample_user",
    "sample_world",
]

T0: Final = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)
"""A fixed instant the samples are built around (a Monday, well after every release date)."""

SAMPLE_ROWS: Final = (("A", "regular", "ss_ss"), ("B", "premium", "ssss"))
"""The sample screen's rows: ``A1``-``A4`` regular with an aisle, ``B1``-``B4`` premium."""

SAMPLE_PRICES: Final = {"regular": Money.of(200), "premium": Money.of(350)}
"""A price for each category of :data:`SAMPLE_ROWS`."""


class UniqueIds:
    """Makes ids ``kind-prefix-N`` that no other test run shares when ``prefix`` is random.

    Contract suites give each test a random prefix so that an adapter may keep one database for
    a whole session.  Raises :class:`InvalidInput` for an empty prefix or one with whitespace.
    """

    def __init__(self, prefix: str) -> None:
        if not prefix or any(c.isspace() for c in prefix):
            raise InvalidInput(field="prefix", reason="a non-empty prefix without whitespace")
        self.prefix = prefix
        self._counter = itertools.count(1)

    def __call__(self, kind: str) -> str:
        """A new id for ``kind`` (``"movie"`` gives ``movie-<prefix>-<n>``)."""
        return f"{kind}-{self.prefix}-{next(self._counter)}"


def sample_layout() -> SeatLayout:
    """The layout of :data:`SAMPLE_ROWS`: 8 seats in two rows."""
    return SeatLayout.from_rows(SAMPLE_ROWS)


def sample_city(city_id: str = "city-1", *, name: str = "Bengaluru") -> City:
    """A city in India's time zone."""
    return City(city_id=city_id, name=name, state="Karnataka")


def sample_theater(
    theater_id: str = "theater-1", *, city_id: str = "city-1", name: str = "PVR Forum"
) -> Theater:
    """A theater of ``city_id`` at a fixed location in Bengaluru."""
    return Theater(
        theater_id=theater_id,
        name=name,
        city_id=city_id,
        address="21 Hosur Road",
        location=GeoPoint(Decimal("12.934533"), Decimal("77.611284")),
        amenities=frozenset({"parking"}),
    )


def sample_screen(
    screen_id: str = "screen-1", *, theater_id: str = "theater-1", name: str = "Audi 1"
) -> Screen:
    """A 2D and 3D screen of ``theater_id`` with :func:`sample_layout`."""
    return Screen(
        screen_id=screen_id,
        theater_id=theater_id,
        name=name,
        layout=sample_layout(),
        formats=frozenset({Format.TWO_D, Format.THREE_D}),
    )


def sample_movie(
    movie_id: str = "movie-1",
    *,
    title: str = "Sholay",
    status: MovieStatus = MovieStatus.ACTIVE,
    duration: timedelta = timedelta(minutes=150),
) -> Movie:
    """A 2D/3D movie in Hindi and English, released in 2024."""
    return Movie(
        movie_id=movie_id,
        title=title,
        languages=("Hindi", "English"),
        duration=duration,
        release_date=T0.date().replace(year=2024),
        certificate=Certificate.UA,
        formats=frozenset({Format.TWO_D, Format.THREE_D}),
        genres=("Action",),
        status=status,
    )


def sample_show(
    show_id: str = "show-1",
    *,
    movie_id: str = "movie-1",
    theater_id: str = "theater-1",
    screen_id: str = "screen-1",
    starts_at: datetime = T0,
    runtime: timedelta = timedelta(minutes=150),
    cancelled: bool = False,
) -> Show:
    """A 2D Hindi show priced with :data:`SAMPLE_PRICES`; ``cancelled`` gives a cancelled one."""
    return Show(
        show_id=show_id,
        movie_id=movie_id,
        theater_id=theater_id,
        screen_id=screen_id,
        starts_at=starts_at,
        runtime=runtime,
        format=Format.TWO_D,
        language="Hindi",
        prices=dict(SAMPLE_PRICES),
        status=ShowStatus.CANCELLED if cancelled else ShowStatus.SCHEDULED,
        cancel_reason="projector failure" if cancelled else None,
    )


def sample_user(user_id: str = "user-1", *, email: str | None = None) -> User:
    """A customer whose email is ``<user_id>@example.com`` unless ``email`` is given."""
    return User(
        user_id=user_id,
        email=email if email is not None else f"{user_id}@example.com",
        name="Asha Rao",
        password_hash="$argon2id$sample",
        phone="9876543210",
    )


def sample_booking(
    booking_id: str = "booking-1",
    *,
    user_id: str = "user-1",
    show_id: str = "show-1",
    seats: Iterable[str] = ("A1", "A2"),
    created_at: datetime = T0 - timedelta(days=1),
    idempotency_key: str | None = None,
    fencing_token: int = 1,
) -> Booking:
    """A new booking awaiting payment for 15 minutes, its BookingCreated event pending.

    Each seat is a regular ticket (₹200); the idempotency key defaults to ``key-<booking_id>``.
    """
    chosen = sorted(seats)
    lines = [BookingLine(kind="ticket", seat=s, amount=SAMPLE_PRICES["regular"]) for s in chosen]
    return Booking.create(
        booking_id=booking_id,
        user_id=user_id,
        show_id=show_id,
        hold_id=f"hold-{booking_id}",
        seats=chosen,
        fencing_token=fencing_token,
        amount=SAMPLE_PRICES["regular"] * len(chosen),
        lines=lines,
        idempotency_key=idempotency_key if idempotency_key is not None else f"key-{booking_id}",
        created_at=created_at,
        payment_due_at=created_at + timedelta(minutes=15),
    )


def sample_review(
    review_id: str = "review-1",
    *,
    movie_id: str = "movie-1",
    user_id: str = "user-1",
    rating: int = 8,
    created_at: datetime = T0,
    text: str = "Worth a watch.",
) -> Review:
    """An unverified, unedited review."""
    return Review(
        review_id=review_id,
        movie_id=movie_id,
        user_id=user_id,
        rating=rating,
        created_at=created_at,
        text=text,
    )


@frozen(kw_only=True)
class SampleWorld:
    """A city, a theater in it, a screen of the theater, a movie and a show of it on the screen."""

    city: City
    theater: Theater
    screen: Screen
    movie: Movie
    show: Show


def sample_world(ids: UniqueIds, *, starts_at: datetime = T0) -> SampleWorld:
    """A :class:`SampleWorld` with fresh ids from ``ids``; the show starts at ``starts_at``."""
    city = sample_city(ids("city"))
    theater = sample_theater(ids("theater"), city_id=city.city_id)
    screen = sample_screen(ids("screen"), theater_id=theater.theater_id)
    movie = sample_movie(ids("movie"))
    show = sample_show(
        ids("show"),
        movie_id=movie.movie_id,
        theater_id=theater.theater_id,
        screen_id=screen.screen_id,
        starts_at=starts_at,
    )
    return SampleWorld(city=city, theater=theater, screen=screen, movie=movie, show=show)
