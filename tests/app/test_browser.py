"""The seat page in real headless Chromium, against the real app over HTTP and WebSocket.

The app runs with uvicorn on a loopback port over the in-memory wiring, seeded by the showcase
(``AppConfig(demo=True)``); Playwright drives Debian's Chromium.  One customer logs in, picks a
show, holds seats, sees the quote, is declined with one test card and pays with another, gets
the e-ticket with its QR code, then cancels from "my bookings" after the refund preview.  A
second browser context (phone-sized, a newly registered customer) watches the same show and
sees the first one's seats turn held, sold and back on sale without reloading.  Screenshots go
to ``artifacts/browser/``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Collection, Iterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any, Final

import pytest
from playwright.async_api import (
    Browser,
    ConsoleMessage,
    Locator,
    Page,
    Request,
    Response,
    ViewportSize,
    async_playwright,
    expect,
)
from playwright.async_api import Error as PlaywrightError

from bookmyshow.adapters.memory.payments import CARD_DECLINED, CARD_SUCCEEDS
from bookmyshow.app import AppConfig, create_app
from bookmyshow.bootstrap import Settings
from tests.app.browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE
from tests.app.server import serve_in_thread

pytestmark = [
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)",
    ),
    pytest.mark.timeout(180),
]

_CLIENT_ERROR_LOG: Final = re.compile(
    r"Failed to load resource: the server responded with a status of 4\d\d "
)
_WAIT_MS: Final = 15_000
"""How long one expectation waits for the page (the live feed, a payment)."""
_PHONE_OPTIONS: Final[dict[str, Any]] = {
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
"""A phone's context besides its viewport: touch, a mobile user agent, a dense screen."""


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    """The demo app (showcase seeded, one day ahead) served over HTTP on a free port."""
    config = AppConfig(
        settings=Settings(),
        demo=True,
        demo_days=1,
        maintenance_interval=timedelta(seconds=5),
    )
    with serve_in_thread(create_app(config)) as url:
        yield url


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    """Headless Debian Chromium, offline (no background networking)."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            await launched.close()


class Watched:
    """A page whose script errors, failed requests and server errors are collected.

    API answers of 4xx are part of the page's normal life (a declined coupon, a seat just
    taken) and shown to the person; Chromium logs each as a console error, which is not
    counted.  Any 5xx is.
    """

    def __init__(self, page: Page, name: str) -> None:
        self.page = page
        self.name = name
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and not _CLIENT_ERROR_LOG.match(message.text):
            self.problems.append(f"console error: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 500:
            self.problems.append(f"server error: {response.status} {response.url}")

    def _failed(self, request: Request) -> None:
        self.problems.append(f"request failed: {request.method} {request.url}")

    async def shot(self, label: str, part: Locator | None = None) -> None:
        """Save a screenshot of the whole page (or of ``part``) as
        ``artifacts/browser/<name>-<label>.png``."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = str(ARTIFACTS / f"{self.name}-{label}.png")
        if part is None:
            await self.page.screenshot(path=path, full_page=True)
        else:
            await part.screenshot(path=path)


@asynccontextmanager
async def _session(
    browser: Browser, base_url: str, name: str, viewport: ViewportSize, **options: Any
) -> AsyncIterator[Watched]:
    """A new browser context (``viewport`` and ``options``) with the seat page open and ready;
    a test failing inside the block leaves a ``<name>-failure.png`` screenshot, and the context
    is closed whatever happens."""
    context = await browser.new_context(viewport=viewport, **options)
    try:
        watched = Watched(await context.new_page(), name)
        try:
            await watched.page.goto(base_url + "/")
            await expect(watched.page.locator("body")).to_have_attribute("data-ready", "true")
            yield watched
        except Exception as failure:
            try:
                await watched.shot("failure")
            except PlaywrightError as error:
                failure.add_note(f"no failure screenshot of {name}: {error}")
            raise
    finally:
        await context.close()


async def _pick_show(page: Page, show_id: str | None = None) -> str:
    """Open a show of the first city's first movie (``show_id`` if given); return its id."""
    await expect(page.locator("#city-select option").first).to_be_attached()
    await expect(page.locator("#show-list [data-show-id]").first).to_be_visible()
    if show_id is None:
        # The last date's first show: it starts tomorrow or later, far from starting.
        await page.locator("#date-picker button").last.click()
        button = page.locator("#show-list [data-show-id]").first
        found = await button.get_attribute("data-show-id")
        assert found is not None
        show_id = found
    else:
        date = await _date_of(page, show_id)
        await page.locator(f'#date-picker [data-date="{date}"]').click()
        button = page.locator(f'#show-list [data-show-id="{show_id}"]')
    await button.click()
    await expect(page.locator("#booking-area")).to_be_visible()
    await expect(page.locator("#seat-map .seat").first).to_be_visible()
    # Subscribed to the live feed (the hello arrived).
    await expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
    return show_id


