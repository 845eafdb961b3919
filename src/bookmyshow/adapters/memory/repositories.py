"""The memory repositories: the repository ports over one :class:`MemoryTransaction`.

Each repository belongs to one unit of work (see
:class:`bookmyshow.adapters.memory.unit_of_work.MemoryUnitOfWork`): its writes are staged in the
unit's transaction and its reads see them.  What it returns is a copy.  Besides the errors each
port names, every method raises :class:`~bookmyshow.domain.errors.InvalidInput` for a bad argument
(an empty id, a naive datetime, a value of the wrong type) and when the unit is not in progress.
Queries order exactly as the ports say, breaking ties by id.
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from bookmyshow.adapters.memory.database import MemoryTransaction
from bookmyshow.domain.booking import Booking, BookingStatus, normalize_booking_code
from bookmyshow.domain.catalog import Movie, MovieStatus, parse_enum
from bookmyshow.domain.coupons import Coupon
from bookmyshow.domain.coupons import _code as _coupon_code
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.holds import require_aware
from bookmyshow.domain.reviews import Review
from bookmyshow.domain.shows import Show
from bookmyshow.domain.users import Email, User
from bookmyshow.domain.validation import (
    elapsed,
    require_bool,
    require_collection,
    require_instance,
    require_text,
)
from bookmyshow.domain.venues import City, Screen, Theater
from bookmyshow.ports.errors import NotFound

__all__ = [
    "MemoryBookingRepository",
    "MemoryCouponRepository",
    "MemoryMovieRepository",
    "MemoryReviewRepository",
    "MemoryShowRepository",
    "MemoryUserRepository",
    "MemoryVenueRepository",
]

_T = TypeVar("_T")

_NO_TIME = timedelta(0)


async def _io() -> None:
    # A real store answers after a round trip; yielding lets concurrent units interleave here,
    # so the memory adapter meets the same races as a database.
    await asyncio.sleep(0)


def _found(row: _T | None, kind: str, key: str) -> _T:
    if row is None:
        raise NotFound(kind=kind, key=key)
    return row


def _ids(values: object, name: str) -> frozenset[str]:
    # A bare string is a collection of characters; refusing it catches a classic slip, and a
    # mapping would only contribute its keys.
    values = require_collection(values, name)
    return frozenset(require_text(v, name) for v in values)


def _statuses(values: object) -> frozenset[BookingStatus]:
    values = require_collection(values, "statuses")
    return frozenset(parse_enum(BookingStatus, v, "statuses") for v in values)


class MemoryMovieRepository:
    """:class:`~bookmyshow.ports.repositories.MovieRepository` in a memory unit of work."""

    def __init__(self, transaction: MemoryTransaction) -> None:
        self._tx = transaction
        self._table = transaction.database.movies

    async def add(self, movie: Movie) -> None:
        """Stage a new movie; ``Conflict(what="movie_id")`` if the id exists."""
        require_instance(movie, Movie, "movie")
        await _io()
        self._tx.add(self._table, movie)

    async def get(self, movie_id: str) -> Movie:
        """The movie; ``NotFound(kind="movie")`` if there is none."""
        key = require_text(movie_id, "movie_id")
        await _io()
        return _found(self._tx.get(self._table, key), "movie", key)

    async def save(self, movie: Movie) -> None:
        """Stage replacing a stored movie; ``NotFound(kind="movie")`` if it was never added."""
        require_instance(movie, Movie, "movie")
        await _io()
        self._tx.save(self._table, movie)

    async def list(self, *, status: MovieStatus | None = None) -> Sequence[Movie]:
        """Every movie (optionally only those in ``status``), ordered by id."""
        wanted = None if status is None else parse_enum(MovieStatus, status, "status")
        await _io()
        rows = self._tx.select(self._table, where=lambda m: wanted is None or m.status is wanted)
        return sorted(rows, key=lambda m: m.movie_id)


class MemoryVenueRepository:
    """:class:`~bookmyshow.ports.repositories.VenueRepository` in a memory unit of work.

    A theater's city and a screen's theater must exist (``NotFound``), in the committed state or
    staged in the same unit.
    """

    def __init__(self, transaction: MemoryTransaction) -> None:
        self._tx = transaction
        database = transaction.database
        self._cities = database.cities
        self._theaters = database.theaters
        self._screens = database.screens

    async def add_city(self, city: City) -> None:
        """Stage a new city; ``Conflict(what="city_id")`` if the id exists."""
        require_instance(city, City, "city")
        await _io()
        self._tx.add(self._cities, city)

    async def get_city(self, city_id: str) -> City:
        """The city; ``NotFound(kind="city")``."""
        key = require_text(city_id, "city_id")
        await _io()
        return _found(self._tx.get(self._cities, key), "city", key)

    async def list_cities(self) -> Sequence[City]:
        """Every city, ordered by name then id."""
        await _io()
        return sorted(self._tx.select(self._cities), key=lambda c: (c.name, c.city_id))

    def _require_city(self, city_id: str) -> None:
        if not self._tx.exists(self._cities, city_id):
            raise NotFound(kind="city", key=city_id)

    async def add_theater(self, theater: Theater) -> None:
        """Stage a new theater; ``Conflict(what="theater_id")``; ``NotFound(kind="city")``."""
        require_instance(theater, Theater, "theater")
        await _io()
        self._require_city(theater.city_id)
        self._tx.add(self._theaters, theater)

    async def get_theater(self, theater_id: str) -> Theater:
        """The theater; ``NotFound(kind="theater")``."""
        key = require_text(theater_id, "theater_id")
        await _io()
        return _found(self._tx.get(self._theaters, key), "theater", key)

    async def save_theater(self, theater: Theater) -> None:
        """Stage replacing a theater; ``NotFound(kind="theater")``, or ``NotFound(kind="city")``
        for a city that does not exist."""
        require_instance(theater, Theater, "theater")
        await _io()
        self._require_city(theater.city_id)
        self._tx.save(self._theaters, theater)

    async def theaters_in_city(self, city_id: str) -> Sequence[Theater]:
        """Theaters of the city, ordered by name then id (empty for an unknown city)."""
        key = require_text(city_id, "city_id")
        await _io()
        rows = self._tx.select(self._theaters, group="city", values=(key,))
        return sorted(rows, key=lambda t: (t.name, t.theater_id))

    async def add_screen(self, screen: Screen) -> None:
        """Stage a new screen; ``Conflict(what="screen_id")``; ``NotFound(kind="theater")``."""
        require_instance(screen, Screen, "screen")
        await _io()
        if not self._tx.exists(self._theaters, screen.theater_id):
            raise NotFound(kind="theater", key=screen.theater_id)
        self._tx.add(self._screens, screen)

    async def get_screen(self, screen_id: str, *, for_update: bool = False) -> Screen:
        """The screen; ``NotFound(kind="screen")``.  ``for_update`` locks it like
        :meth:`MemoryShowRepository.get` locks a show."""
        key = require_text(screen_id, "screen_id")
        require_bool(for_update, "for_update")
        await _io()
        return _found(self._tx.get(self._screens, key, for_update=for_update), "screen", key)

    async def screens_of(self, theater_id: str) -> Sequence[Screen]:
        """Screens of the theater, ordered by name then id."""
        key = require_text(theater_id, "theater_id")
        await _io()
        rows = self._tx.select(self._screens, group="theater", values=(key,))
        return sorted(rows, key=lambda s: (s.name, s.screen_id))


class MemoryShowRepository:
    """:class:`~bookmyshow.ports.repositories.ShowRepository` in a memory unit of work.

    ``get(..., for_update=True)`` locks the show for the unit: its commit fails with
    ``Conflict(what="concurrent_update")`` if another unit saved or locked the show and committed
    first.
    """

    def __init__(self, transaction: MemoryTransaction) -> None:
        self._tx = transaction
        self._table = transaction.database.shows

    async def add(self, show: Show) -> None:
        """Stage a new show; ``Conflict(what="show_id")``."""
        require_instance(show, Show, "show")
        await _io()
        self._tx.add(self._table, show)

    async def get(self, show_id: str, *, for_update: bool = False) -> Show:
        """The show; ``NotFound(kind="show")``."""
        key = require_text(show_id, "show_id")
        require_bool(for_update, "for_update")
        await _io()
        return _found(self._tx.get(self._table, key, for_update=for_update), "show", key)

    async def save(self, show: Show) -> None:
        """Stage replacing a stored show; ``NotFound(kind="show")``."""
        require_instance(show, Show, "show")
        await _io()
        self._tx.save(self._table, show)

    async def on_screen(
        self, screen_id: str, *, starts_before: datetime, ends_after: datetime
    ) -> Sequence[Show]:
        """Shows of the screen (cancelled too) starting before ``starts_before`` and ending after
        ``ends_after``, ordered by start then id."""
        key = require_text(screen_id, "screen_id")
        require_aware(starts_before, "starts_before")
        require_aware(ends_after, "ends_after")
        await _io()
        rows = self._tx.select(
            self._table,
            group="screen",
            values=(key,),
            where=lambda s: s.starts_at < starts_before and s.ends_at > ends_after,
        )
        return sorted(rows, key=lambda s: (s.starts_at, s.show_id))

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
        exclusive; cancelled ones only with ``include_cancelled``), ordered by start then id."""
        movie = None if movie_id is None else require_text(movie_id, "movie_id")
        require_bool(include_cancelled, "include_cancelled")
        theaters = None if theater_ids is None else _ids(theater_ids, "theater_ids")
        if starts_from is not None:
            require_aware(starts_from, "starts_from")
        if starts_before is not None:
            require_aware(starts_before, "starts_before")

        def matches(s: Show) -> bool:
            return (
                (movie is None or s.movie_id == movie)
                and (theaters is None or s.theater_id in theaters)
                and (starts_from is None or s.starts_at >= starts_from)
                and (starts_before is None or s.starts_at < starts_before)
                and (include_cancelled or not s.is_cancelled)
            )

        await _io()
        if movie is not None:
            rows = self._tx.select(self._table, group="movie", values=(movie,), where=matches)
        elif theaters is not None:
            rows = self._tx.select(self._table, group="theater", values=theaters, where=matches)
        else:
            rows = self._tx.select(self._table, where=matches)
        return sorted(rows, key=lambda s: (s.starts_at, s.show_id))


