"""The clock adapters against the clock contract."""

from __future__ import annotations

import pytest

from bookmyshow.adapters.memory.clock import ManualClock, SystemClock
from bookmyshow.ports.clock import Clock
from bookmyshow.testing.contracts.clock import ClockContract


class TestSystemClock(ClockContract):
    """The system clock keeps the clock contract."""

    @pytest.fixture
    def clock(self) -> Clock:
        """A system clock."""
        return SystemClock()


class TestManualClock(ClockContract):
    """The manual clock keeps the clock contract."""

    @pytest.fixture
    def clock(self) -> Clock:
        """A manual clock at its default start."""
        return ManualClock()
