"""The reviews routes: write a review, page a movie's reviews by cursor, vote one helpful, and
the movie's rating summary."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bookmyshow.adapters.memory import ManualClock
from bookmyshow.bootstrap import Ticketing
from tests.app.api import Api, assert_error
from tests.services.world import PASSWORD, confirmed_booking


async def register_carol(api: Api) -> dict[str, str]:
    """A third customer, registered through the API; returns her Authorization header."""
    account = {"email": "carol@example.com", "name": "Carol", "password": PASSWORD}
    registered = await api.call("POST", "/api/auth/register", json=account)
    assert registered.status_code == 201, registered.text
    return {"Authorization": f"Bearer {await api.login(account['email'])}"}


async def review(api: Api, actor: str, rating: int, body: str = "") -> dict[str, Any]:
    """``actor`` reviews the world's movie; returns the created review."""
    movie_id = api.world.show.movie_id
    response = await api.call(
        "POST", f"/api/movies/{movie_id}/reviews", actor, json={"rating": rating, "body": body}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_a_customer_writes_a_review(api: Api, clock: ManualClock) -> None:
    """Writing a review answers 201 with it: rating, body, unverified without a viewing, no
    helpful votes, written now."""
    created = await review(api, "alice", 8, "Worth the wait.")
    assert created["review_id"]
    assert created["movie_id"] == api.world.show.movie_id
    assert created["user_id"] == api.world.alice.user_id
    assert (created["rating"], created["body"]) == (8, "Worth the wait.")
    assert created["verified"] is False
    assert created["helpful"] == 0
    assert datetime.fromisoformat(created["created_at"]) == clock.now()
    assert created["edited_at"] is None


async def test_writing_a_review_is_refused_for_bad_input(api: Api) -> None:
    """A rating outside 1..10 is 422 naming ``rating``; a mistyped rating is 400; an unknown
    movie is 404; a second review of the same movie is 409 ``review_exists``."""
    path = f"/api/movies/{api.world.show.movie_id}/reviews"
    for rating in (0, 11):
        response = await api.call("POST", path, "alice", json={"rating": rating})
        assert assert_error(response, 422, "invalid_input")["field"] == "rating"
    mistyped = await api.call("POST", path, "alice", json={"rating": "ten"})
    assert_error(mistyped, 400, "invalid_request")
    too_long = await api.call("POST", path, "alice", json={"rating": 5, "body": "x" * 5001})
    assert assert_error(too_long, 422, "invalid_input")["field"] == "text"
    unknown = await api.call("POST", "/api/movies/mov_missing/reviews", "alice", json={"rating": 5})
    assert_error(unknown, 404, "not_found")
    await review(api, "alice", 6)
    again = await api.call("POST", path, "alice", json={"rating": 9})
    assert_error(again, 409, "review_exists")


async def test_writing_a_review_needs_a_customer_token(api: Api) -> None:
    """Without a token writing is 401; a theater admin (not a customer) is 403."""
    path = f"/api/movies/{api.world.show.movie_id}/reviews"
    assert_error(await api.call("POST", path, json={"rating": 5}), 401, "not_authenticated")
    staff = await api.call("POST", path, "staff_a", json={"rating": 5})
    assert_error(staff, 403, "permission_denied")


async def test_reviews_page_newest_first_by_cursor(api: Api, clock: ManualClock) -> None:
    """Reviews page newest first; ``next_cursor`` walks to the last page, where it is null."""
    await review(api, "alice", 8, "first")
    clock.advance(timedelta(minutes=1))
    await review(api, "bob", 6, "second")
    clock.advance(timedelta(minutes=1))
    carol = await register_carol(api)
    movie_id = api.world.show.movie_id
    written = await api.call(
        "POST",
        f"/api/movies/{movie_id}/reviews",
        headers=carol,
        json={"rating": 10, "body": "third"},
    )
    assert written.status_code == 201, written.text

    path = f"/api/movies/{movie_id}/reviews"
    first = await api.call("GET", path, params={"limit": 2})
    assert first.status_code == 200, first.text
    assert [r["body"] for r in first.json()["items"]] == ["third", "second"]
    cursor = first.json()["next_cursor"]
    assert isinstance(cursor, str)
    second = await api.call("GET", path, params={"limit": 2, "cursor": cursor})
    assert [r["body"] for r in second.json()["items"]] == ["first"]
    assert second.json()["next_cursor"] is None


async def test_reviews_page_most_helpful_first(api: Api, clock: ManualClock) -> None:
    """``order=helpful`` puts an older review with a helpful vote before a newer one without,
    with its count, where ``newest`` puts the newer one first."""
    alices = await review(api, "alice", 8, "helpful one")
    clock.advance(timedelta(minutes=1))
    await review(api, "bob", 6, "newer one")
    voted = await api.call("POST", f"/api/reviews/{alices['review_id']}/helpful", "bob")
    assert voted.status_code == 200, voted.text
    path = f"/api/movies/{api.world.show.movie_id}/reviews"
    newest = await api.call("GET", path, params={"order": "newest"})
    assert [r["body"] for r in newest.json()["items"]] == ["newer one", "helpful one"]
    helpful = await api.call("GET", path, params={"order": "helpful"})
    items = helpful.json()["items"]
    assert [(r["body"], r["helpful"]) for r in items] == [("helpful one", 1), ("newer one", 0)]


async def test_listing_reviews_refuses_bad_parameters(api: Api) -> None:
    """A bad order, limit or cursor is 422 naming it."""
    path = f"/api/movies/{api.world.show.movie_id}/reviews"
    cases = {"order": {"order": "loudest"}, "limit": {"limit": 0}, "cursor": {"cursor": "junk"}}
    for field, params in cases.items():
        response = await api.call("GET", path, params=params)
        assert assert_error(response, 422, "invalid_input")["field"] == field, params


async def test_an_unreviewed_movie_has_an_empty_page_and_summary(api: Api) -> None:
    """The world's movie, never reviewed, pages no reviews and summarizes none: count 0, no
    average, every rating 10..1 at zero."""
    movie_id = api.world.show.movie_id
    page = await api.call("GET", f"/api/movies/{movie_id}/reviews")
    assert page.status_code == 200, page.text
    assert page.json() == {"items": [], "next_cursor": None}
    summary = await api.call("GET", f"/api/movies/{movie_id}/rating")
    assert summary.status_code == 200, summary.text
    body = summary.json()
    assert (body["movie_id"], body["count"], body["average"]) == (movie_id, 0, None)
    histogram = body["histogram"]
    assert [(h["rating"], h["count"]) for h in histogram] == [(r, 0) for r in range(10, 0, -1)]


async def test_a_review_is_voted_helpful_once_per_user(api: Api) -> None:
    """Each user's vote counts once (voting again answers the same count); the author cannot
    vote for their own review (403); an unknown review is 404; voting needs a token."""
    created = await review(api, "alice", 7)
    path = f"/api/reviews/{created['review_id']}/helpful"
    first = await api.call("POST", path, "bob")
    assert first.status_code == 200, first.text
    assert first.json() == {"review_id": created["review_id"], "helpful": 1}
    assert (await api.call("POST", path, "bob")).json()["helpful"] == 1
    admin = await api.call("POST", path, "admin")
    assert admin.json()["helpful"] == 2
    assert_error(await api.call("POST", path, "alice"), 403, "cannot_vote_own_review")
    assert_error(await api.call("POST", path), 401, "not_authenticated")
    assert_error(
        await api.call("POST", "/api/reviews/rev_missing/helpful", "bob"), 404, "not_found"
    )


async def test_rating_summary_follows_the_reviews(api: Api) -> None:
    """The summary counts the reviews, averages them to one decimal and lists every rating
    10..1; the movie's own rating follows."""
    movie_id = api.world.show.movie_id
    empty = await api.call("GET", f"/api/movies/{movie_id}/rating")
    assert empty.status_code == 200, empty.text
    assert (empty.json()["count"], empty.json()["average"]) == (0, None)
    await review(api, "alice", 8)
    await review(api, "bob", 7)
    response = await api.call("GET", f"/api/movies/{movie_id}/rating")
    body = response.json()
    assert body["movie_id"] == movie_id
    assert (body["count"], body["average"]) == (2, "7.5")
    histogram = body["histogram"]
    assert [h["rating"] for h in histogram] == list(range(10, 0, -1))
    assert {h["rating"]: h["count"] for h in histogram if h["count"]} == {8: 1, 7: 1}
    movie = (await api.call("GET", f"/api/movies/{movie_id}")).json()
    assert (movie["rating"], movie["rating_count"]) == ("7.5", 2)


async def test_a_review_after_seeing_the_show_is_verified(
    api: Api, system: Ticketing, clock: ManualClock
) -> None:
    """A customer with a confirmed booking of a show that has started writes a verified
    review."""
    world = api.world
    await confirmed_booking(system, world.bob, world.show.show_id, ["A1"])
    clock.advance(world.show.starts_at - clock.now() + timedelta(hours=3))
    # The log-in is after the clock moved, so the token is fresh.
    created = await review(api, "bob", 9, "Saw it.")
    assert created["verified"] is True
