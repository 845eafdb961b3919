"""The SQL repositories: the repository ports over one unit of work's transaction.

Each repository belongs to one :class:`~bookmyshow.adapters.sql.unit_of_work.SqlUnitOfWork` and
talks to the database only through the unit's :class:`UnitSession`, which owns the connection,
translates driver errors and remembers the ``version`` of every row the unit read.  Rows are
mapped explicitly (:mod:`bookmyshow.adapters.sql.rows`); what a repository returns is a fresh
aggregate, so changing it changes nothing until it is saved.

* ``add`` inserts with ``version = 1``; a duplicate key becomes the ``Conflict`` (or
  ``ReviewExists``) the port names, a missing parent row ``NotFound`` of the parent's kind.  Both
  refusals undo only the failed statement: the unit stays usable.
* ``save`` and ``remove`` update or delete ``WHERE <key> = ? AND version = <the version this unit
  read>`` (``version`` + 1 on update).  No matching row while the row exists means another unit
  changed it after this one read it: the unit is rolled back and ``Conflict(what=
  "concurrent_update", keys=("<kind>:<id>",))`` is raised.  A row the unit never read is
  replaced unconditionally (there is no read to protect).
* ``for_update`` reads lock the row (``SELECT … FOR UPDATE``) until the unit ends.

Queries order exactly as the ports say and break ties by id, as the memory adapter does
(``newest first`` is ``created_at`` then id, both descending).  Besides the errors each port
names, every method raises :class:`~bookmyshow.domain.errors.InvalidInput` for a bad argument and
when the unit is not in progress, and ``BackendUnavailable`` when the database fails.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Final, Generic, Protocol, TypeVar

from attrs import field, frozen
from sqlalchemy import ColumnElement, Table, UnaryExpression, delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.sql import Executable, Select

from bookmyshow.adapters.sql import rows, schema
from bookmyshow.adapters.sql.errors import Failure, classify, violated_columns
from bookmyshow.domain.booking import Booking, BookingStatus, normalize_booking_code
from bookmyshow.domain.catalog import Movie, MovieStatus, parse_enum
from bookmyshow.domain.coupons import Coupon
from bookmyshow.domain.coupons import _code as _coupon_code
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import DomainEvent
from bookmyshow.domain.holds import require_aware
from bookmyshow.domain.reviews import Review, ReviewExists
from bookmyshow.domain.shows import Show, ShowStatus
from bookmyshow.domain.users import Email, User
from bookmyshow.domain.validation import (
    require_bool,
    require_collection,
    require_instance,
    require_text,
)
from bookmyshow.domain.venues import City, Screen, Theater
from bookmyshow.ports.errors import Conflict, NotFound

__all__ = [
    "SqlBookingRepository",
    "SqlCouponRepository",
    "SqlMovieRepository",
    "SqlReviewRepository",
    "SqlShowRepository",
    "SqlUserRepository",
    "SqlVenueRepository",
    "UnitSession",
]

_T = TypeVar("_T")


class UnitSession(Protocol):
    """What a repository needs from its unit of work (implemented by the SQL unit of work)."""

    async def fetch(
        self, statement: Select[Any], *, for_update: bool = False
    ) -> Sequence[RowMapping]:
        """The rows of ``statement`` as this unit sees them; ``for_update`` locks them until the
        unit ends.  Driver errors end the unit (``Conflict`` / ``BackendUnavailable``)."""
        ...

    async def change(self, statement: Executable) -> int:
        """Run an insert, update or delete; the number of rows it matched.  An
        ``IntegrityError`` (duplicate key, missing parent) undoes only this statement and is
        raised as it is; every other driver error ends the unit."""
        ...

    def version(self, table: Table, key: str) -> int | None:
        """The version of the row this unit last read or wrote, if it read one."""
        ...

    def remember(self, table: Table, key: str, version: int | None) -> None:
        """Note the row's version as this unit now knows it (``None`` forgets it)."""
        ...

    async def lost_race(self, table: Table, key: str, kind: str) -> Conflict:
        """Roll the unit back; the ``Conflict(what="concurrent_update")`` to raise for the row."""
        ...

    async def broken(self, exc: SQLAlchemyError) -> Exception:
        """Roll the unit back; the port error to raise for an unexpected driver error."""
        ...

    def record(self, *events: DomainEvent) -> None:
        """Queue events to hand out (and write to the outbox) when the unit commits."""
        ...


