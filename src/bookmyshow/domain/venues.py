"""Where movies are shown: cities, theaters with a location and a time zone, and their screens.

Coordinates are :class:`~decimal.Decimal` degrees kept to six decimals (about 11 cm), so a point
survives a round trip through a ``NUMERIC(9, 6)`` column or JSON text unchanged.  Distances are
computed with the haversine formula in floating point and returned as whole metres: they rank and
filter theaters, they are never money or identity.

A theater's ``time_zone`` is an IANA name checked against the system time-zone database
(:mod:`zoneinfo`); show times are stored in UTC and shown in that zone.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from attrs import field, frozen

from bookmyshow.domain.catalog import Format, clean_text, parse_enum, require_id
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.holds import require_aware
from bookmyshow.domain.layouts import SeatLayout
from bookmyshow.domain.validation import in_zone, instances, require_collection, require_instance

__all__ = [
    "EARTH_RADIUS_M",
    "City",
    "GeoPoint",
    "Screen",
    "Theater",
    "check_time_zone",
    "distance_m",
    "theaters_near",
]

EARTH_RADIUS_M: Final = 6_371_008.8
"""Mean Earth radius (IUGG), in metres."""

_MICRO: Final = Decimal("0.000001")
_MAX_NAME = 200
_MAX_ADDRESS = 1000
_MAX_AMENITIES = 50
_INDIA: Final = "Asia/Kolkata"


def check_time_zone(name: object, field_name: str = "time_zone") -> str:
    """Return ``name`` if it is an IANA time-zone name known to :mod:`zoneinfo`.

    Raises :class:`InvalidInput` naming ``field_name`` otherwise.
    """
    if not isinstance(name, str) or not name:
        raise InvalidInput(field=field_name, reason="must be an IANA time-zone name")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        # ValueError: keys that are not plain relative paths ("../x", "/etc/localtime");
        # OSError: a name too long for a file name, when the tzdata package is installed.
        raise InvalidInput(field=field_name, reason=f"unknown time zone {name!r}") from None
    return name


def _degrees(value: object, name: str, limit: int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str | float):
        raise InvalidInput(field=name, reason="degrees as Decimal, int, str or float")
    try:
        # A float goes through its shortest repr so 12.9716 stays 12.9716, not 12.97159999….
        exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise InvalidInput(field=name, reason=f"not a number: {value!r}") from None
    if not exact.is_finite() or not -limit <= exact <= limit:
        raise InvalidInput(field=name, reason=f"must be between -{limit} and {limit} degrees")
    return exact.quantize(_MICRO)


def _latitude(value: object) -> Decimal:
    return _degrees(value, "lat", 90)


def _longitude(value: object) -> Decimal:
    return _degrees(value, "lon", 180)


@frozen
class GeoPoint:
    """A WGS 84 position in degrees, rounded half-even to six decimals.

    ``lat`` is -90..90 and ``lon`` -180..180; Decimal, int, str and float inputs are accepted.
    Raises :class:`InvalidInput` for anything else or out of range.
    """

    lat: Decimal = field(converter=_latitude)
    lon: Decimal = field(converter=_longitude)


def distance_m(a: GeoPoint, b: GeoPoint) -> int:
    """Great-circle distance between ``a`` and ``b`` in whole metres (haversine, spherical Earth).

    Accurate to about 0.5% against the ellipsoid: enough to rank theaters, not to survey.
    Raises :class:`InvalidInput` unless both are GeoPoints.
    """
    require_instance(a, GeoPoint, "a")
    require_instance(b, GeoPoint, "b")
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    # min() guards asin against rounding just above 1 for antipodal points.
    return round(2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h))))


@frozen(kw_only=True)
class City:
    """A city theaters belong to; ``time_zone`` defaults to India's."""

    city_id: str
    name: str
    state: str = ""
    time_zone: str = _INDIA

    def __attrs_post_init__(self) -> None:
        require_id(self.city_id, "city_id")
        object.__setattr__(self, "name", clean_text(self.name, "name", max_length=_MAX_NAME))
        object.__setattr__(
            self, "state", clean_text(self.state, "state", max_length=_MAX_NAME, allow_empty=True)
        )
        check_time_zone(self.time_zone)


