"""Holding seats through the use case: explicit, extended, released, refused."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bookmyshow.adapters.memory import ManualClock
from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.errors import InvalidInput, PermissionDenied
from bookmyshow.domain.holds import (
    HoldExpired,
    HoldExtensionLimit,
    HoldLimitExceeded,
    NotHoldOwner,
    SeatsUnavailable,
)
from bookmyshow.services.browsing import SeatMapStatus
from bookmyshow.services.errors import ShowNotBookable
from tests.services.world import PASSWORD, World


async def test_a_hold_takes_all_seats_or_none(app: Ticketing, world: World) -> None:
    """Overlapping another hold by one seat refuses the whole request."""
    await app.seats.hold(world.alice, world.show.show_id, ["A1", "A2"])
    with pytest.raises(SeatsUnavailable) as info:
        await app.seats.hold(world.bob, world.show.show_id, ["A2", "A3"])
    assert info.value.seats == {"A2"}
    seat_map = await app.browsing.seat_map(world.bob, world.show.show_id)
    assert seat_map.count(SeatMapStatus.HELD) == 2


async def test_unknown_blocked_and_too_many_seats_are_refused(app: Ticketing, world: World) -> None:
    """Seats must exist in the layout, and a hold respects the policy's seat limit."""
    with pytest.raises(InvalidInput):
        await app.seats.hold(world.alice, world.show.show_id, ["Z9"])
    with pytest.raises(HoldLimitExceeded):
        await app.seats.hold(
            world.alice,
            world.show.show_id,
            [f"A{i}" for i in range(1, 9)]
            + [
                "C1",
                "C2",
                "C3",
            ],
        )


async def test_extending_is_capped_and_owner_only(
    app: Ticketing, world: World, clock: ManualClock
) -> None:
    """Extensions move the expiry up to the policy's maximum, then are refused."""
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A1"])
    with pytest.raises(PermissionDenied):
        await app.seats.extend(world.bob, world.show.show_id, hold.hold_id)
    extended = await app.seats.extend(world.alice, world.show.show_id, hold.hold_id)
    assert extended.expires_at == hold.max_expires_at
    with pytest.raises(HoldExtensionLimit):
        await app.seats.extend(world.alice, world.show.show_id, hold.hold_id)
    clock.advance(timedelta(hours=1))
    with pytest.raises(HoldExpired):
        await app.seats.extend(world.alice, world.show.show_id, hold.hold_id)


async def test_releasing_frees_the_seats_at_once(app: Ticketing, world: World) -> None:
    """Only the owner (or a platform admin) releases a hold; the seats are free right away."""
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A1"])
    with pytest.raises(PermissionDenied):
        await app.seats.release(world.bob, world.show.show_id, hold.hold_id)
    await app.seats.release(world.alice, world.show.show_id, hold.hold_id)
    again = await app.seats.hold(world.bob, world.show.show_id, ["A1"])
    await app.seats.release(world.admin, world.show.show_id, again.hold_id)
    await app.seats.hold(world.alice, world.show.show_id, ["A1"])


async def test_an_expired_hold_is_released_only_by_its_owner(
    app: Ticketing, world: World, clock: ManualClock
) -> None:
    """After expiry the owner may still release; someone else gets NotHoldOwner."""
    hold = await app.seats.hold(world.alice, world.show.show_id, ["A1"])
    clock.advance(timedelta(hours=1))
    with pytest.raises(NotHoldOwner):
        await app.seats.release(world.bob, world.show.show_id, hold.hold_id)
    released = await app.seats.release(world.alice, world.show.show_id, hold.hold_id)
    assert released.hold_id == hold.hold_id


async def test_no_holds_once_the_show_started(
    app: Ticketing, world: World, clock: ManualClock
) -> None:
    """A started show is not bookable: holds are refused with a reason."""
    clock.set(world.show.starts_at)
    with pytest.raises(ShowNotBookable) as info:
        await app.seats.hold(world.alice, world.show.show_id, ["A1"])
    assert info.value.reason == "started"


async def test_theater_staff_do_not_hold_seats(app: Ticketing, world: World) -> None:
    """Holding is for customers (and platform admins acting for one)."""
    with pytest.raises(PermissionDenied):
        await app.seats.hold(world.staff_a, world.show.show_id, ["A1"])


async def test_concurrent_best_available_buyers_spread_over_the_free_seats(
    app: Ticketing, world: World
) -> None:
    """Eight buyers asking best-available for two seats at once all get seats (16 of the 24 are
    needed), none shared: a buyer who loses the best block moves on to the next ones instead of
    giving up while seats are free."""
    buyers = [
        (await app.accounts.register(f"fan{n}@example.com", f"Fan {n}", PASSWORD)).principal()
        for n in range(8)
    ]
    picks = await asyncio.gather(
        *(app.seats.hold_best_available(b, world.show.show_id, 2) for b in buyers)
    )
    seats = [seat for pick in picks for seat in pick.hold.seats]
    assert len(seats) == 16
    assert len(set(seats)) == 16
