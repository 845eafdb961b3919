"""The id port: fresh identifiers for aggregates and booking numbers.

Both methods are synchronous: minting an id is not I/O (a generator that needed a round trip
would be an unusual adapter, and it could pre-fetch blocks).
"""

from __future__ import annotations

import re
from typing import Final, Protocol

from bookmyshow.domain.booking import BOOKING_CODE_SPACE
from bookmyshow.domain.errors import InvalidInput

__all__ = ["BOOKING_NUMBER_BITS", "ID_PREFIX_PATTERN", "IdGenerator", "check_prefix"]

BOOKING_NUMBER_BITS: Final = BOOKING_CODE_SPACE.bit_length() - 1
"""Booking numbers are non-negative integers below ``2**35``: exactly the numbers
:func:`bookmyshow.domain.booking.booking_code_from` turns into an 8-character code."""

ID_PREFIX_PATTERN: Final = re.compile(r"[a-z][a-z0-9]{0,15}")
"""A prefix is 1-16 lowercase letters and digits, starting with a letter (``"bkg"``, ``"show"``)."""


def check_prefix(prefix: str) -> str:
    """Return ``prefix`` if it matches :data:`ID_PREFIX_PATTERN`.

    Raises :class:`~bookmyshow.domain.errors.InvalidInput` (``field="prefix"``) otherwise.
    """
    if not isinstance(prefix, str) or ID_PREFIX_PATTERN.fullmatch(prefix) is None:
        raise InvalidInput(
            field="prefix", reason="1-16 lowercase letters and digits, starting with a letter"
        )
    return prefix


class IdGenerator(Protocol):
    """Mints identifiers.

    Ids have the form ``f"{prefix}_{suffix}"`` where the suffix is lowercase letters and digits;
    the whole id is at most 64 characters.  Ids from one generator never repeat, and ids with the
    same prefix from one generator sort (as strings) in the order they were made.
    """

    def new_id(self, prefix: str) -> str:
        """A fresh id starting with ``prefix + "_"``.

        Raises :class:`~bookmyshow.domain.errors.InvalidInput` for a prefix not matching
        :data:`ID_PREFIX_PATTERN`.
        """
        ...

    def new_booking_number(self) -> int:
        """A booking number in ``range(2**BOOKING_NUMBER_BITS)``, hard to guess in production.

        Uniqueness is not promised (collisions are rare but possible): the caller stores it
        under a uniqueness constraint and asks again on conflict.
        """
        ...
