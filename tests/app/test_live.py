"""The live seat map: ``WS /api/shows/{show_id}/live`` over a real server, on every backend.

Changes are made through the API (holds, release, checkout and payment, cancellation) and the
maintenance sweep (expiry); viewers see each one as a ``seats`` message.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from attrs import evolve, frozen
from websockets.exceptions import ConnectionClosed

from bookmyshow.adapters.memory import ManualClock, ScryptPasswordHasher, SequentialIds
from bookmyshow.adapters.memory.seat_updates import MemorySeatUpdates
from bookmyshow.app import AppConfig, create_app
from bookmyshow.app.controllers.live import LAG_BACKOFF_S, _close, change_message
from bookmyshow.app.maintenance import sweep_once
from bookmyshow.bootstrap import Ticketing, bootstrap, in_memory_ports
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.ports.seat_updates import (
    DEFAULT_BUFFER,
    FeedLagged,
    SeatChange,
    SeatChangeKind,
    SeatUpdates,
)
from tests.app.api import TOKEN_SECRET, Actors
from tests.app.live_server import next_json, open_live, serving
from tests.services.world import World, build_world

pytestmark = pytest.mark.timeout(120)


@asynccontextmanager
async def live_app(system: Ticketing, config: AppConfig) -> AsyncIterator[str]:
    """A real server of the app over ``system``; yields its ``host:port``."""
    async with serving(create_app(config, system=system)) as address:
        yield address


@frozen(kw_only=True)
class Live:
    """A real server of the app over the test's system and world, and a client of it."""

    address: str
    world: World
    actors: Actors

    async def call(
        self, method: str, path: str, actor: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """Send ``method path`` to the server as ``actor``."""
        return await self.actors.call(method, path, actor, **kwargs)


@pytest.fixture
async def live(system: Ticketing, world: World, config: AppConfig) -> AsyncIterator[Live]:
    """The app over ``system`` (memory, then the hybrid) served for real, with the world."""
    async with (
        live_app(system, config) as address,
        httpx.AsyncClient(base_url=f"http://{address}", timeout=30) as client,
    ):
        yield Live(address=address, world=world, actors=Actors(client))


async def wait_until(condition: Callable[[], bool], *, timeout_s: float = 10.0) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout_s`` seconds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"still false after {timeout_s}s"
        await asyncio.sleep(0.02)


def seats_message(show_id: str, kind: str, seats: list[str]) -> dict[str, Any]:
    """The part of a ``seats`` message a test can predict (``at`` is checked separately)."""
    return {"type": "seats", "show_id": show_id, "kind": kind, "seats": seats}


def without_at(message: dict[str, Any]) -> dict[str, Any]:
    """``message`` without its instant, after checking the instant carries an offset."""
    at = datetime.fromisoformat(message["at"])
    assert at.tzinfo is not None, message
    return {key: value for key, value in message.items() if key != "at"}


async def make_hold(live: Live, actor: str, seats: list[str]) -> dict[str, Any]:
    """Hold ``seats`` of the world's show through the API as ``actor``; the HoldRead."""
    response = await live.call(
        "POST", f"/api/shows/{live.world.show.show_id}/holds", actor, json={"seats": seats}
    )
    assert response.status_code == 201, response.text
    read: dict[str, Any] = response.json()
    return read


async def test_two_viewers_both_see_a_hold_made_through_the_api(live: Live) -> None:
    """Two viewers of a show each get a hello, then one ``held`` message for a hold made through
    the API, naming the seats and no one's identity."""
    show_id = live.world.show.show_id
    async with (
        open_live(live.address, show_id) as first,
        open_live(live.address, show_id) as second,
    ):
        for socket in (first, second):
            assert await next_json(socket) == {"type": "hello", "show_id": show_id}
        await make_hold(live, "alice", ["A2", "A1"])
        for socket in (first, second):
            message = await next_json(socket)
            assert without_at(message) == seats_message(show_id, "held", ["A1", "A2"])


async def test_viewers_see_release_expiry_sale_and_return(
    live: Live, system: Ticketing, clock: ManualClock
) -> None:
    """Released, expired, sold and returned seats each reach a viewer as their kind of change,
    in the order they happened."""
    show_id = live.world.show.show_id
    async with open_live(live.address, show_id) as viewer:
        assert (await next_json(viewer))["type"] == "hello"

        released = await make_hold(live, "alice", ["A1"])
        response = await live.call(
            "DELETE", f"/api/shows/{show_id}/holds/{released['hold_id']}", "alice"
        )
        assert response.status_code == 200, response.text
        assert without_at(await next_json(viewer)) == seats_message(show_id, "held", ["A1"])
        assert without_at(await next_json(viewer)) == seats_message(show_id, "released", ["A1"])

        await make_hold(live, "bob", ["B1"])
        assert without_at(await next_json(viewer)) == seats_message(show_id, "held", ["B1"])
        # Past the hold's expiry, not past the access tokens' (both start at the same instant).
        clock.advance(system.policies.holds.ttl + timedelta(seconds=1))
        await sweep_once(system)
        assert without_at(await next_json(viewer)) == seats_message(show_id, "expired", ["B1"])

        bought = await make_hold(live, "alice", ["C1", "C2"])
        assert without_at(await next_json(viewer)) == seats_message(show_id, "held", ["C1", "C2"])
        checkout = await live.call(
            "POST",
            "/api/bookings",
            "alice",
            json={"show_id": show_id, "hold_id": bought["hold_id"]},
            headers={"Idempotency-Key": "live-checkout"},
        )
        assert checkout.status_code == 201, checkout.text
        booking_id = checkout.json()["booking_id"]
        payment = await live.call(
            "POST",
            f"/api/bookings/{booking_id}/payment",
            "alice",
            json={"card_number": "4111111111111111"},
            headers={"Idempotency-Key": "live-payment"},
        )
        assert payment.status_code == 200, payment.text
        assert payment.json()["status"] == "confirmed"
        assert without_at(await next_json(viewer)) == seats_message(show_id, "sold", ["C1", "C2"])

        cancelled = await live.call("POST", f"/api/bookings/{booking_id}/cancellation", "alice")
        assert cancelled.status_code == 200, cancelled.text
        assert without_at(await next_json(viewer)) == seats_message(
            show_id, "returned", ["C1", "C2"]
        )


async def test_viewers_of_one_show_see_nothing_of_another(live: Live) -> None:
    """A viewer of the other show gets no message for a hold on this show."""
    world = live.world
    async with (
        open_live(live.address, world.other_show.show_id) as other,
        open_live(live.address, world.show.show_id) as this,
    ):
        await next_json(other)
        await next_json(this)
        await make_hold(live, "alice", ["A3"])
        assert (await next_json(this))["seats"] == ["A3"]
        with pytest.raises(TimeoutError):
            await next_json(other, timeout_s=0.5)


async def test_an_unknown_show_is_closed_with_4404(config: AppConfig) -> None:
    """Watching a show that does not exist closes the socket with code 4404, reason not_found."""
    async with live_app(memory_system(), config) as address:
        async with open_live(address, "no-such-show") as socket:
            with pytest.raises(ConnectionClosed) as closed:
                await next_json(socket)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 4404
        assert closed.value.rcvd.reason == "not_found"


async def test_the_subscription_ends_when_the_viewer_leaves(live: Live, system: Ticketing) -> None:
    """Closing the socket frees the server's subscription to the show's feed."""
    updates = system.ports.seat_updates
    assert updates is not None
    show_id = live.world.show.show_id
    async with open_live(live.address, show_id) as viewer:
        await next_json(viewer)
        assert updates.subscriber_count(show_id) == 1
    await wait_until(lambda: updates.subscriber_count(show_id) == 0)


# --- feed faults, with a seat feed that misbehaves on demand ----------------------------------


class FaultyFeed:
    """A :class:`MemorySeatUpdates` whose next subscription fails with ``fault`` right after its
    first change arrives (the change itself is lost, as a lagged feed loses it)."""

    def __init__(self) -> None:
        self.inner = MemorySeatUpdates()
        self.fault: Exception | None = None
        self.subscriptions = 0

    async def publish(self, change: SeatChange) -> None:
        """Publish to the inner feed."""
        await self.inner.publish(change)

    def subscribe(
        self, show_id: str, *, buffer: int = DEFAULT_BUFFER
    ) -> AbstractAsyncContextManager[AsyncIterator[SeatChange]]:
        """Subscribe to the inner feed; the first change fails with ``fault`` if one is set."""
        self.subscriptions += 1
        return self._subscribe(show_id, buffer)

    @asynccontextmanager
    async def _subscribe(
        self, show_id: str, buffer: int
    ) -> AsyncIterator[AsyncIterator[SeatChange]]:
        async with self.inner.subscribe(show_id, buffer=buffer) as changes:
            yield self._changes(changes)

    async def _changes(self, changes: AsyncIterator[SeatChange]) -> AsyncIterator[SeatChange]:
        async for change in changes:
            fault, self.fault = self.fault, None
            if fault is not None:
                raise fault
            yield change

    def subscriber_count(self, show_id: str) -> int:
        """Open subscriptions of the inner feed."""
        return self.inner.subscriber_count(show_id)


def memory_system(feed: SeatUpdates | None = None) -> Ticketing:
    """An in-memory system on a hand-driven clock (with ``feed`` as its live feed, if given)."""
    ports = in_memory_ports(
        clock=ManualClock(),
        ids=SequentialIds(),
        passwords=ScryptPasswordHasher.fast_for_tests(),
        token_secret=TOKEN_SECRET,
    )
    if feed is not None:
        ports = evolve(ports, seat_updates=feed)
    return bootstrap(ports)


async def faulty_world() -> tuple[Ticketing, FaultyFeed, World]:
    """An in-memory system whose live feed is a :class:`FaultyFeed`, with the test world."""
    feed = FaultyFeed()
    system = memory_system(feed)
    clock = system.ports.clock
    assert isinstance(clock, ManualClock)
    return system, feed, await build_world(system, clock)


def change(show_id: str, seat: str) -> SeatChange:
    """A ``held`` change of one seat."""
    return SeatChange(
        show_id=show_id,
        kind=SeatChangeKind.HELD,
        seats=[seat],
        occurred_at=datetime(2030, 1, 1, 9, 0).astimezone(),
    )


async def test_a_lagged_viewer_is_told_to_resync_and_keeps_receiving(config: AppConfig) -> None:
    """When the feed lags, the viewer gets ``resync`` on a new subscription, then later
    changes as usual."""
    system, feed, world = await faulty_world()
    show_id = world.show.show_id
    async with live_app(system, config) as address, open_live(address, show_id) as viewer:
        assert (await next_json(viewer))["type"] == "hello"
        feed.fault = FeedLagged(show_id=show_id, buffer=DEFAULT_BUFFER)
        await feed.publish(change(show_id, "A1"))
        assert await next_json(viewer) == {"type": "resync", "show_id": show_id}
        assert feed.subscriptions == 2
        later = change(show_id, "A2")
        await feed.publish(later)
        assert await next_json(viewer) == change_message(later)
        await wait_until(lambda: feed.subscriber_count(show_id) == 1)


async def test_resubscribing_after_a_lag_waits_longer_while_the_lags_repeat(
    config: AppConfig,
) -> None:
    """After a lag the resync waits LAG_BACKOFF_S, after a second lag in a row twice that."""
    system, feed, world = await faulty_world()
    show_id = world.show.show_id
    async with live_app(system, config) as address, open_live(address, show_id) as viewer:
        await next_json(viewer)
        waits = []
        for seat in ("A1", "A2"):
            feed.fault = FeedLagged(show_id=show_id, buffer=DEFAULT_BUFFER)
            started = time.monotonic()
            await feed.publish(change(show_id, seat))
            assert await next_json(viewer) == {"type": "resync", "show_id": show_id}
            waits.append(time.monotonic() - started)
        assert waits[0] >= LAG_BACKOFF_S
        assert waits[1] >= 2 * LAG_BACKOFF_S
        later = change(show_id, "A3")
        await feed.publish(later)
        assert await next_json(viewer) == change_message(later)


class _GoneSocket:
    """A socket whose client has already gone: closing it fails as uvicorn's does."""

    async def close(self, code: int, reason: str) -> None:
        """Fail like a close racing the client's own."""
        raise OSError("client disconnected")


async def test_closing_a_socket_the_client_already_closed_is_not_an_error() -> None:
    """The close that ends a session is quiet when the client has gone first."""
    await _close(_GoneSocket(), 4404, "not_found")  # type: ignore[arg-type]


async def test_a_failing_feed_closes_the_socket_with_4503(config: AppConfig) -> None:
    """When the feed's backend fails, the socket closes with 4503 backend_unavailable (the client
    reconnects later) and the subscription is freed."""
    system, feed, world = await faulty_world()
    show_id = world.show.show_id
    async with live_app(system, config) as address, open_live(address, show_id) as viewer:
        await next_json(viewer)
        feed.fault = BackendUnavailable(backend="redis", reason="test")
        await feed.publish(change(show_id, "A1"))
        with pytest.raises(ConnectionClosed) as closed:
            await next_json(viewer)
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4503
    assert closed.value.rcvd.reason == "backend_unavailable"
    assert feed.subscriber_count(show_id) == 0


async def test_live_connections_are_counted_in_the_metrics(
    world: World, system: Ticketing, config: AppConfig
) -> None:
    """``bookmyshow_live_connections`` counts open sockets and drops when they close."""
    app = create_app(config, system=system)
    show_id = world.show.show_id

    def gauge() -> float:
        value = app.state.metrics.registry.get_sample_value("bookmyshow_live_connections")
        assert value is not None
        return float(value)

    async with serving(app) as address:
        async with open_live(address, show_id) as viewer:
            await next_json(viewer)
            assert gauge() == 1
        await wait_until(lambda: gauge() == 0)
