"""The bookings API: the whole purchase (hold, quote, checkout, pay, e-ticket, cancel with a
refund), declined cards, idempotent retries, and check-in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import pytest
from attrs import evolve

from bookmyshow.adapters.memory import MemoryPaymentGateway
from bookmyshow.adapters.memory.payments import CARD_DECLINED, CARD_SUCCEEDS
from bookmyshow.app import AppConfig, create_app
from bookmyshow.app.config import RateLimit, RateLimits
from bookmyshow.app.controllers.bookings import qr_svg
from bookmyshow.bootstrap import Ticketing
from tests.app.api import Api, assert_error, key
from tests.app.test_holds_api import hold, holds_path, instant
from tests.services.world import assert_money_reconciles, assert_seats_reconcile

pytestmark = pytest.mark.asyncio

_SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def config(config: AppConfig, request: pytest.FixtureRequest) -> AppConfig:
    """The conftest's configuration, with the rate limits a test parametrizes indirectly."""
    limits: RateLimits | None = getattr(request, "param", None)
    return config if limits is None else evolve(config, rate_limits=limits)


async def checkout(
    api: Api, actor: str, hold_id: str, headers: dict[str, str] | None = None
) -> dict[str, Any]:
    """Check out ``actor``'s hold of the world's show; return the BookingRead (201)."""
    response = await api.call(
        "POST",
        "/api/bookings",
        actor,
        json={"show_id": api.world.show.show_id, "hold_id": hold_id},
        headers=key() if headers is None else headers,
    )
    assert response.status_code == 201, response.text
    read: dict[str, Any] = response.json()
    return read


