"""Who may call each admin endpoint: the whole matrix of endpoints by actors, over HTTP.

The expectations are the library's permission table (``docs/catalog.md``, ``PERMISSIONS``):
cities and movies (manage catalog) are for platform admins only; theaters and screens (manage
theater) and shows (manage show, cancel show) are for platform admins anywhere and theater admins
in the theaters they manage — so only a platform admin creates a theater, which no one manages
yet.  Customers manage nothing; without a token every endpoint is 401.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Final

import pytest
from attrs import frozen

from bookmyshow.adapters.memory import ManualClock
from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.shows import ShowStatus
from bookmyshow.domain.users import PERMISSIONS, Action, Role, Scope
from tests.app.api import Api, assert_error
from tests.services.world import World


class Access(enum.Enum):
    """Who besides a platform admin may call an endpoint."""

    PLATFORM = "platform admins only"
    THEATER_A = "also theater A's admins (the endpoint acts on theater A)"


@frozen
class Endpoint:
    """One admin endpoint, called on the world's theater A (or its show, its movie)."""

    name: str
    method: str
    path: Callable[[World], str]
    body: Callable[[World, ManualClock, str | None], dict[str, Any] | None]
    action: Action
    access: Access
    success: int
    check: Callable[[World, Any], bool]
    """Whether an allowed call's answer is what the endpoint does on the world."""


def _none(_world: World, _clock: ManualClock, _actor: str | None) -> None:
    return None


def _show_body(world: World, clock: ManualClock, actor: str | None) -> dict[str, Any]:
    # Three days ahead or more (the world's own show on this screen is two days ahead), a day
    # apart per allowed actor, so that both of them schedule one.
    days = 3 if actor == "staff_a" else 4
    return {
        "movie_id": world.show.movie_id,
        "screen_id": world.show.screen_id,
        "starts_at": (clock.now() + timedelta(days=days)).isoformat(),
        "format": "2D",
        "language": "Hindi",
        "prices": {"silver": 15_000, "gold": 30_000},
    }


