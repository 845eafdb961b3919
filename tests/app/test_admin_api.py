"""The admin API: cities, movies, theaters, screens and shows, created, changed and listed over
HTTP as a platform admin or the theater's staff, with bad values answered 422 naming the field.

Who may call what is proved in ``test_admin_authorization.py``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bookmyshow.adapters.memory import ManualClock
from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.booking import BookingStatus
from bookmyshow.domain.shows import ShowStatus
from tests.app.api import Api, assert_error
from tests.services.world import (
    assert_money_reconciles,
    assert_seats_reconcile,
    confirmed_booking,
)


def movie_body(**changes: Any) -> dict[str, Any]:
    """A valid new-movie body, with ``changes`` applied."""
    body: dict[str, Any] = {
        "title": "Monsoon Express",
        "languages": ["Hindi", "Tamil"],
        "duration_minutes": 142,
        "release_date": "2029-11-01",
        "certificate": "UA13+",
        "formats": ["2D", "IMAX"],
        "genres": ["Drama"],
        "cast": ["A. Actor"],
        "director": "B. Director",
    }
    body.update(changes)
    return body


def theater_body(city_id: str, **changes: Any) -> dict[str, Any]:
    """A valid new-theater body in ``city_id``, with ``changes`` applied."""
    body: dict[str, Any] = {
        "name": "Cinepolis Nexus",
        "city_id": city_id,
        "address": "Koramangala",
        "location": {"lat": 12.934533, "lon": 77.611284},
        "amenities": ["Parking", "Food Court"],
    }
    body.update(changes)
    return body


def screen_body(**changes: Any) -> dict[str, Any]:
    """A valid new-screen body (the demo's row patterns), with ``changes`` applied."""
    body: dict[str, Any] = {
        "name": "Audi 7",
        "formats": ["2D", "3D"],
        "rows": [
            {"row": "A", "category": "classic", "seats": "ssss_ssss"},
            {"row": "B", "category": "classic", "seats": "wwssssssww"},
            {"row": "C", "category": "prime", "seats": "ssxxss"},
        ],
    }
    body.update(changes)
    return body


def show_body(api: Api, clock: ManualClock, **changes: Any) -> dict[str, Any]:
    """A valid show body for the world's movie on theater A's screen, three days ahead (the
    world's own shows are two days ahead), with ``changes`` applied."""
    show = api.world.show
    body: dict[str, Any] = {
        "movie_id": show.movie_id,
        "screen_id": show.screen_id,
        "starts_at": (clock.now() + timedelta(days=3)).isoformat(),
        "format": "2D",
        "language": "hindi",
        "prices": {"silver": 25_000, "gold": 40_000},
    }
    body.update(changes)
    return body


# --- cities -----------------------------------------------------------------------------------


async def test_platform_admin_adds_a_city_with_the_default_time_zone(api: Api) -> None:
    """POST /api/admin/cities answers 201 with the new city, in India's zone unless told."""
    response = await api.call(
        "POST", "/api/admin/cities", "admin", json={"name": " Chennai ", "state": "Tamil Nadu"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["city_id"].startswith("cty_")
    assert body == {
        "city_id": body["city_id"],
        "name": "Chennai",
        "state": "Tamil Nadu",
        "time_zone": "Asia/Kolkata",
    }


async def test_a_city_with_an_unknown_time_zone_is_422(api: Api) -> None:
    """An unknown IANA zone is refused naming ``time_zone``."""
    response = await api.call(
        "POST", "/api/admin/cities", "admin", json={"name": "Pune", "time_zone": "Asia/Pune"}
    )
    assert assert_error(response, 422, "invalid_input")["field"] == "time_zone"


# --- movies -----------------------------------------------------------------------------------


async def test_platform_admin_adds_a_movie(api: Api, system: Ticketing) -> None:
    """POST /api/admin/movies answers 201 with every field, and the catalog has the movie."""
    response = await api.call("POST", "/api/admin/movies", "admin", json=movie_body())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        "movie_id": body["movie_id"],
        "title": "Monsoon Express",
        "languages": ["Hindi", "Tamil"],
        "duration_minutes": 142,
        "release_date": "2029-11-01",
        "certificate": "UA13+",
        "formats": ["2D", "IMAX"],
        "description": "",
        "genres": ["Drama"],
        "cast": ["A. Actor"],
        "director": "B. Director",
        "status": "active",
        "rating": None,
        "rating_count": 0,
        "popularity": 0,
    }
    stored = await system.catalog.get_movie(api.world.admin, body["movie_id"])
    assert stored.duration == timedelta(minutes=142)
    assert stored.title == "Monsoon Express"


async def test_a_movie_may_be_announced_as_coming_soon(api: Api) -> None:
    """``status: coming_soon`` is kept on a new movie."""
    response = await api.call(
        "POST", "/api/admin/movies", "admin", json=movie_body(status="coming_soon")
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "coming_soon"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"title": "   "}, "title", id="blank-title"),
        pytest.param({"languages": []}, "languages", id="no-language"),
        pytest.param({"duration_minutes": 0}, "duration_minutes", id="zero-minutes"),
        pytest.param({"duration_minutes": 481}, "duration_minutes", id="over-eight-hours"),
        pytest.param({"duration_minutes": 10**15}, "duration_minutes", id="huge-minutes"),
        pytest.param({"certificate": "PG-13"}, "certificate", id="unknown-certificate"),
        pytest.param({"formats": ["8K"]}, "formats", id="unknown-format"),
        pytest.param({"formats": []}, "formats", id="no-format"),
        pytest.param({"status": "showing"}, "status", id="unknown-status"),
    ],
)
async def test_a_bad_movie_is_422_naming_the_field(
    memory_api: Api, changes: dict[str, Any], field: str
) -> None:
    """A new movie with a bad value is refused with ``invalid_input`` naming the wire field."""
    api = memory_api  # validation is the same on every backend; each has one hybrid case too
    response = await api.call("POST", "/api/admin/movies", "admin", json=movie_body(**changes))
    assert assert_error(response, 422, "invalid_input")["field"] == field


