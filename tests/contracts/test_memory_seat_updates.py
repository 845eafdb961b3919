"""The in-memory seat feed against the seat-feed contract, and the SeatChange value's rules."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from bookmyshow.adapters.memory import MemorySeatUpdates
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.seat_updates import SeatChange, SeatChangeKind, SeatUpdates
from bookmyshow.testing.contracts.seat_updates import SeatUpdatesContract, receive

AT = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


class TestMemorySeatUpdates(SeatUpdatesContract):
    """MemorySeatUpdates keeps the seat-feed contract."""

    @pytest.fixture
    def seat_updates(self) -> SeatUpdates:
        """A fresh in-process feed."""
        return MemorySeatUpdates()


def test_occurred_at_is_kept_in_utc() -> None:
    """A change's instant is stored in UTC, equal to the instant given."""
    local = datetime(2030, 1, 1, 14, 30, tzinfo=timezone(timedelta(hours=5, minutes=30)))
    change = SeatChange(show_id="s1", kind="held", seats=["A1"], occurred_at=local)
    assert change.occurred_at == local
    assert change.occurred_at.tzinfo is UTC


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"show_id": ""}, "show_id"),
        ({"show_id": None}, "show_id"),
        ({"kind": "booked"}, "kind"),
        ({"kind": 3}, "kind"),
        ({"seats": []}, "seats"),
        ({"seats": "A1"}, "seats"),
        ({"seats": ["A1", ""]}, "seats"),
        ({"occurred_at": datetime(2030, 1, 1, 9, 0)}, "occurred_at"),
        ({"occurred_at": "2030-01-01"}, "occurred_at"),
    ],
)
def test_bad_changes_are_refused(fields: dict[str, object], field: str) -> None:
    """A change with an empty show id, an unknown kind, no seats or a bare string of seats, or a
    naive instant raises InvalidInput naming that field."""
    values: dict[str, object] = {
        "show_id": "s1",
        "kind": SeatChangeKind.SOLD,
        "seats": ["A1"],
        "occurred_at": AT,
    }
    values.update(fields)
    with pytest.raises(InvalidInput) as info:
        SeatChange(**values)  # type: ignore[arg-type]
    assert info.value.field == field


def test_a_subscriber_on_another_loop_is_woken() -> None:
    """A change published on one event loop reaches a subscriber waiting on another thread's."""
    updates = MemorySeatUpdates()
    change = SeatChange(show_id="s1", kind="held", seats=["A1"], occurred_at=AT)
    subscribed = threading.Event()
    received: list[SeatChange] = []

    async def subscriber() -> None:
        async with updates.subscribe("s1") as feed:
            subscribed.set()
            received.extend(await receive(feed, 1))

    thread = threading.Thread(target=lambda: asyncio.run(subscriber()))
    thread.start()
    try:
        assert subscribed.wait(10)
        time.sleep(0.2)  # let the subscriber start waiting, so the wake-up crosses threads
        asyncio.run(updates.publish(change))
    finally:
        thread.join(10)
    assert received == [change]
