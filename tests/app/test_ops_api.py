"""Operations: /health, /ready (one probe per wired backend), /metrics (each app's own Prometheus
registry) and the structured access log."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from attrs import evolve
from httpx import AsyncClient
from prometheus_client.parser import text_string_to_metric_families

from bookmyshow.adapters.memory import MemoryEventBus
from bookmyshow.app import AppConfig, create_app
from bookmyshow.app.metrics import AppMetrics
from bookmyshow.app.readiness import check_backends
from bookmyshow.app.request_log import ACCESS_LOGGER
from bookmyshow.bootstrap import Settings, from_settings, in_memory
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import BookingConfirmed
from bookmyshow.domain.money import Money
from tests.app.api import TOKEN_SECRET, Api, asgi_client, assert_error
from tests.redis_backends import PrivateRedis, free_port
from tests.services.backends import sql_timeout_s

_SERVICES_TIMEOUT = pytest.mark.timeout(sql_timeout_s())


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of series ``name`` with exactly ``labels`` in Prometheus text ``text``."""
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return float(found.value)
    return None


async def metrics_text(client: AsyncClient) -> str:
    """``GET /metrics``, checked to be the Prometheus text format."""
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return response.text


def settings_for(
    *,
    database_url: str | None = None,
    database_replica_url: str | None = None,
    redis_url: str | None = None,
    elasticsearch_url: str | None = None,
    mongo_url: str | None = None,
) -> Settings:
    """Settings with these URLs, the tests' token secret and a Redis namespace of the test's
    own."""
    return Settings(
        database_url=database_url,
        database_replica_url=database_replica_url,
        redis_url=redis_url,
        elasticsearch_url=elasticsearch_url,
        mongo_url=mongo_url,
        token_secret=TOKEN_SECRET,
        redis_namespace=f"t{uuid.uuid4().hex[:12]}",
    )


@asynccontextmanager
async def app_from(settings: Settings) -> AsyncIterator[AsyncClient]:
    """A test client of the app that builds its system from ``settings`` when it starts."""
    config = AppConfig(settings=settings, maintenance_interval=None)
    async with asgi_client(create_app(config)) as client:
        yield client


# --- /health and /ready ------------------------------------------------------------------------


async def test_health_answers_ok_without_asking_any_backend(memory_api: Api) -> None:
    """``GET /health`` is 200 ``{"status": "ok"}``."""
    response = await memory_api.client.get("/health")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ok"}


async def test_ready_of_a_hand_wired_system_has_no_backends_to_ask(memory_api: Api) -> None:
    """A system wired with ``bootstrap`` has no probes: ready, with an empty backend map."""
    response = await memory_api.client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "backends": {}}


async def test_ready_in_memory_reports_memory() -> None:
    """The in-memory wiring from settings is ready with its one backend, ``memory``."""
    async with app_from(settings_for()) as client:
        response = await client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "backends": {"memory": "ok"}}


@_SERVICES_TIMEOUT
async def test_ready_on_the_hybrid_asks_the_database_and_redis(
    mariadb_url: str, redis_url: str
) -> None:
    """The hybrid from settings is ready when MariaDB and Redis both answer."""
    async with app_from(settings_for(database_url=mariadb_url, redis_url=redis_url)) as client:
        response = await client.get("/ready")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "backends": {"database": "ok", "redis": "ok"}}


@_SERVICES_TIMEOUT
async def test_ready_names_redis_when_it_stops(
    mariadb_url: str, private_redis: PrivateRedis
) -> None:
    """When the app's Redis stops, ``/ready`` is 503 ``not_ready`` naming redis (and
    only redis); when it is back, ready again."""
    settings = settings_for(database_url=mariadb_url, redis_url=private_redis.url)
    async with app_from(settings) as client:
        assert (await client.get("/ready")).status_code == 200
        private_redis.stop()
        details = assert_error(await client.get("/ready"), 503, "not_ready")
        assert details["down"] == ["redis"]
        assert details["backends"] == {"database": "ok", "redis": "down"}
        private_redis.start()
        response = await client.get("/ready")
        assert response.status_code == 200, response.text


@_SERVICES_TIMEOUT
async def test_ready_names_the_database_when_it_does_not_answer(redis_url: str) -> None:
    """A database URL on a port nothing listens on makes ``/ready`` 503 naming the database."""
    unreachable = f"mysql+asyncmy://root@127.0.0.1:{free_port()}/bookmyshow"
    async with app_from(settings_for(database_url=unreachable, redis_url=redis_url)) as client:
        details = assert_error(await client.get("/ready"), 503, "not_ready")
    assert details["down"] == ["database"]
    assert details["backends"] == {"database": "down", "redis": "ok"}


