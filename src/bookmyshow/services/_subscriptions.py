"""Subscribing an event handler to an in-process bus once per bus.

The search indexer, the catalog cache, the seat feed and the rating propagator each follow a set
of event types; wiring them twice (a builder and a caller both subscribing) must not deliver
each event twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import DomainEvent
from bookmyshow.ports.events import EventBus, EventHandler

__all__ = ["subscribe_once"]


def subscribe_once(
    buses: list[EventBus],
    bus: EventBus,
    event_types: Iterable[type[DomainEvent]],
    handler: EventHandler[Any],
) -> None:
    """Register ``handler`` on ``bus`` for each of ``event_types`` unless ``bus`` is already in
    ``buses`` (the caller's record of where it subscribed), then record it.

    Raises :class:`InvalidInput` if ``bus`` has no ``subscribe`` method.
    """
    if not callable(getattr(bus, "subscribe", None)):
        raise InvalidInput(field="bus", reason="an EventBus, which has subscribe()")
    if any(known is bus for known in buses):
        return
    for event_type in event_types:
        bus.subscribe(event_type, handler)
    buses.append(bus)
