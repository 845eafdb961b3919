"""The id generators against the id contract."""

from __future__ import annotations

import pytest

from bookmyshow.adapters.memory.clock import ManualClock, SystemClock
from bookmyshow.adapters.memory.ids import SequentialIds, SortableIds
from bookmyshow.ports.ids import IdGenerator
from bookmyshow.testing.contracts.ids import IdGeneratorContract


class TestSortableIdsOnSystemClock(IdGeneratorContract):
    """Sortable ids on the real clock keep the contract."""

    @pytest.fixture
    def ids(self) -> IdGenerator:
        """Sortable ids driven by the system clock."""
        return SortableIds(SystemClock())


class TestSortableIdsOnFrozenClock(IdGeneratorContract):
    """Sortable ids keep the contract even when the clock never moves."""

    @pytest.fixture
    def ids(self) -> IdGenerator:
        """Sortable ids driven by a manual clock that is never advanced."""
        return SortableIds(ManualClock())


class TestSequentialIds(IdGeneratorContract):
    """Sequential test ids keep the contract."""

    @pytest.fixture
    def ids(self) -> IdGenerator:
        """Sequential ids."""
        return SequentialIds()
