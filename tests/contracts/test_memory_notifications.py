"""The in-memory notifier against the notifier contract."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bookmyshow.adapters.memory.notifications import MemoryNotifier
from bookmyshow.ports.notifications import Notification, Notifier
from bookmyshow.testing.contracts.notifications import NotifierContract


class TestMemoryNotifier(NotifierContract):
    """MemoryNotifier keeps the notifier contract."""

    @pytest.fixture
    def notifier(self) -> Notifier:
        """A fresh in-memory notifier."""
        return MemoryNotifier()

    async def sent(self, notifier: Notifier) -> Sequence[Notification]:
        """The notifier's outbox."""
        assert isinstance(notifier, MemoryNotifier)
        return notifier.outbox