def _oldest_first(rows: builtins.list[Booking]) -> builtins.list[Booking]:
    return sorted(rows, key=lambda b: (b.created_at, b.booking_id))


class MemoryBookingRepository:
    """:class:`~bookmyshow.ports.repositories.BookingRepository` in a memory unit of work.

    ``add`` and ``save`` hand the booking's pending events to the unit (they are published only
    if it commits), so a booking read back has none.  ``get(..., for_update=True)`` locks the
    booking as :class:`MemoryShowRepository` locks a show.  Newest first means ``created_at``
    descending, then id descending; oldest first is the exact reverse.
    """

    def __init__(self, transaction: MemoryTransaction) -> None:
        self._tx = transaction
        self._table = transaction.database.bookings

    async def add(self, booking: Booking) -> None:
        """Stage a new booking; ``Conflict`` naming ``booking_id``, ``idempotency_key`` (per user)
        or ``booking_code``."""
        require_instance(booking, Booking, "booking")
        await _io()
        self._tx.add(self._table, booking)
        self._tx.record(*booking.pull_events())

    async def get(self, booking_id: str, *, for_update: bool = False) -> Booking:
        """The booking; ``NotFound(kind="booking")``."""
        key = require_text(booking_id, "booking_id")
        require_bool(for_update, "for_update")
        await _io()
        return _found(self._tx.get(self._table, key, for_update=for_update), "booking", key)

    async def save(self, booking: Booking) -> None:
        """Stage replacing a booking; ``NotFound(kind="booking")``; ``Conflict`` naming
        ``booking_code`` or ``idempotency_key`` if the new value is taken."""
        require_instance(booking, Booking, "booking")
        await _io()
        self._tx.save(self._table, booking)
        self._tx.record(*booking.pull_events())

    async def by_code(self, booking_code: str) -> Booking:
        """The booking with this code (normalised first, so case and dashes do not matter);
        ``NotFound(kind="booking")``, or ``InvalidBookingCode`` for text that is no code."""
        code = normalize_booking_code(booking_code)
        await _io()
        return _found(self._tx.get_by(self._table, "booking_code", code), "booking", code)

    async def by_idempotency_key(self, user_id: str, key: str) -> Booking | None:
        """The user's booking created under ``key``, if any."""
        user = require_text(user_id, "user_id")
        idempotency_key = require_text(key, "key")
        await _io()
        return self._tx.get_by(self._table, "idempotency_key", (user, idempotency_key))

    async def of_user(self, user_id: str) -> Sequence[Booking]:
        """The user's bookings, newest first."""
        key = require_text(user_id, "user_id")
        await _io()
        rows = self._tx.select(self._table, group="user", values=(key,))
        return _oldest_first(rows)[::-1]

    async def of_show(
        self,
        show_id: str,
        *,
        statuses: Collection[BookingStatus] | None = None,
        hold_id: str | None = None,
    ) -> Sequence[Booking]:
        """Bookings of the show, optionally only in ``statuses`` and of the hold ``hold_id``,
        oldest first."""
        key = require_text(show_id, "show_id")
        hold = None if hold_id is None else require_text(hold_id, "hold_id")
        wanted = None if statuses is None else _statuses(statuses)
        await _io()
        rows = self._tx.select(
            self._table,
            group="show",
            values=(key,),
            where=lambda b: (
                (wanted is None or b.status in wanted) and (hold is None or b.hold_id == hold)
            ),
        )
        return _oldest_first(rows)

    async def with_status(
        self, statuses: Collection[BookingStatus], *, due_before: datetime | None = None
    ) -> Sequence[Booking]:
        """Bookings in ``statuses`` (with ``payment_due_at`` strictly before ``due_before`` if
        given), oldest first."""
        wanted = _statuses(statuses)
        if due_before is not None:
            require_aware(due_before, "due_before")
        await _io()
        rows = self._tx.select(
            self._table,
            group="status",
            values=wanted,
            where=lambda b: due_before is None or b.payment_due_at < due_before,
        )
        return _oldest_first(rows)


