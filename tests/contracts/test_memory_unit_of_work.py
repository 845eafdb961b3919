"""The memory unit of work against the unit-of-work contract, plus its thread safety."""

from __future__ import annotations

import asyncio
import sys
import threading

import pytest

from bookmyshow.adapters.memory.database import MemoryDatabase
from bookmyshow.adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from bookmyshow.domain.booking import BookingStatus, IllegalTransition
from bookmyshow.ports.errors import Conflict
from bookmyshow.ports.unit_of_work import UnitOfWorkFactory
from bookmyshow.testing.contracts.repositories import add_world, fresh_booking_code
from bookmyshow.testing.contracts.unit_of_work import UnitOfWorkContract
from bookmyshow.testing.fixtures import T0, UniqueIds, sample_booking, sample_world


class TestMemoryUnitOfWork(UnitOfWorkContract):
    """MemoryUnitOfWork keeps the unit-of-work contract."""

    @pytest.fixture
    def uow_factory(self) -> UnitOfWorkFactory:
        """Units over a fresh in-memory database."""
        return MemoryUnitOfWorkFactory()


def test_units_on_several_threads_have_one_winner() -> None:
    """Units racing on two threads, each with its own event loop, confirm a booking once."""
    factory = MemoryUnitOfWorkFactory(MemoryDatabase())
    ids = UniqueIds("threads")
    world = sample_world(ids)
    booking = sample_booking(ids("booking"), show_id=world.show.show_id)

    async def setup() -> None:
        async with factory() as uow:
            await add_world(uow, world)
            await uow.bookings.add(booking)
            await uow.commit()

    asyncio.run(setup())
    outcomes: list[object] = []
    lock = threading.Lock()
    start = threading.Barrier(2)

    async def attempt(tag: str) -> str:
        async with factory() as uow:
            loaded = await uow.bookings.get(booking.booking_id, for_update=True)
            loaded.confirm(f"pay-{tag}", fresh_booking_code(), T0)
            await uow.bookings.save(loaded)
            await uow.sales.sell(
                world.show.show_id, booking.booking_id, frozenset({f"S{tag}"}), fencing_token=1
            )
            await uow.commit()
        return tag

    def run(thread: int) -> None:
        async def race() -> list[object]:
            tasks = (attempt(f"{thread}-{i}") for i in range(20))
            return list(await asyncio.gather(*tasks, return_exceptions=True))

        start.wait()
        results = asyncio.run(race())
        with lock:
            outcomes.extend(results)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(2)]
    interval = sys.getswitchinterval()
    # Switch threads very often so that the two loops' units really interleave.
    sys.setswitchinterval(1e-6)
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    winners = [o for o in outcomes if isinstance(o, str)]
    assert len(winners) == 1
    losers = [o for o in outcomes if not isinstance(o, str)]
    # A loser either raced the winner (Conflict) or started after it and found it confirmed.
    assert all(isinstance(o, Conflict | IllegalTransition) for o in losers), losers

    async def read() -> None:
        async with factory() as uow:
            stored = await uow.bookings.get(booking.booking_id)
            assert (stored.status, stored.payment_id) == (
                BookingStatus.CONFIRMED,
                f"pay-{winners[0]}",
            )
            sold = await uow.sales.sold_seats(world.show.show_id)
            assert dict(sold) == {f"S{winners[0]}": booking.booking_id}

    asyncio.run(read())
