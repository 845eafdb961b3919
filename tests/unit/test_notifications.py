"""Notification values and the in-memory notifier's outbox and simulated outages."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bookmyshow.adapters.memory.notifications import MemoryNotifier
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.errors import BackendUnavailable
from bookmyshow.ports.notifications import Notification

_json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return {k: _freeze(v) for k, v in value.items()}
    return value


def _note(**changes: Any) -> Notification:
    args: dict[str, Any] = {
        "notification_id": "n1",
        "user_id": "u1",
        "template": "booking.confirmed",
    }
    return Notification(**(args | changes))


@given(data=st.dictionaries(st.text(max_size=4), _json_like, max_size=4))
def test_data_is_a_deep_snapshot(data: dict[str, Any]) -> None:
    """Notification data equals the input with lists as tuples, unaffected by later mutation."""
    note = _note(data=data)
    expected = _freeze(data)
    data["injected"] = ["later"]
    assert note.data == expected


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"notification_id": ""}, "notification_id"),
        ({"user_id": ""}, "user_id"),
        ({"template": "Booking Confirmed"}, "template"),
        ({"template": "booking..confirmed"}, "template"),
        ({"email": "not-an-address"}, "email"),
        ({"data": {"total": 12.5}}, "data.total"),
        ({"data": {"seats": [b"A1"]}}, "data.seats[0]"),
        ({"data": {1: "x"}}, "data"),
    ],
)
def test_malformed_notifications_are_refused(changes: dict[str, Any], field: str) -> None:
    """Bad ids, template names, addresses or data raise InvalidInput naming the field."""
    with pytest.raises(InvalidInput) as info:
        _note(**changes)
    assert info.value.field == field


@pytest.mark.asyncio
async def test_fail_next_simulates_an_outage() -> None:
    """After fail_next(2), two sends raise BackendUnavailable and record nothing; a retry works."""
    notifier = MemoryNotifier()
    notifier.fail_next(2)
    for _ in range(2):
        with pytest.raises(BackendUnavailable) as info:
            await notifier.send(_note())
        assert info.value.backend == "notifier"
    assert len(notifier.outbox) == 0
    await notifier.send(_note())
    assert [n.notification_id for n in notifier.outbox] == ["n1"]


@pytest.mark.asyncio
async def test_sent_to_filters_by_user() -> None:
    """sent_to() lists only the given user's notifications."""
    notifier = MemoryNotifier()
    await notifier.send(_note(notification_id="a", user_id="u1"))
    await notifier.send(_note(notification_id="b", user_id="u2"))
    assert [n.notification_id for n in notifier.sent_to("u2")] == ["b"]


def test_negative_failure_count_is_refused() -> None:
    """fail_next(-1) raises InvalidInput."""
    with pytest.raises(InvalidInput):
        MemoryNotifier().fail_next(-1)
