"""Shapes of the admin API: cities, movies, theaters, screens and shows as staff see them.

Create bodies carry what the library's use case needs; Update bodies (``PATCH``) have only
optional fields and change just the ones given (a missing or ``null`` field keeps its value).
Values are checked by the library, so a bad one is answered 422 naming the field.  Durations are
whole minutes, prices integer paise (INR) per seat category, instants ISO 8601 with an offset.

Cities, movies and theaters are answered in the shapes browsing uses
(:mod:`bookmyshow.app.schemas.browsing`): one resource, one shape, whichever route reads it.
Screens (with their full layout), shows as scheduled and show cancellations are admin-only shapes.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Final

from attrs import field, frozen

from bookmyshow.app.schemas.common import MoneyRead, wire_names
from bookmyshow.domain.booking import Booking, BookingStatus
from bookmyshow.domain.catalog import MAX_DURATION, MIN_DURATION
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.layouts import RowSpec, SeatLayout
from bookmyshow.domain.money import Money, total
from bookmyshow.domain.shows import Show
from bookmyshow.domain.venues import GeoPoint, Screen
from bookmyshow.services.catalog import DEFAULT_TIME_ZONE
from bookmyshow.services.operations import ShowCancellation

__all__ = [
    "CityCreate",
    "LocationBody",
    "MovieCreate",
    "MovieUpdate",
    "ScreenCreate",
    "ScreenRead",
    "ScreenRowBody",
    "ShowCancellationCreate",
    "ShowCancellationRead",
    "ShowCreate",
    "ShowRead",
    "TheaterCreate",
    "TheaterUpdate",
]

_MINUTE: Final = timedelta(minutes=1)


def _minutes(value: int) -> timedelta:
    # Checked here, not left to Movie: a huge count would overflow timedelta before the movie
    # could refuse it, and the error must name the wire field.
    duration = value * _MINUTE if abs(value) <= MAX_DURATION // _MINUTE else None
    if duration is None or not MIN_DURATION <= duration <= MAX_DURATION:
        low, high = MIN_DURATION // _MINUTE, MAX_DURATION // _MINUTE
        raise InvalidInput(field="duration_minutes", reason=f"from {low} to {high} minutes")
    return duration


# --- cities ---------------------------------------------------------------------------------


@frozen(kw_only=True)
class CityCreate:
    """A new city: ``time_zone`` is an IANA name (default ``Asia/Kolkata``)."""

    name: str
    state: str = ""
    time_zone: str = DEFAULT_TIME_ZONE


# --- movies ---------------------------------------------------------------------------------


@frozen(kw_only=True)
class MovieCreate:
    """A new movie.

    ``certificate`` is a CBFC certificate (``U``, ``UA``, ``UA7+``, ``UA13+``, ``UA16+``, ``A``);
    ``formats`` are ``2D``, ``3D``, ``IMAX`` or ``4DX``; ``status`` is ``active`` or
    ``coming_soon`` (announced before release).  ``duration_minutes`` is 1 to 480.
    """

    title: str
    languages: list[str]
    duration_minutes: int
    release_date: date
    certificate: str
    formats: list[str] = field(factory=lambda: ["2D"])
    description: str = ""
    genres: list[str] = field(factory=list)
    cast: list[str] = field(factory=list)
    director: str = ""
    status: str = "active"

    def duration(self) -> timedelta:
        """The runtime; raises ``InvalidInput`` (``duration_minutes``) outside 1 to 480."""
        return _minutes(self.duration_minutes)


@frozen(kw_only=True)
class MovieUpdate:
    """Changes to a movie: only the fields given change.  Status has its own endpoints
    (retirement, activation)."""

    title: str | None = None
    languages: list[str] | None = None
    duration_minutes: int | None = None
    release_date: date | None = None
    certificate: str | None = None
    formats: list[str] | None = None
    description: str | None = None
    genres: list[str] | None = None
    cast: list[str] | None = None
    director: str | None = None

    def duration(self) -> timedelta | None:
        """The new runtime if given; raises ``InvalidInput`` (``duration_minutes``) outside 1 to
        480."""
        return None if self.duration_minutes is None else _minutes(self.duration_minutes)


# --- theaters -------------------------------------------------------------------------------


@frozen(kw_only=True)
class LocationBody:
    """A WGS 84 position in degrees, kept to six decimals: ``lat`` -90..90, ``lon`` -180..180.

    Each is a JSON number or a decimal string (the form the API answers with); a string is
    taken exactly, a number by its shortest decimal form (``12.9716`` stays ``12.9716``).
    """

    lat: float | str
    lon: float | str

    def point(self) -> GeoPoint:
        """The library's value; raises ``InvalidInput`` (``location.lat`` or ``location.lon``)
        out of range."""
        with wire_names({}, prefix="location."):
            return GeoPoint(self.lat, self.lon)


@frozen(kw_only=True)
class TheaterCreate:
    """A new theater in a city; ``time_zone`` defaults to the city's."""

    name: str
    city_id: str
    address: str
    location: LocationBody
    time_zone: str | None = None
    amenities: list[str] = field(factory=list)


@frozen(kw_only=True)
class TheaterUpdate:
    """Changes to a theater: only the fields given change (a theater stays in its city)."""

    name: str | None = None
    address: str | None = None
    location: LocationBody | None = None
    time_zone: str | None = None
    amenities: list[str] | None = None