async def test_a_mistyped_movie_body_is_400_naming_the_key(memory_api: Api) -> None:
    """A value of the wrong JSON type never reaches the library: 400 names the key."""
    api = memory_api  # validation is the same on every backend; each has one hybrid case too
    response = await api.call("POST", "/api/admin/movies", "admin", json=movie_body(title=5))
    details = assert_error(response, 400, "invalid_request")
    assert [error["key"] for error in details["errors"]] == ["title"]


async def test_patching_a_movie_changes_only_the_given_fields(api: Api) -> None:
    """PATCH /api/admin/movies/{id} changes what the body names and keeps the rest."""
    created = await api.call("POST", "/api/admin/movies", "admin", json=movie_body())
    movie_id = created.json()["movie_id"]
    response = await api.call(
        "PATCH",
        f"/api/admin/movies/{movie_id}",
        "admin",
        json={"title": "Monsoon Express: Director's Cut", "duration_minutes": 171},
    )
    assert response.status_code == 200, response.text
    expected = dict(created.json(), title="Monsoon Express: Director's Cut", duration_minutes=171)
    assert response.json() == expected


async def test_an_empty_patch_changes_nothing(api: Api) -> None:
    """PATCH with ``{}`` (or nulls) answers the movie unchanged."""
    created = await api.call("POST", "/api/admin/movies", "admin", json=movie_body())
    movie_id = created.json()["movie_id"]
    response = await api.call(
        "PATCH", f"/api/admin/movies/{movie_id}", "admin", json={"title": None}
    )
    assert response.status_code == 200, response.text
    assert response.json() == created.json()


