"""The browsing routes: cities, theaters, movie search and suggest, movie details, show listings
and seat maps, for anonymous visitors and signed-in callers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.catalog import Movie
from tests.app.api import Api, assert_error
from tests.services.world import confirmed_booking

SHOW_DAY = "2030-01-03"
"""The local (IST) date of the world's shows: 09:00 UTC two days after the clock's start."""


async def add_movies(system: Ticketing, api: Api) -> tuple[Movie, Movie]:
    """Two more movies: an English action movie and a Tamil drama (coming soon)."""
    admin = api.world.admin
    action = await system.catalog.add_movie(
        admin,
        title="Midnight Express Run",
        languages=["English"],
        duration=timedelta(minutes=120),
        release_date=date(2029, 11, 1),
        certificate="A",
        genres=["Action", "Thriller"],
        cast=["Asha Rao"],
    )
    drama = await system.catalog.add_movie(
        admin,
        title="Quiet Harbour",
        languages=["Tamil"],
        duration=timedelta(minutes=100),
        release_date=date(2030, 2, 1),
        certificate="U",
        genres=["Drama"],
        status="coming_soon",
    )
    return action, drama


def seats_of(seat_map: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every seat of a seat map body by its id."""
    return {seat["seat_id"]: seat for row in seat_map["rows"] for seat in row["seats"]}


async def test_cities_and_their_theaters(api: Api) -> None:
    """Anyone lists the cities and a city's theaters, ordered by name."""
    cities = await api.call("GET", "/api/cities")
    assert cities.status_code == 200, cities.text
    assert [(c["name"], c["state"]) for c in cities.json()] == [("Bengaluru", "Karnataka")]
    city_id = api.world.theater_a.city_id
    assert cities.json()[0]["city_id"] == city_id
    theaters = await api.call("GET", f"/api/cities/{city_id}/theaters")
    assert theaters.status_code == 200, theaters.text
    body = theaters.json()
    assert [t["name"] for t in body] == ["INOX Garuda", "PVR Forum"]
    assert body[1]["theater_id"] == api.world.theater_a.theater_id
    assert body[1]["location"] == {"lat": "12.930000", "lon": "77.610000"}
    assert body[1]["time_zone"] == "Asia/Kolkata"


async def test_theaters_of_an_unknown_city_are_not_found(api: Api) -> None:
    """Theaters of a city that does not exist is 404 ``not_found``."""
    assert_error(await api.call("GET", "/api/cities/nowhere/theaters"), 404, "not_found")


async def test_a_bad_token_is_refused_even_where_anonymous_is_allowed(api: Api) -> None:
    """Browsing needs no token, but a garbage one is 401 rather than silently anonymous."""
    headers = {"Authorization": "Bearer garbage"}
    assert_error(await api.call("GET", "/api/cities", headers=headers), 401, "invalid_token")


