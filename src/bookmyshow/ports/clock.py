"""The clock port: where "now" comes from.

``now()`` is synchronous on purpose: reading a clock is not I/O, and an async ``now()`` would force
every caller that merely needs a timestamp to be a coroutine.  Services ask the clock once per use
case and pass the instant down to the pure domain as an argument.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

__all__ = ["Clock"]


class Clock(Protocol):
    """A source of the current instant."""

    def now(self) -> datetime:
        """The current instant as a timezone-aware datetime in UTC (``utcoffset() == 0``).

        Successive calls on one clock never go backwards unless a test clock is explicitly
        ``set`` back.  Raises nothing.
        """
        ...