@frozen
class _Parent:
    """A row another row refers to: ``column`` of the child holds ``table``'s key."""

    column: str
    table: Table
    kind: str


@frozen
class _Spec(Generic[_T]):
    """How one aggregate kind is stored: its table, key, mapping and constraints."""

    table: Table
    kind: str
    key_of: Callable[[_T], str]
    values_of: Callable[[_T], dict[str, Any]]
    from_row: Callable[[RowMapping], _T]
    id_name: str
    unique: Mapping[frozenset[str], Callable[[_T], Exception]] = field(factory=dict)
    parents: tuple[_Parent, ...] = ()

    @property
    def key_column(self) -> ColumnElement[Any]:
        """The primary key column (every aggregate table has a one-column key)."""
        [column] = self.table.primary_key.columns
        return column


class _Store(Generic[_T]):
    """The operations every repository shares, over one table, in one unit."""

    def __init__(self, session: UnitSession, spec: _Spec[_T]) -> None:
        self._session = session
        self._spec = spec

    async def load(
        self,
        where: ColumnElement[bool] | None = None,
        *,
        order_by: Sequence[ColumnElement[Any] | UnaryExpression[Any]] = (),
        limit: int | None = None,
        offset: int = 0,
        for_update: bool = False,
    ) -> builtins.list[_T]:
        """The aggregates whose rows match ``where``, in ``order_by``; remembers their versions."""
        table = self._spec.table
        statement = select(table)
        if where is not None:
            statement = statement.where(where)
        if order_by:
            statement = statement.order_by(*order_by)
        if limit is not None:
            statement = statement.limit(limit)
        if offset:
            statement = statement.offset(offset)
        found = await self._session.fetch(statement, for_update=for_update)
        out: builtins.list[_T] = []
        for row in found:
            self._session.remember(table, row[self._spec.key_column.name], row["version"])
            out.append(self._spec.from_row(row))
        return out

    async def one(self, where: ColumnElement[bool], *, for_update: bool = False) -> _T | None:
        """The aggregate whose row matches ``where`` (a unique condition), or None."""
        found = await self.load(where, for_update=for_update)
        return found[0] if found else None

    async def get(self, key: str, *, for_update: bool = False) -> _T:
        """The aggregate with this key; ``NotFound`` of the spec's kind."""
        found = await self.one(self._spec.key_column == key, for_update=for_update)
        if found is None:
            raise NotFound(kind=self._spec.kind, key=key)
        return found

    async def add(self, item: _T) -> None:
        """Insert a new row; the port's duplicate or missing-parent error if refused."""
        spec = self._spec
        values = spec.values_of(item)
        rows.check_fits(spec.table, values)
        try:
            await self._session.change(insert(spec.table).values(**values, version=1))
        except IntegrityError as exc:
            raise await self._refusal(exc, item, values) from exc

    async def save(self, item: _T) -> None:
        """Replace the row, expecting the version this unit read (if it read one)."""
        spec = self._spec
        values = spec.values_of(item)
        rows.check_fits(spec.table, values)
        key = spec.key_of(item)
        table = spec.table
        expected = self._session.version(table, key)
        statement = (
            update(table)
            .where(spec.key_column == key)
            .values(**values, version=table.c.version + 1)
        )
        if expected is not None:
            statement = statement.where(table.c.version == expected)
        try:
            matched = await self._session.change(statement)
        except IntegrityError as exc:
            raise await self._refusal(exc, item, values) from exc
        if matched == 0:
            if expected is None or not await self._exists(key):
                raise NotFound(kind=spec.kind, key=key)
            raise await self._session.lost_race(table, key, spec.kind)
        # The update locked the row for the rest of the unit, so its version stays known.
        self._session.remember(table, key, None if expected is None else expected + 1)

    async def remove(self, key: str) -> _T:
        """Delete the row and return what it held, expecting the version this unit read."""
        spec = self._spec
        table = spec.table
        expected = self._session.version(table, key)
        statement = select(table).where(spec.key_column == key)
        found = await self._session.fetch(statement, for_update=True)
        if not found:
            raise NotFound(kind=spec.kind, key=key)
        current = found[0]["version"]
        if expected is not None and expected != current:
            raise await self._session.lost_race(table, key, spec.kind)
        matched = await self._session.change(
            delete(table).where(spec.key_column == key, table.c.version == current)
        )
        if matched == 0:  # pragma: no cover - the row is locked since the read above
            raise await self._session.lost_race(table, key, spec.kind)
        self._session.remember(table, key, None)
        return spec.from_row(found[0])

    async def _exists(self, key: str) -> bool:
        statement = select(self._spec.key_column).where(self._spec.key_column == key)
        return bool(await self._session.fetch(statement))

    async def _refusal(self, exc: IntegrityError, item: _T, values: Mapping[str, Any]) -> Exception:
        """The port error for a refused insert or update of ``item``."""
        spec = self._spec
        columns = violated_columns(exc, spec.table)
        if columns == frozenset({spec.key_column.name}):
            return Conflict(what=spec.id_name, keys=(spec.key_of(item),))
        if columns is not None and columns in spec.unique:
            return spec.unique[columns](item)
        if classify(exc) is Failure.FOREIGN_KEY:
            for parent in spec.parents:
                [parent_key] = parent.table.primary_key.columns
                value = values[parent.column]
                statement = select(parent_key).where(parent_key == value)
                if not await self._session.fetch(statement):
                    return NotFound(kind=parent.kind, key=value)
        return await self._session.broken(exc)