async def test_a_bad_movie_patch_is_422_and_changes_nothing(api: Api, system: Ticketing) -> None:
    """A bad value in a patch is refused naming the field, and the movie keeps its details."""
    movie_id = api.world.show.movie_id
    response = await api.call(
        "PATCH",
        f"/api/admin/movies/{movie_id}",
        "admin",
        json={"title": "Renamed", "certificate": "R"},
    )
    assert assert_error(response, 422, "invalid_input")["field"] == "certificate"
    movie = await system.catalog.get_movie(api.world.admin, movie_id)
    assert movie.title == "The Long Queue"


async def test_patching_an_unknown_movie_is_404(api: Api) -> None:
    """An unknown movie id is 404 ``not_found``."""
    response = await api.call(
        "PATCH", "/api/admin/movies/mov_nope", "admin", json={"title": "Anything"}
    )
    assert assert_error(response, 404, "not_found")["key"] == "mov_nope"


async def test_a_retired_movie_gets_no_show_until_activated(api: Api, clock: ManualClock) -> None:
    """Retirement makes a movie ``inactive`` (scheduling it is 409 ``movie_not_schedulable``);
    activation makes it ``active`` and schedulable again."""
    movie_id = api.world.show.movie_id
    retired = await api.call("POST", f"/api/admin/movies/{movie_id}/retirement", "admin")
    assert retired.status_code == 200, retired.text
    assert retired.json()["status"] == "inactive"
    refused = await api.call("POST", "/api/admin/shows", "staff_a", json=show_body(api, clock))
    assert assert_error(refused, 409, "movie_not_schedulable")["movie_id"] == movie_id
    activated = await api.call("POST", f"/api/admin/movies/{movie_id}/activation", "admin")
    assert activated.status_code == 200, activated.text
    assert activated.json()["status"] == "active"
    scheduled = await api.call("POST", "/api/admin/shows", "staff_a", json=show_body(api, clock))
    assert scheduled.status_code == 201, scheduled.text


async def test_retiring_an_unknown_movie_is_404(api: Api) -> None:
    """Retirement and activation of an unknown movie are 404."""
    for step in ("retirement", "activation"):
        response = await api.call("POST", f"/api/admin/movies/mov_nope/{step}", "admin")
        assert_error(response, 404, "not_found")


# --- theaters ---------------------------------------------------------------------------------


async def test_platform_admin_adds_a_theater_in_the_city_zone(api: Api) -> None:
    """POST /api/admin/theaters answers 201; the theater takes its city's zone and its
    amenities are lower-case tags."""
    city_id = api.world.theater_a.city_id
    response = await api.call("POST", "/api/admin/theaters", "admin", json=theater_body(city_id))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["theater_id"].startswith("thr_")
    assert body == {
        "theater_id": body["theater_id"],
        "name": "Cinepolis Nexus",
        "city_id": city_id,
        "address": "Koramangala",
        "location": {"lat": "12.934533", "lon": "77.611284"},
        "time_zone": "Asia/Kolkata",
        "amenities": ["food court", "parking"],
    }


async def test_a_location_is_taken_exactly_from_numbers_or_decimal_strings(api: Api) -> None:
    """Coordinates arrive as JSON numbers or the decimal strings the API answers with, and are
    kept exactly to six decimals."""
    city_id = api.world.theater_a.city_id
    body = theater_body(city_id, location={"lat": "12.9716", "lon": 77.5946004})
    response = await api.call("POST", "/api/admin/theaters", "admin", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["location"] == {"lat": "12.971600", "lon": "77.594600"}


async def test_a_theater_in_an_unknown_city_is_404(api: Api) -> None:
    """A theater needs an existing city: 404 ``not_found`` otherwise."""
    response = await api.call("POST", "/api/admin/theaters", "admin", json=theater_body("cty_nope"))
    assert assert_error(response, 404, "not_found")["kind"] == "city"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"location": {"lat": 91, "lon": 77}}, "location.lat", id="lat"),
        pytest.param({"location": {"lat": 12, "lon": -181.5}}, "location.lon", id="lon"),
        pytest.param({"location": {"lat": "NaN", "lon": 1}}, "location.lat", id="nan"),
        pytest.param({"location": {"lat": "north", "lon": 1}}, "location.lat", id="not-a-number"),
        pytest.param({"time_zone": "Mars/Olympus"}, "time_zone", id="zone"),
        pytest.param({"address": ""}, "address", id="address"),
    ],
)
async def test_a_bad_theater_is_422_naming_the_field(
    memory_api: Api, changes: dict[str, Any], field: str
) -> None:
    """A new theater with a bad value is refused naming the wire field."""
    api = memory_api  # validation is the same on every backend; each has one hybrid case too
    body = theater_body(api.world.theater_a.city_id, **changes)
    response = await api.call("POST", "/api/admin/theaters", "admin", json=body)
    assert assert_error(response, 422, "invalid_input")["field"] == field