async def test_movie_details(api: Api) -> None:
    """A movie's details carry its catalog fields, with no rating before any review."""
    movie_id = api.world.show.movie_id
    response = await api.call("GET", f"/api/movies/{movie_id}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["movie_id"] == movie_id
    assert body["title"] == "The Long Queue"
    assert body["languages"] == ["Hindi"]
    assert body["duration_minutes"] == 150
    assert body["release_date"] == "2029-12-01"
    assert body["certificate"] == "UA"
    assert body["status"] == "active"
    assert body["rating"] is None
    assert body["rating_count"] == 0
    assert_error(await api.call("GET", "/api/movies/mov_missing"), 404, "not_found")


async def test_search_without_text_lists_movies_with_facets(api: Api, system: Ticketing) -> None:
    """An empty search finds every active and coming-soon movie, with the total and facets over
    all of them."""
    await add_movies(system, api)
    response = await api.call("GET", "/api/movies")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 3
    assert (body["page"], body["size"]) == (1, 20)
    assert len(body["items"]) == 3
    assert set(body["facets"]) == {"genres", "languages", "formats"}
    languages = {f["value"]: f["count"] for f in body["facets"]["languages"]}
    assert languages == {"english": 1, "hindi": 1, "tamil": 1}
    genres = {f["value"]: f["count"] for f in body["facets"]["genres"]}
    assert genres == {"action": 1, "thriller": 1, "drama": 1}


async def test_search_by_text_tolerates_typos_and_highlights(api: Api, system: Ticketing) -> None:
    """A misspelt title word still finds the movie, with the matching title word highlighted;
    text nobody matches finds nothing."""
    await add_movies(system, api)
    response = await api.call("GET", "/api/movies", params={"q": "midnigt"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 1
    hit = body["items"][0]
    assert hit["movie"]["title"] == "Midnight Express Run"
    assert hit["highlight"] == "<em>Midnight</em> Express Run"
    assert hit["score"] > 0
    nothing = await api.call("GET", "/api/movies", params={"q": "zzzzqqq"})
    assert nothing.json()["total"] == 0
    assert nothing.json()["items"] == []


async def test_search_filters_and_pages(api: Api, system: Ticketing) -> None:
    """Genre and language filters accept any of several values; the city filter keeps movies
    with a show there; pages of one hit walk the results in a stable order."""
    await add_movies(system, api)
    genres = await api.call("GET", "/api/movies", params=[("genre", "drama"), ("genre", "action")])
    assert sorted(i["movie"]["title"] for i in genres.json()["items"]) == [
        "Midnight Express Run",
        "Quiet Harbour",
    ]
    tamil = await api.call("GET", "/api/movies", params={"language": "Tamil"})
    assert [i["movie"]["title"] for i in tamil.json()["items"]] == ["Quiet Harbour"]
    city = api.world.theater_a.city_id
    showing = await api.call("GET", "/api/movies", params={"city_id": city})
    assert [i["movie"]["title"] for i in showing.json()["items"]] == ["The Long Queue"]
    on_day = await api.call("GET", "/api/movies", params={"city_id": city, "date": SHOW_DAY})
    assert on_day.json()["total"] == 1
    seen: list[str] = []
    for page in (1, 2, 3):
        response = await api.call("GET", "/api/movies", params={"size": 1, "page": page})
        body = response.json()
        assert (body["total"], body["page"], body["size"]) == (3, page, 1)
        seen.extend(i["movie"]["movie_id"] for i in body["items"])
    assert len(set(seen)) == 3
    past_the_end = await api.call("GET", "/api/movies", params={"size": 1, "page": 4})
    assert past_the_end.json()["items"] == []


async def test_search_sorts(api: Api, system: Ticketing) -> None:
    """``sort=release_date`` puts the newest release first."""
    await add_movies(system, api)
    response = await api.call("GET", "/api/movies", params={"sort": "release_date"})
    assert response.status_code == 200, response.text
    titles = [i["movie"]["title"] for i in response.json()["items"]]
    assert titles == ["Quiet Harbour", "The Long Queue", "Midnight Express Run"]


async def test_search_refuses_bad_parameters_naming_them(api: Api) -> None:
    """Bad values are 422 ``invalid_input`` naming the query parameter; a mistyped one is 400."""
    cases = {
        "sort": {"sort": "loudest"},
        "size": {"size": 500},
        "page": {"page": 0},
        "min_rating": {"min_rating": "eleven"},
        "format": {"format": "8K"},
        "q": {"q": "x" * 300},
    }
    for field, params in cases.items():
        response = await api.call("GET", "/api/movies", params=params)
        assert assert_error(response, 422, "invalid_input")["field"] == field, params
    deep = await api.call("GET", "/api/movies", params={"size": 100, "page": 200})
    assert assert_error(deep, 422, "invalid_input")["field"] == "page"
    assert_error(await api.call("GET", "/api/movies?date=03-01-2030"), 400, "invalid_request")
    assert_error(await api.call("GET", "/api/movies?page=first"), 400, "invalid_request")


async def test_only_admins_search_retired_movies(api: Api) -> None:
    """Asking for inactive movies is 403 for visitors and customers, allowed to admins."""
    params = {"status": "inactive"}
    assert_error(await api.call("GET", "/api/movies", params=params), 403, "permission_denied")
    assert_error(
        await api.call("GET", "/api/movies", "alice", params=params), 403, "permission_denied"
    )
    admin = await api.call("GET", "/api/movies", "admin", params=params)
    assert admin.status_code == 200, admin.text
    assert admin.json()["total"] == 0


async def test_suggest_completes_titles(api: Api, system: Ticketing) -> None:
    """Suggest completes a title from a word prefix; an empty prefix suggests nothing; a limit
    over 20 is 422 naming ``limit``."""
    await add_movies(system, api)
    response = await api.call("GET", "/api/movies/suggest", params={"prefix": "the lo"})
    assert response.status_code == 200, response.text
    assert response.json() == [{"movie_id": api.world.show.movie_id, "title": "The Long Queue"}]
    harbour = await api.call("GET", "/api/movies/suggest", params={"prefix": "harb"})
    assert [s["title"] for s in harbour.json()] == ["Quiet Harbour"]
    assert (await api.call("GET", "/api/movies/suggest")).json() == []
    too_many = await api.call("GET", "/api/movies/suggest", params={"prefix": "q", "limit": 50})
    assert assert_error(too_many, 422, "invalid_input")["field"] == "limit"


async def test_shows_by_city_movie_and_date_with_seats_left(api: Api) -> None:
    """Listings by city, movie and local date carry theater, screen, UTC and local starts,
    prices in paise and seats left per category."""
    world = api.world
    params = {"city_id": world.theater_a.city_id, "movie_id": world.show.movie_id}
    response = await api.call("GET", "/api/shows", params={**params, "date": SHOW_DAY})
    assert response.status_code == 200, response.text
    listings = response.json()
    assert {s["show_id"] for s in listings} == {world.show.show_id, world.other_show.show_id}
    listing = next(s for s in listings if s["show_id"] == world.show.show_id)
    assert listing["theater_name"] == "PVR Forum"
    assert listing["screen_name"] == "Audi 1"
    assert listing["movie_title"] == "The Long Queue"
    assert (listing["format"], listing["language"]) == ("2D", "Hindi")
    assert datetime.fromisoformat(listing["starts_at"]) == world.show.starts_at
    local = datetime.fromisoformat(listing["local_starts_at"])
    assert local == world.show.starts_at
    assert local.utcoffset() == timedelta(hours=5, minutes=30)
    assert listing["seats_left"] == 24
    categories = {c["category"]: c for c in listing["categories"]}
    assert categories["silver"]["price"]["paise"] == 20_000
    assert categories["silver"]["price"]["currency"] == "INR"
    assert (categories["silver"]["seats_total"], categories["silver"]["seats_left"]) == (16, 16)
    assert categories["gold"]["price"]["paise"] == 35_000
    other_day = await api.call("GET", "/api/shows", params={**params, "date": "2030-01-04"})
    assert other_day.json() == []
    everything = await api.call("GET", "/api/shows")
    assert len(everything.json()) == 2


async def test_shows_refuse_unknown_ids_and_bad_dates(api: Api) -> None:
    """An unknown city or movie is 404; a date that is not YYYY-MM-DD is 400."""
    assert_error(await api.call("GET", "/api/shows?city_id=atlantis"), 404, "not_found")
    assert_error(await api.call("GET", "/api/shows?movie_id=mov_missing"), 404, "not_found")
    assert_error(await api.call("GET", "/api/shows?date=tomorrow"), 400, "invalid_request")


async def test_shows_name_the_date_parameter_for_a_date_out_of_range(api: Api) -> None:
    """A well-formed date the library cannot place in time is 422 naming the ``date`` query
    parameter the client sent (not the library's ``on``), with the library's reason."""
    response = await api.call("GET", "/api/shows", params={"date": "9999-12-31"})
    details = assert_error(response, 422, "invalid_input")
    assert details == {"field": "date", "reason": "out of range"}


async def test_seat_map_shows_every_seat_with_status_and_price(api: Api, system: Ticketing) -> None:
    """The seat map lists rows front to back with each seat's id, category, price and status:
    sold, held (marked as the caller's own for its holder) or available, with per-category
    counts; listings count the held and sold seats as gone."""
    world = api.world
    show_id = world.show.show_id
    await confirmed_booking(system, world.bob, show_id, ["A1", "A2"])
    await system.seats.hold(world.alice, show_id, ["C4", "C5"])

    response = await api.call("GET", f"/api/shows/{show_id}/seats", "alice")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["bookable"] is True
    assert body["show"]["show_id"] == show_id
    assert body["show"]["seats_left"] == 20
    assert [(r["row"], r["category"], len(r["seats"])) for r in body["rows"]] == [
        ("A", "silver", 8),
        ("B", "silver", 8),
        ("C", "gold", 8),
    ]
    seats = seats_of(body)
    assert seats["A1"]["status"] == "sold"
    assert seats["C4"]["status"] == "held"
    assert seats["C4"]["held_by_you"] is True
    assert seats["B5"] == {
        "seat_id": "B5",
        "label": "B5",
        "row": "B",
        "number": 5,
        "column": 5,
        "category": "silver",
        "status": "available",
        "price": {"paise": 20_000, "currency": "INR", "display": seats["B5"]["price"]["display"]},
        "wheelchair": False,
        "held_by_you": False,
    }
    categories = {c["category"]: c for c in body["categories"]}
    assert categories["silver"]["seats_total"] == 16
    assert (categories["silver"]["available"], categories["silver"]["sold"]) == (14, 2)
    assert (categories["gold"]["available"], categories["gold"]["held"]) == (6, 2)
    assert categories["gold"]["price"]["paise"] == 35_000

    anonymous = seats_of((await api.call("GET", f"/api/shows/{show_id}/seats")).json())
    assert anonymous["C4"]["status"] == "held"
    assert anonymous["C4"]["held_by_you"] is False


async def test_seat_map_marks_blocked_seats(api: Api, system: Ticketing) -> None:
    """A seat blocked in the layout is ``blocked`` and counts in no category total."""
    world = api.world
    screen = await system.catalog.add_screen(
        world.staff_a,
        theater_id=world.theater_a.theater_id,
        name="Audi 2",
        rows=[("A", "recliner", "sxs")],
        formats=["2D"],
    )
    show = await system.catalog.schedule_show(
        world.staff_a,
        movie_id=world.show.movie_id,
        screen_id=screen.screen_id,
        starts_at=world.show.starts_at,
        format="2D",
        language="Hindi",
        prices={"recliner": world.show.price_of("silver")},
    )
    body = (await api.call("GET", f"/api/shows/{show.show_id}/seats")).json()
    assert {k: s["status"] for k, s in seats_of(body).items()} == {
        "A1": "available",
        "A2": "blocked",
        "A3": "available",
    }
    assert body["categories"][0]["seats_total"] == 2


async def test_seat_map_of_an_unknown_show_is_not_found(api: Api) -> None:
    """The seat map of a show that does not exist is 404."""
    assert_error(await api.call("GET", "/api/shows/shw_missing/seats"), 404, "not_found")