def _newest_first(
    *columns: ColumnElement[Any],
) -> tuple[UnaryExpression[Any], ...]:
    return tuple(c.desc() for c in columns)


def _ids(values: object, name: str) -> frozenset[str]:
    # A bare string is a collection of characters; refusing it catches a classic slip.
    values = require_collection(values, name)
    return frozenset(require_text(v, name) for v in values)


def _statuses(values: object) -> frozenset[BookingStatus]:
    values = require_collection(values, "statuses")
    return frozenset(parse_enum(BookingStatus, v, "statuses") for v in values)


# -- movies -------------------------------------------------------------------------------------

_MOVIES: Final = _Spec[Movie](
    table=schema.movies,
    kind="movie",
    key_of=lambda m: m.movie_id,
    values_of=rows.movie_values,
    from_row=rows.movie_from,
    id_name="movie_id",
)


class SqlMovieRepository:
    """:class:`~bookmyshow.ports.repositories.MovieRepository` in a SQL unit of work."""

    def __init__(self, session: UnitSession) -> None:
        self._store = _Store(session, _MOVIES)

    async def add(self, movie: Movie) -> None:
        """Insert a new movie; ``Conflict(what="movie_id")`` if the id exists."""
        require_instance(movie, Movie, "movie")
        await self._store.add(movie)

    async def get(self, movie_id: str) -> Movie:
        """The movie; ``NotFound(kind="movie")`` if there is none."""
        return await self._store.get(require_text(movie_id, "movie_id"))

    async def save(self, movie: Movie) -> None:
        """Replace a stored movie; ``NotFound(kind="movie")`` if it was never added."""
        require_instance(movie, Movie, "movie")
        await self._store.save(movie)

    async def list(self, *, status: MovieStatus | None = None) -> Sequence[Movie]:
        """Every movie (optionally only those in ``status``), ordered by id."""
        table = schema.movies
        wanted = None if status is None else parse_enum(MovieStatus, status, "status")
        where = None if wanted is None else table.c.status == wanted.value
        return await self._store.load(where, order_by=(table.c.movie_id,))


# -- venues -------------------------------------------------------------------------------------

_CITIES: Final = _Spec[City](
    table=schema.cities,
    kind="city",
    key_of=lambda c: c.city_id,
    values_of=rows.city_values,
    from_row=rows.city_from,
    id_name="city_id",
)
_THEATERS: Final = _Spec[Theater](
    table=schema.theaters,
    kind="theater",
    key_of=lambda t: t.theater_id,
    values_of=rows.theater_values,
    from_row=rows.theater_from,
    id_name="theater_id",
    parents=(_Parent("city_id", schema.cities, "city"),),
)
_SCREENS: Final = _Spec[Screen](
    table=schema.screens,
    kind="screen",
    key_of=lambda s: s.screen_id,
    values_of=rows.screen_values,
    from_row=rows.screen_from,
    id_name="screen_id",
    parents=(_Parent("theater_id", schema.theaters, "theater"),),
)


