"""Wire shapes of the browsing routes: cities, theaters, movies, search, show listings and seat
maps.

Money is :class:`~bookmyshow.app.schemas.common.MoneyRead` (integer paise); ratings and
coordinates are decimal strings (``"8.3"``, ``"12.930000"``), never floats; instants are ISO 8601
with an offset (``starts_at`` in UTC, ``local_starts_at`` in the theater's zone).
"""

from __future__ import annotations

from datetime import date, datetime

from attrs import frozen

from bookmyshow.app.schemas.common import MoneyRead, whole_minutes
from bookmyshow.domain.catalog import Movie
from bookmyshow.domain.search import Facet, SearchHit, SearchResult, Suggestion
from bookmyshow.domain.venues import City, Theater
from bookmyshow.services.browsing import (
    CategoryAvailability,
    SeatMap,
    SeatMapStatus,
    SeatView,
    ShowListing,
)

__all__ = [
    "CategoryAvailabilityRead",
    "CityRead",
    "FacetCountRead",
    "GeoPointRead",
    "MovieRead",
    "SearchHitRead",
    "SearchPageRead",
    "SeatCategoryRead",
    "SeatMapRead",
    "SeatRead",
    "SeatRowRead",
    "ShowListingRead",
    "SuggestionRead",
    "TheaterRead",
]


@frozen(kw_only=True)
class CityRead:
    """A city with theaters; ``time_zone`` is an IANA name (``Asia/Kolkata``)."""

    city_id: str
    name: str
    state: str
    time_zone: str

    @classmethod
    def of(cls, city: City) -> CityRead:
        """The wire shape of ``city``."""
        return cls(city_id=city.city_id, name=city.name, state=city.state, time_zone=city.time_zone)


@frozen(kw_only=True)
class GeoPointRead:
    """A WGS 84 position in degrees, as decimal strings with six decimals."""

    lat: str
    lon: str


@frozen(kw_only=True)
class TheaterRead:
    """A cinema of a city; ``amenities`` are lower-case tags, sorted."""

    theater_id: str
    name: str
    city_id: str
    address: str
    location: GeoPointRead
    time_zone: str
    amenities: list[str]

    @classmethod
    def of(cls, theater: Theater) -> TheaterRead:
        """The wire shape of ``theater``."""
        return cls(
            theater_id=theater.theater_id,
            name=theater.name,
            city_id=theater.city_id,
            address=theater.address,
            location=GeoPointRead(lat=str(theater.location.lat), lon=str(theater.location.lon)),
            time_zone=theater.time_zone,
            amenities=sorted(theater.amenities),
        )


@frozen(kw_only=True)
class MovieRead:
    """A movie of the catalog.

    ``status`` is ``active`` (now showing), ``coming_soon`` or ``inactive`` (retired);
    ``rating`` is the average review rating on 1..10 rounded to one decimal (``null`` when
    ``rating_count`` is 0); ``formats`` are sorted.
    """

    movie_id: str
    title: str
    description: str
    languages: list[str]
    genres: list[str]
    cast: list[str]
    director: str
    duration_minutes: int
    release_date: date
    certificate: str
    formats: list[str]
    status: str
    rating: str | None
    rating_count: int
    popularity: int

    @classmethod
    def of(cls, movie: Movie) -> MovieRead:
        """The wire shape of ``movie``."""
        return cls(
            movie_id=movie.movie_id,
            title=movie.title,
            description=movie.description,
            languages=list(movie.languages),
            genres=list(movie.genres),
            cast=list(movie.cast),
            director=movie.director,
            duration_minutes=whole_minutes(movie.duration),
            release_date=movie.release_date,
            certificate=movie.certificate.value,
            formats=sorted(f.value for f in movie.formats),
            status=movie.status.value,
            rating=None if movie.rating is None else str(movie.rating),
            rating_count=movie.rating_count,
            popularity=movie.popularity,
        )


@frozen(kw_only=True)
class SearchHitRead:
    """One movie found: the movie, its relevance ``score`` (0 without text) and its title with
    the matching words wrapped in ``<em>`` (HTML-escaped; ``null`` when no title word
    matched)."""

    score: int
    highlight: str | None
    movie: MovieRead

    @classmethod
    def of(cls, hit: SearchHit, movie: Movie) -> SearchHitRead:
        """The wire shape of ``hit``, whose movie is ``movie``."""
        return cls(score=hit.score, highlight=hit.highlight, movie=MovieRead.of(movie))


@frozen(kw_only=True)
class FacetCountRead:
    """How many matching movies have ``value``."""

    value: str
    count: int


@frozen(kw_only=True)
class SearchPageRead:
    """A page of search results.

    ``total`` counts every matching movie; ``items`` are page ``page`` (from 1) of ``size``
    hits.  ``facets`` has the keys ``genres``, ``languages`` and ``formats``, each listing the
    values of every matching movie (not only this page) with their counts, most frequent first.
    """

    items: list[SearchHitRead]
    total: int
    page: int
    size: int
    facets: dict[str, list[FacetCountRead]]

    @classmethod
    def of(
        cls, result: SearchResult, items: list[SearchHitRead], *, page: int, size: int
    ) -> SearchPageRead:
        """The wire shape of ``result`` with its hits shaped as ``items``."""
        facets = {
            facet.value: [
                FacetCountRead(value=c.value, count=c.count) for c in result.facets.get(facet, ())
            ]
            for facet in Facet
        }
        return cls(items=items, total=result.total, page=page, size=size, facets=facets)


