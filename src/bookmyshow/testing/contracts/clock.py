"""Contract suite for :class:`bookmyshow.ports.clock.Clock` adapters.

Subclass :class:`ClockContract` in a test module and override the ``clock`` fixture::

    class TestSystemClock(ClockContract):
        @pytest.fixture
        def clock(self) -> Clock:
            return SystemClock()
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bookmyshow.ports.clock import Clock

__all__ = ["ClockContract"]


class ClockContract:
    """What every clock promises: aware UTC instants that do not run backwards."""

    @pytest.fixture
    def clock(self) -> Clock:
        """The clock under test (override in a subclass)."""
        raise NotImplementedError

    def test_now_is_timezone_aware_utc(self, clock: Clock) -> None:
        """now() returns an aware datetime whose UTC offset is zero."""
        now = clock.now()
        assert now.tzinfo is not None
        assert now.utcoffset() == timedelta(0)

    def test_now_does_not_go_backwards(self, clock: Clock) -> None:
        """Successive now() calls never decrease."""
        readings = [clock.now() for _ in range(100)]
        assert readings == sorted(readings)
