"""Repositories: where aggregates are stored and found.

Every repository returns copies: mutating what it returns changes nothing until it is saved again.
Writes happen inside a :class:`bookmyshow.ports.unit_of_work.UnitOfWork` and take effect when it
commits.  Errors: :class:`bookmyshow.ports.errors.NotFound` for a missing id,
:class:`bookmyshow.ports.errors.Conflict` (naming the constraint in ``what``) for a duplicate, and
:class:`bookmyshow.ports.errors.BackendUnavailable`.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from bookmyshow.domain.booking import Booking, BookingStatus
from bookmyshow.domain.catalog import Movie, MovieStatus
from bookmyshow.domain.coupons import Coupon
from bookmyshow.domain.reviews import Review
from bookmyshow.domain.shows import Show
from bookmyshow.domain.users import User
from bookmyshow.domain.venues import City, Screen, Theater

__all__ = [
    "BookingRepository",
    "CouponRepository",
    "MovieRepository",
    "ReviewRepository",
    "ShowRepository",
    "UserRepository",
    "VenueRepository",
]


class MovieRepository(Protocol):
    """Movies by id."""

    async def add(self, movie: Movie) -> None:
        """Store a new movie; ``Conflict(what="movie_id")`` if the id exists."""
        ...

    async def get(self, movie_id: str) -> Movie:
        """The movie; ``NotFound(kind="movie")`` if there is none."""
        ...

    async def save(self, movie: Movie) -> None:
        """Replace a stored movie; ``NotFound(kind="movie")`` if it was never added."""
        ...

    async def list(self, *, status: MovieStatus | None = None) -> Sequence[Movie]:
        """Every movie (optionally only those in ``status``), ordered by id."""
        ...


class VenueRepository(Protocol):
    """Cities, theaters and screens."""

    async def add_city(self, city: City) -> None:
        """Store a new city; ``Conflict(what="city_id")`` if the id exists."""
        ...

    async def get_city(self, city_id: str) -> City:
        """The city; ``NotFound(kind="city")``."""
        ...

    async def list_cities(self) -> Sequence[City]:
        """Every city, ordered by name then id."""
        ...

    async def add_theater(self, theater: Theater) -> None:
        """Store a new theater; ``Conflict(what="theater_id")``; ``NotFound(kind="city")``."""
        ...

    async def get_theater(self, theater_id: str) -> Theater:
        """The theater; ``NotFound(kind="theater")``."""
        ...

    async def save_theater(self, theater: Theater) -> None:
        """Replace a stored theater; ``NotFound(kind="theater")``."""
        ...

    async def theaters_in_city(self, city_id: str) -> Sequence[Theater]:
        """Theaters of the city, ordered by name then id (empty for an unknown city)."""
        ...

    async def add_screen(self, screen: Screen) -> None:
        """Store a new screen; ``Conflict(what="screen_id")``; ``NotFound(kind="theater")``."""
        ...

    async def get_screen(self, screen_id: str, *, for_update: bool = False) -> Screen:
        """The screen; ``NotFound(kind="screen")``.  ``for_update`` locks it for this unit of
        work: lock the screen before looking for overlapping shows and adding one, so that two
        units cannot both schedule into the same free slot."""
        ...

    async def screens_of(self, theater_id: str) -> Sequence[Screen]:
        """Screens of the theater, ordered by name then id."""
        ...


class ShowRepository(Protocol):
    """Shows, found by screen (for the overlap rule) and by movie, theaters and time."""

    async def add(self, show: Show) -> None:
        """Store a new show; ``Conflict(what="show_id")``."""
        ...

    async def get(self, show_id: str, *, for_update: bool = False) -> Show:
        """The show; ``NotFound(kind="show")``.  ``for_update`` locks it for this unit of work."""
        ...

    async def save(self, show: Show) -> None:
        """Replace a stored show; ``NotFound(kind="show")``."""
        ...

    async def on_screen(
        self, screen_id: str, *, starts_before: datetime, ends_after: datetime
    ) -> Sequence[Show]:
        """Shows of the screen (cancelled ones too) whose start is before ``starts_before`` and
        whose end is after ``ends_after``: the candidates for an overlap, ordered by start."""
        ...

    async def find(
        self,
        *,
        movie_id: str | None = None,
        theater_ids: Collection[str] | None = None,
        starts_from: datetime | None = None,
        starts_before: datetime | None = None,
        include_cancelled: bool = False,
    ) -> Sequence[Show]:
        """Shows matching every given filter (``starts_from`` inclusive, ``starts_before``
        exclusive; cancelled shows only with ``include_cancelled``), ordered by start then id."""
        ...


class BookingRepository(Protocol):
    """Bookings by id, booking code, idempotency key, user, show and status."""

    async def add(self, booking: Booking) -> None:
        """Store a new booking; ``Conflict`` naming ``booking_id`` or ``idempotency_key``."""
        ...

    async def get(self, booking_id: str, *, for_update: bool = False) -> Booking:
        """The booking; ``NotFound(kind="booking")``.  ``for_update`` locks it."""
        ...

    async def save(self, booking: Booking) -> None:
        """Replace a stored booking; ``Conflict(what="booking_code")`` if its new code is taken."""
        ...

    async def by_code(self, booking_code: str) -> Booking:
        """The booking with this (normalised) code; ``NotFound(kind="booking")``."""
        ...

    async def by_idempotency_key(self, user_id: str, key: str) -> Booking | None:
        """The user's booking created under ``key``, if any."""
        ...

    async def of_user(self, user_id: str) -> Sequence[Booking]:
        """The user's bookings, newest first."""
        ...

    async def of_show(
        self,
        show_id: str,
        *,
        statuses: Collection[BookingStatus] | None = None,
        hold_id: str | None = None,
    ) -> Sequence[Booking]:
        """Bookings of the show, optionally only in ``statuses`` and only those made from the
        hold ``hold_id``, oldest first.  Filter in the store: a blockbuster show has thousands
        of bookings, and checkout asks for the few of one hold."""
        ...

    async def with_status(
        self, statuses: Collection[BookingStatus], *, due_before: datetime | None = None
    ) -> Sequence[Booking]:
        """Bookings in ``statuses`` (and with ``payment_due_at`` before ``due_before`` if given),
        oldest first — for expiry and reconciliation sweeps."""
        ...


