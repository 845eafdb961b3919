"""Pure, synchronous rules: no I/O, no clock reads, no randomness.

Each module holds one area (``money``, ``layouts``, ``holds``, ``sales``, ``seating``, ``catalog``,
``venues``, ``shows``, ``pricing``, ``coupons``, ``cancellation``, ``booking``, ``events``,
``reviews``, ``users``, ``errors``); the names most callers need are re-exported here.
"""

from bookmyshow.domain.booking import Booking, BookingStatus, Refund
from bookmyshow.domain.cancellation import CancellationPolicy, RefundDecision, refund_for
from bookmyshow.domain.catalog import Certificate, Format, Movie, MovieStatus
from bookmyshow.domain.coupons import Coupon, CouponRejected
from bookmyshow.domain.errors import BookMyShowError, DomainError, InvalidInput, PermissionDenied
from bookmyshow.domain.events import DomainEvent
from bookmyshow.domain.holds import Hold, HoldPolicy, HoldRequest, SeatsUnavailable
from bookmyshow.domain.layouts import RowSpec, Seat, SeatLayout
from bookmyshow.domain.money import Money
from bookmyshow.domain.pricing import PricingRules, Quote, quote
from bookmyshow.domain.reviews import RatingSummary, Review
from bookmyshow.domain.seating import RelaxationStep, SeatSelection, best_available
from bookmyshow.domain.shows import ScheduleRules, Show, schedule_show
from bookmyshow.domain.users import Action, Principal, Role, User
from bookmyshow.domain.venues import City, GeoPoint, Screen, Theater

__all__ = [
    "Action",
    "BookMyShowError",
    "Booking",
    "BookingStatus",
    "CancellationPolicy",
    "Certificate",
    "City",
    "Coupon",
    "CouponRejected",
    "DomainError",
    "DomainEvent",
    "Format",
    "GeoPoint",
    "Hold",
    "HoldPolicy",
    "HoldRequest",
    "InvalidInput",
    "Money",
    "Movie",
    "MovieStatus",
    "PermissionDenied",
    "PricingRules",
    "Principal",
    "Quote",
    "RatingSummary",
    "Refund",
    "RefundDecision",
    "RelaxationStep",
    "Review",
    "Role",
    "RowSpec",
    "ScheduleRules",
    "Screen",
    "Seat",
    "SeatLayout",
    "SeatSelection",
    "SeatsUnavailable",
    "Show",
    "Theater",
    "User",
    "best_available",
    "quote",
    "refund_for",
    "schedule_show",
]
