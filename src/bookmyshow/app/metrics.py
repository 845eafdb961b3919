"""The app's Prometheus metrics, kept in a registry of each app's own.

Each app gets its own :class:`~prometheus_client.CollectorRegistry` (never the process-wide
default): several apps in one process (tests, embedding) would otherwise share, or refuse to
register, the same series.  ``GET /metrics`` renders it in the Prometheus text format.

What is measured:

- ``bookmyshow_http_requests_total{method, route, status}`` and
  ``bookmyshow_http_request_duration_seconds{method, route}``: every request to a route, by its
  path template (``/api/shows/{show_id}/holds``, never the concrete path, so that ids do not
  multiply series);
- ``bookmyshow_booking_duration_seconds{step}``: checkout (``POST /api/bookings``) and payment
  (``POST /api/bookings/{booking_id}/payment``) requests;
- ``bookmyshow_search_duration_seconds{kind}``: movie search (``GET /api/movies``) and
  suggestions (``GET /api/movies/suggest``);
- ``bookmyshow_bookings_total{status}``: booking events by the status they moved a booking to,
  from the library's event bus;
- ``bookmyshow_revenue_paise_total{currency}``: the amounts of confirmed bookings, and
  ``bookmyshow_refunds_paise_total{currency}`` the refunds due on cancelled ones (net revenue is
  the difference; both in minor units, never floats of rupees);
- ``bookmyshow_live_connections``: open live seat-map WebSockets.

Counters fed from events count what this process published: with several app processes, sum
over them (as Prometheus does for any per-process counter).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bookmyshow.domain.booking import BookingStatus
from bookmyshow.domain.events import (
    BookingCancelled,
    BookingCheckedIn,
    BookingConfirmed,
    BookingCreated,
    BookingExpired,
    BookingFailedRefunded,
    BookingPaymentFailed,
    BookingPaymentUnknown,
    DomainEvent,
)
from bookmyshow.ports.events import EventBus

__all__ = ["BOOKING_ROUTES", "SEARCH_ROUTES", "STATUS_EVENTS", "AppMetrics", "metrics_of"]

STATUS_EVENTS: Final[Mapping[type[DomainEvent], BookingStatus]] = {
    BookingCreated: BookingStatus.PENDING_PAYMENT,
    BookingConfirmed: BookingStatus.CONFIRMED,
    BookingPaymentFailed: BookingStatus.PAYMENT_FAILED,
    BookingPaymentUnknown: BookingStatus.PAYMENT_UNKNOWN,
    BookingExpired: BookingStatus.EXPIRED,
    BookingFailedRefunded: BookingStatus.FAILED_REFUNDED,
    BookingCancelled: BookingStatus.CANCELLED,
    BookingCheckedIn: BookingStatus.CHECKED_IN,
}
"""The booking events counted by ``bookmyshow_bookings_total``, and the status each records."""

BOOKING_ROUTES: Final[Mapping[tuple[str, str], str]] = {
    ("POST", "/api/bookings"): "checkout",
    ("POST", "/api/bookings/{booking_id}/payment"): "payment",
}
"""(method, route template) → the ``step`` label of the booking latency histogram."""

SEARCH_ROUTES: Final[Mapping[tuple[str, str], str]] = {
    ("GET", "/api/movies"): "search",
    ("GET", "/api/movies/suggest"): "suggest",
}
"""(method, route template) → the ``kind`` label of the search latency histogram."""

# Web latencies: a few milliseconds to tens of seconds.
_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class AppMetrics:
    """The metrics of one app (see the module), in :attr:`registry`."""

    def __init__(self) -> None:
        """Create every series in a new registry."""
        self.registry = CollectorRegistry()
        registry = self.registry
        self.requests = Counter(
            "bookmyshow_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.request_seconds = Histogram(
            "bookmyshow_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            buckets=_BUCKETS,
            registry=registry,
        )
        self.booking_seconds = Histogram(
            "bookmyshow_booking_duration_seconds",
            "Time to answer a checkout or a payment request.",
            ["step"],
            buckets=_BUCKETS,
            registry=registry,
        )
        self.search_seconds = Histogram(
            "bookmyshow_search_duration_seconds",
            "Time to answer a movie search or a suggestion request.",
            ["kind"],
            buckets=_BUCKETS,
            registry=registry,
        )
        self.bookings = Counter(
            "bookmyshow_bookings",
            "Booking events, by the status each moved its booking to.",
            ["status"],
            registry=registry,
        )
        self.revenue = Counter(
            "bookmyshow_revenue_paise",
            "Amounts of confirmed bookings, in minor units (paise), by currency.",
            ["currency"],
            registry=registry,
        )
        self.refunds = Counter(
            "bookmyshow_refunds_paise",
            "Refunds due on cancelled bookings, in minor units (paise), by currency.",
            ["currency"],
            registry=registry,
        )
        self.live_connections = Gauge(
            "bookmyshow_live_connections",
            "Open live seat-map WebSocket connections.",
            registry=registry,
        )
        self._buses: list[EventBus] = []

    def follow(self, bus: EventBus) -> None:
        """Count the booking events published on ``bus`` from now on.

        Following the same bus again does nothing, so an app started twice counts each event
        once.
        """
        if any(known is bus for known in self._buses):
            return
        for event_type in STATUS_EVENTS:
            bus.subscribe(event_type, self.handle)
        self._buses.append(bus)

    async def handle(self, event: DomainEvent) -> None:
        """Count ``event`` (a booking event of :data:`STATUS_EVENTS`; others are ignored)."""
        for event_type, status in STATUS_EVENTS.items():
            if isinstance(event, event_type):
                self.bookings.labels(status=status.value).inc()
                break
        if isinstance(event, BookingConfirmed):
            self.revenue.labels(currency=event.amount.currency).inc(event.amount.amount)
        elif isinstance(event, BookingCancelled) and event.refund_amount.amount > 0:
            refund = event.refund_amount
            self.refunds.labels(currency=refund.currency).inc(refund.amount)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one answered request to ``route`` (a path template) that took ``seconds``."""
        self.requests.labels(method=method, route=route, status=str(status)).inc()
        self.request_seconds.labels(method=method, route=route).observe(seconds)
        step = BOOKING_ROUTES.get((method, route))
        if step is not None:
            self.booking_seconds.labels(step=step).observe(seconds)
        kind = SEARCH_ROUTES.get((method, route))
        if kind is not None:
            self.search_seconds.labels(kind=kind).observe(seconds)

    def render(self) -> bytes:
        """Every series in the Prometheus text exposition format."""
        return generate_latest(self.registry)


def metrics_of(state: Mapping[str, Any]) -> AppMetrics | None:
    """The :class:`AppMetrics` in an app's ``state`` (``None`` if the app has none)."""
    found = state.get("metrics")
    return found if isinstance(found, AppMetrics) else None
