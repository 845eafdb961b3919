"""An in-process event bus that records what was published and calls handlers directly."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import DomainEvent
from bookmyshow.ports.events import EventDeliveryFailed, EventHandler

__all__ = ["MemoryEventBus"]

logger = logging.getLogger(__name__)

E = TypeVar("E", bound=DomainEvent)


def _check_event_type(event_type: object) -> None:
    if not (isinstance(event_type, type) and issubclass(event_type, DomainEvent)):
        raise InvalidInput(field="event_type", reason="must be a DomainEvent subclass")


def _describe(handler: object) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)


class MemoryEventBus:
    """An :class:`~bookmyshow.ports.events.EventBus` delivering inside :meth:`publish`.

    ``publish`` records the events (:attr:`published`), then awaits each matching handler, one
    at a time, event by event.  A handler that publishes further events has them recorded and
    delivered before ``publish`` moves on.  Every handler failure is logged with its traceback
    and collected; after all deliveries they are raised together as
    :class:`~bookmyshow.ports.events.EventDeliveryFailed`.
    """

    def __init__(self) -> None:
        self._published: list[DomainEvent] = []
        self._handlers: list[tuple[type[DomainEvent], EventHandler[Any]]] = []

    @property
    def published(self) -> Sequence[DomainEvent]:
        """Every event published so far, in order (a copy)."""
        return tuple(self._published)

    def of_type(self, event_type: type[E]) -> Sequence[E]:
        """The published events that are instances of ``event_type``, in order.

        Raises ``InvalidInput`` for a ``event_type`` that is not a DomainEvent class.
        """
        _check_event_type(event_type)
        return tuple(e for e in self._published if isinstance(e, event_type))

    def subscribe(self, event_type: type[E], handler: EventHandler[E]) -> None:
        """Deliver instances of ``event_type`` to ``handler``; see the port.

        Raises ``InvalidInput`` for a non-event type or a non-callable handler.
        """
        _check_event_type(event_type)
        if not callable(handler):
            raise InvalidInput(field="handler", reason="must be an async callable")
        self._handlers.append((event_type, handler))

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Record ``events`` and deliver them; see the class for failure handling.

        Raises ``InvalidInput`` (publishing nothing) if an item is not a ``DomainEvent``, and
        ``EventDeliveryFailed`` after delivery if any handler raised.
        """
        if isinstance(events, str | bytes | Mapping) or not isinstance(events, Iterable):
            raise InvalidInput(field="events", reason="a sequence of DomainEvent")
        batch = list(events)
        for index, event in enumerate(batch):
            if not isinstance(event, DomainEvent):
                raise InvalidInput(field=f"events[{index}]", reason="not a DomainEvent")
        self._published.extend(batch)
        failures: list[str] = []
        errors: list[Exception] = []
        for event in batch:
            for event_type, handler in list(self._handlers):
                if not isinstance(event, event_type):
                    continue
                try:
                    await handler(event)
                except EventDeliveryFailed as exc:
                    # A nested publish already logged its handlers' failures; pass them up.
                    failures.extend(exc.failures)
                    errors.append(exc)
                except Exception as exc:
                    name = getattr(type(event), "name", type(event).__name__)
                    line = f"{name} -> {_describe(handler)}: {type(exc).__name__}: {exc}"
                    logger.exception("event handler failed: %s", line)
                    failures.append(line)
                    errors.append(exc)
        if errors:
            raise EventDeliveryFailed(failures=failures) from ExceptionGroup(
                "event handlers failed", errors
            )
