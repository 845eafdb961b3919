"""Routes: cities, theaters, movies (search, suggest, details), show listings and seat maps
(tag ``browsing``).

Everything here is open to anonymous visitors; a caller who sends an access token sees the seats
it holds marked on seat maps (and a bad token is still 401, never silently anonymous).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Final

from litestar import get
from litestar.params import Parameter, QueryParameter
from litestar.status_codes import HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN, HTTP_404_NOT_FOUND
from litestar.types import ControllerRouterHandler

from bookmyshow.app.dependencies import TicketingDep
from bookmyshow.app.errors import error_responses
from bookmyshow.app.schemas.browsing import (
    CityRead,
    MovieRead,
    SearchHitRead,
    SearchPageRead,
    SeatMapRead,
    ShowListingRead,
    SuggestionRead,
    TheaterRead,
)
from bookmyshow.app.schemas.common import wire_names
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.search import (
    DEFAULT_PAGE_SIZE,
    DEFAULT_STATUSES,
    DateRange,
    Facet,
    SearchQuery,
)
from bookmyshow.domain.users import Principal
from bookmyshow.ports.errors import NotFound

__all__ = [
    "ROUTES",
    "get_movie",
    "list_cities",
    "list_shows",
    "list_theaters",
    "search_movies",
    "seat_map",
    "suggest_movies",
]

_TAGS: Final = ["browsing"]

# The library names SearchQuery's fields; a client knows the query parameters.  An error about
# a field is reported under the parameter the client sent.
_PARAMETER_OF: Final = {
    "text": "q",
    "genres": "genre",
    "languages": "language",
    "formats": "format",
    "statuses": "status",
    "dates": "date",
    "dates.start": "date",
    "dates.end": "date",
    "page_size": "size",
    "offset": "page",
}
_SHOWS_PARAMETER_OF: Final = {"on": "date"}


@get(
    "/api/cities",
    operation_id="listCities",
    tags=_TAGS,
    responses=error_responses(HTTP_401_UNAUTHORIZED),
)
async def list_cities(ticketing: TicketingDep, viewer: Principal | None) -> list[CityRead]:
    """Every city, ordered by name."""
    return [CityRead.of(city) for city in await ticketing.browsing.cities(viewer)]


@get(
    "/api/cities/{city_id:str}/theaters",
    operation_id="listTheaters",
    tags=_TAGS,
    responses=error_responses(HTTP_401_UNAUTHORIZED, HTTP_404_NOT_FOUND),
)
async def list_theaters(
    ticketing: TicketingDep, viewer: Principal | None, city_id: str
) -> list[TheaterRead]:
    """The city's theaters, ordered by name; 404 for an unknown city."""
    theaters = await ticketing.browsing.theaters(viewer, city_id)
    return [TheaterRead.of(theater) for theater in theaters]


def _search_query(
    *,
    q: str,
    genre: list[str] | None,
    language: list[str] | None,
    format: list[str] | None,
    status: list[str] | None,
    city_id: str | None,
    on: date | None,
    min_rating: str | None,
    sort: str,
    page: int,
    size: int,
) -> SearchQuery:
    """The library's query for the parameters; InvalidInput names the parameter at fault."""
    if page < 1:
        raise InvalidInput(field="page", reason="a page number from 1")
    with wire_names(_PARAMETER_OF):
        return SearchQuery(
            text=q,
            genres=genre or (),
            languages=language or (),
            formats=format or (),
            statuses=status or DEFAULT_STATUSES,
            city_id=city_id,
            dates=None if on is None else DateRange(start=on, end=on),
            min_rating=min_rating,
            sort=sort,
            page_size=size,
            offset=(page - 1) * size,
            facets=frozenset(Facet),
        )


