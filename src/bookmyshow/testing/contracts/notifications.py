"""Contract suite for :class:`bookmyshow.ports.notifications.Notifier` adapters.

Subclass :class:`NotifierContract`, override the ``notifier`` fixture and :meth:`sent`, which
reads back what the adapter handed over (an outbox, a test mailbox, a recorded HTTP call).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bookmyshow.ports.notifications import Notification, Notifier

__all__ = ["NotifierContract"]


def _note(notification_id: str, user_id: str = "u1") -> Notification:
    return Notification(
        notification_id=notification_id,
        user_id=user_id,
        email=f"{user_id}@example.com",
        template="booking.confirmed",
        data={"booking_code": "BMS-7K2Q", "seats": ["A1", "A2"], "total": "INR 500.00"},
    )


class NotifierContract:
    """What every notifier promises: notifications handed over in order, each id once."""

    @pytest.fixture
    def notifier(self) -> Notifier:
        """The notifier under test, having sent nothing (override in a subclass)."""
        raise NotImplementedError

    async def sent(self, notifier: Notifier) -> Sequence[Notification]:
        """What ``notifier`` has handed over, oldest first (override in a subclass)."""
        raise NotImplementedError

    @pytest.mark.asyncio
    async def test_sent_notifications_are_handed_over_in_order(self, notifier: Notifier) -> None:
        """Each sent notification is handed over once, unchanged, in sending order."""
        notes = [_note("n1"), _note("n2", "u2"), _note("n3")]
        for note in notes:
            await notifier.send(note)
        assert list(await self.sent(notifier)) == notes

    @pytest.mark.asyncio
    async def test_same_id_is_sent_once(self, notifier: Notifier) -> None:
        """Sending a notification id again is a no-op."""
        await notifier.send(_note("n1"))
        await notifier.send(_note("n1"))
        assert [n.notification_id for n in await self.sent(notifier)] == ["n1"]

    @pytest.mark.asyncio
    async def test_concurrent_duplicates_are_sent_once(self, notifier: Notifier) -> None:
        """50 concurrent sends of one id and 50 of distinct ids hand over 51 notifications."""
        await asyncio.gather(
            *(notifier.send(_note("dup")) for _ in range(50)),
            *(notifier.send(_note(f"n{i}")) for i in range(50)),
        )
        ids = [n.notification_id for n in await self.sent(notifier)]
        assert sorted(ids) == sorted(["dup", *(f"n{i}" for i in range(50))])