async def test_theater_staff_patch_only_the_given_fields(api: Api) -> None:
    """PATCH /api/admin/theaters/{id} by the theater's admin changes what the body names."""
    theater = api.world.theater_a
    response = await api.call(
        "PATCH",
        f"/api/admin/theaters/{theater.theater_id}",
        "staff_a",
        json={"name": "PVR Forum IMAX", "amenities": ["Recliners"], "time_zone": "Asia/Dubai"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "theater_id": theater.theater_id,
        "name": "PVR Forum IMAX",
        "city_id": theater.city_id,
        "address": theater.address,
        "location": {"lat": str(theater.location.lat), "lon": str(theater.location.lon)},
        "time_zone": "Asia/Dubai",
        "amenities": ["recliners"],
    }


async def test_a_bad_theater_patch_is_422(api: Api) -> None:
    """A patch moving the theater off the globe is refused naming ``location.lat``."""
    response = await api.call(
        "PATCH",
        f"/api/admin/theaters/{api.world.theater_a.theater_id}",
        "admin",
        json={"location": {"lat": -90.5, "lon": 0}},
    )
    assert assert_error(response, 422, "invalid_input")["field"] == "location.lat"


async def test_patching_an_unknown_theater_is_404(api: Api) -> None:
    """A platform admin patching an unknown theater gets 404."""
    response = await api.call("PATCH", "/api/admin/theaters/thr_nope", "admin", json={})
    assert assert_error(response, 404, "not_found")["kind"] == "theater"


# --- screens ----------------------------------------------------------------------------------


async def test_theater_staff_add_a_screen_with_its_layout(api: Api) -> None:
    """POST /api/admin/theaters/{id}/screens answers 201 with the layout as sent, its
    categories front to back, and a capacity that leaves blocked seats out."""
    theater_id = api.world.theater_a.theater_id
    response = await api.call(
        "POST", f"/api/admin/theaters/{theater_id}/screens", "staff_a", json=screen_body()
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["screen_id"].startswith("scr_")
    assert body == {
        "screen_id": body["screen_id"],
        "theater_id": theater_id,
        "name": "Audi 7",
        "formats": ["2D", "3D"],
        "capacity": 8 + 10 + 4,
        "categories": ["classic", "prime"],
        "rows": screen_body()["rows"],
    }


async def test_a_theaters_screens_are_listed_by_name(api: Api) -> None:
    """GET /api/admin/theaters/{id}/screens lists every screen with its layout, by name."""
    theater_id = api.world.theater_a.theater_id
    added = await api.call(
        "POST",
        f"/api/admin/theaters/{theater_id}/screens",
        "staff_a",
        json=screen_body(name="Audi 0"),
    )
    assert added.status_code == 201, added.text
    response = await api.call("GET", f"/api/admin/theaters/{theater_id}/screens", "staff_a")
    assert response.status_code == 200, response.text
    screens = response.json()
    assert [s["name"] for s in screens] == ["Audi 0", "Audi 1"]
    assert screens[0] == added.json()
    assert screens[1]["screen_id"] == api.world.show.screen_id
    assert screens[1]["rows"][1] == {"row": "B", "category": "silver", "seats": "ssss_ssss"}


@pytest.mark.parametrize(
    ("rows", "field"),
    [
        pytest.param([{"row": "A", "category": "classic", "seats": "ss?s"}], "rows[0].seats"),
        pytest.param([{"row": "A", "category": "classic", "seats": ""}], "rows[0].seats"),
        pytest.param([{"row": "A", "category": "classic", "seats": "___"}], "rows[0].seats"),
        pytest.param([{"row": "A-1", "category": "classic", "seats": "ss"}], "rows[0].row"),
        pytest.param([{"row": "A", "category": " ", "seats": "ss"}], "rows[0].category"),
        pytest.param(
            [
                {"row": "A", "category": "classic", "seats": "ss"},
                {"row": "A", "category": "classic", "seats": "ss"},
            ],
            "rows",
            id="duplicate-rows",
        ),
        pytest.param([], "rows", id="no-rows"),
    ],
)
async def test_a_bad_layout_is_422_naming_the_row(
    memory_api: Api, rows: list[dict[str, str]], field: str
) -> None:
    """A layout the library refuses is 422 naming the row and the wire key that is wrong."""
    api = memory_api  # validation is the same on every backend; each has one hybrid case too
    theater_id = api.world.theater_a.theater_id
    response = await api.call(
        "POST",
        f"/api/admin/theaters/{theater_id}/screens",
        "staff_a",
        json=screen_body(rows=rows),
    )
    assert assert_error(response, 422, "invalid_input")["field"] == field


async def test_a_screen_with_an_unknown_format_is_422(api: Api) -> None:
    """A projector format the library does not know is refused naming ``formats``."""
    theater_id = api.world.theater_a.theater_id
    response = await api.call(
        "POST",
        f"/api/admin/theaters/{theater_id}/screens",
        "admin",
        json=screen_body(formats=["70mm"]),
    )
    assert assert_error(response, 422, "invalid_input")["field"] == "formats"


async def test_screens_of_an_unknown_theater_are_404(api: Api) -> None:
    """Listing or adding screens of an unknown theater is 404 for a platform admin."""
    listed = await api.call("GET", "/api/admin/theaters/thr_nope/screens", "admin")
    assert assert_error(listed, 404, "not_found")["kind"] == "theater"
    added = await api.call(
        "POST", "/api/admin/theaters/thr_nope/screens", "admin", json=screen_body()
    )
    assert assert_error(added, 404, "not_found")["kind"] == "theater"


# --- shows ------------------------------------------------------------------------------------


async def test_theater_staff_schedule_a_show(api: Api, clock: ManualClock) -> None:
    """POST /api/admin/shows answers 201 with the show: prices as money per category, the end
    from the movie's runtime, the language in the movie's spelling."""
    body = show_body(api, clock)
    response = await api.call("POST", "/api/admin/shows", "staff_a", json=body)
    assert response.status_code == 201, response.text
    show = response.json()
    starts = clock.now() + timedelta(days=3)
    assert show["show_id"].startswith("shw_")
    assert show == {
        "show_id": show["show_id"],
        "movie_id": body["movie_id"],
        "theater_id": api.world.theater_a.theater_id,
        "screen_id": body["screen_id"],
        "starts_at": starts.isoformat().replace("+00:00", "Z"),
        "ends_at": (starts + timedelta(minutes=150)).isoformat().replace("+00:00", "Z"),
        "format": "2D",
        "language": "Hindi",
        "prices": {
            "silver": {"paise": 25_000, "currency": "INR", "display": "INR 250.00"},
            "gold": {"paise": 40_000, "currency": "INR", "display": "INR 400.00"},
        },
        "status": "scheduled",
        "cancel_reason": None,
    }


async def test_an_overlapping_show_is_409_naming_the_conflict(api: Api, clock: ManualClock) -> None:
    """A show starting during another on the same screen (or its cleaning buffer) is 409
    ``show_overlap`` naming the show in the way."""
    world = api.world
    during = world.show.ends_at + timedelta(minutes=5)  # inside the 15-minute cleaning buffer
    body = show_body(api, clock, starts_at=during.isoformat())
    response = await api.call("POST", "/api/admin/shows", "staff_a", json=body)
    details = assert_error(response, 409, "show_overlap")
    assert details["conflicting_show_id"] == world.show.show_id


async def test_a_show_right_after_the_cleaning_buffer_is_scheduled(
    api: Api, clock: ManualClock
) -> None:
    """The screen is free again once the buffer after the previous show has passed."""
    free = api.world.show.ends_at + timedelta(minutes=15)
    body = show_body(api, clock, starts_at=free.isoformat())
    response = await api.call("POST", "/api/admin/shows", "staff_a", json=body)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"starts_at": "2030-01-05T18:00:00"}, "starts_at", id="no-offset"),
        pytest.param({"starts_at": "2029-12-31T18:00:00+05:30"}, "starts_at", id="past"),
        pytest.param({"format": "IMAX"}, "format", id="screen-lacks-format"),
        pytest.param({"format": "Betamax"}, "format", id="unknown-format"),
        pytest.param({"language": "Tamil"}, "language", id="movie-lacks-language"),
        pytest.param({"prices": {"silver": 25_000}}, "prices", id="missing-category"),
        pytest.param(
            {"prices": {"silver": 25_000, "gold": 40_000, "vip": 90_000}},
            "prices",
            id="unknown-category",
        ),
        pytest.param({"prices": {"silver": 0, "gold": 40_000}}, "prices.silver", id="free"),
        pytest.param({"prices": {"silver": 1, "gold": -5}}, "prices.gold", id="negative"),
    ],
)
async def test_a_bad_show_is_422_naming_the_field(
    memory_api: Api, clock: ManualClock, changes: dict[str, Any], field: str
) -> None:
    """A show the library refuses for a bad value is 422 naming the wire field."""
    api = memory_api  # validation is the same on every backend; each has one hybrid case too
    body = show_body(api, clock, **changes)
    response = await api.call("POST", "/api/admin/shows", "staff_a", json=body)
    assert assert_error(response, 422, "invalid_input")["field"] == field