async def test_elasticsearch_and_mongo_probes_report_a_backend_that_does_not_answer() -> None:
    """Settings with Elasticsearch and MongoDB wire a probe for each; on ports nothing listens
    on, both are down while memory is ok."""
    system = from_settings(
        settings_for(
            elasticsearch_url=f"http://127.0.0.1:{free_port()}",
            mongo_url=f"mongodb://127.0.0.1:{free_port()}/?serverSelectionTimeoutMS=300",
        )
    )
    try:
        assert [name for name, _ in system.probes] == ["memory", "elasticsearch", "mongo"]
        states = await check_backends(system, probe_timeout_s=10)
    finally:
        await system.close()
    assert states == {"memory": "ok", "elasticsearch": "down", "mongo": "down"}


async def test_a_database_with_a_replica_gets_a_probe_for_each(sqlite_url: str) -> None:
    """A database URL and a replica URL wire the probes ``database`` and ``database_replica``,
    and both answer on a real database."""
    system = from_settings(settings_for(database_url=sqlite_url, database_replica_url=sqlite_url))
    try:
        assert [name for name, _ in system.probes] == ["database", "database_replica"]
        assert await check_backends(system) == {"database": "ok", "database_replica": "ok"}
    finally:
        await system.close()


async def test_a_probe_slower_than_its_timeout_counts_as_down() -> None:
    """A probe that does not answer within the timeout is down; a bad timeout is refused."""

    async def hangs() -> None:
        await asyncio.sleep(30)

    async def answers() -> None:
        return None

    slow = evolve(in_memory(), probes=(("quick", answers), ("slow", hangs)))
    assert await check_backends(slow, probe_timeout_s=0.05) == {"quick": "ok", "slow": "down"}
    with pytest.raises(InvalidInput):
        await check_backends(slow, probe_timeout_s=0)


# --- /metrics ----------------------------------------------------------------------------------


async def test_requests_are_counted_by_route_template_method_and_status(memory_api: Api) -> None:
    """Requests are counted and timed under their route's template, not their concrete path."""
    client = memory_api.client
    show_id = memory_api.world.show.show_id
    await client.get("/health")
    await client.get("/health")
    assert (await client.get(f"/api/shows/{show_id}/seats")).status_code == 200
    assert (await client.get("/api/shows/no-such-show/seats")).status_code == 404
    text = await metrics_text(client)
    requests = "bookmyshow_http_requests_total"
    assert sample(text, requests, method="GET", route="/health", status="200") == 2
    seats = "/api/shows/{show_id}/seats"
    assert sample(text, requests, method="GET", route=seats, status="200") == 1
    assert sample(text, requests, method="GET", route=seats, status="404") == 1
    duration = "bookmyshow_http_request_duration_seconds_count"
    assert sample(text, duration, method="GET", route=seats) == 2
    assert show_id not in text


async def test_bookings_revenue_and_refunds_follow_the_booking_events(memory_api: Api) -> None:
    """A paid booking counts as pending then confirmed and adds its total to revenue (paise);
    cancelling it counts as cancelled and adds the refund due; checkout and payment are timed."""
    api = memory_api
    show_id = api.world.show.show_id
    held = await api.call("POST", f"/api/shows/{show_id}/holds", "alice", json={"seats": ["C1"]})
    assert held.status_code == 201, held.text
    checkout = await api.call(
        "POST",
        "/api/bookings",
        "alice",
        json={"show_id": show_id, "hold_id": held.json()["hold_id"]},
        headers={"Idempotency-Key": "metrics-checkout"},
    )
    assert checkout.status_code == 201, checkout.text
    booking_id = checkout.json()["booking_id"]
    paid = await api.call(
        "POST",
        f"/api/bookings/{booking_id}/payment",
        "alice",
        json={"card_number": "4111111111111111"},
        headers={"Idempotency-Key": "metrics-payment"},
    )
    assert paid.status_code == 200, paid.text
    total = paid.json()["total"]
    cancelled = await api.call("POST", f"/api/bookings/{booking_id}/cancellation", "alice")
    assert cancelled.status_code == 200, cancelled.text
    refund = sum(r["amount"]["paise"] for r in cancelled.json()["refunds"])
    assert 0 < refund <= total["paise"]

    text = await metrics_text(api.client)
    for status in ("pending_payment", "confirmed", "cancelled"):
        assert sample(text, "bookmyshow_bookings_total", status=status) == 1, status
    currency = total["currency"]
    assert sample(text, "bookmyshow_revenue_paise_total", currency=currency) == total["paise"]
    assert sample(text, "bookmyshow_refunds_paise_total", currency=currency) == refund
    for step in ("checkout", "payment"):
        assert sample(text, "bookmyshow_booking_duration_seconds_count", step=step) == 1, step