ENDPOINTS: Final = (
    Endpoint(
        name="add_city",
        method="POST",
        path=lambda w: "/api/admin/cities",
        body=lambda w, c, a: {"name": "Mysuru", "state": "Karnataka"},
        action=Action.MANAGE_CATALOG,
        access=Access.PLATFORM,
        success=201,
        check=lambda w, b: b["name"] == "Mysuru",
    ),
    Endpoint(
        name="add_movie",
        method="POST",
        path=lambda w: "/api/admin/movies",
        body=lambda w, c, a: {
            "title": "Second Queue",
            "languages": ["Kannada"],
            "duration_minutes": 120,
            "release_date": "2029-10-10",
            "certificate": "U",
        },
        action=Action.MANAGE_CATALOG,
        access=Access.PLATFORM,
        success=201,
        check=lambda w, b: b["title"] == "Second Queue",
    ),
    Endpoint(
        name="update_movie",
        method="PATCH",
        path=lambda w: f"/api/admin/movies/{w.show.movie_id}",
        body=lambda w, c, a: {"title": "The Longer Queue"},
        action=Action.MANAGE_CATALOG,
        access=Access.PLATFORM,
        success=200,
        check=lambda w, b: (b["movie_id"], b["title"]) == (w.show.movie_id, "The Longer Queue"),
    ),
    Endpoint(
        name="retire_movie",
        method="POST",
        path=lambda w: f"/api/admin/movies/{w.show.movie_id}/retirement",
        body=_none,
        action=Action.MANAGE_CATALOG,
        access=Access.PLATFORM,
        success=200,
        check=lambda w, b: (b["movie_id"], b["status"]) == (w.show.movie_id, "inactive"),
    ),
    Endpoint(
        name="activate_movie",
        method="POST",
        path=lambda w: f"/api/admin/movies/{w.show.movie_id}/activation",
        body=_none,
        action=Action.MANAGE_CATALOG,
        access=Access.PLATFORM,
        success=200,
        check=lambda w, b: (b["movie_id"], b["status"]) == (w.show.movie_id, "active"),
    ),
    Endpoint(
        name="add_theater",
        method="POST",
        path=lambda w: "/api/admin/theaters",
        body=lambda w, c, a: {
            "name": "Gopalan Cinemas",
            "city_id": w.theater_a.city_id,
            "address": "Bannerghatta Road",
            "location": {"lat": 12.88, "lon": 77.6},
        },
        action=Action.MANAGE_THEATER,
        access=Access.PLATFORM,
        success=201,
        check=lambda w, b: (b["name"], b["city_id"]) == ("Gopalan Cinemas", w.theater_a.city_id),
    ),
    Endpoint(
        name="update_theater",
        method="PATCH",
        path=lambda w: f"/api/admin/theaters/{w.theater_a.theater_id}",
        body=lambda w, c, a: {"name": "PVR Forum Gold"},
        action=Action.MANAGE_THEATER,
        access=Access.THEATER_A,
        success=200,
        check=lambda w, b: (
            (b["theater_id"], b["name"]) == (w.theater_a.theater_id, "PVR Forum Gold")
        ),
    ),
    Endpoint(
        name="screens_of_theater",
        method="GET",
        path=lambda w: f"/api/admin/theaters/{w.theater_a.theater_id}/screens",
        body=_none,
        action=Action.MANAGE_THEATER,
        access=Access.THEATER_A,
        success=200,
        check=lambda w, b: [s["screen_id"] for s in b] == [w.show.screen_id],
    ),
    Endpoint(
        name="add_screen",
        method="POST",
        path=lambda w: f"/api/admin/theaters/{w.theater_a.theater_id}/screens",
        body=lambda w, c, a: {
            "name": f"Audi {a}",
            "formats": ["2D"],
            "rows": [{"row": "A", "category": "silver", "seats": "ssxxss"}],
        },
        action=Action.MANAGE_THEATER,
        access=Access.THEATER_A,
        success=201,
        check=lambda w, b: (b["theater_id"], b["capacity"]) == (w.theater_a.theater_id, 4),
    ),
    Endpoint(
        name="schedule_show",
        method="POST",
        path=lambda w: "/api/admin/shows",
        body=_show_body,
        action=Action.MANAGE_SHOW,
        access=Access.THEATER_A,
        success=201,
        check=lambda w, b: (b["theater_id"], b["status"]) == (w.theater_a.theater_id, "scheduled"),
    ),
    Endpoint(
        name="shows_of_theater",
        method="GET",
        path=lambda w: f"/api/admin/theaters/{w.theater_a.theater_id}/shows",
        body=_none,
        action=Action.MANAGE_SHOW,
        access=Access.THEATER_A,
        success=200,
        check=lambda w, b: [s["show_id"] for s in b] == [w.show.show_id],
    ),
    Endpoint(
        name="cancel_show",
        method="POST",
        path=lambda w: f"/api/admin/shows/{w.show.show_id}/cancellation",
        body=lambda w, c, a: {"reason": "Sound system repair"},
        action=Action.CANCEL_SHOW,
        access=Access.THEATER_A,
        success=200,
        check=lambda w, b: (
            (b["show"]["show_id"], b["show"]["status"]) == (w.show.show_id, "cancelled")
        ),
    ),
)
"""Every admin route (checked against the app's routes below)."""

ACTORS: Final = (None, "alice", "staff_a", "staff_b", "admin")
"""Anonymous, a customer, theater A's admin, theater B's admin, a platform admin."""


def allowed(endpoint: Endpoint, actor: str | None) -> bool:
    """Whether ``actor`` may call ``endpoint``: the matrix itself."""
    return actor == "admin" or (actor == "staff_a" and endpoint.access is Access.THEATER_A)


async def call(api: Api, endpoint: Endpoint, actor: str | None, clock: ManualClock) -> Any:
    """Call ``endpoint`` as ``actor`` with its valid body."""
    body = endpoint.body(api.world, clock, actor)
    kwargs: dict[str, Any] = {} if body is None else {"json": body}
    return await api.call(endpoint.method, endpoint.path(api.world), actor, **kwargs)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
