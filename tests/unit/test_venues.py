"""Cities, theaters, screens, coordinates and distances."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.domain.catalog import Format
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.layouts import SeatLayout
from bookmyshow.domain.venues import (
    EARTH_RADIUS_M,
    City,
    GeoPoint,
    Screen,
    Theater,
    check_time_zone,
    distance_m,
    theaters_near,
)
from bookmyshow.testing.strategies.catalog import geo_points, screens, theaters

BENGALURU = GeoPoint("12.9716", "77.5946")
CHENNAI = GeoPoint("13.0827", "80.2707")


def theater(**changes: Any) -> Theater:
    fields: dict[str, Any] = {
        "theater_id": "t-1",
        "name": "PVR Forum",
        "city_id": "blr",
        "address": "Hosur Road",
        "location": BENGALURU,
    }
    fields.update(changes)
    return Theater(**fields)


def test_geo_point_keeps_six_decimals_exactly() -> None:
    """Coordinates become Decimals rounded to micro-degrees; floats go through their repr."""
    assert GeoPoint(12.9716, 77.5946) == BENGALURU
    assert GeoPoint("12.9716", 77).lon == Decimal("77.000000")
    assert GeoPoint("12.12345649", "0").lat == Decimal("12.123456")
    assert GeoPoint(90, -180) == GeoPoint(Decimal(90), Decimal(-180))


@pytest.mark.parametrize(
    ("lat", "lon", "field_name"),
    [
        ("90.000001", 0, "lat"),
        (-91, 0, "lat"),
        (0, "180.000001", "lon"),
        (0, -181, "lon"),
        ("nan", 0, "lat"),
        (0, float("inf"), "lon"),
        ("north", 0, "lat"),
        (True, 0, "lat"),
        (None, 0, "lat"),
    ],
)
def test_geo_point_rejects_out_of_range_and_non_numbers(
    lat: object, lon: object, field_name: str
) -> None:
    """Latitude outside ±90, longitude outside ±180 and non-numbers are InvalidInput."""
    with pytest.raises(InvalidInput) as info:
        GeoPoint(lat, lon)
    assert info.value.field == field_name


def test_distance_between_bengaluru_and_chennai() -> None:
    """The haversine distance Bengaluru-Chennai is about 290 km."""
    assert 289_000 < distance_m(BENGALURU, CHENNAI) < 291_000


@given(geo_points(), geo_points())
def test_distance_is_symmetric_and_bounded(a: GeoPoint, b: GeoPoint) -> None:
    """Distance is symmetric, zero to itself, and never more than half the circumference."""
    assert distance_m(a, b) == distance_m(b, a)
    assert distance_m(a, a) == 0
    assert 0 <= distance_m(a, b) <= math.ceil(math.pi * EARTH_RADIUS_M)


@given(geo_points(), geo_points(), geo_points())
def test_distance_obeys_the_triangle_inequality(a: GeoPoint, b: GeoPoint, c: GeoPoint) -> None:
    """Going through a third point is never shorter (allowing 2 m for rounding to metres)."""
    assert distance_m(a, c) <= distance_m(a, b) + distance_m(b, c) + 2


@given(
    geo_points(),
    st.lists(theaters(), max_size=8, unique_by=lambda t: t.theater_id),
    st.integers(0, 20_000_000),
    st.none() | st.integers(1, 5),
)
def test_theaters_near_matches_brute_force(
    origin: GeoPoint, candidates: list[Theater], radius: int, limit: int | None
) -> None:
    """theaters_near keeps exactly those within the radius, nearest first, ties by id, limited."""
    result = theaters_near(origin, candidates, radius_m=radius, limit=limit)
    expected = sorted(
        (
            (t, distance_m(origin, t.location))
            for t in candidates
            if distance_m(origin, t.location) <= radius
        ),
        key=lambda p: (p[1], p[0].theater_id),
    )
    assert result == (expected if limit is None else expected[:limit])


def test_theaters_near_rejects_bad_arguments() -> None:
    """A negative radius or a zero limit is InvalidInput."""
    with pytest.raises(InvalidInput):
        theaters_near(BENGALURU, [], radius_m=-1)
    with pytest.raises(InvalidInput):
        theaters_near(BENGALURU, [], radius_m=10, limit=0)


@pytest.mark.parametrize("name", ["Asia/Kolkata", "UTC", "America/New_York", "Asia/Kathmandu"])
def test_known_time_zones_are_accepted(name: str) -> None:
    """IANA names known to zoneinfo pass unchanged."""
    assert check_time_zone(name) == name


@pytest.mark.parametrize("name", ["", "Mars/Olympus_Mons", "../etc/passwd", "/etc/localtime", 5])
def test_unknown_time_zones_are_refused(name: object) -> None:
    """Unknown names, paths and non-strings are InvalidInput."""
    with pytest.raises(InvalidInput) as info:
        check_time_zone(name)
    assert info.value.field == "time_zone"


def test_theater_normalises_and_shows_local_time() -> None:
    """Amenities are lower-cased tags and instants are shown in the theater's zone."""
    t = theater(amenities={" Parking", "parking", "Food Court"})
    assert t.amenities == frozenset({"parking", "food court"})
    local = t.local_time(datetime(2024, 5, 1, 18, 30, tzinfo=UTC))
    assert (local.hour, local.minute, local.day) == (0, 0, 2)
    assert local.utcoffset() is not None
    with pytest.raises(InvalidInput):
        t.local_time(datetime(2024, 5, 1, 18, 30))


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"theater_id": ""}, "theater_id"),
        ({"name": " "}, "name"),
        ({"address": ""}, "address"),
        ({"location": (12.9, 77.5)}, "location"),
        ({"time_zone": "India/Bangalore"}, "time_zone"),
        ({"amenities": "parking"}, "amenities"),
        ({"amenities": {""}}, "amenities"),
    ],
)
def test_theater_rejects_invalid_fields(changes: dict[str, Any], field_name: str) -> None:
    """Each malformed theater field is refused with InvalidInput naming it."""
    with pytest.raises(InvalidInput) as info:
        theater(**changes)
    assert info.value.field == field_name