class SqlVenueRepository:
    """:class:`~bookmyshow.ports.repositories.VenueRepository` in a SQL unit of work.

    A theater's city and a screen's theater must exist (``NotFound``), committed or added
    earlier in the same unit: the foreign keys check it.
    """

    def __init__(self, session: UnitSession) -> None:
        self._cities = _Store(session, _CITIES)
        self._theaters = _Store(session, _THEATERS)
        self._screens = _Store(session, _SCREENS)

    async def add_city(self, city: City) -> None:
        """Insert a new city; ``Conflict(what="city_id")`` if the id exists."""
        require_instance(city, City, "city")
        await self._cities.add(city)

    async def get_city(self, city_id: str) -> City:
        """The city; ``NotFound(kind="city")``."""
        return await self._cities.get(require_text(city_id, "city_id"))

    async def list_cities(self) -> Sequence[City]:
        """Every city, ordered by name then id."""
        table = schema.cities
        return await self._cities.load(order_by=(table.c.name, table.c.city_id))

    async def add_theater(self, theater: Theater) -> None:
        """Insert a new theater; ``Conflict(what="theater_id")``; ``NotFound(kind="city")``."""
        require_instance(theater, Theater, "theater")
        await self._theaters.add(theater)

    async def get_theater(self, theater_id: str) -> Theater:
        """The theater; ``NotFound(kind="theater")``."""
        return await self._theaters.get(require_text(theater_id, "theater_id"))

    async def save_theater(self, theater: Theater) -> None:
        """Replace a theater; ``NotFound(kind="theater")``, or ``NotFound(kind="city")`` for a
        city that does not exist."""
        require_instance(theater, Theater, "theater")
        await self._theaters.save(theater)

    async def theaters_in_city(self, city_id: str) -> Sequence[Theater]:
        """Theaters of the city, ordered by name then id (empty for an unknown city)."""
        key = require_text(city_id, "city_id")
        table = schema.theaters
        return await self._theaters.load(
            table.c.city_id == key, order_by=(table.c.name, table.c.theater_id)
        )

    async def add_screen(self, screen: Screen) -> None:
        """Insert a new screen; ``Conflict(what="screen_id")``; ``NotFound(kind="theater")``."""
        require_instance(screen, Screen, "screen")
        await self._screens.add(screen)

    async def get_screen(self, screen_id: str, *, for_update: bool = False) -> Screen:
        """The screen; ``NotFound(kind="screen")``.  ``for_update`` locks its row until the
        unit ends, so units scheduling into the screen run one after another."""
        key = require_text(screen_id, "screen_id")
        require_bool(for_update, "for_update")
        return await self._screens.get(key, for_update=for_update)

    async def screens_of(self, theater_id: str) -> Sequence[Screen]:
        """Screens of the theater, ordered by name then id."""
        key = require_text(theater_id, "theater_id")
        table = schema.screens
        return await self._screens.load(
            table.c.theater_id == key, order_by=(table.c.name, table.c.screen_id)
        )


# -- shows --------------------------------------------------------------------------------------

_SHOWS: Final = _Spec[Show](
    table=schema.shows,
    kind="show",
    key_of=lambda s: s.show_id,
    values_of=rows.show_values,
    from_row=rows.show_from,
    id_name="show_id",
    parents=(
        _Parent("movie_id", schema.movies, "movie"),
        _Parent("theater_id", schema.theaters, "theater"),
        _Parent("screen_id", schema.screens, "screen"),
    ),
)