async def test_the_admin_authorization_matrix(
    api: Api, clock: ManualClock, endpoint: Endpoint
) -> None:
    """Each actor gets exactly its cell of the endpoint's row: 401 anonymous, 403
    ``permission_denied`` outside its grant, and inside it the success status with the answer
    of the endpoint's work."""
    # The refused first, so that the allowed calls after them see the world they left.
    refused = [actor for actor in ACTORS if not allowed(endpoint, actor)]
    for actor in refused:
        response = await call(api, endpoint, actor, clock)
        if actor is None:
            assert_error(response, 401, "not_authenticated")
        else:
            assert_error(response, 403, "permission_denied")
    for actor in [actor for actor in ACTORS if allowed(endpoint, actor)]:
        response = await call(api, endpoint, actor, clock)
        assert response.status_code == endpoint.success, (actor, response.text)
        assert endpoint.check(api.world, response.json()), (actor, response.text)


def test_the_matrix_covers_every_admin_route() -> None:
    """No admin route escapes the matrix: its endpoints are exactly the app's admin routes."""
    from bookmyshow.app.controllers import admin  # noqa: PLC0415 - the routes under test

    routes = {handler.fn.__name__ for handler in admin.ROUTES}  # type: ignore[union-attr]
    assert routes == {endpoint.name for endpoint in ENDPOINTS}


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])
def test_the_matrix_is_the_library_permission_table(endpoint: Endpoint) -> None:
    """The matrix encodes the library's table: platform-only endpoints act on a grant no
    customer or theater admin holds for them, theater endpoints on one theater admins hold in
    their managed theaters; customers hold none."""
    grants = PERMISSIONS[endpoint.action]
    assert grants[Role.PLATFORM_ADMIN] is Scope.ANY
    assert Role.CUSTOMER not in grants
    if endpoint.access is Access.THEATER_A:
        assert grants[Role.THEATER_ADMIN] is Scope.MANAGED_THEATER
    elif endpoint.name == "add_theater":
        # Managed-theater grants reach only theaters on the admin's list; a new one is on none.
        assert grants[Role.THEATER_ADMIN] is Scope.MANAGED_THEATER
    else:
        assert Role.THEATER_ADMIN not in grants


async def test_a_refused_theater_admin_changes_nothing(
    api: Api, clock: ManualClock, system: Ticketing
) -> None:
    """Theater B's admin, refused on every write to theater A, leaves theater A as it was."""
    world = api.world
    for endpoint in ENDPOINTS:
        if endpoint.method != "GET":
            assert_error(await call(api, endpoint, "staff_b", clock), 403, "permission_denied")
    theater = await system.catalog.get_theater(world.admin, world.theater_a.theater_id)
    assert theater == world.theater_a
    screens = await system.catalog.screens_of(world.admin, world.theater_a.theater_id)
    assert [s.screen_id for s in screens] == [world.show.screen_id]
    shows = await system.catalog.shows_of_theater(world.admin, world.theater_a.theater_id)
    assert [(s.show_id, s.status) for s in shows] == [(world.show.show_id, ShowStatus.SCHEDULED)]
    movie = await system.catalog.get_movie(world.admin, world.show.movie_id)
    assert movie.title == "The Long Queue"


async def test_each_theater_admin_manages_their_own_theater(api: Api) -> None:
    """Theater B's admin, refused on theater A, manages theater B: the refusal is about scope."""
    world = api.world
    theater_b = world.theater_b.theater_id
    screens = await api.call("GET", f"/api/admin/theaters/{theater_b}/screens", "staff_b")
    assert screens.status_code == 200, screens.text
    assert [s["screen_id"] for s in screens.json()] == [world.other_show.screen_id]
    cancelled = await api.call(
        "POST",
        f"/api/admin/shows/{world.other_show.show_id}/cancellation",
        "staff_b",
        json={"reason": "Power cut"},
    )
    assert cancelled.status_code == 200, cancelled.text
    refused = await api.call("GET", f"/api/admin/theaters/{theater_b}/shows", "staff_a")
    assert_error(refused, 403, "permission_denied")