class UserRepository(Protocol):
    """Accounts by id and by email."""

    async def add(self, user: User) -> None:
        """Store a new user; ``Conflict`` naming ``user_id`` or ``email``."""
        ...

    async def get(self, user_id: str) -> User:
        """The user; ``NotFound(kind="user")``."""
        ...

    async def by_email(self, email: str) -> User | None:
        """The user with this email (compared normalised), if any."""
        ...

    async def save(self, user: User) -> None:
        """Replace a stored user; ``NotFound(kind="user")``; ``Conflict(what="email")``."""
        ...


class ReviewRepository(Protocol):
    """Reviews by id and by movie; one review per user per movie."""

    async def add(self, review: Review) -> None:
        """Store a new review; ``ReviewExists`` when the user already reviewed the movie,
        ``Conflict(what="review_id")`` for a duplicate id."""
        ...

    async def get(self, review_id: str) -> Review:
        """The review; ``NotFound(kind="review")``."""
        ...

    async def save(self, review: Review) -> None:
        """Replace a stored review; ``NotFound(kind="review")``."""
        ...

    async def remove(self, review_id: str) -> Review:
        """Delete the review and return it; ``NotFound(kind="review")``."""
        ...

    async def by_author(self, movie_id: str, user_id: str) -> Review | None:
        """The user's review of the movie, if any."""
        ...

    async def of_movie(
        self, movie_id: str, *, limit: int = 20, offset: int = 0
    ) -> Sequence[Review]:
        """The movie's reviews, newest first, paged."""
        ...

    async def ratings_of(self, movie_id: str) -> Sequence[int]:
        """Every rating given to the movie (for recomputing its summary)."""
        ...


class CouponRepository(Protocol):
    """Coupon definitions by code.  How often a coupon was used is not stored here: that is
    counted atomically by :class:`bookmyshow.ports.coupons.CouponRedemptions`.

    Codes are compared as :class:`~bookmyshow.domain.coupons.Coupon` normalises them (surrounding
    spaces stripped, upper-cased), so ``get(" diwali50 ")`` finds ``"DIWALI50"``; text that is no
    coupon code raises :class:`~bookmyshow.domain.errors.InvalidInput`.
    """

    async def add(self, coupon: Coupon) -> None:
        """Store a new coupon; ``Conflict(what="coupon_code")`` if its code exists."""
        ...

    async def get(self, code: str) -> Coupon:
        """The coupon with this (normalised) code; ``NotFound(kind="coupon", key=<code>)``."""
        ...

    async def save(self, coupon: Coupon) -> None:
        """Replace a stored coupon (found by its code); ``NotFound(kind="coupon")`` if it was
        never added."""
        ...

    async def list(self, *, valid_at: datetime | None = None) -> Sequence[Coupon]:
        """Every coupon (with ``valid_at``, only those whose window ``[valid_from, valid_until)``
        contains that instant), ordered by code."""
        ...