class MemoryUserRepository:
    """:class:`~bookmyshow.ports.repositories.UserRepository` in a memory unit of work.

    Emails are unique as :class:`~bookmyshow.domain.users.Email` normalises them (the domain
    lower-cased, the local part as written).
    """

    def __init__(self, transaction: MemoryTransaction) -> None:
        self._tx = transaction
        self._table = transaction.database.users

    async def add(self, user: User) -> None:
        """Stage a new user; ``Conflict`` naming ``user_id`` or ``email``."""
        require_instance(user, User, "user")
        await _io()
        self._tx.add(self._table, user)

    async def get(self, user_id: str) -> User:
        """The user; ``NotFound(kind="user")``."""
        key = require_text(user_id, "user_id")
        await _io()
        return _found(self._tx.get(self._table, key), "user", key)

    async def by_email(self, email: str) -> User | None:
        """The user with this email, compared normalised; InvalidInput if it is no email."""
        address = email.value if isinstance(email, Email) else Email(email).value
        await _io()
        return self._tx.get_by(self._table, "email", address)

    async def save(self, user: User) -> None:
        """Stage replacing a user; ``NotFound(kind="user")``; ``Conflict(what="email")``."""
        require_instance(user, User, "user")
        await _io()
        self._tx.save(self._table, user)


