"""The live seat feed: seat-changing domain events published as seat changes of their show.

:class:`SeatFeed` turns each committed event that frees or takes seats into a
:class:`~bookmyshow.ports.seat_updates.SeatChange` on the
:class:`~bookmyshow.ports.seat_updates.SeatUpdates` port, which fans it out to every viewer of
the show's seat map (the reference app's WebSocket), in every process:

====================  ============  ================================================
event                 kind          when
====================  ============  ================================================
``SeatsHeld``         ``held``      a customer held seats
``SeatsReleased``     ``released``  the owner released a hold
``HoldLapsed``        ``expired``   the expiry sweep purged a lapsed hold
``BookingConfirmed``  ``sold``      a booking was paid and its seats sold
``SeatsReturned``     ``returned``  a cancelled booking's seats went back on sale
====================  ============  ================================================

A change carries the show, the seats and the event's instant, never who held or bought them.
Like every event handler, it runs after the change was committed and its failures are logged
by the publishing service, not raised to the customer: the feed is a hint, and a viewer that
missed something re-reads the seat map (see :mod:`bookmyshow.ports.seat_updates`).
"""

from __future__ import annotations

from typing import Final

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import (
    BookingConfirmed,
    DomainEvent,
    HoldLapsed,
    SeatsHeld,
    SeatsReleased,
    SeatsReturned,
)
from bookmyshow.domain.validation import require_instance
from bookmyshow.ports.events import EventBus
from bookmyshow.ports.seat_updates import SeatChange, SeatChangeKind, SeatUpdates
from bookmyshow.services._subscriptions import subscribe_once

__all__ = ["FEED_EVENTS", "SeatFeed", "seat_change"]

FEED_EVENTS: Final[dict[type[DomainEvent], SeatChangeKind]] = {
    SeatsHeld: SeatChangeKind.HELD,
    SeatsReleased: SeatChangeKind.RELEASED,
    HoldLapsed: SeatChangeKind.EXPIRED,
    BookingConfirmed: SeatChangeKind.SOLD,
    SeatsReturned: SeatChangeKind.RETURNED,
}
"""The events :meth:`SeatFeed.subscribe` listens to, and the kind of change each becomes."""

_SeatEvent = SeatsHeld | SeatsReleased | HoldLapsed | BookingConfirmed | SeatsReturned


def seat_change(event: DomainEvent) -> SeatChange | None:
    """The seat change ``event`` announces, or ``None`` for an event that changes no seat (or
    names none, like the return of a booking whose seats were already back on sale).

    Raises :class:`InvalidInput` if ``event`` is not a :class:`DomainEvent`.
    """
    require_instance(event, DomainEvent, "event")
    if not isinstance(event, _SeatEvent) or not event.seats:
        return None
    kind = next(k for cls, k in FEED_EVENTS.items() if isinstance(event, cls))
    return SeatChange(
        show_id=event.show_id, kind=kind, seats=event.seats, occurred_at=event.occurred_at
    )


class SeatFeed:
    """Publishes the seat changes of domain events to ``updates`` (see the module)."""

    def __init__(self, updates: SeatUpdates) -> None:
        """Publish to ``updates``; raises :class:`InvalidInput` if it has no ``publish``."""
        if not callable(getattr(updates, "publish", None)):
            raise InvalidInput(field="updates", reason="a SeatUpdates, which has publish()")
        self._updates = updates
        self._buses: list[EventBus] = []

    def subscribe(self, bus: EventBus) -> None:
        """Register :meth:`handle` on ``bus`` for every type of :data:`FEED_EVENTS`.

        Subscribing to the same bus again does nothing (each change is published once).
        Raises :class:`InvalidInput` if ``bus`` has no ``subscribe`` method.
        """
        subscribe_once(self._buses, bus, FEED_EVENTS, self.handle)

    async def handle(self, event: DomainEvent) -> None:
        """Publish the seat change of ``event``; other events are ignored.

        Raises :class:`InvalidInput` for a non-event, and whatever the port's ``publish``
        raises (``BackendUnavailable``).
        """
        change = seat_change(event)
        if change is not None:
            await self._updates.publish(change)
