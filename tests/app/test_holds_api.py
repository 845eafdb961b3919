"""The holds API: hold chosen or best-available seats, read, extend, release and price a hold."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from attrs import evolve

from bookmyshow.adapters.memory import ManualClock
from bookmyshow.app import AppConfig
from bookmyshow.app.config import RateLimit, RateLimits
from tests.app.api import Api, assert_error

pytestmark = pytest.mark.asyncio


@pytest.fixture
def config(config: AppConfig, request: pytest.FixtureRequest) -> AppConfig:
    """The conftest's configuration, with the rate limits a test parametrizes indirectly."""
    limits: RateLimits | None = getattr(request, "param", None)
    return config if limits is None else evolve(config, rate_limits=limits)


def holds_path(api: Api, hold_id: str | None = None) -> str:
    """The holds collection of the world's show, or one hold of it."""
    base = f"/api/shows/{api.world.show.show_id}/holds"
    return base if hold_id is None else f"{base}/{hold_id}"


async def hold(api: Api, actor: str, body: dict[str, Any]) -> dict[str, Any]:
    """Make a hold on the world's show as ``actor``; return the HoldRead."""
    response = await api.call("POST", holds_path(api), actor, json=body)
    assert response.status_code == 201, response.text
    read: dict[str, Any] = response.json()
    return read


def instant(text: str) -> datetime:
    """An ISO 8601 instant from the wire, which must carry its offset."""
    parsed = datetime.fromisoformat(text)
    assert parsed.tzinfo is not None, text
    return parsed


async def test_hold_of_chosen_seats_is_the_callers_until_it_expires(
    api: Api, clock: ManualClock
) -> None:
    """Holding chosen seats answers 201 with the seats, a fencing token and a future expiry."""
    read = await hold(api, "alice", {"seats": ["A2", "A1"]})
    assert read["seats"] == ["A1", "A2"]
    assert read["show_id"] == api.world.show.show_id
    assert isinstance(read["token"], int)
    assert read["token"] > 0
    assert instant(read["expires_at"]) > clock.now()
    assert instant(read["max_expires_at"]) >= instant(read["expires_at"])
    assert read["placement"] is None
    again = await api.call("GET", holds_path(api, read["hold_id"]), "alice")
    assert again.status_code == 200, again.text
    assert again.json() == read


async def test_best_available_hold_places_seats_together_in_the_category(api: Api) -> None:
    """Best-available holds ``count`` adjacent seats of the category and says how it placed them."""
    read = await hold(api, "alice", {"best_available": {"count": 3, "category": "gold"}})
    seats = read["seats"]
    assert len(seats) == 3
    assert all(seat.startswith("C") for seat in seats)
    numbers = sorted(int(seat[1:]) for seat in seats)
    assert numbers == list(range(numbers[0], numbers[0] + 3))
    assert read["placement"] == {"category": "gold", "step": "strict"}


async def test_seats_held_by_someone_else_are_refused_naming_them(api: Api) -> None:
    """A hold overlapping another customer's hold is 409 seats_unavailable naming the overlap."""
    await hold(api, "alice", {"seats": ["A1"]})
    response = await api.call("POST", holds_path(api), "bob", json={"seats": ["A1", "A2"]})
    details = assert_error(response, 409, "seats_unavailable")
    assert details["seats"] == ["A1"]
    # All or none: A2 was not taken by the refused request.
    await hold(api, "bob", {"seats": ["A2"]})


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="neither"),
        pytest.param({"seats": ["A1"], "best_available": {"count": 1}}, id="both"),
    ],
)
async def test_hold_body_gives_exactly_one_way_of_choosing(api: Api, body: dict[str, Any]) -> None:
    """A hold body with neither or both of seats and best_available is 422 naming seats."""
    response = await api.call("POST", holds_path(api), "alice", json=body)
    assert assert_error(response, 422, "invalid_input")["field"] == "seats"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"seats": ["Z9"]}, id="unknown-seat"),
        pytest.param({"seats": []}, id="no-seats"),
        pytest.param({"best_available": {"count": 0}}, id="zero-count"),
    ],
)
async def test_hold_of_no_real_seat_is_invalid_input(api: Api, body: dict[str, Any]) -> None:
    """Holding a seat the screen lacks, no seat at all, or zero best seats is 422."""
    response = await api.call("POST", holds_path(api), "alice", json=body)
    assert_error(response, 422, "invalid_input")


