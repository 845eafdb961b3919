"""The in-memory event bus against the event bus contract."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bookmyshow.adapters.memory.events import MemoryEventBus
from bookmyshow.domain.events import DomainEvent
from bookmyshow.ports.events import EventPublisher
from bookmyshow.testing.contracts.events import EventBusContract


class TestMemoryEventBus(EventBusContract):
    """MemoryEventBus keeps the event bus contract."""

    @pytest.fixture
    def publisher(self) -> EventPublisher:
        """A fresh in-memory bus."""
        return MemoryEventBus()

    async def published(self, publisher: EventPublisher) -> Sequence[DomainEvent]:
        """The bus's record of published events."""
        assert isinstance(publisher, MemoryEventBus)
        return publisher.published
