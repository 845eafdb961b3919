"""Public reads: cities, theaters, movies, show listings with seats left, and seat maps.

Every method takes the acting principal first for a uniform API, and every method is allowed to
everyone: ``None`` stands for an anonymous visitor, and no role changes what is returned except
that a seat map marks the seats the actor holds (:attr:`SeatView.held_by_you`).  Who holds any
other seat is never shown.

Show times are stored in UTC; listings carry both the instant and the wall-clock start in the
theater's zone, and "shows on a date" means the theater's local calendar date.  Seat states are
read live from the hold and sale stores through
:class:`~bookmyshow.services.inventory.SeatInventory`, after the catalog reads, so a listing is
a snapshot: a seat shown available may be taken a moment later (the hold decides).

With a cache (``ports.cache``, or a :class:`~bookmyshow.services.catalog_cache.CatalogCache`
given to :class:`Browsing`), a movie, a city's theaters and the static context of listings and
seat maps (show, movie, theater, screen) are read through it; seat states never are.  Subscribe
the cache to the event bus (:meth:`CatalogCache.subscribe`) so catalog changes invalidate it.

Unknown ids raise :class:`~bookmyshow.ports.errors.NotFound` from the repositories; a bad
argument raises :class:`~bookmyshow.domain.errors.InvalidInput`.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from attrs import frozen

from bookmyshow.domain.catalog import Format, Movie, MovieStatus, parse_enum
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.money import Money
from bookmyshow.domain.shows import Show
from bookmyshow.domain.users import Principal
from bookmyshow.domain.venues import City, Screen, Theater
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services._units import lagging_read
from bookmyshow.services.catalog_cache import CatalogCache, ShowContext
from bookmyshow.services.context import Policies, Ports
from bookmyshow.services.inventory import SeatInventory, SeatState, SeatStatus

__all__ = [
    "Browsing",
    "CategoryAvailability",
    "SeatMap",
    "SeatMapStatus",
    "SeatView",
    "ShowListing",
]

# Civil time zones span UTC-12 to UTC+14; a day's window widened by a day each way covers every
# zone, and the exact local date is checked per theater afterwards.
_ANY_ZONE_MARGIN = timedelta(days=1)


class SeatMapStatus(enum.StrEnum):
    """How a seat of a show looks on its seat map."""

    AVAILABLE = "available"
    HELD = "held"
    SOLD = "sold"
    BLOCKED = "blocked"
    """Not a sellable seat in this screen's layout; never available."""


@frozen(kw_only=True)
class CategoryAvailability:
    """One seat category of a show: its base price, sellable seats and seats still free.

    ``seats_total`` counts the category's seats that are not blocked; ``seats_left`` those of
    them that are neither held nor sold.
    """

    category: str
    price: Money
    seats_total: int
    seats_left: int


@frozen(kw_only=True)
class ShowListing:
    """A bookable show as a visitor sees it.

    ``starts_at`` is the UTC instant; ``local_starts_at`` the same instant in the theater's
    zone.  ``categories`` follow the layout's front-to-back order.
    """

    show_id: str
    movie_id: str
    movie_title: str
    theater_id: str
    theater_name: str
    screen_id: str
    screen_name: str
    starts_at: datetime
    local_starts_at: datetime
    format: Format
    language: str
    categories: tuple[CategoryAvailability, ...]

    @property
    def seats_left(self) -> int:
        """Free seats over every category."""
        return sum(c.seats_left for c in self.categories)


@frozen(kw_only=True)
class SeatView:
    """One seat on a seat map.

    ``price`` is the show's base price for the seat's category (before fees and taxes);
    ``held_by_you`` is true only for a held seat whose hold belongs to the acting user.
    """

    label: str
    row: str
    number: int
    column: int
    category: str
    status: SeatMapStatus
    price: Money
    wheelchair: bool
    held_by_you: bool = False


@frozen(kw_only=True)
class SeatMap:
    """Every seat of a show's screen, front row first and left to right, with the listing.

    ``bookable`` is false once the show has started or was cancelled: the map still shows
    what was sold, but nothing can be held.
    """

    show: ShowListing
    seats: tuple[SeatView, ...]
    bookable: bool

    def count(self, status: SeatMapStatus, category: str | None = None) -> int:
        """How many seats (of ``category``, if given) have ``status``."""
        return sum(
            1
            for s in self.seats
            if s.status is status and (category is None or s.category == category)
        )


