"""Who may do what to a booking over HTTP, as one table: a customer reads, pays and cancels only
their own bookings; a theater admin reads and checks in only the bookings of their theaters; a
platform admin does everything; anonymous callers get 401 on every holds and bookings route.

The table's refusals are the library's (``PermissionDenied`` → 403 ``permission_denied``): a
booking someone may not see is refused, not hidden as 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import pytest

from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS
from tests.app.api import Api, assert_error, key

pytestmark = pytest.mark.asyncio

ACTORS: Final = ("alice", "bob", "staff_a", "staff_b", "admin")
"""The booking's owner, another customer, theater A's admin (the booking's theater), theater
B's admin and a platform admin."""

ALLOWED: Final = {
    "view": ("alice", "staff_a", "admin"),
    "ticket": ("alice", "staff_a", "admin"),
    "preview": ("alice", "admin"),
    "cancel": ("alice", "admin"),
    "check_in": ("staff_a", "admin"),
    # Paying is for the customer (and a platform admin); the booking is already paid, so those
    # allowed get past authorization to the state check: 409 booking_not_payable.
    "pay": ("alice", "admin"),
}
"""Who may do each action to alice's confirmed booking of a show in theater A; every other
actor is refused 403 permission_denied."""

_CHANGES: Final = {"cancel", "check_in"}
"""The actions that change the booking, so each allowed actor acts on a booking of its own."""


def _answers(action: str, booking: dict[str, Any], response: Any) -> None:
    """Check an allowed ``action``'s answer: the booking's own data, in its new state."""
    if action == "pay":
        assert assert_error(response, 409, "booking_not_payable")["status"] == "confirmed"
        return
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["booking_id"] == booking["booking_id"], body
    checks: dict[str, Callable[[dict[str, Any]], bool]] = {
        "view": lambda b: (b["status"], b["seats"]) == ("confirmed", booking["seats"]),
        "ticket": lambda b: b["booking_code"] == booking["booking_code"],
        "preview": lambda b: b["seats"] == booking["seats"] and b["amount"]["paise"] > 0,
        "cancel": lambda b: b["status"] == "refunded",
        "check_in": lambda b: b["status"] == "checked_in",
    }
    assert checks[action](body), body


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


async def status_of(api: Api, booking: dict[str, Any]) -> str:
    """The booking's status as its owner reads it."""
    response = await api.call("GET", f"/api/bookings/{booking['booking_id']}", "alice")
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


@pytest.mark.parametrize("action", list(ALLOWED))
async def test_booking_authorization_matrix(api: Api, action: str) -> None:
    """Each actor may do exactly what the table says to alice's confirmed booking: the refused
    get 403 and change nothing, the allowed get the booking's own answer."""
    booking = await api.buy("alice", ["A1", "A2"])
    for actor in [actor for actor in ACTORS if actor not in ALLOWED[action]]:
        assert_error(await act(api, action, actor, booking), 403, "permission_denied")
    assert await status_of(api, booking) == "confirmed"
    for index, actor in enumerate(ALLOWED[action]):
        if action in _CHANGES and index > 0:
            booking = await api.buy("alice", [f"C{index}"])
        _answers(action, booking, await act(api, action, actor, booking))


@pytest.mark.parametrize("actor", ["bob", "admin"])
async def test_booking_list_holds_only_the_callers_own(api: Api, actor: str) -> None:
    """GET /api/bookings lists the caller's own bookings only, whoever the caller is."""
    booking = await api.buy("alice", ["B1"])
    mine = await api.call("GET", "/api/bookings", "alice")
    assert [b["booking_id"] for b in mine.json()] == [booking["booking_id"]]
    theirs = await api.call("GET", "/api/bookings", actor)
    assert theirs.status_code == 200, theirs.text
    assert theirs.json() == []


async def test_theater_admin_has_no_booking_list(api: Api) -> None:
    """A theater admin buys no tickets, and the library refuses them a list of "their own"
    bookings: 403 permission_denied (they read bookings one by one, by theater)."""
    await api.buy("alice", ["B2"])
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
    memory_api: Api, method: str, path: str
) -> None:
    """Without an access token every holds and bookings route is 401 not_authenticated, even
    for things that exist and with a valid body; a malformed Authorization header too."""
    api = memory_api
    booking = await api.buy("alice", ["C1"])
    holds = f"/api/shows/{api.world.show.show_id}/holds"
    held = await api.call("POST", holds, "alice", json={"seats": ["C2"]})
    assert held.status_code == 201, held.text
    hold_path = f"{holds}/{held.json()['hold_id']}"
    url = path.format(holds=holds, hold=hold_path, booking=f"/api/bookings/{booking['booking_id']}")
    body: dict[str, Any] = {
        "seats": ["C3"],
        "show_id": api.world.show.show_id,
        "hold_id": held.json()["hold_id"],
        "card_number": CARD_SUCCEEDS,
        "booking_code": booking["booking_code"],
    }
    kwargs: dict[str, Any] = {"json": body} if method == "POST" else {}
    for headers in ({**key()}, {**key(), "Authorization": "Basic YWxpY2U6cHc="}):
        response = await api.call(method, url, None, headers=headers, **kwargs)
        assert_error(response, 401, "not_authenticated")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    still = await api.call("GET", hold_path, "alice")
    assert still.status_code == 200, still.text
    assert await status_of(api, booking) == "confirmed"
