"""Clock adapters: the real system clock and a manually driven clock for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.holds import require_aware
from bookmyshow.domain.validation import in_zone, shift

__all__ = ["DEFAULT_START", "ManualClock", "SystemClock"]

DEFAULT_START: Final = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
"""Where a :class:`ManualClock` starts when no instant is given (a fixed, unremarkable instant)."""


class SystemClock:
    """The machine's wall clock, in UTC."""

    def now(self) -> datetime:
        """The current UTC instant (timezone-aware)."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that moves only when told to: ``advance(by)`` or ``set(instant)``.

    Starts at ``start`` (default :data:`DEFAULT_START`), converted to UTC.  Raises
    :class:`~bookmyshow.domain.errors.InvalidInput` for a naive ``start`` or one that falls
    outside the calendar in UTC.
    """

    def __init__(self, start: datetime = DEFAULT_START) -> None:
        self._now = in_zone(require_aware(start, "start"), UTC, "start")

    def now(self) -> datetime:
        """The clock's current instant, in UTC."""
        return self._now

    def advance(self, by: timedelta) -> datetime:
        """Move forward by ``by`` and return the new instant.

        Raises :class:`~bookmyshow.domain.errors.InvalidInput` for a negative ``by`` (use
        :meth:`set` to move backwards deliberately).
        """
        if not isinstance(by, timedelta) or by < timedelta(0):
            raise InvalidInput(field="by", reason="a clock advances by a non-negative timedelta")
        self._now = shift(self._now, by, "by")
        return self._now

    def set(self, instant: datetime) -> datetime:
        """Jump to ``instant`` (forwards or backwards) and return it in UTC.

        Raises :class:`~bookmyshow.domain.errors.InvalidInput` for a naive ``instant`` or one
        outside the calendar in UTC.
        """
        self._now = in_zone(require_aware(instant, "instant"), UTC, "instant")
        return self._now

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"
