"""A small cinema world built through the public use cases, and the reconciliation checks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from attrs import frozen

from bookmyshow.adapters.memory import ManualClock, MemoryPaymentGateway
from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS
from bookmyshow.bootstrap import Ticketing
from bookmyshow.domain.booking import Booking, BookingStatus
from bookmyshow.domain.money import Money, total
from bookmyshow.domain.shows import Show
from bookmyshow.domain.users import Principal, Role
from bookmyshow.domain.venues import GeoPoint, Theater
from bookmyshow.ports.unit_of_work import UnitOfWork
from bookmyshow.services._units import read_unit

PASSWORD = "correct horse battery"
ROWS = [
    ("A", "silver", "ssssssss"),
    ("B", "silver", "ssss_ssss"),
    ("C", "gold", "ssssssss"),
]
PRICES = {"silver": Money(20_000), "gold": Money(35_000)}


@frozen(kw_only=True)
class World:
    """Who acts, and what they act on: two theaters, a show in each."""

    admin: Principal
    staff_a: Principal
    staff_b: Principal
    alice: Principal
    bob: Principal
    theater_a: Theater
    theater_b: Theater
    show: Show
    other_show: Show


async def build_world(app: Ticketing, clock: ManualClock) -> World:
    """Provision the actors and schedule a show in each of two theaters, two days ahead."""
    admin_user = await app.accounts.provision(
        "admin@example.com", "Admin", PASSWORD, roles=[Role.PLATFORM_ADMIN]
    )
    admin = admin_user.principal()
    city = await app.catalog.add_city(admin, name="Bengaluru", state="Karnataka")
    theaters = []
    for name in ("PVR Forum", "INOX Garuda"):
        theaters.append(
            await app.catalog.add_theater(
                admin,
                name=name,
                city_id=city.city_id,
                address="Hosur Road",
                location=GeoPoint(Decimal("12.93"), Decimal("77.61")),
            )
        )
    theater_a, theater_b = theaters
    staff = []
    for tag, theater in (("a", theater_a), ("b", theater_b)):
        user = await app.accounts.provision(
            f"staff-{tag}@example.com",
            f"Staff {tag}",
            PASSWORD,
            roles=[Role.THEATER_ADMIN],
            theater_ids=[theater.theater_id],
        )
        staff.append(user.principal())
    customers = []
    for name in ("alice", "bob"):
        user = await app.accounts.register(f"{name}@example.com", name.title(), PASSWORD)
        customers.append(user.principal())
    movie = await app.catalog.add_movie(
        admin,
        title="The Long Queue",
        languages=["Hindi"],
        duration=timedelta(minutes=150),
        release_date=date(2029, 12, 1),
        certificate="UA",
    )
    starts = clock.now() + timedelta(days=2)
    shows = []
    for actor, theater in zip(staff, theaters, strict=True):
        screen = await app.catalog.add_screen(
            actor, theater_id=theater.theater_id, name="Audi 1", rows=ROWS, formats=["2D"]
        )
        shows.append(
            await app.catalog.schedule_show(
                actor,
                movie_id=movie.movie_id,
                screen_id=screen.screen_id,
                starts_at=starts,
                format="2D",
                language="Hindi",
                prices=PRICES,
            )
        )
    return World(
        admin=admin,
        staff_a=staff[0],
        staff_b=staff[1],
        alice=customers[0],
        bob=customers[1],
        theater_a=theater_a,
        theater_b=theater_b,
        show=shows[0],
        other_show=shows[1],
    )


async def confirmed_booking(
    app: Ticketing, customer: Principal, show_id: str, seats: Sequence[str]
) -> Booking:
    """``customer``'s booking of ``seats`` of ``show_id`` through the use cases: held, checked
    out and paid with the succeeding test card (fresh idempotency keys); raises if it does not
    end confirmed."""
    hold = await app.seats.hold(customer, show_id, list(seats))
    booking = await app.bookings.checkout(
        customer, show_id=show_id, hold_id=hold.hold_id, idempotency_key=uuid.uuid4().hex
    )
    paid = await app.bookings.pay(
        customer,
        booking.booking_id,
        payment_method=CARD_SUCCEEDS,
        idempotency_key=uuid.uuid4().hex,
    )
    if paid.status is not BookingStatus.CONFIRMED:
        raise AssertionError(f"the booking ended {paid.status.value}, not confirmed")
    return paid


async def all_bookings(app: Ticketing) -> list[Booking]:
    """Every stored booking, whatever its status."""

    async def read(uow: UnitOfWork) -> list[Booking]:
        return list(await uow.bookings.with_status(set(BookingStatus)))

    return await read_unit(app.ports, read)


async def assert_money_reconciles(app: Ticketing) -> None:
    """The gateway's captures minus refunds equal what bookings say was paid and not refunded."""
    gateway = app.ports.payments
    assert isinstance(gateway, MemoryPaymentGateway)
    bookings = await all_bookings(app)
    kept = total([b.amount_paid - b.amount_refunded for b in bookings], "INR")
    assert gateway.net_captured() == kept
    for booking in bookings:
        assert booking.amount_refunded + booking.amount_refund_pending <= booking.amount_paid


async def assert_seats_reconcile(app: Ticketing, show_id: str) -> None:
    """The sale record holds exactly the seats of the show's confirmed and checked-in bookings."""
    sold = dict(await app.ports.sales.sold_seats(show_id))
    expected: dict[str, str] = {}
    for booking in await all_bookings(app):
        if booking.show_id == show_id and booking.status in {
            BookingStatus.CONFIRMED,
            BookingStatus.CHECKED_IN,
        }:
            for seat in booking.seats:
                assert seat not in expected, f"{seat} sold twice"
                expected[seat] = booking.booking_id
    assert sold == expected
