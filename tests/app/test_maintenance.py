"""The app's background sweep: it settles due bookings, and one failing step stops nothing."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from attrs import evolve

from bookmyshow.adapters.memory import ManualClock
from bookmyshow.app import AppConfig, create_app
from bookmyshow.app.maintenance import sweep_once
from bookmyshow.bootstrap import Settings, Ticketing
from bookmyshow.domain.booking import BookingStatus
from bookmyshow.services.operations import Operations
from tests.app.api import TOKEN_SECRET, asgi_client
from tests.services.backends import JourneyBackend
from tests.services.world import World, build_world


@pytest.fixture
async def memory_system(clock: ManualClock) -> AsyncIterator[Ticketing]:
    """The in-memory library on the hand-driven clock."""
    async with JourneyBackend(name="memory").system(clock=clock) as ticketing:
        yield ticketing


async def _unpaid_booking(system: Ticketing, world: World) -> str:
    hold = await system.seats.hold(world.alice, world.show.show_id, ["A1"])
    booking = await system.bookings.checkout(
        world.alice, show_id=world.show.show_id, hold_id=hold.hold_id, idempotency_key="k1"
    )
    return booking.booking_id


async def test_sweep_expires_an_unpaid_booking_past_its_due_time(
    memory_system: Ticketing, clock: ManualClock
) -> None:
    """After the payment deadline a sweep closes the unpaid booking as expired."""
    world = await build_world(memory_system, clock)
    booking_id = await _unpaid_booking(memory_system, world)
    clock.advance(timedelta(hours=1))
    await sweep_once(memory_system)
    booking = await memory_system.bookings.get(world.alice, booking_id)
    assert booking.status is BookingStatus.EXPIRED


class _Broken(Operations):
    """Operations whose expiry step fails with an unexpected error."""

    async def expire(self, actor: object) -> object:  # type: ignore[override]
        raise RuntimeError("bad row")


async def test_a_failing_step_is_logged_and_the_others_still_run(
    memory_system: Ticketing, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """An unexpected error in one step is logged with its traceback; the later steps run."""
    broken = _Broken(memory_system.ports, memory_system.policies)
    ran: list[str] = []

    async def reconcile(actor: object) -> None:
        ran.append("reconcile")

    async def retry(actor: object) -> None:
        ran.append("retry")

    broken.reconcile_payments = reconcile  # type: ignore[method-assign,assignment]
    broken.retry_refunds = retry  # type: ignore[method-assign,assignment]
    system = evolve(memory_system, operations=broken)
    with caplog.at_level(logging.ERROR, logger="bookmyshow.app.maintenance"):
        await sweep_once(system)
    assert ran == ["reconcile", "retry"]
    assert any("expire" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_the_app_sweeps_in_the_background(
    memory_system: Ticketing, clock: ManualClock
) -> None:
    """A running app sweeps on its interval: a due unpaid booking expires with no request."""
    world = await build_world(memory_system, clock)
    booking_id = await _unpaid_booking(memory_system, world)
    clock.advance(timedelta(hours=1))
    config = AppConfig(
        settings=Settings(token_secret=TOKEN_SECRET),
        maintenance_interval=timedelta(milliseconds=10),
    )
    async with asgi_client(create_app(config, system=memory_system)):
        async with asyncio.timeout(10):
            while True:
                booking = await memory_system.bookings.get(world.alice, booking_id)
                if booking.status is BookingStatus.EXPIRED:
                    break
                await asyncio.sleep(0.01)
