"""Who may do what to a booking over HTTP, as one table: a customer reads, pays and cancels only
their own bookings; a theater admin reads and checks in only the bookings of their theaters; a
platform admin does everything; anonymous callers get 401 on every holds and bookings route.

The table's refusals are the library's (``PermissionDenied`` → 403 ``permission_denied``): a
booking someone may not see is refused, not hidden as 404.
"""

from __future__ import annotations

from typing import Any

import pytest

from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS
from tests.app.api import Api, assert_error
from tests.app.test_bookings_api import key, purchase
from tests.app.test_holds_api import hold, holds_path

pytestmark = pytest.mark.asyncio

_OK = 200
_DENIED = (403, "permission_denied")
_NOT_PAYABLE = (409, "booking_not_payable")

# (action, actor, expected): expected is 200 or (status, code).  Alice owns a confirmed booking
# of a show in theater A; staff_a manages theater A, staff_b theater B.
MATRIX: list[tuple[str, str, int | tuple[int, str]]] = [
    ("view", "alice", _OK),
    ("view", "bob", _DENIED),
    ("view", "staff_a", _OK),
    ("view", "staff_b", _DENIED),
    ("view", "admin", _OK),
    ("ticket", "alice", _OK),
    ("ticket", "bob", _DENIED),
    ("ticket", "staff_a", _OK),
    ("ticket", "staff_b", _DENIED),
    ("ticket", "admin", _OK),
    ("preview", "alice", _OK),
    ("preview", "bob", _DENIED),
    ("preview", "staff_a", _DENIED),
    ("preview", "staff_b", _DENIED),
    ("preview", "admin", _OK),
    ("cancel", "alice", _OK),
    ("cancel", "bob", _DENIED),
    ("cancel", "staff_a", _DENIED),
    ("cancel", "staff_b", _DENIED),
    ("cancel", "admin", _OK),
    ("check_in", "alice", _DENIED),
    ("check_in", "bob", _DENIED),
    ("check_in", "staff_a", _OK),
    ("check_in", "staff_b", _DENIED),
    ("check_in", "admin", _OK),
    # Paying is for the customer (and a platform admin); the booking is already paid, so those
    # allowed get past authorization to the state check.
    ("pay", "alice", _NOT_PAYABLE),
    ("pay", "bob", _DENIED),
    ("pay", "staff_a", _DENIED),
    ("pay", "staff_b", _DENIED),
    ("pay", "admin", _NOT_PAYABLE),
]

_STATUS_AFTER = {"cancel": "refunded", "check_in": "checked_in"}
"""The booking's status after an allowed action that changes it (others leave it confirmed)."""


async def act(api: Api, action: str, actor: str | None, booking: dict[str, Any]) -> Any:
    """Do ``action`` on ``booking`` as ``actor``; return the response."""
    path = f"/api/bookings/{booking['booking_id']}"
    if action == "view":
        return await api.call("GET", path, actor)
    if action == "ticket":
        return await api.call("GET", path + "/ticket", actor)
    if action == "preview":
        return await api.call("GET", path + "/cancellation", actor)
    if action == "cancel":
        return await api.call("POST", path + "/cancellation", actor)
    if action == "check_in":
        body = {"booking_code": booking["booking_code"]}
        return await api.call("POST", "/api/check-ins", actor, json=body)
    if action == "pay":
        body = {"card_number": CARD_SUCCEEDS}
        return await api.call("POST", path + "/payment", actor, json=body, headers=key())
    raise AssertionError(f"unknown action {action}")


@pytest.mark.parametrize(
    ("action", "actor", "expected"),
    [pytest.param(*row, id=f"{row[0]}-{row[1]}") for row in MATRIX],
)
async def test_booking_authorization_matrix(
    api: Api, action: str, actor: str, expected: int | tuple[int, str]
) -> None:
    """Each actor may do exactly what the table says to alice's confirmed booking; a refusal
    changes nothing."""
    booking = await purchase(api, "alice", ["A1", "A2"])
    response = await act(api, action, actor, booking)
    if isinstance(expected, tuple):
        assert_error(response, *expected)
    else:
        assert response.status_code == expected, response.text
    after = await api.call("GET", f"/api/bookings/{booking['booking_id']}", "alice")
    allowed = not isinstance(expected, tuple)
    assert after.json()["status"] == (
        _STATUS_AFTER.get(action, "confirmed") if allowed else "confirmed"
    )


@pytest.mark.parametrize("actor", ["bob", "admin"])
async def test_booking_list_holds_only_the_callers_own(api: Api, actor: str) -> None:
    """GET /api/bookings lists the caller's own bookings only, whoever the caller is."""
    booking = await purchase(api, "alice", ["B1"])
    mine = await api.call("GET", "/api/bookings", "alice")
    assert [b["booking_id"] for b in mine.json()] == [booking["booking_id"]]
    theirs = await api.call("GET", "/api/bookings", actor)
    assert theirs.status_code == 200, theirs.text
    assert theirs.json() == []


async def test_theater_admin_has_no_booking_list(api: Api) -> None:
    """A theater admin buys no tickets, and the library refuses them a list of "their own"
    bookings: 403 permission_denied (they read bookings one by one, by theater)."""
    await purchase(api, "alice", ["B2"])
    response = await api.call("GET", "/api/bookings", "staff_a")
    assert_error(response, 403, "permission_denied")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "{holds}"),
        ("GET", "{hold}"),
        ("POST", "{hold}/extension"),
        ("DELETE", "{hold}"),
        ("GET", "{hold}/quote"),
        ("POST", "/api/bookings"),
        ("GET", "/api/bookings"),
        ("GET", "{booking}"),
        ("POST", "{booking}/payment"),
        ("GET", "{booking}/ticket"),
        ("GET", "{booking}/cancellation"),
        ("POST", "{booking}/cancellation"),
        ("POST", "/api/check-ins"),
    ],
)
async def test_anonymous_callers_are_unauthenticated_everywhere(
    api: Api, method: str, path: str
) -> None:
    """Without an access token every holds and bookings route is 401 not_authenticated, even
    for things that exist and with a valid body; a malformed Authorization header too."""
    booking = await purchase(api, "alice", ["C1"])
    held = await hold(api, "alice", {"seats": ["C2"]})
    url = path.format(
        holds=holds_path(api),
        hold=holds_path(api, held["hold_id"]),
        booking=f"/api/bookings/{booking['booking_id']}",
    )
    body: dict[str, Any] = {
        "seats": ["C3"],
        "show_id": api.world.show.show_id,
        "hold_id": held["hold_id"],
        "card_number": CARD_SUCCEEDS,
        "booking_code": booking["booking_code"],
    }
    kwargs: dict[str, Any] = {"json": body} if method == "POST" else {}
    for headers in ({**key()}, {**key(), "Authorization": "Basic YWxpY2U6cHc="}):
        response = await api.call(method, url, None, headers=headers, **kwargs)
        assert_error(response, 401, "not_authenticated")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    still = await api.call("GET", holds_path(api, held["hold_id"]), "alice")
    assert still.status_code == 200, still.text
    after = await api.call("GET", f"/api/bookings/{booking['booking_id']}", "alice")
    assert after.json()["status"] == "confirmed"