class MemoryReviewRepository:
    """:class:`~bookmyshow.ports.repositories.ReviewRepository` in a memory unit of work.

    Newest first means ``created_at`` descending, then id descending.
    """

    def __init__(self, transaction: MemoryTransaction) -> None:
        self._tx = transaction
        self._table = transaction.database.reviews

    async def add(self, review: Review) -> None:
        """Stage a new review; ``Conflict(what="review_id")`` for a duplicate id, else
        ``ReviewExists`` when the user already reviewed the movie."""
        require_instance(review, Review, "review")
        await _io()
        self._tx.add(self._table, review)

    async def get(self, review_id: str) -> Review:
        """The review; ``NotFound(kind="review")``."""
        key = require_text(review_id, "review_id")
        await _io()
        return _found(self._tx.get(self._table, key), "review", key)

    async def save(self, review: Review) -> None:
        """Stage replacing a review; ``NotFound(kind="review")``; ``ReviewExists`` if it now
        collides with another review by the same user of the same movie."""
        require_instance(review, Review, "review")
        await _io()
        self._tx.save(self._table, review)

    async def remove(self, review_id: str) -> Review:
        """Stage deleting the review and return it; ``NotFound(kind="review")``."""
        key = require_text(review_id, "review_id")
        await _io()
        return self._tx.remove(self._table, key)

    async def by_author(self, movie_id: str, user_id: str) -> Review | None:
        """The user's review of the movie, if any."""
        movie = require_text(movie_id, "movie_id")
        user = require_text(user_id, "user_id")
        await _io()
        return self._tx.get_by(self._table, "author", (movie, user))

    async def of_movie(
        self, movie_id: str, *, limit: int = 20, offset: int = 0
    ) -> Sequence[Review]:
        """The movie's reviews, newest first, skipping ``offset`` and returning at most
        ``limit``; InvalidInput for a limit below 1 or a negative offset."""
        key = require_text(movie_id, "movie_id")
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise InvalidInput(field="limit", reason="must be a positive integer")
        if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
            raise InvalidInput(field="offset", reason="must be a non-negative integer")
        await _io()
        rows = self._tx.select(self._table, group="movie", values=(key,))
        rows.sort(key=lambda r: (r.created_at, r.review_id), reverse=True)
        return rows[offset : offset + limit]

    async def ratings_of(self, movie_id: str) -> Sequence[int]:
        """Every rating given to the movie, in review id order."""
        key = require_text(movie_id, "movie_id")
        await _io()
        rows = self._tx.select(self._table, group="movie", values=(key,))
        return [r.rating for r in sorted(rows, key=lambda r: r.review_id)]