async def test_search_and_suggestions_are_timed(memory_api: Api) -> None:
    """Movie search and suggestion requests each land in the search latency histogram."""
    client = memory_api.client
    assert (await client.get("/api/movies", params={"q": "queue"})).status_code == 200
    assert (await client.get("/api/movies/suggest", params={"prefix": "Lo"})).status_code == 200
    text = await metrics_text(client)
    for kind in ("search", "suggest"):
        assert sample(text, "bookmyshow_search_duration_seconds_count", kind=kind) == 1, kind


async def test_each_app_has_a_registry_of_its_own(memory_api: Api, config: AppConfig) -> None:
    """Two apps in one process keep separate series: one's requests are not the other's."""
    async with asgi_client(create_app(config)) as other:
        await other.get("/health")
        await other.get("/health")
        await memory_api.client.get("/health")
        mine = await metrics_text(memory_api.client)
        theirs = await metrics_text(other)
    requests = "bookmyshow_http_requests_total"
    assert sample(mine, requests, method="GET", route="/health", status="200") == 1
    assert sample(theirs, requests, method="GET", route="/health", status="200") == 2


async def test_following_one_bus_twice_counts_each_event_once() -> None:
    """An app started twice over one system counts each booking event once."""
    metrics = AppMetrics()
    bus = MemoryEventBus()
    metrics.follow(bus)
    metrics.follow(bus)
    await bus.publish(
        [
            BookingConfirmed(
                occurred_at=datetime(2030, 1, 1, tzinfo=UTC),
                booking_id="b1",
                user_id="u1",
                show_id="s1",
                seats=["A1"],
                amount=Money(12_345),
                payment_id="p1",
                booking_code="CODE1",
            )
        ]
    )
    text = metrics.render().decode()
    assert sample(text, "bookmyshow_bookings_total", status="confirmed") == 1
    assert sample(text, "bookmyshow_revenue_paise_total", currency="INR") == 12_345


# --- the access log ----------------------------------------------------------------------------


def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    """The access log's lines so far, decoded (each must be one JSON object)."""
    lines = []
    for record in caplog.records:
        if record.name == ACCESS_LOGGER:
            assert record.levelno == logging.INFO
            line: dict[str, Any] = json.loads(record.getMessage())
            lines.append(line)
    return lines


async def test_each_request_writes_one_json_line_with_its_request_id(
    memory_api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """One JSON line per request (method, route template, status, duration, request id); a
    client's sane X-Request-ID is kept and echoed."""
    show_id = memory_api.world.show.show_id
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    response = await memory_api.client.get(
        f"/api/shows/{show_id}/seats", headers={"X-Request-ID": "req-42.a:b_c"}
    )
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "req-42.a:b_c"
    (line,) = access_lines(caplog)
    duration = line.pop("duration_ms")
    assert isinstance(duration, float | int)
    assert duration >= 0
    assert line == {
        "event": "request",
        "method": "GET",
        "path": "/api/shows/{show_id}/seats",
        "status": 200,
        "request_id": "req-42.a:b_c",
    }


@pytest.mark.parametrize("sent", [None, "", "has space", "x" * 129, "semi;colon", "<script>"])
async def test_a_missing_or_unsafe_request_id_is_replaced(
    memory_api: Api, caplog: pytest.LogCaptureFixture, sent: str | None
) -> None:
    """Without a sane X-Request-ID the app makes one, echoes it and logs it; errors are logged
    with their status too."""
    caplog.set_level(logging.INFO, logger=ACCESS_LOGGER)
    headers = {} if sent is None else {"X-Request-ID": sent}
    response = await memory_api.client.get("/api/shows/no-such-show/seats", headers=headers)
    assert response.status_code == 404
    made = response.headers["x-request-id"]
    assert made != sent
    assert len(made) == 32
    int(made, 16)
    (line,) = access_lines(caplog)
    assert line["request_id"] == made
    assert line["status"] == 404