async def test_a_show_in_a_format_its_screen_lacks_is_422(api: Api, clock: ManualClock) -> None:
    """A format the stored screen cannot project is refused naming ``format`` (the table above
    on one backend; this on each, as the check reads the stored screen)."""
    body = show_body(api, clock, format="IMAX")
    response = await api.call("POST", "/api/admin/shows", "staff_a", json=body)
    assert assert_error(response, 422, "invalid_input")["field"] == "format"


async def test_a_show_on_an_unknown_screen_is_404(api: Api, clock: ManualClock) -> None:
    """Scheduling on a screen that does not exist is 404."""
    body = show_body(api, clock, screen_id="scr_nope")
    response = await api.call("POST", "/api/admin/shows", "admin", json=body)
    assert assert_error(response, 404, "not_found")["kind"] == "screen"


async def test_a_theaters_shows_are_listed_by_start_within_bounds(
    api: Api, clock: ManualClock
) -> None:
    """GET /api/admin/theaters/{id}/shows lists the theater's shows by start, only its own,
    and ``starts_from``/``starts_before`` bound the start."""
    world = api.world
    later = await api.call("POST", "/api/admin/shows", "staff_a", json=show_body(api, clock))
    assert later.status_code == 201, later.text
    path = f"/api/admin/theaters/{world.theater_a.theater_id}/shows"
    everything = await api.call("GET", path, "staff_a")
    assert everything.status_code == 200, everything.text
    assert [s["show_id"] for s in everything.json()] == [
        world.show.show_id,
        later.json()["show_id"],
    ]
    bound = (clock.now() + timedelta(days=2, hours=12)).isoformat()
    after = await api.call("GET", path, "staff_a", params={"starts_from": bound})
    assert [s["show_id"] for s in after.json()] == [later.json()["show_id"]]
    before = await api.call("GET", path, "staff_a", params={"starts_before": bound})
    assert [s["show_id"] for s in before.json()] == [world.show.show_id]