async def test_malformed_hold_body_is_a_bad_request(api: Api) -> None:
    """A hold body of the wrong shape is 400 invalid_request."""
    response = await api.call("POST", holds_path(api), "alice", json={"seats": "A1"})
    assert_error(response, 400, "invalid_request")


async def test_hold_on_an_unknown_show_is_not_found(api: Api) -> None:
    """Holding seats of a show that does not exist is 404 not_found."""
    response = await api.call(
        "POST", "/api/shows/shw_missing/holds", "alice", json={"seats": ["A1"]}
    )
    assert_error(response, 404, "not_found")


async def test_theater_admin_cannot_hold_seats(api: Api) -> None:
    """Only customers and platform admins hold seats: theater staff get 403."""
    response = await api.call("POST", holds_path(api), "staff_a", json={"seats": ["A1"]})
    assert_error(response, 403, "permission_denied")


async def test_extension_moves_the_expiry_up_to_the_maximum(api: Api, clock: ManualClock) -> None:
    """Extending moves expires_at later, until the maximum: then 409 hold_extension_limit."""
    read = await hold(api, "alice", {"seats": ["B1"]})
    path = holds_path(api, read["hold_id"]) + "/extension"
    clock.advance(timedelta(minutes=5))
    extended = await api.call("POST", path, "alice")
    assert extended.status_code == 200, extended.text
    later = extended.json()
    assert later["hold_id"] == read["hold_id"]
    assert later["seats"] == read["seats"]
    assert instant(later["expires_at"]) > instant(read["expires_at"])
    assert instant(later["expires_at"]) <= instant(read["max_expires_at"])
    last = later
    for _ in range(5):
        response = await api.call("POST", path, "alice")
        if response.status_code != 200:
            break
        last = response.json()
    assert instant(last["expires_at"]) == instant(read["max_expires_at"])
    assert_error(response, 409, "hold_extension_limit")


async def test_release_frees_the_seats_at_once(api: Api) -> None:
    """Releasing answers the released hold; it is then gone and its seats can be held again."""
    read = await hold(api, "alice", {"seats": ["A3", "A4"]})
    released = await api.call("DELETE", holds_path(api, read["hold_id"]), "alice")
    assert released.status_code == 200, released.text
    assert released.json()["hold_id"] == read["hold_id"]
    assert released.json()["seats"] == ["A3", "A4"]
    gone = await api.call("GET", holds_path(api, read["hold_id"]), "alice")
    assert_error(gone, 404, "hold_not_found")
    again = await api.call("DELETE", holds_path(api, read["hold_id"]), "alice")
    assert_error(again, 404, "hold_not_found")
    await hold(api, "bob", {"seats": ["A3", "A4"]})


async def test_expired_hold_reads_as_expired_and_frees_its_seats(
    api: Api, clock: ManualClock
) -> None:
    """Past its expiry a hold is 404 hold_expired and another customer can hold its seats."""
    read = await hold(api, "alice", {"seats": ["A5"]})
    clock.set(instant(read["expires_at"]) + timedelta(seconds=1))
    response = await api.call("GET", holds_path(api, read["hold_id"]), "alice")
    assert_error(response, 404, "hold_expired")
    await hold(api, "bob", {"seats": ["A5"]})


@pytest.mark.parametrize(
    ("method", "suffix", "actor", "code"),
    [
        pytest.param("GET", "", "bob", "permission_denied", id="read-customer"),
        pytest.param("GET", "", "staff_a", "permission_denied", id="read-staff"),
        pytest.param("POST", "/extension", "bob", "permission_denied", id="extend-customer"),
        pytest.param("POST", "/extension", "staff_a", "permission_denied", id="extend-staff"),
        pytest.param("DELETE", "", "bob", "permission_denied", id="release-customer"),
        pytest.param("DELETE", "", "staff_a", "permission_denied", id="release-staff"),
        # Pricing checks the hold's owner itself; staff may not price for anyone at all.
        pytest.param("GET", "/quote", "bob", "not_hold_owner", id="quote-customer"),
        pytest.param("GET", "/quote", "staff_a", "permission_denied", id="quote-staff"),
    ],
)
async def test_someone_elses_hold_is_forbidden(
    api: Api, method: str, suffix: str, actor: str, code: str
) -> None:
    """Nobody but the owner reads, extends, releases or prices a hold: 403 as the library says,
    and the hold is left as it was."""
    read = await hold(api, "alice", {"seats": ["C1"]})
    path = holds_path(api, read["hold_id"]) + suffix
    assert_error(await api.call(method, path, actor), 403, code)
    still = await api.call("GET", holds_path(api, read["hold_id"]), "alice")
    assert still.status_code == 200, still.text
    assert still.json()["expires_at"] == read["expires_at"]


