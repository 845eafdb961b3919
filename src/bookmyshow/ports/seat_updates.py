"""The live seat feed port: seat changes of a show fanned out to everyone watching it.

A :class:`SeatChange` says that some seats of a show were held, released, expired (a hold
lapsed), sold or returned to sale.  It names no user, hold or booking: the feed goes to every
viewer of the show's seat map, so it must not tell who holds what.

The feed is a *hint* stream for live seat maps, not a record of truth: a change is published
after the fact it reports was committed, and a subscriber that falls behind is cut off rather
than slowing the publishers.  The seat map read from the services stays authoritative; a viewer
reads it, then applies changes as they arrive.

Delivery rules (every adapter keeps them; see :mod:`bookmyshow.testing.contracts.seat_updates`):

* A subscription receives the changes of its show published after it was opened — by any
  process sharing the backend — in publish order (one order per show, the same for every
  subscriber), and nothing of other shows.
* Each subscription has a bounded buffer of ``buffer`` undelivered changes.  When a change
  arrives at a full buffer the subscription is *lagged*: the buffered changes are discarded and
  the next step of its iterator raises :class:`FeedLagged` (every step after that too).  What a
  subscriber received before that is a gapless prefix of the show's changes.  The same happens
  when the backend itself dropped changes the subscriber had not read yet.
* When the backend fails while a subscription is open, its iterator raises
  :class:`~bookmyshow.ports.errors.BackendUnavailable` (every step after that too).
* Leaving the ``async with`` block closes the subscription and frees what it used; a step of a
  closed subscription's iterator ends the iteration.

On :class:`FeedLagged` or ``BackendUnavailable`` a viewer opens a new subscription first, then
re-reads the seat map, then applies the new subscription's changes: changes published in
between may be applied twice, which is harmless (each says what state the seats are in now).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Final, Protocol

from attrs import define, field, frozen

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.validation import aware_utc, label_set, require_count, require_text
from bookmyshow.ports.errors import PortError

__all__ = [
    "DEFAULT_BUFFER",
    "MAX_BUFFER",
    "FeedLagged",
    "SeatChange",
    "SeatChangeKind",
    "SeatUpdates",
    "check_buffer",
]

DEFAULT_BUFFER: Final = 256
"""How many undelivered changes a subscription holds unless it asks for another bound."""

MAX_BUFFER: Final = 10_000
"""The largest ``buffer`` a subscription may ask for."""


class SeatChangeKind(StrEnum):
    """What happened to the seats; the value is the stable name on the wire."""

    HELD = "held"
    """Someone holds them now: not available."""
    RELEASED = "released"
    """A hold was released by its owner: available again."""
    EXPIRED = "expired"
    """A hold lapsed unbought: available again."""
    SOLD = "sold"
    """A booking bought them: not available."""
    RETURNED = "returned"
    """A cancelled booking put them back on sale: available again."""


def _kind(value: object) -> SeatChangeKind:
    if isinstance(value, SeatChangeKind):
        return value
    if isinstance(value, str):
        try:
            return SeatChangeKind(value)
        except ValueError:
            pass
    names = ", ".join(k.value for k in SeatChangeKind)
    raise InvalidInput(field="kind", reason=f"one of {names}")


def _seats(values: Iterable[str]) -> frozenset[str]:
    seats = label_set(values, "seats")
    if not seats:
        raise InvalidInput(field="seats", reason="a change names at least one seat")
    return seats


def _show_id(value: object) -> str:
    return require_text(value, "show_id")


def _instant(value: object) -> datetime:
    return aware_utc(value, "occurred_at")


@frozen(kw_only=True)
class SeatChange:
    """``seats`` of show ``show_id`` changed by ``kind`` at ``occurred_at`` (kept in UTC).

    Raises :class:`InvalidInput` for an empty show id, an unknown kind (the enum or its value),
    a seat collection that is empty, a bare string or holds a non-label, and a naive
    ``occurred_at``.
    """

    show_id: str = field(converter=_show_id)
    kind: SeatChangeKind = field(converter=_kind)
    seats: frozenset[str] = field(converter=_seats)
    occurred_at: datetime = field(converter=_instant)


@define(auto_exc=True, kw_only=True)
class FeedLagged(PortError):
    """The subscription to ``show_id`` fell behind (its ``buffer`` overflowed, or the backend
    dropped changes it had not read): re-subscribe and re-read the seat map."""

    code: ClassVar[str] = "feed_lagged"
    show_id: str
    buffer: int


def check_buffer(buffer: object) -> int:
    """``buffer`` if it is an integer from 1 to :data:`MAX_BUFFER`; ``InvalidInput`` otherwise."""
    size = require_count(buffer, "buffer", minimum=1)
    if size > MAX_BUFFER:
        raise InvalidInput(field="buffer", reason=f"at most {MAX_BUFFER}")
    return size


class SeatUpdates(Protocol):
    """Publishes seat changes and streams them to the subscribers of each show.

    Errors: :class:`~bookmyshow.domain.errors.InvalidInput` for bad arguments (checked before
    anything is sent), :class:`~bookmyshow.ports.errors.BackendUnavailable` when the backend
    fails, :class:`FeedLagged` from a subscription's iterator (see the module).
    """

    async def publish(self, change: SeatChange) -> None:
        """Send ``change`` to every open subscription of its show, in every process.

        Raises ``InvalidInput`` if ``change`` is not a :class:`SeatChange`.
        """
        ...

    def subscribe(
        self, show_id: str, *, buffer: int = DEFAULT_BUFFER
    ) -> AbstractAsyncContextManager[AsyncIterator[SeatChange]]:
        """An ``async with`` block yielding the iterator of ``show_id``'s changes published
        after the block was entered; at most ``buffer`` undelivered changes wait for it.

        Iterate it from one task at a time.  Raises ``InvalidInput`` at once for an empty show
        id or a ``buffer`` outside 1 … :data:`MAX_BUFFER`; entering the block may raise
        ``BackendUnavailable``.
        """
        ...

    def subscriber_count(self, show_id: str) -> int:
        """How many subscriptions to ``show_id`` are open on this instance (this process)."""
        ...