class SqlShowRepository:
    """:class:`~bookmyshow.ports.repositories.ShowRepository` in a SQL unit of work.

    A show's movie, theater and screen must exist (``NotFound`` of that kind).  ``get(...,
    for_update=True)`` locks the show's row until the unit ends.
    """

    def __init__(self, session: UnitSession) -> None:
        self._store = _Store(session, _SHOWS)

    async def add(self, show: Show) -> None:
        """Insert a new show; ``Conflict(what="show_id")``."""
        require_instance(show, Show, "show")
        await self._store.add(show)

    async def get(self, show_id: str, *, for_update: bool = False) -> Show:
        """The show; ``NotFound(kind="show")``."""
        key = require_text(show_id, "show_id")
        require_bool(for_update, "for_update")
        return await self._store.get(key, for_update=for_update)

    async def save(self, show: Show) -> None:
        """Replace a stored show; ``NotFound(kind="show")``."""
        require_instance(show, Show, "show")
        await self._store.save(show)

    async def on_screen(
        self, screen_id: str, *, starts_before: datetime, ends_after: datetime
    ) -> Sequence[Show]:
        """Shows of the screen (cancelled too) starting before ``starts_before`` and ending after
        ``ends_after``, ordered by start then id."""
        key = require_text(screen_id, "screen_id")
        before = require_aware(starts_before, "starts_before")
        after = require_aware(ends_after, "ends_after")
        table = schema.shows
        return await self._store.load(
            (table.c.screen_id == key) & (table.c.starts_at < before) & (table.c.ends_at > after),
            order_by=(table.c.starts_at, table.c.show_id),
        )

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
        table = schema.shows
        conditions: builtins.list[ColumnElement[bool]] = []
        if movie_id is not None:
            conditions.append(table.c.movie_id == require_text(movie_id, "movie_id"))
        require_bool(include_cancelled, "include_cancelled")
        if theater_ids is not None:
            conditions.append(table.c.theater_id.in_(sorted(_ids(theater_ids, "theater_ids"))))
        if starts_from is not None:
            conditions.append(table.c.starts_at >= require_aware(starts_from, "starts_from"))
        if starts_before is not None:
            conditions.append(table.c.starts_at < require_aware(starts_before, "starts_before"))
        if not include_cancelled:
            conditions.append(table.c.status != ShowStatus.CANCELLED.value)
        where = None
        for condition in conditions:
            where = condition if where is None else where & condition
        return await self._store.load(where, order_by=(table.c.starts_at, table.c.show_id))


# -- bookings -----------------------------------------------------------------------------------


def _idempotency_conflict(booking: Booking) -> Exception:
    return Conflict(what="idempotency_key", keys=(booking.user_id, booking.idempotency_key))


def _code_conflict(booking: Booking) -> Exception:
    return Conflict(what="booking_code", keys=(booking.booking_code or "",))


_BOOKINGS: Final = _Spec[Booking](
    table=schema.bookings,
    kind="booking",
    key_of=lambda b: b.booking_id,
    values_of=rows.booking_values,
    from_row=rows.booking_from,
    id_name="booking_id",
    unique={
        frozenset({"user_id", "idempotency_key"}): _idempotency_conflict,
        frozenset({"booking_code"}): _code_conflict,
    },
    parents=(
        _Parent("user_id", schema.users, "user"),
        _Parent("show_id", schema.shows, "show"),
    ),
)