async def test_platform_admin_reads_any_hold(api: Api) -> None:
    """A platform admin may read a customer's hold."""
    read = await hold(api, "alice", {"seats": ["C2"]})
    response = await api.call("GET", holds_path(api, read["hold_id"]), "admin")
    assert response.status_code == 200, response.text
    assert response.json()["hold_id"] == read["hold_id"]


async def test_quote_itemizes_the_hold_in_integer_paise(api: Api) -> None:
    """The quote lists per-seat lines that sum exactly to the total, all in integer paise."""
    read = await hold(api, "alice", {"seats": ["A1", "C1"]})
    response = await api.call("GET", holds_path(api, read["hold_id"]) + "/quote", "alice")
    assert response.status_code == 200, response.text
    quote = response.json()
    assert sorted(quote["seats"]) == ["A1", "C1"]
    amounts = [line["amount"]["paise"] for line in quote["lines"]]
    assert all(isinstance(a, int) for a in amounts)
    assert sum(amounts) == quote["total"]["paise"]
    assert quote["total"]["currency"] == "INR"
    tickets = {t["seat"]: t for t in quote["tickets"]}
    assert tickets["A1"]["category"] == "silver"
    assert tickets["A1"]["price"]["paise"] == 20_000
    assert tickets["C1"]["price"]["paise"] == 35_000
    assert quote["subtotal"]["paise"] == 55_000
    assert sum(t["total"]["paise"] for t in quote["tickets"]) == quote["total"]["paise"]
    assert {line["seat"] for line in quote["lines"] if line["kind"] == "ticket"} == {"A1", "C1"}
    assert quote["coupon_code"] is None


async def test_quote_with_an_unknown_coupon_is_refused(api: Api) -> None:
    """Pricing with a coupon that does not exist is 409 coupon_rejected."""
    read = await hold(api, "alice", {"seats": ["A1"]})
    path = holds_path(api, read["hold_id"]) + "/quote"
    response = await api.call("GET", path, "alice", params={"coupon": "NOPE"})
    assert assert_error(response, 409, "coupon_rejected")["reason"] == "unknown"


@pytest.mark.parametrize(
    ("coupon", "reason"),
    [("x" * 200, "1 to"), ("TWO WORDS", "no whitespace")],
    ids=["too-long", "whitespace"],
)
async def test_quote_names_the_coupon_parameter_for_a_malformed_code(
    api: Api, coupon: str, reason: str
) -> None:
    """A malformed coupon code is 422 naming the ``coupon`` query parameter the client sent
    (not the library's ``code``), with the library's reason."""
    read = await hold(api, "alice", {"seats": ["A1"]})
    path = holds_path(api, read["hold_id"]) + "/quote"
    response = await api.call("GET", path, "alice", params={"coupon": coupon})
    details = assert_error(response, 422, "invalid_input")
    assert details["field"] == "coupon"
    assert details["reason"].startswith(reason), details


@pytest.mark.parametrize(
    "config",
    [RateLimits(hold=RateLimit(limit=2, window=timedelta(minutes=1)))],
    indirect=True,
    ids=["hold-limit-2"],
)
async def test_holds_are_rate_limited_per_user(api: Api) -> None:
    """Past the hold rate limit a user gets 429 with Retry-After; another user is unaffected."""
    path = holds_path(api)
    for seat in ("A1", "A2"):
        response = await api.call("POST", path, "alice", json={"seats": [seat]})
        assert response.status_code == 201, response.text
    limited = await api.call("POST", path, "alice", json={"seats": ["A3"]})
    details = assert_error(limited, 429, "rate_limited")
    assert details["retry_after_seconds"] > 0
    assert int(limited.headers["Retry-After"]) >= 1
    other = await api.call("POST", path, "bob", json={"seats": ["A3"]})
    assert other.status_code == 201, other.text