@frozen(kw_only=True)
class SuggestionRead:
    """A title completion."""

    movie_id: str
    title: str

    @classmethod
    def of(cls, suggestion: Suggestion) -> SuggestionRead:
        """The wire shape of ``suggestion``."""
        return cls(movie_id=suggestion.movie_id, title=suggestion.title)


@frozen(kw_only=True)
class CategoryAvailabilityRead:
    """One seat category of a show: its base price (before fees and taxes), its sellable seats
    and how many of them are neither held nor sold."""

    category: str
    price: MoneyRead
    seats_total: int
    seats_left: int

    @classmethod
    def of(cls, category: CategoryAvailability) -> CategoryAvailabilityRead:
        """The wire shape of ``category``."""
        return cls(
            category=category.category,
            price=MoneyRead.of(category.price),
            seats_total=category.seats_total,
            seats_left=category.seats_left,
        )


@frozen(kw_only=True)
class ShowListingRead:
    """A bookable show: the movie, where (theater, screen), when, in what format and language,
    and the seats left per category (front to back) and in all."""

    show_id: str
    movie_id: str
    movie_title: str
    theater_id: str
    theater_name: str
    screen_id: str
    screen_name: str
    starts_at: datetime
    """The UTC instant."""
    local_starts_at: datetime
    """The same instant in the theater's zone (what the ticket shows)."""
    format: str
    language: str
    seats_left: int
    categories: list[CategoryAvailabilityRead]

    @classmethod
    def of(cls, listing: ShowListing) -> ShowListingRead:
        """The wire shape of ``listing``."""
        return cls(
            show_id=listing.show_id,
            movie_id=listing.movie_id,
            movie_title=listing.movie_title,
            theater_id=listing.theater_id,
            theater_name=listing.theater_name,
            screen_id=listing.screen_id,
            screen_name=listing.screen_name,
            starts_at=listing.starts_at,
            local_starts_at=listing.local_starts_at,
            format=listing.format.value,
            language=listing.language,
            seats_left=listing.seats_left,
            categories=[CategoryAvailabilityRead.of(c) for c in listing.categories],
        )


@frozen(kw_only=True)
class SeatRead:
    """One seat of a show.

    ``seat_id`` is what holds take (``POST /api/shows/{show_id}/holds`` with ``seats``); it is
    the seat's label (``"B7"``: row and number).  ``column`` counts cells from the row's left
    end from 0, gaps included, so seats line up across rows.  ``status`` is ``available``, ``held``
    (in someone's live hold), ``sold`` or ``blocked`` (not sellable in this layout);
    ``held_by_you`` marks seats the caller holds.  ``price`` is the category's base price.
    """

    seat_id: str
    label: str
    row: str
    number: int
    column: int
    category: str
    status: SeatMapStatus
    price: MoneyRead
    wheelchair: bool
    held_by_you: bool

    @classmethod
    def of(cls, seat: SeatView) -> SeatRead:
        """The wire shape of ``seat``."""
        return cls(
            seat_id=seat.label,
            label=seat.label,
            row=seat.row,
            number=seat.number,
            column=seat.column,
            category=seat.category,
            status=seat.status,
            price=MoneyRead.of(seat.price),
            wheelchair=seat.wheelchair,
            held_by_you=seat.held_by_you,
        )


@frozen(kw_only=True)
class SeatRowRead:
    """A row of seats, left to right."""

    row: str
    category: str
    """The category of the row's first seat (layouts give each row one category)."""
    seats: list[SeatRead]


@frozen(kw_only=True)
class SeatCategoryRead:
    """How a seat category of a show stands: its base price and how many of its seats are
    available, held and sold (``seats_total`` counts its sellable seats, i.e. all three)."""

    category: str
    price: MoneyRead
    seats_total: int
    available: int
    held: int
    sold: int


@frozen(kw_only=True)
class SeatMapRead:
    """Everything the seat page draws for a show.

    ``show`` is the listing (movie, theater, screen, times, seats left); ``rows`` are the
    screen's rows front (nearest the screen) to back, each with its seats left to right;
    ``categories`` follow the same front-to-back order with per-status counts.  ``bookable`` is
    false once the show has started or was cancelled: the map still shows what was sold, but
    nothing can be held.  The map is a snapshot; subscribe to ``/api/shows/{show_id}/live``
    for changes.
    """

    show: ShowListingRead
    bookable: bool
    rows: list[SeatRowRead]
    categories: list[SeatCategoryRead]

    @classmethod
    def of(cls, seat_map: SeatMap) -> SeatMapRead:
        """The wire shape of ``seat_map``."""
        rows: dict[str, list[SeatRead]] = {}
        for seat in seat_map.seats:
            rows.setdefault(seat.row, []).append(SeatRead.of(seat))
        categories = []
        for availability in seat_map.show.categories:
            name = availability.category
            categories.append(
                SeatCategoryRead(
                    category=name,
                    price=MoneyRead.of(availability.price),
                    seats_total=availability.seats_total,
                    available=seat_map.count(SeatMapStatus.AVAILABLE, name),
                    held=seat_map.count(SeatMapStatus.HELD, name),
                    sold=seat_map.count(SeatMapStatus.SOLD, name),
                )
            )
        return cls(
            show=ShowListingRead.of(seat_map.show),
            bookable=seat_map.bookable,
            rows=[
                SeatRowRead(row=row, category=seats[0].category, seats=seats)
                for row, seats in rows.items()
            ],
            categories=categories,
        )
