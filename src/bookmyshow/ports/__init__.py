"""What the core needs from the world: async ``typing.Protocol`` classes and the port errors.

Adapters implement these; services depend only on them.  The contract suite in
:mod:`bookmyshow.testing.contracts` holds every implementation to the same behaviour.
"""

from bookmyshow.ports.cache import Cache
from bookmyshow.ports.clock import Clock
from bookmyshow.ports.coupons import CouponRedemptions
from bookmyshow.ports.errors import (
    BackendUnavailable,
    Conflict,
    IdempotencyKeyReused,
    NotFound,
    PortError,
    RateLimited,
)
from bookmyshow.ports.events import EventBus, EventPublisher
from bookmyshow.ports.idempotency import IdempotencyStore
from bookmyshow.ports.ids import IdGenerator
from bookmyshow.ports.inventory import SeatHolds, SeatSales
from bookmyshow.ports.notifications import Notifier
from bookmyshow.ports.payments import PaymentGateway
from bookmyshow.ports.rate_limit import RateLimiter
from bookmyshow.ports.repositories import (
    BookingRepository,
    MovieRepository,
    ReviewRepository,
    ShowRepository,
    UserRepository,
    VenueRepository,
)
from bookmyshow.ports.security import PasswordHasher, TokenService
from bookmyshow.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "BackendUnavailable",
    "BookingRepository",
    "Cache",
    "Clock",
    "Conflict",
    "CouponRedemptions",
    "EventBus",
    "EventPublisher",
    "IdGenerator",
    "IdempotencyKeyReused",
    "IdempotencyStore",
    "MovieRepository",
    "NotFound",
    "Notifier",
    "PasswordHasher",
    "PaymentGateway",
    "PortError",
    "RateLimited",
    "RateLimiter",
    "ReviewRepository",
    "SeatHolds",
    "SeatSales",
    "ShowRepository",
    "TokenService",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "UserRepository",
    "VenueRepository",
]