def _check_actor(actor: Principal | None) -> None:
    if actor is not None and not isinstance(actor, Principal):
        raise InvalidInput(field="actor", reason="a Principal, or None for an anonymous visitor")


def _check_date(on: object) -> date:
    # A datetime is a date too, but "shows on" a calendar day must not silently drop its time.
    if not isinstance(on, date) or isinstance(on, datetime):
        raise InvalidInput(field="on", reason="must be a date")
    return on


def _local_day(on: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """``[local midnight of on, local midnight of the next day)`` as UTC instants."""
    try:
        start = datetime.combine(on, time(), tzinfo=zone).astimezone(UTC)
        end = datetime.combine(on + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    except OverflowError:
        raise InvalidInput(field="on", reason="out of range") from None
    return start, end


def _any_zone_day(on: date) -> tuple[datetime, datetime]:
    start, end = _local_day(on, ZoneInfo("UTC"))
    try:
        return start - _ANY_ZONE_MARGIN, end + _ANY_ZONE_MARGIN
    except OverflowError:
        raise InvalidInput(field="on", reason="out of range") from None


def _taken(states: Mapping[str, SeatState]) -> frozenset[str]:
    return frozenset(
        label
        for label, state in states.items()
        if state.status in (SeatStatus.HELD, SeatStatus.SOLD)
    )


def _availability(
    show: Show, screen: Screen, states: Mapping[str, SeatState]
) -> tuple[CategoryAvailability, ...]:
    taken = _taken(states)
    out: list[CategoryAvailability] = []
    for category in screen.layout.categories:
        sellable = screen.layout.sellable(category)
        out.append(
            CategoryAvailability(
                category=category,
                price=show.price_of(category),
                seats_total=len(sellable),
                seats_left=sum(1 for seat in sellable if seat.label not in taken),
            )
        )
    return tuple(out)


def _listing(
    show: Show,
    movie: Movie,
    theater: Theater,
    screen: Screen,
    states: Mapping[str, SeatState],
) -> ShowListing:
    return ShowListing(
        show_id=show.show_id,
        movie_id=movie.movie_id,
        movie_title=movie.title,
        theater_id=theater.theater_id,
        theater_name=theater.name,
        screen_id=screen.screen_id,
        screen_name=screen.name,
        starts_at=show.starts_at,
        local_starts_at=theater.local_time(show.starts_at),
        format=show.format,
        language=show.language,
        categories=_availability(show, screen, states),
    )


def _seat_status(blocked: bool, state: SeatState | None) -> SeatMapStatus:
    if blocked:
        return SeatMapStatus.BLOCKED
    if state is None or state.status is SeatStatus.AVAILABLE:
        return SeatMapStatus.AVAILABLE
    return SeatMapStatus.SOLD if state.status is SeatStatus.SOLD else SeatMapStatus.HELD


class _Loader:
    """Reads movies, theaters and screens once each within one read unit."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._movies: dict[str, Movie] = {}
        self._theaters: dict[str, Theater] = {}
        self._screens: dict[str, Screen] = {}

    def remember(self, theaters: Iterable[Theater]) -> None:
        for theater in theaters:
            self._theaters[theater.theater_id] = theater

    async def theater(self, theater_id: str) -> Theater:
        if theater_id not in self._theaters:
            self._theaters[theater_id] = await self._uow.venues.get_theater(theater_id)
        return self._theaters[theater_id]

    async def context(self, show: Show) -> ShowContext:
        if show.movie_id not in self._movies:
            self._movies[show.movie_id] = await self._uow.movies.get(show.movie_id)
        if show.screen_id not in self._screens:
            self._screens[show.screen_id] = await self._uow.venues.get_screen(show.screen_id)
        return ShowContext(
            show=show,
            movie=self._movies[show.movie_id],
            theater=await self.theater(show.theater_id),
            screen=self._screens[show.screen_id],
        )


class Browsing:
    """Public read use cases (see the module); every method is allowed to everyone."""

    def __init__(
        self, ports: Ports, policies: Policies, *, catalog_cache: CatalogCache | None = None
    ) -> None:
        """Use ``ports``; seat states are read with ``policies.claim_lease``.

        Catalog reads go through ``catalog_cache`` if given, else through a
        :class:`CatalogCache` with the default ttls over ``ports.cache`` when that is set, else
        straight to the store.  Raises :class:`InvalidInput` for a ``catalog_cache`` that is
        not a CatalogCache.
        """
        self._ports = ports
        self._inventory = SeatInventory(ports.holds, ports.sales, claim_lease=policies.claim_lease)
        if catalog_cache is None and ports.cache is not None:
            catalog_cache = CatalogCache(ports)
        if catalog_cache is not None and not isinstance(catalog_cache, CatalogCache):
            raise InvalidInput(field="catalog_cache", reason="a CatalogCache, or None")
        self._cache = catalog_cache

    @property
    def catalog_cache(self) -> CatalogCache | None:
        """The cache catalog reads go through (``None`` without one); subscribe it to the
        event bus so that catalog changes invalidate it."""
        return self._cache

    async def cities(self, actor: Principal | None) -> Sequence[City]:
        """Every city, ordered by name then id."""
        _check_actor(actor)

        async def read(uow: UnitOfWork) -> Sequence[City]:
            return await uow.venues.list_cities()

        return await lagging_read(self._ports, read)

    async def theaters(self, actor: Principal | None, city_id: str) -> Sequence[Theater]:
        """The city's theaters, ordered by name then id; ``NotFound`` for an unknown city."""
        _check_actor(actor)
        if self._cache is not None:
            return list(await self._cache.theaters_in_city(city_id))

        async def read(uow: UnitOfWork) -> Sequence[Theater]:
            await uow.venues.get_city(city_id)
            return await uow.venues.theaters_in_city(city_id)

        return await lagging_read(self._ports, read)

    async def movies(
        self, actor: Principal | None, *, status: MovieStatus | str | None = MovieStatus.ACTIVE
    ) -> Sequence[Movie]:
        """Movies in ``status`` (now showing by default; ``None`` for all), ordered by id.

        Raises :class:`InvalidInput` for an unknown status.
        """
        _check_actor(actor)
        wanted = None if status is None else parse_enum(MovieStatus, status, "status")

        async def read(uow: UnitOfWork) -> Sequence[Movie]:
            return await uow.movies.list(status=wanted)

        return await lagging_read(self._ports, read)

    async def movie(self, actor: Principal | None, movie_id: str) -> Movie:
        """The movie, whatever its status; ``NotFound`` for an unknown id."""
        _check_actor(actor)
        if self._cache is not None:
            return await self._cache.movie(movie_id)

        async def read(uow: UnitOfWork) -> Movie:
            return await uow.movies.get(movie_id)

        return await lagging_read(self._ports, read)

    async def shows(
        self,
        actor: Principal | None,
        *,
        movie_id: str | None = None,
        city_id: str | None = None,
        on: date | None = None,
    ) -> Sequence[ShowListing]:
        """Scheduled shows that have not started yet, ordered by start then id.

        Optionally only shows of ``movie_id``, in theaters of ``city_id``, and starting on the
        local calendar date ``on`` of their theater's zone (a show at 23:30 IST on the 5th is
        on the 5th, though it is 18:00 UTC).  Each listing carries the seats left per category.
        Raises ``NotFound`` for an unknown movie or city and :class:`InvalidInput` for an ``on``
        that is not a date.
        """
        _check_actor(actor)
        day = None if on is None else _check_date(on)
        now = self._ports.clock.now()

        cache = self._cache

        async def read(uow: UnitOfWork) -> tuple[Sequence[Show], list[ShowContext]]:
            loader = _Loader(uow)
            if movie_id is not None:
                await uow.movies.get(movie_id)
            if city_id is None:
                window = None if day is None else _any_zone_day(day)
                found = await self._find(uow, movie_id, None, window, now)
            else:
                await uow.venues.get_city(city_id)
                theaters = await uow.venues.theaters_in_city(city_id)
                loader.remember(theaters)
                found = await self._find_in(uow, movie_id, theaters, day, now)
            if cache is not None:
                return found, []
            return found, [await loader.context(show) for show in found]

        found, every = await lagging_read(self._ports, read)
        if cache is not None:
            # With a cache the shows are read fresh; only what they name comes from the cache.
            every = await cache.contexts(found)
        contexts = [
            c for c in every if day is None or c.theater.local_time(c.show.starts_at).date() == day
        ]
        listings: list[ShowListing] = []
        for c in contexts:
            states = await self._inventory.seat_states(c.show.show_id, now)
            listings.append(_listing(c.show, c.movie, c.theater, c.screen, states))
        return listings

    async def _find_in(
        self,
        uow: UnitOfWork,
        movie_id: str | None,
        theaters: Sequence[Theater],
        day: date | None,
        now: datetime,
    ) -> list[Show]:
        if not theaters:
            return []
        ids = [t.theater_id for t in theaters]
        if day is None:
            return list(await self._find(uow, movie_id, ids, None, now))
        by_zone: dict[str, list[str]] = {}
        for theater in theaters:
            by_zone.setdefault(theater.time_zone, []).append(theater.theater_id)
        found: list[Show] = []
        for zone, zone_ids in by_zone.items():
            window = _local_day(day, ZoneInfo(zone))
            found.extend(await self._find(uow, movie_id, zone_ids, window, now))
        return sorted(found, key=lambda s: (s.starts_at, s.show_id))

    @staticmethod
    async def _find(
        uow: UnitOfWork,
        movie_id: str | None,
        theater_ids: Collection[str] | None,
        window: tuple[datetime, datetime] | None,
        now: datetime,
    ) -> Sequence[Show]:
        """Bookable shows matching the filters, starting inside ``window`` if given."""
        starts_from, starts_before = (now, None) if window is None else window
        if starts_before is not None and starts_before <= now:
            return []
        shows = await uow.shows.find(
            movie_id=movie_id,
            theater_ids=theater_ids,
            starts_from=max(starts_from, now),
            starts_before=starts_before,
        )
        # find's lower bound is inclusive; a show starting exactly now has started.
        return [s for s in shows if s.is_bookable(now)]

    async def show(self, actor: Principal | None, show_id: str) -> ShowListing:
        """One show's listing, as :meth:`shows` lists it, with the seats left per category.

        Answers for any stored show, also one that has started or was cancelled (which
        :meth:`shows` leaves out).  Raises ``NotFound`` (kind ``show``) for an unknown show.
        """
        _check_actor(actor)
        now = self._ports.clock.now()
        c = await self._show_context(show_id)
        states = await self._inventory.seat_states(show_id, now)
        return _listing(c.show, c.movie, c.theater, c.screen, states)

    async def _show_context(self, show_id: str) -> ShowContext:
        """The show with its movie, theater and screen: through the cache when there is one,
        else from a replica-tolerant read.  ``NotFound`` for an unknown show."""
        if self._cache is not None:
            return await self._cache.show_context(show_id)

        async def read(uow: UnitOfWork) -> ShowContext:
            return await _Loader(uow).context(await uow.shows.get(show_id))

        return await lagging_read(self._ports, read)

    async def seat_map(self, actor: Principal | None, show_id: str) -> SeatMap:
        """Every seat of the show's screen with its status and base price, and the listing.

        Blocked seats are ``blocked``; otherwise a sold seat is ``sold``, a seat in a live hold
        ``held`` (with ``held_by_you`` when the hold is the actor's) and any other seat
        ``available``.  Works for started and cancelled shows too (``bookable`` is then false).
        Raises ``NotFound`` for an unknown show.
        """
        _check_actor(actor)
        now = self._ports.clock.now()
        c = await self._show_context(show_id)
        states = await self._inventory.seat_states(show_id, now)
        me = None if actor is None else actor.user_id
        seats: list[SeatView] = []
        for seat in c.screen.layout:
            state = states.get(seat.label)
            status = _seat_status(seat.blocked, state)
            seats.append(
                SeatView(
                    label=seat.label,
                    row=seat.row,
                    number=seat.number,
                    column=seat.column,
                    category=seat.category,
                    status=status,
                    price=c.show.price_of(seat.category),
                    wheelchair=seat.wheelchair,
                    held_by_you=status is SeatMapStatus.HELD
                    and state is not None
                    and me is not None
                    and state.owner_id == me,
                )
            )
        return SeatMap(
            show=_listing(c.show, c.movie, c.theater, c.screen, states),
            seats=tuple(seats),
            bookable=c.show.is_bookable(now),
        )
