"""Routes: the catalog, theaters, screens and shows as staff manage them (tag ``admin``).

Every route needs a token; the library decides who may do what (``docs/catalog.md``): cities,
movies and new theaters are for platform admins only; a theater's details, screens and shows are
for a platform admin and the theater admins of that theater.  Anyone else gets 403
``permission_denied`` before anything is looked up or written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final

from litestar import get, patch, post
from litestar.params import Parameter
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_401_UNAUTHORIZED,
    HTTP_403_FORBIDDEN,
    HTTP_404_NOT_FOUND,
    HTTP_409_CONFLICT,
)
from litestar.types import ControllerRouterHandler

from bookmyshow.app.dependencies import SECURED, TicketingDep
from bookmyshow.app.errors import error_responses
from bookmyshow.app.schemas.admin import (
    CityCreate,
    MovieCreate,
    MovieUpdate,
    ScreenCreate,
    ScreenRead,
    ShowCancellationCreate,
    ShowCancellationRead,
    ShowCreate,
    ShowRead,
    TheaterCreate,
    TheaterUpdate,
)
from bookmyshow.app.schemas.browsing import CityRead, MovieRead, TheaterRead
from bookmyshow.domain.users import Principal

__all__ = [
    "ROUTES",
    "activate_movie",
    "add_city",
    "add_movie",
    "add_screen",
    "add_theater",
    "cancel_show",
    "retire_movie",
    "schedule_show",
    "screens_of_theater",
    "shows_of_theater",
    "update_movie",
    "update_theater",
]

_TAGS: Final = ["admin"]
_DENIED: Final = (HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN)


# --- cities and movies (platform admins) -----------------------------------------------------


@post(
    "/api/admin/cities",
    operation_id="addCity",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(*_DENIED),
)
async def add_city(ticketing: TicketingDep, principal: Principal, data: CityCreate) -> CityRead:
    """Add a city (201); platform admins only.

    422 ``invalid_input`` for an empty name or an unknown IANA ``time_zone``.
    """
    city = await ticketing.catalog.add_city(
        principal, name=data.name, state=data.state, time_zone=data.time_zone
    )
    return CityRead.of(city)


@post(
    "/api/admin/movies",
    operation_id="addMovie",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(*_DENIED),
)
async def add_movie(ticketing: TicketingDep, principal: Principal, data: MovieCreate) -> MovieRead:
    """Add a movie to the catalog (201); platform admins only.

    422 ``invalid_input`` naming the field for an empty title or language list, a runtime
    outside 1 to 480 minutes, an unknown certificate, format or status.
    """
    movie = await ticketing.catalog.add_movie(
        principal,
        title=data.title,
        languages=data.languages,
        duration=data.duration(),
        release_date=data.release_date,
        certificate=data.certificate,
        formats=data.formats,
        description=data.description,
        genres=data.genres,
        cast=data.cast,
        director=data.director,
        status=data.status,
    )
    return MovieRead.of(movie)


@patch(
    "/api/admin/movies/{movie_id:str}",
    operation_id="updateMovie",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(*_DENIED, HTTP_404_NOT_FOUND),
)
async def update_movie(
    ticketing: TicketingDep, principal: Principal, movie_id: str, data: MovieUpdate
) -> MovieRead:
    """Change the given details of a movie; platform admins only.

    Fields left out (or ``null``) keep their value; shows already scheduled keep their runtime.
    404 for an unknown movie, 422 ``invalid_input`` naming a bad field.
    """
    movie = await ticketing.catalog.update_movie(
        principal,
        movie_id,
        title=data.title,
        languages=data.languages,
        duration=data.duration(),
        release_date=data.release_date,
        certificate=data.certificate,
        formats=data.formats,
        description=data.description,
        genres=data.genres,
        cast=data.cast,
        director=data.director,
    )
    return MovieRead.of(movie)


@post(
    "/api/admin/movies/{movie_id:str}/retirement",
    operation_id="retireMovie",
    tags=_TAGS,
    security=SECURED,
    status_code=HTTP_200_OK,
    responses=error_responses(*_DENIED, HTTP_404_NOT_FOUND),
)
async def retire_movie(ticketing: TicketingDep, principal: Principal, movie_id: str) -> MovieRead:
    """Retire a movie (status ``inactive``): it keeps its shows and reviews but gets no new shows.

    Retiring a retired movie changes nothing.  Platform admins only; 404 for an unknown movie.
    """
    return MovieRead.of(await ticketing.catalog.retire_movie(principal, movie_id))


@post(
    "/api/admin/movies/{movie_id:str}/activation",
    operation_id="activateMovie",
    tags=_TAGS,
    security=SECURED,
    status_code=HTTP_200_OK,
    responses=error_responses(*_DENIED, HTTP_404_NOT_FOUND),
)
async def activate_movie(ticketing: TicketingDep, principal: Principal, movie_id: str) -> MovieRead:
    """Make a retired or coming-soon movie active (now showing) again.

    Activating an active movie changes nothing.  Platform admins only; 404 for an unknown movie.
    """
    return MovieRead.of(await ticketing.catalog.activate_movie(principal, movie_id))


# --- theaters and screens --------------------------------------------------------------------


@post(
    "/api/admin/theaters",
    operation_id="addTheater",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(*_DENIED, HTTP_404_NOT_FOUND),
)
async def add_theater(
    ticketing: TicketingDep, principal: Principal, data: TheaterCreate
) -> TheaterRead:
    """Add a theater to a city (201); platform admins only (a new theater is on no theater
    admin's list yet).

    ``time_zone`` defaults to the city's.  404 for an unknown city, 422 ``invalid_input`` naming a
    bad field (``location.lat`` out of range, an unknown time zone, an empty name or address).
    """
    theater = await ticketing.catalog.add_theater(
        principal,
        name=data.name,
        city_id=data.city_id,
        address=data.address,
        location=data.location.point(),
        time_zone=data.time_zone,
        amenities=data.amenities,
    )
    return TheaterRead.of(theater)


@patch(
    "/api/admin/theaters/{theater_id:str}",
    operation_id="updateTheater",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(*_DENIED, HTTP_404_NOT_FOUND),
)
async def update_theater(
    ticketing: TicketingDep, principal: Principal, theater_id: str, data: TheaterUpdate
) -> TheaterRead:
    """Change the given details of a theater; its theater admins and platform admins.

    Fields left out (or ``null``) keep their value; a new ``time_zone`` changes the local times
    shows are displayed in, not their instants.  404 for an unknown theater, 422
    ``invalid_input`` naming a bad field.
    """
    theater = await ticketing.catalog.update_theater(
        principal,
        theater_id,
        name=data.name,
        address=data.address,
        location=None if data.location is None else data.location.point(),
        time_zone=data.time_zone,
        amenities=data.amenities,
    )
    return TheaterRead.of(theater)


@get(
    "/api/admin/theaters/{theater_id:str}/screens",
    operation_id="listTheaterScreens",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(*_DENIED, HTTP_404_NOT_FOUND),
)
async def screens_of_theater(
    ticketing: TicketingDep, principal: Principal, theater_id: str
) -> list[ScreenRead]:
    """The theater's screens with their layouts, by name; its theater admins and platform
    admins.  404 for an unknown theater."""
    screens = await ticketing.catalog.screens_of(principal, theater_id)
    return [ScreenRead.of(screen) for screen in screens]


@post(
    "/api/admin/theaters/{theater_id:str}/screens",
    operation_id="addScreen",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(*_DENIED, HTTP_404_NOT_FOUND),
)
async def add_screen(
    ticketing: TicketingDep, principal: Principal, theater_id: str, data: ScreenCreate
) -> ScreenRead:
    """Add a screen with its seat layout to a theater (201); its theater admins and platform
    admins.

    Each row is ``{row, category, seats}`` with ``seats`` read left to right: ``s`` a seat, ``w``
    a wheelchair-accessible seat, ``x`` a blocked seat, ``_`` an aisle (``"ssss_ssss"``).  404
    for an unknown theater, 422 ``invalid_input`` naming the bad row (``rows[1].seats``), a
    duplicate row, an empty name or an unknown format.
    """
    screen = await ticketing.catalog.add_screen(
        principal,
        theater_id=theater_id,
        name=data.name,
        rows=data.layout(),
        formats=data.formats,
    )
    return ScreenRead.of(screen)


# --- shows -------------------------------------------------------------------------------------


@post(
    "/api/admin/shows",
    operation_id="scheduleShow",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(*_DENIED, HTTP_404_NOT_FOUND, HTTP_409_CONFLICT),
)
async def schedule_show(
    ticketing: TicketingDep, principal: Principal, data: ShowCreate
) -> ShowRead:
    """Schedule a show of a movie on a screen (201); theater admins of the screen's theater and
    platform admins.

    404 for an unknown screen or movie; 409 ``show_overlap`` (details name the conflicting show)
    when the screen is busy, counting the cleaning buffer after each show, and 409
    ``movie_not_schedulable`` for a retired movie; 422 ``invalid_input`` for a start without an
    offset or not in the future or before the release, a format or language the movie or screen
    lacks, or prices that do not name exactly the screen's seat categories with positive paise.
    """
    show = await ticketing.catalog.schedule_show(
        principal,
        movie_id=data.movie_id,
        screen_id=data.screen_id,
        starts_at=data.starts_at,
        format=data.format,
        language=data.language,
        prices=data.money(ticketing.policies.currency),
    )
    return ShowRead.of(show)


@get(
    "/api/admin/theaters/{theater_id:str}/shows",
    operation_id="listTheaterShows",
    tags=_TAGS,
    security=SECURED,
    responses=error_responses(*_DENIED, HTTP_404_NOT_FOUND),
)
async def shows_of_theater(
    ticketing: TicketingDep,
    principal: Principal,
    theater_id: str,
    *,
    starts_from: Annotated[
        datetime | None,
        Parameter(description="Only shows starting at or after this instant (with offset)."),
    ] = None,
    starts_before: Annotated[
        datetime | None,
        Parameter(description="Only shows starting before this instant (with offset)."),
    ] = None,
    include_cancelled: Annotated[
        bool, Parameter(description="Whether cancelled shows are listed too.")
    ] = True,
) -> list[ShowRead]:
    """The theater's shows by start time, cancelled ones too unless
    ``include_cancelled=false``; its theater admins and platform admins.

    404 for an unknown theater, 422 ``invalid_input`` for a bound without an offset.
    """
    shows = await ticketing.catalog.shows_of_theater(
        principal,
        theater_id,
        starts_from=starts_from,
        starts_before=starts_before,
        include_cancelled=include_cancelled,
    )
    return [ShowRead.of(show) for show in shows]


@post(
    "/api/admin/shows/{show_id:str}/cancellation",
    operation_id="cancelShow",
    tags=_TAGS,
    security=SECURED,
    status_code=HTTP_200_OK,
    responses=error_responses(*_DENIED, HTTP_404_NOT_FOUND, HTTP_409_CONFLICT),
)
async def cancel_show(
    ticketing: TicketingDep, principal: Principal, show_id: str, data: ShowCancellationCreate
) -> ShowCancellationRead:
    """Cancel a show and refund every confirmed booking in full, fees included; its theater
    admins and platform admins.

    No hold, checkout or payment succeeds on the show afterwards.  Cancelling a cancelled show
    again finishes any refund an interrupted run left undone (the first reason stays).  404 for
    an unknown show, 422 ``invalid_input`` for an empty reason.
    """
    cancellation = await ticketing.operations.cancel_show(principal, show_id, data.reason)
    return ShowCancellationRead.of(cancellation)


ROUTES: Final[list[ControllerRouterHandler]] = [
    add_city,
    add_movie,
    update_movie,
    retire_movie,
    activate_movie,
    add_theater,
    update_theater,
    screens_of_theater,
    add_screen,
    schedule_show,
    shows_of_theater,
    cancel_show,
]