# --- screens --------------------------------------------------------------------------------


@frozen(kw_only=True)
class ScreenRowBody:
    """One row of a layout, front to back: ``seats`` reads left to right, ``s`` a seat, ``w`` a
    wheelchair-accessible seat, ``x`` a blocked seat, ``_`` an aisle (``"ssss_ssss"``).

    ``row`` is 1-8 ASCII letters or digits; seats are labelled row + number (``"B7"``), counting
    seat cells only.  Every seat of a row is of its ``category``.
    """

    row: str
    category: str
    seats: str

    @classmethod
    def of(cls, spec: RowSpec) -> ScreenRowBody:
        """The wire shape of ``spec``."""
        return cls(row=spec.label, category=spec.category, seats=spec.cells)


@frozen(kw_only=True)
class ScreenCreate:
    """A new screen: its name, the formats it plays (``2D``, ``3D``, ``IMAX``, ``4DX``) and its
    seat layout as rows."""

    name: str
    rows: list[ScreenRowBody]
    formats: list[str] = field(factory=lambda: ["2D"])

    def layout(self) -> SeatLayout:
        """The seat layout; raises ``InvalidInput`` naming the row (``rows[1].seats``) for an
        empty or unknown cell, a bad row label or category, or duplicate rows."""
        with wire_names({"cells": "seats", "label": "row"}):
            return SeatLayout.from_rows([RowSpec(r.row, r.category, r.seats) for r in self.rows])


@frozen(kw_only=True)
class ScreenRead:
    """A screen with its layout; ``capacity`` counts sellable (not blocked) seats and
    ``categories`` are in front-to-back order."""

    screen_id: str
    theater_id: str
    name: str
    formats: list[str]
    capacity: int
    categories: list[str]
    rows: list[ScreenRowBody]

    @classmethod
    def of(cls, screen: Screen) -> ScreenRead:
        """The wire shape of ``screen``."""
        layout: SeatLayout = screen.layout
        return cls(
            screen_id=screen.screen_id,
            theater_id=screen.theater_id,
            name=screen.name,
            formats=sorted(f.value for f in screen.formats),
            capacity=screen.capacity,
            categories=list(layout.categories),
            rows=[ScreenRowBody.of(spec) for spec in layout.specs],
        )


# --- shows ----------------------------------------------------------------------------------


@frozen(kw_only=True)
class ShowCreate:
    """A show of a movie on a screen.

    ``starts_at`` needs an offset and must be in the future; ``format`` and ``language`` must be
    the movie's and the screen's; ``prices`` name exactly the screen's seat categories, each a
    positive amount in paise (``{"silver": 20000}`` is ₹200.00).
    """

    movie_id: str
    screen_id: str
    starts_at: datetime
    format: str
    language: str
    prices: dict[str, int]

    def money(self, currency: str) -> dict[str, Money]:
        """The prices as money in ``currency`` (the library's ``Policies.currency``); raises
        ``InvalidInput`` (``prices.<category>``) for an amount out of range (the library refuses
        the rest: unknown categories, amounts not positive)."""
        out: dict[str, Money] = {}
        for category, paise in self.prices.items():
            with wire_names({"amount": f"prices.{category}"}):
                out[category] = Money(paise, currency)
        return out


@frozen(kw_only=True)
class ShowRead:
    """A show; ``status`` is ``scheduled`` or ``cancelled`` (then with ``cancel_reason``)."""

    show_id: str
    movie_id: str
    theater_id: str
    screen_id: str
    starts_at: datetime
    ends_at: datetime
    format: str
    language: str
    prices: dict[str, MoneyRead]
    status: str
    cancel_reason: str | None

    @classmethod
    def of(cls, show: Show) -> ShowRead:
        """The wire shape of ``show``."""
        return cls(
            show_id=show.show_id,
            movie_id=show.movie_id,
            theater_id=show.theater_id,
            screen_id=show.screen_id,
            starts_at=show.starts_at,
            ends_at=show.ends_at,
            format=show.format.value,
            language=show.language,
            prices={category: MoneyRead.of(price) for category, price in show.prices.items()},
            status=show.status.value,
            cancel_reason=show.cancel_reason,
        )


@frozen(kw_only=True)
class ShowCancellationCreate:
    """Why the show is cancelled (1-500 characters; customers are told)."""

    reason: str


_REFUNDED: Final = frozenset({BookingStatus.CANCELLED, BookingStatus.REFUNDED})


@frozen(kw_only=True)
class ShowCancellationRead:
    """The cancelled show and what it refunded: ``refunds`` bookings cancelled in full,
    ``refunded`` their total (requested or settled), ``booking_ids`` which ones."""

    show: ShowRead
    refunds: int
    refunded: MoneyRead
    booking_ids: list[str]

    @classmethod
    def of(cls, cancellation: ShowCancellation) -> ShowCancellationRead:
        """The wire shape of ``cancellation``."""
        show = cancellation.show
        refunded: list[Booking] = [b for b in cancellation.bookings if b.status in _REFUNDED]
        amount = total(
            [b.amount_refunded + b.amount_refund_pending for b in refunded], show.currency
        )
        return cls(
            show=ShowRead.of(show),
            refunds=len(refunded),
            refunded=MoneyRead.of(amount),
            booking_ids=[b.booking_id for b in refunded],
        )
