"""The event ports: publishing domain events after a unit of work commits.

:class:`EventPublisher` is all a service needs.  :class:`EventBus` adds in-process subscription,
for wiring handlers in :mod:`bookmyshow.bootstrap`; a broker-backed publisher (Kafka, Redis
streams) need not offer it.

Handler failures are never swallowed: a bus runs every handler for every event, then raises one
:class:`EventDeliveryFailed` naming each failure, with the original exceptions chained as an
:class:`ExceptionGroup` in ``__cause__``.  The events still count as published.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import ClassVar, Protocol, TypeAlias, TypeVar

from attrs import define, field

from bookmyshow.domain.events import DomainEvent
from bookmyshow.ports.errors import PortError

__all__ = ["EventBus", "EventDeliveryFailed", "EventHandler", "EventPublisher"]

E = TypeVar("E", bound=DomainEvent)  # generic parameter of EventHandler and subscribe

EventHandler: TypeAlias = Callable[[E], Awaitable[None]]
"""An async callable taking one event of its subscribed type."""


def _lines(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


@define(auto_exc=True, kw_only=True)
class EventDeliveryFailed(PortError):
    """Some handlers raised; ``failures`` has one ``"event.name -> handler: error"`` line each.

    The handlers' exceptions are in ``__cause__`` (an :class:`ExceptionGroup`).
    """

    code: ClassVar[str] = "event_delivery_failed"
    failures: tuple[str, ...] = field(converter=_lines)


class EventPublisher(Protocol):
    """Publishes domain events.

    Errors: :class:`~bookmyshow.domain.errors.InvalidInput` if an item is not a
    :class:`~bookmyshow.domain.events.DomainEvent` (nothing is published then),
    :class:`EventDeliveryFailed`, :class:`~bookmyshow.ports.errors.BackendUnavailable`.
    """

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Publish ``events`` in order; an empty sequence does nothing."""
        ...


class EventBus(EventPublisher, Protocol):
    """An in-process publisher that also delivers events to subscribed handlers."""

    def subscribe(self, event_type: type[E], handler: EventHandler[E]) -> None:
        """Call ``handler`` for every published event that is an instance of ``event_type``
        (subclasses included), in subscription order.  Raises ``InvalidInput`` if
        ``event_type`` is not a ``DomainEvent`` class."""
        ...