async def pay(
    api: Api,
    actor: str,
    booking_id: str,
    card: str = CARD_SUCCEEDS,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Pay ``booking_id`` as ``actor`` with ``card``; return the BookingRead (200)."""
    response = await api.call(
        "POST",
        f"/api/bookings/{booking_id}/payment",
        actor,
        json={"card_number": card},
        headers=key() if headers is None else headers,
    )
    assert response.status_code == 200, response.text
    read: dict[str, Any] = response.json()
    return read


def paise(money: dict[str, Any]) -> int:
    """The exact amount of a MoneyRead, checked to be integer paise in rupees."""
    assert money["currency"] == "INR"
    amount = money["paise"]
    assert isinstance(amount, int)
    return amount


async def test_whole_purchase_from_hold_to_refund(api: Api, system: Ticketing) -> None:
    """Hold, quote, checkout, pay, e-ticket, cancellation preview and cancel: the refund matches
    the preview, the seats return to sale, and money and seats reconcile."""
    held = await hold(api, "alice", {"seats": ["C3", "C4"]})
    quote = (await api.call("GET", holds_path(api, held["hold_id"]) + "/quote", "alice")).json()

    booking = await checkout(api, "alice", held["hold_id"])
    assert booking["status"] == "pending_payment"
    assert booking["booking_code"] is None
    assert booking["seats"] == ["C3", "C4"]
    assert booking["show_id"] == api.world.show.show_id
    assert paise(booking["total"]) == paise(quote["total"])
    assert sum(paise(line["amount"]) for line in booking["lines"]) == paise(booking["total"])
    assert instant(booking["payment_due_at"]) == instant(held["expires_at"])
    assert paise(booking["paid"]) == 0

    paid = await pay(api, "alice", booking["booking_id"])
    assert paid["status"] == "confirmed"
    assert paid["booking_id"] == booking["booking_id"]
    assert isinstance(paid["booking_code"], str)
    assert len(paid["booking_code"]) == 8
    assert paid["payment_due_at"] is None
    assert paise(paid["paid"]) == paise(booking["total"])
    await assert_seats_reconcile(system, api.world.show.show_id)

    read = await api.call("GET", f"/api/bookings/{booking['booking_id']}", "alice")
    assert read.status_code == 200, read.text
    assert read.json() == paid
    mine = await api.call("GET", "/api/bookings", "alice")
    assert [b["booking_id"] for b in mine.json()] == [booking["booking_id"]]

    ticket = await api.call("GET", f"/api/bookings/{booking['booking_id']}/ticket", "alice")
    assert ticket.status_code == 200, ticket.text
    body = ticket.json()
    assert body["booking_code"] == paid["booking_code"]
    assert body["movie_title"] == "The Long Queue"
    assert body["theater_name"] == api.world.theater_a.name
    assert body["screen_name"] == "Audi 1"
    assert body["seats"] == ["C3", "C4"]
    assert instant(body["starts_at"]) == api.world.show.starts_at
    local = instant(body["local_starts_at"])
    assert local == api.world.show.starts_at
    assert local.utcoffset() == timedelta(hours=5, minutes=30)

    preview = await api.call("GET", f"/api/bookings/{booking['booking_id']}/cancellation", "alice")
    assert preview.status_code == 200, preview.text
    refund = preview.json()
    assert 0 < paise(refund["amount"]) < paise(paid["total"])
    assert sum(paise(line["amount"]) for line in refund["lines"]) == paise(refund["amount"])
    assert refund["tier"] == {"minutes_before": 120, "ticket_rate": "75%"}
    assert refund["full"] is False

    cancelled = await api.call(
        "POST", f"/api/bookings/{booking['booking_id']}/cancellation", "alice"
    )
    assert cancelled.status_code == 200, cancelled.text
    after = cancelled.json()
    assert after["status"] == "refunded"
    assert after["cancel_reason"] == "user_request"
    assert paise(after["refunded"]) == paise(refund["amount"])
    assert paise(after["refund_pending"]) == 0
    assert [paise(r["amount"]) for r in after["refunds"]] == [paise(refund["amount"])]
    assert after["refunds"][0]["status"] == "succeeded"

    no_ticket = await api.call("GET", f"/api/bookings/{booking['booking_id']}/ticket", "alice")
    assert assert_error(no_ticket, 409, "ticket_not_available")["status"] == "refunded"
    again = await api.call("POST", f"/api/bookings/{booking['booking_id']}/cancellation", "alice")
    assert assert_error(again, 409, "not_cancellable")["reason"] == "not_confirmed"
    await hold(api, "bob", {"seats": ["C3", "C4"]})
    await assert_seats_reconcile(system, api.world.show.show_id)
    await assert_money_reconciles(system)


async def test_ticket_carries_a_qr_code_of_the_booking_code_as_svg(api: Api) -> None:
    """The e-ticket's qr_svg parses as an SVG image and is the QR code of the booking code."""
    paid = await api.buy("alice", ["A7"])
    ticket = (await api.call("GET", f"/api/bookings/{paid['booking_id']}/ticket", "alice")).json()
    svg = ticket["qr_svg"]
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{_SVG}svg"
    # 4 pixels per module and a 4-module quiet zone around a full QR code (21, 25, … modules a
    # side; a Micro QR code would have 11 to 17).
    width, height = int(root.get("width", "0")), int(root.get("height", "0"))
    assert width == height
    modules = width // 4 - 2 * 4
    assert width % 4 == 0
    assert modules >= 21
    assert (modules - 21) % 4 == 0
    paths = root.findall(f".//{_SVG}path")
    assert paths
    assert all(p.get("d") for p in paths)
    assert svg == qr_svg(paid["booking_code"])
    assert svg != qr_svg("00000000")


async def test_best_available_purchase(api: Api) -> None:
    """A best-available hold goes through checkout and payment like a chosen one."""
    held = await hold(api, "bob", {"best_available": {"count": 2}})
    booking = await checkout(api, "bob", held["hold_id"])
    paid = await pay(api, "bob", booking["booking_id"])
    assert paid["status"] == "confirmed"
    assert paid["seats"] == held["seats"]


async def test_declined_card_leaves_the_hold_to_retry_with_another_card(
    api: Api, system: Ticketing
) -> None:
    """A declined card answers payment_failed with the reason; the customer can then pay a new
    booking for the same hold with a good card."""
    held = await hold(api, "alice", {"seats": ["B2"]})
    booking = await checkout(api, "alice", held["hold_id"])
    failed = await pay(api, "alice", booking["booking_id"], card=CARD_DECLINED)
    assert failed["status"] == "payment_failed"
    assert failed["failure_reason"] == "card_declined"
    assert failed["booking_code"] is None
    assert paise(failed["paid"]) == 0
    retry = await checkout(api, "alice", held["hold_id"])
    assert retry["booking_id"] != booking["booking_id"]
    paid = await pay(api, "alice", retry["booking_id"])
    assert paid["status"] == "confirmed"
    await assert_money_reconciles(system)


async def test_checkout_replays_with_the_same_key(api: Api) -> None:
    """The same Idempotency-Key returns the same booking; for another hold it is 409."""
    first = await hold(api, "alice", {"seats": ["A1"]})
    headers = key()
    booking = await checkout(api, "alice", first["hold_id"], headers=headers)
    replay = await checkout(api, "alice", first["hold_id"], headers=headers)
    assert replay == booking
    other = await hold(api, "alice", {"seats": ["A2"]})
    reused = await api.call(
        "POST",
        "/api/bookings",
        "alice",
        json={"show_id": api.world.show.show_id, "hold_id": other["hold_id"]},
        headers=headers,
    )
    assert_error(reused, 409, "idempotency_key_reused")
    mine = (await api.call("GET", "/api/bookings", "alice")).json()
    assert [b["booking_id"] for b in mine] == [booking["booking_id"]]


async def test_payment_replays_with_the_same_key_and_charges_once(
    api: Api, system: Ticketing
) -> None:
    """Paying twice with the same key answers the same booking and charges once; the key with
    another card is 409 idempotency_key_reused."""
    held = await hold(api, "alice", {"seats": ["A3"]})
    booking = await checkout(api, "alice", held["hold_id"])
    headers = key()
    paid = await pay(api, "alice", booking["booking_id"], headers=headers)
    replay = await pay(api, "alice", booking["booking_id"], headers=headers)
    assert replay == paid
    gateway = system.ports.payments
    assert isinstance(gateway, MemoryPaymentGateway)
    assert gateway.net_for_booking(booking["booking_id"]).amount == paise(paid["total"])
    reused = await api.call(
        "POST",
        f"/api/bookings/{booking['booking_id']}/payment",
        "alice",
        json={"card_number": CARD_DECLINED},
        headers=headers,
    )
    assert_error(reused, 409, "idempotency_key_reused")
    second = await api.call(
        "POST",
        f"/api/bookings/{booking['booking_id']}/payment",
        "alice",
        json={"card_number": CARD_SUCCEEDS},
        headers=key(),
    )
    assert assert_error(second, 409, "booking_not_payable")["status"] == "confirmed"
    await assert_money_reconciles(system)


@pytest.mark.parametrize(
    "header", [None, "", "   ", "k" * 256], ids=["missing", "empty", "blank", "too-long"]
)
async def test_checkout_and_payment_need_an_idempotency_key(api: Api, header: str | None) -> None:
    """Without a usable Idempotency-Key header (missing, blank or over 255 characters) checkout
    and payment are 422 naming the header as sent, not the library's ``idempotency_key``."""
    held = await hold(api, "alice", {"seats": ["A4"]})
    headers = {} if header is None else {"Idempotency-Key": header}
    body = {"show_id": api.world.show.show_id, "hold_id": held["hold_id"]}
    refused = await api.call("POST", "/api/bookings", "alice", json=body, headers=headers)
    assert assert_error(refused, 422, "invalid_input")["field"] == "Idempotency-Key"
    booking = await checkout(api, "alice", held["hold_id"])
    unpaid = await api.call(
        "POST",
        f"/api/bookings/{booking['booking_id']}/payment",
        "alice",
        json={"card_number": CARD_SUCCEEDS},
        headers=headers,
    )
    assert assert_error(unpaid, 422, "invalid_input")["field"] == "Idempotency-Key"
    still = (await api.call("GET", f"/api/bookings/{booking['booking_id']}", "alice")).json()
    assert still["status"] == "pending_payment"


async def test_openapi_declares_the_idempotency_key_header_required(config: AppConfig) -> None:
    """The OpenAPI document lists the Idempotency-Key header as required on checkout and
    payment, and on no other operation."""
    paths = create_app(config).openapi_schema.to_schema()["paths"]
    declared = {
        operation["operationId"]: parameter["required"]
        for item in paths.values()
        for operation in item.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "header" and parameter["name"] == "Idempotency-Key"
    }
    assert declared == {"checkout": True, "payBooking": True}


@pytest.mark.parametrize("card", ["4111", "4111-1111-1111-111x", "a" * 16])
async def test_payment_refuses_a_malformed_card_number(api: Api, card: str) -> None:
    """A card number that is not 12 to 19 digits is 422 naming card_number; nothing is paid."""
    held = await hold(api, "alice", {"seats": ["A5"]})
    booking = await checkout(api, "alice", held["hold_id"])
    response = await api.call(
        "POST",
        f"/api/bookings/{booking['booking_id']}/payment",
        "alice",
        json={"card_number": card},
        headers=key(),
    )
    assert assert_error(response, 422, "invalid_input")["field"] == "card_number"


async def test_card_number_may_be_grouped(api: Api) -> None:
    """A card number written in groups with spaces or dashes pays like the bare digits."""
    held = await hold(api, "alice", {"seats": ["A6"]})
    booking = await checkout(api, "alice", held["hold_id"])
    grouped = " ".join(CARD_SUCCEEDS[i : i + 4] for i in range(0, 16, 4))
    paid = await pay(api, "alice", booking["booking_id"], card=grouped)
    assert paid["status"] == "confirmed"


async def test_checkout_of_someone_elses_hold_is_forbidden(api: Api) -> None:
    """Only the hold's owner checks it out: another customer gets 403 not_hold_owner."""
    held = await hold(api, "alice", {"seats": ["B5"]})
    response = await api.call(
        "POST",
        "/api/bookings",
        "bob",
        json={"show_id": api.world.show.show_id, "hold_id": held["hold_id"]},
        headers=key(),
    )
    assert_error(response, 403, "not_hold_owner")


async def test_checkout_of_a_released_hold_is_not_found(api: Api) -> None:
    """Checking out a hold that was released is 404 hold_not_found."""
    held = await hold(api, "alice", {"seats": ["B6"]})
    await api.call("DELETE", holds_path(api, held["hold_id"]), "alice")
    response = await api.call(
        "POST",
        "/api/bookings",
        "alice",
        json={"show_id": api.world.show.show_id, "hold_id": held["hold_id"]},
        headers=key(),
    )
    assert_error(response, 404, "hold_not_found")


async def test_ticket_needs_a_confirmed_booking(api: Api) -> None:
    """A booking awaiting payment has no e-ticket: 409 ticket_not_available with its status."""
    held = await hold(api, "alice", {"seats": ["B7"]})
    booking = await checkout(api, "alice", held["hold_id"])
    response = await api.call("GET", f"/api/bookings/{booking['booking_id']}/ticket", "alice")
    assert assert_error(response, 409, "ticket_not_available")["status"] == "pending_payment"


async def test_another_customer_cannot_read_the_ticket(api: Api) -> None:
    """Another customer is 403 permission_denied, not told whether the booking has a ticket."""
    held = await hold(api, "alice", {"seats": ["B8"]})
    booking = await checkout(api, "alice", held["hold_id"])
    response = await api.call("GET", f"/api/bookings/{booking['booking_id']}/ticket", "bob")
    assert_error(response, 403, "permission_denied")


async def test_unknown_booking_is_not_found(api: Api) -> None:
    """Reading a booking that does not exist is 404 not_found."""
    response = await api.call("GET", "/api/bookings/bkg_missing", "alice")
    assert_error(response, 404, "not_found")


async def test_staff_check_in_admits_a_booking_once(api: Api) -> None:
    """Staff of the theater check a booking in by its code (any case, with dashes) once; the
    ticket stays readable and a second scan is 409 already_checked_in."""
    paid = await api.buy("alice", ["C6"])
    code: str = paid["booking_code"]
    typed = f"{code[:4].lower()}-{code[4:]}"
    admitted = await api.call("POST", "/api/check-ins", "staff_a", json={"booking_code": typed})
    assert admitted.status_code == 200, admitted.text
    assert admitted.json()["status"] == "checked_in"
    assert admitted.json()["booking_id"] == paid["booking_id"]
    assert admitted.json()["checked_in_at"] is not None
    ticket = await api.call("GET", f"/api/bookings/{paid['booking_id']}/ticket", "alice")
    assert ticket.status_code == 200, ticket.text
    assert ticket.json()["status"] == "checked_in"
    again = await api.call("POST", "/api/check-ins", "staff_a", json={"booking_code": code})
    assert_error(again, 409, "already_checked_in")


async def test_check_in_refuses_a_mistyped_code(api: Api) -> None:
    """A code with a typo (a wrong check character) is 422 invalid_booking_code."""
    paid = await api.buy("alice", ["C7"])
    code: str = paid["booking_code"]
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = await api.call("POST", "/api/check-ins", "staff_a", json={"booking_code": typo})
    assert_error(response, 422, "invalid_booking_code")


@pytest.mark.parametrize(
    "config",
    [RateLimits(checkout=RateLimit(limit=1, window=timedelta(minutes=1)))],
    indirect=True,
    ids=["checkout-limit-1"],
)
async def test_checkout_is_rate_limited_per_user(api: Api) -> None:
    """Past the checkout rate limit a user gets 429; another user is unaffected."""
    first = await hold(api, "alice", {"seats": ["A1"]})
    await checkout(api, "alice", first["hold_id"])
    second = await hold(api, "alice", {"seats": ["A2"]})
    limited = await api.call(
        "POST",
        "/api/bookings",
        "alice",
        json={"show_id": api.world.show.show_id, "hold_id": second["hold_id"]},
        headers=key(),
    )
    assert_error(limited, 429, "rate_limited")
    other = await hold(api, "bob", {"seats": ["A3"]})
    await checkout(api, "bob", other["hold_id"])
