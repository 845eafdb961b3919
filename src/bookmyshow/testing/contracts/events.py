"""Contract suites for the event ports: :class:`EventPublisherContract` and
:class:`EventBusContract`.

Subclass one, override the ``publisher`` fixture and :meth:`EventPublisherContract.published`
(which reads back what the adapter published, oldest first).  For :class:`EventBusContract` the
fixture must return an :class:`~bookmyshow.ports.events.EventBus`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

import pytest

from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import (
    BookingConfirmed,
    BookingEvent,
    BookingPaymentFailed,
    DomainEvent,
    MovieAdded,
)
from bookmyshow.domain.money import Money
from bookmyshow.ports.events import EventBus, EventDeliveryFailed, EventHandler, EventPublisher

__all__ = ["EventBusContract", "EventPublisherContract"]

AT = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


def _movie(n: int) -> MovieAdded:
    return MovieAdded(occurred_at=AT, movie_id=f"mov{n}", title=f"Movie {n}")


def _confirmed(booking_id: str = "bkg1") -> BookingConfirmed:
    return BookingConfirmed(
        occurred_at=AT,
        booking_id=booking_id,
        user_id="u1",
        show_id="show1",
        seats=frozenset({"A1"}),
        amount=Money(25000),
        payment_id="pay1",
        booking_code="BMS-1",
    )


def _failed(booking_id: str = "bkg2") -> BookingPaymentFailed:
    return BookingPaymentFailed(
        occurred_at=AT, booking_id=booking_id, user_id="u1", show_id="show1", reason="declined"
    )


class EventPublisherContract:
    """What every event publisher promises: events published in order, bad input refused."""

    @pytest.fixture
    def publisher(self) -> EventPublisher:
        """The publisher under test, having published nothing (override in a subclass)."""
        raise NotImplementedError

    async def published(self, publisher: EventPublisher) -> Sequence[DomainEvent]:
        """What ``publisher`` has published, oldest first (override in a subclass)."""
        raise NotImplementedError

    @pytest.mark.asyncio
    async def test_publish_keeps_order(self, publisher: EventPublisher) -> None:
        """Events from successive publish() calls come out in the order given."""
        await publisher.publish([_movie(1), _confirmed()])
        await publisher.publish([])
        await publisher.publish([_movie(2)])
        assert list(await self.published(publisher)) == [_movie(1), _confirmed(), _movie(2)]

    @pytest.mark.asyncio
    async def test_non_events_are_refused_whole(self, publisher: EventPublisher) -> None:
        """A batch holding a non-event raises InvalidInput and publishes none of it."""
        with pytest.raises(InvalidInput) as info:
            await publisher.publish([_movie(1), "movie.added"])  # type: ignore[list-item]
        assert info.value.field == "events[1]"
        assert list(await self.published(publisher)) == []


class EventBusContract(EventPublisherContract):
    """What every in-process bus promises on top: typed delivery and no swallowed failures."""

    @pytest.mark.asyncio
    async def test_handlers_get_matching_events(self, publisher: EventPublisher) -> None:
        """A handler receives instances of its type, subclasses included, and nothing else."""
        bus = _bus(publisher)
        bookings: list[BookingEvent] = []
        movies: list[MovieAdded] = []

        async def on_booking(event: BookingEvent) -> None:
            bookings.append(event)

        async def on_movie(event: MovieAdded) -> None:
            movies.append(event)

        bus.subscribe(BookingEvent, on_booking)
        bus.subscribe(MovieAdded, on_movie)
        await bus.publish([_confirmed(), _movie(1), _failed()])
        assert bookings == [_confirmed(), _failed()]
        assert movies == [_movie(1)]

    @pytest.mark.asyncio
    async def test_handlers_run_in_subscription_order(self, publisher: EventPublisher) -> None:
        """For each event, handlers run in the order they subscribed."""
        bus = _bus(publisher)
        calls: list[tuple[str, str]] = []

        def recorder(tag: str) -> EventHandler[DomainEvent]:
            async def handle(event: DomainEvent) -> None:
                calls.append((tag, type(event).__name__))

            return handle

        bus.subscribe(DomainEvent, recorder("first"))
        bus.subscribe(DomainEvent, recorder("second"))
        await bus.publish([_movie(1), _failed()])
        assert calls == [
            ("first", "MovieAdded"),
            ("second", "MovieAdded"),
            ("first", "BookingPaymentFailed"),
            ("second", "BookingPaymentFailed"),
        ]

    @pytest.mark.asyncio
    async def test_failures_are_collected_not_swallowed(self, publisher: EventPublisher) -> None:
        """A failing handler does not stop the others; publish() then raises EventDeliveryFailed."""
        bus = _bus(publisher)
        delivered: list[DomainEvent] = []

        async def broken(event: DomainEvent) -> None:
            raise RuntimeError(f"cannot handle {type(event).__name__}")

        async def healthy(event: DomainEvent) -> None:
            delivered.append(event)

        bus.subscribe(MovieAdded, broken)
        bus.subscribe(DomainEvent, healthy)
        with pytest.raises(EventDeliveryFailed) as info:
            await bus.publish([_movie(1), _confirmed(), _movie(2)])
        assert info.value.code == "event_delivery_failed"
        assert len(info.value.failures) == 2
        assert all("movie.added" in line for line in info.value.failures)
        cause = info.value.__cause__
        assert isinstance(cause, ExceptionGroup)
        assert [type(e) for e in cause.exceptions] == [RuntimeError, RuntimeError]
        assert delivered == [_movie(1), _confirmed(), _movie(2)]
        assert list(await self.published(bus)) == delivered

    @pytest.mark.asyncio
    async def test_handler_may_publish(self, publisher: EventPublisher) -> None:
        """Events published by a handler are published and delivered too."""
        bus = _bus(publisher)
        seen: list[DomainEvent] = []

        async def follow_up(event: BookingConfirmed) -> None:
            await bus.publish([_movie(99)])

        async def record(event: DomainEvent) -> None:
            seen.append(event)

        bus.subscribe(BookingConfirmed, follow_up)
        bus.subscribe(DomainEvent, record)
        await bus.publish([_confirmed()])
        assert sorted(map(repr, seen)) == sorted(map(repr, [_confirmed(), _movie(99)]))
        assert sorted(map(repr, await self.published(bus))) == sorted(map(repr, seen))

    @pytest.mark.asyncio
    async def test_concurrent_publishers_lose_nothing(self, publisher: EventPublisher) -> None:
        """100 concurrent publish() calls deliver and record every event exactly once."""
        bus = _bus(publisher)
        seen: list[DomainEvent] = []

        async def record(event: DomainEvent) -> None:
            await asyncio.sleep(0)
            seen.append(event)

        bus.subscribe(DomainEvent, record)
        await asyncio.gather(*(bus.publish([_movie(i)]) for i in range(100)))
        assert sorted(e.movie_id for e in seen if isinstance(e, MovieAdded)) == sorted(
            f"mov{i}" for i in range(100)
        )
        assert len(await self.published(bus)) == 100

    def test_subscribing_a_non_event_type_is_refused(self, publisher: EventPublisher) -> None:
        """subscribe() with a class that is not a DomainEvent raises InvalidInput."""

        async def handler(event: DomainEvent) -> None:
            return None

        with pytest.raises(InvalidInput) as info:
            _bus(publisher).subscribe(str, handler)  # type: ignore[type-var, arg-type]
        assert info.value.field == "event_type"


def _bus(publisher: EventPublisher) -> EventBus:
    if not callable(getattr(publisher, "subscribe", None)):
        raise TypeError("EventBusContract needs a fixture returning an EventBus")
    return cast(EventBus, publisher)