def _amenities(values: object) -> frozenset[str]:
    values = require_collection(values, "amenities")
    # Amenities are filter tags ("parking", "food court"): compare them lower-case.
    out = frozenset(clean_text(v, "amenities", max_length=_MAX_NAME).casefold() for v in values)
    if len(out) > _MAX_AMENITIES:
        raise InvalidInput(field="amenities", reason=f"at most {_MAX_AMENITIES}")
    return out


@frozen(kw_only=True)
class Theater:
    """A cinema.  Construction validates every field and raises InvalidInput.

    ``amenities`` are stripped and lower-cased; ``time_zone`` must be a known IANA name.
    """

    theater_id: str
    name: str
    city_id: str
    address: str
    location: GeoPoint
    time_zone: str = _INDIA
    amenities: frozenset[str] = frozenset()

    def __attrs_post_init__(self) -> None:
        require_id(self.theater_id, "theater_id")
        require_id(self.city_id, "city_id")
        object.__setattr__(self, "name", clean_text(self.name, "name", max_length=_MAX_NAME))
        object.__setattr__(
            self, "address", clean_text(self.address, "address", max_length=_MAX_ADDRESS)
        )
        if not isinstance(self.location, GeoPoint):
            raise InvalidInput(field="location", reason="must be a GeoPoint")
        check_time_zone(self.time_zone)
        object.__setattr__(self, "amenities", _amenities(self.amenities))

    @property
    def zone(self) -> ZoneInfo:
        """The theater's time zone."""
        return ZoneInfo(self.time_zone)

    def local_time(self, instant: datetime) -> datetime:
        """``instant`` as wall-clock time in the theater.

        Raises :class:`InvalidInput` if it is naive or falls outside the calendar in the zone.
        """
        return in_zone(require_aware(instant, "instant"), self.zone, "instant")


@frozen(kw_only=True)
class Screen:
    """An auditorium of a theater: its seat layout and the formats its projector plays.

    Raises :class:`InvalidInput` for empty ids or name, a missing layout or no formats.
    """

    screen_id: str
    theater_id: str
    name: str
    layout: SeatLayout
    formats: frozenset[Format] = frozenset({Format.TWO_D})

    def __attrs_post_init__(self) -> None:
        require_id(self.screen_id, "screen_id")
        require_id(self.theater_id, "theater_id")
        object.__setattr__(self, "name", clean_text(self.name, "name", max_length=_MAX_NAME))
        if not isinstance(self.layout, SeatLayout):
            raise InvalidInput(field="layout", reason="must be a SeatLayout")
        require_collection(self.formats, "formats")
        formats = frozenset(parse_enum(Format, f, "formats") for f in self.formats)
        if not formats:
            raise InvalidInput(field="formats", reason="a screen plays at least one format")
        object.__setattr__(self, "formats", formats)

    def supports(self, format: Format) -> bool:
        """Whether this screen can play ``format``; raises InvalidInput for an unknown format."""
        return parse_enum(Format, format, "format") in self.formats

    @property
    def capacity(self) -> int:
        """Number of sellable (not blocked) seats."""
        return len(self.layout.sellable())


def theaters_near(
    origin: GeoPoint,
    theaters: Iterable[Theater],
    *,
    radius_m: int,
    limit: int | None = None,
) -> list[tuple[Theater, int]]:
    """Theaters within ``radius_m`` metres of ``origin`` with their distance, nearest first.

    Ties are broken by ``theater_id`` so the order is stable.  Raises :class:`InvalidInput` for a
    negative radius, a limit below 1, an ``origin`` that is not a GeoPoint or ``theaters`` that
    are not Theaters.
    """
    require_instance(origin, GeoPoint, "origin")
    candidates = instances(theaters, Theater, "theaters")
    if isinstance(radius_m, bool) or not isinstance(radius_m, int) or radius_m < 0:
        raise InvalidInput(field="radius_m", reason="must be a non-negative integer")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InvalidInput(field="limit", reason="must be a positive integer")
    found = [(t, distance_m(origin, t.location)) for t in candidates]
    near = sorted(
        ((t, d) for t, d in found if d <= radius_m), key=lambda p: (p[1], p[0].theater_id)
    )
    return near if limit is None else near[:limit]