async def test_listing_shows_with_a_naive_bound_is_422(api: Api) -> None:
    """A bound without an offset is ambiguous: 422 naming it."""
    path = f"/api/admin/theaters/{api.world.theater_a.theater_id}/shows"
    response = await api.call(
        "GET", path, "staff_a", params={"starts_before": "2030-01-02T00:00:00"}
    )
    assert assert_error(response, 422, "invalid_input")["field"] == "starts_before"


async def test_shows_of_an_unknown_theater_are_404(api: Api) -> None:
    """Listing the shows of an unknown theater is 404 for a platform admin."""
    response = await api.call("GET", "/api/admin/theaters/thr_nope/shows", "admin")
    assert_error(response, 404, "not_found")


# --- show cancellation ------------------------------------------------------------------------


async def test_cancelling_a_show_refunds_its_confirmed_booking(api: Api, system: Ticketing) -> None:
    """POST /api/admin/shows/{id}/cancellation cancels the show and refunds a confirmed
    booking in full; its seats are no longer sold and the money reconciles."""
    world = api.world
    show_id = world.show.show_id
    paid = await confirmed_booking(system, world.alice, show_id, ["C4", "C5"])

    response = await api.call(
        "POST",
        f"/api/admin/shows/{show_id}/cancellation",
        "staff_a",
        json={"reason": "Projector failure"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["show"]["show_id"] == show_id
    assert body["show"]["status"] == "cancelled"
    assert body["show"]["cancel_reason"] == "Projector failure"
    assert body["refunds"] == 1
    assert body["booking_ids"] == [paid.booking_id]
    assert body["refunded"]["paise"] == paid.amount.amount
    refunded = await system.bookings.get(world.alice, paid.booking_id)
    assert refunded.status in {BookingStatus.CANCELLED, BookingStatus.REFUNDED}
    assert refunded.amount_refunded == paid.amount
    assert dict(await system.ports.sales.sold_seats(show_id)) == {}
    await assert_seats_reconcile(system, show_id)
    await assert_money_reconciles(system)


async def test_cancelling_a_show_without_bookings_refunds_nothing(api: Api) -> None:
    """A show with no sales is cancelled with zero refunds, and listing can leave it out."""
    world = api.world
    response = await api.call(
        "POST",
        f"/api/admin/shows/{world.show.show_id}/cancellation",
        "admin",
        json={"reason": "Low demand"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["refunds"] == 0
    assert response.json()["refunded"]["paise"] == 0
    path = f"/api/admin/theaters/{world.theater_a.theater_id}/shows"
    listed = await api.call("GET", path, "staff_a", params={"include_cancelled": "false"})
    assert listed.json() == []
    with_cancelled = await api.call("GET", path, "staff_a")
    assert [s["status"] for s in with_cancelled.json()] == [ShowStatus.CANCELLED.value]


async def test_cancelling_with_an_empty_reason_is_422(api: Api) -> None:
    """A show is cancelled with a reason: an empty one is refused naming ``reason``."""
    response = await api.call(
        "POST",
        f"/api/admin/shows/{api.world.show.show_id}/cancellation",
        "admin",
        json={"reason": "  "},
    )
    assert assert_error(response, 422, "invalid_input")["field"] == "reason"


async def test_cancelling_an_unknown_show_is_404(api: Api) -> None:
    """Cancelling a show that does not exist is 404."""
    response = await api.call(
        "POST", "/api/admin/shows/shw_nope/cancellation", "admin", json={"reason": "Gone"}
    )
    assert_error(response, 404, "not_found")