@given(theaters())
def test_theater_normalisation_is_idempotent(t: Theater) -> None:
    """Rebuilding a valid theater from its fields gives an equal theater."""
    assert attrs.evolve(t) == t


def test_city_defaults_to_india_and_validates() -> None:
    """A city's zone defaults to Asia/Kolkata; an unknown zone or empty name is refused."""
    city = City(city_id="blr", name=" Bengaluru ", state="Karnataka")
    assert (city.name, city.time_zone) == ("Bengaluru", "Asia/Kolkata")
    with pytest.raises(InvalidInput):
        City(city_id="x", name="X", time_zone="Nowhere/Land")
    with pytest.raises(InvalidInput):
        City(city_id="x", name="")


def test_screen_formats_and_capacity() -> None:
    """A screen parses its formats, answers supports(), and counts only sellable seats."""
    layout = SeatLayout.from_rows([("A", "regular", "ssx_ss"), ("B", "recliner", "ww")])
    screen = Screen(
        screen_id="s-1",
        theater_id="t-1",
        name="Audi 1",
        layout=layout,
        formats=frozenset({Format.TWO_D, Format.THREE_D}),
    )
    assert screen.supports(Format.THREE_D)
    assert not screen.supports(Format.IMAX)
    assert screen.capacity == 6


@pytest.mark.parametrize(
    ("changes", "field_name"),
    [
        ({"formats": frozenset()}, "formats"),
        ({"formats": {"70mm"}}, "formats"),
        ({"layout": [("A", "regular", "ss")]}, "layout"),
        ({"screen_id": ""}, "screen_id"),
        ({"name": ""}, "name"),
    ],
)
def test_screen_rejects_invalid_fields(changes: dict[str, Any], field_name: str) -> None:
    """A screen needs an id, a name, a SeatLayout and at least one known format."""
    fields: dict[str, Any] = {
        "screen_id": "s-1",
        "theater_id": "t-1",
        "name": "Audi 1",
        "layout": SeatLayout.from_rows([("A", "regular", "ss")]),
    }
    fields.update(changes)
    with pytest.raises(InvalidInput) as info:
        Screen(**fields)
    assert info.value.field == field_name


@given(screens())
def test_screen_capacity_counts_unblocked_seats(screen: Screen) -> None:
    """Capacity equals the number of seats in the layout that are not blocked."""
    assert screen.capacity == sum(1 for s in screen.layout if not s.blocked)