async def _date_of(page: Page, show_id: str) -> str:
    dates = await page.locator("#date-picker [data-date]").evaluate_all(
        "els => els.map(e => e.dataset.date)"
    )
    for date in dates:
        await page.locator(f'#date-picker [data-date="{date}"]').click()
        if await page.locator(f'#show-list [data-show-id="{show_id}"]').count():
            return str(date)
    raise AssertionError(f"show {show_id} is on no date of the picker")


async def _two_free_seats(page: Page) -> list[str]:
    """Two available seats of one row (not wheelchair spaces)."""
    rows: list[list[str]] = await page.locator("#seat-map .seat-row").evaluate_all(
        """rows => rows.map(r => [...r.querySelectorAll(
                     '.seat[data-status="available"]:not([data-wheelchair])')]
                     .map(s => s.dataset.seatId))"""
    )
    for labels in rows:
        if len(labels) >= 2:
            return labels[:2]
    raise AssertionError("no row has two available seats")


def _listing(labels: Collection[str]) -> re.Pattern[str]:
    """The text of a seat list as the page shows it (``A1, A2``) holding exactly ``labels``, in
    any order: for auto-waiting ``to_have_text`` checks."""
    one = "|".join(re.escape(label) for label in labels)
    ahead = "".join(rf"(?=(?:.*, )?{re.escape(label)}(?:,|$))" for label in labels)
    return re.compile(rf"^{ahead}(?:{one})(?:, (?:{one})){{{len(labels) - 1}}}$")


def _seat(page: Page, label: str) -> Locator:
    return page.locator(f'#seat-map [data-seat-id="{label}"]')


async def _no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    viewport = await page.evaluate("window.innerWidth")
    assert width <= viewport, f"the page scrolls sideways: {width}px wide in {viewport}px"


async def test_purchase_and_cancellation_with_a_live_second_viewer(
    browser: Browser, base_url: str
) -> None:
    """A customer books (one card declined, one paid), gets the e-ticket with a QR code and
    cancels after the refund preview, while a second viewer sees the seats change live."""
    async with (
        _session(browser, base_url, "desktop", DESKTOP) as buyer,
        _session(browser, base_url, "phone", PHONE, **_PHONE_OPTIONS) as watcher,
    ):
        await _purchase_and_cancel(buyer, watcher)


