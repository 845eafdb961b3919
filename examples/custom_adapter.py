"""Plug your own adapters into bookmyshow: a port's Protocol is all you implement.

Run it from a checkout: ``python examples/custom_adapter.py``.

Two adapters written here, with no base class and no registration:

- :class:`PrintingPublisher` is an :class:`~bookmyshow.ports.events.EventPublisher` that prints
  each domain event as the use cases publish it (after their unit of work commits) and keeps
  them in a list — the shape of an adapter that forwards events to a broker or a log;
- :class:`RecordingGateway` is a :class:`~bookmyshow.ports.payments.PaymentGateway` that wraps
  another gateway and records every call — the shape of a metrics or audit decorator.

They are passed to :func:`~bookmyshow.bootstrap.in_memory_ports`, and
:func:`~bookmyshow.bootstrap.bootstrap` wires every use case over those ports.  mypy checks that
each class fits its port, structurally (see the annotated assignments in :func:`main`).

Before trusting an adapter, run the shipped contract suite against it.
``bookmyshow.testing.contracts`` (install the ``testing`` extra) holds one test class per port;
subclass it in your own tests and override its factory fixture, for example::

    import pytest
    from bookmyshow.testing.contracts.events import EventPublisherContract

    class TestPrintingPublisher(EventPublisherContract):
        @pytest.fixture
        def publisher(self) -> EventPublisher:
            return PrintingPublisher()

        async def published(self, publisher: EventPublisher) -> Sequence[DomainEvent]:
            return publisher.events  # what the adapter published, oldest first

This repository does exactly that for both adapters below (``tests/test_examples.py``); see
``docs/testing.md`` for every port's contract class.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bookmyshow.adapters.memory import (
    ManualClock,
    MemoryPaymentGateway,
    ScryptPasswordHasher,
    SequentialIds,
)
from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS
from bookmyshow.bootstrap import bootstrap, in_memory_ports
from bookmyshow.domain.errors import InvalidInput
from bookmyshow.domain.events import DomainEvent
from bookmyshow.domain.money import Money
from bookmyshow.domain.users import Role
from bookmyshow.domain.venues import GeoPoint
from bookmyshow.ports.events import EventPublisher
from bookmyshow.ports.payments import (
    ChargeRequest,
    ChargeResult,
    PaymentGateway,
    RefundRequest,
    RefundResult,
)

__all__ = ["PrintingPublisher", "RecordingGateway", "main"]

PASSWORD = "correct horse battery staple"


class PrintingPublisher:
    """Prints each published event's stable name and keeps every event, in order."""

    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Print and keep ``events``; a batch holding a non-event is refused whole.

        Raises ``InvalidInput`` (``field="events[i]"``) before printing anything, as the port
        requires: a bad batch publishes none of its events.
        """
        batch = list(events)
        for index, event in enumerate(batch):
            if not isinstance(event, DomainEvent):
                raise InvalidInput(field=f"events[{index}]", reason="not a DomainEvent")
        for event in batch:
            self.events.append(event)
            print(f"  [event] {event.name}")


class RecordingGateway:
    """Forwards every call to ``inner`` and records a one-line summary of each."""

    def __init__(self, inner: PaymentGateway) -> None:
        self.inner = inner
        self.calls: list[str] = []

    async def charge(self, request: ChargeRequest) -> ChargeResult:
        """Charge through ``inner``; raises what ``inner`` raises."""
        result = await self.inner.charge(request)
        self.calls.append(f"charge {request.amount} for {request.booking_id}: {result.outcome}")
        return result

    async def charge_status(self, idempotency_key: str) -> ChargeResult | None:
        """The charge's status from ``inner``."""
        self.calls.append(f"charge_status {idempotency_key}")
        return await self.inner.charge_status(idempotency_key)

    async def refund(self, request: RefundRequest) -> RefundResult:
        """Refund through ``inner``; raises what ``inner`` raises."""
        result = await self.inner.refund(request)
        self.calls.append(f"refund {request.amount} of {request.payment_id}: {result.outcome}")
        return result

    async def refund_status(self, idempotency_key: str) -> RefundResult | None:
        """The refund's status from ``inner``."""
        self.calls.append(f"refund_status {idempotency_key}")
        return await self.inner.refund_status(idempotency_key)


async def main() -> None:
    """Wire the two adapters in, book a seat and cancel it, then show what they saw."""
    # Annotated as the ports: mypy refuses the assignment if a method is missing or mistyped.
    publisher = PrintingPublisher()
    gateway = RecordingGateway(MemoryPaymentGateway())
    events: EventPublisher = publisher
    payments: PaymentGateway = gateway
    clock = ManualClock(datetime(2030, 1, 1, 9, 0, tzinfo=UTC))
    ports = in_memory_ports(
        clock=clock,
        ids=SequentialIds(),
        events=events,
        payments=payments,
        passwords=ScryptPasswordHasher.fast_for_tests(),  # quick for a demo; not for a server
    )
    app = bootstrap(ports)

    print("Setting up a theater and a show:")
    admin_user = await app.accounts.provision(
        "admin@example.com", "Admin", PASSWORD, roles=[Role.PLATFORM_ADMIN]
    )
    admin = admin_user.principal()
    city = await app.catalog.add_city(admin, name="Mumbai", state="Maharashtra")
    theater = await app.catalog.add_theater(
        admin,
        name="Regal",
        city_id=city.city_id,
        address="Colaba Causeway",
        location=GeoPoint(Decimal("18.9236"), Decimal("72.8320")),
    )
    screen = await app.catalog.add_screen(
        admin,
        theater_id=theater.theater_id,
        name="Screen 1",
        rows=[("A", "club", "ssssss")],
        formats=["2D"],
    )
    movie = await app.catalog.add_movie(
        admin,
        title="Monsoon Matinee",
        languages=["Marathi"],
        duration=timedelta(minutes=120),
        release_date=date(2029, 11, 1),
        certificate="U",
    )
    show = await app.catalog.schedule_show(
        admin,
        movie_id=movie.movie_id,
        screen_id=screen.screen_id,
        starts_at=clock.now() + timedelta(days=1),
        format="2D",
        language="Marathi",
        prices={"club": Money.of("180")},
    )

    print("Booking seat A3:")
    ravi = (await app.accounts.register("ravi@example.com", "Ravi", PASSWORD)).principal()
    hold = await app.seats.hold(ravi, show.show_id, ["A3"])
    booking = await app.bookings.checkout(
        ravi, show_id=show.show_id, hold_id=hold.hold_id, idempotency_key="ravi-1"
    )
    booking = await app.bookings.pay(
        ravi, booking.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key="ravi-pay-1"
    )
    print(f"Booking {booking.booking_id} is {booking.status.value.upper()}")

    print("Cancelling it:")
    booking = await app.bookings.cancel(ravi, booking.booking_id)
    print(f"Booking {booking.booking_id} is {booking.status.value.upper()}")

    print("The gateway saw:")
    for call in gateway.calls:
        print(f"  {call}")
    print(f"The publisher kept {len(publisher.events)} events")


if __name__ == "__main__":
    asyncio.run(main())