class SqlBookingRepository:
    """:class:`~bookmyshow.ports.repositories.BookingRepository` in a SQL unit of work.

    ``add`` and ``save`` hand the booking's pending events to the unit (written to the outbox and
    handed out only if it commits), so a booking read back has none.  A booking's user and show
    must exist (``NotFound`` of that kind).  Newest first means ``created_at`` descending, then
    id descending; oldest first is the exact reverse.
    """

    def __init__(self, session: UnitSession) -> None:
        self._session = session
        self._store = _Store(session, _BOOKINGS)

    async def add(self, booking: Booking) -> None:
        """Insert a new booking; ``Conflict`` naming ``booking_id``, ``idempotency_key`` (per
        user) or ``booking_code``."""
        require_instance(booking, Booking, "booking")
        await self._store.add(booking)
        self._session.record(*booking.pull_events())

    async def get(self, booking_id: str, *, for_update: bool = False) -> Booking:
        """The booking; ``NotFound(kind="booking")``.  ``for_update`` locks it."""
        key = require_text(booking_id, "booking_id")
        require_bool(for_update, "for_update")
        return await self._store.get(key, for_update=for_update)

    async def save(self, booking: Booking) -> None:
        """Replace a booking; ``NotFound(kind="booking")``; ``Conflict`` naming
        ``booking_code`` or ``idempotency_key`` if the new value is taken."""
        require_instance(booking, Booking, "booking")
        await self._store.save(booking)
        self._session.record(*booking.pull_events())

    async def by_code(self, booking_code: str) -> Booking:
        """The booking with this code (normalised first, so case and dashes do not matter);
        ``NotFound(kind="booking")``, or ``InvalidBookingCode`` for text that is no code."""
        code = normalize_booking_code(booking_code)
        found = await self._store.one(schema.bookings.c.booking_code == code)
        if found is None:
            raise NotFound(kind="booking", key=code)
        return found

    async def by_idempotency_key(self, user_id: str, key: str) -> Booking | None:
        """The user's booking created under ``key``, if any."""
        table = schema.bookings
        user = require_text(user_id, "user_id")
        idempotency_key = require_text(key, "key")
        return await self._store.one(
            (table.c.user_id == user) & (table.c.idempotency_key == idempotency_key)
        )

    async def of_user(self, user_id: str) -> Sequence[Booking]:
        """The user's bookings, newest first."""
        table = schema.bookings
        key = require_text(user_id, "user_id")
        return await self._store.load(
            table.c.user_id == key,
            order_by=_newest_first(table.c.created_at, table.c.booking_id),
        )

    async def of_show(
        self,
        show_id: str,
        *,
        statuses: Collection[BookingStatus] | None = None,
        hold_id: str | None = None,
    ) -> Sequence[Booking]:
        """Bookings of the show, optionally only in ``statuses`` and of the hold ``hold_id``,
        oldest first."""
        table = schema.bookings
        key = require_text(show_id, "show_id")
        where: ColumnElement[bool] = table.c.show_id == key
        if hold_id is not None:
            where = where & (table.c.hold_id == require_text(hold_id, "hold_id"))
        if statuses is not None:
            where = where & table.c.status.in_(sorted(s.value for s in _statuses(statuses)))
        return await self._store.load(where, order_by=(table.c.created_at, table.c.booking_id))

    async def with_status(
        self, statuses: Collection[BookingStatus], *, due_before: datetime | None = None
    ) -> Sequence[Booking]:
        """Bookings in ``statuses`` (with ``payment_due_at`` strictly before ``due_before`` if
        given), oldest first."""
        table = schema.bookings
        wanted = sorted(s.value for s in _statuses(statuses))
        where: ColumnElement[bool] = table.c.status.in_(wanted)
        if due_before is not None:
            where = where & (table.c.payment_due_at < require_aware(due_before, "due_before"))
        return await self._store.load(where, order_by=(table.c.created_at, table.c.booking_id))


# -- users --------------------------------------------------------------------------------------

_USERS: Final = _Spec[User](
    table=schema.users,
    kind="user",
    key_of=lambda u: u.user_id,
    values_of=rows.user_values,
    from_row=rows.user_from,
    id_name="user_id",
    unique={frozenset({"email"}): lambda u: Conflict(what="email", keys=(u.email.value,))},
)


class SqlUserRepository:
    """:class:`~bookmyshow.ports.repositories.UserRepository` in a SQL unit of work.

    Emails are unique as :class:`~bookmyshow.domain.users.Email` normalises them (the domain
    lower-cased, the local part as written), compared byte for byte.
    """

    def __init__(self, session: UnitSession) -> None:
        self._store = _Store(session, _USERS)

    async def add(self, user: User) -> None:
        """Insert a new user; ``Conflict`` naming ``user_id`` or ``email``."""
        require_instance(user, User, "user")
        await self._store.add(user)

    async def get(self, user_id: str) -> User:
        """The user; ``NotFound(kind="user")``."""
        return await self._store.get(require_text(user_id, "user_id"))

    async def by_email(self, email: str) -> User | None:
        """The user with this email, compared normalised; InvalidInput if it is no email."""
        address = email.value if isinstance(email, Email) else Email(email).value
        return await self._store.one(schema.users.c.email == address)

    async def save(self, user: User) -> None:
        """Replace a user; ``NotFound(kind="user")``; ``Conflict(what="email")``."""
        require_instance(user, User, "user")
        await self._store.save(user)


# -- reviews ------------------------------------------------------------------------------------

_REVIEWS: Final = _Spec[Review](
    table=schema.reviews,
    kind="review",
    key_of=lambda r: r.review_id,
    values_of=rows.review_values,
    from_row=rows.review_from,
    id_name="review_id",
    unique={
        frozenset({"movie_id", "user_id"}): lambda r: ReviewExists(
            movie_id=r.movie_id, user_id=r.user_id
        )
    },
    parents=(
        _Parent("movie_id", schema.movies, "movie"),
        _Parent("user_id", schema.users, "user"),
    ),
)