async def _purchase_and_cancel(buyer: Watched, watcher: Watched) -> None:
    page = buyer.page
    phone = watcher.page

    # The buyer logs in as the demo customer, whose credentials the demo fills in.
    await expect(page.locator("#login-email")).not_to_have_value("")
    await buyer.shot("01-home")
    await page.get_by_role("button", name="Log in", exact=True).click()
    await expect(page.locator("#whoami")).to_be_visible()
    await expect(page.locator("#auth-panel")).to_be_hidden()

    # The watcher registers a new account on the phone.
    await phone.get_by_role("button", name="New here? Create an account").click()
    await phone.get_by_label("Name").fill("Priya Phone")
    # A new address each time: the module's server keeps its accounts, so a rerun of this test
    # against it (--reruns, --count) would find a fixed address taken.
    await phone.locator("#register-email").fill(f"priya.phone.{uuid.uuid4().hex[:12]}@example.com")
    await phone.locator("#register-password").fill("a long enough password")
    await phone.get_by_role("button", name="Create account").click()
    await expect(phone.locator("#whoami")).to_have_text("Priya Phone")

    show_id = await _pick_show(page)
    await _pick_show(phone, show_id)
    await expect(page.locator("#legend li").first).to_contain_text("₹")
    await buyer.shot("02-seat-map")
    await watcher.shot("02-seat-map")
    await watcher.shot("02-seat-panel", phone.locator("#seat-panel"))
    await _no_sideways_scroll(phone)
    # A marker that a reload would wipe: the watcher's updates must come live.
    await phone.evaluate("window.__notReloaded = true")

    seats = await _two_free_seats(page)
    for label in seats:
        await _seat(page, label).click()
        await expect(_seat(page, label)).to_have_attribute("aria-pressed", "true")
    await page.locator("#hold-selected").click()
    await expect(page.locator("#hold-box")).to_be_visible()
    await expect(page.locator("#hold-seats")).to_have_text(_listing(seats))
    for label in seats:
        await expect(_seat(page, label)).to_have_attribute("data-mine", "true")
        # The other viewer sees them taken, without reloading.
        await expect(_seat(phone, label)).to_have_attribute("data-status", "held", timeout=_WAIT_MS)
        await expect(_seat(phone, label)).to_be_disabled()

    # The itemized quote: a ticket line per seat and a total.
    await expect(page.locator('#quote-lines tr[data-kind="ticket"]')).to_have_count(len(seats))
    await expect(page.locator("#quote-total")).to_have_text(re.compile(r"^₹[\d,]+\.\d\d$"))
    await buyer.shot("03-held-with-quote")
    await _seat(phone, seats[0]).scroll_into_view_if_needed()
    await watcher.shot("03-seats-held-live", phone.locator("#seat-panel"))

    # A reload picks the hold up again, with its quote.
    await page.reload()
    await expect(page.locator("#hold-box")).to_be_visible(timeout=_WAIT_MS)
    await expect(page.locator("#hold-seats")).to_have_text(_listing(seats))
    await expect(page.locator("#quote-total")).to_have_text(re.compile(r"^₹"))
    await expect(_seat(page, seats[0])).to_have_attribute("data-mine", "true")

    # An error from the API is shown with its message: an unknown coupon.
    await page.get_by_label("Coupon").fill("NO-SUCH-COUPON")
    await page.get_by_role("button", name="Apply").click()
    error = page.locator("#error")
    await expect(error).to_be_visible()
    await expect(error).to_have_attribute("data-code", "coupon_rejected")
    await expect(page.locator("#error-text")).not_to_be_empty()
    await buyer.shot("03-coupon-error")
    await page.get_by_role("button", name="Dismiss error").click()
    await expect(error).to_be_hidden()
    await expect(page.locator("#quote-total")).to_have_text(re.compile(r"^₹"))

    # A declined card: the decline is shown and the seats stay held.
    await page.get_by_label("Card number").fill(CARD_DECLINED)
    await page.locator("#pay-button").click()
    await expect(page.locator("#pay-error")).to_be_visible(timeout=_WAIT_MS)
    await expect(page.locator("#pay-error")).to_contain_text("declined")
    await expect(page.locator("#hold-box")).to_be_visible()
    await buyer.shot("04-declined")

    # A good card: the e-ticket with its QR code.
    await page.get_by_label("Card number").fill(CARD_SUCCEEDS)
    await page.locator("#pay-button").click()
    await expect(page.locator("#ticket-panel")).to_be_visible(timeout=_WAIT_MS)
    # The panel may show before its fields are filled in: each check waits for its field.
    await expect(page.locator("#ticket-code")).to_have_text(re.compile(r"^\s*\S+\s*$"))
    code = (await page.locator("#ticket-code").inner_text()).strip()
    await expect(page.locator("#ticket-seats")).to_have_text(_listing(seats))
    qr = page.locator("#ticket-qr")
    await expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    await expect(qr).to_have_attribute("alt", re.compile(re.escape(code)))
    await page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=await qr.element_handle()
    )
    await buyer.shot("05-ticket")
    for label in seats:
        await expect(_seat(phone, label)).to_have_attribute("data-status", "sold", timeout=_WAIT_MS)

    # My bookings: the refund preview first, then the cancellation.
    await page.locator("#ticket-bookings").click()
    booking = page.locator("#booking-list .booking", has_text=code)
    await expect(booking).to_have_attribute("data-status", "confirmed")
    await booking.get_by_role("button", name=re.compile("^Cancel booking")).click()
    await expect(booking.locator(".refund-amount")).to_contain_text("refunds ₹")
    await buyer.shot("06-refund-preview")
    await booking.get_by_role("button", name="Confirm cancellation").click()
    await expect(booking).to_have_attribute(
        "data-status", re.compile("^(cancelled|refunded)$"), timeout=_WAIT_MS
    )
    await expect(booking.locator(".badge")).to_have_text(re.compile("Cancelled|Refunded"))
    await buyer.shot("07-cancelled", page.locator("#bookings-panel"))

    # The cancelled seats are back on sale for the watcher, still without a reload.
    for label in seats:
        await expect(_seat(phone, label)).to_have_attribute(
            "data-status", "available", timeout=_WAIT_MS
        )
    assert await phone.evaluate("window.__notReloaded === true")
    await watcher.shot("07-seats-back", phone.locator("#seat-panel"))

    assert buyer.problems == []
    assert watcher.problems == []


async def test_best_available_on_a_phone(browser: Browser, base_url: str) -> None:
    """On a phone-sized screen a visitor browses anonymously, asks for the best 3 seats, is
    asked to log in and, once logged in, gets them held together with the quote; releasing
    them frees the seats."""
    async with _session(browser, base_url, "phone-best", PHONE, **_PHONE_OPTIONS) as watched:
        page = watched.page
        await _pick_show(page)
        await page.get_by_label("Seats", exact=True).select_option("3")
        await page.get_by_role("button", name="Find best seats").click()
        await expect(page.locator("#auth-title")).to_have_text("Log in to continue")
        await expect(page.locator("#hold-box")).to_be_hidden()
        await page.get_by_role("button", name="Log in", exact=True).click()
        await expect(page.locator("#whoami")).to_be_visible()
        await expect(page.locator("#hold-box")).to_be_visible(timeout=_WAIT_MS)
        held = page.locator('#seat-map .seat[data-mine="true"]')
        await expect(held).to_have_count(3)
        rows = await held.evaluate_all("els => [...new Set(els.map(e => e.dataset.row))]")
        assert len(rows) == 1, f"best available split the party over rows {rows}"
        await expect(page.locator('#quote-lines tr[data-kind="ticket"]')).to_have_count(3)
        await _no_sideways_scroll(page)
        await watched.shot("best-available")

        await page.get_by_role("button", name="Release seats").click()
        await expect(page.locator("#hold-box")).to_be_hidden()
        await expect(held).to_have_count(0)
        assert watched.problems == []
