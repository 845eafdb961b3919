"""Book a movie ticket end to end over the embedded system, then cancel it for a refund.

Run it from a checkout: ``python examples/book_a_ticket.py``.  Everything goes through the
public use cases of :func:`bookmyshow.bootstrap.in_memory`, exactly as an app or a CLI would:

1. provision a platform admin and a theater's staff (the operator's bootstrap path);
2. the admin adds a city, a theater and a movie; the staff add a screen and schedule a show;
3. a customer registers, logs in and browses the city's shows;
4. the customer holds the best two seats, checks out (an itemized quote) and pays with the test
   gateway's always-succeeding card, getting a booking code;
5. an hour later the customer previews what cancelling would refund, cancels, and is refunded.

The clock is a :class:`~bookmyshow.adapters.memory.ManualClock` and ids are sequential, so the
output is the same on every run.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bookmyshow.adapters.memory import (
    ManualClock,
    MemoryPaymentGateway,
    ScryptPasswordHasher,
    SequentialIds,
)
from bookmyshow.adapters.memory.payments import CARD_SUCCEEDS
from bookmyshow.bootstrap import in_memory
from bookmyshow.domain.money import Money
from bookmyshow.domain.users import Role
from bookmyshow.domain.venues import GeoPoint

PASSWORD = "correct horse battery staple"
ROWS = [  # (row, seat category, seats: "s" a seat, "_" an aisle)
    ("A", "silver", "ssssssss"),
    ("B", "silver", "ssss_ssss"),
    ("C", "gold", "ssss_ssss"),
]
PRICES = {"silver": Money.of("200"), "gold": Money.of("350")}


async def main() -> None:
    """Run the whole journey, printing each step."""
    clock = ManualClock(datetime(2030, 1, 1, 9, 0, tzinfo=UTC))
    gateway = MemoryPaymentGateway()
    app = in_memory(
        clock=clock,
        ids=SequentialIds(),
        payments=gateway,
        # Cheap scrypt parameters keep the demo quick; the default is what a server should use.
        passwords=ScryptPasswordHasher.fast_for_tests(),
    )

    # -- the operator sets up the cinema ---------------------------------------------------------
    admin_user = await app.accounts.provision(
        "admin@example.com", "Platform Admin", PASSWORD, roles=[Role.PLATFORM_ADMIN]
    )
    admin = admin_user.principal()
    city = await app.catalog.add_city(admin, name="Bengaluru", state="Karnataka")
    theater = await app.catalog.add_theater(
        admin,
        name="PVR Forum",
        city_id=city.city_id,
        address="Hosur Road, Koramangala",
        location=GeoPoint(Decimal("12.9346"), Decimal("77.6113")),
    )
    staff_user = await app.accounts.provision(
        "manager@pvr.example.com",
        "Theater Manager",
        PASSWORD,
        roles=[Role.THEATER_ADMIN],
        theater_ids=[theater.theater_id],
    )
    staff = staff_user.principal()
    movie = await app.catalog.add_movie(
        admin,
        title="The Long Queue",
        languages=["Hindi", "English"],
        duration=timedelta(minutes=150),
        release_date=date(2029, 12, 20),
        certificate="UA",
    )
    screen = await app.catalog.add_screen(
        staff, theater_id=theater.theater_id, name="Audi 1", rows=ROWS, formats=["2D"]
    )
    await app.catalog.schedule_show(
        staff,
        movie_id=movie.movie_id,
        screen_id=screen.screen_id,
        starts_at=datetime(2030, 1, 3, 13, 30, tzinfo=UTC),  # 19:00 in Bengaluru
        format="2D",
        language="Hindi",
        prices=PRICES,
    )
    print(f"Scheduled {movie.title!r} at {theater.name}, {city.name}")

    # -- a customer books ------------------------------------------------------------------------
    await app.accounts.register("asha@example.com", "Asha", PASSWORD)
    tokens = await app.accounts.login("asha@example.com", PASSWORD)
    asha = await app.accounts.authenticate(tokens.access_token)
    print(f"Asha logged in as {asha.user_id}")

    listings = await app.browsing.shows(asha, city_id=city.city_id)
    for listing in listings:
        seats = ", ".join(
            f"{c.category} {c.price} ({c.seats_left} left)" for c in listing.categories
        )
        when = listing.local_starts_at.strftime("%a %d %b %H:%M")
        print(f"Show {listing.show_id}: {listing.movie_title}, {when} at {listing.theater_name}")
        print(f"  {seats}")
    show = listings[0]

    picked = await app.seats.hold_best_available(asha, show.show_id, 2, category="gold")
    hold = picked.hold
    held_until = hold.expires_at.strftime("%H:%M UTC")
    print(f"Held {', '.join(sorted(hold.seats))} ({picked.category}) until {held_until}")

    quote = await app.bookings.quote(asha, show.show_id, hold.hold_id)
    print("Quote:")
    for line in quote.lines:
        print(f"  {line.description:<34}{line.amount!s:>12}")
    print(f"  {'Total':<34}{quote.total!s:>12}")

    # The idempotency key makes a retried checkout (a double click, a timeout) the same booking.
    booking = await app.bookings.checkout(
        asha, show_id=show.show_id, hold_id=hold.hold_id, idempotency_key="asha-checkout-1"
    )
    due = booking.payment_due_at.strftime("%H:%M UTC")
    print(f"Booking {booking.booking_id}: {booking.status}, {booking.amount} due by {due}")

    booking = await app.bookings.pay(
        asha, booking.booking_id, payment_method=CARD_SUCCEEDS, idempotency_key="asha-pay-1"
    )
    print(f"Paid {booking.amount}: {booking.status.value.upper()}, code {booking.booking_code}")

    # -- and an hour later changes her mind ------------------------------------------------------
    clock.advance(timedelta(hours=1))
    preview = await app.bookings.cancellation_preview(asha, booking.booking_id)
    print(f"Cancelling now refunds {preview.amount}:")
    for refund_line in preview.lines:
        print(f"  {refund_line.description:<34}{refund_line.amount!s:>12}")
    cancelled = await app.bookings.cancel(asha, booking.booking_id)
    print(f"Refunded {cancelled.amount_refunded}; status {cancelled.status.value.upper()}")
    print(f"Gateway keeps {gateway.net_for_booking(booking.booking_id)}")
    seat_map = await app.browsing.seat_map(asha, show.show_id)
    print(f"{', '.join(sorted(hold.seats))} back on sale: {seat_map.show.seats_left} seats left")


if __name__ == "__main__":
    asyncio.run(main())