class SqlReviewRepository:
    """:class:`~bookmyshow.ports.repositories.ReviewRepository` in a SQL unit of work.

    Reviews are not tied to movie or user rows (migration ``0002``).  Writes here bypass the
    helpful votes and rating summaries that :class:`~bookmyshow.adapters.sql.reviews.
    SqlReviewStore` (the ``ReviewStore`` port, what the services use) keeps; its ``recompute``
    repairs a summary.  Newest first means ``created_at`` descending, then id descending.
    """

    def __init__(self, session: UnitSession) -> None:
        self._session = session
        self._store = _Store(session, _REVIEWS)

    async def add(self, review: Review) -> None:
        """Insert a new review; ``Conflict(what="review_id")`` for a duplicate id, else
        ``ReviewExists`` when the user already reviewed the movie."""
        require_instance(review, Review, "review")
        await self._store.add(review)

    async def get(self, review_id: str) -> Review:
        """The review; ``NotFound(kind="review")``."""
        return await self._store.get(require_text(review_id, "review_id"))

    async def save(self, review: Review) -> None:
        """Replace a review; ``NotFound(kind="review")``; ``ReviewExists`` if it now collides
        with another review by the same user of the same movie."""
        require_instance(review, Review, "review")
        await self._store.save(review)

    async def remove(self, review_id: str) -> Review:
        """Delete the review and return it; ``NotFound(kind="review")``."""
        return await self._store.remove(require_text(review_id, "review_id"))

    async def by_author(self, movie_id: str, user_id: str) -> Review | None:
        """The user's review of the movie, if any."""
        table = schema.reviews
        movie = require_text(movie_id, "movie_id")
        user = require_text(user_id, "user_id")
        return await self._store.one((table.c.movie_id == movie) & (table.c.user_id == user))

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
        table = schema.reviews
        return await self._store.load(
            table.c.movie_id == key,
            order_by=_newest_first(table.c.created_at, table.c.review_id),
            limit=limit,
            offset=offset,
        )

    async def ratings_of(self, movie_id: str) -> Sequence[int]:
        """Every rating given to the movie, in review id order."""
        key = require_text(movie_id, "movie_id")
        table = schema.reviews
        statement = (
            select(table.c.rating).where(table.c.movie_id == key).order_by(table.c.review_id)
        )
        return [row["rating"] for row in await self._session.fetch(statement)]


# -- coupons ------------------------------------------------------------------------------------

_COUPONS: Final = _Spec[Coupon](
    table=schema.coupons,
    kind="coupon",
    key_of=lambda c: c.code,
    values_of=rows.coupon_values,
    from_row=rows.coupon_from,
    id_name="coupon_code",
)


class SqlCouponRepository:
    """:class:`~bookmyshow.ports.repositories.CouponRepository` in a SQL unit of work.

    The normalised code is the coupon's key; lookups normalise with the very converter
    :class:`~bookmyshow.domain.coupons.Coupon` applies to its own code.  Windows are compared as
    instants (stored in UTC).
    """

    def __init__(self, session: UnitSession) -> None:
        self._store = _Store(session, _COUPONS)

    async def add(self, coupon: Coupon) -> None:
        """Insert a new coupon; ``Conflict(what="coupon_code")`` if its code exists."""
        require_instance(coupon, Coupon, "coupon")
        await self._store.add(coupon)

    async def get(self, code: str) -> Coupon:
        """The coupon with this code (normalised first); ``NotFound(kind="coupon")``."""
        return await self._store.get(_coupon_code(code))

    async def save(self, coupon: Coupon) -> None:
        """Replace a stored coupon; ``NotFound(kind="coupon")`` if it was never added."""
        require_instance(coupon, Coupon, "coupon")
        await self._store.save(coupon)

    async def list(self, *, valid_at: datetime | None = None) -> Sequence[Coupon]:
        """Every coupon (with ``valid_at``, only those valid then: ``valid_from`` inclusive,
        ``valid_until`` exclusive), ordered by code; InvalidInput for a naive ``valid_at``."""
        table = schema.coupons
        where = None
        if valid_at is not None:
            at = require_aware(valid_at, "valid_at")
            where = (table.c.valid_from <= at) & (table.c.valid_until > at)
        return await self._store.load(where, order_by=(table.c.code,))
