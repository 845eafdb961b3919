"""Id generators: sortable random ids for production and sequential ones for tests."""

from __future__ import annotations

import secrets
import threading
from datetime import UTC, datetime, timedelta
from typing import Final

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.ports.clock import Clock
from bookmyshow.ports.ids import BOOKING_NUMBER_BITS, check_prefix

__all__ = ["SequentialIds", "SortableIds"]

_CROCKFORD: Final = "0123456789abcdefghjkmnpqrstvwxyz"
_TIME_BITS: Final = 48
_RANDOM_BITS: Final = 80
_SUFFIX_CHARS: Final = 26  # 128 bits in base 32, like a ULID
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND: Final = timedelta(milliseconds=1)


def _base32(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, digit = divmod(value, 32)
        chars.append(_CROCKFORD[digit])
    return "".join(reversed(chars))


class SortableIds:
    """ULID-style ids: 48 bits of milliseconds since the epoch, then 80 random bits.

    The suffix is 26 lowercase Crockford base-32 characters, so ids sort by creation time.
    Within one millisecond (or if the clock steps back) the previous value is incremented
    instead, so ids from one instance strictly increase.  Thread-safe.  Booking numbers come
    from :func:`secrets.randbits`.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._last = 0
        self._lock = threading.Lock()

    def new_id(self, prefix: str) -> str:
        """A fresh sortable id ``f"{prefix}_{26 chars}"``; raises ``InvalidInput`` for a bad
        prefix."""
        check_prefix(prefix)
        millis = ((self._clock.now() - _EPOCH) // _MILLISECOND) & ((1 << _TIME_BITS) - 1)
        candidate = (millis << _RANDOM_BITS) | secrets.randbits(_RANDOM_BITS)
        with self._lock:
            # Monotonic even when the clock repeats or steps back: ids must never sort
            # before ids already handed out.
            if candidate <= self._last:
                candidate = self._last + 1
            self._last = candidate
        return f"{prefix}_{_base32(candidate, _SUFFIX_CHARS)}"

    def new_booking_number(self) -> int:
        """A uniformly random number in ``range(2**BOOKING_NUMBER_BITS)``."""
        return secrets.randbits(BOOKING_NUMBER_BITS)


class SequentialIds:
    """Deterministic ids for tests: ``"bkg_000000000001"``, ``"bkg_000000000002"``, ...

    One counter per prefix, padded to 12 digits so ids sort in creation order.  Booking numbers
    count up from ``first_booking_number``.  Raises ``InvalidInput`` for a negative start.
    """

    def __init__(self, *, first_booking_number: int = 1) -> None:
        if (
            isinstance(first_booking_number, bool)
            or not isinstance(first_booking_number, int)
            or not 0 <= first_booking_number < 2**BOOKING_NUMBER_BITS
        ):
            raise InvalidInput(
                field="first_booking_number", reason=f"must be in range(2**{BOOKING_NUMBER_BITS})"
            )
        self._counters: dict[str, int] = {}
        self._next_booking_number = first_booking_number
        self._lock = threading.Lock()

    def new_id(self, prefix: str) -> str:
        """The next id for ``prefix``; raises ``InvalidInput`` for a bad prefix."""
        check_prefix(prefix)
        with self._lock:
            number = self._counters.get(prefix, 0) + 1
            self._counters[prefix] = number
        return f"{prefix}_{number:012d}"

    def new_booking_number(self) -> int:
        """The next booking number (wrapping to 0 after ``2**BOOKING_NUMBER_BITS - 1``)."""
        with self._lock:
            number = self._next_booking_number
            self._next_booking_number = (number + 1) % 2**BOOKING_NUMBER_BITS
        return number