def _valid_at(coupon: Coupon, at: datetime) -> bool:
    # Compared as instants (elapsed), exactly as check_coupon does: a window given in a zone
    # with daylight saving must not gain or lose an hour here.
    started = elapsed(coupon.valid_from, at) >= _NO_TIME
    ended = elapsed(coupon.valid_until, at) >= _NO_TIME
    return started and not ended


class MemoryCouponRepository:
    """:class:`~bookmyshow.ports.repositories.CouponRepository` in a memory unit of work.

    The code is the coupon's key.  Lookups normalise it with the very converter
    :class:`~bookmyshow.domain.coupons.Coupon` applies to its own code, so a lookup can never
    disagree with what was stored (and text that is no code is ``InvalidInput`` as it is there).
    """

    def __init__(self, transaction: MemoryTransaction) -> None:
        self._tx = transaction
        self._table = transaction.database.coupons

    async def add(self, coupon: Coupon) -> None:
        """Stage a new coupon; ``Conflict(what="coupon_code")`` if its code exists."""
        require_instance(coupon, Coupon, "coupon")
        await _io()
        self._tx.add(self._table, coupon)

    async def get(self, code: str) -> Coupon:
        """The coupon with this code (normalised first); ``NotFound(kind="coupon")``."""
        key = _coupon_code(code)
        await _io()
        return _found(self._tx.get(self._table, key), "coupon", key)

    async def save(self, coupon: Coupon) -> None:
        """Stage replacing a stored coupon; ``NotFound(kind="coupon")`` if it was never added."""
        require_instance(coupon, Coupon, "coupon")
        await _io()
        self._tx.save(self._table, coupon)

    async def list(self, *, valid_at: datetime | None = None) -> Sequence[Coupon]:
        """Every coupon (with ``valid_at``, only those valid then: ``valid_from`` inclusive,
        ``valid_until`` exclusive), ordered by code; InvalidInput for a naive ``valid_at``."""
        if valid_at is not None:
            require_aware(valid_at, "valid_at")
        await _io()
        rows = self._tx.select(
            self._table, where=lambda c: valid_at is None or _valid_at(c, valid_at)
        )
        return sorted(rows, key=lambda c: c.code)
