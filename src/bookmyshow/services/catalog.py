"""Admin use cases: the movie catalog, cities, theaters, screens and show scheduling.

Every method takes the acting :class:`~bookmyshow.domain.users.Principal` first and checks it
against :data:`~bookmyshow.domain.users.PERMISSIONS` before changing anything:

* movies and cities (``manage_catalog``): platform admins only;
* theaters and screens (``manage_theater``): platform admins anywhere; a theater admin only in
  the theaters of ``principal.theater_ids`` — so only a platform admin creates a theater (a new
  theater is in nobody's list yet);
* shows (``manage_show``): platform admins anywhere, theater admins on screens of their theaters.

Refusals raise :class:`~bookmyshow.domain.errors.PermissionDenied` and write nothing.  Every
change runs in one unit of work (:func:`~bookmyshow.services._units.in_unit`), so a refused or
failed change leaves nothing half-written, and its events are published only after the commit.
Show cancellation is not here: it refunds bookings, so the bookings service owns it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Final

from attrs import evolve

from bookmyshow.domain.catalog import Certificate, Format, Movie, MovieStatus, parse_enum
from bookmyshow.domain.errors import InvalidInput, PermissionDenied
from bookmyshow.domain.events import (
    MovieAdded,
    MovieChanged,
    MovieRetired,
    ScreenAdded,
    ShowScheduled,
    TheaterAdded,
    TheaterChanged,
)
from bookmyshow.domain.holds import require_aware
from bookmyshow.domain.layouts import RowSpec, SeatLayout
from bookmyshow.domain.money import Money
from bookmyshow.domain.shows import Show, schedule_show
from bookmyshow.domain.users import (
    PERMISSIONS,
    Action,
    Principal,
    Resource,
    ResourceKind,
    Role,
    require,
)
from bookmyshow.domain.validation import require_bool, require_collection, require_instance, shift
from bookmyshow.domain.venues import City, GeoPoint, Screen, Theater
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services._units import in_unit, read_unit
from bookmyshow.services.context import Policies, Ports

__all__ = ["DEFAULT_TIME_ZONE", "VIEW_CATALOG", "Catalog"]

DEFAULT_TIME_ZONE: Final = "Asia/Kolkata"
"""The zone a new city gets unless told otherwise."""

VIEW_CATALOG: Final = "view_catalog"
"""The ``action`` a :class:`PermissionDenied` names when a non-admin reads the admin catalog."""

# Whoever the tables let manage the catalog or some show may read the whole catalog (retired
# movies included) to schedule shows; everyone else reads it through Browsing.
_CATALOG_READERS: Final[frozenset[Role]] = frozenset(
    role for action in (Action.MANAGE_CATALOG, Action.MANAGE_SHOW) for role in PERMISSIONS[action]
)


def _texts(values: object, name: str) -> tuple[str, ...]:
    # The domain refuses a bare string, but only if it arrives unsplit: tuple("Hindi") would
    # become five one-letter languages, so the collection is checked before it is copied.
    out: list[str] = []
    for index, value in enumerate(require_collection(values, name)):
        if not isinstance(value, str):
            raise InvalidInput(field=f"{name}[{index}]", reason="must be a string")
        out.append(value)
    return tuple(out)


def _formats(values: object, name: str) -> frozenset[Format]:
    return frozenset(parse_enum(Format, v, name) for v in require_collection(values, name))


def _layout(rows: object) -> SeatLayout:
    if isinstance(rows, SeatLayout):
        return rows
    if isinstance(rows, str | bytes | Mapping) or not isinstance(rows, Iterable):
        raise InvalidInput(field="rows", reason="a SeatLayout or (label, category, cells) rows")
    return SeatLayout.from_rows(rows)


def _catalog_reader(actor: Principal) -> None:
    require_instance(actor, Principal, "actor")
    if not actor.roles & _CATALOG_READERS:
        raise PermissionDenied(
            action=VIEW_CATALOG,
            resource=str(ResourceKind.MOVIE),
            reason="only admins read the admin catalog; use Browsing",
        )


def _changed(before: object, after: object, names: Iterable[str]) -> frozenset[str]:
    return frozenset(n for n in names if getattr(before, n) != getattr(after, n))


class Catalog:
    """Admin use cases over the catalog, venues and show schedule (see the module)."""

    def __init__(self, ports: Ports, policies: Policies) -> None:
        """Use ``ports`` and ``policies`` (the schedule's cleaning buffer, unit retries)."""
        self._ports = ports
        self._policies = policies

    # --- movies ----------------------------------------------------------------------------

    async def add_movie(
        self,
        actor: Principal,
        *,
        title: str,
        languages: Sequence[str],
        duration: timedelta,
        release_date: date,
        certificate: Certificate | str,
        formats: Iterable[Format | str] = (Format.TWO_D,),
        description: str = "",
        genres: Sequence[str] = (),
        cast: Sequence[str] = (),
        director: str = "",
        status: MovieStatus | str = MovieStatus.ACTIVE,
    ) -> Movie:
        """Add a movie (id ``mov_…``) and publish ``MovieAdded``; returns it.

        ``status`` may be ``coming_soon`` for a movie announced before release.  Raises
        :class:`PermissionDenied` unless ``actor`` is a platform admin, and
        :class:`InvalidInput` for any field :class:`~bookmyshow.domain.catalog.Movie` refuses.
        """
        require(actor, Action.MANAGE_CATALOG, Resource(kind=ResourceKind.MOVIE))
        now = self._ports.clock.now()
        movie = Movie(
            movie_id=self._ports.ids.new_id("mov"),
            title=title,
            languages=_texts(languages, "languages"),
            duration=duration,
            release_date=release_date,
            certificate=parse_enum(Certificate, certificate, "certificate"),
            formats=_formats(formats, "formats"),
            description=description,
            genres=_texts(genres, "genres"),
            cast=_texts(cast, "cast"),
            director=director,
            status=parse_enum(MovieStatus, status, "status"),
        )

        async def step(uow: UnitOfWork) -> Movie:
            await uow.movies.add(movie)
            uow.record(MovieAdded(occurred_at=now, movie_id=movie.movie_id, title=movie.title))
            return movie

        return await in_unit(self._ports, self._policies, step)

    async def update_movie(
        self,
        actor: Principal,
        movie_id: str,
        *,
        title: str | None = None,
        languages: Sequence[str] | None = None,
        duration: timedelta | None = None,
        release_date: date | None = None,
        certificate: Certificate | str | None = None,
        formats: Iterable[Format | str] | None = None,
        description: str | None = None,
        genres: Sequence[str] | None = None,
        cast: Sequence[str] | None = None,
        director: str | None = None,
    ) -> Movie:
        """Change the given details of a movie (``None`` keeps a field); returns the movie.

        Status has its own use cases (:meth:`retire_movie`, :meth:`activate_movie`) and the
        rating belongs to reviews.  Shows already scheduled keep their runtime.  Publishes
        ``MovieChanged`` naming the fields whose value really changed; when none did, nothing is
        saved or published.  Raises :class:`PermissionDenied` unless ``actor`` is a platform
        admin, ``NotFound`` for an unknown movie and :class:`InvalidInput` for a bad value.
        """
        require(
            actor, Action.MANAGE_CATALOG, Resource(kind=ResourceKind.MOVIE, resource_id=movie_id)
        )
        changes: dict[str, Any] = {}
        if title is not None:
            changes["title"] = title
        if languages is not None:
            changes["languages"] = _texts(languages, "languages")
        if duration is not None:
            changes["duration"] = duration
        if release_date is not None:
            changes["release_date"] = release_date
        if certificate is not None:
            changes["certificate"] = parse_enum(Certificate, certificate, "certificate")
        if formats is not None:
            changes["formats"] = _formats(formats, "formats")
        if description is not None:
            changes["description"] = description
        if genres is not None:
            changes["genres"] = _texts(genres, "genres")
        if cast is not None:
            changes["cast"] = _texts(cast, "cast")
        if director is not None:
            changes["director"] = director
        now = self._ports.clock.now()

        async def step(uow: UnitOfWork) -> Movie:
            movie = await uow.movies.get(movie_id)
            updated = evolve(movie, **changes)
            changed = _changed(movie, updated, changes)
            if not changed:
                return movie
            await uow.movies.save(updated)
            uow.record(MovieChanged(occurred_at=now, movie_id=movie_id, changed=changed))
            return updated

        return await in_unit(self._ports, self._policies, step)

    async def retire_movie(self, actor: Principal, movie_id: str) -> Movie:
        """Mark a movie inactive: it keeps its shows and reviews but gets no new shows.

        Publishes ``MovieRetired``; retiring a retired movie changes and publishes nothing.
        Raises :class:`PermissionDenied` unless ``actor`` is a platform admin and ``NotFound``
        for an unknown movie.
        """
        require(
            actor, Action.MANAGE_CATALOG, Resource(kind=ResourceKind.MOVIE, resource_id=movie_id)
        )
        now = self._ports.clock.now()

        async def step(uow: UnitOfWork) -> Movie:
            movie = await uow.movies.get(movie_id)
            if movie.status is MovieStatus.INACTIVE:
                return movie
            retired = movie.retire()
            await uow.movies.save(retired)
            uow.record(MovieRetired(occurred_at=now, movie_id=movie_id))
            return retired

        return await in_unit(self._ports, self._policies, step)

    async def activate_movie(self, actor: Principal, movie_id: str) -> Movie:
        """Mark a movie active (now showing), from retired or coming soon.

        Publishes ``MovieChanged`` with ``changed={"status"}``; activating an active movie
        changes and publishes nothing.  Raises :class:`PermissionDenied` unless ``actor`` is a
        platform admin and ``NotFound`` for an unknown movie.
        """
        require(
            actor, Action.MANAGE_CATALOG, Resource(kind=ResourceKind.MOVIE, resource_id=movie_id)
        )
        now = self._ports.clock.now()

        async def step(uow: UnitOfWork) -> Movie:
            movie = await uow.movies.get(movie_id)
            if movie.status is MovieStatus.ACTIVE:
                return movie
            active = movie.activate()
            await uow.movies.save(active)
            uow.record(
                MovieChanged(occurred_at=now, movie_id=movie_id, changed=frozenset({"status"}))
            )
            return active

        return await in_unit(self._ports, self._policies, step)

    async def get_movie(self, actor: Principal, movie_id: str) -> Movie:
        """The movie, whatever its status.

        Allowed to theater and platform admins; raises :class:`PermissionDenied` (action
        :data:`VIEW_CATALOG`) for anyone else and ``NotFound`` for an unknown movie.
        """
        _catalog_reader(actor)

        async def read(uow: UnitOfWork) -> Movie:
            return await uow.movies.get(movie_id)

        return await read_unit(self._ports, read)

    async def list_movies(
        self, actor: Principal, *, status: MovieStatus | str | None = None
    ) -> Sequence[Movie]:
        """Every movie (only those in ``status`` if given), ordered by id.

        Allowed to theater and platform admins; raises :class:`PermissionDenied` (action
        :data:`VIEW_CATALOG`) for anyone else and :class:`InvalidInput` for an unknown status.
        """
        _catalog_reader(actor)
        wanted = None if status is None else parse_enum(MovieStatus, status, "status")

        async def read(uow: UnitOfWork) -> Sequence[Movie]:
            return await uow.movies.list(status=wanted)

        return await read_unit(self._ports, read)

    # --- cities ----------------------------------------------------------------------------

    async def add_city(
        self, actor: Principal, *, name: str, state: str = "", time_zone: str = DEFAULT_TIME_ZONE
    ) -> City:
        """Add a city (id ``cty_…``); returns it.

        Raises :class:`PermissionDenied` unless ``actor`` is a platform admin, and
        :class:`InvalidInput` for an empty name or an unknown IANA time zone.
        """
        require(actor, Action.MANAGE_CATALOG, Resource(kind=ResourceKind.CITY))
        city = City(
            city_id=self._ports.ids.new_id("cty"), name=name, state=state, time_zone=time_zone
        )

        async def step(uow: UnitOfWork) -> City:
            await uow.venues.add_city(city)
            return city

        return await in_unit(self._ports, self._policies, step)

    # --- theaters and screens --------------------------------------------------------------

    async def add_theater(
        self,
        actor: Principal,
        *,
        name: str,
        city_id: str,
        address: str,
        location: GeoPoint,
        time_zone: str | None = None,
        amenities: Iterable[str] = (),
    ) -> Theater:
        """Add a theater (id ``thr_…``) to a city and publish ``TheaterAdded``; ``time_zone``
        defaults to the city's.

        Only a platform admin may: a theater admin manages the theaters listed on their account,
        and a new theater is on nobody's list yet.  Raises :class:`PermissionDenied` otherwise,
        ``NotFound`` for an unknown city and :class:`InvalidInput` for a bad field.
        """
        require(actor, Action.MANAGE_THEATER, Resource(kind=ResourceKind.THEATER))
        theater_id = self._ports.ids.new_id("thr")
        tags = _texts(amenities, "amenities")
        now = self._ports.clock.now()

        async def step(uow: UnitOfWork) -> Theater:
            city = await uow.venues.get_city(city_id)
            theater = Theater(
                theater_id=theater_id,
                name=name,
                city_id=city.city_id,
                address=address,
                location=location,
                time_zone=city.time_zone if time_zone is None else time_zone,
                amenities=frozenset(tags),
            )
            await uow.venues.add_theater(theater)
            uow.record(TheaterAdded(occurred_at=now, theater_id=theater_id, city_id=city.city_id))
            return theater

        return await in_unit(self._ports, self._policies, step)

    async def update_theater(
        self,
        actor: Principal,
        theater_id: str,
        *,
        name: str | None = None,
        address: str | None = None,
        location: GeoPoint | None = None,
        time_zone: str | None = None,
        amenities: Iterable[str] | None = None,
    ) -> Theater:
        """Change the given details of a theater (``None`` keeps a field); returns the theater.

        A theater stays in its city.  Changing ``time_zone`` changes the local times shows are
        displayed in, not their instants.  Publishes ``TheaterChanged`` naming the fields whose
        value really changed; when none did, nothing is saved or published.  Allowed to a
        platform admin and to a theater admin of this theater; raises :class:`PermissionDenied`
        otherwise, ``NotFound`` for an unknown theater and :class:`InvalidInput` for a bad value.
        """
        require(actor, Action.MANAGE_THEATER, _theater(theater_id))
        changes: dict[str, Any] = {}
        if name is not None:
            changes["name"] = name
        if address is not None:
            changes["address"] = address
        if location is not None:
            changes["location"] = location
        if time_zone is not None:
            changes["time_zone"] = time_zone
        if amenities is not None:
            changes["amenities"] = frozenset(_texts(amenities, "amenities"))
        now = self._ports.clock.now()

        async def step(uow: UnitOfWork) -> Theater:
            theater = await uow.venues.get_theater(theater_id)
            updated = evolve(theater, **changes)
            changed = _changed(theater, updated, changes)
            if not changed:
                return theater
            await uow.venues.save_theater(updated)
            uow.record(
                TheaterChanged(
                    occurred_at=now,
                    theater_id=theater_id,
                    city_id=updated.city_id,
                    changed=changed,
                )
            )
            return updated

        return await in_unit(self._ports, self._policies, step)

    async def get_theater(self, actor: Principal, theater_id: str) -> Theater:
        """The theater.  Allowed to a platform admin and a theater admin of it; raises
        :class:`PermissionDenied` otherwise and ``NotFound`` for an unknown theater."""
        require(actor, Action.MANAGE_THEATER, _theater(theater_id))

        async def read(uow: UnitOfWork) -> Theater:
            return await uow.venues.get_theater(theater_id)

        return await read_unit(self._ports, read)

    async def add_screen(
        self,
        actor: Principal,
        *,
        theater_id: str,
        name: str,
        rows: SeatLayout | Iterable[RowSpec | tuple[str, str, str]],
        formats: Iterable[Format | str],
    ) -> Screen:
        """Add a screen (id ``scr_…``) to a theater and publish ``ScreenAdded``; ``rows`` is a
        layout or its rows as data.

        See :meth:`~bookmyshow.domain.layouts.SeatLayout.from_rows` for the row format.  Allowed
        to a platform admin and a theater admin of the theater; raises
        :class:`PermissionDenied` otherwise, ``NotFound`` for an unknown theater and
        :class:`InvalidInput` for a bad layout, name or format list.
        """
        require(
            actor, Action.MANAGE_THEATER, Resource(kind=ResourceKind.SCREEN, theater_id=theater_id)
        )
        screen = Screen(
            screen_id=self._ports.ids.new_id("scr"),
            theater_id=theater_id,
            name=name,
            layout=_layout(rows),
            formats=_formats(formats, "formats"),
        )
        now = self._ports.clock.now()

        async def step(uow: UnitOfWork) -> Screen:
            await uow.venues.add_screen(screen)
            uow.record(
                ScreenAdded(occurred_at=now, screen_id=screen.screen_id, theater_id=theater_id)
            )
            return screen

        return await in_unit(self._ports, self._policies, step)

    async def screens_of(self, actor: Principal, theater_id: str) -> Sequence[Screen]:
        """The theater's screens, ordered by name then id.

        Allowed to a platform admin and a theater admin of the theater; raises
        :class:`PermissionDenied` otherwise and ``NotFound`` for an unknown theater.
        """
        require(
            actor, Action.MANAGE_THEATER, Resource(kind=ResourceKind.SCREEN, theater_id=theater_id)
        )

        async def read(uow: UnitOfWork) -> Sequence[Screen]:
            await uow.venues.get_theater(theater_id)
            return await uow.venues.screens_of(theater_id)

        return await read_unit(self._ports, read)

    # --- shows -----------------------------------------------------------------------------

    async def schedule_show(
        self,
        actor: Principal,
        *,
        movie_id: str,
        screen_id: str,
        starts_at: datetime,
        format: Format | str,
        language: str,
        prices: Mapping[str, Money],
    ) -> Show:
        """Schedule a show (id ``shw_…``) of a movie on a screen; publishes ``ShowScheduled``.

        The screen is locked for the unit, so two schedulers racing for one free slot cannot
        both succeed: the loser is re-run on fresh reads and sees the winner's show.  Allowed to
        a platform admin and a theater admin of the screen's theater.  Raises
        :class:`PermissionDenied` otherwise; ``NotFound`` for an unknown screen or movie;
        ``ShowOverlap`` when the screen (plus the cleaning buffer of ``policies.schedule``) is
        busy; ``MovieNotSchedulable`` for a retired movie; :class:`InvalidInput` for a start
        that is naive, not in the future or before the release, a format the screen or movie
        lacks, a language the movie lacks, or prices that do not name exactly the screen's seat
        categories with positive amounts in one currency.
        """
        require_instance(actor, Principal, "actor")
        start = require_aware(starts_at, "starts_at")
        rules = self._policies.schedule
        now = self._ports.clock.now()
        show_id = self._ports.ids.new_id("shw")

        async def step(uow: UnitOfWork) -> Show:
            # The screen names the theater the permission depends on; only a permitted actor
            # goes on to lock it.
            seen = await uow.venues.get_screen(screen_id)
            require(
                actor,
                Action.MANAGE_SHOW,
                Resource(kind=ResourceKind.SHOW, theater_id=seen.theater_id),
            )
            screen = await uow.venues.get_screen(screen_id, for_update=True)
            movie = await uow.movies.get(movie_id)
            theater = await uow.venues.get_theater(screen.theater_id)
            # Busy intervals are [start, end + buffer): these are exactly the shows whose
            # interval can meet the new one's.
            busy_until = shift(
                shift(start, movie.duration, "starts_at"), rules.cleaning_buffer, "starts_at"
            )
            candidates = await uow.shows.on_screen(
                screen_id,
                starts_before=busy_until,
                ends_after=shift(start, -rules.cleaning_buffer, "starts_at"),
            )
            show = schedule_show(
                show_id=show_id,
                movie=movie,
                theater=theater,
                screen=screen,
                starts_at=start,
                format=format,
                language=language,
                prices=prices,
                existing=candidates,
                now=now,
                rules=rules,
            )
            await uow.shows.add(show)
            uow.record(
                ShowScheduled(
                    occurred_at=now,
                    show_id=show.show_id,
                    movie_id=show.movie_id,
                    theater_id=show.theater_id,
                    screen_id=show.screen_id,
                    starts_at=show.starts_at,
                )
            )
            return show

        return await in_unit(self._ports, self._policies, step)

    async def shows_of_theater(
        self,
        actor: Principal,
        theater_id: str,
        *,
        starts_from: datetime | None = None,
        starts_before: datetime | None = None,
        include_cancelled: bool = True,
    ) -> Sequence[Show]:
        """The theater's shows starting in ``[starts_from, starts_before)`` (either bound
        optional), cancelled ones too unless ``include_cancelled=False``, by start then id.

        Allowed to a platform admin and a theater admin of the theater; raises
        :class:`PermissionDenied` otherwise, ``NotFound`` for an unknown theater and
        :class:`InvalidInput` for a naive bound.
        """
        require(actor, Action.MANAGE_SHOW, Resource(kind=ResourceKind.SHOW, theater_id=theater_id))
        require_bool(include_cancelled, "include_cancelled")

        async def read(uow: UnitOfWork) -> Sequence[Show]:
            await uow.venues.get_theater(theater_id)
            return await uow.shows.find(
                theater_ids=(theater_id,),
                starts_from=starts_from,
                starts_before=starts_before,
                include_cancelled=include_cancelled,
            )

        return await read_unit(self._ports, read)


def _theater(theater_id: str) -> Resource:
    return Resource(kind=ResourceKind.THEATER, resource_id=theater_id, theater_id=theater_id)