@get(
    "/api/movies",
    operation_id="searchMovies",
    tags=_TAGS,
    responses=error_responses(HTTP_401_UNAUTHORIZED, HTTP_403_FORBIDDEN),
)
async def search_movies(
    *,
    ticketing: TicketingDep,
    viewer: Principal | None,
    q: Annotated[
        str,
        Parameter(
            description="Text matched against title, cast, director and description, "
            "typo-tolerant; empty matches every movie."
        ),
    ] = "",
    genre: Annotated[list[str] | None, Parameter(description="Any of these genres.")] = None,
    language: Annotated[list[str] | None, Parameter(description="Any of these languages.")] = None,
    format: Annotated[
        list[str] | None,
        Parameter(description="Has an upcoming show in any of these formats (2D, 3D, IMAX, 4DX)."),
    ] = None,
    status: Annotated[
        list[str] | None,
        Parameter(description="active, coming_soon (default: both) or inactive (admins only)."),
    ] = None,
    city_id: Annotated[str | None, Parameter(description="Has an upcoming show here.")] = None,
    on: Annotated[
        date | None,
        QueryParameter(name="date", description="Has a show on this local date (YYYY-MM-DD)."),
    ] = None,
    min_rating: Annotated[
        str | None, Parameter(description="Rated at least this (a decimal from 1 to 10).")
    ] = None,
    sort: Annotated[
        str, Parameter(description="relevance, rating, release_date or popularity.")
    ] = "relevance",
    page: Annotated[int, Parameter(description="Page number, from 1.")] = 1,
    size: Annotated[int, Parameter(description="Hits per page, 1 to 100.")] = DEFAULT_PAGE_SIZE,
) -> SearchPageRead:
    """Search movies by text with filters, facets, a sort and pages.

    Filters combine with AND; repeat ``genre``, ``language``, ``format`` or ``status`` to accept
    any of several values.  ``city_id``, ``date`` and ``format`` describe one and the same
    upcoming show.  ``facets`` count genres, languages and formats over every matching movie.
    422 ``invalid_input`` naming the parameter for a bad value (``page * size`` may not pass
    10,000); 403 when a non-admin asks for inactive movies.
    """
    query = _search_query(
        q=q,
        genre=genre,
        language=language,
        format=format,
        status=status,
        city_id=city_id,
        on=on,
        min_rating=min_rating,
        sort=sort,
        page=page,
        size=size,
    )
    result = await ticketing.search.search(viewer, query)
    items: list[SearchHitRead] = []
    for hit in result.hits:
        try:
            movie = await ticketing.browsing.movie(viewer, hit.movie_id)
        except NotFound as exc:
            # The index follows the catalog through events; a movie deleted a moment ago may
            # still be a hit.  It is left out of the page rather than failing the search.
            if exc.kind != "movie":
                raise
            continue
        items.append(SearchHitRead.of(hit, movie))
    return SearchPageRead.of(result, items, page=page, size=size)


@get(
    "/api/movies/suggest",
    operation_id="suggestMovies",
    tags=_TAGS,
    responses=error_responses(HTTP_401_UNAUTHORIZED),
)
async def suggest_movies(
    ticketing: TicketingDep,
    viewer: Principal | None,
    prefix: Annotated[str, Parameter(description="What the visitor typed so far.")] = "",
    limit: Annotated[int, Parameter(description="At most this many, 1 to 20.")] = 10,
) -> list[SuggestionRead]:
    """Title completions for a search box: now-showing and coming-soon movies whose title
    continues ``prefix`` from some word on, most popular first (none for an empty prefix)."""
    suggestions = await ticketing.search.suggest(viewer, prefix, limit=limit)
    return [SuggestionRead.of(s) for s in suggestions]


@get(
    "/api/movies/{movie_id:str}",
    operation_id="getMovie",
    tags=_TAGS,
    responses=error_responses(HTTP_401_UNAUTHORIZED, HTTP_404_NOT_FOUND),
)
async def get_movie(ticketing: TicketingDep, viewer: Principal | None, movie_id: str) -> MovieRead:
    """A movie's details, whatever its status; 404 for an unknown id."""
    return MovieRead.of(await ticketing.browsing.movie(viewer, movie_id))


@get(
    "/api/shows",
    operation_id="listShows",
    tags=_TAGS,
    responses=error_responses(HTTP_401_UNAUTHORIZED, HTTP_404_NOT_FOUND),
)
async def list_shows(
    ticketing: TicketingDep,
    viewer: Principal | None,
    city_id: Annotated[str | None, Parameter(description="Only shows in this city.")] = None,
    movie_id: Annotated[str | None, Parameter(description="Only shows of this movie.")] = None,
    on: Annotated[
        date | None,
        QueryParameter(
            name="date",
            description="Only shows starting on this date in their theater's zone (YYYY-MM-DD).",
        ),
    ] = None,
) -> list[ShowListingRead]:
    """Upcoming shows, earliest first, each with its theater, screen, start (UTC and local),
    format, language, prices and seats left per category.  404 for an unknown city or movie;
    422 ``invalid_input`` naming ``date`` for a date out of range."""
    with wire_names(_SHOWS_PARAMETER_OF):
        listings = await ticketing.browsing.shows(viewer, movie_id=movie_id, city_id=city_id, on=on)
    return [ShowListingRead.of(listing) for listing in listings]


@get(
    "/api/shows/{show_id:str}/seats",
    operation_id="getSeatMap",
    tags=_TAGS,
    responses=error_responses(HTTP_401_UNAUTHORIZED, HTTP_404_NOT_FOUND),
)
async def seat_map(ticketing: TicketingDep, viewer: Principal | None, show_id: str) -> SeatMapRead:
    """The show's seat map: every seat by row with its id, category, price and status
    (available, held, sold, blocked), and availability per category.  With an access token,
    the caller's own held seats have ``held_by_you``.  404 for an unknown show."""
    return SeatMapRead.of(await ticketing.browsing.seat_map(viewer, show_id))


ROUTES: Final[list[ControllerRouterHandler]] = [
    list_cities,
    list_theaters,
    search_movies,
    suggest_movies,
    get_movie,
    list_shows,
    seat_map,
]
